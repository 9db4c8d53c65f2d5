"""The HTTP endpoints of the controller: ``/healthz`` (the process and its event loop answer),
``/readyz`` (this replica leads and its caches are synced) and ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from flagger_py.operator.telemetry import Telemetry


async def serve(port: int, telemetry: Telemetry, ready: Callable[[], bool]) -> web.AppRunner:
    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n") if ready() else web.Response(status=503, text="not leading\n")

    async def metrics(_: web.Request) -> web.Response:
        body = await telemetry.render_off_loop()
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.add_routes([web.get("/healthz", healthz), web.get("/readyz", readyz), web.get("/metrics", metrics)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner
