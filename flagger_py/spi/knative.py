"""What the Knative router and the Knative target share: the Service fields flagger-py owns.

Both write the same three fields of a Knative Service in one server-side apply; the functions are
``flagger_py.desired.knative``'s, and the Knative router plugin reaches them as ``flagger_py.spi.knative``.
"""

from flagger_py.desired.knative import (
    API,
    PRIMARY_REVISION,
    REVISION,
    SERVICE,
    describe,
    is_knative,
    latest_created,
    owned,
    primary_revision,
    problems,
    released,
    spec_routes,
    status_routes,
)

__all__ = [
    "API",
    "PRIMARY_REVISION",
    "REVISION",
    "SERVICE",
    "describe",
    "is_knative",
    "latest_created",
    "owned",
    "primary_revision",
    "problems",
    "released",
    "spec_routes",
    "status_routes",
]
