"""provider: appmesh — AWS App Mesh VirtualNodes and VirtualServices (appmesh.k8s.aws/v1beta1).

The objects of Flagger's AppMeshRouter, in App Mesh's first Kubernetes API, where a VirtualService
holds its virtual router and routes (App Mesh controllers v1.0 and later serve only v1beta2: use
``provider: appmesh:v1beta2`` with them):

- VirtualNodes ``<apex>``, ``<apex>-primary`` and ``<apex>-canary`` in mesh ``service.meshName``: one
  listener on ``service.port`` (``grpc`` when ``service.portName`` contains "grpc", else ``http``), DNS
  discovery of ``<apex>-primary.<namespace>`` (for the apex and the primary node) or
  ``<apex>-canary.<namespace>``, ``service.backends`` as virtual service backends, and an access log
  to /dev/stdout when the Canary is annotated ``appmesh.flagger.app/accesslog: enabled``; apex labels
  and annotations and the Flux opt-out.
- VirtualService ``<apex>.<namespace>``: virtual router ``<apex>`` with one route on the prefix
  ``service.match[0].uri.prefix`` (default ``/``) weighted between the canary and primary nodes, with
  ``service.retries`` as retry policy. A/B testing makes it two routes: ``<apex>-a`` (priority 10)
  with the headers of ``analysis.match`` carrying the weights, then ``<apex>-b`` (priority 20), all to
  the primary. ``service.hosts`` put the App Mesh gateway annotations on it.
- VirtualService ``<apex>-canary.<namespace>``: virtual router ``<apex>-canary``, all traffic to the
  canary node.

Canary, A/B testing (headers, one match) and blue/green. This module also holds what the v1beta2
router (``appmesh_v1beta2.py``) shares with it: the checks, route matches, retry events and gateway
annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flagger_py.model.canary import Canary, CanaryService
from flagger_py.model.duration import Duration
from flagger_py.model.strategy import Strategy
from flagger_py.spi import Routes

from . import objects
from .matches import headers_only
from .objects import Names

API = "appmesh.k8s.aws/v1beta1"
ACCESS_LOG = "appmesh.flagger.app/accesslog"
RETRY_EVENTS = ("server-error", "gateway-error", "client-error", "stream-error")
"""The HTTP retry events App Mesh knows (its CRDs' enum)."""
DEFAULT_PER_RETRY_MS = 250
STRATEGIES: frozenset[Strategy] = frozenset({"canary", "a/b testing", "blue/green"})


def refusal(canary: Canary, provider: str) -> str | None:
    """What both App Mesh routers refuse beyond their strategies: a canary without spec.service, A/B
    matches on more than one condition or on more than headers, durations that do not parse, retry
    events App Mesh does not know, in that order."""
    service = canary.spec.service
    if service is None:
        return f"spec.service: provider {provider} needs spec.service (at least its port)"
    matches = canary.spec.analysis.match or ()
    if len(matches) > 1:
        return (
            f"spec.analysis.match: App Mesh routes A/B traffic on one condition (got {len(matches)}); "
            "put every header in one match"
        )
    why = headers_only(canary, "App Mesh")
    if why:
        return why
    retries = service.retries
    if retries is not None and retries.per_try_timeout:
        problem = duration_problem(retries.per_try_timeout, "spec.service.retries.perTryTimeout")
        if problem:
            return problem
    for event in retry_events(service):
        if event not in RETRY_EVENTS:
            return (
                f"spec.service.retries.retryOn: App Mesh has no retry event {event!r}; "
                f"use a comma-separated list of {', '.join(RETRY_EVENTS)}"
            )
    return None


def duration_problem(text: str, field: str) -> str | None:
    """Why ``text`` cannot be an App Mesh duration (it does not parse, or is negative), or None."""
    try:
        parsed = Duration.parse(text)
    except ValueError as exc:
        return f"{field}: {exc}"
    if parsed.seconds < 0:
        return (
            f"{field}: App Mesh durations cannot be negative (got {text!r}); write a positive one such as 5s"
        )
    return None


def milliseconds(text: str) -> int:
    """Go's ``time.ParseDuration(text).Milliseconds()``: whole milliseconds, truncated."""
    nanoseconds = round(Duration.parse(text).seconds * 1e9)
    return int(nanoseconds / 1_000_000)


def protocol(service: CanaryService) -> str:
    return "grpc" if "grpc" in (service.port_name or "") else "http"


def route_prefix(service: CanaryService) -> str:
    """App Mesh routes on a URI prefix only: ``service.match[0].uri.prefix``, else ``/``."""
    matches = service.match or ()
    if matches and matches[0].uri is not None and matches[0].uri.prefix:
        return matches[0].uri.prefix
    return "/"


def header_matches(canary: Canary) -> list[dict[str, Any]]:
    """The route headers of ``analysis.match`` (Flagger's makeHeaders)."""
    out: list[dict[str, Any]] = []
    for match in canary.spec.analysis.match or ():
        for name, value in (match.headers or {}).items():
            out.append({"name": name, "match": value.model_dump(exclude_none=True)})
    return out


def retry_events(service: CanaryService) -> list[str]:
    retries = service.retries
    if retries is None:
        return []
    if not retries.retry_on:
        return ["gateway-error"]
    return [event.strip() for event in retries.retry_on.split(",") if event.strip()]


def retry_limits(service: CanaryService) -> tuple[int, int] | None:
    """(per-retry timeout in ms, max retries) of ``service.retries``: 250 ms and 1 unless set."""
    retries = service.retries
    if retries is None:
        return None
    timeout = milliseconds(retries.per_try_timeout) if retries.per_try_timeout else DEFAULT_PER_RETRY_MS
    attempts = retries.attempts if retries.attempts is not None and retries.attempts > 0 else 1
    return timeout, attempts


def gateway_annotations(service: CanaryService) -> dict[str, str]:
    """What the App Mesh gateway reads off the apex VirtualService: expose it on ``service.hosts``."""
    hosts = service.hosts or ()
    if not hosts:
        return {}
    found = {
        "gateway.appmesh.k8s.aws/expose": "true",
        "gateway.appmesh.k8s.aws/domain": "".join(f"{host}," for host in hosts),
    }
    if service.timeout:
        found["gateway.appmesh.k8s.aws/timeout"] = service.timeout
    if service.retries is not None and service.retries.attempts is not None and service.retries.attempts > 0:
        found["gateway.appmesh.k8s.aws/retries"] = str(service.retries.attempts)
    return found


def access_log(canary: Canary) -> dict[str, Any] | None:
    if (canary.metadata.annotations or {}).get(ACCESS_LOG) == "enabled":
        return {"accessLog": {"file": {"path": "/dev/stdout"}}}
    return None


def node_metadata(canary: Canary, name: str) -> dict[str, Any]:
    """VirtualNodes carry the apex labels and annotations and the Flux opt-out (Flagger's filterMetadata)."""
    return objects.metadata(canary, name)


def plain_metadata(canary: Canary, name: str, annotations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Virtual routers and services carry no metadata of the Canary's (as Flagger writes them)."""
    meta = objects.metadata(canary, name, flux=False, apex=False)
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


Targets = Callable[[Routes | None], list[dict[str, Any]]]
"""Weighted targets of a split (None: all to the primary), in one API version's shape."""
Route = Callable[[str, dict[str, Any], list[dict[str, Any]]], dict[str, Any]]
"""One route (name, match, weighted targets) in one API version's shape."""


def routes_for(
    canary: Canary, apex: str, name: str, routes: Routes, targets: Targets, route: Route
) -> list[dict[str, Any]]:
    """The routes of a virtual router named ``name``: one weighted route, or, for the apex router of an
    A/B canary, the header route ``<apex>-a`` with the weights before ``<apex>-b`` to the primary.

    ``targets(routes)`` gives the weighted targets, ``route(name, match, targets)`` one route of the
    API version at hand.
    """
    service = canary.spec.service or CanaryService(port=Names.of(canary).port)
    prefix = route_prefix(service)
    if canary.spec.analysis.match and name == apex:
        with_headers = {"prefix": prefix, "headers": header_matches(canary)}
        return [
            {**route(f"{apex}-a", with_headers, targets(routes)), "priority": 10},
            {**route(f"{apex}-b", {"prefix": prefix}, targets(None)), "priority": 20},
        ]
    return [route(name, {"prefix": prefix}, targets(routes))]


def read_routes(vs: Mapping[str, Any], names: Names) -> Routes:
    """The weights of the first route (Flagger's AppMeshRouter.GetRoutes)."""
    routes = (vs.get("spec") or {}).get("routes") or ()
    first = (routes[0].get("http") or {}) if routes else {}
    targets = (first.get("action") or {}).get("weightedTargets") or ()
    found = {t.get("virtualNodeName"): t.get("weight", 0) for t in targets}
    return objects.split(found, names)


class AppMeshRouter(
    objects.OneObjectRouter, provider="appmesh", api=API, kind="VirtualService", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: appmesh`` (App Mesh v1beta1 objects); the routes
    live in the apex VirtualService."""

    strategies = STRATEGIES

    def refuse(self, canary: Canary) -> str | None:
        service = canary.spec.service
        if service is not None and not service.mesh_name:
            return (
                f"spec.service.meshName: provider {self.provider} needs the name of the App Mesh mesh; "
                "set it (or use provider appmesh:v1beta2, which finds the mesh by namespace)"
            )
        return refusal(canary, self.provider)

    async def reconcile(self, canary: Canary) -> None:
        names = Names.of(canary)
        for name, host in (
            (names.apex, names.primary),
            (names.primary, names.primary),
            (names.canary, names.canary),
        ):
            await objects.put(self.cluster, canary, virtual_node(canary, name, host))
        await super().reconcile(canary)
        await objects.put(self.cluster, canary, virtual_service(canary, names.canary, Routes(0, 100)))

    def name(self, canary: Canary) -> str:
        names = Names.of(canary)
        return service_name(names.apex, names)

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return virtual_service(canary, Names.of(canary).apex, routes)

    def companions(self, canary: Canary) -> Sequence[tuple[str, str, str]]:
        names = Names.of(canary)
        nodes = [(API, "VirtualNode", node) for node in (names.apex, names.primary, names.canary)]
        return [(API, "VirtualService", service_name(names.canary, names)), *nodes]


def service_name(router: str, names: Names) -> str:
    """v1beta1 VirtualServices are named by their DNS name: ``<router>.<namespace>``."""
    return f"{router}.{names.namespace}"


def virtual_node(canary: Canary, name: str, host: str) -> dict[str, Any]:
    """Flagger's AppMeshRouter.reconcileVirtualNode."""
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    spec: dict[str, Any] = {
        "meshName": service.mesh_name or "",
        "listeners": [{"portMapping": {"port": names.port, "protocol": protocol(service)}}],
        "serviceDiscovery": {"dns": {"hostName": f"{host}.{names.namespace}"}},
    }
    if service.backends:
        spec["backends"] = [{"virtualService": {"virtualServiceName": b}} for b in service.backends]
    logging = access_log(canary)
    if logging is not None:
        spec["logging"] = logging
    return {"apiVersion": API, "kind": "VirtualNode", "metadata": node_metadata(canary, name), "spec": spec}


def virtual_service(canary: Canary, router: str, routes: Routes) -> dict[str, Any]:
    """Flagger's AppMeshRouter.reconcileVirtualService: the virtual router ``router`` and its routes."""
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    limits = retry_limits(service)

    def targets(split: Routes | None) -> list[dict[str, Any]]:
        if split is None:
            return [{"virtualNodeName": names.primary, "weight": 100}]
        return [
            {"virtualNodeName": names.canary, "weight": split.canary},
            {"virtualNodeName": names.primary, "weight": split.primary},
        ]

    def route(name: str, match: dict[str, Any], weighted: list[dict[str, Any]]) -> dict[str, Any]:
        http: dict[str, Any] = {"match": match, "action": {"weightedTargets": weighted}}
        if limits is not None:
            http["retryPolicy"] = {
                "perRetryTimeoutMillis": limits[0],
                "maxRetries": limits[1],
                "httpRetryEvents": retry_events(service),
            }
        return {"name": name, "http": http}

    spec = {
        "meshName": service.mesh_name or "",
        "virtualRouter": {
            "name": router,
            "listeners": [{"portMapping": {"port": names.port, "protocol": protocol(service)}}],
        },
        "routes": routes_for(canary, names.apex, router, routes, targets, route),
    }
    gateway = gateway_annotations(service) if router == names.apex else None
    meta = plain_metadata(canary, service_name(router, names), gateway)
    return {"apiVersion": API, "kind": "VirtualService", "metadata": meta, "spec": spec}
