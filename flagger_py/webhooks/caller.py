"""HttpWebhookCaller: POSTs Flagger's webhook payload to each webhook of a kind, in order."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from flagger_py import outbound, redact
from flagger_py.allowlist import AllowList
from flagger_py.domain.observations import HookKind, HookOutcome
from flagger_py.model.canary import Canary, Webhook

DEFAULT_TIMEOUT_SECONDS = 10.0
BACKOFF_MIN_SECONDS, BACKOFF_MAX_SECONDS = 1.0, 30.0
MAX_MESSAGE = redact.MAX_TEXT


class _Retryable(Exception):
    """An attempt failed in a way worth another try (connection error, timeout, 429, 5xx but 501)."""


class _Final(Exception):
    """An attempt failed in a way another try will not fix (4xx, 501)."""


def payload(canary: Canary, phase: str, metadata: Mapping[str, str] | None) -> dict[str, Any]:
    """Flagger's CanaryWebhookPayload."""
    return {
        "name": canary.metadata.name,
        "namespace": canary.metadata.namespace or "default",
        "phase": phase,
        "checksum": checksum(canary),
        "metadata": dict(metadata or {}),
    }


def checksum(canary: Canary) -> str:
    """Identifies the revision under analysis: a hash of the tracked configs and the applied spec."""
    status = canary.status
    data = {
        "trackedConfigs": dict(status.tracked_configs or {}) if status else {},
        "lastAppliedSpec": (status.last_applied_spec or "") if status else "",
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class HttpWebhookCaller:
    """Calls webhooks with an injected ``httpx.AsyncClient`` (and one that skips TLS verification
    for hooks with ``disableTLS``)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        insecure_client: httpx.AsyncClient | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        allow: AllowList | None = None,
    ) -> None:
        self.client = client
        self.insecure_client = insecure_client or client
        self.sleep = sleep
        self.allow = allow or AllowList()

    async def call(self, canary: Canary, kind: HookKind | Literal["post-rollout"], phase: str) -> HookOutcome:
        """Run the hooks of ``kind`` in order. Gates stop at the first failure; a rollback hook that
        answers 2xx asks for a rollback (``passed``)."""
        passed: list[str] = []
        for hook in canary.spec.analysis.webhooks or ():
            if (hook.type or "rollout") != kind:
                continue
            ok, message = await self.call_one(canary, hook, phase)
            if kind == "rollback" and ok:
                return HookOutcome(
                    True, f"{hook.name} asked for a rollback", hook=hook.name, passed_hooks=tuple(passed)
                )
            if kind != "rollback" and not ok:
                return HookOutcome(
                    False,
                    f"{hook.name}: {message}",
                    bool(hook.mute_alert),
                    hook=hook.name,
                    error=message,
                    passed_hooks=tuple(passed),
                )
            passed.append(hook.name)
        return HookOutcome(kind != "rollback", passed_hooks=tuple(passed))

    async def call_one(self, canary: Canary, hook: Webhook, phase: str) -> tuple[bool, str]:
        """POST the payload to one hook; (success, message)."""
        refused = self.refused(canary, hook)
        if refused:
            return False, refused
        body = payload(canary, phase, hook.metadata)
        return await self.post(hook.url, body, hook)

    def refused(self, canary: Canary, hook: Webhook) -> str:
        """Why the outbound allow-list keeps ``canary`` from calling ``hook``; "" when it does not."""
        namespace = canary.metadata.namespace or "default"
        return self.allow.problem(namespace, hook.url, f"webhook {hook.name} (spec.analysis.webhooks)")

    async def post(self, url: str, body: Mapping[str, Any], hook: Webhook) -> tuple[bool, str]:
        client = self.insecure_client if hook.disable_tls else self.client
        timeout = hook.timeout.seconds if hook.timeout else DEFAULT_TIMEOUT_SECONDS
        attempts = 1 + (hook.retries or 0)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(
                multiplier=BACKOFF_MIN_SECONDS, min=BACKOFF_MIN_SECONDS, max=BACKOFF_MAX_SECONDS
            ),
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(client, url, body, timeout)
        except _Retryable as exc:
            tries = f"giving up after {attempts} attempt{'s' if attempts > 1 else ''}"
            return False, f"{exc} ({tries})" if attempts > 1 else str(exc)
        except _Final as exc:
            return False, str(exc)
        return False, "no attempt was made"  # pragma: no cover - tenacity always makes one

    async def _attempt(
        self, client: httpx.AsyncClient, url: str, body: Mapping[str, Any], timeout: float
    ) -> tuple[bool, str]:
        where = f"POST {redact.url(url)}"
        problem = outbound.address_problem(url)
        if problem:
            raise _Final(f"{where}: the webhook's url is invalid: {problem}")
        try:
            response = await outbound.request(client, "POST", url, json=body, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"{where}: timed out after {timeout:g}s") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"{where}: {_reason(exc)}") from exc
        except httpx.InvalidURL as exc:
            raise _Final(f"{where}: invalid URL ({redact.text(str(exc))})") from exc
        if response.is_success:
            return True, _text(response)
        message = f"{where}: {response.status_code} {_text(response) or response.reason_phrase}"
        if response.status_code == 429 or (response.status_code >= 500 and response.status_code != 501):
            raise _Retryable(message)
        raise _Final(message)


def _text(response: httpx.Response) -> str:
    """The answer's body as the one redaction rule allows (one line, cut, credentials masked)."""
    text = redact.text(response.text, limit=MAX_MESSAGE)
    cut = outbound.was_cut(response)
    return f"{text} (answer cut at {outbound.WEBHOOK_LIMIT // 1024} KiB)" if cut else text


def _reason(exc: Exception) -> str:
    text = redact.text(str(exc) or type(exc).__name__)
    if "certificate" in text.lower():
        return f"TLS certificate not trusted ({text}); set disableTLS to skip verification"
    if "refused" in text.lower() or "connect" in type(exc).__name__.lower():
        return f"connection failed ({text})"
    return text
