"""Local stand-ins for the Concord and nGrinder APIs, on 127.0.0.1.

Each checks what the real API checks (credentials, methods, paths, the form of a Concord start
request), records every request it got, and answers as the real API answers; a test can replace
the answer of one route (``answers``) to be slow, huge, not JSON, or a failure.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from functools import partial

from aiohttp import web

from flagger_py.testing.cluster import free_port

Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Seen:
    """One request as the fake server read it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fields: list[tuple[str, str]] = field(default_factory=list)  # a multipart form's, in order
    at: float = 0.0  # the loop's clock


@dataclass
class Fake:
    base: str
    seen: list[Seen] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)  # route name -> replacement answer

    def paths(self, method: str | None = None) -> list[str]:
        return [
            f"{s.path}{'?' + s.query if s.query else ''}" for s in self.seen if method in (None, s.method)
        ]


async def slow(_request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(60)
    return web.json_response({})


async def huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(b'{"status": "')
    for _ in range(160):  # 10 MiB, if anybody reads it all
        await response.write(b"x" * 65536)
    await response.write(b'"}')
    return response


async def not_json(_request: web.Request) -> web.StreamResponse:
    return web.Response(text="<html>Login</html>", content_type="text/html")


async def _record(fake: Fake, request: web.Request) -> Seen:
    body = await request.read()
    seen = Seen(
        request.method,
        request.path,
        request.query_string,
        dict(request.headers),
        body,
        at=asyncio.get_running_loop().time(),
    )
    fake.seen.append(seen)
    return seen


@asynccontextmanager
async def _serve(application: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(application, shutdown_timeout=0.2)  # slow answers are cut, not awaited
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class _Remote(ABC):
    """What both fakes do first with a request: record it, refuse it without the credentials,
    and give it the test's replacement answer for the route when there is one."""

    @abstractmethod
    def _unauthorized(self, request: web.Request) -> web.Response | None: ...

    @abstractmethod
    def _routes(self, fake: Fake) -> list[web.RouteDef]: ...

    async def _screen(
        self, fake: Fake, request: web.Request, route: str | None = None
    ) -> tuple[Seen, web.StreamResponse | None]:
        """The request as recorded, and the answer that ends it here (``None``: the handler answers)."""
        seen = await _record(fake, request)
        if refused := self._unauthorized(request):
            return seen, refused
        if route is not None and route in fake.answers:
            return seen, await fake.answers[route](request)
        return seen, None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Fake]:
        application = web.Application()
        fake = Fake("")
        application.add_routes(self._routes(fake))
        async with _serve(application) as base:
            fake.base = base
            yield fake


class Concord(_Remote):
    """Concord's process API: ``POST /api/v1/process`` (multipart form, ``Authorization: <key>``)
    and ``GET /api/v1/process/{id}``; each process answers ``statuses`` in turn, then the last."""

    def __init__(self, api_key: str, statuses: list[str]) -> None:
        self.api_key = api_key
        self.statuses = statuses
        self.processes: dict[str, itertools.chain[str]] = {}

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        sent = request.headers.get("Authorization", "")
        if sent == self.api_key:
            return None
        # echoes what it got, as careless servers do: the load tester must not repeat it
        return web.json_response({"message": f"API key not found: {sent}"}, status=401)

    async def start(self, fake: Fake, request: web.Request) -> web.StreamResponse:
        seen, done = await self._screen(fake, request, "start")
        if done is not None:
            return done
        if request.content_type != "multipart/form-data":
            return web.json_response({"message": "not a form"}, status=415)
        seen.fields = _form(request.headers["Content-Type"], seen.body)
        names = [name for name, _ in seen.fields]
        if not {"org", "project", "repo", "entryPoint"} <= set(names):
            return web.json_response({"message": f"missing fields in {names}"}, status=400)
        instance = str(uuid.uuid4())
        self.processes[instance] = itertools.chain(self.statuses[:-1], itertools.repeat(self.statuses[-1]))
        return web.json_response({"instanceId": instance, "ok": True})

    async def status(self, fake: Fake, request: web.Request) -> web.StreamResponse:
        _, done = await self._screen(fake, request, "status")
        if done is not None:
            return done
        instance = request.match_info["id"]
        if instance not in self.processes:
            return web.json_response({"message": "process not found"}, status=404)
        status = next(self.processes[instance])
        return web.json_response({"instanceId": instance, "status": status, "projectName": "p"})

    def _routes(self, fake: Fake) -> list[web.RouteDef]:
        return [
            web.route("*", "/api/v1/process", partial(self.start, fake)),
            web.route("*", "/api/v1/process/{id}", partial(self.status, fake)),
        ]


def _form(content_type: str, body: bytes) -> list[tuple[str, str]]:
    """The fields of a multipart body, in order, read by the standard library's MIME parser."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    assert message.is_multipart(), content_type
    fields = []
    for part in message.iter_parts():
        assert list(part.keys()) == ["Content-Disposition"], part.items()  # a text field, as Go writes it
        assert part.get_content_disposition() == "form-data"
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        fields.append((str(part.get_param("name", header="content-disposition")), payload.decode()))
    return fields


class NGrinder(_Remote):
    """nGrinder's perftest API with basic auth: ``POST /perftest/api/{id}/clone_and_start`` answers
    the new test, ``GET /perftest/api/{id}/status`` its status (``statuses`` in turn, then the
    last), ``PUT /perftest/api/{id}?action=stop`` stops it. ``prefix`` is where it is served."""

    def __init__(self, username: str, password: str, statuses: list[str], prefix: str = "") -> None:
        self.auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.statuses = statuses
        self.prefix = prefix
        self.tests: dict[int, itertools.chain[str]] = {}
        self.stopped: list[int] = []
        self.next_id = 961

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") == self.auth:
            return None
        return web.json_response({"success": False, "message": "unauthorized"}, status=401)

    async def clone(self, fake: Fake, request: web.Request) -> web.StreamResponse:
        _, done = await self._screen(fake, request, "clone")
        if done is not None:
            return done
        if request.method != "POST":
            return web.json_response({"success": False}, status=405)
        test, self.next_id = self.next_id, self.next_id + 1
        self.tests[test] = itertools.chain(self.statuses[:-1], itertools.repeat(self.statuses[-1]))
        return web.json_response({"status": "READY", "id": test, "testName": "clone"})

    async def status(self, fake: Fake, request: web.Request) -> web.StreamResponse:
        _, done = await self._screen(fake, request, "status")
        if done is not None:
            return done
        test = int(request.match_info["id"])
        if request.method != "GET" or test not in self.tests:
            return web.json_response({"success": False}, status=404)
        return web.json_response({"status": [{"id": test, "status_id": next(self.tests[test])}]})

    async def test(self, fake: Fake, request: web.Request) -> web.StreamResponse:
        _, done = await self._screen(fake, request)
        if done is not None:
            return done
        if request.method != "PUT" or request.query.get("action") != "stop":
            return web.json_response({"success": False}, status=405)
        self.stopped.append(int(request.match_info["id"]))
        return web.json_response({"success": True})

    def _routes(self, fake: Fake) -> list[web.RouteDef]:
        root = f"{self.prefix}/perftest/api/{{id:[0-9]+}}"
        return [
            web.route("*", f"{root}/clone_and_start", partial(self.clone, fake)),
            web.route("*", f"{root}/status", partial(self.status, fake)),
            web.route("*", root, partial(self.test, fake)),
        ]


def json_answer(value: object, status: int = 200) -> Answer:
    async def answer(_request: web.Request) -> web.StreamResponse:
        return web.Response(text=json.dumps(value), status=status, content_type="application/json")

    return answer
