"""MetricProviderContract: the pytest suite every metric provider plugin passes, built-in or third-party.

Subclass it in a test module (the class name must start with ``Test``), name the class your entry
point registers and the entry point, and describe your backend in a few answers::

    class TestJsonPoint(MetricProviderContract):
        factory = JsonPointProvider          # has the classmethod configured(context, spec, secret)
        entry_point = "example.com/jsonpoint"  # its name in flagger_py.metric_providers (domain-qualified)
        secret = {"token": "kit-token-4e1d"} # a valid Secret; every key is required (see required_keys)
        query = "errors{app='podinfo'}"      # a query your backend accepts
        answer = {"value": 1.5}              # the backend's normal answer to it ...
        value = 1.5                          # ... and the float it means
        empty = {"value": None}              # the backend's answer when there is no data

An answer is a JSON value (sent as ``application/json``) or a text (sent as ``content_type``);
``online`` is the answer to ``is_online()``'s request when it must differ from ``answer``.
``provider`` holds further MetricTemplate ``spec.provider`` fields (``region``, ``headers``);
``address`` is set to ``ADDRESS`` and ``secretRef`` whenever there is a ``secret``.

The suite builds the provider as the controller does, ``factory.configured(MetricContext,
MetricProviderSpec, secret)``, with an ``httpx.AsyncClient`` whose transport plays the backend
(``httpx.MockTransport``: no network, no server), and checks: the plugin is found through its entry
point in ``flagger_py.metric_providers`` under a name a MetricTemplate can give as
``spec.provider.type`` (a built-in one, or a third party's qualified by its domain); ``configured``
refuses a Secret without a required key (ProviderAuthError or ProviderConfigError naming the key), a
spec without a required field (naming it) and a bad address (ProviderConfigError naming the
address), and sends nothing; the normal answer is a float, the empty one NoDataError, a garbled one
an error of the tree; 401/403 raise ProviderAuthError; 429 and 5xx, every transport error and every
timeout ProviderUnavailable; ``is_online()`` is True when the backend answers and False (or
ProviderUnavailable) when it does not. Throughout, no httpx (or any other) exception escapes the
errors tree, and no error message repeats a value of the Secret, not even when the backend echoes
the credentials it was sent.

Tests are synchronous (each runs its coroutines with ``asyncio.run``), so no pytest plugin is
needed; back-off waits are skipped (``asyncio.sleep`` returns at once inside the suite), so a
provider that retries is tested at full speed. Override the hooks (``context``, ``configured``)
when your provider is built from more than the spec and the Secret, or a ``test_`` method, with the
reason in its docstring, when a check cannot apply to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from typing import Any, ClassVar
from unittest import mock

import httpx
import pytest

from flagger_py.model import provider_types
from flagger_py.plugins import registry
from flagger_py.spi import (
    MetricContext,
    MetricProvider,
    MetricProviderFactory,
    MetricProviderSpec,
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
)
from flagger_py.testing.notifiers import TRANSPORT_ERRORS, Answer, Service, failing

HOST = "metrics.example.com"
ADDRESS = f"https://{HOST}"
WINDOW_SECONDS = 60.0
"""The window every query runs over: the interval of a metric, 1m."""
PASSWORD = "kit-address-password-9d2b"
"""A password in a bad address's user info: no message may repeat it either."""
BAD_ADDRESSES = (
    HOST,
    f"ftp://{HOST}",
    f"{ADDRESS}\n",
    f" {ADDRESS}",
    f"https://{HOST}:99999",
    f"https://kit:{PASSWORD}@{HOST}:99999",
    f"https://{HOST}/kit\x00path",
)
AUTH_STATUSES = (401, 403)
UNAVAILABLE_STATUSES = (429, 500, 502, 503, 504)
GARBLED = "<html><body>kit gateway: upstream answered nothing usable</body></html>"

Body = str | bytes | Mapping[str, Any] | Sequence[Any]
"""An answer's body: a JSON value, or a text sent with the contract's ``content_type``."""
# The backend is the notifier kit's: ``Service`` (an httpx.MockTransport that keeps every request)
# answering each request with an ``Answer``, and ``failing``, the answer that never comes with one
# of ``TRANSPORT_ERRORS`` (every connect, read, write, pool and proxy failure and timeout).

_SLEEP = asyncio.sleep


async def _no_wait(delay: float, result: Any = None) -> Any:  # noqa: ARG001 - asyncio.sleep's signature
    await _SLEEP(0)
    return result


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """``coro`` run to completion, with back-off waits (``asyncio.sleep``) skipped."""
    with mock.patch.object(asyncio, "sleep", _no_wait):
        return asyncio.run(coro)


def reply(body: Body, content_type: str = "text/plain", status: int = 200) -> Answer:
    """An answer with ``body``: JSON for a mapping or a list, else the text as ``content_type``."""

    def answer(request: httpx.Request) -> httpx.Response:  # noqa: ARG001 - an Answer
        if isinstance(body, str | bytes):
            content = body.encode() if isinstance(body, str) else body
            return httpx.Response(status, content=content, headers={"content-type": content_type})
        return httpx.Response(status, json=body)

    return answer


