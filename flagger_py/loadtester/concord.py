"""Task type ``concord``: start a Concord process and wait until it ends, as Flagger's loadtester does.

The metadata keys, defaults and messages are Flagger's (``pkg/loadtester/concord.go``): ``server``,
``org``, ``project``, ``repo``, ``entrypoint``, ``apiKeyPath`` and ``endpoint`` are required;
``pollInterval`` (default 5) and ``pollTimeout`` (default 30) are whole seconds; every
``arguments.NAME`` key is passed to the process as an argument, next to ``arguments.endpoint``
(which only ``endpoint`` sets).

The run: ``POST {server}/api/v1/process`` with a ``multipart/form-data`` body (``org``, ``project``,
``repo``, ``entryPoint``, ``arguments.*``) and the API key, read from ``apiKeyPath`` before every
request, as the ``Authorization`` header; then, every ``pollInterval``,
``GET {server}/api/v1/process/{instanceId}`` until its ``status`` is ``FINISHED`` (success) or
``FAILED``, ``CANCELLED`` or ``TIMED_OUT`` (failure), for at most ``pollTimeout`` seconds in all,
and never longer than the load tester's ``-timeout``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote as quote_path
from urllib.parse import urljoin

import httpx

from flagger_py import outbound, redact
from flagger_py.loadtester import remote
from flagger_py.loadtester.deadline import RemoteRun, ran_out, start_and_follow
from flagger_py.loadtester.payload import quote
from flagger_py.loadtester.remote import RemoteError, TaskError
from flagger_py.loadtester.tasks import Outcome

log = logging.getLogger(__name__)

TYPE = "concord"
PROCESS_PATH = "/api/v1/process"
POLL_INTERVAL = 5
POLL_TIMEOUT = 30
MAX_SECONDS = ((1 << 63) - 1) // 1_000_000_000
"""The most seconds Go's Duration holds, which Flagger multiplies these settings into."""
FINISHED = "FINISHED"
FAILED = {"FAILED", "CANCELLED", "TIMED_OUT"}
"""Concord's end states other than success (Flagger stops at FAILED only, see the docs)."""
ARGUMENTS = "arguments."
REQUIRED = ("server", "org", "project", "repo", "entrypoint", "apiKeyPath", "endpoint")
"""In the order Flagger checks them: the first missing one is named."""
MAX_KEY = 16 * 1024
"""The largest API key file read: a Concord API key is a few dozen characters."""

_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Go's strconv.Atoi reads
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Concord:
    server: str
    org: str
    project: str
    repo: str
    entrypoint: str
    api_key_path: str
    endpoint: str
    arguments: tuple[tuple[str, str], ...]
    poll_interval: int
    poll_timeout: int

    def __str__(self) -> str:  # as Flagger's String()
        return f"{self.org} {self.project} {self.repo} {self.entrypoint}"

    def fields(self) -> list[tuple[str, str]]:
        """The form fields of the start request, in Flagger's order."""
        sent = [
            ("org", self.org),
            ("project", self.project),
            ("repo", self.repo),
            ("entryPoint", self.entrypoint),
            ("arguments.endpoint", self.endpoint),
        ]
        return sent + [(f"{ARGUMENTS}{name}", value) for name, value in self.arguments]

    def key(self, canary: str) -> str:
        """What makes two requests the same run: the canary and everything sent."""
        sent = [self.server, self.api_key_path, *self.fields()]
        return hashlib.sha256(json.dumps([TYPE, canary, sent]).encode()).hexdigest()


def _seconds(metadata: Mapping[str, str], name: str, default: int) -> int:
    if name not in metadata:
        return default
    text = metadata[name]
    if not _INTEGER.fullmatch(text) or len(text) > 20:
        raise TaskError(
            f"unable to convert `{name}` to int: {quote(text)} is not a whole number of seconds "
            "(write 5, not 5s)"
        )
    seconds = int(text)
    if not 0 < seconds <= MAX_SECONDS:
        raise TaskError(f"`{name}` must be a number of seconds from 1 to {MAX_SECONDS}, not {seconds}")
    return seconds


def parse(metadata: Mapping[str, str]) -> Concord:
    """The task the metadata describes, or :class:`TaskError` naming the first key in the way, in
    the order Flagger checks them."""
    for name in REQUIRED:
        if not metadata.get(name):
            raise TaskError(f"`{name}` is required with type concord")
    if problem := outbound.address_problem(metadata["server"]):
        raise TaskError(f"`server` is not the address of a Concord server: {problem}")
    interval = _seconds(metadata, "pollInterval", POLL_INTERVAL)
    timeout = _seconds(metadata, "pollTimeout", POLL_TIMEOUT)
    arguments = []
    for name, value in sorted(metadata.items()):
        if name == "arguments.endpoint":
            raise TaskError(
                "You cannot override Endpoint through arguments. You must override Endpoint directly"
            )
        if name.startswith(ARGUMENTS):
            if _CONTROL.search(name):
                raise TaskError(
                    f"metadata key {quote(name)}: a form field name cannot hold a control character"
                )
            arguments.append((name[len(ARGUMENTS) :], value))
    return Concord(
        server=metadata["server"],
        org=metadata["org"],
        project=metadata["project"],
        repo=metadata["repo"],
        entrypoint=metadata["entrypoint"],
        api_key_path=metadata["apiKeyPath"],
        endpoint=metadata["endpoint"],
        arguments=tuple(arguments),
        poll_interval=interval,
        poll_timeout=timeout,
    )


