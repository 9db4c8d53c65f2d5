"""docs/crd-reference.md, generated from the CRD descriptions (``python -m flagger_py.crd.reference``).

A test regenerates it and compares, so the page cannot drift from ``crds/``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flagger_py.crd import schema

HEADER = """\
# CRD reference

Generated from `crds/*.yaml` by `python -m flagger_py.crd.reference > docs/crd-reference.md`; do not
edit by hand. All kinds are `flagger.app/v1beta1`, namespaced, in the `all` category, with a status
subresource. Field names and meanings are those of Flagger 1.44; where flagger-py is stricter or adds
something, the constraint column says so and [Differences from Flagger](differences-from-flagger.md)
explains why.
"""


def render() -> str:
    parts = [HEADER]
    for crd in schema.crd_documents():
        spec = crd["spec"]
        (version,) = spec["versions"]
        root = version["schema"]["openAPIV3Schema"]
        short = ", ".join(spec["names"].get("shortNames", []))
        parts.append(f"\n## {spec['names']['kind']}\n\n{root['description']}\n")
        parts.append(f"Plural `{spec['names']['plural']}`, short names `{short}`. ")
        columns = ", ".join(c["name"] for c in version.get("additionalPrinterColumns", []))
        parts.append(f"`kubectl get` columns: {columns}.\n")
        parts.append("\n| Field | Type | Constraints | Description |\n|---|---|---|---|\n")
        for path, node, required in _walk(root, ""):
            if path.startswith((".apiVersion", ".kind", ".metadata")):
                continue
            name = f"`{path[1:]}`" + (" (required)" if required else "")
            parts.append(f"| {name} | {_type(node)} | {_constraints(node)} | {_text(node)} |\n")
    return "".join(parts)


def _walk(node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Mapping[str, Any], bool]]:
    required = set(node.get("required", ()))
    branches = [set(b.get("required", ())) for b in node.get("oneOf", ())]
    if branches:
        required |= set.intersection(*branches)
    for name, sub in node.get("properties", {}).items():
        yield f"{prefix}.{name}", sub, name in required
        yield from _walk(sub, f"{prefix}.{name}")
    if isinstance(node.get("items"), Mapping):
        yield from _walk(node["items"], prefix + "[]")
    if isinstance(node.get("additionalProperties"), Mapping):
        yield from _walk(node["additionalProperties"], prefix + "{key}")


def _type(node: Mapping[str, Any]) -> str:
    if node.get("x-kubernetes-int-or-string"):
        return "int or string"
    kind = node.get("type", "")
    if kind == "array":
        return f"list of {_type(node['items'])}"
    if kind == "object" and isinstance(node.get("additionalProperties"), Mapping):
        return f"map of {_type(node['additionalProperties'])}"
    return str(kind)


def _constraints(node: Mapping[str, Any]) -> str:
    out = []
    if "enum" in node:
        out.append("one of " + ", ".join(f"`{e}`" if e else '`""`' for e in node["enum"]))
    if "minimum" in node or "maximum" in node:
        out.append(f"{node.get('minimum', '')}..{node.get('maximum', '')}")
    if node.get("minLength") == 1:
        out.append("not empty")
    if "pattern" in node:
        out.append(f"pattern `{node['pattern']}`")
    if "default" in node:
        out.append(
            f"default `{node['default']!r}`" if node["default"] == "" else f"default `{node['default']}`"
        )
    if "maxLength" in node:
        out.append(f"at most {node['maxLength']} characters")
    if "anyOf" in node and all(set(b) <= {"enum", "pattern"} for b in node["anyOf"]):
        forms = [
            ", ".join(f"`{e}`" for e in b["enum"]) if "enum" in b else f"pattern `{b['pattern']}`"
            for b in node["anyOf"]
        ]
        out.append("one of " + ", or ".join(forms))
    if "oneOf" in node:
        keys = [", ".join(b.get("required", ["…"])) for b in node["oneOf"]]
        out.append("exactly one of: " + " / ".join(f"({k})" for k in keys))
    for rule in node.get("x-kubernetes-validations", ()):
        out.append(f"rule: {rule['message']}")
    return "; ".join(out).replace("|", "\\|")


def _text(node: Mapping[str, Any]) -> str:
    return " ".join(str(node.get("description", "")).split()).replace("|", "\\|")


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
