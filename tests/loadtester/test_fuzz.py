"""Property-based fuzzing of the load tester's HTTP API, on a real load tester process.

Whatever the body (random bytes, malformed JSON, nesting past the parser's depth, huge strings,
control characters, a wrong type in any field, unknown task types), the answer is never a 5xx nor a
traceback, stays bounded in size, and the service stays up; its log stays one JSON record per line,
with no traceback. The load tester runs with ``PATH`` holding only ``true`` under the names of the
programs tasks start (``sh``, ``bash``, ``kubectl``, ``helm``): real processes, which run nothing of
the random text they are given. Remote task types (``concord``, ``ngrinder``) get metadata that
names no server they could reach.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagger_py.loadtester.payload import MAX_BODY, PayloadError, parse
from flagger_py.loadtester.tasks import OUTPUT_LIMIT
from tests.loadtester.helpers import Service

PATHS = [
    "/",
    "/",
    "/",
    "/gate/approve",
    "/gate/halt",
    "/gate/check",
    "/gate/open",
    "/gate/close",
    "/rollback/check",
    "/rollback/open",
    "/rollback/close",
]
TYPES = ["cmd", "bash", "helm", "helmv3", "kubectl", "concord", "ngrinder", "", "BASH", "hey", None]
NASTY = [
    "",
    "\n",
    '\n{"level":"error","msg":"forged"}',
    "\r\n\x1b[2J",
    "\x00",
    "\ud800",
    "\u2028\u2029",
    "$(reboot)",
    "Bearer abc",
    "true",
    "1",
]

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(NASTY),
    st.builds(
        lambda char, count: char * count,
        st.sampled_from(["a", "\n", "\x00", "é", "\ud800", "{"]),
        st.integers(0, 200_000),
    ),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
metadata = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(st.sampled_from(TYPES), values),
            "cmd": st.one_of(texts, values),
            "returnCmdOutput": st.one_of(st.sampled_from(["true", "1", "no"]), values),
            "logCmdOutput": st.one_of(st.sampled_from(["true", "False"]), values),
        },
    ),
    st.dictionaries(texts, values, max_size=4),
    values,
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["podinfo", "x" * 253, "x" * 254]), texts, values),
        "namespace": st.one_of(st.sampled_from(["test", "y" * 63, "y" * 64]), texts, values),
        "phase": st.one_of(texts, values),
        "checksum": st.one_of(texts, values),
        "metadata": metadata,
    },
)


short = st.one_of(st.text(max_size=20), st.sampled_from(NASTY))
plausible = st.fixed_dictionaries(
    {
        "name": short,
        "namespace": short,
        "metadata": st.fixed_dictionaries(
            {"type": st.sampled_from([t for t in TYPES if t is not None]), "cmd": texts},
            optional={
                "returnCmdOutput": st.one_of(st.sampled_from(["true", "1", "no"]), short),
                "logCmdOutput": st.one_of(st.sampled_from(["true", "False"]), short),
            },
        ),
    },
    optional={"phase": short, "checksum": short},
)


def _deep(opener: str, closer: str, depth: int) -> bytes:
    return (opener * depth + "1" + closer * depth).encode()


bodies = st.one_of(
    plausible.map(lambda body: json.dumps(body).encode()),
    plausible.map(lambda body: json.dumps(body).encode()),
    plausible.map(lambda body: json.dumps(body).encode()),
    payloads.map(lambda body: json.dumps(body).encode()),
    values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=512),
    st.builds(_deep, st.just("["), st.just("]"), st.integers(1, 200_000)),
    st.builds(_deep, st.just('{"metadata":'), st.just("}"), st.integers(1, 50_000)),
    st.builds(lambda extra: b'{"name": "' + b"n" * (MAX_BODY - 12 + extra) + b'"}', st.integers(-4, 4)),
    st.just(b'{"name": ' + b"9" * 5000 + b"}"),
)


@pytest.fixture
def fuzzed(service: Callable[..., Service], tmp_path: Path) -> Service:
    programs = tmp_path / "bin"
    programs.mkdir()
    true = shutil.which("true")
    assert true is not None
    for name in ("sh", "bash", "kubectl", "helm"):
        (programs / name).symlink_to(true)
    running = service("-timeout", "30s", env={**os.environ, "PATH": str(programs)})
    running.wait_healthy()
    return running


def test_no_body_breaks_the_api(fuzzed: Service) -> None:
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies, path=st.sampled_from(PATHS), method=st.sampled_from(["POST", "POST", "GET", "PUT"]))
    def one_request(body: bytes, path: str, method: str) -> None:
        if method != "POST" and path == "/":
            path = "/gate/check"  # only POST is routed at /: the others are 405s, nothing to fuzz
        response = httpx.request(
            method, fuzzed.base + path, content=body, headers={"Content-Type": "application/json"}, timeout=60
        )
        # Flagger answers metadata that makes no concord task with a 500, and so does this one
        refused_concord = response.status_code == 500 and response.text.startswith("`")
        assert response.status_code < 500 or refused_concord, (response.status_code, response.text[:300])
        assert len(response.content) <= OUTPUT_LIMIT + 1024
        assert "Traceback" not in response.text
        assert fuzzed.popen.poll() is None, "the load tester exited"

    one_request()
    assert httpx.get(f"{fuzzed.base}/healthz", timeout=10).text == "OK"
    log = fuzzed.log.read_text()
    assert "Traceback" not in log
    records = fuzzed.records()  # one JSON object per line, or this raises
    assert len(records) > 10
    assert not [r for r in records if r["logger"].startswith("aiohttp")]  # no unhandled error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.data_too_large])
@given(body=bodies)
def test_parse_answers_a_payload_or_a_payload_error(body: bytes) -> None:
    problem, read = "", None
    try:
        read = parse(body)
    except PayloadError as exc:
        problem = str(exc)
    if read is None:
        assert 0 < len(problem) < 400
        return
    assert all(isinstance(v, str) for v in read.metadata.values())
    assert isinstance(read.canary, str)
