"""The load tester's ``-timeout`` around a run on a remote service (a Concord process, an nGrinder test):
start it, follow it to its end, and say how far it got when the time ran out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flagger_py.loadtester.remote import RemoteError
from flagger_py.loadtester.tasks import Outcome

Id = TypeVar("Id")


@dataclass
class RemoteRun(Generic[Id]):
    """One run: the id the service gave it once started (None before)."""

    started: Id | None = None


async def start_and_follow(
    timeout: float,
    run: RemoteRun[Id],
    start: Callable[[], Awaitable[Id]],
    follow: Callable[[Id], Awaitable[Outcome]],
    refused: str,
) -> Outcome | None:
    """The outcome of ``follow`` once ``start`` has given the run its id, all within ``timeout``; a start
    the service refuses is the outcome ``<refused>: <why>``. None when ``timeout`` ran out (``run``
    says whether the run had started); a timeout of anything else inside is not caught."""
    scope = asyncio.timeout(timeout)
    try:
        async with scope:
            try:
                run.started = await start()
            except RemoteError as exc:
                return Outcome(error=f"{refused}: {exc}")
            return await follow(run.started)
    except TimeoutError:
        if not scope.expired():
            raise
        return None


def ran_out(timeout: float, how_far: str) -> Outcome:
    """Flagger's outcome when the load tester's ``-timeout`` ran out, then ``how_far`` the run got."""
    return Outcome(error=f"context timedout: the load tester's -timeout ({timeout:g}s) ran out{how_far}")