def form(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of text fields, as Go's ``multipart.Writer.WriteField`` writes
    it, and its Content-Type."""
    boundary = secrets.token_hex(30)
    parts = []
    for name, value in fields:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{escaped}"\r\n\r\n'
        parts.append(head.encode() + value.encode() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _read_key(path: str) -> str:
    """The API key in ``path`` (without blocking on a FIFO), or :class:`RemoteError` saying why not."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise RemoteError(f"`apiKeyPath` file doesn't exist {path}") from None
    except OSError as exc:
        raise RemoteError(f"`apiKeyPath` {path} cannot be read: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise RemoteError(
                f"`apiKeyPath` {path} is not a file: point it at the file holding the API key "
                "(a Secret's key mounted as a file)"
            )
        data = os.read(descriptor, MAX_KEY + 1)
    except OSError as exc:
        raise RemoteError(f"`apiKeyPath` {path} cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(descriptor)
    if len(data) > MAX_KEY:
        raise RemoteError(f"`apiKeyPath` {path} is over {MAX_KEY} bytes: it must hold the API key alone")
    try:
        key = data.decode("ascii")
    except UnicodeDecodeError:
        raise RemoteError(
            f"`apiKeyPath` {path} holds characters other than ASCII: a Concord API key has none"
        ) from None
    if not key:
        raise RemoteError(f"`apiKeyPath` {path} is empty: put the Concord API key in it")
    if _CONTROL.search(key):
        raise RemoteError(
            f"`apiKeyPath` {path} holds a newline or another control character, which no HTTP header "
            "can carry (Flagger's loadtester fails on it too): write the key alone, without a "
            "trailing newline (echo -n, or a Secret's stringData)"
        )
    return key


async def _call(
    task: Concord,
    http: httpx.AsyncClient,
    method: str,
    url: str,
    timeout: float,
    *,
    content: bytes | None = None,
    content_type: str = "",
) -> object:
    key = await asyncio.to_thread(_read_key, task.api_key_path)
    headers = {"Authorization": key}
    if content_type:
        headers["Content-Type"] = content_type
    return await remote.call(
        http,
        method,
        url,
        timeout=timeout,
        auth_hint=f"Concord refused the API key read from {task.api_key_path}: check it",
        known=(key,),
        headers=headers,
        content=content,
    )


async def _start(task: Concord, http: httpx.AsyncClient, timeout: float) -> str:
    body, content_type = form(task.fields())
    answer = await _call(
        task,
        http,
        "POST",
        urljoin(task.server, PROCESS_PATH),
        timeout,
        content=body,
        content_type=content_type,
    )
    instance = answer.get("instanceId") if isinstance(answer, dict) else None
    if not isinstance(instance, str) or not instance:
        shown = remote.excerpt(json.dumps(answer).encode())
        raise RemoteError(f"Concord answered without an instanceId: {shown}")
    return instance


async def _wait(
    task: Concord, http: httpx.AsyncClient, instance: str, timeout: float, canary: str
) -> Outcome:
    url = urljoin(task.server, f"{PROCESS_PATH}/{quote_path(instance, safe='')}")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for poll in range(1, task.poll_timeout // task.poll_interval + 2):  # a poll every interval, then the end
        due = started + poll * task.poll_interval
        if due > started + task.poll_timeout:
            await asyncio.sleep(max(started + task.poll_timeout - loop.time(), 0.0))
            break
        await asyncio.sleep(max(due - loop.time(), 0.0))
        try:
            answer = await _call(task, http, "GET", url, timeout)
        except RemoteError as exc:
            return Outcome(error=f"failed checking status: {exc}")
        if not isinstance(answer, dict):
            shown = remote.excerpt(json.dumps(answer).encode())
            return Outcome(error=f"failed checking status: Concord answered {shown}, not a process")
        status = answer.get("status")
        log.info("concord process status", extra={"canary": canary, "instanceId": instance, "status": status})
        if status == FINISHED:
            return Outcome(returncode=0, output=f"concord process {instance} FINISHED".encode())
        if status == "FAILED":
            return Outcome(error=f"concord instanceID: {instance} failed")
        if status in FAILED:
            return Outcome(error=f"concord instanceID: {instance} ended {status}")
    return Outcome(
        error=f"concord process timed out, after {task.poll_timeout} seconds (instanceID: {instance}): "
        "raise metadata.pollTimeout if it needs longer"
    )


async def run(
    task: Concord, http: httpx.AsyncClient, *, timeout: float, request_timeout: float, canary: str
) -> Outcome:
    """Start the process and wait for its end, within ``timeout`` (the load tester's ``-timeout``)."""

    async def wait(started: str) -> Outcome:
        log.info(
            "concord process created",
            extra={"canary": canary, "instanceId": started, "server": redact.url(task.server)},
        )
        return await _wait(task, http, started, request_timeout, canary)

    process: RemoteRun[str] = RemoteRun()
    start = functools.partial(_start, task, http, request_timeout)
    done = await start_and_follow(timeout, process, start, wait, "failed to start process")
    if done is not None:
        return done
    if process.started:
        return ran_out(timeout, f" while waiting for concord process {process.started}")
    return ran_out(timeout, " while waiting to start the concord process")
