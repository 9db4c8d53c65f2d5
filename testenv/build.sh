#!/usr/bin/env bash
# Builds the test control plane and tools from the Go module proxy into a cache outside the clone
# (default ~/.cache/flagger-py/testenv, or $FLAGGER_PY_TESTENV_CACHE), so every clone on the machine,
# CI's fresh one included, reuses what another built:
#   <cache>/k8s-<version>-<recipe>/bin: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
#                                       kubelet (the real node of the end-to-end tests)
#   <cache>/tools-<hash>/bin:           kwok, helm
#   <cache>/traefik-<version>-<recipe>/bin: traefik (the proxy of the end-to-end tests)
#   <cache>/app-<hash>/bin:             fpy-app, the end-to-end tests' application (testenv/app)
#   <cache>/crds:                       CRDs shipped inside Go modules (the PrometheusRule CRD of
#                                       prometheus-operator, the Gateway API CRDs Traefik tests with),
#                                       which shared/thirdparty-crds lacks
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
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet
build "$here/tools" "$tools_bin" "-s -w" sigs.k8s.io/kwok/cmd/kwok helm.sh/helm/v3/cmd/helm

# The end-to-end tests' application: a module of ours without dependencies, static so that it runs
# in an image that holds nothing else.
app_hash="$( (cd "$here/app" && cat go.mod ./*.go; go env GOVERSION) | sha256sum | cut -c1-12)"
app_bin="$cache/app-$app_hash/bin"
if [ ! -x "$app_bin/fpy-app" ]; then
  mkdir -p "$app_bin"
  (cd "$here/app" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$app_bin/fpy-app" .)
  echo "testenv: built fpy-app into $app_bin"
fi

# Traefik, pinned: its module is downloaded (checksummed like any) and built inside a writable copy,
# with its own go.mod and replace directives (`go install` refuses those). v3.7 is not buildable from
# the module proxy served here (some of its dependencies are not).
traefik_version=v3.6.12
traefik_flags="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$traefik_version"
traefik_recipe="$( (go env GOVERSION; echo "$traefik_flags") | sha256sum | cut -c1-8)"
traefik_bin="$cache/traefik-$traefik_version-$traefik_recipe/bin"
if [ ! -x "$traefik_bin/traefik" ]; then
  start=$SECONDS
  echo "testenv: building traefik $traefik_version into $traefik_bin (cold: about 10 minutes) ..."
  src="$(cd "$here/tools" && go mod download -json "github.com/traefik/traefik/v3@$traefik_version" \
    | awk -F'"' '/"Dir"/ {print $4}')"
  work="$(mktemp -d)"
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  mkdir -p "$traefik_bin"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$traefik_flags" \
    -o "$traefik_bin/traefik" ./cmd/traefik)
  rm -rf "$work"
  echo "testenv: built traefik in $((SECONDS - start))s"
else
  echo "testenv: up to date: traefik in $traefik_bin"
fi
# The Gateway API CRDs Traefik is tested with: shared/ holds v1.6.1's standard channel without
# BackendTLSPolicy, whose informer Traefik's Gateway provider waits for (silently) before it acts.
gateway_crds="$cache/crds/traefik-$traefik_version-gateway-api.yml"
if [ ! -f "$gateway_crds" ]; then
  src="$(cd "$here/tools" && go mod download -json "github.com/traefik/traefik/v3@$traefik_version" \
    | awk -F'"' '/"Dir"/ {print $4}')"
  mkdir -p "$cache/crds"
  cp "$src/integration/fixtures/k8s/00-experimental-v1.4.0.yml" "$gateway_crds"
  echo "testenv: Gateway API CRDs of traefik $traefik_version in $gateway_crds"
fi

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
for b in "$k8s_bin"/* "$tools_bin"/* "$app_bin"/* "$traefik_bin"/*; do ln -sf "$b" "$cache/bin/$(basename "$b")"; done
echo "testenv: binaries ready in $cache/bin ($(du -sh "$cache" | cut -f1) cache)"
