"""The API resources flagger-py reads and writes, and their REST paths."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """One API resource: ``apps/v1`` ``deployments`` (kind Deployment)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
        """``/apis/apps/v1/namespaces/test/deployments/podinfo/scale`` and its shorter forms."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name is not None:
            base += f"/{name}"
        if sub is not None:
            base += f"/{sub}"
        return base

    def describe(self, namespace: str | None, name: str | None) -> str:
        """``Deployment test/podinfo``, for messages."""
        where = f"{namespace}/{name}" if namespace and name else (name or namespace or "*")
        return f"{self.kind} {where}"


CANARIES = Resource("flagger.app", "v1beta1", "canaries", "Canary")
METRIC_TEMPLATES = Resource("flagger.app", "v1beta1", "metrictemplates", "MetricTemplate")
ALERT_PROVIDERS = Resource("flagger.app", "v1beta1", "alertproviders", "AlertProvider")
DEPLOYMENTS = Resource("apps", "v1", "deployments", "Deployment")
DAEMONSETS = Resource("apps", "v1", "daemonsets", "DaemonSet")
SERVICES = Resource("", "v1", "services", "Service")
CONFIGMAPS = Resource("", "v1", "configmaps", "ConfigMap")
SECRETS = Resource("", "v1", "secrets", "Secret")
EVENTS = Resource("", "v1", "events", "Event")
NAMESPACES = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
HPAS = Resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler")
SCALED_OBJECTS = Resource("keda.sh", "v1alpha1", "scaledobjects", "ScaledObject")
LEASES = Resource("coordination.k8s.io", "v1", "leases", "Lease")

WORKLOADS = {"Deployment": DEPLOYMENTS, "DaemonSet": DAEMONSETS}
SCALERS = {"HorizontalPodAutoscaler": HPAS, "ScaledObject": SCALED_OBJECTS}
