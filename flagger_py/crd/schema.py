"""Loading the CRDs shipped with the package (``crds/`` in the source tree)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

GROUP = "flagger.app"
CRD_FILES = ("canaries.yaml", "metrictemplates.yaml", "alertproviders.yaml")


@dataclass(frozen=True)
class CrdVersion:
    """One served version of one kind."""

    group: str
    kind: str
    version: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class CrdSet:
    """The kinds and versions a set of CRDs serves."""

    versions: Mapping[tuple[str, str], CrdVersion]  # (kind, "group/version") -> version
    kinds: Mapping[str, tuple[str, ...]]  # kind -> served apiVersions

    def lookup(self, api_version: str, kind: str) -> CrdVersion | None:
        return self.versions.get((kind, api_version))


def from_documents(documents: Sequence[Mapping[str, Any]]) -> CrdSet:
    """Index CustomResourceDefinition documents by kind and apiVersion."""
    versions: dict[tuple[str, str], CrdVersion] = {}
    kinds: dict[str, list[str]] = {}
    for crd in documents:
        spec = crd["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        for ver in spec["versions"]:
            if not ver.get("served", False):
                continue
            api_version = f"{group}/{ver['name']}"
            versions[(kind, api_version)] = CrdVersion(
                group, kind, ver["name"], ver["schema"]["openAPIV3Schema"]
            )
            kinds.setdefault(kind, []).append(api_version)
    return CrdSet(versions, {k: tuple(v) for k, v in kinds.items()})


def crd_documents() -> list[dict[str, Any]]:
    """The CustomResourceDefinition objects of flagger-py, as parsed YAML."""
    folder = resources.files("flagger_py.crds")
    return [yaml.safe_load(folder.joinpath(name).read_text(encoding="utf-8")) for name in CRD_FILES]


@functools.cache
def ours() -> CrdSet:
    """flagger-py's own CRDs (cached; they never change at run time)."""
    return from_documents(crd_documents())
