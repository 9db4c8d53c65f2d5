"""The example plugins pass flagger-py's contract kits, loaded through their entry points."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flagger_py_example_plugins.configmap_router import ConfigMapRouter
from flagger_py_example_plugins.json_point import JsonPointProvider
from flagger_py_example_plugins.json_webhook import JsonWebhookNotifier

from flagger_py.testing.metric_providers import MetricProviderContract
from flagger_py.testing.notifiers import NotifierContract
from flagger_py.testing.routers import RouterContract


class TestConfigMapRouter(RouterContract):
    factory = ConfigMapRouter
    provider = "configmap"


class TestJsonWebhook(NotifierContract):
    factory = JsonWebhookNotifier
    entry_point = "example.com/jsonwebhook"


class TestJsonPoint(MetricProviderContract):
    factory = JsonPointProvider
    entry_point = "example.com/jsonpoint"
    secret: ClassVar[Mapping[str, str]] = {"token": "example-jsonpoint-token-5e0c"}
    required_fields = ("address",)
    query = "errors{app='podinfo'}"
    answer: ClassVar[Any] = {"value": 1.5}
    value = 1.5
    empty: ClassVar[Any] = {"value": None}
