"""Querying a metrics backend: the plumbing every metric provider shares.

- :func:`checked_address` and :class:`Secret` validate a MetricTemplate's provider eagerly: the
  address must be an absolute http(s) URL (or the provider's default), a required Secret key must
  be there; the error names the field, the key and the Secret, never a value;
- :func:`call` sends one request within its timeout (:data:`TIMEOUT_SECONDS` unless the provider
  says otherwise), retries transient failures and maps every other outcome to the errors tree::

    connection error, timeout, 429, 5xx, a body that is not JSON  -> retried, then ProviderUnavailable
    401, 403                                                      -> ProviderAuthError
    any other 4xx, an untrusted certificate, an answer over 1 MiB -> ProviderConfigError

  Messages name the provider, the host and the status, never a credential: headers are not echoed
  and an answer is cut and masked. No transport exception leaves it;
- :class:`HTTPMetricProvider` is a ``MetricProvider`` base built on both: a provider sets ``kind``
  (and ``default_address``, ``timeout``), reads its Secret keys in :meth:`~HTTPMetricProvider.options`
  and writes ``run_query`` with :meth:`~HTTPMetricProvider.request`;
- :func:`answers` turns a probe into Flagger's ``IsOnline``; :func:`require` imports an optional SDK
  (a pip extra), a missing one being a configuration error that says what to install.
"""

from __future__ import annotations

import base64
import importlib
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Self

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from flagger_py import outbound, redact
from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderError, ProviderUnavailable
from flagger_py.model.metric_template import MetricProviderSpec
from flagger_py.spi import exchange
from flagger_py.spi.metrics import MetricContext

TIMEOUT_SECONDS = 5.0
ATTEMPTS = 3
WINDOW_FACTOR = 10
"""Providers whose API takes a time range query the last 10 metric intervals (Flagger's choice)."""

TLS_HINT = "spec.provider.insecureSkipVerify: true turns verification off"
Headers = list[tuple[str, str]]
"""Request headers as (name, value) pairs: a name may repeat (``spec.provider.headers``)."""


def checked_address(kind: str, address: str | None, default: str | None = None) -> str:
    """The address (or ``default`` when it is empty) without a trailing slash; ProviderConfigError
    unless it is an absolute http(s) URL that can be sent to."""
    value = address or default or ""
    problem = outbound.address_problem(value)
    if problem:
        hint = " (spec.provider.address is empty)" if not address else ""
        raise ProviderConfigError(
            f"{kind} address {redact.text(value, limit=80)!r}{hint}: {problem}; "
            "set spec.provider.address of the MetricTemplate"
        )
    return value.rstrip("/")


@dataclass(frozen=True)
class Secret:
    """The content of a MetricTemplate's Secret (``spec.provider.secretRef``) as one provider reads it.

    ``name`` is the Secret's, None when the template references none (``values`` is then empty)."""

    kind: str
    values: Mapping[str, str]
    name: str | None = None

    @classmethod
    def of(cls, kind: str, spec: MetricProviderSpec, values: Mapping[str, str]) -> Secret:
        return cls(kind, values, spec.secret_ref.name if spec.secret_ref else None)

    @property
    def referenced(self) -> bool:
        """Whether the template has a ``secretRef``."""
        return self.name is not None

    def required(self, key: str) -> str:
        """The value of ``key``; ProviderAuthError naming the key, the Secret and the keys it has."""
        value = self.values.get(key)
        if not value:
            where = f"the Secret {self.name!r}" if self.name else "the Secret"
            raise ProviderAuthError(
                f"{self.kind} needs the key {key!r} in {where} of spec.provider.secretRef "
                f"(it has: {', '.join(sorted(self.values)) or 'no keys'})"
            )
        return value

    def optional(self, key: str) -> str | None:
        """The value of ``key``, or None when the Secret does not have it."""
        return self.values.get(key)

    def required_if_referenced(self, key: str) -> str | None:
        """:meth:`required` when the template has a ``secretRef``, None when it has none."""
        return self.required(key) if self.referenced else None


