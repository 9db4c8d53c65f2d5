"""Startup checks against an API server that lacks the CRDs or refuses the controller (the real
API server answers exactly these status codes; the cluster tests install the CRDs for the session)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiohttp import web

from flagger_py.kube.client import connect
from flagger_py.operator.flags import Settings
from flagger_py.operator.main import Fatal, check_crds, serve


async def _check(status: int, message: str, namespace: str | None) -> None:
    """check_crds against a local server answering every request with ``status`` and ``message``."""

    async def answer(_request: web.Request) -> web.Response:
        return web.json_response({"kind": "Status", "message": message}, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = connect(f"http://127.0.0.1:{port}", False, None)
    try:
        await check_crds(client, namespace)
    finally:
        await client.close()
        await runner.cleanup()


def test_missing_crds_are_a_fatal_error_that_says_what_to_apply() -> None:
    with pytest.raises(Fatal) as caught:
        asyncio.run(_check(404, "the server could not find the requested resource", None))
    assert str(caught.value) == (
        "the canaries.flagger.app CRD is not installed: apply flagger-py's CRDs first "
        "(kubectl apply -f crds/ or the Helm chart)"
    )


def test_missing_rbac_is_named() -> None:
    with pytest.raises(Fatal) as caught:
        asyncio.run(_check(403, 'canaries.flagger.app is forbidden: User "x" cannot list', "test"))
    assert "cannot list canaries.flagger.app: list Canary test: canaries.flagger.app is forbidden" in str(
        caught.value
    )


def test_a_bad_outbound_allow_list_stops_the_controller_before_it_connects(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "allow.yaml"
    rules.write_text("default: [http://x/]\n")
    settings = Settings(outbound_allow_list=str(rules), kubeconfig=str(tmp_path / "absent"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        assert asyncio.run(serve(settings)) == 1
    finally:  # serve() configured the process's logging
        root.handlers[:], root.level = handlers, level
    out, err = capfd.readouterr()
    assert f"{rules}: default: 'http://x/' is not a host pattern" in out + err
