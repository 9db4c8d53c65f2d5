"""Admission: what makes a Canary impossible to act on, found before its run: an invalid spec, an
unknown provider, a target its router cannot route, a reference to another namespace when the
controller forbids those, a workload claimed by another Canary. Each is a ``Blocked`` with the field
and the fix in its message; ``admit`` is the order they are looked at."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from flagger_py.desired import knative, service_routing
from flagger_py.domain.conditions import Blocked
from flagger_py.domain.effective import Effective, Settings
from flagger_py.errors import PluginError, PluginNotFound
from flagger_py.model.base import without_nulls
from flagger_py.model.canary import Canary
from flagger_py.model.problems import from_validation_error
from flagger_py.ports import Router
from flagger_py.ports.adapters import Routers

SHOWN_PROBLEMS = 3


def parse(body: Mapping[str, Any]) -> Canary | Blocked:
    """The Canary model of ``body``, or why it is invalid (the first three problems)."""
    try:
        return Canary.model_validate(without_nulls(dict(body)))
    except ValidationError as exc:
        problems = from_validation_error(exc)
        shown = "; ".join(str(p) for p in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        if more > 0:
            shown += f" (and {more} more: run flagger-py validate on the manifest)"
        return Blocked("InvalidSpec", shown)


def admit(run: Effective, routers: Routers, claimed_by: str | None) -> Router | Blocked:
    """The router of an admissible Canary, or the first reason it is not: provider, target, routing,
    namespaces, claim."""
    router = find_router(run.settings, routers)
    if isinstance(router, Blocked):
        return router
    return (
        check_target(run)
        or check_router(run.canary, router)
        or (None if run.settings.cross_namespace_refs else check_namespaces(run.canary))
        or check_claim(run.canary, claimed_by)
        or router
    )


def find_router(settings: Settings, routers: Routers) -> Router | Blocked:
    """The installed router the settings name, or why there is none."""
    where = settings.provider_field
    try:
        return routers.get(settings.provider)
    except PluginNotFound as exc:
        names = ", ".join(exc.available) or "none"
        return Blocked(
            "UnknownProvider",
            f"{where}: no router named {settings.provider!r} is installed; available: {names}. "
            "Set spec.provider to one of them or install the router plugin.",
        )
    except PluginError as exc:
        return Blocked("ProviderUnavailable", f"{where}: {exc}")


def check_target(run: Effective) -> Blocked | None:
    """Whether the router can release this kind of target (a core Service target only through the
    routers of ``service_routing``, a Knative Service only through knative)."""
    where, provider, spec = run.settings.provider_field, run.settings.provider, run.canary.spec
    found = service_routing.problems(spec, provider, where) + knative.problems(spec, provider, where)
    return Blocked("InvalidTarget", "; ".join(map(str, found))) if found else None


def check_router(canary: Canary, router: Router) -> Blocked | None:
    """What the router says it cannot do for this canary: a missing field, an unsupported strategy."""
    problem = router.check(canary)
    return Blocked("InvalidRouting", problem) if problem else None


def check_namespaces(canary: Canary) -> Blocked | None:
    """With -no-cross-namespace-refs: templateRef, providerRef and upstreamRef must stay home."""
    home = canary.metadata.namespace or "default"
    refs: list[tuple[str, str | None]] = []
    for i, metric in enumerate(canary.spec.analysis.metrics or ()):
        if metric.template_ref is not None:
            refs.append((f"spec.analysis.metrics[{i}].templateRef.namespace", metric.template_ref.namespace))
    for i, alert in enumerate(canary.spec.analysis.alerts or ()):
        refs.append((f"spec.analysis.alerts[{i}].providerRef.namespace", alert.provider_ref.namespace))
    if canary.spec.upstream_ref is not None:
        refs.append(("spec.upstreamRef.namespace", canary.spec.upstream_ref.namespace))
    for path, namespace in refs:
        if namespace and namespace != home:
            return Blocked(
                "CrossNamespaceRef",
                f"{path}: {namespace!r} is another namespace, and this controller forbids cross-namespace "
                f"references (-no-cross-namespace-refs); move the object to {home!r} or drop the namespace",
            )
    return None


def check_claim(canary: Canary, claimed_by: str | None) -> Blocked | None:
    if claimed_by is None:
        return None
    ref = canary.spec.target_ref
    return Blocked(
        "DuplicateTarget",
        f"spec.targetRef: {ref.kind} {ref.name} is already the target of Canary {claimed_by}; two Canaries "
        "on one workload would fight over it. Delete one of them or point this one at another workload.",
    )
