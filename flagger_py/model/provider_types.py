"""The ``type`` of a MetricTemplate's provider and of an AlertProvider: a name Flagger knows, or a
plugin's name qualified by its domain.

Flagger's CRDs list the built-in names as an enum, so that ``kubectl apply`` refuses a typo; ours
keep that enum and accept besides it the names of third-party plugins, which must carry a domain
(``example.com/jsonpoint``, the entry-point name the plugin registers) so that they can never be
mistaken for a misspelt built-in name and never collide with a name Flagger adds later. Whether a
plugin of that name is installed is the controller's question (``flagger-py validate`` and the
analysis say so), not the schema's.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

METRIC_PROVIDERS = (
    "prometheus",
    "influxdb",
    "datadog",
    "externalmetrics",
    "stackdriver",
    "cloudwatch",
    "newrelic",
    "graphite",
    "dynatrace",
    "keptn",
    "splunk",
)
"""Flagger 1.44's metric provider types (its CRD's enum), in its order."""

NOTIFIERS = ("slack", "msteams", "discord", "rocket", "gchat")
"""Flagger 1.44's AlertProvider types (its CRD's enum), in its order."""

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
PLUGIN_NAME = rf"^{_LABEL}(\.{_LABEL})+/{_LABEL}$"
"""A plugin's type: a lowercase DNS name with at least one dot, a slash, a lowercase name."""

PLUGIN_NAME_TEXT = "a plugin's name qualified by its domain, such as example.com/myplugin"


def problem(value: str, built_in: tuple[str, ...]) -> str | None:
    """Why ``value`` is no provider type (the built-in names, or a plugin's name), or None."""
    if value in built_in or re.fullmatch(PLUGIN_NAME, value):
        return None
    return f"must be one of: {', '.join(built_in)}, or {PLUGIN_NAME_TEXT} (got {value!r})"


def _checked(built_in: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        why = problem(value, built_in)
        if why is not None:
            raise ValueError(why)
        return value

    return AfterValidator(check)


MetricProviderType = Annotated[str, _checked(METRIC_PROVIDERS)]
AlertProviderType = Annotated[str, _checked(NOTIFIERS)]


PLUGIN_FIELDS = {
    "metric provider": (METRIC_PROVIDERS, "a MetricTemplate", "spec.provider.type"),
    "notifier": (NOTIFIERS, "an AlertProvider", "spec.type"),
}
"""Per plugin kind: its built-in names, the object that names it and the field."""


def unnamable(kind: str, name: str) -> str | None:
    """Why no object can name the ``kind`` plugin registered as ``name`` (for the contract kits), or None."""
    built_in, owner, field = PLUGIN_FIELDS[kind]
    why = problem(name, built_in)
    if why is None:
        return None
    fix = "register the plugin under a name qualified by your domain"
    return f"{owner} cannot name {name!r} in {field}: {why}; {fix}"
