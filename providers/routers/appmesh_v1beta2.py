"""provider: appmesh:v1beta2 — AWS App Mesh VirtualNodes, VirtualRouters and VirtualServices
(appmesh.k8s.aws/v1beta2, the API of the App Mesh controller v1.x).

The objects of Flagger's AppMeshv1beta2Router; the mesh is the one the namespace belongs to
(``service.meshName`` is not used):

- VirtualNodes ``<apex>-primary`` and ``<apex>-canary``: pods selected by the target's selector label
  (the first of ``-selector-labels`` its ``spec.selector.matchLabels`` has) with the value
  ``<target>-primary`` or ``<target>``; one listener on the container port (``service.targetPort``
  when it is a number, else ``service.port``; ``grpc`` when ``service.portName`` contains "grpc",
  else ``http``) with ``service.timeout`` as per-request timeout; DNS discovery of
  ``<apex>-primary.<namespace>.svc.cluster.local.`` or ``<apex>-canary...``; ``service.backends`` as
  backends (an ``arn:aws...`` by ARN, anything else by VirtualService name); the access log as for
  ``appmesh``; apex labels and annotations and the Flux opt-out.
- VirtualRouter ``<apex>``: a listener on the container port and one HTTP route on the prefix
  ``service.match[0].uri.prefix`` (default ``/``) weighted between the canary and primary nodes, with
  ``service.timeout`` and ``service.retries``; A/B testing makes it the routes ``<apex>-a`` (priority
  10, the headers of ``analysis.match``, the weights) and ``<apex>-b`` (priority 20, the primary).
  VirtualService ``<apex>`` is provided by it and carries the App Mesh gateway annotations when
  ``service.hosts`` is set.
- VirtualRouter and VirtualService ``<apex>-canary``: all traffic to the canary node.

Canary, A/B testing (headers, one match) and blue/green.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.errors import RouterError
from flagger_py.model.canary import Canary, CanaryService
from flagger_py.spi import RouterContext, Routes

from . import appmesh, objects
from .objects import Names

API = "appmesh.k8s.aws/v1beta2"
DNS_SUFFIX = "svc.cluster.local."
DEFAULT_SELECTOR_LABELS = ("app", "name", "app.kubernetes.io/name")
"""Flagger's default ``-selector-labels``, used when the controller does not pass its own."""


def read_routes(router: Mapping[str, Any], names: Names) -> Routes:
    """The weights of the first route (Flagger's AppMeshv1beta2Router.GetRoutes)."""
    routes = (router.get("spec") or {}).get("routes") or ()
    first = (routes[0].get("httpRoute") or {}) if routes else {}
    targets = (first.get("action") or {}).get("weightedTargets") or ()
    found = {(t.get("virtualNodeRef") or {}).get("name"): t.get("weight", 0) for t in targets}
    return objects.split(found, names)