def header_pairs(
    headers: Mapping[str, Sequence[str]] | None,
    *,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> Headers:
    """``spec.provider.headers`` as pairs, then an ``Authorization`` header: a bearer ``token``, or
    basic auth when both ``username`` and ``password`` are given."""
    pairs = [(name, value) for name, values in (headers or {}).items() for value in values]
    if token:
        pairs.append(("Authorization", f"Bearer {token}"))
    elif username is not None and password is not None:
        credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
        pairs.append(("Authorization", f"Basic {credentials}"))
    return pairs


async def answers(probe: Awaitable[Any], *accepted: type[ProviderError]) -> bool:
    """An online check: True when ``probe`` completes or fails with one of ``accepted`` (an answer
    that proves the backend is there, such as a 400 for an empty query), False on any other failure."""
    try:
        await probe
    except accepted:
        return True
    except ProviderError:
        return False
    return True


def require(extra: str, module: str) -> ModuleType:
    """``module``, imported; ProviderConfigError naming the extra when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ProviderConfigError(
            f"the {extra} metric provider needs the {extra!r} extra, which is not installed: "
            f"pip install 'flagger-py[{extra}]'"
        ) from None


class HTTPMetricProvider:
    """A metric provider that asks one HTTP API.

    ``kind`` names the provider in messages; ``address`` is the checked address of the template
    (``default_address`` when it sets none); ``headers`` go with every :meth:`request`; ``now`` is
    the clock of the query :meth:`window`. :meth:`configured` is the provider's
    ``MetricProviderFactory``: it picks the client of ``insecureSkipVerify`` and passes what
    :meth:`options` reads from the template and its Secret to the constructor; it does no I/O."""

    kind: ClassVar[str]
    default_address: ClassVar[str | None] = None
    timeout: ClassVar[float] = TIMEOUT_SECONDS

    def __init__(
        self, client: httpx.AsyncClient, address: str | None, headers: Iterable[tuple[str, str]] = ()
    ):
        self.client = client
        self.address = checked_address(self.kind, address, self.default_address)
        self.headers: Headers = list(headers)
        self.now: Callable[[], float] = time.time

    @classmethod
    def configured(cls, context: MetricContext, spec: MetricProviderSpec, secret: Mapping[str, str]) -> Self:
        options = cls.options(spec, Secret.of(cls.kind, spec, secret))
        return cls(context.client(spec.insecure_skip_verify), spec.address, **options)

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:  # noqa: ARG003
        """The constructor's arguments beyond the client and the address: none unless overridden."""
        return {}

    def window(self, seconds: float, unit: int = 1) -> tuple[int, int]:
        """(start, end) of the last :data:`WINDOW_FACTOR` intervals of ``seconds``, in ``1/unit`` s."""
        end = int(self.now() * unit)
        return end - int(WINDOW_FACTOR * seconds * unit), end

    async def request(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **request: Any
    ) -> Any:
        """:func:`call` to ``address + path`` with the provider's headers (then ``headers``)."""
        sent = [*self.headers, *(headers or {}).items()]
        url = self.address + path
        return await call(self.client, self.kind, method, url, timeout=self.timeout, headers=sent, **request)


async def call(
    client: httpx.AsyncClient,
    kind: str,
    method: str,
    url: str,
    *,
    timeout: float = TIMEOUT_SECONDS,
    parse_json: bool = True,
    transient: Callable[[httpx.Response], bool] | None = None,
    **request: Any,
) -> Any:
    """Send one request (retried on transient failures); the decoded JSON body, or the response
    itself when ``parse_json`` is False. ``request`` goes to ``httpx.AsyncClient.request``;
    ``transient`` marks further failed responses as worth retrying (AWS throttling is a 400)."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type(ProviderUnavailable),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            response = await _send(client, kind, method, url, timeout, request, transient)
            if not parse_json:
                return response
            try:
                return response.json()
            except ValueError as exc:
                status, text = response.status_code, redact.text(response.text)
                raise ProviderUnavailable(
                    f"{kind} answered {status} with a body that is not JSON: {text}"
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying reraises


async def _send(
    client: httpx.AsyncClient,
    kind: str,
    method: str,
    url: str,
    timeout: float,
    request: Mapping[str, Any],
    transient: Callable[[httpx.Response], bool] | None,
) -> httpx.Response:
    where = redact.url(url, secret=True).removesuffix("/...")
    response = await exchange.send(
        client,
        kind,
        where,
        method,
        url,
        timeout=timeout,
        tls_hint=TLS_HINT,
        limit=outbound.METRICS_LIMIT,
        **request,
    )
    if outbound.was_cut(response):
        raise ProviderConfigError(
            f"{kind} at {where} answered {response.status_code} with more than "
            f"{outbound.METRICS_LIMIT // 1024 // 1024} MiB: a metric query must return one value "
            "(aggregate it, e.g. sum(...))"
        )
    if response.is_success:
        return response
    raise exchange.answer_error(
        kind,
        where,
        response,
        exchange.sent_secrets(request.get("headers")),
        transient=bool(transient and transient(response)),
        what="query",
        auth_hint=" (check the credentials in spec.provider.secretRef)",
    )
