"""NotifierContract: the pytest suite every notifier plugin passes, built-in or third-party.

Subclass it in a test module (the class name must start with ``Test``), point ``factory`` at the
object your entry point registers and ``entry_point`` at its name::

    class TestMattermost(NotifierContract):
        factory = MattermostNotifier
        entry_point = "example.com/mattermost"  # domain-qualified, as an AlertProvider's spec.type

The suite builds the plugin with an ``httpx.AsyncClient`` whose transport plays the chat service
(``httpx.MockTransport``: no network, no server) and checks: the plugin is found through its entry
point in ``flagger_py.notifiers`` under a name an AlertProvider can give as ``spec.type`` (a built-
in one, or a third party's qualified by its domain); construction refuses a bad address with
ProviderConfigError and sends nothing; a post sends exactly one request, through the client it was
given, to the host of its address; any 2xx passes; 401/403 raise ProviderAuthError, 429 and 5xx
ProviderUnavailable, other 4xx ProviderConfigError; every transport error and timeout raises
ProviderUnavailable (no httpx exception leaks); the message, the canary's name and each field's name
and value reach the payload, at every severity; no error message repeats the webhook's secret path
or the token, even when the service echoes them. Tests are synchronous (each runs its coroutines
with ``asyncio.run``), so no pytest plugin is needed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import httpx
import pytest

from flagger_py.errors import (
    ProviderAuthError,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
)
from flagger_py.model import provider_types
from flagger_py.plugins import registry
from flagger_py.spi.notifiers import Alert, ChatSettings, Notifier, NotifierFactory

HOST = "chat.example.com"
SECRET_PATH = "T0KIT/B0KIT/kit-webhook-secret"
ADDRESS = f"https://{HOST}/hooks/{SECRET_PATH}"
TOKEN = "kit-token-3f9a1c"
SECRETS = ("kit-webhook-secret", TOKEN)
"""What no error message may contain."""

FIELDS = (("Kit field", "kit value one"), ("Second kit field", "kit value two"))
ALERT = Alert("kit-canary", "kit-namespace", "Kit message: analysis reached 7", "warn", FIELDS)

BAD_ADDRESSES = (
    "",
    f"{HOST}/hooks/{SECRET_PATH}",
    f"ftp://{HOST}/hooks/{SECRET_PATH}",
    f"{ADDRESS}\n",
    f"https://{HOST}:99999/hooks/{SECRET_PATH}",
    f"https://{HOST}/hooks/kit\x00{SECRET_PATH}",
)
SUCCESSES = (200, 201, 202, 204)
STATUS_ERRORS: dict[int, type[ProviderError]] = {
    400: ProviderConfigError,
    401: ProviderAuthError,
    403: ProviderAuthError,
    404: ProviderConfigError,
    410: ProviderConfigError,
    429: ProviderUnavailable,
    500: ProviderUnavailable,
    502: ProviderUnavailable,
    503: ProviderUnavailable,
}
TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.PoolTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)

Answer = Callable[[httpx.Request], httpx.Response]


class Service:
    """Plays the chat service: answers each request with ``answer`` and keeps every request."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self._handle))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)


def status(code: int) -> Answer:
    """An answer with ``code`` whose body echoes what a careless service would: the path and the
    credentials it was sent."""

    def answer(request: httpx.Request) -> httpx.Response:
        if 200 <= code < 300:
            return httpx.Response(code, text="" if code == 204 else "ok")
        sent = request.headers.get("authorization", "no credentials")
        return httpx.Response(code, text=f"refused {request.url.path} with {sent} token={TOKEN}")

    return answer


def failing(error: type[httpx.TransportError]) -> Answer:
    """An answer that never comes: ``error``, with the URL in its message as httpx puts it."""

    def answer(request: httpx.Request) -> httpx.Response:
        raise error(f"{error.__name__} while sending to {request.url}", request=request)

    return answer


def strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class NotifierContract:
    """The contract; see the module docstring. Override the hooks below as your plugin needs."""

    factory: ClassVar[NotifierFactory]
    """The object the entry point registers: ``factory(client, ChatSettings) -> Notifier``."""
    entry_point: ClassVar[str]
    """Its name in the entry-point group ``flagger_py.notifiers``."""

    # --- hooks ---------------------------------------------------------------------------------

    def settings(self, address: str) -> ChatSettings:
        """The settings a test builds the plugin with: ``address`` and whatever else it needs (a
        token is given: a plugin that sends one must keep it out of its messages)."""
        return ChatSettings(address, channel="kit-channel", username="kit-user", token=TOKEN)

    def texts(self, request: httpx.Request) -> list[str]:
        """The texts of a request where the alert must show: every string of a JSON body (a
        plugin that posts another format overrides this)."""
        return list(strings(json.loads(request.content)))

    # --- helpers -------------------------------------------------------------------------------

    async def posted(self, service: Service, alert: Alert = ALERT) -> None:
        async with service.client() as client:
            notifier: Notifier = self.factory(client, self.settings(ADDRESS))
            await notifier.post(alert)

    def failure(self, service: Service) -> ProviderError:
        with pytest.raises(ProviderError) as info:
            run(self.posted(service))
        assert not isinstance(info.value, httpx.HTTPError)
        self.assert_no_secret(info.value)
        return info.value

    @staticmethod
    def assert_no_secret(error: BaseException) -> None:
        for text in (str(error), repr(error)):
            for secret in SECRETS:
                assert secret not in text, f"the message repeats a secret: {text}"

    # --- the contract --------------------------------------------------------------------------

    def test_found_through_its_entry_point(self) -> None:
        notifiers = registry("notifier")
        assert self.entry_point in notifiers.names(), f"no entry point {self.entry_point!r}"
        assert notifiers.get(self.entry_point) is self.factory

    def test_its_name_can_be_written_in_a_manifest(self) -> None:
        why = provider_types.unnamable("notifier", self.entry_point)
        assert why is None, why

    def test_construction_refuses_a_bad_address_and_sends_nothing(self) -> None:
        service = Service(status(200))

        async def scenario() -> None:
            async with service.client() as client:
                for address in BAD_ADDRESSES:
                    with pytest.raises(ProviderConfigError) as info:
                        self.factory(client, self.settings(address))
                    self.assert_no_secret(info.value)
                self.factory(client, self.settings(ADDRESS))

        run(scenario())
        assert service.requests == [], "a constructor must do no I/O"

    def test_a_post_sends_exactly_one_request_through_the_given_client(self) -> None:
        service = Service(status(200))
        run(self.posted(service))
        assert len(service.requests) == 1, f"{len(service.requests)} requests for one alert"
        request = service.requests[0]
        assert request.method == "POST"
        assert request.url.host == HOST, f"posted to {request.url.host}, not the address's host"

    def test_every_2xx_passes(self) -> None:
        for code in SUCCESSES:
            run(self.posted(Service(status(code))))

    def test_the_alert_reaches_the_payload_at_every_severity(self) -> None:
        for severity in ("info", "warn", "error"):
            service = Service(status(200))
            alert = Alert(ALERT.name, ALERT.namespace, ALERT.message, severity, FIELDS)
            run(self.posted(service, alert))
            texts = self.texts(service.requests[0])
            wanted = [ALERT.message, ALERT.name, *(part for field in FIELDS for part in field)]
            for text in wanted:
                assert any(text in found for found in texts), f"{severity}: {text!r} is not in the payload"

    def test_http_failures_map_to_the_errors_tree(self) -> None:
        for code, expected in STATUS_ERRORS.items():
            error = self.failure(Service(status(code)))
            assert isinstance(error, expected), f"{code}: {type(error).__name__}, not {expected.__name__}"

    def test_transport_errors_are_unavailable_and_never_leak(self) -> None:
        for kind in TRANSPORT_ERRORS:
            error = self.failure(Service(failing(kind)))
            assert isinstance(error, ProviderUnavailable), f"{kind.__name__}: {type(error).__name__}"
