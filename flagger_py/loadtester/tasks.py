"""Running the tasks webhooks ask for, in the background (``cmd``, ``ngrinder``) or while the caller
waits (``bash``, ``helm``, ``kubectl``, ``concord``).

:class:`Jobs` runs any task given as a coroutine that returns an :class:`Outcome`; a command is one
such task (:func:`run`), a Concord process or an nGrinder test another
(:mod:`flagger_py.loadtester.concord`, :mod:`flagger_py.loadtester.ngrinder`). A command is its whole
process tree (:mod:`flagger_py.loadtester.processes`): when the command ends,
runs out of time or is cancelled, everything it started is killed, ``setsid`` or not. Its output
is read as it comes and only the last :data:`OUTPUT_LIMIT` bytes are kept. Identical tasks (same
type, canary and command) run once: a second request joins the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shlex
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from flagger_py.loadtester import processes

log = logging.getLogger(__name__)

BLOCKING = {"bash", "helm", "helmv3", "kubectl"}
RUNNABLE = {"cmd", *BLOCKING}
OUTPUT_LIMIT = 64 * 1024
"""The most of a command's output kept (its end): what an answer or a log record may carry."""
MAX_COMMAND = 128 * 1024 - 1
"""The longest ``cmd``: Linux refuses a longer single argument (MAX_ARG_STRLEN)."""
DRAIN = 5.0
"""Seconds to finish reading the output once every process of the task is killed."""


def argv(kind: str, command: str) -> list[str]:
    """The program and arguments for a task type. ``cmd`` and ``bash`` are shell commands written by
    the Canary's author; ``helm`` and ``kubectl`` run directly, their arguments split like a shell
    would (quotes honoured), with no shell in between."""
    if kind == "cmd":
        return ["sh", "-c", command]
    if kind == "bash":
        return ["bash", "-c", command]
    program = "kubectl" if kind == "kubectl" else "helm"
    try:
        args = shlex.split(command)
    except ValueError:
        args = command.split()
    return [program, *args]


