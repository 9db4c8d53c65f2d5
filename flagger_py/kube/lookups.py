"""KubeLookup: MetricTemplates, AlertProviders and Secrets read on demand (only while analysing or
alerting, so not worth a cache)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from pydantic import ValidationError

from flagger_py.errors import FlaggerError
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.model.alert_provider import AlertProvider
from flagger_py.model.base import without_nulls
from flagger_py.model.metric_template import MetricTemplate


class KubeLookup:
    def __init__(self, client: KubeClient) -> None:
        self.client = client

    async def metric_template(self, namespace: str, name: str) -> MetricTemplate | None:
        body = await self.client.get_or_none(r.METRIC_TEMPLATES, namespace, name)
        if body is None:
            return None
        try:
            return MetricTemplate.model_validate(without_nulls(body))
        except ValidationError as exc:
            raise FlaggerError(
                f"MetricTemplate {namespace}/{name} is invalid: {exc.errors()[0]['msg']}"
            ) from None

    async def alert_provider(self, namespace: str, name: str) -> AlertProvider | None:
        body = await self.client.get_or_none(r.ALERT_PROVIDERS, namespace, name)
        if body is None:
            return None
        try:
            return AlertProvider.model_validate(without_nulls(body))
        except ValidationError as exc:
            raise FlaggerError(
                f"AlertProvider {namespace}/{name} is invalid: {exc.errors()[0]['msg']}"
            ) from None

    async def secret(self, namespace: str, name: str) -> Mapping[str, str] | None:
        body = await self.client.get_or_none(r.SECRETS, namespace, name)
        if body is None:
            return None
        out = {}
        for key, value in (body.get("data") or {}).items():
            try:
                out[key] = base64.b64decode(value).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise FlaggerError(f"Secret {namespace}/{name}: key {key} is not valid UTF-8 text") from None
        return out
