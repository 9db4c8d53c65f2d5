"""How fast flagger-py validate judges documents (prints its figures; not a test)."""

from __future__ import annotations

import platform
import statistics
import time
from pathlib import Path
from typing import Any

from flagger_py.crd import schema
from flagger_py.manifest import loader
from flagger_py.manifest.check import check_document

ROOT = Path(__file__).resolve().parent.parent


def documents() -> list[Any]:
    docs = []
    for path in sorted((ROOT / "examples").glob("*.yaml")) + sorted(
        (ROOT / "tests/validate/broken").glob("*.yaml")
    ):
        docs.extend(d.content for d in loader.documents(str(path), path.read_text()) if d.content is not None)
    return [d for d in docs if isinstance(d, dict)]


def measure(docs: list[Any], *, models: bool, rounds: int = 5) -> float:
    crds = schema.ours()
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for doc in docs:
            check_document(doc, crds, models=models)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) / len(docs)


def main() -> None:
    docs = documents() * 20
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"documents per round: {len(docs)}")
    for label, models in (("schema only", False), ("schema + models", True)):
        per_doc = measure(docs, models=models)
        print(f"{label:16s} {per_doc * 1e6:8.1f} µs/document  {1 / per_doc:10.0f} documents/s")


if __name__ == "__main__":
    main()
