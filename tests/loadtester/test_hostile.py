"""Hostile or careless callers: what the load tester answers, counts and repeats of what they send."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flagger_py.loadtester.payload import MAX_BODY, PayloadError, parse
from tests.loadtester.helpers import metric, payload, post


async def send(base: str, raw: bytes, path: str = "/") -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            base + path, content=raw, headers={"Content-Type": "application/json"}, timeout=30
        )


@pytest.mark.parametrize("opener", ["[", '{"a":'])
async def test_deep_nesting_is_a_400_not_a_traceback(loadtester: Callable[..., Any], opener: str) -> None:
    base = await loadtester()
    closer = "]" if opener == "[" else "}"
    for path in ("/", "/gate/check"):
        response = await send(base, (opener * 100_000 + "1" + closer * 100_000).encode(), path)
        assert response.status_code == 400
        assert response.text.startswith("the body is nested too deeply to read")
        assert "Traceback" not in response.text
    # nested within what the parser takes: still a field of the wrong type, named
    nested = await post(base, body={"name": [[[[["x"]]]]], "namespace": "test"})
    assert (nested.status_code, nested.text) == (400, "name must be a string, not an array")


async def test_a_body_over_one_mebibyte_is_a_413(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    response = await send(base, b'{"name": "' + b"a" * MAX_BODY + b'"}')
    assert response.status_code == 413
    assert "the body is over 1048576 bytes (1 MiB)" in response.text
    assert (await send(base, b"{}", "/gate/approve")).status_code == 200  # and it still serves


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"name": 5}, "name must be a string, not a number"),
        ({"namespace": {"a": 1}}, "namespace must be a string, not an object"),
        ({"phase": True}, "phase must be a string, not a boolean"),
        ({"metadata": "cmd"}, "metadata must be an object of strings (key: value), not a string"),
        ({"metadata": {"type": "bash", "cmd": ["ls"]}}, "metadata.cmd must be a string, not an array"),
        ({"metadata": {"cmd": "true", "returnCmdOutput": True}}, "metadata.returnCmdOutput must be a string"),
        ({"metadata": {"a\nb": 1}}, "metadata.'a\\nb' must be a string, not a number"),
        ({"name": "x" * 254}, "name is 254 characters: a Kubernetes name has at most 253"),
        ({"namespace": "x" * 64}, "namespace is 64 characters: a Kubernetes namespace has at most 63"),
        ("just a string", "the body must be a JSON object (the webhook payload), not a string"),
        (None, "the body must be a JSON object (the webhook payload), not null"),
    ],
)
async def test_wrong_types_are_400s_naming_the_field(
    loadtester: Callable[..., Any], body: Any, text: str
) -> None:
    base = await loadtester()
    for path in ("/", "/gate/open"):
        response = await send(base, json.dumps(body).encode(), path)
        assert response.status_code == 400, response.text
        assert response.text.startswith(text), response.text


async def test_bodies_that_are_not_json(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    for raw in (b"\xff\xfe{", b"{'single': 'quotes'}", b'{"name": ' + b"9" * 5000 + b"}", b"\x00"):
        response = await send(base, raw)
        assert response.status_code == 400, raw
        assert response.text.startswith("the body is not JSON: "), response.text
        assert len(response.text) < 400


async def test_lone_surrogates_and_invalid_utf8_read_as_replacement_characters(
    loadtester: Callable[..., Any],
) -> None:
    base = await loadtester()
    opened = await send(base, b'{"name": "a\\ud800b", "namespace": "t\xffu"}', "/gate/open")
    assert (opened.status_code, opened.text) == (202, "a\ufffdb.t\ufffdu opened")
    check = await post(base, "/gate/check", {"name": "a\ufffdb", "namespace": "t\ufffdu"})
    assert check.status_code == 200


async def test_unknown_types_keep_the_metric_bounded(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    async with httpx.AsyncClient() as client:
        before = len((await client.get(f"{base}/metrics")).text)
        for i in range(500):
            response = await client.post(f"{base}/", json=payload({"type": f"type-{i}", "cmd": "true"}))
            assert response.status_code == 400
        assert response.text == (
            "metadata.type: unknown task type 'type-499': use cmd, bash, helm, helmv3 or kubectl"
        )
        flagger = await client.post(f"{base}/", json=payload({"type": "concord", "cmd": "x"}))
        assert "a task type of Flagger's loadtester that this one does not run" in flagger.text
        text = (await client.get(f"{base}/metrics")).text
    assert "type-" not in text
    assert len(text) - before < 1000
    assert await metric(base, "other", "refused") == 500
    assert await metric(base, "concord", "refused") == 1


def test_parse_reads_like_flaggers_decoder() -> None:
    assert parse(b"").canary == "."
    read = parse(b'{"name": null, "namespace": "a", "metadata": {"cmd": null, "x": "1"}}')
    assert (read.canary, read.metadata) == (".a", {"cmd": "", "x": "1"})
    assert read.flag("x")
    assert not read.flag("cmd")
    for value in ("1", "t", "T", "TRUE", "true", "True"):
        assert parse(json.dumps({"metadata": {"r": value}}).encode()).flag("r")
    for value in ("yes", "tRuE", "on", ""):
        assert not parse(json.dumps({"metadata": {"r": value}}).encode()).flag("r")
    with pytest.raises(PayloadError, match="metadata must be an object"):
        parse(b'{"metadata": [1]}')
