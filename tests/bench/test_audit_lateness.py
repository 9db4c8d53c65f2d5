"""The scale benchmark's reading of the audit log: a tick that halted because the promoted primary was
still rolling out writes no status, and is counted as such, not as a tick one interval late."""

from __future__ import annotations

from bench.scale import audit
from bench.scale.runner import lateness

NS = "bench"


def _write(at: float, resource: str, name: str, subresource: str = "") -> audit.Request:
    return audit.Request(at, "patch", resource, subresource, NS, name)


def _release(held: bool) -> list[audit.Request]:
    """Status writes every 10 s; the primary promoted at 30 s; with ``held``, the tick at 40 s wrote
    nothing."""
    found = [_write(t + 0.1, "canaries", "app", "status") for t in (0, 10, 20, 30)]
    found.append(_write(30.05, "deployments", "app-primary"))
    found += [_write(t + 0.1, "canaries", "app", "status") for t in ((50, 60) if held else (40, 50))]
    return sorted(found, key=lambda r: r.at)


def test_a_tick_held_by_the_primary_rollout_is_a_wait_not_lateness() -> None:
    found = _release(held=True)
    waits = audit.primary_waits(found, NS, 10)
    assert waits == {"app": 30.1}
    assert max(lateness(audit.status_writes(found, NS), 10, waits)) < 1e-6
    assert max(lateness(audit.status_writes(found, NS), 10)) > 9.9  # without: one interval late


def test_a_primary_ready_by_the_next_tick_is_no_wait() -> None:
    found = _release(held=False)
    assert audit.primary_waits(found, NS, 10) == {}


def test_a_late_tick_elsewhere_still_counts() -> None:
    found = _release(held=True)
    found.append(_write(75.0, "canaries", "app", "status"))  # 14.9 s after the 60 s tick
    waits = audit.primary_waits(found, NS, 10)
    assert max(lateness(audit.status_writes(found, NS), 10, waits)) > 4.8
