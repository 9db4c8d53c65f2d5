#!/usr/bin/env bash
# Builds the test control plane and tools from the Go module proxy into a cache outside the clone
# (default ~/.cache/flagger-py/testenv, or $FLAGGER_PY_TESTENV_CACHE), so every clone on the machine,
# CI's fresh one included, reuses what another built:
#   <cache>/k8s-<version>-<recipe>/bin: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#   <cache>/tools-<hash>/bin:           kwok, helm
#   <cache>/crds:                       CRDs shipped inside Go modules (the PrometheusRule CRD of
#                                       prometheus-operator, which shared/thirdparty-crds lacks)
#   <cache>/bin:                        links to all of them, where the tests look
# A directory's name is its key: the pinned versions (go.mod files beside this script) and a hash of the
# build recipe (Go version, GOEXPERIMENT, ldflags), so changing either builds afresh beside the old.
# Idempotent: a binary that is already built is not built again. Prints one line per step, timed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FLAGGER_PY_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagger-py/testenv}"

if ! command -v go >/dev/null; then
  echo "testenv: the Go toolchain is required to build the test binaries (go not on PATH)" >&2
  exit 1
fi
k8s_version="$(awk '/^require k8s.io\/kubernetes/ {print $3}' "$here/k8s/go.mod")"
# Go 1.27 turns on encoding/json/v2, which breaks the OpenAPI document kube-apiserver serves.
export GOEXPERIMENT=nojsonv2 GOFLAGS=-mod=mod GOTOOLCHAIN=local
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$(echo "$k8s_version" | cut -d. -f2)"
recipe="$( (go env GOVERSION; echo "$GOEXPERIMENT $ldflags") | sha256sum | cut -c1-8)"
tools_hash="$( (cat "$here/tools/go.mod" "$here/tools/go.sum"; go env GOVERSION) | sha256sum | cut -c1-12)"
k8s_bin="$cache/k8s-$k8s_version-$recipe/bin"
tools_bin="$cache/tools-$tools_hash/bin"

build() {  # build <module dir> <output dir> <ldflags> <package...>
  local dir="$1" out="$2" flags="$3"; shift 3
  local missing=()
  for pkg in "$@"; do
    [ -x "$out/$(basename "$pkg")" ] || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "testenv: up to date: ${*##*/} in $out"
    return
  fi
  mkdir -p "$out"
  local start=$SECONDS
  echo "testenv: building ${missing[*]##*/} into $out ..."
  (cd "$dir" && go build -trimpath -ldflags "$flags" -o "$out/" "${missing[@]}")
  echo "testenv: built ${missing[*]##*/} in $((SECONDS - start))s"
}

build "$here/k8s" "$k8s_bin" "$ldflags" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
build "$here/tools" "$tools_bin" "-s -w" sigs.k8s.io/kwok/cmd/kwok helm.sh/helm/v3/cmd/helm

# CRDs the tests install that only come inside a Go module: fetched by `go mod download` (checksummed
# by the Go checksum database like any module), copied out of the read-only module cache.
prometheus_operator=v0.76.2
crds="$cache/crds"
if [ ! -f "$crds/monitoring.coreos.com_prometheusrules.yaml" ]; then
  mkdir -p "$crds"
  dir="$(cd "$here/tools" && go mod download -json "github.com/prometheus-operator/prometheus-operator@$prometheus_operator" \
    | awk -F'"' '/"Dir"/ {print $4}')"
  cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" "$crds/"
  echo "testenv: PrometheusRule CRD of prometheus-operator $prometheus_operator in $crds"
fi

# One stable place for the fixtures to look.
mkdir -p "$cache/bin"
for b in "$k8s_bin"/* "$tools_bin"/*; do ln -sf "$b" "$cache/bin/$(basename "$b")"; done
echo "testenv: binaries ready in $cache/bin ($(du -sh "$cache" | cut -f1) cache)"
