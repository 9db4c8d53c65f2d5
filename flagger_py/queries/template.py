"""Rendering a query: ``{{ name }}``, ``{{ namespace }}``, ``{{ target }}``, ``{{ service }}``,
``{{ ingress }}``, ``{{ route }}``, ``{{ interval }}`` and ``{{ variables.<key> }}``, as Flagger's
Go templates write them (functions, not fields; spaces optional)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flagger_py.errors import ProviderConfigError
from flagger_py.model.canary import Canary, Metric
from flagger_py.model.duration import Duration

EXPRESSION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
DEFAULT_INTERVAL = Duration(60.0, "1m")  # DESIGN.md §6.7: template metrics too


@dataclass(frozen=True)
class Variables:
    """What a query may refer to."""

    name: str
    namespace: str
    target: str
    service: str
    ingress: str
    route: str
    interval: str
    variables: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, canary: Canary, metric: Metric, knative_revision: str | None = None) -> Variables:
        """The variables of ``metric``; with provider knative, ``{{ route }}`` is ``knative_revision``,
        the Knative Service's latest created revision, as Flagger's scheduler fills it."""
        spec = canary.spec
        target = spec.target_ref.name
        service = (spec.service.name if spec.service else None) or target
        return cls(
            name=canary.metadata.name,
            namespace=canary.metadata.namespace or "default",
            target=target,
            service=service,
            ingress=spec.ingress_ref.name if spec.ingress_ref else target,
            route=knative_revision or (spec.route_ref.name if spec.route_ref else target),
            interval=(metric.interval or DEFAULT_INTERVAL).text,
            variables=dict(metric.template_variables or {}),
        )


def render(query: str, values: Variables) -> str:
    """The query with every ``{{ ... }}`` replaced; ProviderConfigError naming what is wrong."""

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("variables."):
            key = expression.removeprefix("variables.")
            if key not in values.variables:
                known = ", ".join(sorted(values.variables)) or "none"
                missing = f"templateVariables has no {key!r} (it has: {known})"
                raise ProviderConfigError(f"query uses {{{{ {expression} }}}} but {missing}")
            return values.variables[key]
        if expression in ("name", "namespace", "target", "service", "ingress", "route", "interval"):
            return str(getattr(values, expression))
        raise ProviderConfigError(
            f"query uses {{{{ {expression} }}}}: not a known variable (name, namespace, target, service, "
            "ingress, route, interval, variables.<key>)"
        )

    return EXPRESSION.sub(replace, query)
