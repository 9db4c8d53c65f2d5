"""A local HTTP server standing in for a metrics backend: it records each request exactly as sent
(method, path, query, headers, body) and answers from a script, like the real API would."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str:
        return self.query[name][0]


Answer = tuple[int, str] | tuple[int, str, str]
"""(status, body) or (status, body, content type)."""


class Backend:
    """``answer(request, attempt)`` is called for each request; ``attempt`` counts requests to its path."""

    def __init__(self, answer: Callable[[Request, int], Answer]) -> None:
        self.answer = answer
        self.requests: list[Request] = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.handle_any()

            def do_POST(self) -> None:
                self.handle_any()

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                backend.requests.append(request)
                attempt = sum(1 for r in backend.requests if r.path == request.path)
                status, text, *kind = backend.answer(request, attempt)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind[0] if kind else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def only(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
