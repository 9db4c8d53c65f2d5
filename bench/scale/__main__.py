"""``python -m bench.scale``: the scale benchmark (``make bench``)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import report
from .controllers import Controller
from .environment import Environment
from .runner import Settings, namespace_of, run, theoretical_minimum

ROOT = Path(__file__).resolve().parents[2]
# testenv/build.sh's cache, outside the clone (FLAGGER_PY_TESTENV_CACHE, default ~/.cache/flagger-py/testenv).
BIN = (
    Path(
        os.environ.get("FLAGGER_PY_TESTENV_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flagger-py" / "testenv"
    )
    / "bin"
)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    p.add_argument("--sizes", default="10,100,1000", help="numbers of canaries, comma-separated")
    p.add_argument(
        "--controllers",
        default="flagger-py,flagger",
        help="which controllers to run: flagger-py, flagger, and flagger-py's host variants "
        "flagger-py:informer-watch, flagger-py:kopf-owns-finalizers (bench/scale/hosts)",
    )
    p.add_argument("--interval", default="10s", help="analysis interval (Flagger's minimum is 10s)")
    p.add_argument("--iterations", type=int, default=3, help="blue/green iterations per release")
    p.add_argument(
        "--release-timeout",
        type=float,
        default=None,
        help="seconds to wait for a release before reporting how far it got (default: from N)",
    )
    p.add_argument(
        "--flagger-qps",
        type=int,
        default=1000,
        help="-kubeconfig-qps of both controllers (burst twice that); 100, the default, starves N=1000",
    )
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.controllers.split(",")
    settings = Settings(args.interval, args.iterations, args.release_timeout)
    if "flagger" in names:
        subprocess.run([str(ROOT / "testenv" / "flagger.sh")], check=True)
    minimum, steps = theoretical_minimum(settings)
    print(
        f"theoretical minimum per release: {minimum:.0f}s ({steps} ticks of {settings.interval})", flush=True
    )
    workdir = Path(tempfile.mkdtemp(prefix="flagger-py-bench-"))
    nodes = max(3, max(sizes) * 2 // 400 + 2)
    env = Environment.start(BIN, workdir, nodes)
    results: list[dict[str, Any]] = []
    try:
        for n in sizes:
            for name in names:
                log = workdir / f"{name}-{n}.log"
                metrics_server = env.prometheus.url
                kubeconfig = env.kubeconfigs[name.split(":", 1)[0]]
                namespace = namespace_of(name, n)
                if name.startswith("flagger-py"):
                    controller = Controller.flagger_py(
                        kubeconfig, namespace, metrics_server, log, args.flagger_qps, name
                    )
                else:
                    controller = Controller.flagger(
                        BIN / "flagger", kubeconfig, namespace, metrics_server, log, args.flagger_qps
                    )
                started = time.monotonic()
                print(f"{name}: {n} canaries ...", flush=True)
                try:
                    result = run(env, controller, n, settings)
                except RuntimeError as exc:
                    controller.stop()
                    print(f"{name}: {n} canaries FAILED: {exc} (log: {log})", flush=True)
                    results.append({"controller": name, "n": n, "error": str(exc)[:2000]})
                    continue
                done = "promoted" if result["finished"] else f"NOT all promoted: {result['phases_at_end']}"
                print(
                    f"{name}: {n} canaries {done} after {result['wall_seconds']}s "
                    f"({time.monotonic() - started:.0f}s with setup)",
                    flush=True,
                )
                results.append(result)
                partial = args.out / "partial.json"  # every finished run so far, if the rest is cut off
                partial.parent.mkdir(parents=True, exist_ok=True)
                partial.write_text(json.dumps({"results": results}, indent=2) + "\n")
    finally:
        env.stop()
    finished = [r for r in results if "error" not in r]
    print(report.table(finished))
    if any(":" in name for name in names):
        print(report.hosts_table(finished))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, png = report.write(results, args.out, stamp)
    print(f"\nresults: {path}, plot: {png}")
    print(f"machine: {report.machine()}")
    return 0 if len(finished) == len(results) and all(r["finished"] for r in finished) else 1


if __name__ == "__main__":
    sys.exit(main())
