"""provider: traefik — a TraefikService with weighted round robin (traefik.io/v1alpha1).

Object: TraefikService ``<apex>`` (apex labels and annotations, Flux opt-out) balancing between
``<apex>-primary`` and, while it has weight, ``<apex>-canary``. Your IngressRoute points at the
TraefikService (``kind: TraefikService``, name ``<apex>``) and stays yours. Canary and blue/green
releases, and session affinity with Traefik's own sticky cookie: while the canary has weight, the
weighted service carries ``sticky.cookie`` (``sessionAffinity``'s name, maxAge, path, domain, secure,
httpOnly, sameSite), so that every client stays on the side it first reached and the weights split
new sessions. Traefik has one cookie for both sides: ``primaryCookieName`` and ``partitioned`` are
refused. (Flagger's traefik router ignores sessionAffinity.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary, SessionAffinity
from flagger_py.model.strategy import Strategy
from flagger_py.spi import Routes

from . import objects
from .objects import Names

API = "traefik.io/v1alpha1"


def read_routes(service: Mapping[str, Any], names: Names) -> Routes:
    weighted = ((service.get("spec") or {}).get("weighted") or {}).get("services") or ()
    found = {s.get("name"): s.get("weight", 1) for s in weighted}
    return objects.split(found, names)


class TraefikRouter(
    objects.OneObjectRouter, provider="traefik", api=API, kind="TraefikService", reads=read_routes
):
    """Implements ``ports.Router`` for ``provider: traefik``."""

    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green", "session affinity"})

    def refuse(self, canary: Canary) -> str | None:
        affinity = canary.spec.analysis.session_affinity
        if affinity is not None and affinity.primary_cookie_name is not None:
            return (
                "spec.analysis.sessionAffinity.primaryCookieName: provider traefik keeps every client on "
                "the side it first reached with one sticky cookie (cookieName); remove primaryCookieName"
            )
        if affinity is not None and affinity.partitioned is not None:
            return (
                "spec.analysis.sessionAffinity.partitioned: Traefik's sticky cookie has no Partitioned "
                "attribute; remove the field"
            )
        return None

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        return traefik_service(canary, routes)


def traefik_service(canary: Canary, routes: Routes) -> dict[str, Any]:
    names = Names.of(canary)
    services = [{"name": names.primary, "port": names.port, "weight": routes.primary}]
    if routes.canary > 0:
        services.append({"name": names.canary, "port": names.port, "weight": routes.canary})
    meta = objects.metadata(canary, names.apex)
    weighted: dict[str, Any] = {"services": services}
    affinity = canary.spec.analysis.session_affinity
    if affinity is not None and routes.canary > 0:
        weighted["sticky"] = {"cookie": sticky_cookie(affinity)}
    return {"apiVersion": API, "kind": "TraefikService", "metadata": meta, "spec": {"weighted": weighted}}


def sticky_cookie(affinity: SessionAffinity) -> dict[str, Any]:
    """Traefik's sticky cookie (dynamic.Cookie) for ``sessionAffinity``."""
    cookie: dict[str, Any] = {"name": affinity.cookie_name, "maxAge": affinity.max_age}
    optional = {
        "path": affinity.path,
        "domain": affinity.domain,
        "secure": affinity.secure,
        "httpOnly": affinity.http_only,
        "sameSite": affinity.same_site.lower() if affinity.same_site else None,
    }
    return cookie | {k: v for k, v in optional.items() if v is not None}
