"""The verdict on one document: ignored (not flagger.app), valid, or a list of problems."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from flagger_py.crd import schema as crd_schema
from flagger_py.crd.structural import check as check_structure
from flagger_py.crd.structural import describe, did_you_mean
from flagger_py.errors import Problem
from flagger_py.model import AlertProvider, Canary, MetricTemplate
from flagger_py.model.base import without_nulls
from flagger_py.model.problems import from_validation_error

MODELS: Mapping[str, type[BaseModel]] = {
    "Canary": Canary,
    "MetricTemplate": MetricTemplate,
    "AlertProvider": AlertProvider,
}
# etcd's default request limit; the API server refuses larger objects.
MAX_OBJECT_BYTES = 1536 * 1024


@dataclass(frozen=True)
class Verdict:
    """What a document is and what is wrong with it (nothing, when ``problems`` is empty)."""

    kind: str
    name: str
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def check_document(
    content: Any, crds: crd_schema.CrdSet | None = None, *, models: bool = True
) -> Verdict | None:
    """Judge one parsed YAML document; ``None`` when it is not a flagger.app object.

    ``crds`` defaults to flagger-py's own CRDs; ``models=False`` checks the CRD schema only
    (used to judge documents against another CRD, such as Flagger's).
    """
    crds = crds or crd_schema.ours()
    if not isinstance(content, Mapping):
        problem = Problem(
            "", f"document must be a mapping with apiVersion and kind (got {describe(content)})"
        )
        return Verdict("", "", (problem,))
    api_version, kind = content.get("apiVersion"), content.get("kind")
    if not isinstance(api_version, str) or not api_version.startswith(crd_schema.GROUP + "/"):
        if api_version is None and isinstance(kind, str) and kind in crds.kinds:
            return Verdict(
                kind, _name(content), (Problem("apiVersion", "is required (use flagger.app/v1beta1)"),)
            )
        return None
    name = _name(content)
    kind_text = kind if isinstance(kind, str) else "?"
    header = _header_problems(content, crds, api_version, kind)
    version = crds.lookup(api_version, kind_text)
    if version is None:
        return Verdict(kind_text, name, tuple(header))
    size = len(json.dumps(content, default=str))
    if size > MAX_OBJECT_BYTES:
        problem = Problem(
            "", f"object is {size / 1048576:.1f} MiB as JSON; Kubernetes stores at most 1.5 MiB per object"
        )
        return Verdict(kind_text, name, (problem,))
    body = {k: v for k, v in content.items() if k != "status"}  # the API server drops status on create
    problems = list(dict.fromkeys(header + check_structure(version.schema, body, "")))
    if not problems and models and kind_text in MODELS:
        problems = _model_problems(MODELS[kind_text], body)
    return Verdict(kind_text, name, tuple(problems))


def _name(content: Mapping[str, Any]) -> str:
    metadata = content.get("metadata")
    if isinstance(metadata, Mapping):
        name = metadata.get("name") or metadata.get("generateName")
        if isinstance(name, str) and name:
            return name
    return "<unnamed>"


def _header_problems(
    content: Mapping[str, Any], crds: crd_schema.CrdSet, api_version: str, kind: Any
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(kind, str) or not kind:
        problems.append(Problem("kind", f"is required (one of {', '.join(sorted(crds.kinds))})"))
    elif kind not in crds.kinds:
        known = sorted(crds.kinds)
        hint = did_you_mean(kind, known)
        problems.append(
            Problem("kind", f"{kind!r} is not a {crd_schema.GROUP} kind{hint}; use one of {', '.join(known)}")
        )
    elif crds.lookup(api_version, kind) is None:
        served = " or ".join(crds.kinds[kind])
        problems.append(Problem("apiVersion", f"{api_version} is not served for {kind}; use {served}"))
    metadata = content.get("metadata")
    if metadata is None:
        problems.append(Problem("metadata.name", "is required"))
    elif not isinstance(metadata, Mapping):
        problems.append(Problem("metadata", f"must be a mapping (got {describe(metadata)})"))
    else:
        name = metadata.get("name")
        if name is None and not metadata.get("generateName"):
            problems.append(Problem("metadata.name", "is required"))
        elif name is not None and (not isinstance(name, str) or not _valid_name(name)):
            problems.append(
                Problem(
                    "metadata.name", f"must be a non-empty name without '/' or '%' (got {describe(name)})"
                )
            )
    return problems


def _valid_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "%" not in name


def _model_problems(model: type[BaseModel], body: Mapping[str, Any]) -> list[Problem]:
    try:
        model.model_validate(without_nulls(body))
    except ValidationError as exc:
        return from_validation_error(exc)
    return []
