"""KubeLookup: MetricTemplates and AlertProviders from the watch caches (a GET only for a namespace the
caches do not watch), parsed once per resourceVersion; Secrets read on demand (only for templates and
providers that name one)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from flagger_py.errors import FlaggerError
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient
from flagger_py.kube.informer import Informer
from flagger_py.kube.resources import Resource
from flagger_py.model.alert_provider import AlertProvider
from flagger_py.model.base import without_nulls
from flagger_py.model.metric_template import MetricTemplate

Model = TypeVar("Model", MetricTemplate, AlertProvider)
PARSED_LIMIT = 1024


class KubeLookup:
    def __init__(
        self,
        client: KubeClient,
        templates: Informer | None = None,
        providers: Informer | None = None,
    ) -> None:
        self.client = client
        self.informers = {r.METRIC_TEMPLATES.plural: templates, r.ALERT_PROVIDERS.plural: providers}
        self.parsed: dict[tuple[str, str, str, str], Any] = {}

    async def metric_template(self, namespace: str, name: str) -> MetricTemplate | None:
        return await self._read(r.METRIC_TEMPLATES, MetricTemplate, namespace, name)

    async def alert_provider(self, namespace: str, name: str) -> AlertProvider | None:
        return await self._read(r.ALERT_PROVIDERS, AlertProvider, namespace, name)

    async def _read(self, res: Resource, model: type[Model], namespace: str, name: str) -> Model | None:
        informer = self.informers.get(res.plural)
        if informer is not None and informer.synced.is_set() and informer.namespace in (None, namespace):
            body = informer.get(namespace, name)
        else:
            body = await self.client.get_or_none(res, namespace, name)
        if body is None:
            return None
        version = str((body.get("metadata") or {}).get("resourceVersion") or "")
        key = (res.plural, namespace, name, version)
        if version and key in self.parsed:
            found: Model = self.parsed[key]
            return found
        try:
            parsed = model.model_validate(without_nulls(body))
        except ValidationError as exc:
            raise FlaggerError(
                f"{model.__name__} {namespace}/{name} is invalid: {exc.errors()[0]['msg']}"
            ) from None
        if len(self.parsed) >= PARSED_LIMIT:
            self.parsed.clear()
        self.parsed[key] = parsed
        return parsed

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
