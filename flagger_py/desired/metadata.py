"""Which labels and annotations are copied to generated objects, and which selector label is used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flagger_py.errors import Problem, SpecError

DEFAULT_SELECTOR_LABELS = ("app", "name", "app.kubernetes.io/name")
FLUX_MARK = "toolkit.fluxcd.io"
# Objects flagger-py mutates carry these so that Flux does not fight over them (Flagger PR #1049).
FLUX_OPT_OUT = {
    "kustomize.toolkit.fluxcd.io/reconcile": "disabled",
    "helm.toolkit.fluxcd.io/driftDetection": "disabled",
}


def selector_label(match_labels: Mapping[str, str] | None, selector_labels: Sequence[str]) -> tuple[str, str]:
    """(key, value) of the first of ``selector_labels`` in the target's ``spec.selector.matchLabels``."""
    labels = match_labels or {}
    for key in selector_labels:
        if key in labels:
            return key, labels[key]
    wanted = ", ".join(selector_labels)
    message = f"the target needs one of the selector labels {wanted} (or set --selector-labels)"
    raise SpecError([Problem("spec.selector.matchLabels", message)])


def copied(source: Mapping[str, str] | None, include_prefixes: Sequence[str]) -> dict[str, str]:
    """The labels or annotations copied to a generated object.

    Only keys starting with one of ``include_prefixes`` (``*`` = all) are copied, and never keys that
    contain ``toolkit.fluxcd.io`` (Flux would then own or prune the copy).
    """
    out = {}
    for key, value in (source or {}).items():
        if FLUX_MARK in key:
            continue
        if "*" in include_prefixes or any(key.startswith(p) for p in include_prefixes if p):
            out[key] = value
    return out
