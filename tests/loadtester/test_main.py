"""The load tester as a process: its flags, its log on stderr, and its gate file at start-up."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from flagger_py.loadtester import logs
from flagger_py.loadtester.main import parser
from tests.loadtester.helpers import Service, payload, processes_with, unique_seconds, until

FORGED = 'x\n{"level":"error","msg":"forged"}\r\u2028\x1b[2J'


def wait_for(service: Service, check: Callable[[list[str]], bool], seconds: float = 20) -> list[str]:
    """The service's log lines once ``check`` holds for them (or at the end of ``seconds``)."""
    for _ in range(int(seconds / 0.05)):
        if check(service.lines()):
            break
        time.sleep(0.05)
    return service.lines()


def test_host_defaults_to_every_interface_as_flaggers() -> None:
    assert parser().parse_args([]).host == "0.0.0.0"
    assert parser().parse_args(["-host", "127.0.0.1"]).host == "127.0.0.1"
    assert parser().parse_args(["--host=::1"]).host == "::1"


def test_host_binds_that_address_only(service: Callable[..., Service]) -> None:
    running = service()  # the fixture passes -host 127.0.0.1
    running.wait_healthy()
    port = int(running.base.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.2", port), timeout=5):
        pass  # another loopback address: not listened on
    started = [r for r in running.records() if r["msg"] == "starting the load tester API"]
    assert started[0]["host"] == "127.0.0.1"
    assert started[0]["port"] == port


def test_a_port_in_use_is_a_clear_error(service: Callable[..., Service]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        running = service("-port", port)  # the last -port wins
        assert running.popen.wait(timeout=30) == 1
    (failure,) = [r for r in running.records() if r["level"] == "error"]
    assert failure["msg"] == "cannot listen: check -host and -port"
    assert failure["port"] == int(port)
    assert "Traceback" not in running.log.read_text()


def test_json_logs_one_record_per_line_and_untrusted_fields_escaped(
    service: Callable[..., Service],
) -> None:
    running = service()  # -zap-encoding json is the default
    running.wait_healthy()
    httpx.post(f"{running.base}/gate/open", json={"name": FORGED, "namespace": "test"}, timeout=10)
    httpx.post(
        f"{running.base}/",
        json=payload({"type": "bash", "cmd": f"echo '{FORGED}'", "logCmdOutput": "true"}, name=FORGED),
        timeout=30,
    )
    lines = wait_for(running, lambda lines: any('"command finished"' in line for line in lines))
    records = [json.loads(line) for line in lines]  # every line is one whole JSON object
    assert not [r for r in records if r["msg"] == "forged"]
    opened = [r for r in records if r["msg"] == "gate opened"]
    assert opened[0]["canary"] == f"{FORGED}.test"  # the value as sent, escaped on the line
    assert {"level", "ts", "logger", "msg"} <= set(opened[0])
    (finished,) = [r for r in records if r["msg"] == "command finished"]
    assert finished["canary"] == f"{FORGED}.test"
    # the output keeps its lines inside the one record; its other control characters are replaced
    assert finished["output"].startswith('x\n{"level":"error","msg":"forged"}\n')
    assert "\x1b" not in finished["output"]
    assert "\r" not in finished["output"]
    assert all("\u2028" not in line and "\x1b" not in line for line in lines)


def test_console_logs_one_record_per_line_too(service: Callable[..., Service]) -> None:
    running = service("-zap-encoding", "console", "-log-level", "debug")
    running.wait_healthy()
    httpx.post(f"{running.base}/gate/open", json={"name": FORGED, "namespace": "test"}, timeout=10)
    lines = wait_for(running, lambda lines: any("gate opened" in line for line in lines))
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(debug|info|warning|error)\t")
    assert lines
    assert all(stamp.match(line) for line in lines), lines
    (opened,) = [line for line in lines if "\tgate opened\t" in line]
    assert json.loads(opened.split("\t")[4])["canary"] == f"{FORGED}.test"
    assert any("aiohttp.access" in line for line in lines)  # requests are logged at debug only


def test_the_formatters_escape_the_message_and_exceptions() -> None:
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": "a %s", "args": ("b\nc\u2028",), "canary": "x\ny"}
    )
    try:
        raise ValueError("boom\nline")
    except ValueError:
        record.exc_info = sys.exc_info()
    console = logs.ConsoleFormatter().format(record)
    assert "\n" not in console
    assert "\u2028" not in console
    assert "\ta b\\nc\\u2028\t" in console
    document = logs.JsonFormatter().format(record)
    assert "\n" not in document
    assert json.loads(document)["canary"] == "x\ny"
    assert "boom\nline" in json.loads(document)["error"]


def test_bearer_tokens_stay_out_of_the_log(service: Callable[..., Service]) -> None:
    running = service()
    running.wait_healthy()
    command = (
        "echo 'Authorization: Bearer s3cr3t-a'; curl -H 'Authorization: Bearer s3cr3t-b' http://127.0.0.1:9/"
    )
    httpx.post(f"{running.base}/", json=payload({"cmd": command, "logCmdOutput": "true"}), timeout=10)
    lines = wait_for(running, lambda lines: any('"command f' in line for line in lines))
    assert any('"command starting"' in line for line in lines)
    assert "s3cr3t" not in "\n".join(lines)


BAD_FILES = [
    ("[]", "has the wrong shape: it holds an array, not an object"),
    ('{"open": 5}', 'has the wrong shape: its "open" is a number, not an array of strings'),
    ('{"open": [["a"]]}', 'has the wrong shape: its "open" holds an array, not only strings'),
    ('"gates"', "has the wrong shape: it holds a string, not an object"),
    ('{"open": [', "is not JSON (JSONDecodeError"),
    ("\xff\xfe", "is not JSON (UnicodeDecodeError"),
]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_a_gate_file_of_the_wrong_shape_is_reported_and_kept(
    service: Callable[..., Service], tmp_path: Path, content: str, problem: str
) -> None:
    gates = tmp_path / "state" / "gates.json"
    gates.parent.mkdir()
    gates.write_bytes(content.encode("latin-1"))
    running = service(gate_file=gates)
    running.wait_healthy()
    (report,) = [r for r in running.records() if r["level"] == "error"]
    assert report["file"] == str(gates)
    assert report["msg"].startswith(f"the gate file {gates} {problem}")
    assert 'Expected {"open": ["name.namespace", "rollback.name.namespace", ...]}' in report["msg"]
    assert "moved to gates.json.invalid" in report["msg"]
    assert httpx.post(f"{running.base}/gate/check", json=payload(), timeout=10).status_code == 403
    assert gates.read_bytes() == content.encode("latin-1")  # untouched until a gate changes
    assert httpx.post(f"{running.base}/gate/open", json=payload(), timeout=10).status_code == 202
    assert json.loads(gates.read_text()) == {"open": ["podinfo.test"]}
    assert (gates.parent / "gates.json.invalid").read_bytes() == content.encode("latin-1")
    assert "Traceback" not in running.log.read_text()


def test_bad_flags_are_clear_errors(service: Callable[..., Service]) -> None:
    running = service("-namespace-regexp", "team-(")
    assert running.popen.wait(timeout=30) == 2
    assert "-namespace-regexp is not a regular expression" in running.log.read_text()
    assert "Traceback" not in running.log.read_text()


def test_stopping_the_service_kills_its_tasks(service: Callable[..., Service]) -> None:
    running = service()
    running.wait_healthy()
    n = unique_seconds()
    started = httpx.post(
        f"{running.base}/", json=payload({"cmd": f"setsid sleep {n} & sleep {n}"}), timeout=10
    )
    assert started.status_code == 202
    assert until(lambda: len(processes_with(n)) == 2)
    running.popen.terminate()  # what Kubernetes does to the pod
    assert running.popen.wait(timeout=30) == 0
    assert until(lambda: not processes_with(n)), f"survivors: {processes_with(n)}"
    assert any(r["msg"].startswith("command cancelled and killed") for r in running.records())
