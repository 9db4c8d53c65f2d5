"""provider: gatewayapi:v1 and gatewayapi:v1beta1 — an HTTPRoute (gateway.networking.k8s.io).

Object: HTTPRoute ``<apex>`` attached to ``service.gatewayRefs`` with ``service.hosts`` as
hostnames. Its weighted rule has ``service.match`` (default ``PathPrefix /``), the filters of
``service.headers`` (header modifiers), ``service.rewrite`` (URLRewrite), ``service.mirror``
(RequestMirror) and ``service.corsPolicy`` (CORS), backendRefs to ``<apex>-primary`` and
``<apex>-canary`` with their weights, and ``service.timeout`` / ``backendTimeout``. A/B testing adds
a rule of ``analysis.match`` (crossed with ``service.match``) before an all-primary default rule;
mirroring adds a RequestMirror filter to the canary (``mirrorWeight`` as percent); session affinity
adds sticky rules matching the run's cookies and ``Set-Cookie`` response headers on the weighted
backendRefs, and after a run a rule that expires the previous cookie. The weighted rule is always
the last one that sends to the canary. ``get_routes`` raises RouterError until every parent has
``Accepted=True`` for the route's current generation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flagger_py.model.canary import ABMatch, Canary, CanaryService
from flagger_py.model.duration import Duration
from flagger_py.model.istio import HeaderOperations, HTTPMatchRequest
from flagger_py.model.strategy import ALL, Strategy
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

GROUP = "gateway.networking.k8s.io"
DEFAULT_MATCH = {"path": {"type": "PathPrefix", "value": "/"}}


def read_routes(route: Mapping[str, Any], names: Names) -> Routes:
    rules_ = (route.get("spec") or {}).get("rules") or []
    with_canary = [
        r for r in rules_ if any(b.get("name") == names.canary for b in r.get("backendRefs") or ())
    ]
    if not with_canary:
        return ALL_PRIMARY  # an HTTPRoute we have not taken over yet
    rule = with_canary[-1]
    weights = {b.get("name"): b.get("weight", 1) for b in rule.get("backendRefs") or ()}
    mirrored = any(
        (f.get("requestMirror") or {}).get("backendRef", {}).get("name") == names.canary
        for f in rule.get("filters") or ()
    )
    return objects.weights(weights.get(names.primary, 0), weights.get(names.canary, 0), mirrored)


class GatewayAPIRouter(
    objects.OneObjectRouter, provider="gatewayapi:v1", api=f"{GROUP}/v1", kind="HTTPRoute", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: gatewayapi:v1``."""

    strategies: frozenset[Strategy] = frozenset(ALL)

    def refuse(self, canary: Canary) -> str | None:
        service = canary.spec.service
        if service is None or not service.gateway_refs:
            return (
                f"spec.service.gatewayRefs: provider {self.provider} attaches an HTTPRoute to Gateways; "
                "list at least one Gateway in spec.service.gatewayRefs"
            )
        for index, match in enumerate(canary.spec.analysis.match or ()):
            if match.source_labels:
                return (
                    f"spec.analysis.match[{index}].sourceLabels: an HTTPRoute cannot match on the "
                    "client's labels; match on headers or queryParams instead"
                )
        cors = service.cors_policy
        if cors is not None and any(o.prefix or o.regex for o in cors.allow_origins or ()):
            return (
                "spec.service.corsPolicy.allowOrigins: the Gateway API CORS filter takes exact origins "
                "(wildcards like https://*.example.com allowed); replace prefix/regex with exact"
            )
        return None

    def waiting(self, obj: Mapping[str, Any]) -> str | None:
        return not_accepted(obj)

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        names = Names.of(canary)
        service = canary.spec.service or CanaryService(port=names.port)
        spec: dict[str, Any] = {
            "parentRefs": [_dump(ref) for ref in service.gateway_refs or ()],
            "rules": rules(canary, names, routes),
        }
        if service.hosts:
            spec["hostnames"] = list(service.hosts)
        meta = objects.metadata(canary, names.apex)
        return {"apiVersion": self.api, "kind": "HTTPRoute", "metadata": meta, "spec": spec}


class GatewayAPIV1Beta1Router(GatewayAPIRouter, provider="gatewayapi:v1beta1", api=f"{GROUP}/v1beta1"):
    """Implements ``ports.Router`` for ``provider: gatewayapi:v1beta1`` (the same HTTPRoute, older API)."""


