"""The AlertProvider custom resource (flagger.app/v1beta1)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from flagger_py.model.base import Observed, Spec
from flagger_py.model.metric_template import SecretRef
from flagger_py.model.objectmeta import ObjectMeta
from flagger_py.model.provider_types import AlertProviderType


class AlertProviderSpec(Spec):
    """A chat endpoint: type with address or secretRef."""

    type: AlertProviderType
    channel: str | None = None
    username: str | None = None
    address: str | None = None
    proxy: str | None = None
    secret_ref: SecretRef | None = None

    @model_validator(mode="after")
    def _has_address(self) -> AlertProviderSpec:
        if self.address is None and self.secret_ref is None:
            raise ValueError("set address, or secretRef naming a Secret with an address key")
        return self


class AlertProvider(Observed):
    """An AlertProvider object."""

    api_version: Literal["flagger.app/v1beta1"] = "flagger.app/v1beta1"
    kind: Literal["AlertProvider"] = "AlertProvider"
    metadata: ObjectMeta
    spec: AlertProviderSpec
