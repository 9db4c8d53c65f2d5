"""The pydantic models and crds/*.yaml describe the same API: same properties, required fields,
enums and types, walked recursively through every nested object, list and map."""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel

from flagger_py.crd import schema
from flagger_py.model import AlertProvider, Canary, MetricTemplate
from flagger_py.model.duration import Duration

SCALARS = {"string": str, "integer": int, "number": float, "boolean": bool}


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
        return typing.Union[tuple(args)]  # noqa: UP007 - rebuilt from parts
    if origin is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def crd_required(node: Mapping[str, Any]) -> set[str]:
    """Fields required outright, or by every branch of a oneOf."""
    required = set(node.get("required", []))
    branches = [set(b.get("required", [])) for b in node.get("oneOf", [])]
    return required | set.intersection(*branches) if branches else required


def walk(node: Mapping[str, Any], annotation: Any, path: str, seen: list[str]) -> None:
    seen.append(path)
    annotation = _strip_optional(annotation)
    if node.get("x-kubernetes-int-or-string"):
        assert set(typing.get_args(annotation)) == {int, str}, path
        return
    kind = node.get("type")
    if "enum" in node:
        assert typing.get_origin(annotation) is typing.Literal, f"{path}: enum in CRD, not a Literal"
        assert set(typing.get_args(annotation)) == set(node["enum"]), path
        return
    if kind in SCALARS:
        if annotation is Duration:
            assert kind == "string", path
        else:
            assert annotation is SCALARS[kind], f"{path}: CRD {kind}, model {annotation}"
        return
    if kind == "array":
        assert typing.get_origin(annotation) is tuple, f"{path}: CRD array, model {annotation}"
        walk(node["items"], typing.get_args(annotation)[0], path + "[]", seen)
        return
    assert kind == "object", path
    if "properties" in node:
        assert isinstance(annotation, type), f"{path}: {annotation}"
        assert issubclass(annotation, BaseModel), f"{path}: {annotation}"
        fields = _fields(annotation)
        only_crd, only_model = set(node["properties"]) - set(fields), set(fields) - set(node["properties"])
        assert not only_crd, f"{path}: only in the CRD: {only_crd}"
        assert not only_model, f"{path}: only in the model: {only_model}"
        required = {name for name, f in fields.items() if f.is_required()}
        assert crd_required(node) == required, f"{path}: required differs"
        for name, sub in node["properties"].items():
            walk(sub, fields[name].annotation, f"{path}.{name}", seen)
        return
    assert typing.get_origin(annotation) in (collections.abc.Mapping, dict), (
        f"{path}: CRD map, model {annotation}"
    )
    walk(node["additionalProperties"], typing.get_args(annotation)[1], path + "{}", seen)


@pytest.mark.parametrize(
    ("kind", "model"),
    [("Canary", Canary), ("MetricTemplate", MetricTemplate), ("AlertProvider", AlertProvider)],
)
def test_model_matches_crd(kind: str, model: type[BaseModel]) -> None:
    version = schema.ours().lookup("flagger.app/v1beta1", kind)
    assert version is not None
    fields = _fields(model)
    seen: list[str] = []
    walk(version.schema["properties"]["spec"], fields["spec"].annotation, "spec", seen)
    assert len(seen) > 5


def test_walk_reaches_every_canary_field() -> None:
    version = schema.ours().lookup("flagger.app/v1beta1", "Canary")
    assert version is not None
    seen: list[str] = []
    walk(version.schema["properties"]["spec"], _fields(Canary)["spec"].annotation, "spec", seen)
    for deep in (
        "spec.service.trafficPolicy.loadBalancer.consistentHash.httpCookie.ttl",
        "spec.analysis.match[].headers{}.suffix",
        "spec.service.mirror[].backendRef.port",
        "spec.analysis.sessionAffinity.sameSite",
        "spec.autoscalerRef.primaryScalerReplicas.maxReplicas",
    ):
        assert deep in seen


def test_status_fields_are_modelled() -> None:
    version = schema.ours().lookup("flagger.app/v1beta1", "Canary")
    assert version is not None
    status = version.schema["properties"]["status"]["properties"]
    fields = _fields(_strip_optional(_fields(Canary)["status"].annotation))
    assert set(status) == set(fields)
