"""docs/webhooks.md, docs/loadtester.md and docs/alerting.md: every example is accepted as written.

Manifests pass the CRDs and models (a ``webhooks:`` fragment inside a Canary), the payloads shown are
the payloads sent, command lines parse with the loadtester's own flags, and every endpoint a ``curl``
calls is one the loadtester serves.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest
import yaml

from flagger_py.loadtester.main import parser
from flagger_py.loadtester.server import app
from flagger_py.manifest.check import check_document
from flagger_py.model.canary import Canary
from flagger_py.webhooks.caller import payload
from tests.cluster import workloads
from tests.paths import REPO

PAGES = ("webhooks.md", "loadtester.md", "alerting.md")


def blocks(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (REPO / "docs" / page).read_text(), re.S)


def documents(page: str) -> list[dict[str, Any]]:
    return [d for block in blocks(page, "yaml") for d in yaml.safe_load_all(block) if d]


def canary_with(analysis: dict[str, Any]) -> dict[str, Any]:
    return workloads.canary("test", **analysis)


@pytest.mark.parametrize("page", PAGES)
def test_every_manifest_is_accepted(page: str) -> None:
    found = documents(page)
    assert found, f"no YAML example in {page}"
    for doc in found:
        body = canary_with(doc) if "kind" not in doc else doc
        verdict = check_document(body)
        if verdict is None:  # a Kubernetes object of another group: well-formed at least
            assert {"apiVersion", "kind", "metadata"} <= set(doc), doc
            continue
        assert verdict.valid, (page, verdict.problems)


def test_the_complete_example_uses_every_gate_and_a_route() -> None:
    canaries = [Canary.model_validate(d) for d in documents("webhooks.md") if d.get("kind") == "Canary"]
    assert len(canaries) == 1
    analysis = canaries[0].spec.analysis
    kinds = {w.type or "rollout" for w in analysis.webhooks or ()}
    assert {"pre-rollout", "rollout", "confirm-promotion", "rollback", "event"} <= kinds
    assert analysis.alerts


def test_the_payloads_shown_are_the_payloads_sent() -> None:
    shown = [json.loads(block) for block in blocks("webhooks.md", "json")]
    sent = payload(Canary.model_validate(canary_with({})), "Progressing", {"type": "bash"})
    assert shown
    for body in shown:
        assert set(body) == set(sent)
    assert set(shown[1]["metadata"]) == {"eventMessage", "eventType", "timestamp"}


def _commands(page: str) -> list[list[str]]:
    lines = [line for block in blocks(page, "sh") for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith("#")]


def test_command_lines_parse() -> None:
    started = [c for c in _commands("loadtester.md") if c[:2] == ["flagger-py", "loadtester"]]
    in_pods = [d for d in documents("loadtester.md") if d.get("kind") == "Deployment"]
    args = [c[2:] for c in started]
    args += [c["args"][1:] for d in in_pods for c in d["spec"]["template"]["spec"]["containers"]]
    assert len(args) == 2
    for argv in args:
        parser().parse_args(argv)


def test_every_curl_calls_a_loadtester_endpoint() -> None:
    served = {route.resource.canonical for route in app().router.routes() if route.resource is not None}
    calls = [c for page in PAGES for c in _commands(page) if c[0] == "curl"]
    assert len(calls) >= 3
    for call in calls:
        url = next(a for a in call if a.startswith("http"))
        path = "/" + url.split("/", 3)[3]
        assert path in served, f"{' '.join(call)}: the loadtester has no {path}"
        body = json.loads(call[call.index("-d") + 1])
        assert set(body) == {"name", "namespace"}
