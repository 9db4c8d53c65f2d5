"""provider: nginx — a ``<ingress>-canary`` Ingress with NGINX canary annotations.

Reads the user's Ingress ``spec.ingressRef`` (which must route to the apex Service) and writes
``<ingress>-canary``: the same rules with the apex backends pointed at ``<apex>-canary``, the
same labels and annotations (minus any canary ones), and ``<prefix>/canary: "true"`` with
``<prefix>/canary-weight`` (prefix: ``-ingress-annotations-prefix``, default
``nginx.ingress.kubernetes.io``). While an A/B run sends its audience to the canary, the weight
gives way to ``canary-by-header`` (+ ``-value`` for exact, ``-pattern`` for regex/prefix/suffix)
or ``canary-by-cookie`` (a match on the header ``cookie``); at weight 0 they are all removed. The
user's Ingress is never modified.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from flagger_py.errors import Problem, SpecError
from flagger_py.model.canary import Canary
from flagger_py.model.strategy import Strategy
from flagger_py.spi import ALL_PRIMARY, RouterContext, Routes

from . import objects
from .ingress import IngressCopyRouter
from .objects import Names

DEFAULT_PREFIX = "nginx.ingress.kubernetes.io"


class NginxRouter(IngressCopyRouter, provider="nginx"):
    """Implements ``ports.Router`` for ``provider: nginx``."""

    strategies: frozenset[Strategy] = frozenset({"canary", "a/b testing", "blue/green"})

    def __init__(self, context: RouterContext) -> None:
        super().__init__(context)
        self.prefix = context.options.get("ingress-annotations-prefix") or DEFAULT_PREFIX

    def refuse(self, canary: Canary) -> str | None:
        missing = super().refuse(canary)
        if missing:
            return missing
        headers = cookies = 0
        for index, match in enumerate(canary.spec.analysis.match or ()):
            if match.query_params or match.source_labels:
                return (
                    f"spec.analysis.match[{index}]: NGINX canaries match one header or one cookie only; "
                    "remove queryParams and sourceLabels"
                )
            for name, value in (match.headers or {}).items():
                is_cookie = name.lower() == "cookie"
                cookies, headers = cookies + is_cookie, headers + (not is_cookie)
                if is_cookie and value.exact is None:
                    return (
                        f"spec.analysis.match[{index}].headers.cookie: NGINX matches a cookie by exact name"
                    )
        if headers > 1 or cookies > 1:
            return (
                "spec.analysis.match: NGINX canaries match at most one header and one cookie "
                f"(got {headers} headers and {cookies} cookies); keep one of each"
            )
        return None

    def read(self, ingress: Mapping[str, Any], canary: Canary) -> Routes:  # noqa: ARG002 - same for all
        annotations = (ingress.get("metadata") or {}).get("annotations") or {}
        if annotations.get(f"{self.prefix}/canary") != "true":
            return ALL_PRIMARY
        if any(f"{self.prefix}/canary-by-{kind}" in annotations for kind in ("header", "cookie")):
            return Routes(0, 100)
        return objects.weights(None, annotations.get(f"{self.prefix}/canary-weight"))

    async def build(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        """The canary Ingress: a copy of the user's with the canary annotations."""
        names = Names.of(canary)
        ingress_name, ingress = await self.original(canary)
        spec = copy.deepcopy(dict(ingress.get("spec") or {}))
        if not _retarget(spec, names.apex, names.canary):
            message = (
                f"Ingress {ingress_name} has no backend Service {names.apex}; route it to the apex Service"
            )
            raise SpecError([Problem("spec.ingressRef.name", message)])
        ours = self.annotations(canary, routes)
        meta = objects.copied_metadata(canary, self.name(canary), ingress, ours, (f"{self.prefix}/canary",))
        return {"apiVersion": self.api, "kind": self.kind, "metadata": meta, "spec": spec}

    def annotations(self, canary: Canary, routes: Routes) -> dict[str, str]:
        p = self.prefix
        out = {f"{p}/canary": "true"}
        matches = canary.spec.analysis.match
        if not matches or routes.canary == 0:
            return out | {f"{p}/canary-weight": str(routes.canary if not matches else 0)}
        for match in matches:
            for name, value in (match.headers or {}).items():
                if name.lower() == "cookie":
                    out[f"{p}/canary-by-cookie"] = value.exact or ""
                    continue
                out[f"{p}/canary-by-header"] = name
                if value.exact is not None:
                    out[f"{p}/canary-by-header-value"] = value.exact
                else:
                    out[f"{p}/canary-by-header-pattern"] = _pattern(value.model_dump(exclude_none=True))
        return out


def _retarget(spec: dict[str, Any], apex: str, canary: str) -> bool:
    """Point every backend on the apex Service at the canary Service; False if there is none."""
    backends = [spec.get("defaultBackend") or {}]
    backends += [
        p.get("backend") or {}
        for r in spec.get("rules") or ()
        for p in (r.get("http") or {}).get("paths") or ()
    ]
    found = False
    for backend in backends:
        service = backend.get("service") or {}
        if service.get("name") == apex:
            service["name"] = canary
            found = True
    return found


def _pattern(match: Mapping[str, str]) -> str:
    if "regex" in match:
        return match["regex"]
    if "prefix" in match:
        return "^" + re.escape(match["prefix"]) + ".*"
    return ".*" + re.escape(match["suffix"]) + "$"
