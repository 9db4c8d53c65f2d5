"""The fields of an alert (the cluster name, then the details ``decide()`` attached:
``domain.alert_details``) and the severity filter."""

from __future__ import annotations

from flagger_py.domain.actions import Severity
from flagger_py.domain.alert_details import Details

RANK = {"info": 0, "warn": 1, "error": 2}


def wanted(filter_severity: str | None, severity: Severity) -> bool:
    """Whether an alert route with ``filter_severity`` takes an alert of ``severity``.

    info takes everything, warn takes warn and error, error only error; an empty filter means info
    (as Flagger documents; Flagger's code sends nothing for it — DESIGN.md §6.4)."""
    return RANK[severity] >= RANK[filter_severity or "info"]


def fields(cluster_name: str, details: Details) -> Details:
    """What an alert shows besides its message: ``Cluster`` (``-cluster-name``), then ``details``."""
    return ((("Cluster", cluster_name),) if cluster_name else ()) + details
