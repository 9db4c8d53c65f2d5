"""Startup checks against an API server that lacks the CRDs or refuses the controller (the real
API server answers exactly these status codes; the cluster tests install the CRDs for the session)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from flagger_py.kube.client import KubeClient
from flagger_py.operator.main import Fatal, check_crds


def client(status: int, message: str) -> KubeClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"kind": "Status", "message": message})

    return KubeClient(httpx.AsyncClient(base_url="https://k8s", transport=httpx.MockTransport(answer)))


def test_missing_crds_are_a_fatal_error_that_says_what_to_apply() -> None:
    with pytest.raises(Fatal) as caught:
        asyncio.run(check_crds(client(404, "the server could not find the requested resource"), None))
    assert str(caught.value) == (
        "the canaries.flagger.app CRD is not installed: apply flagger-py's CRDs first "
        "(kubectl apply -f crds/ or the Helm chart)"
    )


def test_missing_rbac_is_named() -> None:
    with pytest.raises(Fatal) as caught:
        asyncio.run(
            check_crds(client(403, 'canaries.flagger.app is forbidden: User "x" cannot list'), "test")
        )
    assert "cannot list canaries.flagger.app: list Canary test: canaries.flagger.app is forbidden" in str(
        caught.value
    )
