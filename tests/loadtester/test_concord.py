"""Task type ``concord`` against a local Concord API: the requests it sends, and what the webhook
answers for each way a process, a server or the metadata can end."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from flagger_py.loadtester import concord
from flagger_py.loadtester.remote import TaskError
from tests.loadtester import remotes
from tests.loadtester.helpers import Service, changed_metadata, metric, payload, post

KEY = "c0ncord-api-key-123"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "concord-api-key"
    path.write_text(KEY)
    return path


def concord_task(base: str, key_file: Path, **extra: str) -> dict[str, Any]:
    metadata = {
        "type": "concord",
        "server": base,
        "org": "my org",
        "project": "my project",
        "repo": "my repo",
        "entrypoint": "my-entrypoint",
        "apiKeyPath": str(key_file),
        "endpoint": "http://podinfo-canary.test:9898/",
        "pollInterval": "1",
        **extra,
    }
    return payload(metadata)


async def test_starts_a_process_and_answers_200_when_it_finishes(
    loadtester: Callable[..., Any], key_file: Path
) -> None:
    server = remotes.Concord(KEY, ["ENQUEUED", "RUNNING", "FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        started = asyncio.get_running_loop().time()
        body = concord_task(fake.base, key_file, **{"arguments.users": "10", "arguments.b": "x y"})
        response = await post(base, body=body)
        took = asyncio.get_running_loop().time() - started
    assert response.status_code == 200, response.text
    start, *polls = fake.seen
    instance = next(iter(server.processes))
    assert response.text == f"concord process {instance} FINISHED"
    assert (start.method, start.path) == ("POST", "/api/v1/process")
    assert start.headers["Authorization"] == KEY  # the key as it is, no scheme: Concord's API key header
    assert start.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert start.fields == [
        ("org", "my org"),
        ("project", "my project"),
        ("repo", "my repo"),
        ("entryPoint", "my-entrypoint"),
        ("arguments.endpoint", "http://podinfo-canary.test:9898/"),
        ("arguments.b", "x y"),
        ("arguments.users", "10"),
    ]
    assert [(p.method, p.path, p.body) for p in polls] == [("GET", f"/api/v1/process/{instance}", b"")] * 3
    assert all(p.headers["Authorization"] == KEY for p in polls)
    gaps = [b.at - a.at for a, b in zip(fake.seen, fake.seen[1:], strict=False)]
    assert all(0.9 < gap < 2.5 for gap in gaps), gaps  # every pollInterval (1 s), the first one too
    assert 2.9 < took < 8
    assert await metric(base, "concord", "succeeded") == 1


@pytest.mark.parametrize(
    ("status", "text"),
    [("FAILED", "concord instanceID: {} failed"), ("CANCELLED", "concord instanceID: {} ended CANCELLED")],
)
async def test_a_process_that_fails_is_a_500(
    loadtester: Callable[..., Any], key_file: Path, status: str, text: str
) -> None:
    server = remotes.Concord(KEY, ["RUNNING", status])
    async with server.running() as fake:
        base = await loadtester()
        response = await post(base, body=concord_task(fake.base, key_file))
    assert (response.status_code, response.text) == (500, text.format(next(iter(server.processes))))
    assert len(fake.seen) == 3
    assert await metric(base, "concord", "failed") == 1


async def test_poll_timeout_bounds_the_whole_wait(loadtester: Callable[..., Any], key_file: Path) -> None:
    server = remotes.Concord(KEY, ["RUNNING"])
    async with server.running() as fake:
        base = await loadtester()
        started = asyncio.get_running_loop().time()
        response = await post(base, body=concord_task(fake.base, key_file, pollTimeout="3"))
        took = asyncio.get_running_loop().time() - started
    assert response.status_code == 500
    assert response.text.startswith(
        f"concord process timed out, after 3 seconds (instanceID: {next(iter(server.processes))})"
    )
    assert 2.9 < took < 5
    assert len(fake.seen) == 4  # the start, then a poll at 1, 2 and 3 s


async def test_the_load_testers_timeout_bounds_it_too(loadtester: Callable[..., Any], key_file: Path) -> None:
    server = remotes.Concord(KEY, ["RUNNING"])
    async with server.running() as fake:
        base = await loadtester(timeout=1.5)
        response = await post(base, body=concord_task(fake.base, key_file, pollTimeout="60"))
    assert response.status_code == 500
    instance = next(iter(server.processes))
    assert response.text == (
        "context timedout: the load tester's -timeout (1.5s) ran out while waiting for concord process "
        + instance
    )


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"server": None}, "`server` is required with type concord"),
        ({"org": None, "repo": None}, "`org` is required with type concord"),
        ({"project": ""}, "`project` is required with type concord"),
        ({"repo": None}, "`repo` is required with type concord"),
        ({"entrypoint": None}, "`entrypoint` is required with type concord"),
        ({"apiKeyPath": None}, "`apiKeyPath` is required with type concord"),
        ({"endpoint": None}, "`endpoint` is required with type concord"),
        (
            {"server": "concord:8001"},
            "`server` is not the address of a Concord server: an absolute http(s) URL",
        ),
        ({"pollInterval": "5s"}, "unable to convert `pollInterval` to int: '5s' is not a whole number"),
        ({"pollTimeout": " 30"}, "unable to convert `pollTimeout` to int"),
        ({"pollInterval": "0"}, "`pollInterval` must be a number of seconds from 1 to 9223372036, not 0"),
        ({"pollTimeout": "-1"}, "`pollTimeout` must be a number of seconds from 1 to 9223372036, not -1"),
        ({"pollTimeout": "9" * 30}, "unable to convert `pollTimeout` to int"),
        (
            {"arguments.endpoint": "http://elsewhere/"},
            "You cannot override Endpoint through arguments. You must override Endpoint directly",
        ),
        (
            {"arguments.endpoint": "x", "pollTimeout": "1m"},
            "unable to convert `pollTimeout`",
        ),  # Flagger's order
        (
            {"arguments.a\r\nX-Injected: 1": "v"},
            "metadata key 'arguments.a\\r\\nX-Injected: 1': a form field",
        ),
    ],
)
async def test_metadata_that_makes_no_task_is_a_500_as_in_flagger(
    loadtester: Callable[..., Any], key_file: Path, change: dict[str, str | None], text: str
) -> None:
    server = remotes.Concord(KEY, ["FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        response = await post(base, body=changed_metadata(concord_task(fake.base, key_file), change))
    assert response.status_code == 500
    assert response.text.startswith(text), response.text
    assert fake.seen == []  # nothing was sent
    assert await metric(base, "concord", "refused") == 1


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (None, "failed to start process: `apiKeyPath` file doesn't exist {}"),
        ("", "failed to start process: `apiKeyPath` {} is empty: put the Concord API key in it"),
        (KEY + "\n", "failed to start process: `apiKeyPath` {} holds a newline or another control character"),
        ("ключ", "failed to start process: `apiKeyPath` {} holds characters other than ASCII"),
        ("k" * 20_000, "failed to start process: `apiKeyPath` {} is over 16384 bytes"),
        ("dir", "failed to start process: `apiKeyPath` {} is not a file"),
    ],
)
async def test_an_api_key_file_that_cannot_be_sent(
    loadtester: Callable[..., Any], tmp_path: Path, content: str | None, text: str
) -> None:
    path = tmp_path / "key"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_text(content)
    server = remotes.Concord(KEY, ["FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        response = await post(base, body=concord_task(fake.base, path))
    assert response.status_code == 500
    assert response.text.startswith(text.format(path)), response.text
    assert fake.seen == []


async def test_a_wrong_api_key_is_a_500_that_never_repeats_the_key(
    loadtester: Callable[..., Any], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = tmp_path / "wrong-key"
    wrong.write_text("s3cr3t-wrong-key")
    server = remotes.Concord(KEY, ["FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        response = await post(base, body=concord_task(fake.base, wrong))
    assert response.status_code == 500
    assert response.text.startswith(
        f"failed to start process: POST {fake.base}/api/v1/process answered 401 Unauthorized: "
        f"Concord refused the API key read from {wrong}: check it"
    ), response.text
    assert fake.seen[0].headers["Authorization"] == "s3cr3t-wrong-key"  # sent, and echoed by the server
    assert "API key not found: ***" in response.text
    assert "s3cr3t" not in response.text
    assert "s3cr3t" not in "".join(json.dumps(vars(r), default=str) for r in caplog.records)


@pytest.mark.parametrize(
    ("route", "answer", "text"),
    [
        (
            "start",
            remotes.not_json,
            "failed to start process: POST {}/api/v1/process answered 200 OK with a body",
        ),
        (
            "start",
            remotes.huge,
            "failed to start process: POST {}/api/v1/process answered 200 OK with a body over",
        ),
        ("start", remotes.json_answer({"ok": True}), "failed to start process: Concord answered without an"),
        (
            "start",
            remotes.json_answer([{"instanceId": "x"}]),
            "failed to start process: Concord answered without",
        ),
        (
            "start",
            remotes.json_answer({"message": "no repo"}, 400),
            "failed to start process: POST {}/api/v1/pro",
        ),
        (
            "start",
            remotes.slow,
            "failed to start process: POST {}/api/v1/process: no complete answer within 0.5s",
        ),
        ("status", remotes.not_json, "failed checking status: GET {}/api/v1/process/"),
        ("status", remotes.huge, "failed checking status: GET {}/api/v1/process/"),
        (
            "status",
            remotes.json_answer(["FINISHED"]),
            "failed checking status: Concord answered ['FINISHED']",
        ),
        ("status", remotes.json_answer({}, 503), "failed checking status: GET {}/api/v1/process/"),
        ("status", remotes.slow, "failed checking status: GET {}/api/v1/process/"),
    ],
)
async def test_hostile_or_broken_answers_are_500s_saying_what_came_back(
    loadtester: Callable[..., Any], key_file: Path, route: str, answer: remotes.Answer, text: str
) -> None:
    server = remotes.Concord(KEY, ["FINISHED"])
    async with server.running() as fake:
        fake.answers[route] = answer
        base = await loadtester(request_timeout=0.5)
        started = asyncio.get_running_loop().time()
        response = await post(base, body=concord_task(fake.base, key_file))
        took = asyncio.get_running_loop().time() - started
    assert response.status_code == 500
    assert response.text.replace('"', "'").startswith(text.format(fake.base)), response.text
    assert len(response.content) < 1000
    assert took < 4  # slow answers are cut at the request timeout, huge ones at 64 KiB


async def test_an_unreachable_server(loadtester: Callable[..., Any], key_file: Path) -> None:
    async with remotes.Concord(KEY, ["FINISHED"]).running() as fake:
        gone = fake.base
    base = await loadtester()
    response = await post(base, body=concord_task(gone, key_file))
    assert response.status_code == 500
    assert response.text.startswith(
        f"failed to start process: POST {gone}/api/v1/process: cannot reach the server"
    )


async def test_identical_requests_join_one_process(loadtester: Callable[..., Any], key_file: Path) -> None:
    server = remotes.Concord(KEY, ["RUNNING", "FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        body = concord_task(fake.base, key_file)
        first, second = await asyncio.gather(post(base, body=body), post(base, body=body))
        other = await post(base, body={**body, "name": "other"})
    assert [r.status_code for r in (first, second, other)] == [200, 200, 200]
    assert first.text == second.text != other.text
    assert len(server.processes) == 2
    assert await metric(base, "concord", "deduplicated") == 1


async def test_a_caller_that_hangs_up_stops_the_polling(
    loadtester: Callable[..., Any], key_file: Path
) -> None:
    server = remotes.Concord(KEY, ["RUNNING"])
    async with server.running() as fake:
        base = await loadtester()
        with pytest.raises(httpx.TimeoutException):
            await post(base, body=concord_task(fake.base, key_file, pollTimeout="60"), timeout=1.5)
        for _ in range(100):
            if await metric(base, "concord", "cancelled") == 1:
                break
            await asyncio.sleep(0.05)
        polled = len(fake.seen)
        await asyncio.sleep(2.5)
        assert len(fake.seen) == polled  # nobody polls for nobody
    assert await metric(base, "concord", "cancelled") == 1


def test_parse_keeps_flaggers_defaults_and_key_order() -> None:
    task = concord.parse(
        {
            "server": "http://concord:8001/ignored/path",
            "org": "o",
            "project": "p",
            "repo": "r",
            "entrypoint": "e",
            "apiKeyPath": "/k",
            "endpoint": "http://x/",
            "arguments.": "empty name",
            'arguments.q"uote': "v",
        }
    )
    assert (task.poll_interval, task.poll_timeout) == (5, 30)
    assert str(task) == "o p r e"
    assert task.arguments == (("", "empty name"), ('q"uote', "v"))
    body, content_type = concord.form(task.fields())
    assert b'name="arguments.q\\"uote"' in body
    assert remotes._form(content_type, body)[-1] == ('arguments.q"uote', "v")
    assert (
        concord.parse(
            {**dict.fromkeys(concord.REQUIRED, "x"), "server": "http://h", "pollInterval": "+7"}
        ).poll_interval
        == 7
    )
    with pytest.raises(TaskError, match="`org` is required"):
        concord.parse({"server": "http://h"})


async def test_the_service_process_runs_it_and_logs_no_key(
    service: Callable[..., Service], key_file: Path
) -> None:
    server = remotes.Concord(KEY, ["RUNNING", "FINISHED"])
    async with server.running() as fake:
        running = service("-timeout", "30s")
        await asyncio.to_thread(running.wait_healthy)
        response = await post(running.base, body=concord_task(fake.base, key_file))
    assert response.status_code == 200, response.text
    records = running.records()  # one JSON object per line
    steps = ("task starting", "concord process created", "task finished")
    assert [r["msg"] for r in records if r["msg"] in steps] == list(steps)
    started = next(r for r in records if r["msg"] == "task starting")
    assert (started["type"], started["task"], started["canary"]) == (
        "concord",
        "my org my project my repo my-entrypoint",
        "podinfo.test",
    )
    assert KEY not in "\n".join(running.lines())
