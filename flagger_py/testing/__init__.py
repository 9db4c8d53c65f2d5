"""Test support that users and our own tests share.

Promises: nothing here is used by the controller at run time. ``cluster`` starts a real local
Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) from
binaries built by ``testenv/build.sh``.
"""
