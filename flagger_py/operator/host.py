"""The kopf host: kopf watches Canaries and hands every event to the Scheduler.

kopf is used for what it is good at — robust watching, API login, lifecycle — with an event handler
only: no kopf finalizers, no kopf annotations on the Canary, no kopf progress in its status. Canaries
get ``finalizer.flagger.app`` from the reconciler, and only with ``revertOnDeletion`` (as Flagger).
"""

from __future__ import annotations

import asyncio
from typing import Any

import kopf

from flagger_py.kube.connection import Connection
from flagger_py.operator.scheduler import Scheduler


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
        settings.watching.server_timeout = 300
        settings.watching.client_timeout = 330

    return reg


async def run_kopf(reg: kopf.OperatorRegistry, namespace: str, stop: asyncio.Event) -> None:
    await kopf.operator(
        registry=reg,
        clusterwide=not namespace,
        namespaces=[namespace] if namespace else (),
        standalone=True,
        stop_flag=stop,
    )
