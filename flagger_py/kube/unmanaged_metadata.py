"""The unmanaged label and annotation keys (``spec.service.unmanagedMetadata``) of a generated Service
that flagger-py owns by server-side apply, kept at their live value by the apply about to happen.

The cache keeps no managedFields, so the live Service is read, but only before an apply that happens
anyway and only when the apply would leave out an unmanaged key present on the Service: never in the
steady state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.desired import services
from flagger_py.kube import resources as r
from flagger_py.kube.client import FIELD_MANAGER, KubeClient
from flagger_py.model.canary import UnmanagedMetadata


async def kept(
    client: KubeClient,
    wanted: dict[str, Any],
    existing: Mapping[str, Any] | None,
    unmanaged: UnmanagedMetadata | None,
) -> dict[str, Any]:
    """``wanted``, plus the unmanaged keys it leaves out that flagger-py owns on the live Service."""
    if existing is None or not services.unclaimed(wanted, existing, unmanaged):
        return wanted
    meta = wanted["metadata"]
    live = await client.get_or_none(r.SERVICES, meta["namespace"], meta["name"])
    if live is None:
        return wanted
    return services.keep_unmanaged(wanted, live, unmanaged, services.owned_keys(live, FIELD_MANAGER))
