"""KubeStatus: writes a Canary's status through the status subresource, with optimistic concurrency.

The write carries the resourceVersion the tick read. On a conflict the Canary is read again: if its
status is still the one the tick decided from (someone changed only spec or metadata), the write is
retried on the new version; otherwise the tick's decision is stale and the conflict is raised, so
the next tick decides again from what is really there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flagger_py.errors import KubeConflict
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.model.base import without_nulls
from flagger_py.model.canary import Canary, CanaryStatus

RETRIES = 3
Written = Callable[[dict[str, Any]], None]


def status_body(status: CanaryStatus) -> dict[str, Any]:
    return status.model_dump(by_alias=True, exclude_none=True, mode="json")


class KubeStatus:
    """Implements ``ports.StatusStore``; ``written`` sees every Canary the API server returns."""

    def __init__(self, client: KubeClient, written: Written | None = None) -> None:
        self.client = client
        self.written = written

    async def write(self, canary: Canary, status: CanaryStatus) -> None:
        ns, name = canary.metadata.namespace or "default", canary.metadata.name
        version = canary.metadata.resource_version
        read = status_body(canary.status or CanaryStatus())
        new = status_body(status)
        # A merge patch removes what is set to null: fields the new status no longer has.
        body_status: dict[str, Any] = {**{k: None for k in read if k not in new}, **new}
        for _ in range(RETRIES):
            body = {"metadata": {"resourceVersion": version}, "status": body_status}
            try:
                answer = await self.client.patch(r.CANARIES, ns, name, body, sub="status")
            except KubeConflict:
                fresh = await self.client.get(r.CANARIES, ns, name)
                if _parsed(fresh.get("status")) != (canary.status or CanaryStatus()):
                    raise
                version = fresh["metadata"]["resourceVersion"]
                continue
            if self.written is not None:
                self.written(answer)
            return
        raise KubeConflict(f"status of Canary {ns}/{name} kept changing; will retry next tick")


def _parsed(status: Any) -> CanaryStatus:
    return CanaryStatus.model_validate(without_nulls(status or {}))
