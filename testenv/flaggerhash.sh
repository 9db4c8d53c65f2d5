#!/usr/bin/env bash
# Builds flaggerhash (testenv/flaggerhash), the oracle of the Flagger-compatible hash tests: Flagger
# 1.44's own ComputeHash and config checksum, and the Go layout of corev1.PodTemplateSpec that
# flagger_py/desired/pod_layout.py is generated from. Built with the ordinary go client from the module
# proxy into the git-ignored test cache (<cache> as in build.sh): <cache>/flaggerhash-<hash>/bin, linked
# as <cache>/bin/flaggerhash. Idempotent.
#   testenv/flaggerhash.sh            build (a second run does nothing)
#   testenv/flaggerhash.sh --layout   also regenerate flagger_py/desired/pod_layout.py
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FLAGGER_PY_TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flagger-py/testenv}"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOEXPERIMENT=nojsonv2

if ! command -v go >/dev/null; then
  echo "testenv: the Go toolchain is required to build flaggerhash (go not on PATH)" >&2
  exit 1
fi
key="$( (cat "$here/flaggerhash/go.mod" "$here/flaggerhash/go.sum" "$here/flaggerhash/main.go"; go env GOVERSION) \
  | sha256sum | cut -c1-12)"
out="$cache/flaggerhash-$key/bin"
if [ ! -x "$out/flaggerhash" ]; then
  mkdir -p "$out"
  start=$SECONDS
  (cd "$here/flaggerhash" && go build -trimpath -ldflags "-s -w" -o "$out/flaggerhash" .)
  echo "testenv: built flaggerhash in $((SECONDS - start))s"
fi
mkdir -p "$cache/bin"
ln -sf "$out/flaggerhash" "$cache/bin/flaggerhash"
echo "testenv: flaggerhash ready: $cache/bin/flaggerhash"
if [ "${1:-}" = "--layout" ]; then
  "$out/flaggerhash" layout | python3 "$here/flaggerhash/render_layout.py" > "$here/../flagger_py/desired/pod_layout.py"
  echo "testenv: wrote flagger_py/desired/pod_layout.py"
fi
