"""Every in-tree notifier passes NotifierContract, and the contract fails a notifier that breaks it."""

from __future__ import annotations

import pkgutil
import re
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

import httpx
import pytest

from flagger_py.errors import ProviderConfigError, ProviderUnavailable
from flagger_py.plugins import registry
from flagger_py.spi import Alert, ChatSettings, NotifierFactory
from flagger_py.spi.posting import WebhookNotifier
from flagger_py.testing.notifiers import NotifierContract
from providers import notifiers
from tests.paths import REPO


def installed(name: str) -> NotifierFactory:
    """The class the entry point registers (installed as ``flagger_py.providers.notifiers``)."""
    factory: NotifierFactory = registry("notifier").get(name)
    return factory


def contract(factory: NotifierFactory, entry_point: str) -> type[NotifierContract]:
    """The contract test class for ``factory``, registered as ``entry_point``."""

    class Contract(NotifierContract):
        pass

    Contract.factory, Contract.entry_point = factory, entry_point
    return Contract


TestSlack = contract(installed("slack"), "slack")
TestMSTeams = contract(installed("msteams"), "msteams")
TestDiscord = contract(installed("discord"), "discord")
TestRocket = contract(installed("rocket"), "rocket")
TestGChat = contract(installed("gchat"), "gchat")


def test_every_in_tree_notifier_has_a_contract_test() -> None:
    tested = {cls.entry_point for name, cls in globals().items() if name.startswith("Test")}
    assert tested == set(registry("notifier").names())
    entries = metadata.entry_points(group="flagger_py.notifiers")
    registered = {entry.module.rsplit(".", 1)[1] for entry in entries}
    assert {module.name for module in pkgutil.iter_modules(notifiers.__path__)} == registered


# --- the contract can fail -------------------------------------------------------------------


class Plain(WebhookNotifier):
    kind = "Plain"

    def body(self, alert: Alert) -> Mapping[str, Any]:
        return {"text": alert.message, "canary": alert.name, "fields": dict(alert.fields)}


class Twice(Plain):
    async def post(self, alert: Alert) -> None:
        await super().post(alert)
        await super().post(alert)


class Silent(Plain):
    def body(self, alert: Alert) -> Mapping[str, Any]:
        return {"text": alert.message}


class Leaking(Plain):
    async def post(self, alert: Alert) -> None:
        await self.client.post(self.url, json=self.body(alert))


class Telling(Plain):
    async def post(self, alert: Alert) -> None:
        try:
            await super().post(alert)
        except ProviderUnavailable as exc:
            raise ProviderUnavailable(f"{exc} posting to {self.url}") from exc


class Lenient:
    def __init__(self, client: httpx.AsyncClient, settings: ChatSettings) -> None:  # noqa: ARG002
        self.plain = Plain(client, ChatSettings("https://chat.example.com/hooks/fallback"))

    async def post(self, alert: Alert) -> None:
        await self.plain.post(alert)


class Strict(Plain):
    async def post(self, alert: Alert) -> None:
        try:
            await super().post(alert)
        except ProviderUnavailable as exc:
            raise ProviderConfigError(str(exc)) from exc


def kit(factory: NotifierFactory) -> NotifierContract:
    return contract(factory, "example.com/plain")()


@pytest.mark.parametrize(
    ("factory", "test", "why"),
    [
        (Plain, lambda k: k.test_found_through_its_entry_point(), "no entry point"),
        (Twice, lambda k: k.test_a_post_sends_exactly_one_request_through_the_given_client(), "2 requests"),
        (Silent, lambda k: k.test_the_alert_reaches_the_payload_at_every_severity(), "not in the payload"),
        (Leaking, lambda k: k.test_transport_errors_are_unavailable_and_never_leak(), "ConnectError"),
        (Telling, lambda k: k.test_transport_errors_are_unavailable_and_never_leak(), "repeats a secret"),
        (Lenient, lambda k: k.test_construction_refuses_a_bad_address_and_sends_nothing(), "DID NOT RAISE"),
        (Strict, lambda k: k.test_http_failures_map_to_the_errors_tree(), "not ProviderUnavailable"),
    ],
)
def test_the_contract_fails_a_notifier_that_breaks_it(
    factory: NotifierFactory, test: Callable[[NotifierContract], None], why: str
) -> None:
    kit(Plain).test_the_alert_reaches_the_payload_at_every_severity()
    with pytest.raises((AssertionError, pytest.fail.Exception, httpx.HTTPError)) as info:
        test(kit(factory))
    assert why in str(info.value)


def test_the_documented_example_passes_the_contract() -> None:
    section = (REPO / "docs" / "plugins.md").read_text().split("## Writing a notifier", 1)[1]
    source = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/plugins.md", "exec"), namespace)
    example = kit(namespace["MattermostNotifier"])
    for name in dir(NotifierContract):
        if name.startswith("test_") and name != "test_found_through_its_entry_point":
            getattr(example, name)()
