"""Which deployment strategies a Canary asks of its router (Flagger's docs, "Deployment strategies").

Routers declare the strategies they can carry out; a Canary that needs one its router cannot do is
refused before any traffic moves, instead of being silently run as another strategy.
"""

from __future__ import annotations

from typing import Literal

from flagger_py.model.canary import Canary

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


def used_by(canary: Canary) -> tuple[Strategy, ...]:
    """The strategies ``canary`` uses, in the order of ``ALL``."""
    analysis = canary.spec.analysis
    used: list[Strategy] = []
    if analysis.iterations is None:
        used.append("canary")
    if analysis.match:
        used.append("a/b testing")
    elif analysis.iterations is not None:
        used.append("blue/green")
    if analysis.mirror:
        used.append("traffic mirroring")
    if analysis.session_affinity is not None:
        used.append("session affinity")
    return tuple(used)


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
