"""Task type ``ngrinder``: clone an nGrinder test, start it and follow it in the background, as
Flagger's loadtester does (``pkg/loadtester/task_ngrinder.go``).

Metadata: ``server`` (the nGrinder controller's base URL), ``clone`` (the id of the test to clone),
``username`` and ``passwd`` (the password in base64), all required; ``pollInterval`` (a Go duration,
default ``1s``). Every request carries HTTP basic auth. The run:
``POST {server}/perftest/api/{clone}/clone_and_start``, whose answer's ``id`` is the new test; then,
every ``pollInterval``, ``GET {server}/perftest/api/{id}/status`` until ``status[0].status_id`` is
``FINISHED`` (success) or ``STOP_BY_ERROR``, ``CANCELED`` or ``UNKNOWN`` (failure). A status answer
that cannot be had or read is logged and polled again, as Flagger does. When the load tester's
``-timeout`` runs out, or the load tester stops, the test is stopped:
``PUT {server}/perftest/api/{id}?action=stop``. Paths resolve against ``server`` as URL references
do (Go's ``ResolveReference``): ``http://host/ngrinder/`` keeps its path, ``http://host/ngrinder``
does not.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from flagger_py import outbound, redact
from flagger_py.loadtester import remote
from flagger_py.loadtester.deadline import RemoteRun, ran_out, start_and_follow
from flagger_py.loadtester.payload import quote
from flagger_py.loadtester.remote import RemoteError, TaskError
from flagger_py.loadtester.tasks import Outcome
from flagger_py.model.duration import Duration

log = logging.getLogger(__name__)

TYPE = "ngrinder"
POLL_INTERVAL = 1.0
FINISHED = "FINISHED"
FAILED = {"STOP_BY_ERROR", "CANCELED", "UNKNOWN"}
STOP_TIMEOUT = 10.0
"""Seconds the stop request may take once the run is over (Flagger's has no bound at all)."""
REQUIRED = "server, clone, username and passwd are required metadata"

_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Go's strconv.Atoi reads


@dataclass(frozen=True)
class NGrinder:
    server: str
    clone: int
    username: str
    password: bytes = field(repr=False)
    poll_interval: float

    def clone_url(self) -> str:
        return urljoin(self.server, f"perftest/api/{self.clone}/clone_and_start")

    def status_url(self, test: int) -> str:
        return urljoin(self.server, f"perftest/api/{test}/status")

    def stop_url(self, test: int) -> str:
        return urljoin(self.server, f"perftest/api/{test}?action=stop")

    def authorization(self) -> str:
        return "Basic " + base64.b64encode(self.username.encode() + b":" + self.password).decode()

    def secrets(self) -> tuple[str, ...]:
        return self.authorization(), self.password.decode("utf-8", "replace")

    def __str__(self) -> str:
        return redact.url(self.clone_url())

    def key(self, canary: str) -> str:
        """What makes two requests the same run: the canary and the test cloned (Flagger's hash),
        on the same server."""
        return hashlib.sha256(json.dumps([TYPE, canary, self.server, self.clone]).encode()).hexdigest()


def _interval(text: str) -> float:
    if not text:
        return POLL_INTERVAL
    try:
        seconds = Duration.parse(text).seconds
    except ValueError as exc:
        raise TaskError(f"metadata pollInterval {exc}") from None
    if seconds <= 0:
        raise TaskError(f"metadata pollInterval must be longer than 0s (got {quote(text)})")
    return seconds


def parse(metadata: Mapping[str, str]) -> NGrinder:
    """The task the metadata describes, or :class:`TaskError` naming the key in the way."""
    server, clone = metadata.get("server", ""), metadata.get("clone", "")
    username, passwd = metadata.get("username", ""), metadata.get("passwd", "")
    if not (server and clone and username and passwd):
        missing = [k for k in ("server", "clone", "username", "passwd") if not metadata.get(k)]
        raise TaskError(f"{REQUIRED} (missing: {', '.join(missing)})")
    if problem := outbound.address_problem(server):
        raise TaskError(f"invalid url: {redact.url(server)}: {problem}")
    if not _INTEGER.fullmatch(clone) or len(clone) > 20:
        raise TaskError(f"metadata clone must be integer: {quote(clone)} is not the id of an nGrinder test")
    clone_id = int(clone)
    if not 0 < clone_id < 1 << 63:
        raise TaskError(
            f"metadata clone must be the id of an nGrinder test, a positive integer (got {clone_id})"
        )
    try:  # Go's base64.StdEncoding skips newlines and requires the padding
        password = base64.b64decode(passwd.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        raise TaskError(
            "metadata password is invalid: passwd must be the password in base64 (echo -n PASSWORD | base64)"
        ) from None
    return NGrinder(server, clone_id, username, password, _interval(metadata.get("pollInterval", "")))


async def _call(
    task: NGrinder, http: httpx.AsyncClient, method: str, url: str, timeout: float
) -> dict[str, object]:
    answer = await remote.call(
        http,
        method,
        url,
        timeout=timeout,
        auth_hint="nGrinder refused the credentials: check metadata.username and metadata.passwd",
        known=task.secrets(),
        headers={"Authorization": task.authorization()},
    )
    shown = remote.excerpt(json.dumps(answer).encode(), task.secrets())
    if not isinstance(answer, dict):
        raise RemoteError(f"{method} {redact.url(url)} answered {shown}: an object was expected")
    if answer.get("success") is False:
        raise RemoteError(f"{method} {redact.url(url)} answered success: false: {shown}")
    return answer


async def _start(task: NGrinder, http: httpx.AsyncClient, timeout: float) -> int:
    answer = await _call(task, http, "POST", task.clone_url(), timeout)
    test = answer.get("id")
    if isinstance(test, float) and test.is_integer():
        test = int(test)
    if not isinstance(test, int) or isinstance(test, bool) or not 0 <= test < 1 << 63:
        shown = remote.excerpt(json.dumps(answer).encode(), task.secrets())
        raise RemoteError(f"nGrinder answered without the new test's id: {shown}")
    return test


def _status(answer: dict[str, object]) -> str | None:
    statuses = answer.get("status")
    if isinstance(statuses, list) and statuses and isinstance(statuses[0], dict):
        status = statuses[0].get("status_id")
        return status if isinstance(status, str) else None
    return None


async def _follow(task: NGrinder, http: httpx.AsyncClient, test: int, timeout: float, canary: str) -> Outcome:
    url = task.status_url(test)
    problem = ""
    while True:  # ends at a final status, or with the -timeout around it
        await asyncio.sleep(task.poll_interval)
        try:
            answer = await _call(task, http, "GET", url, timeout)
            status = _status(answer)
            if status is None:
                shown = remote.excerpt(json.dumps(answer).encode(), task.secrets())
                raise RemoteError(f"GET {redact.url(url)} answered without status[0].status_id: {shown}")
        except RemoteError as exc:
            if str(exc) != problem:  # each new problem once, not once a poll
                log.warning(
                    "ngrinder status unknown, polling again", extra={"canary": canary, "error": str(exc)}
                )
            problem = str(exc)
            continue
        problem = ""
        log.debug("ngrinder test status", extra={"canary": canary, "test": test, "status": status})
        if status == FINISHED:
            return Outcome(returncode=0, output=f"ngrinder test {test} FINISHED".encode())
        if status in FAILED:
            return Outcome(error=f"ngrinder test {test} ended {status}")


async def _stop(task: NGrinder, http: httpx.AsyncClient, test: int, timeout: float) -> str:
    try:
        await _call(task, http, "PUT", task.stop_url(test), min(timeout, STOP_TIMEOUT))
    except RemoteError as exc:
        log.error("ngrinder test not stopped", extra={"test": test, "error": str(exc)})
        return f"could not be stopped ({exc})"
    return "was stopped"


async def run(
    task: NGrinder, http: httpx.AsyncClient, *, timeout: float, request_timeout: float, canary: str
) -> Outcome:
    """Clone and start the test and follow it within ``timeout`` (the load tester's ``-timeout``);
    stop it when the time runs out or the run is cancelled."""

    async def follow(test: int) -> Outcome:
        log.info("ngrinder test started", extra={"canary": canary, "test": test, "clone": task.clone})
        return await _follow(task, http, test, request_timeout, canary)

    run: RemoteRun[int] = RemoteRun()
    start = functools.partial(_start, task, http, request_timeout)
    refused = f"failed to clone and start ngrinder test {task}"
    try:
        done = await start_and_follow(timeout, run, start, follow, refused)
    except asyncio.CancelledError:
        if run.started is not None:
            await asyncio.shield(_stop(task, http, run.started, request_timeout))
        raise
    if done is not None:
        return done
    if run.started is None:
        return ran_out(timeout, f" starting {task}")
    stopped = await _stop(task, http, run.started, request_timeout)
    return ran_out(timeout, f"; ngrinder test {run.started} {stopped}")
