#!/usr/bin/env bash
# Installs the Debian packages the tests use, when they are missing:
#   etcd-server (etcd for the local control plane), prometheus (metric tests), hey (load tests),
#   openssl (keys for the control plane); for the end-to-end tests' real node: containerd, runc, the
#   bridge CNI plugins (containernetworking-plugins), busybox-static (the pause image), iproute2.
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v hey >/dev/null || need+=(hey)
command -v openssl >/dev/null || need+=(openssl)
command -v containerd >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
if [ "${#need[@]}" -eq 0 ]; then
  echo "system-deps: etcd, prometheus, hey, openssl, containerd, runc, CNI plugins, busybox-static present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system-deps: installing ${need[*]} ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system-deps: installed ${need[*]}"
