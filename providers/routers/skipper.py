"""provider: skipper — a ``<ingress>-canary`` Ingress with Skipper's backend weights.

Reads the user's Ingress ``spec.ingressRef`` (which must route to the apex Service; it is never
modified) and writes ``<ingress>-canary``: the same rules with every path on the apex Service
pointed at ``<apex>-primary`` and a copy of it, appended to the rule's paths, on ``<apex>-canary``;
the same labels and annotations, plus ``zalando.org/backend-weights`` (``{"<apex>-canary":W,
"<apex>-primary":100-W}``) and ``zalando.org/skipper-predicate`` with ``Weight(100)`` first, so
that the canary Ingress wins over the apex one, or ``False()`` while the canary has no weight, so
that traffic takes the apex Ingress. The Skipper route names these paths give are what the
built-in metrics match. Canary and blue/green releases.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from flagger_py.errors import Problem, SpecError
from flagger_py.model.canary import Canary
from flagger_py.spi import ALL_PRIMARY, Routes

from . import objects
from .ingress import IngressCopyRouter
from .objects import Names

PREDICATE = "zalando.org/skipper-predicate"
BACKEND_WEIGHTS = "zalando.org/backend-weights"
ROUTE_WEIGHT = "Weight(100)"
ROUTE_DISABLED = "False()"


class SkipperRouter(IngressCopyRouter, provider="skipper"):
    """Implements ``ports.Router`` for ``provider: skipper``."""

    def read(self, ingress: Mapping[str, Any], canary: Canary) -> Routes:
        names = Names.of(canary)
        annotations = (ingress.get("metadata") or {}).get("annotations") or {}
        try:
            found = json.loads(annotations.get(BACKEND_WEIGHTS) or "{}")
        except ValueError:
            return ALL_PRIMARY
        if not isinstance(found, dict) or (names.primary not in found and names.canary not in found):
            return ALL_PRIMARY
        try:
            return objects.weights(found.get(names.primary, 0), found.get(names.canary, 0))
        except (TypeError, ValueError):
            return ALL_PRIMARY

    async def build(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        """The canary Ingress (Flagger's SkipperRouter.Reconcile and SetRoutes)."""
        names = Names.of(canary)
        ingress_name, ingress = await self.original(canary)
        spec = copy.deepcopy(dict(ingress.get("spec") or {}))
        if not split_paths(spec, names):
            message = (
                f"Ingress {ingress_name} has no path with the backend Service {names.apex}; route it to the "
                "apex Service"
            )
            raise SpecError([Problem("spec.ingressRef.name", message)])
        theirs = (ingress.get("metadata") or {}).get("annotations") or {}
        meta = objects.copied_metadata(
            canary, self.name(canary), ingress, skipper_annotations(theirs, names, routes)
        )
        return {"apiVersion": self.api, "kind": self.kind, "metadata": meta, "spec": spec}


def split_paths(spec: dict[str, Any], names: Names) -> bool:
    """Point each path on the apex Service at the primary and append its copy on the canary; False
    when there is no such path."""
    found = False
    for rule in spec.get("rules") or ():
        paths = (rule.get("http") or {}).get("paths")
        if not paths:
            continue
        added = []
        for path in paths:
            service = (path.get("backend") or {}).get("service") or {}
            if service.get("name") != names.apex:
                continue
            service["name"] = names.primary
            twin = copy.deepcopy(path)
            twin["backend"]["service"]["name"] = names.canary
            added.append(twin)
        paths.extend(added)
        found = found or bool(added)
    return found


def skipper_annotations(source: Mapping[str, str], names: Names, routes: Routes) -> dict[str, str]:
    """Backend weights (keys sorted, compact: Go's json.Marshal of a map) and the predicate."""
    weights = {names.canary: routes.canary, names.primary: routes.primary}
    first = ROUTE_DISABLED if routes.canary == 0 else ROUTE_WEIGHT
    return {
        BACKEND_WEIGHTS: json.dumps(dict(sorted(weights.items())), separators=(",", ":")),
        PREDICATE: insert_predicate(source.get(PREDICATE, ""), first),
    }


def insert_predicate(raw: str, first: str) -> str:
    """``first`` followed by the other predicates of ``raw`` (Flagger's insertPredicate)."""
    rest = [
        p.strip() for p in raw.split("&&") if p.strip() and p.strip() not in (ROUTE_WEIGHT, ROUTE_DISABLED)
    ]
    return " && ".join([first, *rest])
