"""The kopf host's share of the duties: one Canary watch, the login and kopf's settings; nothing that
writes to a Canary (no finalizer, annotation or progress of kopf's), no second Canary watch of ours."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import kopf
import pytest
from kopf._cogs.structs.references import Resource
from kopf._core.intents.causes import Activity

from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.connection import Connection
from flagger_py.kube.informers import Caches
from flagger_py.operator import host
from flagger_py.operator.scheduler import Scheduler


class Seen:
    """Stands in for the Scheduler: records the watch events it is given."""

    def __init__(self) -> None:
        self.events: list[tuple[str | None, Mapping[str, Any]]] = []

    def seen(self, kind: str | None, body: Mapping[str, Any]) -> None:
        self.events.append((kind, body))


def registry(seen: Seen | None = None) -> kopf.OperatorRegistry:
    return host.registry(cast(Scheduler, seen or Seen()), cast(Connection, object()))


def test_kopf_has_one_resource_handler_an_event_handler_for_canaries() -> None:
    reg = registry()
    watching = list(reg._watching.get_all_handlers())
    assert len(watching) == 1
    selector = watching[0].selector
    assert selector is not None
    canaries = Resource("flagger.app", "v1beta1", "canaries", kind="Canary", namespaced=True)
    others = [Resource("flagger.app", "v1beta1", p) for p in ("metrictemplates", "alertproviders")]
    assert selector.select([canaries, *others]) == {canaries}
    # A change or deletion handler would make kopf add its finalizer and store its diff-base annotation
    # and progress on every Canary; a daemon or timer would add the finalizer too.
    assert reg._changing.get_all_handlers() == []
    assert reg._spawning.get_all_handlers() == []
    assert reg._indexing.get_all_handlers() == []
    assert reg._webhooks.get_all_handlers() == []


async def test_each_canary_event_goes_to_the_scheduler_as_it_came() -> None:
    seen = Seen()
    (handler,) = registry(seen)._watching.get_all_handlers()
    event = cast(Callable[..., Awaitable[None]], handler.fn)
    body = {"metadata": {"name": "podinfo", "namespace": "test"}}
    await event(event={"type": "MODIFIED", "object": body})
    await event(event={"type": None, "object": body})  # kopf's initial listing
    assert seen.events == [("MODIFIED", body), (None, body)]


async def test_kopf_posts_no_events_and_scans_nothing() -> None:
    settings = kopf.OperatorSettings()
    for activity in registry()._activities.get_all_handlers():
        if activity.activity == Activity.STARTUP:
            startup = cast(Callable[..., Awaitable[None]], activity.fn)
            await startup(settings=settings)
    assert settings.posting.enabled is False
    assert settings.scanning.disabled is True  # no watch of namespaces or CRDs
    assert settings.watching.server_timeout == host.WATCH_SERVER_TIMEOUT


@pytest.mark.parametrize(
    ("namespace", "clusterwide", "namespaces"), [("apps", False, ["apps"]), ("", True, ())]
)
async def test_kopf_runs_standalone_in_the_controllers_namespace(
    monkeypatch: pytest.MonkeyPatch, namespace: str, clusterwide: bool, namespaces: object
) -> None:
    called: dict[str, Any] = {}

    async def operator(**kwargs: Any) -> None:
        called.update(kwargs)

    monkeypatch.setattr(kopf, "operator", operator)
    await host.run_kopf(registry(), namespace, asyncio.Event())
    assert called["standalone"] is True  # no peering objects, no peering watch
    assert called["clusterwide"] is clusterwide
    assert called["namespaces"] == namespaces


def test_no_cache_of_ours_watches_canaries() -> None:
    caches = Caches(cast(KubeClient, object()), "apps")
    assert r.CANARIES not in [informer.res for informer in caches.informers.values()]
