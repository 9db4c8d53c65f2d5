"""docs/metrics.md has a section for every metric provider, and each section's MetricTemplate is
valid, renders, and is accepted by its provider together with the Secret shown next to it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import yaml

from flagger_py.errors import ProviderAuthError
from flagger_py.manifest.check import check_document
from flagger_py.model.metric_template import MetricTemplate
from flagger_py.plugins import registry
from flagger_py.ports.metrics import ApiServer, MetricContext
from flagger_py.queries import template
from flagger_py.testing.objects import MemoryObjects
from tests.paths import REPO

PAGE = (REPO / "docs" / "metrics.md").read_text()
PROVIDERS = registry("metric provider")


def sections() -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for title, body in re.findall(r"^### (\S+)\n(.*?)(?=^##|\Z)", PAGE, re.S | re.M):
        blocks = re.findall(r"```yaml\n(.*?)```", body, re.S)
        found[title] = [d for block in blocks for d in yaml.safe_load_all(block) if d]
    return found


async def _no_auth() -> str | None:
    return None


def test_every_provider_has_a_section() -> None:
    assert sorted(sections()) == sorted(PROVIDERS.names())


@pytest.mark.parametrize("type", PROVIDERS.names())
def test_example_is_valid_and_accepted(type: str) -> None:
    docs = sections()[type]
    templates = [d for d in docs if d.get("kind") == "MetricTemplate"]
    secrets = {d["metadata"]["name"]: d.get("stringData", {}) for d in docs if d.get("kind") == "Secret"}
    assert templates, f"no MetricTemplate in the {type} section"
    for body in templates:
        verdict = check_document(body)
        assert verdict is not None
        assert verdict.valid, verdict.problems
        found = MetricTemplate.model_validate(body)
        assert found.spec.provider.type == type
        values = template.Variables("podinfo", "podinfo", "podinfo", "podinfo", "podinfo", "podinfo", "1m")
        template.render(found.spec.query, values)
        ref = found.spec.provider.secret_ref
        secret = secrets[ref.name] if ref else {}
        client = httpx.AsyncClient()
        context = MetricContext(client, client, MemoryObjects(), ApiServer(client, _no_auth))
        if type == "stackdriver" and "serviceAccountKey" not in secret:
            # Without serviceAccountKey, stackdriver uses the pod's ambient Google credentials,
            # which this machine does not have: the error says so.
            with pytest.raises(ProviderAuthError, match="no Google credentials"):
                PROVIDERS.get(type).configured(context, found.spec.provider, secret)
            continue
        PROVIDERS.get(type).configured(context, found.spec.provider, secret)
