"""Finding and killing every process a task started, including those that left its process group.

Each task runs in its own session (``start_new_session``) with a per-task marker in its environment
(``FLAGGER_LOADTESTER_TASK=<random>``), which every descendant inherits. A task's processes are the
ones that (a) carry the marker, (b) are in its session or process group, or (c) descend from one of
those: ``setsid`` leaves the group but keeps the marker and the parent; ``env -i`` drops the marker
but keeps the parent. Only a process that both clears its environment and detaches from its parent
(double fork) before the kill escapes; a cgroup would catch that one too, but a Kubernetes pod's
container cannot create cgroups, and the pod's own cgroup ends it when the pod goes.

The kill freezes what it finds (SIGSTOP), so nothing can fork behind it, looks again until nothing
new turns up, then sends SIGKILL to all of it and waits (bounded) for it to be gone, reaping the
processes that were re-parented to this one when it runs as PID 1 (a container's first process).

Everything here reads ``/proc`` (Linux): call it from a thread, never on the event loop.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

MARKER = "FLAGGER_LOADTESTER_TASK"
PROC = Path("/proc")
ROUNDS = 20
"""How many times the kill looks for new processes before it stops looking."""


@dataclass(frozen=True)
class Tree:
    """The processes of one task: its marker and its session (the first process's id; None when
    it is not known, so that only the marker finds them)."""

    marker: str
    session: int | None

    @staticmethod
    def new_marker() -> str:
        return secrets.token_hex(16)

    @property
    def environ_entry(self) -> bytes:
        return f"{MARKER}={self.marker}".encode()


@dataclass(frozen=True)
class _Stat:
    pid: int
    ppid: int
    pgrp: int
    session: int
    zombie: bool


def _stat(pid: int) -> _Stat | None:
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 4:
        return None
    return _Stat(pid, int(fields[1]), int(fields[2]), int(fields[3]), fields[0] in (b"Z", b"X"))


def _carries(pid: int, entry: bytes) -> bool:
    try:
        environ = (PROC / str(pid) / "environ").read_bytes()
    except OSError:  # gone, or another user's
        return False
    return entry in environ.split(b"\0")


def _processes() -> dict[int, _Stat]:
    found: dict[int, _Stat] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(PROC):
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                found[stat.pid] = stat
    return found


def members(tree: Tree, *, leader_alive: bool) -> set[int]:
    """The live processes of ``tree`` now (never this process or PID 1). ``leader_alive``: the first
    process has not been reaped, so its id (the session's) cannot have been reused; once it has, the
    session counts only while one of its processes carries the marker."""
    processes = _processes()
    entry = tree.environ_entry
    live = [s for s in processes.values() if not s.zombie]
    marked = {s.pid for s in live if _carries(s.pid, entry)}
    in_session = {s.pid for s in live if tree.session is not None and tree.session in (s.session, s.pgrp)}
    seeds = marked | (in_session if leader_alive or in_session & marked else set())
    children: dict[int, list[int]] = defaultdict(list)
    for s in live:
        children[s.ppid].append(s.pid)
    found, stack = set(seeds), list(seeds)
    while stack:
        for child in children[stack.pop()]:
            if child not in found:
                found.add(child)
                stack.append(child)
    return found - {os.getpid(), 1}


def _signal(pid: int, number: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, number)


def _gone(pid: int, protect: int | None) -> bool:
    """Whether ``pid`` has ended. As PID 1 (a container's first process, which inherits every
    orphan), reaps it too unless it is ``protect``, the task's first process, which asyncio reaps."""
    if os.getpid() == 1 and pid != protect:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    stat = _stat(pid)
    return stat is None or stat.zombie


def kill(tree: Tree, *, leader_alive: bool, settle: float = 5.0) -> set[int]:
    """Kill every process of ``tree`` (see :func:`members`); the ids killed. Waits at most ``settle``
    seconds for them to end."""
    stopped: set[int] = set()
    for _ in range(ROUNDS):
        found = members(tree, leader_alive=leader_alive) - stopped
        if not found:
            break
        for pid in found:
            _signal(pid, signal.SIGSTOP)
        stopped |= found
    for pid in stopped:
        _signal(pid, signal.SIGKILL)
    waiting = set(stopped)
    deadline = time.monotonic() + settle
    while waiting and time.monotonic() < deadline:
        waiting = {pid for pid in waiting if not _gone(pid, tree.session)}
        if waiting:
            time.sleep(0.01)
    return stopped
