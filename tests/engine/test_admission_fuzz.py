"""Admission over hostile Canaries: whatever a Canary's body holds (as the API server hands it over,
JSON values only), ``admission.parse`` answers a Canary or a ``Blocked`` naming a field, never an
exception, and its message stays short."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flagger_py.domain.conditions import Blocked
from flagger_py.engine import admission
from flagger_py.model import Canary
from tests.engine.test_admission import body

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.text(min_size=5000, max_size=20000),
    st.sampled_from(["0s", "-1h", "1e400", "NaN", "\x00", "1m100000000h", "99999999999999999999", "\u2028"]),
    st.recursive(
        st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=20,
    ),
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += paths(v, (*prefix, i))
    return out


SEED = body(
    {"service": {"port": 9898}},
    stepWeight=10,
    maxWeight=50,
    metrics=[{"name": "request-success-rate", "interval": "1m", "thresholdRange": {"min": 99}}],
    webhooks=[
        {"name": "load", "url": "http://loadtester.test/", "timeout": "5s", "metadata": {"cmd": "hey"}}
    ],
)
PATHS = paths(SEED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=st.lists(st.sampled_from(PATHS), min_size=1, max_size=3),
    values=st.lists(HOSTILE, min_size=3, max_size=3),
)
def test_no_body_makes_admission_raise_and_every_refusal_names_a_field(
    where: list[tuple[Any, ...]], values: list[Any]
) -> None:
    mutated = copy.deepcopy(SEED)
    for path, value in zip(where, values, strict=False):
        target: Any = mutated
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced this path's parent
    answer = admission.parse(mutated)
    assert isinstance(answer, Canary | Blocked)
    if isinstance(answer, Blocked):
        assert answer.message.startswith(("spec", "metadata", "apiVersion", "kind", "status")), answer.message
        assert len(answer.message) < 2000, len(answer.message)
