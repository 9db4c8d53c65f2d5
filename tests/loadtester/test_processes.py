"""A task is its whole process tree: killed on timeout, when its caller hangs up, and when it ends.

Real commands, real processes: each test gives its ``sleep`` a duration no other process has, waits
(bounded) until the processes are there, and then until none of them is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from flagger_py.loadtester import processes, tasks
from tests.loadtester.helpers import (
    eventually,
    metric,
    payload,
    post,
    processes_with,
    unique_seconds,
    until,
)


@pytest.mark.parametrize(
    ("kind", "script", "sleepers"),
    [
        # the probe's case: setsid leaves the process group (and the session) of the task
        ("bash", "sh -c 'setsid sleep {n} & sleep {n}'", 2),
        # ... and with an empty environment: found as a child of a process of the task
        ("bash", "sh -c 'setsid env -i sleep {n} & sleep {n}'", 2),
        # a double fork: re-parented away from the task at once, found by the task's marker
        ("bash", "(setsid sleep {n} &); sleep {n}", 2),
        # a background command: the same kill
        ("cmd", "sh -c 'setsid sleep {n} & sleep {n}'", 2),
    ],
)
async def test_no_process_outlives_the_timeout(
    loadtester: Callable[..., Any], kind: str, script: str, sleepers: int
) -> None:
    base = await loadtester(timeout=2)
    n = unique_seconds()
    answer = asyncio.create_task(post(base, body=payload({"type": kind, "cmd": script.format(n=n)})))
    assert await eventually(lambda: len(processes_with(n)) == sleepers), processes_with(n)
    response = await answer
    if kind == "cmd":
        assert (response.status_code, response.text) == (202, "started")
    else:
        assert response.status_code == 500
        assert "timed out after 2s and was killed" in response.text
    assert await eventually(lambda: not processes_with(n)), f"survivors: {processes_with(n)}"
    assert (await post(base, "/gate/approve")).status_code == 200


async def test_what_a_command_leaves_running_is_killed_when_it_ends(
    loadtester: Callable[..., Any],
) -> None:
    base = await loadtester(timeout=60)
    n = unique_seconds()
    # Starts a detached sleep, waits until it runs, and exits 0 at once.
    script = (
        f"setsid sleep {n} >/dev/null 2>&1 & "
        f"for i in $(seq 200); do grep -qa {n} /proc/$!/cmdline && break; sleep 0.05; done; "
        f"grep -qa {n} /proc/$!/cmdline && echo up"
    )
    response = await post(base, body=payload({"type": "bash", "cmd": script, "returnCmdOutput": "true"}))
    assert (response.status_code, response.text) == (200, "up\n")
    assert await eventually(lambda: not processes_with(n)), f"left running: {processes_with(n)}"


async def test_a_caller_that_hangs_up_takes_its_command_down(loadtester: Callable[..., Any]) -> None:
    base = await loadtester(timeout=600)
    n = unique_seconds()
    async with httpx.AsyncClient() as client:
        call = asyncio.create_task(
            client.post(f"{base}/", json=payload({"type": "bash", "cmd": f"sleep {n}"}), timeout=600)
        )
        assert await eventually(lambda: len(processes_with(n)) == 1)
        call.cancel()  # the webhook's timeout: the caller closes the connection
        with contextlib.suppress(asyncio.CancelledError):
            await call
    assert await eventually(lambda: not processes_with(n)), "the command outlived its caller"
    assert await metric(base, "bash", "cancelled") == 1


async def test_an_identical_blocking_command_is_joined_not_started_twice(
    loadtester: Callable[..., Any], tmp_path: Path
) -> None:
    base = await loadtester(timeout=120)
    runs, release = tmp_path / "runs", tmp_path / "release"
    script = (
        f"echo run >> {runs}; for i in $(seq 1200); do [ -e {release} ] && break; sleep 0.05; done; echo done"
    )
    body = payload({"type": "bash", "cmd": script, "returnCmdOutput": "true"})
    async with httpx.AsyncClient() as client:
        first = asyncio.create_task(client.post(f"{base}/", json=body, timeout=120))
        assert await eventually(runs.exists)
        second = asyncio.create_task(client.post(f"{base}/", json=body, timeout=120))
        leaving = asyncio.create_task(client.post(f"{base}/", json=body, timeout=120))
        for _ in range(200):  # both joined
            if await metric(base, "bash", "deduplicated") == 2:
                break
            await asyncio.sleep(0.05)
        assert await metric(base, "bash", "deduplicated") == 2
        leaving.cancel()  # one caller hangs up: the others still wait, so the command goes on
        with contextlib.suppress(asyncio.CancelledError):
            await leaving
        await asyncio.sleep(0.5)
        assert await metric(base, "bash", "cancelled") == 0
        release.touch()
        answers = await asyncio.gather(first, second)
    assert [(a.status_code, a.text) for a in answers] == [(200, "done\n")] * 2
    assert runs.read_text() == "run\n"
    other = await post(base, body={**body, "name": "other"})  # another canary: its own run
    assert other.status_code == 200
    assert runs.read_text() == "run\nrun\n"


def test_the_marker_alone_finds_a_task_and_nothing_else() -> None:
    """What a task cancelled while it starts relies on: no process id, only the marker."""
    n, other = unique_seconds(), unique_seconds()
    tree = processes.Tree(processes.Tree.new_marker(), None)
    env = {**os.environ, processes.MARKER: tree.marker}
    task = subprocess.Popen(
        ["sh", "-c", f"setsid sleep {n} & exec sleep {n}"], env=env, start_new_session=True
    )
    bystander = subprocess.Popen(["sleep", other], start_new_session=True)
    try:
        assert until(lambda: len(processes_with(n)) == 2)
        killed = processes.kill(tree, leader_alive=False)
        assert task.wait(timeout=20) == -signal.SIGKILL
        assert until(lambda: not processes_with(n)), processes_with(n)
        assert set(processes_with(other)) == {bystander.pid}  # no marker, not in the task: untouched
        assert bystander.pid not in killed
    finally:
        bystander.kill()
        bystander.wait(timeout=20)
        task.kill()
        task.wait(timeout=20)


async def test_finished_jobs_are_forgotten() -> None:
    jobs = tasks.Jobs(timeout=30)
    outcomes: list[tasks.Outcome | None] = []
    job, started = jobs.start("key", jobs.command(["true"]), outcomes.append)
    assert started
    outcome = await job.wait(lambda: False)
    await asyncio.sleep(0)
    assert outcome is not None
    assert outcome.ok
    assert (jobs.running, jobs.alive, outcomes) == ({}, set(), [outcome])
