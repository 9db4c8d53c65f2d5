"""The figures of each scenario, collected over a session and written as one Markdown table, printed at
the end of `make e2e`. With $FLAGGER_PY_E2E_RESULTS set to a directory, the table goes to its
results.md and each scenario's timeline (weights applied, what clients got, second by second) to a
JSON file that ``python -m tests.e2e.plot`` draws. Tests assert behaviour; these are the
measurements that go to tests/e2e/RESULTS.md."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    scenario: str
    router: str
    controller: str
    outcome: str
    seconds_to_end: float  # from the new revision to Succeeded or Failed
    seconds_bad_to_primary: float | None  # first request served by the bad version -> weight 0 again
    client_errors: int  # 5xx (or no answer) that clients got
    requests: int
    steps: str  # declared weight -> measured canary share


ROWS: list[Row] = []
HEADER = (
    "| scenario | router | controller | outcome | new revision to end (s) | bad version's first request to "
    "all traffic on primary (s) | client errors / requests | weights declared → measured |\n"
    "|---|---|---|---|---|---|---|---|"
)


def record(row: Row, timeline: dict[str, object] | None = None) -> None:
    ROWS.append(row)
    target = os.environ.get("FLAGGER_PY_E2E_RESULTS")
    if target and timeline is not None:
        name = re.sub(r"[^a-z0-9]+", "-", f"{row.scenario} {row.router} {row.controller}".lower()).strip("-")
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / f"{name}.json").write_text(json.dumps({"row": row.__dict__, **timeline}))


def table() -> str:
    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    lines = [HEADER]
    for r in ROWS:
        lines.append(
            f"| {r.scenario} | {r.router} | {r.controller} | {r.outcome} | {cell(r.seconds_to_end)} | "
            f"{cell(r.seconds_bad_to_primary)} | {r.client_errors} / {r.requests} | {r.steps} |"
        )
    return "\n".join(lines)


def write() -> None:
    target = os.environ.get("FLAGGER_PY_E2E_RESULTS")
    if target and ROWS:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / "results.md").write_text(table() + "\n")
