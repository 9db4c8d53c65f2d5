"""Flagger 1.44's own Knative Canaries (its tutorial and e2e suite) pass `flagger-py validate`, the
knative router's check, and `flagger-py simulate` to a promotion."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from flagger_py import cli
from flagger_py.manifest import loader
from flagger_py.model.canary import Canary
from flagger_py.plugins import registry
from flagger_py.ports import RouterContext
from flagger_py.testing.objects import MemoryObjects
from tests.validate.test_flagger_corpus import BY_KEY, CANARIES, SOURCE, needs_source

KNATIVE = [k for k in CANARIES if "knative" in k]


@pytest.mark.shared
@needs_source
def test_flagger_has_knative_examples() -> None:
    assert SOURCE is not None
    assert len(KNATIVE) >= 3, KNATIVE


@pytest.mark.shared
@needs_source
@pytest.mark.parametrize("key", KNATIVE)
def test_flagger_s_knative_canary_validates_checks_and_promotes(key: str, tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(BY_KEY[key].text)
    out, err = io.StringIO(), io.StringIO()
    assert cli.validate([str(path)], out=out, err=err) == cli.EXIT_OK, out.getvalue()
    (document,) = loader.documents(key, BY_KEY[key].text)
    canary = Canary.model_validate(document.content)
    assert canary.spec.provider == "knative"
    assert registry("router").get("knative")(RouterContext(MemoryObjects(), {})).check(canary) is None
    out, err = io.StringIO(), io.StringIO()
    code = cli.run_simulation(str(path), None, "json", out=out, err=err, mesh_provider="knative")
    assert code == cli.EXIT_OK, err.getvalue()
    assert json.loads(out.getvalue())["verdict"]["outcome"] == "promoted"
