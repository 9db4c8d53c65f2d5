"""Draws a scenario's timeline (written by results.record) as an SVG: per second, the requests clients
got answered by each version (stacked bars), the errors among them (red), and the canary weight the
proxy applied (line, right axis).

    python -m tests.e2e.plot <results dir>/<scenario>.json docs/tutorials/img/<name>.svg
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 300, 50, 50, 30, 40
COLOURS = {"v1": "#9aa5b1", "v2": "#2f80ed", "errors": "#eb5757", "weight": "#f2994a"}


def svg(data: dict[str, Any]) -> str:
    seconds = data["seconds"]
    row = data["row"]
    n = max(len(seconds), 1)
    peak = max([sum(s["versions"].values()) + s["errors"] for s in seconds] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar = plot_w / n

    def y(value: float, top: float) -> float:
        return TOP + plot_h - plot_h * value / top

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" '
        'font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="13">{row["scenario"]} — {row["router"]} — {row["controller"]}: '
        f"{row['outcome']}, {row['client_errors']} client errors of {row['requests']} requests</text>",
    ]
    for i, second in enumerate(seconds):
        x = LEFT + i * bar
        base = 0.0
        for key, count in (("v1", second["versions"].get("v1", 0)), ("v2", second["versions"].get("v2", 0)),
                           ("errors", second["errors"])):  # fmt: skip
            if count:
                out.append(
                    f'<rect x="{x:.1f}" y="{y(base + count, peak):.1f}" width="{max(bar - 1, 1):.1f}" '
                    f'height="{y(base, peak) - y(base + count, peak):.1f}" fill="{COLOURS[key]}"/>'
                )
                base += count
    points = " ".join(
        f"{LEFT + (i + 0.5) * bar:.1f},{y(s['weight'], 100):.1f}" for i, s in enumerate(seconds)
    )
    out.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS["weight"]}" stroke-width="2"/>')
    out.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="black"/>'
    )
    out.append(f'<text x="{LEFT - 5}" y="{TOP + 8}" text-anchor="end">{peak}/s</text>')
    out.append(f'<text x="{LEFT + plot_w + 5}" y="{TOP + 8}">100%</text>')
    out.append(f'<text x="{LEFT + plot_w + 5}" y="{TOP + plot_h}">0%</text>')
    for t in range(0, n, 10):
        out.append(f'<text x="{LEFT + t * bar:.1f}" y="{TOP + plot_h + 14}">{t}s</text>')
    legend = [("v1 (primary)", "v1"), ("v2 (new)", "v2"), ("errors", "errors"), ("canary weight", "weight")]
    for i, (label, key) in enumerate(legend):
        x = LEFT + i * 140
        out.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" fill="{COLOURS[key]}"/>')
        out.append(f'<text x="{x + 14}" y="{HEIGHT - 5}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    Path(argv[1]).write_text(svg(json.loads(Path(argv[0]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