def refusal(code: int, secrets: Sequence[str] = ()) -> Answer:
    """An answer with ``code``; its body echoes what a careless backend does: each header it was
    sent that carries one of ``secrets``, as ``name: value``."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent = [f"{name}: {value}" for name, value in request.headers.items() if _carries(value, secrets)]
        error = f"kit backend refused the request ({code})"
        if sent:
            error += f"; it was sent {'; '.join(sent)}"
        return httpx.Response(code, json={"error": error, "message": error})

    return answer


def _carries(text: str, secrets: Sequence[str]) -> bool:
    return any(secret in text for secret in secrets)


def _texts(error: BaseException) -> Iterator[str]:
    yield str(error)
    yield repr(error)
    yield from (str(arg) for arg in error.args)


class MetricProviderContract:
    """The contract; see the module docstring. Override the hooks below as your provider needs."""

    factory: ClassVar[MetricProviderFactory]
    """The object the entry point registers: ``factory.configured(context, spec, secret)`` is the
    ``MetricProvider``."""
    entry_point: ClassVar[str]
    """Its name in the entry-point group ``flagger_py.metric_providers``."""
    query: ClassVar[str]
    answer: ClassVar[Body]
    value: ClassVar[float]
    empty: ClassVar[Body]
    online: ClassVar[Body | None] = None
    """The answer to ``is_online()``'s request, when it must differ from ``answer``."""
    content_type: ClassVar[str] = "text/plain"
    """The content type of answers given as text."""
    secret: ClassVar[Mapping[str, str]] = {}
    """A valid Secret: every value is a credential that no error message may repeat."""
    required_keys: ClassVar[tuple[str, ...] | None] = None
    """The keys ``configured`` must refuse to do without; None: every key of ``secret``."""
    provider: ClassVar[Mapping[str, Any]] = {}
    """Further fields of the MetricTemplate's ``spec.provider`` (``type``, ``address`` and
    ``secretRef`` are set by the suite)."""
    required_fields: ClassVar[tuple[str, ...]] = ()
    """Fields of ``spec.provider`` (as a MetricTemplate spells them) ``configured`` must refuse to
    do without, such as ``address`` when there is no default."""
    uses_address: ClassVar[bool] = True
    """False for a provider that reaches no address of its own (the suite then sets none)."""

    # --- hooks ---------------------------------------------------------------------------------

    def context(self, http: httpx.AsyncClient) -> MetricContext:
        """What the provider is configured with: the backend's client, for both TLS settings."""
        return MetricContext(http, http)

    def configured(
        self, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]
    ) -> MetricProvider:
        """The provider, built as the controller builds it."""
        return self.factory.configured(context, spec, secret)

    # --- helpers -------------------------------------------------------------------------------

    def spec(self, without: str | None = None, **fields: Any) -> MetricProviderSpec:
        """The MetricTemplate's ``spec.provider``: ``provider`` and ``fields`` over the suite's
        defaults, without the field ``without``; ``type`` is the entry point's name."""
        body: dict[str, Any] = {"type": self.entry_point}
        if self.uses_address:
            body["address"] = ADDRESS
        if self.secret:
            body["secretRef"] = {"name": "kit-secret"}
        body.update(self.provider)
        body.update(fields)
        body.pop(without or "", None)
        return MetricProviderSpec.model_validate(body)

    def credentials(self) -> list[str]:
        """What no error message may contain: every value of the Secret, and the bad address's password."""
        return [*self.secret.values(), PASSWORD]

    def required(self) -> tuple[str, ...]:
        return tuple(self.secret) if self.required_keys is None else self.required_keys

    def assert_no_secret(self, error: BaseException) -> None:
        for text in _texts(error):
            for secret in self.credentials():
                assert secret not in text, f"the message repeats a credential: {text}"

    def body(self, kind: str) -> Body:
        return {"answer": self.answer, "empty": self.empty, "online": self.online or self.answer}[kind]

    def answers(self, kind: str) -> Answer:
        return reply(self.body(kind), self.content_type)

    async def queried(self, backend: Service) -> float:
        async with backend.client() as http:
            provider = self.configured(self.context(http), self.spec(), dict(self.secret))
            value: float = await provider.run_query(self.query, WINDOW_SECONDS)
            return value

    async def probed(self, backend: Service) -> bool:
        async with backend.client() as http:
            provider = self.configured(self.context(http), self.spec(), dict(self.secret))
            online: bool = await provider.is_online()
            return online

    def outcome(self, scenario: Coroutine[Any, Any, Any]) -> Any:
        """What ``scenario`` returns or raises from the errors tree (checked for credentials);
        fails the test when anything else escapes."""
        try:
            return run(scenario)
        except ProviderError as error:
            self.assert_no_secret(error)
            return error
        except Exception as error:  # the contract: nothing else escapes
            self.assert_no_secret(error)
            kind = f"{type(error).__module__}.{type(error).__qualname__}"
            pytest.fail(f"{kind} escaped the errors tree: {error}")

    def failure(self, answer: Answer) -> ProviderError:
        """The error a query raises when the backend answers ``answer``."""
        outcome = self.outcome(self.queried(Service(answer)))
        assert isinstance(outcome, ProviderError), f"the query returned {outcome!r}, not an error"
        return outcome

    def refused(self, spec: MetricProviderSpec, secret: Mapping[str, str]) -> ProviderError:
        """The error ``configured`` raises for ``spec`` and ``secret``; it must send nothing."""
        backend = Service(self.answers("answer"))

        async def scenario() -> None:
            async with backend.client() as http:
                self.configured(self.context(http), spec, secret)

        outcome = self.outcome(scenario())
        assert isinstance(outcome, ProviderConfigError | ProviderAuthError), (
            f"configured accepted it (or raised {type(outcome).__name__}, not ProviderConfigError "
            "or ProviderAuthError)"
        )
        assert backend.requests == [], "configured must do no I/O"
        return outcome

    # --- the contract --------------------------------------------------------------------------

    def test_found_through_its_entry_point(self) -> None:
        providers = registry("metric provider")
        assert self.entry_point in providers.names(), f"no entry point {self.entry_point!r}"
        found = providers.get(self.entry_point)
        assert found is self.factory, f"{self.entry_point!r} is registered as {found!r}, not {self.factory!r}"

    def test_its_name_can_be_written_in_a_manifest(self) -> None:
        why = provider_types.unnamable("metric provider", self.entry_point)
        assert why is None, why

    def test_configured_refuses_a_missing_secret_key(self) -> None:
        if not self.required():
            pytest.skip("the provider declares no required Secret key (required_keys is empty)")
        for key in self.required():
            secret = {k: v for k, v in self.secret.items() if k != key}
            error = self.refused(self.spec(), secret)
            assert key in str(error), f"without {key!r}: the message does not name the key: {error}"
        self.refused(self.spec(), {})

    def test_configured_refuses_a_missing_required_field(self) -> None:
        if not self.required_fields:
            pytest.skip("the provider declares no required spec.provider field (required_fields is empty)")
        for name in self.required_fields:
            error = self.refused(self.spec(without=name), dict(self.secret))
            assert name in str(error), f"without {name!r}: the message does not name the field: {error}"

    def test_configured_refuses_a_bad_address(self) -> None:
        if not self.uses_address:
            pytest.skip("the provider reaches no address of its own (uses_address is False)")
        for address in BAD_ADDRESSES:
            error = self.refused(self.spec(address=address), dict(self.secret))
            assert isinstance(error, ProviderConfigError), f"{address!r}: {type(error).__name__}"
            assert "address" in str(error), f"{address!r}: the message does not name the address: {error}"

    def test_a_normal_answer_is_a_float(self) -> None:
        backend = Service(self.answers("answer"))
        value = self.outcome(self.queried(backend))
        assert not isinstance(value, BaseException), f"the normal answer raised {value!r}"
        assert isinstance(value, float), f"run_query returned a {type(value).__name__}, not a float"
        assert value == pytest.approx(self.value), f"{value} is not the answer's {self.value}"
        assert backend.requests, "the provider sent no request through the client it was given"
        hosts = {request.url.host for request in backend.requests}
        assert hosts == {HOST}, f"requests went to {sorted(hosts)}, not to the address's host {HOST}"

    def test_an_empty_answer_is_no_data(self) -> None:
        error = self.failure(self.answers("empty"))
        assert isinstance(error, NoDataError), f"an empty answer raised {type(error).__name__}"

    def test_a_garbled_answer_is_an_error_of_the_tree(self) -> None:
        self.failure(reply(GARBLED, "text/html"))

    def test_401_and_403_are_auth_errors(self) -> None:
        for code in AUTH_STATUSES:
            error = self.failure(refusal(code))
            assert isinstance(error, ProviderAuthError), f"{code}: {type(error).__name__}"

    def test_429_and_5xx_are_unavailable(self) -> None:
        for code in UNAVAILABLE_STATUSES:
            error = self.failure(refusal(code))
            assert isinstance(error, ProviderUnavailable), f"{code}: {type(error).__name__}"

    def test_no_message_repeats_a_credential_the_backend_echoes(self) -> None:
        for code in (400, *AUTH_STATUSES, *UNAVAILABLE_STATUSES):
            self.failure(refusal(code, self.credentials()))

    def test_transport_errors_and_timeouts_are_unavailable(self) -> None:
        for kind in TRANSPORT_ERRORS:
            error = self.failure(failing(kind))
            assert isinstance(error, ProviderUnavailable), f"{kind.__name__}: {type(error).__name__}"

    def test_online_when_the_backend_answers(self) -> None:
        backend = Service(self.answers("online"))
        online = self.outcome(self.probed(backend))
        assert online is True, f"is_online() gave {online!r} while the backend answers"
        assert backend.requests, "is_online() sent no request through the client it was given"

    def test_offline_when_the_backend_does_not_answer(self) -> None:
        for answer in (failing(httpx.ConnectError), failing(httpx.ReadTimeout), refusal(503, [])):
            online = self.outcome(self.probed(Service(answer)))
            assert online is False or isinstance(online, ProviderUnavailable), (
                f"is_online() gave {online!r} while the backend does not answer"
            )
