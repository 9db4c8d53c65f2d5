"""Test support that users and our own tests share.

Promises: nothing here is used by the controller at run time. The contract kits, pytest base classes
a plugin's own tests subclass (synchronous tests, no pytest plugin needed): ``routers.RouterContract``,
``metric_providers.MetricProviderContract`` and ``notifiers.NotifierContract``. The in-memory
adapters the kits and the engine tests run on are in ``objects`` (cluster objects) and ``memory``
(the engine's ports). ``cluster`` starts a real local Kubernetes control plane (etcd,
kube-apiserver, controller-manager, scheduler, kwok) from binaries built by ``testenv/build.sh``;
``prometheus`` runs a real Prometheus scraping local targets.
"""