class AppMeshV1Beta2Router(
    objects.OneObjectRouter, provider="appmesh:v1beta2", api=API, kind="VirtualRouter", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: appmesh:v1beta2``; the routes live in the apex
    VirtualRouter."""

    strategies = appmesh.STRATEGIES

    def __init__(self, context: RouterContext) -> None:
        super().__init__(context)
        labels = context.options.get("selector-labels") or ""
        self.selector_labels = tuple(k.strip() for k in labels.split(",") if k.strip()) or (
            DEFAULT_SELECTOR_LABELS
        )

    def refuse(self, canary: Canary) -> str | None:
        service = canary.spec.service
        if service is not None and service.timeout:
            problem = appmesh.duration_problem(service.timeout, "spec.service.timeout")
            if problem:
                return problem
        return appmesh.refusal(canary, self.provider)

    async def reconcile(self, canary: Canary) -> None:
        names = Names.of(canary)
        label = await self.selector_label(canary)
        target = canary.spec.target_ref.name
        for name, selected in ((names.primary, f"{target}-primary"), (names.canary, target)):
            await objects.put(self.cluster, canary, virtual_node(canary, name, {label: selected}))
        await super().reconcile(canary)
        await objects.put(self.cluster, canary, virtual_service(canary, names.apex))
        await objects.put(self.cluster, canary, virtual_router(canary, names.canary, Routes(0, 100)))
        await objects.put(self.cluster, canary, virtual_service(canary, names.canary))

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return virtual_router(canary, Names.of(canary).apex, routes)

    def companions(self, canary: Canary) -> Sequence[tuple[str, str, str]]:
        names = Names.of(canary)
        services = [(API, "VirtualService", name) for name in (names.apex, names.canary)]
        nodes = [(API, "VirtualNode", node) for node in (names.primary, names.canary)]
        return [*services, (API, "VirtualRouter", names.canary), *nodes]

    async def selector_label(self, canary: Canary) -> str:
        """The target's selector label key the VirtualNodes select pods by (Flagger's labelSelector)."""
        ref = canary.spec.target_ref
        namespace = Names.of(canary).namespace
        target = await objects.existing(self.cluster, ref.api_version, ref.kind, namespace, ref.name)
        match_labels = ((target.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        for key in self.selector_labels:
            if key in match_labels:
                return key
        raise RouterError(
            f"{ref.kind} {namespace}/{ref.name}: spec.selector.matchLabels has none of the selector labels "
            f"{', '.join(self.selector_labels)}; the VirtualNodes select pods by one of them"
        )


def container_port(service: CanaryService) -> int:
    """``service.targetPort`` when it is a number, else ``service.port`` (Flagger's getContainerPort)."""
    if isinstance(service.target_port, int) and service.target_port > 0:
        return service.target_port
    return service.port


def per_request(service: CanaryService) -> dict[str, Any] | None:
    """``service.timeout`` as App Mesh's HTTP timeout (Flagger's makeRouteTimeout)."""
    if not service.timeout:
        return None
    return {"perRequest": {"unit": "ms", "value": appmesh.milliseconds(service.timeout)}}


def virtual_node(canary: Canary, name: str, pod_selector: Mapping[str, str]) -> dict[str, Any]:
    """Flagger's AppMeshv1beta2Router.reconcileVirtualNode."""
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    listener: dict[str, Any] = {
        "portMapping": {"port": container_port(service), "protocol": appmesh.protocol(service)}
    }
    timeout = per_request(service)
    if timeout is not None:
        listener["timeout"] = {"http": timeout}
    spec: dict[str, Any] = {
        "listeners": [listener],
        "serviceDiscovery": {"dns": {"hostname": f"{name}.{names.namespace}.{DNS_SUFFIX}"}},
        "podSelector": {"matchLabels": dict(pod_selector)},
    }
    logging = appmesh.access_log(canary)
    if logging is not None:
        spec["logging"] = logging
    if service.backends:
        spec["backends"] = [{"virtualService": _backend(b)} for b in service.backends]
    meta = appmesh.node_metadata(canary, name)
    return {"apiVersion": API, "kind": "VirtualNode", "metadata": meta, "spec": spec}


def _backend(backend: str) -> dict[str, Any]:
    if backend.startswith("arn:aws"):
        return {"virtualServiceARN": backend}
    return {"virtualServiceRef": {"name": backend}}


def virtual_router(canary: Canary, name: str, routes: Routes) -> dict[str, Any]:
    """Flagger's AppMeshv1beta2Router.reconcileVirtualRouter."""
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    limits = appmesh.retry_limits(service)
    timeout = per_request(service)

    def targets(split: Routes | None) -> list[dict[str, Any]]:
        if split is None:
            return [{"virtualNodeRef": {"name": names.primary}, "weight": 100}]
        return [
            {"virtualNodeRef": {"name": names.canary}, "weight": split.canary},
            {"virtualNodeRef": {"name": names.primary}, "weight": split.primary},
        ]

    def route(route_name: str, match: dict[str, Any], weighted: list[dict[str, Any]]) -> dict[str, Any]:
        http: dict[str, Any] = {"match": match, "action": {"weightedTargets": weighted}}
        if timeout is not None:
            http["timeout"] = timeout
        if limits is not None:
            http["retryPolicy"] = {
                "httpRetryEvents": appmesh.retry_events(service),
                "maxRetries": limits[1],
                "perRetryTimeout": {"unit": "ms", "value": limits[0]},
            }
        return {"name": route_name, "httpRoute": http}

    listener = {"portMapping": {"port": container_port(service), "protocol": appmesh.protocol(service)}}
    spec = {
        "listeners": [listener],
        "routes": appmesh.routes_for(canary, names.apex, name, routes, targets, route),
    }
    meta = appmesh.plain_metadata(canary, name)
    return {"apiVersion": API, "kind": "VirtualRouter", "metadata": meta, "spec": spec}


def virtual_service(canary: Canary, name: str) -> dict[str, Any]:
    """The VirtualService Flagger creates with each VirtualRouter: provided by the router of its name."""
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    gateway = appmesh.gateway_annotations(service) if name == names.apex else None
    spec = {"provider": {"virtualRouter": {"virtualRouterRef": {"name": name}}}}
    meta = appmesh.plain_metadata(canary, name, gateway)
    return {"apiVersion": API, "kind": "VirtualService", "metadata": meta, "spec": spec}
