"""Releases on real traffic, for each router Traefik implements: ``traefik`` (its CRD provider) and
``gatewayapi:v1`` (its Gateway API provider). Each scenario asserts the outcome, the weights the
pods really served at every step, and what clients got; its figures go to results.py's table."""

from __future__ import annotations

from typing import Any

import pytest

from .release import Release, rows
from .routers import Router
from .scenario import canary_analysis, follow, initialized, record
from .traffic import assert_steps

pytestmark = pytest.mark.timeout(600)


def test_progressive_canary_is_promoted_with_the_declared_weights_on_the_wire(
    run: Release, router: Router
) -> None:
    initialized(run, router, canary_analysis(threshold=5, webhooks=[run.load_webhook()]))
    windows, [clients], took = follow(run, router.weight(run), "Succeeded")
    assert_steps(windows, [10, 20, 30, 40, 50])
    slow = "\n".join(run.env.traefik.slow_or_failed(run.host))
    assert clients.failures() == 0, f"{clients.describe_failures(windows)}\nTraefik:\n{slow}"
    run.wait_serving("v2")
    record(run, router, "progressive canary, good version", "promoted", took, None, [clients], windows)


@pytest.mark.parametrize(
    ("fault", "version"),
    [("5xx", {"error_rate": 0.3}), ("latency", {"latency": "700ms"})],
)
def test_bad_version_is_rolled_back_and_only_the_canary_share_of_clients_saw_it(
    run: Release, router: Router, fault: str, version: dict[str, Any]
) -> None:
    initialized(run, router, canary_analysis(webhooks=[run.load_webhook()]))
    windows, [clients], took = follow(run, router.weight(run), "Failed", **version)
    # Traffic is back on the primary: the proxy applies weight 0, and clients get v1 only.
    assert router.weight(run)() in (0, None)
    run.wait_serving("v1")
    bad = [t for t, _, v in clients.answers if v == "v2"]
    assert bad, "the bad version received traffic before it was stopped"
    back = next((w.started for w in windows if w.phase == "Failed" and w.weight == 0), None)
    assert back is not None, rows(windows)
    assert not [a for a in clients.answers if a[2] == "v2" and a[0] > back + 2.0], "v2 served after rollback"
    assert all(w.weight <= 10 for w in windows), "never past the first step"
    if fault == "5xx":
        late = [a for a in clients.answers if a[1] >= 500 and a[0] > back + 2.0]
        assert not late, f"errors after traffic went back to the primary: {late}"
    record(run, router, f"bad version ({fault})", "rolled back", took, back - bad[0], [clients], windows)
