"""Task type ``ngrinder`` against a local nGrinder API: the requests it sends, the webhook's answer
(202 at once, the test followed in the background), and how each end is counted and logged."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from flagger_py.loadtester import ngrinder
from flagger_py.loadtester.remote import TaskError
from flagger_py.loadtester.server import app
from flagger_py.testing.cluster import free_port
from tests.loadtester import remotes
from tests.loadtester.helpers import changed_metadata, eventually, metric, payload, post

PASSWORD = "s3cr3t-pa55"
AUTH = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()


def ngrinder_task(server: str, password: str = PASSWORD, **extra: str) -> dict[str, Any]:
    metadata = {
        "type": "ngrinder",
        "server": server,
        "clone": "960",
        "username": "admin",
        "passwd": base64.b64encode(password.encode()).decode(),
        "pollInterval": "50ms",
        **extra,
    }
    return payload(metadata)


def ended(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() in ("task finished", "task failed")]


async def test_clones_starts_and_follows_the_test(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    server = remotes.NGrinder("admin", PASSWORD, ["READY", "TESTING", "TESTING", "FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        response = await post(base, body=ngrinder_task(fake.base))
        assert (response.status_code, response.text) == (202, "started")
        assert await eventually(lambda: len(ended(caplog)) == 1, 10)
    clone, *polls = fake.seen
    assert (clone.method, clone.path, clone.body) == ("POST", "/perftest/api/960/clone_and_start", b"")
    assert [(p.method, p.path) for p in polls] == [("GET", "/perftest/api/961/status")] * 4
    assert all(s.headers["Authorization"] == AUTH for s in fake.seen)
    gaps = [b.at - a.at for a, b in zip(fake.seen, fake.seen[1:], strict=False)]
    assert all(0.04 < gap < 1 for gap in gaps), gaps
    assert server.stopped == []
    assert ended(caplog)[0].getMessage() == "task finished"
    assert await metric(base, "ngrinder", "succeeded") == 1


async def test_a_server_path_resolves_as_a_url_reference(loadtester: Callable[..., Any]) -> None:
    server = remotes.NGrinder("admin", PASSWORD, ["FINISHED"], prefix="/ngrinder")
    async with server.running() as fake:
        base = await loadtester()
        await post(base, body=ngrinder_task(f"{fake.base}/ngrinder/"))
        assert await eventually(lambda: len(fake.seen) == 2, 10)
    assert fake.paths() == ["/ngrinder/perftest/api/960/clone_and_start", "/ngrinder/perftest/api/961/status"]


@pytest.mark.parametrize("status", ["STOP_BY_ERROR", "CANCELED", "UNKNOWN"])
async def test_a_test_that_ends_badly_is_a_failed_task(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture, status: str
) -> None:
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    server = remotes.NGrinder("admin", PASSWORD, ["TESTING", status])
    async with server.running() as fake:
        base = await loadtester()
        assert (await post(base, body=ngrinder_task(fake.base))).status_code == 202
        assert await eventually(lambda: len(ended(caplog)) == 1, 10)
    record = ended(caplog)[0]
    assert (record.getMessage(), getattr(record, "reason", "")) == (
        "task failed",
        f"ngrinder test 961 ended {status}",
    )
    assert await metric(base, "ngrinder", "failed") == 1


async def test_a_second_request_while_it_runs_starts_nothing(loadtester: Callable[..., Any]) -> None:
    server = remotes.NGrinder("admin", PASSWORD, ["TESTING", "TESTING", "TESTING", "TESTING", "FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        body = ngrinder_task(fake.base, pollInterval="200ms")
        first = await post(base, body=body)
        second = await post(base, body=body)
        assert (first.text, second.text) == ("started", "already running")
        assert await eventually(
            lambda: "/perftest/api/961/status" in fake.paths() and len(fake.seen) >= 6, 10
        )
        await asyncio.sleep(0.3)
        third = await post(base, body=body)  # the first run is over: a new clone
        assert third.text == "started"
        assert await eventually(lambda: len(server.tests) == 2, 10)
    assert fake.paths("POST") == ["/perftest/api/960/clone_and_start"] * 2
    assert await metric(base, "ngrinder", "deduplicated") == 1


async def test_the_load_testers_timeout_stops_the_test(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    server = remotes.NGrinder("admin", PASSWORD, ["TESTING"])
    async with server.running() as fake:
        base = await loadtester(timeout=0.5)
        await post(base, body=ngrinder_task(fake.base))
        assert await eventually(lambda: len(ended(caplog)) == 1, 10)
    assert server.stopped == [961]
    stop = fake.seen[-1]
    assert (stop.method, stop.path, stop.query, stop.headers["Authorization"]) == (
        "PUT",
        "/perftest/api/961",
        "action=stop",
        AUTH,
    )
    assert getattr(ended(caplog)[0], "reason", "") == (
        "context timedout: the load tester's -timeout (0.5s) ran out; ngrinder test 961 was stopped"
    )


async def test_stopping_the_load_tester_stops_the_test(loadtester: Callable[..., Any]) -> None:
    server = remotes.NGrinder("admin", PASSWORD, ["TESTING"])
    async with server.running() as fake:
        application = app(gate_file=None)
        runner = web.AppRunner(application)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await post(f"http://127.0.0.1:{port}", body=ngrinder_task(fake.base))
        assert await eventually(lambda: "/perftest/api/961/status" in fake.paths(), 10)
        await runner.cleanup()
        assert server.stopped == [961]


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"server": None}, "server, clone, username and passwd are required metadata (missing: server)"),
        (
            {"clone": "", "passwd": None},
            "server, clone, username and passwd are required metadata (missing: clone, passwd)",
        ),
        ({"server": "ngrinder:8080"}, "invalid url: (not a URL): an absolute http(s) URL is required"),
        ({"server": "http://u:pw@h:99999/"}, "invalid url: (an unparseable URL): it is not a valid URL"),
        ({"clone": "abc"}, "metadata clone must be integer: 'abc' is not the id of an nGrinder test"),
        ({"clone": "-3"}, "metadata clone must be the id of an nGrinder test, a positive integer (got -3)"),
        ({"passwd": "not base64!"}, "metadata password is invalid: passwd must be the password in base64"),
        ({"passwd": "YWRtaW4"}, "metadata password is invalid"),  # padding missing, as Go requires it
        (
            {"pollInterval": "5"},
            "metadata pollInterval must be a duration such as 30s, 1m or 1m30s (got '5'): a bare",
        ),
        ({"pollInterval": "0s"}, "metadata pollInterval must be longer than 0s (got '0s')"),
        ({"pollInterval": "-1s"}, "metadata pollInterval must be longer than 0s (got '-1s')"),
    ],
)
async def test_metadata_that_makes_no_task_is_a_400_as_in_flagger(
    loadtester: Callable[..., Any], change: dict[str, str | None], text: str
) -> None:
    base = await loadtester()
    response = await post(base, body=changed_metadata(ngrinder_task("http://127.0.0.1:9/"), change))
    assert response.status_code == 400
    assert response.text.startswith(text), response.text
    assert "pw@" not in response.text
    assert await metric(base, "ngrinder", "refused") == 1


async def test_wrong_credentials_fail_the_task_and_are_never_logged(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = remotes.NGrinder("admin", "the-right-one", ["FINISHED"])
    async with server.running() as fake:
        base = await loadtester()
        assert (await post(base, body=ngrinder_task(fake.base))).status_code == 202
        assert await eventually(lambda: len(ended(caplog)) == 1, 10)
    reason = getattr(ended(caplog)[0], "reason", "")
    assert reason.startswith(
        f"failed to clone and start ngrinder test {fake.base}/perftest/api/960/clone_and_start: POST "
        f"{fake.base}/perftest/api/960/clone_and_start answered 401 Unauthorized: nGrinder refused the "
        "credentials: check metadata.username and metadata.passwd"
    ), reason
    logged = "".join(json.dumps(vars(r), default=str) for r in caplog.records)
    assert PASSWORD not in logged
    assert AUTH.split()[1] not in logged
    assert len(fake.seen) == 1


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            remotes.json_answer({"success": False, "message": "no such test"}),
            'answered success: false: {"succ',
        ),
        (
            remotes.json_answer({"status": "READY"}),
            'nGrinder answered without the new test\'s id: {"status": "READY"}',
        ),
        (remotes.json_answer({"id": "961"}), "nGrinder answered without the new test's id"),
        (remotes.json_answer({"id": 1.5}), "nGrinder answered without the new test's id"),
        (remotes.json_answer([961]), "answered [961]: an object was expected"),
        (remotes.not_json, "answered 200 OK with a body that is not JSON: <html>Login</html>"),
        (remotes.huge, "answered 200 OK with a body over 65536 bytes"),
        (remotes.slow, "no complete answer within 0.5s"),
        (
            remotes.json_answer({"message": "boom"}, 500),
            'answered 500 Internal Server Error: {"message": "boom"}',
        ),
    ],
)
async def test_a_clone_answer_that_gives_no_test_fails_the_task(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture, answer: remotes.Answer, reason: str
) -> None:
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    server = remotes.NGrinder("admin", PASSWORD, ["FINISHED"])
    async with server.running() as fake:
        fake.answers["clone"] = answer
        base = await loadtester(request_timeout=0.5)
        assert (await post(base, body=ngrinder_task(fake.base))).status_code == 202
        assert await eventually(lambda: len(ended(caplog)) == 1, 10)
    logged = getattr(ended(caplog)[0], "reason", "")
    assert logged.startswith("failed to clone and start ngrinder test "), logged
    assert reason in logged, logged
    assert len(logged) < 1000
    assert server.stopped == []


async def test_status_answers_that_cannot_be_read_are_polled_again_as_flagger_does(
    loadtester: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "flagger_py.loadtester")
    server = remotes.NGrinder("admin", PASSWORD, ["FINISHED"])
    hostile = iter(
        [
            remotes.not_json,
            remotes.huge,
            remotes.json_answer({"success": False}),
            remotes.json_answer({"status": []}),
            remotes.json_answer({"status": ["FINISHED"]}),
            remotes.json_answer({"status": [{"status_id": 7}]}),
            remotes.json_answer({}, 503),
            remotes.slow,
        ]
    )

    async def status(request: Any) -> Any:
        answer = next(hostile, None)
        if answer is None:
            del fake.answers["status"]
            return await server.status(fake, request)
        return await answer(request)

    async with server.running() as fake:
        fake.answers["status"] = status
        base = await loadtester(request_timeout=0.5)
        await post(base, body=ngrinder_task(fake.base))
        assert await eventually(lambda: len(ended(caplog)) == 1, 20)
    assert ended(caplog)[0].getMessage() == "task finished"
    warnings = [r for r in caplog.records if r.getMessage() == "ngrinder status unknown, polling again"]
    assert len(warnings) == 8  # one each: every answer was another problem
    assert all(len(str(getattr(r, "error", ""))) < 1000 for r in warnings)


def test_parse_reads_as_flaggers_factory() -> None:
    task = ngrinder.parse(
        {"server": "http://ngrinder:8080", "clone": "0960", "username": "admin", "passwd": "YWRt\naW4="}
    )
    assert (task.clone, task.password, task.poll_interval) == (
        960,
        b"admin",
        1.0,
    )  # newlines skipped, as Go does
    assert task.clone_url() == "http://ngrinder:8080/perftest/api/960/clone_and_start"
    assert task.stop_url(961) == "http://ngrinder:8080/perftest/api/961?action=stop"
    assert ngrinder.parse({**_valid(), "server": "http://h/ngrinder"}).clone_url() == (
        "http://h/perftest/api/960/clone_and_start"  # no trailing slash: the last segment is replaced
    )
    assert ngrinder.parse({**_valid(), "pollInterval": "1m30s"}).poll_interval == 90
    hidden = ngrinder.parse({**_valid(), "passwd": base64.b64encode(b"hunter22").decode()})
    assert "hunter22" not in repr(hidden)
    with pytest.raises(TaskError, match="required metadata"):
        ngrinder.parse({})


def _valid() -> dict[str, str]:
    return {"server": "http://ngrinder:8080", "clone": "960", "username": "admin", "passwd": "YWRtaW4="}
