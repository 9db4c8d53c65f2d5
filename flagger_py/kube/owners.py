"""Owner references to a Canary, so that Kubernetes garbage-collects what flagger-py generated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary


def owner_reference(canary: Canary) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "name": canary.metadata.name,
        "uid": canary.metadata.uid or "",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: Mapping[str, Any] | None, canary: Canary) -> bool:
    """Whether ``obj`` carries an owner reference to this Canary."""
    refs = ((obj or {}).get("metadata") or {}).get("ownerReferences") or ()
    return any(ref.get("kind") == "Canary" and ref.get("uid") == canary.metadata.uid for ref in refs)


def owned(obj: dict[str, Any], canary: Canary) -> dict[str, Any]:
    """``obj`` with the Canary as its controller owner."""
    obj["metadata"]["ownerReferences"] = [owner_reference(canary)]
    return obj
