"""Hostile or careless callers: what the load tester answers, counts and repeats of what they send."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flagger_py.loadtester.payload import MAX_BODY, PayloadError, parse
from flagger_py.loadtester.tasks import MAX_COMMAND, OUTPUT_LIMIT
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


async def test_commands_no_command_line_can_carry(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    nul = await post(base, body=payload({"type": "bash", "cmd": "echo a\0b"}))
    assert (nul.status_code, nul.text) == (
        400,
        "metadata.cmd holds a NUL character, which no command line can carry",
    )
    long = await post(base, body=payload({"type": "bash", "cmd": "#" * (MAX_COMMAND + 1)}))
    assert long.status_code == 400
    assert f"metadata.cmd is {MAX_COMMAND + 1} bytes, over the {MAX_COMMAND}" in long.text
    longest = await post(base, body=payload({"type": "bash", "cmd": "#" * MAX_COMMAND}))
    assert (longest.status_code, longest.text) == (200, "ok")  # a comment that long still runs


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
            "metadata.type: unknown task type 'type-499': use cmd, bash, helm, helmv3, kubectl, concord "
            "or ngrinder"
        )
        flagger = await client.post(f"{base}/", json=payload({"type": "concord", "cmd": "x"}))
        assert (flagger.status_code, flagger.text) == (500, "`server` is required with type concord")
        text = (await client.get(f"{base}/metrics")).text
    assert "type-" not in text
    assert len(text) - before < 1000
    assert await metric(base, "other", "refused") == 500
    assert await metric(base, "concord", "refused") == 1


async def test_a_failed_command_returns_its_output_only_when_asked_and_capped(
    loadtester: Callable[..., Any],
) -> None:
    base = await loadtester()
    script = "head -c 200000 /dev/zero | tr '\\0' x; echo; echo the-$((2 + 3)); exit 1"
    withheld = await post(base, body=payload({"type": "bash", "cmd": script}))
    assert withheld.status_code == 500
    assert "the-5" not in withheld.text
    assert (
        'failed: exit status 1. Its output is withheld from this answer: set metadata.returnCmdOutput: "true"'
        in (withheld.text)
    )
    assert len(withheld.content) < 2000
    shown = await post(base, body=payload({"type": "bash", "cmd": script, "returnCmdOutput": "true"}))
    assert shown.status_code == 500
    assert shown.text.endswith("xxx\nthe-5\n")
    assert f"[output cut: the first {200_007 - OUTPUT_LIMIT} of 200007 bytes are not shown]" in shown.text
    assert OUTPUT_LIMIT < len(shown.content) < OUTPUT_LIMIT + 1024
    success = await post(
        base, body=payload({"type": "bash", "cmd": script[: -len("; exit 1")], "returnCmdOutput": "1"})
    )
    assert success.status_code == 200
    assert OUTPUT_LIMIT < len(success.content) < OUTPUT_LIMIT + 200


async def test_commands_and_their_output_are_logged_redacted(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    base = await loadtester()
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    script = (
        "curl -H 'Authorization: Bearer s3cr3t-1' http://user:s3cr3t-2@127.0.0.1:9/?token=s3cr3t-3; "
        "echo token=s3cr3t-4"
    )
    for kind in ("cmd", "bash"):
        await post(base, body=payload({"type": kind, "cmd": script, "logCmdOutput": "true"}))
    await post(base, body=payload({"type": "bash", "cmd": "echo password=s3cr3t-5; exit 2"}))
    for _ in range(200):  # the background command's end is logged when it ends
        if sum(r.getMessage().startswith("command f") for r in caplog.records) == 3:
            break
        await asyncio.sleep(0.05)
    logged = [json.dumps(vars(r), default=str) for r in caplog.records]
    commands = [r for r in caplog.records if getattr(r, "command", None)]
    assert len(commands) >= 6
    assert "s3cr3t" not in "".join(logged)
    assert any("Authorization: ***" in str(getattr(r, "command", "")) for r in commands)
    assert any("token=***" in str(getattr(r, "output", "")) for r in commands)
    assert any("password=***" in str(getattr(r, "output", "")) for r in commands)


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
