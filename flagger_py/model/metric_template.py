"""The MetricTemplate custom resource (flagger.app/v1beta1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from flagger_py.model.base import Observed, Spec
from flagger_py.model.objectmeta import ObjectMeta
from flagger_py.model.provider_types import MetricProviderType


class SecretRef(Spec):
    """A Secret in the object's own namespace."""

    name: str = Field(min_length=1)


class MetricProviderSpec(Spec):
    """Where a template's query runs."""

    type: MetricProviderType
    address: str | None = None
    headers: Mapping[str, tuple[str, ...]] | None = None
    secret_ref: SecretRef | None = None
    region: str | None = None
    insecure_skip_verify: bool | None = None


class MetricTemplateSpec(Spec):
    """The provider and the query."""

    provider: MetricProviderSpec
    query: str = Field(min_length=1)


class MetricTemplate(Observed):
    """A MetricTemplate object."""

    api_version: Literal["flagger.app/v1beta1"] = "flagger.app/v1beta1"
    kind: Literal["MetricTemplate"] = "MetricTemplate"
    metadata: ObjectMeta
    spec: MetricTemplateSpec
