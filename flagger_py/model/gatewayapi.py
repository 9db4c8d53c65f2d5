"""Gateway API references embedded in ``Canary.spec.service`` (gatewayRefs, mirror)."""

from __future__ import annotations

from pydantic import Field, model_validator

from flagger_py.model.base import Spec

_DNS_SUBDOMAIN = r"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_KIND = r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$"
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_SECTION = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


class ParentReference(Spec):
    """A Gateway (or other parent) the generated HTTPRoute attaches to."""

    group: str = Field(default="gateway.networking.k8s.io", max_length=253, pattern=_DNS_SUBDOMAIN)
    kind: str = Field(default="Gateway", min_length=1, max_length=63, pattern=_KIND)
    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = Field(default=None, min_length=1, max_length=63, pattern=_DNS_LABEL)
    section_name: str | None = Field(default=None, min_length=1, max_length=253, pattern=_SECTION)
    port: int | None = Field(default=None, ge=1, le=65535)


class BackendObjectReference(Spec):
    """Where mirrored requests go."""

    group: str = Field(default="", max_length=253, pattern=_DNS_SUBDOMAIN)
    kind: str = Field(default="Service", min_length=1, max_length=63, pattern=_KIND)
    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = Field(default=None, min_length=1, max_length=63, pattern=_DNS_LABEL)
    port: int | None = Field(default=None, ge=1, le=65535)

    @model_validator(mode="after")
    def _service_needs_port(self) -> BackendObjectReference:
        if self.group == "" and self.kind == "Service" and self.port is None:
            raise ValueError("Must have port for Service reference")
        return self


class HTTPRequestMirrorFilter(Spec):
    """A static request mirror on the HTTPRoute."""

    backend_ref: BackendObjectReference
