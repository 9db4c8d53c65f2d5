"""docs/crd-reference.md is current with crds/."""

from __future__ import annotations

from flagger_py.crd import reference
from tests.paths import REPO


def test_crd_reference_is_current() -> None:
    page = (REPO / "docs" / "crd-reference.md").read_text()
    assert page == reference.render(), (
        "regenerate: python -m flagger_py.crd.reference > docs/crd-reference.md"
    )


def test_every_flagger_kind_has_a_section() -> None:
    page = reference.render()
    for kind in ("## Canary", "## MetricTemplate", "## AlertProvider"):
        assert kind in page
    assert "`spec.analysis.stepWeights`" in page