def key(kind: str, canary: str, command: str) -> str:
    return hashlib.sha256(f"{kind}\0{canary}\0{command}".encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """How a command ended, and the end of what it wrote (stdout and stderr together)."""

    returncode: int | None = None
    output: bytes = b""
    written: int = 0  # bytes written in all, of which ``output`` is the end
    timeout: float | None = None  # set when the command ran out of time and was killed
    error: str = ""  # why it failed without an exit status: it could not start, or a remote task failed

    @property
    def ok(self) -> bool:
        return not self.error and self.timeout is None and self.returncode == 0

    @property
    def reason(self) -> str:
        if self.error:
            return self.error
        if self.timeout is not None:
            return f"timed out after {self.timeout:g}s and was killed"
        code = self.returncode or 0
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
            return f"killed by signal {-code}"
        return f"exit status {code}"

    def text(self) -> str:
        """The output kept, decoded, with a first line saying what was cut."""
        text = self.output.decode("utf-8", "replace")
        if self.written > len(self.output):
            cut = self.written - len(self.output)
            text = f"[output cut: the first {cut} of {self.written} bytes are not shown]\n{text}"
        return text


class _Tail:
    """The last ``limit`` bytes of a stream, and how many bytes it carried."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.written = 0

    async def read(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.written += len(chunk)
            self.data += chunk
            if len(self.data) > self.limit:
                del self.data[: len(self.data) - self.limit]


async def _kill(tree: processes.Tree, process: asyncio.subprocess.Process) -> None:
    await asyncio.to_thread(processes.kill, tree, leader_alive=process.returncode is None)
    await process.wait()


async def _output(read_end: int) -> tuple[asyncio.StreamReader, asyncio.BaseTransport]:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(loop=loop)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream, loop=loop), os.fdopen(read_end, "rb", buffering=0)
    )
    return stream, transport


async def run(args: list[str], timeout: float, *, keep: int = OUTPUT_LIMIT) -> Outcome:
    """Run ``args`` in a session of its own for at most ``timeout`` seconds; when it ends (or is
    cancelled), kill whatever it left running."""
    marker = processes.Tree.new_marker()
    env = {**os.environ, processes.MARKER: marker}
    # Our own pipe (not asyncio's PIPE), so that we can close our end whatever still holds the other.
    read_end, write_end = os.pipe()
    try:
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=write_end,
            stderr=write_end,
            start_new_session=True,
            env=env,
        )
    except (OSError, ValueError) as exc:
        os.close(read_end)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Outcome(error=f"cannot start {args[0]}: {reason}")
    except asyncio.CancelledError:  # it may have started: its marker finds it
        os.close(read_end)
        orphan = processes.Tree(marker, None)
        await asyncio.shield(asyncio.to_thread(processes.kill, orphan, leader_alive=False))
        raise
    finally:
        os.close(write_end)
    tree = processes.Tree(marker, process.pid)
    tail = _Tail(keep)
    reader: asyncio.Task[None] | None = None
    transport: asyncio.BaseTransport | None = None
    timed_out: float | None = None
    try:
        stream, transport = await _output(read_end)
        reader = asyncio.create_task(tail.read(stream))
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            timed_out = timeout
        await _kill(tree, process)  # ended or out of time: nothing it started may outlive it
        await asyncio.wait({reader}, timeout=DRAIN)  # then the output ends, unless an escapee holds it
    except asyncio.CancelledError:
        await asyncio.shield(_kill(tree, process))
        raise
    finally:
        if reader is not None:
            reader.cancel()
        if transport is not None:
            transport.close()
    return Outcome(process.returncode, bytes(tail.data), tail.written, timed_out)


def _outcome(task: asyncio.Task[Outcome]) -> Outcome | None:
    if task.cancelled():
        return None
    if (error := task.exception()) is not None:
        return Outcome(error=f"the load tester could not run it ({type(error).__name__})")
    return task.result()


Work = Callable[[], Coroutine[Any, Any, Outcome]]
"""A task to run: called once, its coroutine runs the task and returns how it ended."""


@dataclass(eq=False)
class Job:
    """One running command and the callers waiting for it."""

    task: asyncio.Task[Outcome]
    waiters: int = 0
    abandoned: bool = False

    async def wait(self, gone: Callable[[], bool], poll: float = 0.25) -> Outcome | None:
        """The outcome; None if the caller hung up (``gone()``) or the job was cancelled. When the
        last caller leaves before the end, the command is killed."""
        self.waiters += 1
        try:
            while True:  # ends with the task, which ends within its timeout
                done, _ = await asyncio.wait({self.task}, timeout=poll)
                if done:
                    return _outcome(self.task)
                if gone():
                    return None
        finally:
            self.waiters -= 1
            if self.waiters == 0 and not self.task.done():
                self.abandoned = True
                self.task.cancel()


@dataclass
class Jobs:
    """Running tasks by :func:`key`: at most one per type, canary and command."""

    timeout: float  # the -timeout each task runs under
    running: dict[str, Job] = field(default_factory=dict)
    alive: set[Job] = field(default_factory=set)  # running, and abandoned ones still being killed

    def command(self, args: list[str]) -> Work:
        """The task that runs ``args`` under this runner's timeout."""

        async def work() -> Outcome:
            return await run(args, self.timeout)

        return work

    def start(self, job_key: str, work: Work, done: Callable[[Outcome | None], None]) -> tuple[Job, bool]:
        """The job running under ``job_key``, started with ``work`` if none is (True) or joined
        (False); ``done`` is called once with the outcome (None when cancelled)."""
        job = self.running.get(job_key)
        if job is not None and not job.abandoned and not job.task.done():
            return job, False
        job = Job(asyncio.create_task(work(), name=f"task {job_key[:12]}"))
        self.running[job_key] = job
        self.alive.add(job)

        def finished(task: asyncio.Task[Outcome]) -> None:
            self.alive.discard(job)
            if self.running.get(job_key) is job:
                del self.running[job_key]
            if (error := None if task.cancelled() else task.exception()) is not None:
                log.error("running a task failed", exc_info=error)  # a bug here, not in the task
            done(_outcome(task))

        job.task.add_done_callback(finished)
        return job, True

    async def stop(self) -> None:
        """Cancel every job (their processes are killed, their remote runs stopped) and wait for them."""
        jobs = list(self.alive)
        for job in jobs:
            job.abandoned = True
            job.task.cancel()
        await asyncio.gather(*(job.task for job in jobs), return_exceptions=True)
