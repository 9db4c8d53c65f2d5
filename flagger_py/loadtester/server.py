"""The HTTP service: Flagger's loadtester endpoints on aiohttp.

``POST /`` runs a task: a command (``cmd``, ``bash``, ``helm``, ``helmv3``, ``kubectl``, see
:mod:`~flagger_py.loadtester.tasks`), a Concord process (``concord``, blocking, see
:mod:`~flagger_py.loadtester.concord`) or an nGrinder test (``ngrinder``, in the background, see
:mod:`~flagger_py.loadtester.ngrinder`). The gate endpoints keep state in a
:class:`~flagger_py.loadtester.gates.GateStore`.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from pathlib import Path

import httpx
from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from flagger_py import redact
from flagger_py.loadtester import concord, ngrinder, remote, tasks
from flagger_py.loadtester.gates import GateFileError, GateStore
from flagger_py.loadtester.payload import MAX_BODY, Payload, PayloadError, parse, quote

log = logging.getLogger(__name__)

GATE = web.AppKey("gates", GateStore)
JOBS = web.AppKey("jobs", tasks.Jobs)
SETTINGS = web.AppKey("settings", dict)
METRICS = web.AppKey("metrics", CollectorRegistry)
TASKS_TOTAL = web.AppKey("tasks_total", Counter)
CLIENT = web.AppKey("client", httpx.AsyncClient)

REMOTE = {concord.TYPE, ngrinder.TYPE}
"""Task types run by calling another service."""
TYPE_LABELS = tasks.RUNNABLE | REMOTE
"""The ``type`` label values of the tasks metric; every other type is counted as ``other``."""
COMMAND_SHOWN = 500
"""How much of a command (redacted) a log record or an answer repeats."""
FAILURE_LOGGED = 2000
"""How much of a failed command's output (its end, redacted) the log keeps without logCmdOutput."""
TYPES = "cmd, bash, helm, helmv3, kubectl, concord or ngrinder"


def app(
    *,
    timeout: float = 3600.0,
    namespace_regexp: str | None = None,
    gate_file: Path | None = None,
    request_timeout: float = remote.REQUEST_TIMEOUT,
) -> web.Application:
    """The loadtester application; ``gate_file`` keeps gate state across restarts;
    ``request_timeout`` bounds each request a remote task (concord, ngrinder) sends."""
    application = web.Application(client_max_size=MAX_BODY, middlewares=[_no_tracebacks])
    registry = CollectorRegistry()
    application[GATE] = GateStore(gate_file)
    application[JOBS] = tasks.Jobs(timeout)
    application[SETTINGS] = {
        "timeout": timeout,
        "namespace": re.compile(namespace_regexp) if namespace_regexp else None,
        "request_timeout": request_timeout,
    }
    application[CLIENT] = remote.client()
    application[METRICS] = registry
    application[TASKS_TOTAL] = Counter(
        "flagger_loadtester_tasks",
        "Tasks received, by type and result",
        ["type", "result"],
        registry=registry,
    )
    application.add_routes(
        [
            web.post("/", run_task),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
            *[
                web.route("*", f"/gate/{action}", gate)
                for action in ("approve", "halt", "check", "open", "close")
            ],
            *[web.route("*", f"/rollback/{action}", gate) for action in ("check", "open", "close")],
        ]
    )
    application.on_shutdown.append(_stop_tasks)  # before aiohttp waits for the handlers
    application.on_cleanup.append(_close_client)  # after: stopping an nGrinder test needs it
    return application


@web.middleware
async def _no_tracebacks(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug answers a short 500 and logs the traceback; no answer carries one."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("answering a request failed", extra={"path": request.path[:200]})
        return web.Response(
            status=500, text="the load tester failed to answer (a bug, logged): please report it"
        )


async def _stop_tasks(application: web.Application) -> None:
    await application[JOBS].stop()


async def _close_client(application: web.Application) -> None:
    await application[CLIENT].aclose()


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="OK")


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _payload(request: web.Request) -> Payload:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_BODY,
            text=f"the body is over {MAX_BODY} bytes (1 MiB): a webhook payload is a few hundred bytes",
        ) from None
    try:
        body = parse(raw)
    except PayloadError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    pattern = request.app[SETTINGS]["namespace"]
    if pattern is not None and not pattern.fullmatch(body.namespace):
        raise web.HTTPForbidden(
            text=f"namespace {quote(body.namespace)} is not allowed by --namespace-regexp"
        )
    return body


async def gate(request: web.Request) -> web.Response:
    body = await _payload(request)
    action = request.path.rsplit("/", 1)[1]
    key = f"rollback.{body.canary}" if request.path.startswith("/rollback/") else body.canary
    store = request.app[GATE]
    if action == "approve":
        return web.Response(text="approved")
    if action == "halt":
        return web.Response(status=403, text="halted")
    if action == "check":
        opened = store.is_open(key)
        log.info("gate checked", extra={"canary": key, "open": opened})
        return web.Response(status=200 if opened else 403, text="open" if opened else "closed")
    done = "opened" if action == "open" else "closed"
    try:
        await store.set(key, action == "open")
    except GateFileError as exc:
        log.error("gate not changed", extra={"canary": key, "action": action, "error": str(exc)})
        return web.Response(
            status=500,
            text=f"{key} not {done}: {exc}. Fix the file's volume, or start the load tester with "
            "--gate-file '' to keep gates in memory only",
        )
    log.info(f"gate {done}", extra={"canary": key})
    return web.Response(status=202, text=f"{key} {done}")


