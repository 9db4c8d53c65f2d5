"""What the routers that match A/B traffic on request headers alone refuse in ``analysis.match``."""

from __future__ import annotations

from flagger_py.model.canary import Canary


def headers_only(canary: Canary, router: str) -> str | None:
    """Why ``router`` (as the message names it) cannot route the canary's A/B matches, or None: a match
    on query parameters or source labels, or one without headers."""
    for index, match in enumerate(canary.spec.analysis.match or ()):
        if match.query_params or match.source_labels or not match.headers:
            return (
                f"spec.analysis.match[{index}]: {router} routes A/B traffic by headers only; "
                "match on headers and remove queryParams and sourceLabels"
            )
    return None
