"""The pydantic base every model of a user-written object derives from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Spec(BaseModel):
    """Frozen, camelCase on the wire, unknown fields rejected (with their path)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        strict=False,
    )


class Observed(BaseModel):
    """Frozen, camelCase; unknown fields ignored: for status and metadata written by servers."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
    )
