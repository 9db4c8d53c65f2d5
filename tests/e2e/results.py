"""The figures of each scenario, collected over a session and written as one Markdown table, printed at
the end of `make e2e`. With $FLAGGER_PY_E2E_RESULTS set to a directory, the table goes to its
results.md and each scenario's timeline (weights applied, what clients got, second by second) to a
JSON file that ``python -m tests.e2e.plot`` draws; ``python -m tests.e2e.results <dir>`` prints the
table again from those files. Rows of one scenario and router sit together, one per controller, for the
side-by-side run. Tests assert behaviour; these are the measurements that go to tests/e2e/RESULTS.md."""

from __future__ import annotations

import json
import os
import re
import sys
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


def table(rows: list[Row] | None = None) -> str:
    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    rows = ROWS if rows is None else rows
    first: dict[str, int] = {}
    for i, r in enumerate(rows):
        first.setdefault(r.scenario, i)
    lines = [HEADER]
    for r in sorted(rows, key=lambda r: (first[r.scenario], r.router, r.controller != "flagger-py")):
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


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.e2e.results <results dir>", file=sys.stderr)
        return 2
    files = sorted(Path(argv[0]).glob("*.json"), key=lambda f: f.stat().st_mtime)
    print(table([Row(**json.loads(f.read_text())["row"]) for f in files]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
