"""provider: istio — DestinationRules and a VirtualService (networking.istio.io/v1).

Objects: DestinationRules ``<apex>-primary`` and ``<apex>-canary`` (host = the Service, the
canary's ``service.trafficPolicy``) and the VirtualService ``<apex>``: hosts (the apex added unless
listed or ``*``), gateways (``mesh`` when none), or neither for a delegate; one weighted HTTP rule
with ``service.match``, rewrite, timeout, retries, corsPolicy and headers. A/B testing puts a
rule of ``analysis.match`` (crossed with ``service.match``) before an all-primary default rule;
mirroring adds ``mirror`` + ``mirrorPercentage`` to the weighted rule; session affinity adds sticky
rules for the run's cookies and ``Set-Cookie`` headers on the weighted destinations, and after a
run a rule that expires the previous cookie. ``appProtocol: tcp`` makes it a TCP route. Rules carry
names (``ab``, ``sticky-canary``, ``sticky-primary``, ``expire-cookie``, ``weighted``) so that
the weights are always read from the right one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.model.canary import ABMatch, Canary, CanaryService
from flagger_py.model.strategy import ALL, Strategy, unsupported
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

API = "networking.istio.io/v1"
SIDE_RULES = ("sticky-canary", "sticky-primary", "expire-cookie")


def read_routes(vs: Mapping[str, Any], names: Names) -> Routes:
    spec = vs.get("spec") or {}
    rules = [r for r in spec.get("http") or spec.get("tcp") or [] if r.get("name") not in SIDE_RULES]
    with_canary = [r for r in rules if any(_host(d) == names.canary for d in r.get("route") or ())]
    rule = (with_canary or rules or [{}])[0]
    found = {_host(d): d.get("weight", 0) for d in rule.get("route") or ()}
    if names.primary not in found and names.canary not in found:
        return ALL_PRIMARY  # a VirtualService we have not taken over yet
    mirrors = [rule.get("mirror") or {}, *(m.get("destination", {}) for m in rule.get("mirrors") or ())]
    mirrored = any(m.get("host") == names.canary for m in mirrors)
    return objects.weights(found.get(names.primary, 0), found.get(names.canary, 0), mirrored)


class IstioRouter(
    objects.OneObjectRouter, provider="istio", api=API, kind="VirtualService", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: istio``."""

    strategies: frozenset[Strategy] = frozenset(ALL)

    def refuse(self, canary: Canary) -> str | None:
        service = canary.spec.service
        if service is None:
            return f"spec.service: provider {self.provider} needs spec.service (at least its port)"
        if service.delegation and (service.hosts or service.gateways):
            return (
                "spec.service.delegation: a delegate VirtualService has no hosts or gateways; "
                "remove spec.service.hosts and spec.service.gateways, or delegation"
            )
        if _tcp(service):
            return unsupported(
                canary, f"{self.provider} (appProtocol tcp)", frozenset({"canary", "blue/green"})
            )
        return None

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return virtual_service(canary, routes)

    async def reconcile(self, canary: Canary) -> None:
        names = Names.of(canary)
        for host in (names.primary, names.canary):
            await objects.put(self.cluster, canary, destination_rule(canary, host))
        await super().reconcile(canary)

    def companions(self, canary: Canary) -> Sequence[tuple[str, str, str]]:
        names = Names.of(canary)
        return [(API, "DestinationRule", host) for host in (names.primary, names.canary)]


def destination_rule(canary: Canary, host: str) -> dict[str, Any]:
    service = canary.spec.service
    spec: dict[str, Any] = {"host": host}
    if service is not None and service.traffic_policy is not None:
        spec["trafficPolicy"] = _dump(service.traffic_policy)
    meta = objects.metadata(canary, host, apex=False)
    return {"apiVersion": API, "kind": "DestinationRule", "metadata": meta, "spec": spec}


def virtual_service(canary: Canary, routes: Routes) -> dict[str, Any]:
    names = Names.of(canary)
    service = canary.spec.service or CanaryService(port=names.port)
    spec: dict[str, Any] = {}
    if not service.delegation:
        hosts = list(service.hosts or ())
        if names.apex not in hosts and "*" not in hosts:
            hosts.append(names.apex)
        spec["hosts"] = hosts
        spec["gateways"] = list(service.gateways or ("mesh",))
    if _tcp(service):
        spec["tcp"] = [_tcp_rule(service, names, routes)]
    else:
        spec["http"] = http_rules(canary, names, routes)
    meta = objects.metadata(canary, names.apex)
    return {"apiVersion": API, "kind": "VirtualService", "metadata": meta, "spec": spec}


