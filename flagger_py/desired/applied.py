"""Whether an object in the cluster already holds what a server-side apply of ours would write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contains(have: Any, want: Any) -> bool:
    """Whether ``have`` already has every field of ``want`` (then applying would change nothing): maps
    may hold more keys, lists must match element by element."""
    if isinstance(want, Mapping):
        return isinstance(have, Mapping) and all(contains(have.get(k), v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and len(have) == len(want) and all(map(contains, have, want))
    return bool(have == want)
