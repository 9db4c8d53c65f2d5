"""Running the commands webhooks ask for: in the background (``cmd``) or while the caller waits."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shlex
import signal
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

BLOCKING = {"bash", "helm", "helmv3", "kubectl"}
RUNNABLE = {"cmd", *BLOCKING}


class TaskError(Exception):
    """A blocking task failed: non-zero exit, timeout, or a program that cannot be started."""


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


async def run(args: list[str], timeout: float) -> str:
    """Run to completion within ``timeout`` seconds; the combined output, or TaskError."""
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True
        )
    except OSError as exc:
        raise TaskError(f"cannot start {args[0]}: {exc.strerror or exc}") from exc
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        await _kill(process)
        raise TaskError(f"timed out after {timeout:g}s and was killed") from None
    except asyncio.CancelledError:  # the service is stopping: take the command down with it
        await _kill(process)
        raise
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise TaskError(f"exit status {process.returncode}: {text.strip()[-2000:]}")
    return text


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


@dataclass
class Background:
    """Background tasks, at most one running per canary and command."""

    timeout: float
    running: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def start(self, canary: str, command: str, log_output: bool) -> bool:
        """Start ``sh -c command`` unless the same one is running for this canary; True if started."""
        key = hashlib.sha256(f"{canary}\0{command}".encode()).hexdigest()
        task = self.running.get(key)
        if task is not None and not task.done():
            return False
        self.running[key] = asyncio.create_task(self._run(canary, command, log_output), name=f"cmd {canary}")
        return True

    async def _run(self, canary: str, command: str, log_output: bool) -> None:
        try:
            output = await run(argv("cmd", command), self.timeout)
        except TaskError as exc:
            log.warning("command of %s failed: %s: %s", canary, command, exc)
            return
        if log_output:
            log.info("command of %s finished: %s\n%s", canary, command, output)
        else:
            log.info("command of %s finished: %s", canary, command)

    async def stop(self) -> None:
        for task in self.running.values():
            task.cancel()
        await asyncio.gather(*self.running.values(), return_exceptions=True)
