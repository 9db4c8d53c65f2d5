"""The wall clock, as the engine's Clock port."""

from __future__ import annotations

import datetime as dt

from flagger_py.domain.observations import Instant


class WallClock:
    def now(self) -> Instant:
        moment = dt.datetime.now(dt.UTC)
        return Instant(moment.timestamp(), moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
