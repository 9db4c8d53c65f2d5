"""The HTTP service: Flagger's loadtester endpoints on aiohttp."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

from flagger_py.loadtester import tasks
from flagger_py.loadtester.gates import GateStore

GATE = web.AppKey("gates", GateStore)
BACKGROUND = web.AppKey("background", tasks.Background)
SETTINGS = web.AppKey("settings", dict)
METRICS = web.AppKey("metrics", CollectorRegistry)
TASKS_TOTAL = web.AppKey("tasks_total", Counter)


def app(
    *, timeout: float = 3600.0, namespace_regexp: str | None = None, gate_file: Path | None = None
) -> web.Application:
    """The loadtester application; ``gate_file`` keeps gate state across restarts."""
    application = web.Application()
    registry = CollectorRegistry()
    application[GATE] = GateStore(gate_file)
    application[BACKGROUND] = tasks.Background(timeout)
    application[SETTINGS] = {
        "timeout": timeout,
        "namespace": re.compile(namespace_regexp) if namespace_regexp else None,
    }
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
    application.on_cleanup.append(_stop_tasks)
    return application


async def _stop_tasks(application: web.Application) -> None:
    await application[BACKGROUND].stop()


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="OK")


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _payload(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise web.HTTPBadRequest(text=f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    pattern = request.app[SETTINGS]["namespace"]
    namespace = str(body.get("namespace", ""))
    if pattern is not None and not pattern.fullmatch(namespace):
        raise web.HTTPForbidden(text=f"namespace {namespace!r} is not allowed by --namespace-regexp")
    return body


async def gate(request: web.Request) -> web.Response:
    body = await _payload(request)
    action = request.path.rsplit("/", 1)[1]
    key = f"{body.get('name', '')}.{body.get('namespace', '')}"
    if request.path.startswith("/rollback/"):
        key = f"rollback.{key}"
    store = request.app[GATE]
    if action == "approve":
        return web.Response(text="approved")
    if action == "halt":
        return web.Response(status=403, text="halted")
    if action == "check":
        opened = store.is_open(key)
        return web.Response(status=200 if opened else 403, text="open" if opened else "closed")
    store.set(key, action == "open")
    return web.Response(status=202, text=f"{key} {action}ed" if action == "open" else f"{key} closed")


async def run_task(request: web.Request) -> web.Response:
    body = await _payload(request)
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not metadata:
        raise web.HTTPBadRequest(text="metadata not found in the payload")
    kind = str(metadata.get("type") or "cmd")
    command = str(metadata.get("cmd", ""))
    counter = request.app[TASKS_TOTAL]
    if not command:
        raise web.HTTPBadRequest(text="metadata.cmd is empty")
    canary = f"{body.get('name', '')}.{body.get('namespace', '')}"
    log_output = str(metadata.get("logCmdOutput", "")).lower() == "true"
    if kind == "cmd":
        started = request.app[BACKGROUND].start(canary, command, log_output)
        counter.labels(kind, "started" if started else "deduplicated").inc()
        return web.Response(status=202, text="started" if started else "already running")
    if kind not in tasks.BLOCKING:
        counter.labels(kind, "refused").inc()
        raise web.HTTPBadRequest(text=f"unknown task type {kind!r}: use cmd, bash, helm, helmv3 or kubectl")
    try:
        output = await tasks.run(tasks.argv(kind, command), request.app[SETTINGS]["timeout"])
    except tasks.TaskError as exc:
        counter.labels(kind, "failed").inc()
        return web.Response(status=500, text=f"{kind} {command!r} failed: {exc}")
    counter.labels(kind, "succeeded").inc()
    returned = str(metadata.get("returnCmdOutput", "")).lower() == "true"
    return web.Response(text=output if returned else "ok")
