"""What every HTTP metric provider shares: address and secret checks, and one request that retries
transient failures and maps every other outcome to the errors tree.

    connection error, timeout, 429, 5xx, a body that is not JSON  -> retried, then ProviderUnavailable
    401, 403                                                      -> ProviderAuthError
    any other 4xx                                                 -> ProviderConfigError (the query is wrong)

Messages name the provider and the status, never a credential: headers are not echoed, and a
response body is cut to 200 characters.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from flagger_py import outbound, redact
from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderError, ProviderUnavailable

TIMEOUT_SECONDS = 5.0
ATTEMPTS = 3
WINDOW_FACTOR = 10
"""Providers whose API takes a time range query the last 10 metric intervals (Flagger's choice)."""


def checked_address(kind: str, address: str | None, default: str | None = None) -> str:
    """The address without a trailing slash; ProviderConfigError unless it is an absolute http(s) URL
    that can be sent to."""
    value = address or default or ""
    problem = outbound.address_problem(value)
    if problem:
        hint = " (spec.provider.address is empty)" if not address else ""
        raise ProviderConfigError(
            f"{kind} address {redact.text(value, limit=80)!r}{hint}: {problem}; "
            "set spec.provider.address of the MetricTemplate"
        )
    return value.rstrip("/")


def secret_value(kind: str, secret: Mapping[str, str], key: str) -> str:
    """A required key of the template's Secret; the error names the key, never a value."""
    value = secret.get(key)
    if not value:
        raise ProviderAuthError(
            f"{kind} needs the key {key!r} in the Secret of spec.provider.secretRef "
            f"(it has: {', '.join(sorted(secret)) or 'no keys'})"
        )
    return value


def basic_auth(username: str, password: str) -> str:
    """The value of an ``Authorization`` header for HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


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


def header_pairs(headers: Mapping[str, Sequence[str]] | None) -> list[tuple[str, str]]:
    return [(name, value) for name, values in (headers or {}).items() for value in values]


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
                status, text = response.status_code, _cut(response.text)
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
    where = _host(url)
    try:
        response = await outbound.request(
            client, method, url, timeout=timeout, limit=outbound.METRICS_LIMIT, **request
        )
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{kind} at {where} did not answer within {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            raise ProviderConfigError(
                f"{kind} at {where}: TLS certificate not trusted (spec.provider.insecureSkipVerify: true "
                "turns verification off)"
            ) from exc
        raise ProviderUnavailable(f"{kind} at {where} unreachable: ConnectError") from exc
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{kind} at {where} unreachable: {type(exc).__name__}") from exc
    except httpx.InvalidURL as exc:
        reason = redact.text(str(exc))
        raise ProviderConfigError(f"{kind} address {where} is not a valid URL: {reason}") from exc
    if outbound.was_cut(response):
        raise ProviderConfigError(
            f"{kind} at {where} answered {response.status_code} with more than "
            f"{outbound.METRICS_LIMIT // 1024 // 1024} MiB: a metric query must return one value "
            "(aggregate it, e.g. sum(...))"
        )
    if response.is_success:
        return response
    status, detail = response.status_code, _detail(response)
    message = f"{kind} at {where} answered {status}: {detail}".rstrip(": ")
    if status in (401, 403):
        raise ProviderAuthError(message + " (check the credentials in spec.provider.secretRef)")
    if status == 429 or status >= 500 or (transient and transient(response)):
        raise ProviderUnavailable(message)
    raise ProviderConfigError(f"{kind} at {where} rejected the query ({status}): {detail}".rstrip(": "))


def _detail(response: httpx.Response) -> str:
    """The error text of a JSON error body (``error``, ``message``, ``errors``), else the body, cut."""
    try:
        body = response.json()
    except ValueError:
        return _cut(response.text)
    if isinstance(body, dict):
        for key in ("error", "message", "errors"):
            if body.get(key):
                value = body[key]
                return _cut(value if isinstance(value, str) else json.dumps(value))
    return _cut(response.text)


def _host(url: str) -> str:
    return redact.url(url, secret=True).removesuffix("/...")


def _cut(text: str) -> str:
    return redact.text(text)
