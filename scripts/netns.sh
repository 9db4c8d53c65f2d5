#!/usr/bin/env bash
# Runs a command in a private network and mount namespace made for it (the end-to-end tests' rule:
# traffic goes only to loopback or to addresses inside a namespace the test created). Inside: loopback
# up, and the node's address 10.87.0.1 on a bridge of its own (the kubelet's node IP). Mounts made
# inside (containerd's and CNI's network namespace files, a tmpfs over /run/containerd for the runc
# shims' sockets) vanish with the namespace.
#   scripts/netns.sh <command> [args...]
set -euo pipefail
if [ "${FLAGGER_PY_NETNS:-}" != "inside" ]; then
  export FLAGGER_PY_HOST_NETNS="$(readlink /proc/self/ns/net)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  exec $sudo env FLAGGER_PY_NETNS=inside FLAGGER_PY_HOST_NETNS="$FLAGGER_PY_HOST_NETNS" unshare --net --mount --propagation private --fork -- "$0" "$@"
fi
ip link set lo up
ip link add fpy-node0 type bridge
ip addr add 10.87.0.1/24 dev fpy-node0
ip link set fpy-node0 up
mkdir -p /run/containerd /run/netns /var/run/netns
mount -t tmpfs tmpfs /run/containerd
mount -t tmpfs tmpfs /run/netns
[ /var/run/netns -ef /run/netns ] || mount -t tmpfs tmpfs /var/run/netns
exec "$@"