def _hung_up(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _log_text(text: str, limit: int) -> str:
    """The end of ``text`` (at most ``limit`` characters), each line redacted."""
    lines = [redact.text(line, limit=1000) for line in text[-limit * 2 :].splitlines()]
    return "\n".join(lines)[-limit:]


def _finished(
    counter: Counter,
    fields: dict[str, object],
    log_output: bool,
    outcome: tasks.Outcome | None,
    *,
    noun: str = "command",
) -> None:
    kind = str(fields["type"])
    if outcome is None:
        counter.labels(kind, "cancelled").inc()
        ended = "killed" if noun == "command" else "stopped"
        log.info(
            f"{noun} cancelled and {ended}: nobody waits for it any more, or the service is stopping",
            extra=fields,
        )
        return
    output = {"output": _log_text(outcome.text(), tasks.OUTPUT_LIMIT)} if log_output else {}
    if outcome.ok:
        counter.labels(kind, "succeeded").inc()
        log.info(f"{noun} finished", extra={**fields, **output})
        return
    counter.labels(kind, "failed").inc()
    if noun == "command":
        output = output or {"output": _log_text(outcome.text(), FAILURE_LOGGED)}
    log.error(f"{noun} failed", extra={**fields, "reason": outcome.reason, **output})


async def run_task(request: web.Request) -> web.Response:
    body = await _payload(request)
    metadata = body.metadata
    if not metadata:
        raise web.HTTPBadRequest(
            text=f"metadata not found in the payload: a task needs metadata.cmd, and metadata.type ({TYPES})"
        )
    kind = metadata.get("type") or "cmd"
    counter = request.app[TASKS_TOTAL]
    if kind in REMOTE:
        return await _remote_task(request, body, kind)
    if kind not in tasks.RUNNABLE:
        counter.labels("other", "refused").inc()
        raise web.HTTPBadRequest(text=f"metadata.type: unknown task type {quote(kind)}: use {TYPES}")
    command = metadata.get("cmd", "")
    if not command:
        raise web.HTTPBadRequest(text="metadata.cmd is empty: put the command to run there")
    if "\0" in command:
        raise web.HTTPBadRequest(text="metadata.cmd holds a NUL character, which no command line can carry")
    if (size := len(command.encode())) > tasks.MAX_COMMAND:
        raise web.HTTPBadRequest(
            text=f"metadata.cmd is {size} bytes, over the {tasks.MAX_COMMAND} Linux allows one argument: "
            "put a long script in a file (a ConfigMap volume) and run that"
        )
    shown = redact.text(command, limit=COMMAND_SHOWN)
    fields: dict[str, object] = {"canary": body.canary, "type": kind, "command": shown}
    job, started = request.app[JOBS].start(
        tasks.key(kind, body.canary, command),
        request.app[JOBS].command(tasks.argv(kind, command)),
        partial(_finished, counter, fields, body.flag("logCmdOutput")),
    )
    counter.labels(kind, "started" if started else "deduplicated").inc()
    if started:
        log.info("command starting", extra=fields)
    else:
        log.info("command already running: this request joins it", extra=fields)
    if kind == "cmd":
        return web.Response(status=202, text="started" if started else "already running")
    outcome = await job.wait(partial(_hung_up, request))
    if outcome is None:  # the caller hung up (nobody reads this) or the service is stopping
        return web.Response(status=503, text="cancelled: the caller hung up or the load tester is stopping")
    returned = body.flag("returnCmdOutput")
    if outcome.ok:
        return web.Response(text=outcome.text() if returned else "ok")
    failed = f"{kind} {quote(shown, COMMAND_SHOWN)} failed: {outcome.reason}"
    if returned:
        return web.Response(status=500, text=f"{failed}\n{outcome.text()}")
    return web.Response(
        status=500,
        text=f'{failed}. Its output is withheld from this answer: set metadata.returnCmdOutput: "true" '
        "to have it here (the load tester's log has its last lines)",
    )


async def _remote_task(request: web.Request, body: Payload, kind: str) -> web.Response:
    """A concord (blocking: the answer says how the process ended) or ngrinder task (in the
    background: 202 at once). Metadata that makes no task is answered as Flagger answers it: 500
    for concord, 400 for ngrinder, with the reason."""
    counter = request.app[TASKS_TOTAL]
    settings = request.app[SETTINGS]
    task: concord.Concord | ngrinder.NGrinder
    try:
        task = concord.parse(body.metadata) if kind == concord.TYPE else ngrinder.parse(body.metadata)
    except remote.TaskError as exc:
        counter.labels(kind, "refused").inc()
        log.error(f"{kind} task refused", extra={"canary": body.canary, "type": kind, "error": str(exc)})
        status = 500 if kind == concord.TYPE else 400
        return web.Response(status=status, text=str(exc))
    http, canary = request.app[CLIENT], body.canary
    limits = {"timeout": settings["timeout"], "request_timeout": settings["request_timeout"]}
    work: tasks.Work
    if isinstance(task, concord.Concord):
        work = partial(concord.run, task, http, canary=canary, **limits)
    else:
        work = partial(ngrinder.run, task, http, canary=canary, **limits)
    fields: dict[str, object] = {"canary": body.canary, "type": kind, "task": str(task)}
    job, started = request.app[JOBS].start(
        task.key(body.canary), work, partial(_finished, counter, fields, False, noun="task")
    )
    counter.labels(kind, "started" if started else "deduplicated").inc()
    log.info("task starting" if started else "task already running: this request joins it", extra=fields)
    if kind == ngrinder.TYPE:
        return web.Response(status=202, text="started" if started else "already running")
    outcome = await job.wait(partial(_hung_up, request))
    if outcome is None:
        return web.Response(status=503, text="cancelled: the caller hung up or the load tester is stopping")
    if outcome.ok:
        return web.Response(text=outcome.text())
    return web.Response(status=500, text=outcome.reason)
