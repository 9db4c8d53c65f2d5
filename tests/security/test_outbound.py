"""Every call to an address a Canary author chose is bounded in time (the whole call, not each
read) and in memory (a body prefix), through httpx's own transport and through the controller's."""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Awaitable, Callable

import httpx
import pytest

from flagger_py import outbound
from flagger_py.errors import ProviderConfigError, ProviderUnavailable
from flagger_py.model.canary import Webhook
from flagger_py.operator.transport import http_client
from flagger_py.spi import posting as notifiers_http
from flagger_py.spi import querying as metrics_http
from flagger_py.webhooks.caller import HttpWebhookCaller
from tests.security.hostile import TRICKLE_BYTES, TRICKLE_EVERY, hostile

CLIENTS: dict[str, Callable[[], httpx.AsyncClient]] = {"httpx": httpx.AsyncClient, "aiohttp": http_client}
TRICKLE_SECONDS = TRICKLE_BYTES * TRICKLE_EVERY  # what an unbounded read would wait


@pytest.fixture(params=list(CLIENTS))
def make(request: pytest.FixtureRequest) -> Callable[[], httpx.AsyncClient]:
    return CLIENTS[request.param]


async def post_hook(client: httpx.AsyncClient, url: str, timeout: str = "2s") -> tuple[bool, str]:
    hook = Webhook.model_validate({"name": "gate", "url": url, "timeout": timeout})
    return await HttpWebhookCaller(client).post(url, {"phase": "Progressing"}, hook)


async def test_a_trickled_webhook_answer_times_out_at_the_hooks_timeout(
    make: Callable[[], httpx.AsyncClient],
) -> None:
    async with hostile("trickle") as server, make() as client:
        started = time.monotonic()
        ok, message = await post_hook(client, f"{server.url}/gate", "2s")
        took = time.monotonic() - started
    assert not ok, "a webhook that never finished answering must not pass"
    assert message == f"POST {server.url}/gate: timed out after 2s"
    assert took < TRICKLE_SECONDS / 2, f"the timeout covers the whole call ({took:.1f}s)"


async def test_a_huge_webhook_answer_is_read_to_its_limit_only(make: Callable[[], httpx.AsyncClient]) -> None:
    async with hostile("huge", status=500) as server, make() as client:
        tracemalloc.start()
        try:
            ok, message = await post_hook(client, server.url, "20s")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert not ok
    assert message.startswith(f"POST {server.url}: 500 xxx")
    assert "(answer cut at 64 KiB)" in message
    assert len(message) < 400
    assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held for a 200 MiB answer"


async def test_a_gzip_bomb_is_inflated_to_the_limit_only(make: Callable[[], httpx.AsyncClient]) -> None:
    async with hostile("bomb") as server, make() as client:
        tracemalloc.start()
        try:
            response = await outbound.request(client, "GET", server.url, timeout=20)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(response.content) == outbound.WEBHOOK_LIMIT
    assert outbound.was_cut(response)
    assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held for a 100 MiB bomb"


async def test_a_small_answer_is_whole_and_not_cut(
    make: Callable[[], httpx.AsyncClient], serve: Callable[..., object]
) -> None:
    server = serve(lambda _p, _n: (200, '{"ok": true}'))
    async with make() as client:
        response = await outbound.request(client, "GET", f"{server.url}/x", timeout=5)  # type: ignore[attr-defined]
    assert response.json() == {"ok": True}
    assert not outbound.was_cut(response)


TRICKLED: dict[str, tuple[Callable[[httpx.AsyncClient, str], Awaitable[object]], str]] = {
    "metric provider": (
        lambda client, url: metrics_http.call(client, "prometheus", "GET", f"{url}/api/v1/query", timeout=1),
        "did not answer within 1s",
    ),
    "notifier": (
        lambda client, url: notifiers_http.post(client, "Slack", f"{url}/services/T/B/secret", {"text": "x"}),
        "did not answer within 5s",
    ),
}


@pytest.mark.parametrize("plugin", sorted(TRICKLED))
async def test_a_plugin_that_trickles_is_unavailable_within_its_timeout(
    make: Callable[[], httpx.AsyncClient], plugin: str
) -> None:
    call, message = TRICKLED[plugin]
    async with hostile("trickle") as server, make() as client:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable, match=message):
            await call(client, server.url)
        assert time.monotonic() - started < TRICKLE_SECONDS / 2


async def test_a_metric_provider_answer_over_the_limit_is_a_config_error(
    make: Callable[[], httpx.AsyncClient],
) -> None:
    async with hostile("huge") as server, make() as client:
        with pytest.raises(
            ProviderConfigError, match="more than 1 MiB: a metric query must return one value"
        ):
            await metrics_http.call(client, "prometheus", "GET", f"{server.url}/api/v1/query", timeout=20)


async def test_a_notifier_error_body_is_cut_and_the_secret_path_not_shown(
    make: Callable[[], httpx.AsyncClient],
) -> None:
    async with hostile("huge", status=500) as server, make() as client:
        with pytest.raises(ProviderUnavailable) as caught:
            await notifiers_http.post(client, "Slack", f"{server.url}/services/T/B/secret", {"text": "x"})
    assert "secret" not in str(caught.value)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("http://127.0.0.1:99999/x", "not a valid URL (Port out of range"),
        ("http://127.0.0.1/x\n", "trailing whitespace"),
        ("http://127.0.\x000.1/", "control character"),
    ],
)
async def test_an_invalid_address_is_refused_before_any_connection(address: str, problem: str) -> None:
    async with httpx.AsyncClient() as client:
        ok, message = await post_hook(client, address)
    assert not ok
    assert message.startswith("POST ")
    assert problem in message
    with pytest.raises(ProviderConfigError, match=re.escape(problem)):
        metrics_http.checked_address("prometheus", address)
    with pytest.raises(ProviderConfigError, match=re.escape(problem)):
        notifiers_http.checked_url("Slack", address)
