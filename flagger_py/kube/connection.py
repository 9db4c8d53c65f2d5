"""Where the API server is and how to authenticate: from a kubeconfig or from inside a pod.

Loading uses the ``kubernetes`` package's loaders (kubeconfig contexts, client certificates, token
files, exec and auth-provider plugins, in-cluster service account); only the result is kept, and
requests are made by ``client.KubeClient`` on the event loop.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

from flagger_py.errors import KubeError

IN_CLUSTER_HOST = "KUBERNETES_SERVICE_HOST"
REFRESH_SECONDS = 60.0


@dataclass
class Connection:
    """The server address, TLS settings and a way to get the current Authorization header."""

    server: str
    verify: bool | str
    cert: tuple[str, str] | None
    configuration: Any
    refreshed_at: float = float("-inf")

    @classmethod
    def load(cls, kubeconfig: str | None = None, context: str | None = None) -> Connection:
        """From ``kubeconfig`` (or $KUBECONFIG, ~/.kube/config), else from the pod's service account."""
        cfg = k8s_client.Configuration()
        path = kubeconfig or os.environ.get("KUBECONFIG")
        try:
            if path or not os.environ.get(IN_CLUSTER_HOST):
                k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=path, context=context, client_configuration=cfg
                )
            else:
                k8s_config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
        except (k8s_config.ConfigException, OSError, TypeError) as exc:
            where = path or "~/.kube/config or the in-cluster service account"
            raise KubeError(f"cannot load Kubernetes credentials from {where}: {exc}") from exc
        verify: bool | str = bool(cfg.verify_ssl)
        if verify and cfg.ssl_ca_cert:
            verify = str(cfg.ssl_ca_cert)
        cert = (str(cfg.cert_file), str(cfg.key_file)) if cfg.cert_file and cfg.key_file else None
        return cls(server=str(cfg.host).rstrip("/"), verify=verify, cert=cert, configuration=cfg)

    async def authorization(self) -> str | None:
        """The Authorization header value. Credentials that can expire (exec plugins, rotated service
        account tokens) are refreshed at most once a minute, in a thread: the kubernetes package's hook
        re-reads files and the environment, far too costly for every request."""
        cfg = self.configuration
        now = time.monotonic()
        if cfg.refresh_api_key_hook is not None and now - self.refreshed_at >= REFRESH_SECONDS:
            self.refreshed_at = now
            await asyncio.to_thread(cfg.refresh_api_key_hook, cfg)
        keys = cfg.api_key or {}
        # The key name differs between kubernetes client versions ("authorization", "BearerToken").
        name = next((k for k in ("authorization", "BearerToken") if keys.get(k)), None)
        if name is None:
            return None
        prefix = (cfg.api_key_prefix or {}).get(name)
        return f"{prefix} {keys[name]}" if prefix else str(keys[name])

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What httpx takes as ``verify``: a context with the CA and client certificate, or False."""
        if self.verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(self.verify, str):
            context = ssl.create_default_context(cafile=self.verify)
        else:
            context = ssl.create_default_context()
        if self.cert is not None:
            context.load_cert_chain(*self.cert)
        return context

    @property
    def ca_path(self) -> str | None:
        return self.verify if isinstance(self.verify, str) else None
