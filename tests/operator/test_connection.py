"""Credentials: loaded with the kubernetes package's loaders, and refreshed at most once a minute (its
refresh hook re-reads files and the environment: once per request made every request cost a thread)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flagger_py.kube.connection import REFRESH_SECONDS, Connection


def kubeconfig(tmp_path: Path) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "c", "cluster": {"server": "https://127.0.0.1:6443/", "insecure-skip-tls-verify": True}}
        ],
        "users": [{"name": "u", "user": {"token": "s3cr3t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


async def test_a_token_from_the_kubeconfig(tmp_path: Path) -> None:
    connection = Connection.load(str(kubeconfig(tmp_path)))
    assert connection.server == "https://127.0.0.1:6443"
    assert connection.verify is False
    assert await connection.authorization() == "Bearer s3cr3t"


async def test_expiring_credentials_are_refreshed_at_most_once_a_minute(tmp_path: Path) -> None:
    connection = Connection.load(str(kubeconfig(tmp_path)))
    calls: list[Any] = []

    def refresh(cfg: Any) -> None:
        calls.append(cfg)
        cfg.api_key = {"authorization": f"Bearer token-{len(calls)}"}

    connection.configuration.refresh_api_key_hook = refresh
    answers = [await connection.authorization() for _ in range(50)]
    assert len(calls) == 1
    assert set(answers) == {"Bearer token-1"}
    connection.refreshed_at -= REFRESH_SECONDS  # a minute later
    assert await connection.authorization() == "Bearer token-2"
