"""spi.exchange: what a failed answer may not repeat, and what it means."""

from __future__ import annotations

import httpx
import pytest

from flagger_py.errors import ProviderAuthError, ProviderConfigError, ProviderUnavailable
from flagger_py.spi import exchange

CHAT = "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k3y-value-91&token=t0ken-value-42"


def test_a_secret_address_is_masked_with_its_path_and_query_values() -> None:
    sent = exchange.sent_secrets(
        {"Content-Type": "application/json", "X-Auth": "Bearer abc123"}, secret_url=CHAT
    )
    assert {
        CHAT,
        "/v1/spaces/AAA/messages",
        "k3y-value-91",
        "t0ken-value-42",
        "Bearer abc123",
        "abc123",
    } <= set(sent)
    assert "application/json" not in sent


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (429, ProviderUnavailable),
        (503, ProviderUnavailable),
        (400, ProviderConfigError),
        (404, ProviderConfigError),
    ],
)
def test_an_answer_is_one_error_of_the_tree_and_repeats_no_secret(
    status: int, error: type[Exception]
) -> None:
    echoed = httpx.Response(status, json={"error": "bad key k3y-value-91 and token t0ken-value-42"})
    found = exchange.answer_error(
        "Google Chat", "https://chat.googleapis.com/...", echoed, exchange.sent_secrets(None, secret_url=CHAT)
    )
    assert type(found) is error
    assert str(status) in str(found)
    assert "k3y-value-91" not in str(found)
    assert "t0ken-value-42" not in str(found)
