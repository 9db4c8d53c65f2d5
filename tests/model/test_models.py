"""The models read every valid reference manifest, are frozen, speak camelCase, and name bad fields."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from flagger_py.errors import Problem
from flagger_py.model import Canary, MetricTemplate
from flagger_py.model.base import without_nulls
from flagger_py.model.duration import Duration
from flagger_py.model.problems import from_validation_error
from tests.validate.test_reference_manifests import DOCS, REJECTED_BY_FLAGGER

VALID = [(k, c) for k, c in DOCS if k not in REJECTED_BY_FLAGGER]
MODELS: dict[str, type[BaseModel]] = {"Canary": Canary, "MetricTemplate": MetricTemplate}


@pytest.mark.parametrize(("key", "content"), VALID, ids=[k for k, _ in VALID])
def test_reference_manifest_round_trips(key: str, content: Any) -> None:
    model = MODELS.get(content["kind"])
    if model is None:
        pytest.skip("AlertProvider references are covered by the validate tests")
    obj = model.model_validate(content)
    dumped = obj.model_dump(by_alias=True, exclude_none=True, exclude_defaults=False)
    spec = without_nulls(content["spec"])
    # Defaults the model fills in (sessionAffinity.maxAge, gateway ref group/kind) aside, nothing changes.
    assert _subset(spec, dumped["spec"]), key


def _subset(small: Any, big: Any) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _subset(v, big[k]) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list | tuple) and len(small) == len(big) and all(map(_subset, small, big))
    return bool(small == big)


def canary(**analysis: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "podinfo"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": 10, **analysis},
        },
    }


def test_frozen() -> None:
    obj = Canary.model_validate(canary())
    with pytest.raises(ValidationError):
        obj.spec.analysis.threshold = 1  # type: ignore[misc]


def test_durations_are_values() -> None:
    obj = Canary.model_validate(canary(interval="1m30s"))
    assert obj.spec.analysis.interval == Duration(90.0, "1m30s")
    assert obj.model_dump(by_alias=True)["spec"]["analysis"]["interval"] == "1m30s"


def test_unknown_field_named_with_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        Canary.model_validate(canary(metrics=[{"name": "request-success-rate", "treshold": 99}]))
    assert from_validation_error(info.value) == [
        Problem("spec.analysis.metrics[0].treshold", "unknown field"),
    ]


def test_type_error_named_with_its_path() -> None:
    with pytest.raises(ValidationError) as info:
        Canary.model_validate(canary(stepWeight="ten"))
    assert from_validation_error(info.value) == [
        Problem("spec.analysis.stepWeight", "must be an integer (got 'ten')"),
    ]


def test_status_is_read_leniently() -> None:
    obj = Canary.model_validate(
        {**canary(), "status": {"phase": "Progressing", "canaryWeight": 20, "somethingNew": 1}}
    )
    assert obj.status is not None
    assert (obj.status.phase, obj.status.canary_weight) == ("Progressing", 20)
