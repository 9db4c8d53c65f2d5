"""What a router plugin implements and is given: the ``Router`` protocol, the ``RouterContext`` its
factory is called with, and ``ClusterObjects``, its access to Kubernetes objects.

A router plugin is constructed once per provider name (entry-point group ``flagger_py.routers``) as
``factory(context) -> Router``; the engine calls ``check`` before every tick and the other methods
to move traffic. Failures it may raise are ``RouterError`` (the mesh has not accepted the weights
yet) and, from ``ClusterObjects``, ``KubeError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flagger_py.domain.weights import Routes
from flagger_py.model.canary import Canary


class Router(Protocol):
    """A mesh or ingress that splits traffic between primary and canary.

    ``check`` is pure (no I/O): why this router cannot route the canary (a missing field such as
    ``spec.ingressRef``, a strategy it cannot do), naming the field and the fix; None when it can.
    The controller calls it before every tick and moves no traffic while it returns a reason.
    ``reconcile`` creates or corrects the router's objects without changing their weights;
    ``set_routes`` / ``get_routes`` write and read the weights and the mirror flag (``get_routes``
    raises ``RouterError`` while the mesh has not accepted them); ``finalize`` hands the traffic back:
    objects the router took over get their original spec back, objects it created are deleted.
    """

    def check(self, canary: Canary) -> str | None: ...
    async def reconcile(self, canary: Canary) -> None: ...
    async def set_routes(self, canary: Canary, routes: Routes) -> None: ...
    async def get_routes(self, canary: Canary) -> Routes: ...
    async def finalize(self, canary: Canary) -> None: ...


class ClusterObjects(Protocol):
    """Generic access to Kubernetes objects for plugins (routers create VirtualServices, HTTPRoutes...).

    ``apply`` is a server-side apply by flagger-py; with ``owner`` the object gets an owner reference
    to that Canary, so it is garbage-collected with it.
    """

    async def get(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Mapping[str, Any] | None: ...
    async def apply(self, obj: Mapping[str, Any], owner: Canary | None = None) -> Mapping[str, Any]: ...
    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None: ...


@dataclass(frozen=True)
class RouterContext:
    """What a router plugin is constructed with: ``factory(context) -> Router``."""

    cluster: ClusterObjects
    options: Mapping[str, str]
    """Controller settings routers read, by flag name: ``ingress-class``, ``ingress-annotations-prefix``."""
