"""The load-test runner as users run it: a real aiohttp server on a free port, called over HTTP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.loadtester.helpers import metric, payload, post


async def test_health_and_metrics(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{base}/healthz")).text == "OK"
        await post(base, body=payload({"type": "bash", "cmd": "true"}))
        text = (await client.get(f"{base}/metrics")).text
    assert 'flagger_loadtester_tasks_total{result="succeeded",type="bash"} 1.0' in text


async def test_blocking_bash_returns_its_output_when_asked(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    quiet = await post(base, body=payload({"type": "bash", "cmd": "echo hello"}))
    assert (quiet.status_code, quiet.text) == (200, "ok")
    loud = await post(base, body=payload({"type": "bash", "cmd": "echo hello", "returnCmdOutput": "true"}))
    assert (loud.status_code, loud.text) == (200, "hello\n")
    failing = await post(base, body=payload({"type": "bash", "cmd": "echo oops-$((6 * 7)) >&2; exit 3"}))
    assert failing.status_code == 500
    assert "failed: exit status 3" in failing.text
    assert "oops-42" not in failing.text  # withheld without returnCmdOutput
    shown = await post(
        base,
        body=payload({"type": "bash", "cmd": "echo oops-$((6 * 7)) >&2; exit 3", "returnCmdOutput": "True"}),
    )
    assert shown.status_code == 500
    assert shown.text.endswith("failed: exit status 3\noops-42\n")


async def test_kubectl_and_helm_run_without_a_shell(loadtester: Callable[..., Any], tmp_path: Path) -> None:
    base = await loadtester()
    # Whatever the binaries do, an injected "; touch" must reach them as an argument, never a shell.
    marker = tmp_path / "injected"
    for kind in ("kubectl", "helm", "helmv3"):
        await post(base, body=payload({"type": kind, "cmd": f"version ; touch {marker}"}))
    assert not marker.exists()


async def test_background_commands_are_deduplicated(loadtester: Callable[..., Any], tmp_path: Path) -> None:
    base = await loadtester()
    marker = tmp_path / "runs"
    body = payload({"cmd": f"echo run >> {marker}; sleep 1"})
    first, second = await post(base, body=body), await post(base, body=body)
    assert (first.status_code, first.text) == (202, "started")
    assert (second.status_code, second.text) == (202, "already running")
    other = await post(base, body={**body, "name": "other"})
    assert other.text == "started"  # another canary, same command: its own task
    for _ in range(400):  # both end within a second or so; allow for a slow machine
        if await metric(base, "cmd", "succeeded") == 2:
            break
        await asyncio.sleep(0.05)
    assert marker.read_text().count("run") == 2
    again = await post(base, body=body)
    assert again.text == "started"  # finished, so it may run again


async def test_timeout_kills_the_task(loadtester: Callable[..., Any]) -> None:
    base = await loadtester(timeout=0.5)
    response = await post(base, body=payload({"type": "bash", "cmd": "sleep 30"}))
    assert response.status_code == 500
    assert "timed out after 0.5s and was killed" in response.text
    assert "returnCmdOutput" in response.text


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        (payload(), 400, "metadata not found in the payload"),
        (payload({"type": "ngrinder", "cmd": "x"}), 400, "server, clone, username and passwd are required"),
        (payload({"type": "concord", "cmd": "x"}), 500, "`server` is required with type concord"),
        (payload({"type": "hey", "cmd": "x"}), 400, "metadata.type: unknown task type 'hey': use cmd, bash"),
        (payload({"type": "bash"}), 400, "metadata.cmd is empty"),
        ([1, 2], 400, "the body must be a JSON object"),
    ],
)
async def test_bad_requests(loadtester: Callable[..., Any], body: Any, status: int, text: str) -> None:
    response = await post(await loadtester(), body=body)
    assert response.status_code == status
    assert text in response.text


async def test_namespace_regexp(loadtester: Callable[..., Any]) -> None:
    base = await loadtester(namespace_regexp="team-.*")
    refused = await post(base, body=payload({"type": "bash", "cmd": "true"}, namespace="kube-system"))
    assert refused.status_code == 403
    assert "not allowed by --namespace-regexp" in refused.text
    allowed = await post(base, body=payload({"type": "bash", "cmd": "true"}, namespace="team-web"))
    assert allowed.status_code == 200
    assert (await post(base, "/gate/check", payload(namespace="kube-system"))).status_code == 403


async def test_gates(loadtester: Callable[..., Any]) -> None:
    base = await loadtester()
    assert (await post(base, "/gate/approve")).status_code == 200
    assert (await post(base, "/gate/halt")).status_code == 403
    assert (await post(base, "/gate/check")).status_code == 403  # closed by default
    assert (await post(base, "/gate/open")).status_code == 202
    assert (await post(base, "/gate/check")).status_code == 200
    assert (await post(base, "/gate/check", payload(namespace="other"))).status_code == 403  # per canary
    assert (await post(base, "/gate/close")).status_code == 202
    assert (await post(base, "/gate/check")).status_code == 403
    assert (await post(base, "/rollback/check")).status_code == 403
    assert (await post(base, "/rollback/open")).status_code == 202
    assert (await post(base, "/rollback/check")).status_code == 200
    assert (await post(base, "/gate/check")).status_code == 403  # rollback and promotion gates are apart


async def test_gate_state_survives_a_restart(loadtester: Callable[..., Any], tmp_path: Path) -> None:
    first = await loadtester(gate_file=tmp_path / "state" / "gates.json")
    await post(first, "/gate/open")
    await post(first, "/rollback/open")
    second = await loadtester(gate_file=tmp_path / "state" / "gates.json")
    assert (await post(second, "/gate/check")).status_code == 200
    assert (await post(second, "/rollback/check")).status_code == 200


async def test_a_real_hey_load_test(
    loadtester: Callable[..., Any], http_target: tuple[str, list[str]]
) -> None:
    url, hits = http_target
    base = await loadtester()
    response = await post(
        base, body=payload({"type": "bash", "cmd": f"hey -n 30 -c 3 {url}", "returnCmdOutput": "true"})
    )
    assert response.status_code == 200
    assert re.search(r"\[200\]\s+30 responses", response.text)
    assert len(hits) == 30


async def test_a_gate_file_that_cannot_be_written_changes_nothing(
    loadtester: Callable[..., Any], tmp_path: Path
) -> None:
    folder = tmp_path / "gates.json"
    folder.mkdir()  # a directory where the file should be: read and write both fail
    base = await loadtester(gate_file=folder)
    assert (await post(base, "/gate/check")).status_code == 403
    opened = await post(base, "/gate/open")
    assert opened.status_code == 500
    assert opened.text.startswith(f"podinfo.test not opened: cannot write the gate file {folder}: ")
    assert "--gate-file '' to keep gates in memory only" in opened.text
    assert (await post(base, "/gate/check")).status_code == 403  # the change was not made
    assert folder.is_dir()
    in_memory = await loadtester(gate_file=None)
    assert (await post(in_memory, "/gate/open")).status_code == 202
    assert (await post(in_memory, "/gate/check")).status_code == 200
