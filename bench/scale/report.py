"""The figures as a table (flagger-py, Flagger and their ratio per N), as JSON, and as a PNG plot of
lateness and memory against N."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROWS = (
    ("API requests / canary / tick, releasing", "api_requests_per_canary_tick"),
    ("  writes / canary / tick", "api_writes_per_canary_tick"),
    ("  uncached reads (get, list) / canary / tick", "api_reads_per_canary_tick"),
    ("API requests / canary / tick, steady state", "idle_api_requests_per_canary_tick"),
    ("  writes / canary / tick", "idle_api_writes_per_canary_tick"),
    ("  uncached reads (get, list) / canary / tick", "idle_api_reads_per_canary_tick"),
    ("API requests / canary to initialize", "api_requests_per_canary_initialization"),
    ("CPU seconds / canary / tick", "cpu_seconds_per_canary_tick"),
    ("peak RSS (MiB)", "rss_peak_mib"),
    ("RSS / canary beyond baseline, at peak (KiB)", "rss_per_canary_kib"),
    ("RSS / canary beyond baseline, settled (KiB)", "rss_settled_per_canary_kib"),
    ("tick lateness p50 (s, audit log)", "lateness_p50_seconds"),
    ("tick lateness p99 (s, audit log)", "lateness_p99_seconds"),
    ("tick lateness p99 (s, internal)", "internal_lateness_p99_seconds"),
    ("canaries whose promoted primary took a tick more", "primary_waits"),
    ("event-loop lag p99 (s)", "event_loop_lag_p99_seconds"),
    ("Prometheus queries / canary / tick", "prometheus_queries_per_canary_tick"),
    ("wall time (s)", "wall_seconds"),
    ("wall time / theoretical minimum", "wall_over_minimum"),
    ("promoted / lost / duplicated", "outcome"),
)


def machine() -> dict[str, Any]:
    cpus = Path("/proc/cpuinfo").read_text().count("processor\t:")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpus": cpus,
        "cpu": model,
        "memory": memory.split(":", 1)[1].strip(),
        "python": platform.python_version(),
    }


def _cell(result: dict[str, Any] | None, key: str) -> str:
    if result is None:
        return "-"
    if key == "outcome":
        cell = f"{result['promoted']}/{result['lost']}/{result['duplicated']}"
        return cell if result.get("finished", True) else f"{cell} ({result['pending']} pending)"
    value = result.get(key)
    if value is None:
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _ratio(py: dict[str, Any] | None, fl: dict[str, Any] | None, key: str) -> str:
    if py is None or fl is None or key == "outcome":
        return ""
    a, b = py.get(key), fl.get(key)
    if not isinstance(a, int | float) or not isinstance(b, int | float) or b == 0:
        return ""
    return f"{a / b:.2f}"


def table(results: list[dict[str, Any]]) -> str:
    sizes = sorted({r["n"] for r in results})
    find = {(r["controller"], r["n"]): r for r in results}
    lines = []
    for n in sizes:
        py, fl = find.get(("flagger-py", n)), find.get(("flagger", n))
        lines.append(f"\nN = {n}")
        lines.append(f"| {'figure':<46} | {'flagger-py':>11} | {'Flagger':>11} | {'py/Flagger':>10} |")
        lines.append(f"|{'-' * 48}|{'-' * 12}:|{'-' * 12}:|{'-' * 11}:|")
        for label, key in ROWS:
            lines.append(
                f"| {label:<46} | {_cell(py, key):>11} | {_cell(fl, key):>11} | {_ratio(py, fl, key):>10} |"
            )
    return "\n".join(lines)


def hosts_table(results: list[dict[str, Any]]) -> str:
    """flagger-py and its host variants side by side, per N (each variant's ratio to flagger-py)."""
    names = list(dict.fromkeys(r["controller"] for r in results if r["controller"].startswith("flagger-py")))
    find = {(r["controller"], r["n"]): r for r in results}
    lines = []
    for n in sorted({r["n"] for r in results}):
        base = find.get(("flagger-py", n))
        head = "".join(f" {name:>28} |" for name in names)
        lines += [f"\nN = {n} (ratio: variant / flagger-py)", f"| {'figure':<46} |{head}"]
        lines.append(f"|{'-' * 48}|" + "".join(f"{'-' * 29}:|" for _ in names))
        for label, key in ROWS:
            cells = []
            for name in names:
                result = find.get((name, n))
                ratio = _ratio(result, base, key) if name != "flagger-py" else ""
                cell = _cell(result, key) + (f" ({ratio})" if ratio else "")
                cells.append(f" {cell:>28} |")
            lines.append(f"| {label:<46} |" + "".join(cells))
    return "\n".join(lines)


def write(results: list[dict[str, Any]], out: Path, stamp: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"scale-{stamp}.json"
    path.write_text(json.dumps({"machine": machine(), "results": results}, indent=2) + "\n")
    (out / "latest.json").write_text(path.read_text())
    (out / "latest.md").write_text(f"machine: {machine()}\n{table(results)}\n")
    return path, plot(results, out / f"scale-{stamp}.png")


def plot(results: list[dict[str, Any]], path: Path) -> Path:
    figure, (late, memory) = plt.subplots(1, 2, figsize=(11, 4))
    for name in ("flagger-py", "flagger"):
        runs = sorted(
            (r for r in results if r["controller"] == name and "error" not in r), key=lambda r: r["n"]
        )
        if not runs:
            continue
        sizes = [r["n"] for r in runs]
        late.plot(sizes, [r["lateness_p99_seconds"] or 0 for r in runs], marker="o", label=name)
        memory.plot(sizes, [r["rss_peak_mib"] for r in runs], marker="o", label=name)
    late.set(xscale="log", xlabel="canaries", ylabel="tick lateness p99 (s)", title="Lateness")
    memory.set(xscale="log", xlabel="canaries", ylabel="peak RSS (MiB)", title="Memory")
    for axes in (late, memory):
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