def rules(canary: Canary, names: Names, routes: Routes) -> list[dict[str, Any]]:
    service = canary.spec.service or CanaryService(port=names.port)
    analysis = canary.spec.analysis
    base = [http_match(m) for m in service.match or ()] or [DEFAULT_MATCH]
    backends = [
        _backend(names.primary, names.port, routes.primary),
        _backend(names.canary, names.port, routes.canary),
    ]
    if analysis.match:
        primary_only = [_backend(names.primary, names.port, 100)]
        return [
            _rule(service, ab_matches(analysis.match, base), backends),
            _rule(service, base, primary_only),
        ]
    out: list[dict[str, Any]] = []
    affinity = analysis.session_affinity
    status = canary.status
    cookie = status.session_affinity_cookie if status else None
    if affinity is not None and cookie and routes.canary > 0:
        sticky = [_backend(names.primary, names.port, 0), _backend(names.canary, names.port, 100)]
        out.append(_rule(service, cookie_matches(base, cookie), sticky))
        backends[1] = _set_cookie(backends[1], objects.cookie_header(cookie, affinity.max_age, affinity))
        primary_cookie = status.primary_session_affinity_cookie if status else None
        if primary_cookie:
            pinned = [_backend(names.primary, names.port, 100), _backend(names.canary, names.port, 0)]
            out.append(_rule(service, cookie_matches(base, primary_cookie), pinned))
            interval = int(analysis.interval.seconds)
            backends[0] = _set_cookie(backends[0], objects.cookie_header(primary_cookie, interval, affinity))
    previous = status.previous_session_affinity_cookie if status else None
    if affinity is not None and previous and routes.canary == 0:
        expire = _set_cookie(_backend(names.primary, names.port, 100), f"{previous}; Max-Age=-1")
        out.append(_rule(service, cookie_matches(base, previous), [expire]))
    weighted = _rule(service, base, backends)
    if routes.mirrored:
        mirror: dict[str, Any] = {"backendRef": _ref(names.canary, names.port)}
        if analysis.mirror_weight:
            mirror["percent"] = analysis.mirror_weight
        weighted["filters"] = [
            *weighted.get("filters", []),
            {"type": "RequestMirror", "requestMirror": mirror},
        ]
    out.append(weighted)
    return out


def http_match(match: HTTPMatchRequest) -> dict[str, Any]:
    """An Istio-style match of ``service.match`` as an HTTPRouteMatch."""
    out: dict[str, Any] = {}
    if match.uri is not None:
        out["path"] = _typed(
            match.uri.model_dump(exclude_none=True), {"exact": "Exact", "prefix": "PathPrefix"}
        )
    if match.headers:
        out["headers"] = [_named(k, v.model_dump(exclude_none=True)) for k, v in match.headers.items()]
    if match.query_params:
        out["queryParams"] = [
            _named(k, v.model_dump(exclude_none=True)) for k, v in match.query_params.items()
        ]
    if match.method is not None and match.method.exact:
        out["method"] = match.method.exact
    return out


