"""provider: apisix — a ``<route>-<apex>-canary`` ApisixRoute with weighted backends (apisix.apache.org/v2).

Reads the user's ApisixRoute ``spec.routeRef`` (never modified) and takes its first HTTP rule whose
one backend is the apex Service. It writes ``<route>-<apex>-canary`` with the same labels and
annotations and that rule alone, at priority 10000 (so it wins over the user's rule on the same
match), with two backends: the rule's backend renamed ``<apex>-primary``, and ``<apex>-canary`` on
the same servicePort, resolveGranularity and subset, each with its weight (APISIX's traffic-split).
The route's name is what the built-in metrics match (``<namespace>_<route>-<apex>-canary_<rule>``).
Canary and blue/green releases.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flagger_py.errors import Problem, SpecError
from flagger_py.model.canary import Canary
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .objects import Names

API = "apisix.apache.org/v2"
PRIORITY = 10000
"""Flagger's maxPriority: the canary rule is matched before the user's own."""


class ApisixRouter(objects.OneObjectRouter, provider="apisix", api=API, kind="ApisixRoute"):
    """Implements ``ports.Router`` for ``provider: apisix``."""

    def refuse(self, canary: Canary) -> str | None:
        if canary.spec.route_ref is None or not canary.spec.route_ref.name:
            return (
                "spec.routeRef: provider apisix routes through your ApisixRoute; set spec.routeRef to "
                "{apiVersion: apisix.apache.org/v2, kind: ApisixRoute, name: <the route of the apex Service>}"
            )
        return None

    def name(self, canary: Canary) -> str:
        ref = canary.spec.route_ref
        apex = Names.of(canary).apex
        return f"{ref.name if ref else apex}-{apex}-canary"

    def read(self, route: Mapping[str, Any], canary: Canary) -> Routes:
        """The primary's weight, the rest to the canary (Flagger's ApisixRouter.GetRoutes)."""
        names = Names.of(canary)
        for rule in (route.get("spec") or {}).get("http") or ():
            found = {b.get("serviceName"): b.get("weight") for b in rule.get("backends") or ()}
            if names.primary in found:
                return objects.weights(found[names.primary], found.get(names.canary, 0))
        return ALL_PRIMARY

    async def build(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        """The canary ApisixRoute (Flagger's ApisixRouter.Reconcile and SetRoutes)."""
        names = Names.of(canary)
        ref = canary.spec.route_ref
        assert ref is not None  # check() refuses the canary otherwise
        route = await objects.referenced(
            self.cluster, API, "ApisixRoute", canary, ref.name, "spec.routeRef.name"
        )
        where = f"ApisixRoute {names.namespace}/{ref.name}"
        rule = _target_rule(route, names.apex, where)
        backend = dict(rule["backends"][0])
        backend |= {"serviceName": names.primary, "weight": routes.primary}
        twin: dict[str, Any] = {"serviceName": names.canary, "servicePort": backend.get("servicePort")}
        for key in ("resolveGranularity", "subset"):
            if backend.get(key):
                twin[key] = backend[key]
        twin["weight"] = routes.canary
        rule |= {"priority": PRIORITY, "backends": [backend, twin]}
        spec = {k: v for k, v in copy.deepcopy(dict(route.get("spec") or {})).items() if k != "stream"}
        spec["http"] = [rule]
        meta = objects.copied_metadata(canary, self.name(canary), route)
        return {"apiVersion": API, "kind": "ApisixRoute", "metadata": meta, "spec": spec}


def _target_rule(route: Mapping[str, Any], apex: str, where: str) -> dict[str, Any]:
    """A copy of the first HTTP rule with a backend on the apex Service; SpecError when there is
    none or when it has more than one backend."""
    rules = (route.get("spec") or {}).get("http") or ()
    if not rules:
        raise SpecError(
            [Problem("spec.routeRef.name", f"{where} has no spec.http rules; add one for {apex}")]
        )
    for rule in rules:
        backends = rule.get("backends") or ()
        if any(b.get("serviceName") == apex for b in backends):
            if len(backends) != 1:
                message = (
                    f"{where}: rule {rule.get('name')!r} has {len(backends)} backends; the apisix router "
                    f"needs exactly one, the apex Service {apex}"
                )
                raise SpecError([Problem("spec.routeRef.name", message)])
            return copy.deepcopy(dict(rule))
    message = f"{where} has no HTTP rule with the backend Service {apex}; route one to the apex Service"
    raise SpecError([Problem("spec.routeRef.name", message)])
