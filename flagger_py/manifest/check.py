"""The verdict on one document: ignored (not flagger.app), valid, or a list of problems.

A document that is a List (``kind: List`` or any ``*List`` with ``items``, as kubectl reads them)
gets one verdict per flagger.app item, its problems under ``items[N]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from flagger_py.crd import schema as crd_schema
from flagger_py.crd.structural import check as check_structure
from flagger_py.crd.structural import describe, did_you_mean, join_path
from flagger_py.desired import knative, service_routing
from flagger_py.errors import Problem
from flagger_py.manifest import echo
from flagger_py.manifest.loader import Document, Duplicate
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
        return _verdict("", "", [problem])
    api_version, kind = content.get("apiVersion"), content.get("kind")
    if not isinstance(api_version, str) or not api_version.startswith(crd_schema.GROUP + "/"):
        if api_version is None and isinstance(kind, str) and kind in crds.kinds:
            return _verdict(
                kind, _name(content), [Problem("apiVersion", "is required (use flagger.app/v1beta1)")]
            )
        return None
    name = _name(content)
    kind_text = kind if isinstance(kind, str) else "?"
    header = _header_problems(content, crds, api_version, kind)
    version = crds.lookup(api_version, kind_text)
    if version is None:
        return _verdict(kind_text, name, header)
    try:
        size = json_size(content)
    except ValueError:
        return _verdict(kind_text, name, [Problem("", "object contains itself (a recursive alias)")])
    if size > MAX_OBJECT_BYTES:
        problem = Problem(
            "", f"object is {size / 1048576:.1f} MiB as JSON; Kubernetes stores at most 1.5 MiB per object"
        )
        return _verdict(kind_text, name, [problem])
    body = {k: v for k, v in content.items() if k != "status"}  # the API server drops status on create
    problems = list(dict.fromkeys(header + check_structure(version.schema, body, "")))
    if not problems and models and kind_text in MODELS:
        problems = _model_problems(MODELS[kind_text], body)
    return _verdict(kind_text, name, problems)


Refine = Callable[[Verdict, Any], Verdict]


def check_loaded(
    document: Document, crds: crd_schema.CrdSet | None = None, *, refine: Refine | None = None
) -> list[Verdict]:
    """The verdicts on one document as the loader read it: none when it holds no flagger.app
    object, one per flagger.app object (each item of a List), one for a document that could not
    be read. Duplicate keys are problems of the object they are in. ``refine`` (Verdict, content)
    adds the checks of a layer above, such as the installed routers.
    """
    if document.error is not None:
        return [Verdict("", "", (Problem("", echo.message(document.error)),))]
    return _check_value(document.content, "", document.duplicates, crds, refine)


def _check_value(
    content: Any,
    at: str,
    duplicates: Sequence[Duplicate],
    crds: crd_schema.CrdSet | None,
    refine: Refine | None,
) -> list[Verdict]:
    items = _list_items(content)
    if items is None:
        verdict = _check_object(content, at, duplicates, crds, refine)
        return [] if verdict is None else [verdict]
    verdicts: list[Verdict] = []
    inside: set[Duplicate] = set()
    for index, item in enumerate(items):
        item_at = join_path(join_path(at, "items"), index)
        mine = [d for d in duplicates if _under(d.path, item_at)]
        inside.update(mine)
        verdicts += _check_value(item, item_at, mine, crds, refine)
    own = [d for d in duplicates if d not in inside]
    if verdicts and own:  # a List of flagger.app objects with a key written twice outside its items
        kind = content.get("kind")
        verdicts.insert(0, _verdict(kind, _name(content), [Problem(d.path, d.message) for d in own]))
    return verdicts


def _check_object(
    content: Any,
    at: str,
    duplicates: Sequence[Duplicate],
    crds: crd_schema.CrdSet | None,
    refine: Refine | None,
) -> Verdict | None:
    verdict = check_document(content, crds)
    if verdict is None:
        if not any(_names_flagger_app(d, at) for d in duplicates):
            return None
        verdict = _verdict(content.get("kind"), _name(content), [])
    elif refine is not None:
        verdict = refine(verdict, content)
    problems = [Problem(d.path, d.message) for d in duplicates]
    problems += [Problem(_prefixed(at, p.path), p.message) for p in verdict.problems]
    return _verdict(verdict.kind, verdict.name, problems)


def _list_items(content: Any) -> list[Any] | None:
    """The items of a List (kubectl's v1 List, or any kind named *List with a list of items)."""
    if not isinstance(content, Mapping):
        return None
    kind, items = content.get("kind"), content.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        return items
    return None


def _names_flagger_app(duplicate: Duplicate, at: str) -> bool:
    """A document whose apiVersion is written twice, once as flagger.app: some clients read that one."""
    return (
        duplicate.path == at
        and duplicate.key == "apiVersion"
        and any(v is not None and v.startswith(crd_schema.GROUP + "/") for v in duplicate.values)
    )


def _under(path: str, at: str) -> bool:
    return path == at or path.startswith((at + ".", at + "["))


def _prefixed(at: str, path: str) -> str:
    if not at or not path:
        return at or path
    return at + path if path.startswith("[") else f"{at}.{path}"


def _verdict(kind: Any, name: str, problems: Sequence[Problem]) -> Verdict:
    """A Verdict whose every echoed user value is short (see flagger_py.manifest.echo)."""
    return Verdict(
        echo.value(kind if isinstance(kind, str) else "?", 80),
        echo.value(name, 120),
        tuple(Problem(echo.message(p.path), echo.message(p.message)) for p in problems),
    )


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON, computed without writing it out: a part shared through
    YAML aliases is measured once (and counted as often as it appears). ValueError on a cycle."""
    sizes: dict[int, int] = {}
    open_ids: set[int] = set()
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, measured_children = stack.pop()
        if not _is_container(item):
            continue
        key = id(item)
        if measured_children:
            sizes[key] = _container_size(item, sizes)
            open_ids.discard(key)
        elif key not in sizes:
            if key in open_ids:
                raise ValueError("the value contains itself")
            open_ids.add(key)
            stack.append((item, True))
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, False) for child in children if _is_container(child))
    return sizes[id(value)] if _is_container(value) else _scalar_size(value)


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _container_size(value: Any, sizes: Mapping[int, int]) -> int:
    def size(child: Any) -> int:
        return sizes[id(child)] if _is_container(child) else _scalar_size(child)

    if isinstance(value, Mapping):
        total = sum(
            _string_size(str(k) if not isinstance(k, str) else k) + 1 + size(v) for k, v in value.items()
        )
    else:
        total = sum(size(v) for v in value)
    return 2 + total + max(len(value) - 1, 0)


def _scalar_size(value: Any) -> int:
    if value is None or value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, int):
        try:
            return len(str(value))
        except ValueError:  # beyond Python's digit limit: count the digits without writing them
            return int(value.bit_length() * 0.30103) + 2
    if isinstance(value, float):
        return len(json.dumps(value))
    return _string_size(value if isinstance(value, str) else str(value))


def _string_size(text: str) -> int:
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogatepass"))


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
        problems.append(
            Problem("apiVersion", f"{echo.value(api_version)} is not served for {kind}; use {served}")
        )
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
    """The model's problems; for a valid Canary, also what its target cannot go with (its router)."""
    try:
        parsed = model.model_validate(without_nulls(body))
    except ValidationError as exc:
        return from_validation_error(exc)
    if isinstance(parsed, Canary):
        provider = parsed.spec.provider
        return service_routing.problems(parsed.spec, provider) + knative.problems(parsed.spec, provider)
    return []
