"""Session-affinity cookies of a run: ``<cookieName>=<10 letters>``, derived from the canary and the
revision so that decide() stays pure (Flagger draws them at random in the router)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

from flagger_py.model.canary import SessionAffinity


@dataclass(frozen=True)
class RunCookies:
    """The cookies of one run: ``status.sessionAffinityCookie`` and ``primarySessionAffinityCookie``
    (None without ``primaryCookieName``)."""

    session: str
    primary: str | None


def cookie(name: str, seed: str) -> str:
    """A cookie ``name=<10 lowercase letters>`` that depends only on ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    return f"{name}=" + "".join(string.ascii_lowercase[b % 26] for b in digest[:10])


def for_run(affinity: SessionAffinity, canary: str, revision: str) -> RunCookies:
    """The cookies of a new run of ``canary`` on ``revision``."""
    primary = affinity.primary_cookie_name
    return RunCookies(
        session=cookie(affinity.cookie_name, f"{canary}/{revision}/canary"),
        primary=cookie(primary, f"{canary}/{revision}/primary") if primary else None,
    )
