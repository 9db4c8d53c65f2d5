"""The parts of Kubernetes object metadata the controller reads."""

from __future__ import annotations

from collections.abc import Mapping

from flagger_py.model.base import Observed


class ObjectMeta(Observed):
    """metadata of a flagger.app object; server-written fields are kept, others ignored."""

    name: str = ""
    generate_name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None
    finalizers: tuple[str, ...] | None = None
    deletion_timestamp: str | None = None