def http_rules(canary: Canary, names: Names, routes: Routes) -> list[dict[str, Any]]:
    service = canary.spec.service or CanaryService(port=names.port)
    analysis = canary.spec.analysis
    base = [_dump(m) for m in service.match or ()]
    weighted = [
        _destination(service, names.primary, routes.primary),
        _destination(service, names.canary, routes.canary),
    ]
    if analysis.match:
        return [
            _rule(service, "ab", ab_matches(analysis.match, base), weighted),
            _rule(service, "weighted", base, [_destination(service, names.primary, 100)]),
        ]
    rules: list[dict[str, Any]] = []
    affinity = analysis.session_affinity
    status = canary.status
    cookie = status.session_affinity_cookie if status else None
    if affinity is not None and cookie and routes.canary > 0:
        sticky = [_destination(service, names.primary, 0), _destination(service, names.canary, 100)]
        rules.append(_rule(service, "sticky-canary", cookie_matches(base, cookie), sticky))
        weighted[1] = _set_cookie(weighted[1], objects.cookie_header(cookie, affinity.max_age, affinity))
        primary_cookie = status.primary_session_affinity_cookie if status else None
        if primary_cookie:
            pinned = [_destination(service, names.primary, 100), _destination(service, names.canary, 0)]
            rules.append(_rule(service, "sticky-primary", cookie_matches(base, primary_cookie), pinned))
            interval = int(analysis.interval.seconds)
            weighted[0] = _set_cookie(weighted[0], objects.cookie_header(primary_cookie, interval, affinity))
    previous = status.previous_session_affinity_cookie if status else None
    if affinity is not None and previous and routes.canary == 0:
        expire = _set_cookie(_destination(service, names.primary, 100), f"{previous}; Max-Age=-1")
        rules.append(_rule(service, "expire-cookie", cookie_matches(base, previous), [expire]))
    rule = _rule(service, "weighted", base, weighted)
    if routes.mirrored:
        rule["mirror"] = {"host": names.canary}
        if analysis.mirror_weight:
            rule["mirrorPercentage"] = {"value": float(analysis.mirror_weight)}
    rules.append(rule)
    return rules


def ab_matches(matches: Sequence[ABMatch], base: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every A/B match AND every service match (Istio ORs the list): the canary's audience."""
    out: list[dict[str, Any]] = []
    for match in matches:
        ab: dict[str, Any] = {}
        if match.headers:
            ab["headers"] = {
                k: _string_match(v.model_dump(exclude_none=True)) for k, v in match.headers.items()
            }
        if match.query_params:
            ab["queryParams"] = {k: _dump(v) for k, v in match.query_params.items()}
        if match.source_labels:
            ab["sourceLabels"] = dict(match.source_labels)
        for default in base or ({},):
            merged = {**default, **ab}
            if "headers" in default and "headers" in ab:
                merged["headers"] = {**default["headers"], **ab["headers"]}
            out.append(merged)
    return out


def cookie_matches(base: Sequence[Mapping[str, Any]], cookie: str) -> list[dict[str, Any]]:
    header = {"cookie": {"regex": f".*{re.escape(cookie)}.*"}}
    return [{**m, "headers": {**m.get("headers", {}), **header}} for m in base or ({},)]


def _rule(
    service: CanaryService, name: str, match: Sequence[Mapping[str, Any]], route: list[dict[str, Any]]
) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": name}
    if match:
        rule["match"] = list(match)
    if service.rewrite is not None:
        rewrite = service.rewrite.model_dump(by_alias=True, exclude_none=True, exclude={"type"})
        if rewrite:
            rule["rewrite"] = rewrite
    if service.timeout:
        rule["timeout"] = service.timeout
    if service.retries is not None:
        rule["retries"] = _dump(service.retries)
    if service.cors_policy is not None:
        rule["corsPolicy"] = _dump(service.cors_policy)
    if service.headers is not None:
        rule["headers"] = _dump(service.headers)
    rule["route"] = route
    return rule


def _destination(service: CanaryService, host: str, weight: int) -> dict[str, Any]:
    destination: dict[str, Any] = {"host": host}
    gateways = [g for g in service.gateways or () if g != "mesh"]
    if service.port_discovery and (gateways or service.delegation):
        destination["port"] = {"number": service.port}
    return {"destination": destination, "weight": weight}


def _set_cookie(destination: dict[str, Any], value: str) -> dict[str, Any]:
    return {**destination, "headers": {"response": {"add": {"Set-Cookie": value}}}}


def _tcp(service: CanaryService) -> bool:
    return (service.app_protocol or "").lower() == "tcp"


def _tcp_rule(service: CanaryService, names: Names, routes: Routes) -> dict[str, Any]:
    l4 = ("port", "sourceLabels", "gateways", "sourceNamespace")
    matches = [{k: v for k, v in _dump(m).items() if k in l4} for m in service.match or ()]
    route = [
        {"destination": {"host": host, "port": {"number": service.port}}, "weight": weight}
        for host, weight in ((names.primary, routes.primary), (names.canary, routes.canary))
    ]
    rule: dict[str, Any] = {"route": route}
    if any(matches):
        rule["match"] = [m for m in matches if m]
    return rule


def _string_match(match: Mapping[str, str]) -> dict[str, str]:
    """Istio matches exact, prefix and regex; a suffix becomes a regex (RE2 matches whole values)."""
    if "suffix" in match:
        return {"regex": ".*" + re.escape(match["suffix"])}
    return dict(match)


def _host(route: Mapping[str, Any]) -> str | None:
    host: str | None = (route.get("destination") or {}).get("host")
    return host


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True)
    return dumped
