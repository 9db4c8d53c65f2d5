"""docs/routers/ has a page for every built-in router, and each page's example Canary is valid and
accepted by that router's check()."""

from __future__ import annotations

import re

import yaml

from flagger_py.manifest.check import check_document
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.ports import RouterContext
from flagger_py.testing.objects import MemoryObjects
from tests.paths import REPO

PAGES = REPO / "docs" / "routers"


def examples(text: str) -> list[dict[str, object]]:
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return [d for block in blocks for d in yaml.safe_load_all(block) if d and d.get("kind") == "Canary"]


def test_every_router_has_a_page_with_a_valid_example() -> None:
    pages = {p.name: p.read_text() for p in PAGES.glob("*.md")}
    routers = registry("router")
    for name in routers.names():
        found = [text for text in pages.values() if f"`{name}`" in text.splitlines()[0]]
        assert found, f"no page under docs/routers/ is titled with `{name}`"
    for page, text in pages.items():
        canaries = examples(text)
        assert canaries, f"{page} has no example Canary"
        for body in canaries:
            verdict = check_document(body)
            assert verdict is not None
            assert verdict.valid, (page, verdict.problems)
            canary = Canary.model_validate(body)
            router = routers.get(str(canary.spec.provider))(RouterContext(MemoryObjects(), {}))
            assert router.check(canary) is None, (page, router.check(canary))
