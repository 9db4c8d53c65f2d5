"""The kopf host: kopf logs in, watches Canaries and hands every event to the Scheduler.

kopf owns the process's login (our credentials), its startup and stop, and the one Canary watch (one
``on.event`` handler). Nothing else: no kopf finalizer, diff-base annotation or progress storage (no
change, deletion, daemon or timer handler), no kopf Events (posting off), no peering (standalone),
no scanning (no watch of namespaces or CRDs: ``check_crds`` checks ours once at startup). Canaries get
``finalizer.flagger.app`` from the engine, and only with ``revertOnDeletion`` (as Flagger); retries,
the tick schedule, leader election and every other watch are ours. Why: docs/architecture.md, "The
host: what kopf does and what we do".
"""

from __future__ import annotations

import asyncio
from typing import Any

import kopf

from flagger_py.kube.connection import Connection
from flagger_py.operator.scheduler import Scheduler

WATCH_SERVER_TIMEOUT, WATCH_CLIENT_TIMEOUT = 300, 330  # seconds: a watch is reopened every 5 minutes


def registry(scheduler: Scheduler, connection: Connection) -> kopf.OperatorRegistry:
    """kopf's handlers: the process's (``process``) and the Canary watch, which feeds the scheduler."""
    reg = process(connection)

    @kopf.on.event("flagger.app", "v1beta1", "canaries", registry=reg)
    async def canary_event(event: kopf.RawEvent, **_: Any) -> None:
        scheduler.seen(event.get("type"), event["object"])

    return reg


def process(connection: Connection) -> kopf.OperatorRegistry:
    """kopf's handlers of the process: login with our credentials, and its settings."""
    reg = kopf.OperatorRegistry()

    @kopf.on.login(registry=reg)
    async def login(**_: Any) -> kopf.ConnectionInfo:
        authorization = await connection.authorization()
        scheme, _space, token = (authorization or "").partition(" ")
        cert = connection.cert
        return kopf.ConnectionInfo(
            server=connection.server,
            ca_path=connection.ca_path,
            insecure=connection.verify is False,
            scheme=scheme or None,
            token=token or None,
            certificate_path=cert[0] if cert else None,
            private_key_path=cert[1] if cert else None,
        )

    @kopf.on.startup(registry=reg)
    async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.posting.enabled = False
        settings.scanning.disabled = True
        settings.watching.server_timeout = WATCH_SERVER_TIMEOUT
        settings.watching.client_timeout = WATCH_CLIENT_TIMEOUT

    return reg


async def run_kopf(reg: kopf.OperatorRegistry, namespace: str, stop: asyncio.Event) -> None:
    await kopf.operator(
        registry=reg,
        clusterwide=not namespace,
        namespaces=[namespace] if namespace else (),
        standalone=True,
        stop_flag=stop,
    )
