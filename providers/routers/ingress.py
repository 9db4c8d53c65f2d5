"""What the routers that write ``<ingress>-canary``, a copy of the user's Ingress ``spec.ingressRef``,
share (nginx, skipper): the copy's name, the refusal of a canary without the reference, and the read
of the original, which is never modified."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flagger_py.model.canary import Canary

from . import objects
from .objects import Names

API = "networking.k8s.io/v1"


class IngressCopyRouter(objects.OneObjectRouter, api=API, kind="Ingress"):
    """Base of the routers whose one object is a copy of the user's Ingress."""

    def refuse(self, canary: Canary) -> str | None:
        """Why the canary cannot be routed (it names no Ingress), or None."""
        ref = canary.spec.ingress_ref
        if ref is not None and ref.name:
            return None
        return (
            f"spec.ingressRef: provider {self.provider} routes through your Ingress; set spec.ingressRef to "
            "{apiVersion: networking.k8s.io/v1, kind: Ingress, name: <the Ingress of the apex Service>}"
        )

    def name(self, canary: Canary) -> str:
        ref = canary.spec.ingress_ref
        return f"{ref.name if ref else Names.of(canary).apex}-canary"

    async def original(self, canary: Canary) -> tuple[str, Mapping[str, Any]]:
        """The name of the user's Ingress and the Ingress; SpecError naming spec.ingressRef.name when it
        does not exist."""
        ref = canary.spec.ingress_ref
        assert ref is not None  # check() refuses the canary otherwise
        field = "spec.ingressRef.name"
        return ref.name, await objects.referenced(self.cluster, API, self.kind, canary, ref.name, field)
