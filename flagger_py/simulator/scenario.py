"""The scenario file: metric series, webhook outcomes, readiness and revisions over virtual time."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, field_validator, model_validator

from flagger_py.domain import verdicts
from flagger_py.model.base import Spec
from flagger_py.model.canary import Metric
from flagger_py.model.duration import Duration, DurationField
from flagger_py.model.problems import BRANCH, shown

MAX_SEED = 2**64 - 1


class Ramp(Spec):
    """A straight line from ``from`` at ``start`` to ``to`` at ``end``; flat outside."""

    from_: float = Field(alias="from", allow_inf_nan=False)
    to: float = Field(allow_inf_nan=False)
    start: DurationField = Duration(0.0, "0s")
    end: DurationField

    @model_validator(mode="after")
    def _ordered(self) -> Ramp:
        if self.end.seconds <= self.start.seconds:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        return self


class StepPoint(Spec):
    """From ``at`` on, the value is ``value`` (``.nan``: a NaN answer, which counts as no data;
    ``.inf``: a value past every bound)."""

    at: DurationField
    value: float


class Noise(Spec):
    """Gaussian noise added to every value, reproducible through its seed."""

    stddev: float = Field(ge=0, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)


class MetricScript(Spec):
    """One metric over time: exactly one of value, ramp, steps or noData."""

    value: float | None = None
    ramp: Ramp | None = None
    steps: tuple[StepPoint, ...] | None = None
    no_data: bool | None = None
    noise: Noise | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> MetricScript:
        if self.steps == ():
            raise ValueError("steps must list at least one {at, value} point")
        shapes = [n for n in ("value", "ramp", "steps", "no_data") if getattr(self, n) not in (None, False)]
        if len(shapes) != 1:
            names = "value, ramp, steps or noData"
            raise ValueError(f"set exactly one of {names} (got {', '.join(shapes) or 'none'})")
        return self

    def series(self) -> Callable[[float], verdicts.Result]:
        rng = random.Random(self.noise.seed) if self.noise else None

        def at(t: float) -> verdicts.Result:
            if self.no_data:
                return verdicts.NoData("prometheus")
            value = self._base(t)
            if rng is not None and self.noise is not None:
                value += rng.gauss(0.0, self.noise.stddev)
            return verdicts.Value(round(value, 1))

        return at

    def _base(self, t: float) -> float:
        if self.value is not None:
            return self.value
        if self.ramp is not None:
            r = self.ramp
            share = min(1.0, max(0.0, (t - r.start.seconds) / (r.end.seconds - r.start.seconds)))
            return r.from_ * (1 - share) + r.to * share  # no overflow between two finite floats
        assert self.steps is not None
        current = self.steps[0].value
        for point in sorted(self.steps, key=lambda p: p.at.seconds):
            if point.at.seconds <= t:
                current = point.value
        return current


class Window(Spec):
    """A time window [from, to) of virtual time since the start; ``to`` must come after ``from``
    (windows are offsets, not times of day: none crosses midnight)."""

    from_: DurationField = Field(alias="from")
    to: DurationField

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.to.seconds <= self.from_.seconds:
            raise ValueError(
                f"to ({self.to}) must come after from ({self.from_}); a window is [from, to) "
                "of time since the start, so write the earlier time as from"
            )
        return self


_FAIL_SHAPE = "must be always, never, or a list of {from, to} windows"


def _fail_shape(value: object) -> object:
    if value in ("always", "never") or isinstance(value, list | tuple):
        return value
    raise ValueError(f"{_FAIL_SHAPE} (got {shown(value)})")


def _fail_kind(value: object) -> str:
    return f"{BRANCH}word" if isinstance(value, str) else f"{BRANCH}windows"


class WebhookScript(Spec):
    """When a webhook fails: always, never (default), or in time windows."""

    fail: Annotated[
        Annotated[Literal["always", "never"], Tag(f"{BRANCH}word")]
        | Annotated[tuple[Window, ...], Tag(f"{BRANCH}windows")],
        Discriminator(_fail_kind),
        BeforeValidator(_fail_shape),
    ] = "never"
    message: str = "the webhook answered 500"

    def fails_at(self, t: float) -> bool:
        if self.fail == "always":
            return True
        if self.fail == "never":
            return False
        return any(w.from_.seconds <= t < w.to.seconds for w in self.fail)


class Readiness(Spec):
    """How long workloads take to become ready after a change; which ones never do."""

    primary: DurationField = Duration(0.0, "0s")
    canary: DurationField = Duration(0.0, "0s")
    broken: tuple[Literal["primary", "canary"], ...] = ()


class Scenario(Spec):
    """What happens around the canary while it runs."""

    description: str = "a healthy release"
    duration: DurationField = Duration(4 * 3600.0, "4h")
    revisions: tuple[DurationField, ...] = (Duration(0.0, "0s"),)
    readiness: Readiness = Readiness()
    progress_deadline: DurationField | None = None
    metrics: dict[str, MetricScript] = Field(default_factory=dict)
    webhooks: dict[str, WebhookScript] = Field(default_factory=dict)

    @field_validator("duration")
    @classmethod
    def _positive(cls, duration: Duration) -> Duration:
        if duration.seconds <= 0:
            raise ValueError(f"must be longer than 0s (got {duration}); leave it out for the default 4h")
        return duration

    @field_validator("revisions")
    @classmethod
    def _some_revision(cls, revisions: tuple[Duration, ...]) -> tuple[Duration, ...]:
        if not revisions:
            raise ValueError("must list at least one time (leave it out for [0s]: one new revision at once)")
        return revisions

    @model_validator(mode="after")
    def _revisions_happen(self) -> Scenario:
        for index, revision in enumerate(self.revisions):
            if revision.seconds > self.duration.seconds:
                raise ValueError(
                    f"revisions[{index}] ({revision}) comes after the scenario's duration "
                    f"({self.duration}), so it would never happen; lengthen duration or drop it"
                )
        return self


def healthy_value(metric: Metric) -> float:
    """A value that passes ``metric``'s check: the middle of its range, or well inside its bound."""
    low, high = None, None
    if metric.threshold_range is not None:
        low, high = metric.threshold_range.min, metric.threshold_range.max
    elif metric.threshold is not None:
        low, high = (
            (metric.threshold, None) if metric.name == verdicts.SUCCESS_RATE else (None, metric.threshold)
        )
    if low is not None and high is not None:
        return (low + high) / 2
    if low is not None:
        return (low + 100.0) / 2 if low <= 100 else low * 1.1
    if high is not None:
        return high / 2
    return 0.0
