"""provider: gloo — a Gloo Edge RouteTable over two Upstreams (gateway.solo.io/v1, gloo.solo.io/v1).

Objects: Upstreams ``<namespace>-<apex>-primaryupstream-<port>`` and
``<namespace>-<apex>-canaryupstream-<port>`` (kind upstreams of the ``-primary`` and ``-canary``
Services with their selectors; ``spec.upstreamRef`` supplies sslConfig, circuitBreakers,
connectionConfig, loadBalancerConfig, useHttp2, the window sizes and httpProxyHostname), and the
RouteTable ``<apex>`` (apex labels and annotations, Flux opt-out) whose one route, with inheritable
path matchers, splits traffic between the two upstreams. Delegate to it from your VirtualService.
The upstream names are what the built-in metrics match (Envoy clusters ``<upstream>_<namespace>``).
A/B testing puts one matcher per ``analysis.match`` on that route (headers exact or regex; prefix
and suffix become a regex) and adds a last route without matchers that keeps everyone else on
the primary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.errors import Problem, SpecError
from flagger_py.model.canary import ABMatch, Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

GATEWAY_API = "gateway.solo.io/v1"
GLOO_API = "gloo.solo.io/v1"
UPSTREAM_FIELDS = (
    "sslConfig",
    "circuitBreakers",
    "connectionConfig",
    "loadBalancerConfig",
    "useHttp2",
    "initialStreamWindowSize",
    "initialConnectionWindowSize",
    "httpProxyHostname",
)
"""What Flagger copies from the ``spec.upstreamRef`` Upstream into the generated ones, by the names of
Gloo's schema. (Flagger's Go type also has ``labels`` and spells ``httpProxyHostName``; Gloo's Upstream has
neither field, so Flagger never finds them and its Upstreams get no labels.)"""


def upstream_names(canary: Canary) -> tuple[str, str]:
    """(primary, canary) Upstream names, as Flagger's gloo router and observer spell them."""
    names = Names.of(canary)
    prefix = f"{names.namespace}-{names.apex}"
    return f"{prefix}-primaryupstream-{names.port}", f"{prefix}-canaryupstream-{names.port}"


class GlooRouter(objects.OneObjectRouter, provider="gloo", api=GATEWAY_API, kind="RouteTable"):
    """Implements ``ports.Router`` for ``provider: gloo``."""

    strategies: frozenset[Strategy] = frozenset({"canary", "a/b testing", "blue/green"})
    headers_only_as = "the gloo router"

    async def reconcile(self, canary: Canary) -> None:
        primary, canary_upstream = upstream_names(canary)
        names = Names.of(canary)
        config = await self._config_upstream(canary)
        for upstream, service in ((primary, names.primary), (canary_upstream, names.canary)):
            await objects.put(self.cluster, canary, await self.upstream(canary, upstream, service, config))
        await super().reconcile(canary)

    def companions(self, canary: Canary) -> Sequence[tuple[str, str, str]]:
        return [(GLOO_API, "Upstream", name) for name in upstream_names(canary)]

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return route_table(canary, routes)

    def read(self, obj: Mapping[str, Any], canary: Canary) -> Routes:
        return read_routes(obj, canary)

    async def upstream(
        self, canary: Canary, name: str, service: str, config: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """The Upstream of one Service (Flagger's getGlooUpstreamKubeService)."""
        namespace = Names.of(canary).namespace
        found = await objects.existing(self.cluster, "v1", "Service", namespace, service)
        spec = {k: v for k, v in ((config or {}).get("spec") or {}).items() if k in UPSTREAM_FIELDS}
        kube: dict[str, Any] = {
            "serviceName": service,
            "serviceNamespace": namespace,
            "servicePort": Names.of(canary).port,
        }
        selector = (found.get("spec") or {}).get("selector")
        if selector:
            kube["selector"] = dict(selector)
        spec["kube"] = kube
        meta = objects.metadata(canary, name, apex=False)
        return {"apiVersion": GLOO_API, "kind": "Upstream", "metadata": meta, "spec": spec}

    async def _config_upstream(self, canary: Canary) -> Mapping[str, Any] | None:
        ref = canary.spec.upstream_ref
        if ref is None:
            return None
        namespace = ref.namespace or Names.of(canary).namespace
        found = await self.cluster.get(GLOO_API, "Upstream", namespace, ref.name)
        if found is None:
            message = (
                f"Upstream {namespace}/{ref.name} does not exist; create it or point spec.upstreamRef "
                "at an existing gloo.solo.io/v1 Upstream"
            )
            raise SpecError([Problem("spec.upstreamRef.name", message)])
        return found


def route_table(canary: Canary, routes: Routes) -> dict[str, Any]:
    """The RouteTable (Flagger's GlooRouter.Reconcile / SetRoutes newSpec)."""
    names = Names.of(canary)
    matches = canary.spec.analysis.match or ()
    route: dict[str, Any] = {"inheritablePathMatchers": True}
    if matches:
        route["matchers"] = [{"headers": headers(match)} for match in matches]
    route["routeAction"] = _action(canary, routes)
    out = [route]
    if matches:
        out.append({"inheritablePathMatchers": True, "routeAction": _action(canary, ALL_PRIMARY)})
    meta = objects.metadata(canary, names.apex)
    return {"apiVersion": GATEWAY_API, "kind": "RouteTable", "metadata": meta, "spec": {"routes": out}}


def _action(canary: Canary, routes: Routes) -> dict[str, Any]:
    namespace = Names.of(canary).namespace
    destinations = []
    for name, weight in zip(upstream_names(canary), (routes.primary, routes.canary), strict=True):
        destination: dict[str, Any] = {"destination": {"upstream": {"name": name, "namespace": namespace}}}
        if weight:  # Flagger's uint32 weight is omitempty: 0 is left out
            destination["weight"] = weight
        destinations.append(destination)
    return {"multi": {"destinations": destinations}}


def headers(match: ABMatch) -> list[dict[str, Any]]:
    """Gloo header matchers of one A/B match (Flagger's getHeaderMatchers, plus prefix and suffix)."""
    out: list[dict[str, Any]] = []
    for name, value in (match.headers or {}).items():
        if value.exact is not None:
            out.append({"name": name, "value": value.exact})
        elif value.regex is not None:
            out.append({"name": name, "value": value.regex, "regex": True})
        elif value.prefix is not None:
            out.append({"name": name, "value": re.escape(value.prefix) + ".*", "regex": True})
        else:
            out.append({"name": name, "value": ".*" + re.escape(value.suffix or ""), "regex": True})
    return out


def read_routes(table: Mapping[str, Any], canary: Canary) -> Routes:
    """The weights of the first route (Flagger's GetRoutes: the primary's, the rest to the canary)."""
    primary, canary_upstream = upstream_names(canary)
    found_routes = (table.get("spec") or {}).get("routes") or ()
    if not found_routes:
        return ALL_PRIMARY
    destinations = ((found_routes[0].get("routeAction") or {}).get("multi") or {}).get("destinations") or ()
    weights = {
        ((d.get("destination") or {}).get("upstream") or {}).get("name"): d.get("weight", 0)
        for d in destinations
    }
    if primary not in weights and canary_upstream not in weights:
        return ALL_PRIMARY
    return objects.weights(weights.get(primary, 0), weights.get(canary_upstream, 0))
