"""``flagger-py run``: the controller process.

Startup: load credentials, check that the flagger.app CRDs are served (fatal otherwise), serve
/healthz and /metrics, wait for leadership (with -enable-leader-election), fill the caches, then let
kopf feed Canaries to the scheduler until SIGTERM (exit 0) or lost leadership (exit 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import signal
import socket
import uuid
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from flagger_py import __version__
from flagger_py.allowlist import AllowList
from flagger_py.errors import FlaggerError, KubeError, KubeNotFound
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient, connect
from flagger_py.kube.connection import Connection
from flagger_py.kube.informers import Caches
from flagger_py.kube.throttle import TokenBucket
from flagger_py.operator import health, host, logs
from flagger_py.operator.flags import Settings, summary
from flagger_py.operator.leader import LEASE_NAME, LeaderLease, LeadershipLost
from flagger_py.operator.scheduler import Scheduler
from flagger_py.operator.telemetry import Telemetry
from flagger_py.operator.transport import http_client
from flagger_py.operator.wiring import build

log = logging.getLogger("flagger_py.controller")
EXIT_OK, EXIT_FATAL, EXIT_LOST = 0, 1, 1
CRDS = (r.CANARIES, r.METRIC_TEMPLATES, r.ALERT_PROVIDERS)


class Fatal(Exception):
    """The controller cannot start; the message says why and what to do."""


async def check_crds(client: KubeClient, namespace: str | None) -> None:
    for res in CRDS:
        try:
            await client.list(res, namespace, limit="1")
        except KubeNotFound:
            raise Fatal(
                f"the {res.plural}.{res.group} CRD is not installed: apply flagger-py's CRDs first "
                "(kubectl apply -f crds/ or the Helm chart)"
            ) from None
        except KubeError as exc:
            raise Fatal(f"cannot list {res.plural}.{res.group}: {exc}") from None


async def serve(settings: Settings, process_type: type[Process] | None = None) -> int:
    """Run the controller until SIGTERM or lost leadership; the process exit code. ``process_type``
    replaces the process (the benchmark's host variants)."""
    logs.configure(settings.python_log_level, settings.zap_encoding)
    log.info("starting flagger-py %s: %s", __version__, summary(settings))
    ignored = settings.ignored_line()
    if ignored:
        log.warning("%s", ignored)
    try:
        AllowList.load(settings.outbound_allow_list)
    except FlaggerError as exc:
        log.error("%s", exc)
        return EXIT_FATAL
    try:
        connection = Connection.load(settings.kubeconfig or None)
    except KubeError as exc:
        log.error("%s", exc)
        return EXIT_FATAL
    if settings.master:  # as client-go: -master replaces the server of the loaded credentials
        connection = dataclasses.replace(connection, server=settings.master)
    process = (process_type or Process)(settings, connection)
    try:
        return await process.run()
    except Fatal as exc:
        log.error("%s", exc)
        return EXIT_FATAL
    finally:
        await process.close()


class Process:
    """The controller's resources, started in order and closed in reverse."""

    def __init__(self, settings: Settings, connection: Connection) -> None:
        self.settings = settings
        self.connection = connection
        self.throttle = TokenBucket(settings.kubeconfig_qps, settings.kubeconfig_burst)
        self.client = connect(
            connection.server,
            connection.ssl_context(),
            connection.authorization,
            trace_configs=() if self.throttle.unlimited else (self.throttle.trace_config(),),
        )
        self.http = http_client()
        # the API server for providers that query it (externalmetrics): httpx, as every provider uses
        self.api_http = http_client(connection.ssl_context(), base_url=connection.server)
        self.telemetry = Telemetry()
        self.telemetry.info.labels(__version__, settings.mesh_provider).set(1)
        self.telemetry.count_requests(lambda: dict(self.client.requests))
        self.stop = asyncio.Event()
        self.ready = False
        self.lease: LeaderLease | None = None
        self.caches: Caches | None = None
        self.runner: web.AppRunner | None = None
        self.lag: asyncio.Task[None] | None = None
        self.metrics_check: asyncio.Task[bool] | None = None

    async def run(self) -> int:
        settings = self.settings
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop.set)
        try:
            self.runner = await health.serve(settings.port, self.telemetry, lambda: self.ready)
        except OSError as exc:
            raise Fatal(
                f"cannot serve /healthz and /metrics on port {settings.port}: {exc.strerror} (set -port)"
            ) from None
        self.lag = asyncio.create_task(self.telemetry.measure_loop_lag(), name="event loop lag")
        await check_crds(self.client, settings.namespace or None)
        if settings.enable_leader_election:
            self.lease = LeaderLease(
                self.client,
                settings.lease_namespace,
                f"{socket.gethostname()}_{uuid.uuid4()}",  # Flagger's form: hostname_uuid
                settings.leader_election_lease_duration,
                settings.leader_election_renew_deadline,
                settings.leader_election_retry_period,
                name=LEASE_NAME,
            )
            if not await _until_stopped(self.lease.acquire(), self.stop):
                return EXIT_OK
        self.caches = Caches(self.client, settings.namespace or None)
        await self.caches.start()
        wired = build(settings, self.client, self.caches, self.http, self.api_http, self.telemetry)
        # What exists now (modules, kopf, the clients: ~100k objects) lives as long as the process.
        # Out of the garbage collector's sight, every full collection (which stalls the event loop)
        # skips them: 85 ms less each on the benchmark machine. Frozen objects are still freed when
        # their last reference goes; only cycles among them would stay.
        gc.collect()
        gc.freeze()
        self.ready = True
        log.info("flagger-py %s started (namespace: %s)", __version__, settings.namespace or "all")
        # Flagger's start-up check of -metrics-server, in the background: a slow Prometheus must not
        # delay the controller (the result is only logged, as in Flagger).
        self.metrics_check = asyncio.create_task(wired.analyzer.check_metrics_server(), name="metrics server")
        try:
            return await self._until_done(wired.scheduler)
        finally:
            await wired.stop()

    def feed(self, scheduler: Scheduler, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """The tasks that deliver Canaries to the scheduler until ``stop`` is set: kopf's watch."""
        reg = host.registry(scheduler, self.connection)
        return [asyncio.create_task(host.run_kopf(reg, self.settings.namespace, stop), name="kopf")]

    async def _until_done(self, scheduler: Scheduler) -> int:
        stop_feed = asyncio.Event()
        jobs = self.feed(scheduler, stop_feed)
        if self.lease is not None:
            jobs.append(asyncio.create_task(self.lease.keep()))
        stopping = asyncio.create_task(self.stop.wait())
        done, _ = await asyncio.wait([*jobs, stopping], return_when=asyncio.FIRST_COMPLETED)
        stop_feed.set()
        code = EXIT_OK
        for job in done:
            error = None if job is stopping else job.exception()
            if error is not None:
                code = EXIT_LOST if isinstance(error, LeadershipLost) else EXIT_FATAL
                log.error("stopping: %s", error)
        for job in [*jobs, stopping]:
            job.cancel()
        await asyncio.gather(*jobs, stopping, return_exceptions=True)
        return code

    async def close(self) -> None:
        self.ready = False
        for task in (self.lag, self.metrics_check):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.caches is not None:
            await self.caches.stop()
        if self.lease is not None:
            await self.lease.release()
        if self.runner is not None:
            await self.runner.cleanup()
        await self.http.aclose()
        await self.api_http.aclose()
        await self.client.close()


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Run ``work`` unless ``stop`` is set first; True when the work finished."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    task.result()
    return True


def main(settings: Settings, process_type: type[Process] | None = None) -> int:
    try:
        return asyncio.run(serve(settings, process_type))
    except FlaggerError as exc:
        log.error("%s", exc)
        return EXIT_FATAL
