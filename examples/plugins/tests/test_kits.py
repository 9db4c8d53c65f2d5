"""The example plugins pass flagger-py's contract kits, loaded through their entry points."""

from __future__ import annotations

from flagger_py_example_plugins.configmap_router import ConfigMapRouter
from flagger_py_example_plugins.json_webhook import JsonWebhookNotifier

from flagger_py.testing.notifiers import NotifierContract
from flagger_py.testing.routers import RouterContract


class TestConfigMapRouter(RouterContract):
    factory = ConfigMapRouter
    provider = "configmap"


class TestJsonWebhook(NotifierContract):
    factory = JsonWebhookNotifier
    entry_point = "jsonwebhook"