def ab_matches(matches: Sequence[ABMatch], base: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every A/B match AND every service match (an HTTPRoute ORs its matches)."""
    out: list[dict[str, Any]] = []
    for match in matches:
        headers = [_named(k, v.model_dump(exclude_none=True)) for k, v in (match.headers or {}).items()]
        params = [_named(k, v.model_dump(exclude_none=True)) for k, v in (match.query_params or {}).items()]
        for default in base:
            merged = dict(default)
            if headers:
                merged["headers"] = [*default.get("headers", []), *headers]
            if params:
                merged["queryParams"] = [*default.get("queryParams", []), *params]
            out.append(merged)
    return out


def cookie_matches(base: Sequence[Mapping[str, Any]], cookie: str) -> list[dict[str, Any]]:
    header = {"type": "RegularExpression", "name": "Cookie", "value": f".*{re.escape(cookie)}.*"}
    return [{**m, "headers": [*m.get("headers", []), header]} for m in base]


def not_accepted(route: Mapping[str, Any]) -> str | None:
    """Why the route is not (yet) accepted by every parent for its current generation, or None."""
    generation = (route.get("metadata") or {}).get("generation", 0)
    namespace = (route.get("metadata") or {}).get("namespace")
    parents = ((route.get("status") or {}).get("parents")) or []
    for ref in (route.get("spec") or {}).get("parentRefs") or []:
        key = (ref.get("name"), ref.get("namespace") or namespace, ref.get("sectionName"))
        found = [
            p
            for p in parents
            if (
                p["parentRef"].get("name"),
                p["parentRef"].get("namespace") or namespace,
                p["parentRef"].get("sectionName"),
            )
            == key
        ]
        accepted = [
            c
            for p in found
            for c in p.get("conditions") or ()
            if c.get("type") == "Accepted" and c.get("observedGeneration", 0) >= generation
        ]
        if not accepted or accepted[0].get("status") != "True":
            why = f": {accepted[0].get('reason')}: {accepted[0].get('message')}" if accepted else ""
            parent = f"{ref.get('kind', 'Gateway')} {key[1]}/{key[0]}"
            return f"not accepted by {parent} yet (generation {generation}){why}"
    return None


def _rule(
    service: CanaryService, matches: Sequence[Mapping[str, Any]], backends: list[dict[str, Any]]
) -> dict[str, Any]:
    rule: dict[str, Any] = {"matches": list(matches)}
    filters = _filters(service)
    if filters:
        rule["filters"] = filters
    rule["backendRefs"] = backends
    timeouts = {}
    if service.timeout:
        timeouts["request"] = service.timeout
    if service.backend_timeout:
        timeouts["backendRequest"] = service.backend_timeout
    if timeouts:
        rule["timeouts"] = timeouts
    return rule


def _filters(service: CanaryService) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    headers = service.headers
    if headers is not None and headers.request is not None:
        filters.append({"type": "RequestHeaderModifier", "requestHeaderModifier": _modifier(headers.request)})
    if headers is not None and headers.response is not None:
        filters.append(
            {"type": "ResponseHeaderModifier", "responseHeaderModifier": _modifier(headers.response)}
        )
    rewrite = service.rewrite
    if rewrite is not None and (rewrite.uri or rewrite.authority):
        url: dict[str, Any] = {}
        if rewrite.authority:
            url["hostname"] = rewrite.authority
        if rewrite.uri:
            prefix = rewrite.type == "ReplacePrefixMatch"
            kind, field = (
                ("ReplacePrefixMatch", "replacePrefixMatch")
                if prefix
                else ("ReplaceFullPath", "replaceFullPath")
            )
            url["path"] = {"type": kind, field: rewrite.uri}
        filters.append({"type": "URLRewrite", "urlRewrite": url})
    for mirror in service.mirror or ():
        filters.append({"type": "RequestMirror", "requestMirror": _dump(mirror)})
    cors = service.cors_policy
    if cors is not None:
        policy: dict[str, Any] = {}
        origins = [*(cors.allow_origin or ()), *(o.exact for o in cors.allow_origins or () if o.exact)]
        if origins:
            policy["allowOrigins"] = origins
        for key, value in (
            ("allowMethods", cors.allow_methods),
            ("allowHeaders", cors.allow_headers),
            ("exposeHeaders", cors.expose_headers),
        ):
            if value:
                policy[key] = list(value)
        if cors.allow_credentials is not None:
            policy["allowCredentials"] = cors.allow_credentials
        if cors.max_age:
            policy["maxAge"] = int(Duration.parse(cors.max_age).seconds)
        filters.append({"type": "CORS", "cors": policy})
    return filters


def _modifier(ops: HeaderOperations) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ops.set:
        out["set"] = [{"name": k, "value": v} for k, v in ops.set.items()]
    if ops.add:
        out["add"] = [{"name": k, "value": v} for k, v in ops.add.items()]
    if ops.remove:
        out["remove"] = list(ops.remove)
    return out


def _ref(name: str, port: int) -> dict[str, Any]:
    return {"group": "", "kind": "Service", "name": name, "port": port}


def _backend(name: str, port: int, weight: int) -> dict[str, Any]:
    return {**_ref(name, port), "weight": weight}


def _set_cookie(backend: dict[str, Any], value: str) -> dict[str, Any]:
    modifier = {"add": [{"name": "Set-Cookie", "value": value}]}
    return {**backend, "filters": [{"type": "ResponseHeaderModifier", "responseHeaderModifier": modifier}]}


def _typed(match: Mapping[str, str], kinds: Mapping[str, str]) -> dict[str, str]:
    """A StringMatch as a Gateway API {type, value}: Exact, PathPrefix or RegularExpression."""
    if "regex" in match:
        return {"type": "RegularExpression", "value": match["regex"]}
    if "suffix" in match:
        return {"type": "RegularExpression", "value": ".*" + re.escape(match["suffix"])}
    if "prefix" in match and "prefix" not in kinds:
        return {"type": "RegularExpression", "value": re.escape(match["prefix"]) + ".*"}
    key = next(k for k in ("exact", "prefix") if k in match)
    return {"type": kinds[key], "value": match[key]}


def _named(name: str, match: Mapping[str, str]) -> dict[str, str]:
    return {"name": name, **_typed(match, {"exact": "Exact"})}


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(by_alias=True, exclude_none=True)
    return dumped
