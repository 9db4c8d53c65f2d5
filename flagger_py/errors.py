"""The one exception tree of flagger-py.

Every error the product raises on purpose is one of these. Transport errors (httpx, the
Kubernetes client, YAML parsers) never leave the layer that caught them: they are translated
into this tree and chained as ``__cause__``.

    FlaggerError
    ├── SpecError               a user's object is invalid; carries the list of problems
    │   ├── TargetNotFound      spec.targetRef names a workload that does not exist
    │   └── TargetInvalid       the target cannot be released (no selector label, unsupported kind)
    ├── PluginError
    │   └── PluginNotFound      no router / metric provider / notifier of that name
    ├── ProviderError
    │   ├── ProviderUnavailable network error, timeout, 5xx: worth retrying
    │   ├── ProviderAuthError   401/403 or missing credentials
    │   ├── ProviderConfigError the template or provider settings are wrong
    │   └── NoDataError         the query ran and returned no value
    ├── RouterError             the mesh or ingress has not taken the routes (yet): retried next tick
    └── KubeError               the Kubernetes API refused or failed a request
        ├── KubeNotFound        404: the object does not exist
        ├── KubeConflict        409: changed since read, or a field owned by another manager
        ├── KubeForbidden       401/403: RBAC does not allow it
        ├── KubeInvalid         400/422: the API server rejected the object
        └── KubeUnavailable     network error, timeout, 429, 5xx: worth retrying
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a user's object: where (``spec.analysis.stepWeight``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FlaggerError(Exception):
    """Root of every error flagger-py raises on purpose."""


class SpecError(FlaggerError):
    """A user's object is invalid.

    ``problems`` are lines of the form ``spec.analysis.stepWeight: must be an integer (got 'ten')``,
    written for the person who wrote the YAML.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(map(str, self.problems)) if self.problems else "invalid object")


class TargetNotFound(SpecError):
    """spec.targetRef names a workload that does not exist."""


class TargetInvalid(SpecError):
    """The target exists but cannot be released (no selector label, unsupported kind)."""


class PluginError(FlaggerError):
    """A plugin could not be loaded or registered."""


class PluginNotFound(PluginError):
    """No plugin of that name in the entry-point group; lists the available names."""

    def __init__(self, group: str, name: str, available: Sequence[str]) -> None:
        self.group = group
        self.name = name
        self.available: tuple[str, ...] = tuple(sorted(available))
        names = ", ".join(self.available) or "none installed"
        super().__init__(f"unknown {group} {name!r}; available: {names}")


class ProviderError(FlaggerError):
    """A metrics provider, router backend or notifier failed."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or answered with a server error."""


class ProviderAuthError(ProviderError):
    """The provider refused the credentials, or none were configured."""


class ProviderConfigError(ProviderError):
    """The provider settings or the query are wrong; retrying will not help."""


class NoDataError(ProviderError):
    """The query ran but returned no value (empty result or NaN)."""


class RouterError(FlaggerError):
    """The mesh or ingress has not (yet) taken the routes, e.g. a Gateway has not accepted an HTTPRoute."""


class KubeError(FlaggerError):
    """The Kubernetes API refused or failed a request; the message names the object and the reason."""


class KubeNotFound(KubeError):
    """The object does not exist."""


class KubeConflict(KubeError):
    """The object changed since it was read, or an apply conflicts with another field manager."""


class KubeForbidden(KubeError):
    """RBAC does not allow the request (or the credentials were refused)."""


class KubeInvalid(KubeError):
    """The API server rejected the object as invalid."""


class KubeUnavailable(KubeError):
    """The API server could not be reached, timed out, throttled or failed: worth retrying."""


__all__ = [
    "FlaggerError",
    "KubeConflict",
    "KubeError",
    "KubeForbidden",
    "KubeInvalid",
    "KubeNotFound",
    "KubeUnavailable",
    "NoDataError",
    "PluginError",
    "PluginNotFound",
    "Problem",
    "ProviderAuthError",
    "ProviderConfigError",
    "ProviderError",
    "ProviderUnavailable",
    "RouterError",
    "SpecError",
    "TargetInvalid",
    "TargetNotFound",
]
