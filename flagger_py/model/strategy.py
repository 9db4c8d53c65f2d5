"""Which deployment strategies a Canary asks of its router (Flagger's docs, "Deployment strategies").

Routers declare the strategies they can carry out; a Canary that needs one its router cannot do is
refused before any traffic moves, instead of being silently run as another strategy.
"""

from __future__ import annotations

from typing import Literal

from flagger_py.model.canary import Analysis, Canary

RunKind = Literal["canary", "blue-green", "ab-testing"]
"""How a run moves traffic: by weight steps, all at once after iterations, or by request matching."""

Strategy = Literal["canary", "a/b testing", "blue/green", "traffic mirroring", "session affinity"]
ALL: tuple[Strategy, ...] = ("canary", "a/b testing", "blue/green", "traffic mirroring", "session affinity")

# Where each strategy is asked for, to name the field in an error message.
FIELDS: dict[Strategy, str] = {
    "canary": "spec.analysis.stepWeight",
    "a/b testing": "spec.analysis.match",
    "blue/green": "spec.analysis.iterations",
    "traffic mirroring": "spec.analysis.mirror",
    "session affinity": "spec.analysis.sessionAffinity",
}


def run_kind(analysis: Analysis) -> RunKind:
    """Flagger's ``DeploymentStrategy()``, from the analysis alone: A/B testing with iterations and match
    conditions, blue/green with iterations, canary otherwise (``iterations: 0`` is no iterations). The
    state machine adds one rule (``domain.effective.strategy``: the kubernetes provider runs blue/green)."""
    if not analysis.iterations:
        return "canary"
    return "ab-testing" if analysis.match else "blue-green"


KIND_STRATEGY: dict[RunKind, Strategy] = {
    "canary": "canary",
    "blue-green": "blue/green",
    "ab-testing": "a/b testing",
}


def used_by(canary: Canary) -> tuple[Strategy, ...]:
    """The strategies ``canary`` uses, in the order of ``ALL``: its kind of run, request matching
    (``match`` on a weighted canary too: the router must honour it), mirroring, session affinity."""
    analysis = canary.spec.analysis
    used: set[Strategy] = {KIND_STRATEGY[run_kind(analysis)]}
    if analysis.match:
        used.add("a/b testing")
    if analysis.mirror:
        used.add("traffic mirroring")
    if analysis.session_affinity is not None:
        used.add("session affinity")
    return tuple(s for s in ALL if s in used)


def unsupported(canary: Canary, provider: str, supported: frozenset[Strategy]) -> str | None:
    """Why ``provider`` cannot route ``canary`` (the first strategy it lacks), or None."""
    for strategy in used_by(canary):
        if strategy not in supported:
            can = ", ".join(s for s in ALL if s in supported)
            return (
                f"{FIELDS[strategy]}: provider {provider} cannot do {strategy} (it can do: {can}); "
                f"remove the field or use a provider that supports {strategy}"
            )
    return None
