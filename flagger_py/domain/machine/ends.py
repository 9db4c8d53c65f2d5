"""The ends of a run: Succeeded (promoted, or with ``skipAnalysis`` skipped), rolled back (Failed:
traffic back on the primary) and failed promotion (Failed: the primary broke while promoting, traffic
kept on the canary)."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from flagger_py.domain import actions as act
from flagger_py.domain import hook_events
from flagger_py.domain.machine.context import Tick
from flagger_py.domain.machine.decision import Decision
from flagger_py.domain.machine.status_change import StatusChange
from flagger_py.domain.observations import HookOutcome, Observe
from flagger_py.domain.weights import ALL_CANARY, ALL_PRIMARY


def finalise(t: Tick) -> Decision:
    """``Finalising``: all traffic is on the new primary; the run succeeded."""
    return succeeded(
        t,
        "promoted",
        f"Promotion completed! Scaling down {t.target}",
        "Canary analysis completed successfully, promotion finished.",
    )


def skip(t: Tick) -> Decision:
    """``skipAnalysis``: promote at once, without analysis."""
    return succeeded(
        t,
        "skipped",
        f"Promotion completed! Canary analysis was skipped for {t.target}",
        "Canary analysis was skipped, promotion finished.",
        act.SetRoutes(ALL_PRIMARY),
        act.Promote(),
        act.ReconcilePrimaryScaler(),
    )


def succeeded(
    t: Tick, outcome: Literal["promoted", "skipped"], event: str, alert: str, *first: act.Action
) -> Decision:
    """End the run as Succeeded: canary down, post-rollout hooks, event and alert."""
    return t.done(
        *first,
        act.PauseScaler(),
        act.ScaleToZero(),
        act.RecordRelease(outcome),
        act.CallWebhooks("post-rollout", "Succeeded"),
        t.event(event),
        act.Notify("info", alert),
        status=t.enter("Succeeded"),
    )


def rollback_if_asked(t: Tick) -> Decision | Observe | None:
    """The rollback hooks: a rollback when one asks for it, or their outcome needed first; None when
    none asks."""
    asked = t.hook("rollback")
    if isinstance(asked, Observe):
        return asked
    return manual_rollback(t, asked) if asked.passed else None


def manual_rollback(t: Tick, asked: HookOutcome) -> Decision:
    """A rollback hook asked for a rollback."""
    checked = t.event(hook_events.failure("rollback", asked, t.canary), warning=True)
    message = f"Rolling back {t.canary} manual webhook invoked"
    out = rollback(t, message, alert="Rolling back manual webhook invoked", severity="warn")
    return replace(out, actions=(checked, *out.actions))


def rollback(t: Tick, message: str, alert: str | None = None, severity: act.Severity = "error") -> Decision:
    """End the run as Failed: traffic back on the primary, canary down, post-rollout hooks."""
    out: list[act.Action] = [
        act.SetRoutes(ALL_PRIMARY),
        t.event(message, warning=True),
        t.event(f"Canary failed! Scaling down {t.canary}", warning=True),
        act.PauseScaler(),
        act.ScaleToZero(),
        act.RecordRelease("rolled back"),
        act.CallWebhooks("post-rollout", "Failed"),
    ]
    if alert is not None:
        out.append(act.Notify(severity, alert))
    return t.done(*out, status=t.enter("Failed"))


def failed_promotion(t: Tick, reason: str) -> Decision:
    """Flagger 1.44: the primary broke while promoting; keep all traffic on the (good) canary."""
    return t.done(
        act.SetRoutes(ALL_CANARY),
        t.event(f"Promotion failed! Primary of {t.canary} is not ready: {reason}", warning=True),
        act.RecordRelease("rolled back"),
        act.CallWebhooks("post-rollout", "Failed"),
        act.Notify("error", f"Promotion failed, primary not ready: {reason}"),
        status=t.enter("Failed", StatusChange(canary_weight=100)),
    )
