"""Flagger's own hashes, from ``flaggerhash`` (testenv/flaggerhash: Flagger 1.44's ComputeHash and
config checksum, built by testenv/flaggerhash.sh into the test cache), and random pod templates drawn
from the Go layout, for comparing flagger-py's hashes with them."""

from __future__ import annotations

import json
import random
import string
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flagger_py.desired import pod_layout
from tests import prerequisites
from tests.paths import TESTENV_BIN

ORACLE = TESTENV_BIN / "flaggerhash"
TIMEOUT = 120


def oracle_path() -> Path:
    """The oracle's binary; skipped without it (failed under CI, which builds it)."""
    return prerequisites.binary(ORACLE, "testenv/flaggerhash.sh")


def flagger(objects: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """What Flagger computes for each object (Deployment, DaemonSet, ConfigMap, Secret): one dict per
    object with ``hash`` and ``spew``, ``checksum``, or ``error`` (Go could not decode it)."""
    lines = "".join(json.dumps({"object": o}) + "\n" for o in objects)
    done = subprocess.run(
        [str(oracle_path()), "hash"], input=lines, capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def layout() -> dict[str, Any]:
    done = subprocess.run(
        [str(oracle_path()), "layout"], capture_output=True, text=True, timeout=TIMEOUT, check=True
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def workload(template: Mapping[str, Any], kind: str = "Deployment") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "app", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "app"}}, "template": dict(template)},
    }


# --- random templates --------------------------------------------------------------------------------

WORDS = ("app", "", "a b", "<&>", "x:y", "é", "日本", "\u2028", "tab\there", "line\nbreak", "{}", "[]", "%v")
QUANTITIES = (
    "0", "1", "100m", "0.5", "1.5", "128Mi", "1Gi", "500M", "2k", "1e3", "1E-3", "10n", "3u", "+7", "-2",
    "0100", "1000", "1.000", "12e6", "0.1n", "1.5Gi", "123456789012345678901", "7Ki", "  5 ", 0, 250,
)  # fmt: skip


class Templates:
    """Random JSON values for a Go type of ``pod_layout``: any field may be absent, null, empty or set,
    so nil and empty, pointers, promoted fields and every self-decoding type are exercised."""

    def __init__(self, seed: int, max_depth: int = 7, density: float = 0.25) -> None:
        self.rng = random.Random(seed)
        self.max_depth = max_depth
        self.density = density

    def template(self) -> Any:
        return self.value(pod_layout.ROOT, 0)

    def word(self) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(WORDS)
        return "".join(self.rng.choice(string.printable) for _ in range(self.rng.randint(0, 8)))

    def value(self, name: str, depth: int) -> Any:
        kind, _key, elem, unmarshaler, fields = pod_layout.TYPES[name]
        rng = self.rng
        if name == "resource.Quantity":
            return rng.choice(QUANTITIES)
        if name == "intstr.IntOrString":
            return rng.choice((8080, 0, -1, 2**31 - 1, "http", "", "80"))
        if unmarshaler:
            return None  # timestamps, managed fields: absent
        if kind == "ptr":
            return None if rng.random() < 0.2 else self.value(elem, depth)
        if kind == "struct":
            return self.struct(fields, depth)
        if kind in ("slice", "array"):
            if name == "[]uint8" or depth >= self.max_depth:
                return None if rng.random() < 0.5 else []
            return [self.value(elem, depth + 1) for _ in range(rng.randint(0, 2))]
        if kind == "map":
            return {self.word(): self.value(elem, depth + 1) for _ in range(rng.randint(0, 3))}
        if kind == "string":
            return self.word()
        if kind == "bool":
            return rng.random() < 0.5
        if kind.startswith("int"):
            return rng.choice((0, 1, -1, 42, 2**31 - 1, -(2**31)))
        if kind.startswith("uint"):
            return rng.choice((0, 1, 255))
        raise AssertionError(f"no generator for {name} ({kind})")

    def struct(self, fields: tuple[pod_layout.Field, ...], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if depth >= self.max_depth:
            return out
        for _go, json_name, type_name, embedded in fields:
            if embedded and not json_name and pod_layout.TYPES[type_name][0] == "struct":
                out.update(self.struct(pod_layout.TYPES[type_name][4], depth))
                continue
            if not json_name or self.rng.random() > self.density:
                continue
            out[json_name] = None if self.rng.random() < 0.05 else self.value(type_name, depth + 1)
        return out
