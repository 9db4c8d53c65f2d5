"""The pydantic base every model of a user-written object derives from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

WIRE = ConfigDict(alias_generator=to_camel, populate_by_name=True)
"""camelCase on the wire, snake_case accepted in Python. ``frozen=True`` is written out in each
model_config: the pydantic mypy plugin sees it only there (then an assignment is a type error)."""


class Spec(BaseModel):
    """Frozen, camelCase on the wire, unknown fields rejected (with their path)."""

    model_config = ConfigDict(**WIRE, frozen=True, extra="forbid", strict=False)


class Observed(BaseModel):
    """Frozen, camelCase; unknown fields ignored: for status and metadata written by servers."""

    model_config = ConfigDict(**WIRE, frozen=True, extra="ignore")


def without_nulls(value: Any) -> Any:
    """Drop null fields, as the API server does before storing an object."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value
