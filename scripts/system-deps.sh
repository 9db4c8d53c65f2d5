#!/usr/bin/env bash
# Installs the Debian packages the tests use, when they are missing:
#   etcd-server (etcd for the local control plane), prometheus (metric tests), hey (load tests),
#   openssl (keys for the control plane).
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v hey >/dev/null || need+=(hey)
command -v openssl >/dev/null || need+=(openssl)
if [ "${#need[@]}" -eq 0 ]; then
  echo "system-deps: etcd, prometheus, hey and openssl present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system-deps: installing ${need[*]} ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}"
