"""A local HTTP(S) server that records webhook requests and answers from a script, for the tests."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flagger_py.model.canary import Canary
from flagger_py.testing.cluster import respond

Reply = tuple[int, str]


class Server:
    """A local HTTP server: each POST is recorded and answered by ``reply(path, attempt)``."""

    def __init__(self, reply: Callable[[str, int], Reply], tls: tuple[Path, Path] | None = None) -> None:
        self.reply = reply
        self.requests: list[tuple[str, Any, dict[str, str]]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                server.requests.append((self.path, body, dict(self.headers)))
                status, text = server.reply(self.path, len([r for r in server.requests if r[0] == self.path]))
                if status == 0:  # hang past the client's timeout
                    time.sleep(1.5)
                    status, text = 200, "late"
                respond(self, status, text.encode())

            def log_message(self, *_: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def canary(*hooks: dict[str, Any]) -> Canary:
    return Canary.model_validate(
        {
            "metadata": {"name": "podinfo", "namespace": "test"},
            "spec": {
                "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
                "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, "webhooks": list(hooks)},
            },
            "status": {
                "phase": "Progressing",
                "lastAppliedSpec": "abc",
                "trackedConfigs": {"configmap/x": "1"},
            },
        }
    )
