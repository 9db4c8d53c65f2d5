#!/usr/bin/env bash
# Builds Flagger's controller from the Go module proxy into the git-ignored test cache:
# <cache>/flagger-<version>/bin/flagger, linked as <cache>/bin/flagger (<cache> as in build.sh).
# Idempotent. Used by the tests that run Flagger itself (its command line, the Lease hand-over, the
# migration from Flagger), the side-by-side end-to-end run and the scale benchmark.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FLAGGER_PY_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagger-py/testenv}"
version="${FLAGGER_VERSION:-v1.44.0}"
out="$cache/flagger-$version/bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOEXPERIMENT=nojsonv2

if ! command -v go >/dev/null; then
  echo "testenv: the Go toolchain is required to build Flagger (go not on PATH)" >&2
  exit 1
fi
if [ ! -x "$out/flagger" ]; then
  mkdir -p "$out"
  start=$SECONDS
  echo "testenv: building flagger $version into $out ..."
  GOBIN="$out" go install -trimpath -ldflags "-s -w" "github.com/fluxcd/flagger/cmd/flagger@$version"
  echo "testenv: built flagger $version in $((SECONDS - start))s"
fi
# Flagger's source (its docs and e2e manifests, observers, chart) is read by the tests from the module
# cache; a cached binary does not guarantee it is still there.
(cd "$here/tools" && go mod download -json "github.com/fluxcd/flagger@$version" >/dev/null)
mkdir -p "$cache/bin"
ln -sf "$out/flagger" "$cache/bin/flagger"
echo "testenv: flagger $version ready: $cache/bin/flagger"
