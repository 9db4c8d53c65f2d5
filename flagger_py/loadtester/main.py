"""``flagger-py loadtester`` / ``flagger-py-loadtester``: start the service.

Flags keep the names of Flagger's loadtester (``-port``, ``-timeout``, ``-namespace-regexp``,
``-log-level``, ``-zap-encoding``) so existing Deployments and charts keep working.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from flagger_py.loadtester.server import app
from flagger_py.model.duration import Duration

DEFAULT_GATE_FILE = "/tmp/flagger-loadtester/gates.json"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flagger-py loadtester", description="Webhook test runner for canaries.")
    p.add_argument("-port", "--port", type=int, default=9090, help="HTTP port (default 9090)")
    p.add_argument("-timeout", "--timeout", default="1h", help="per-task timeout, Go duration (default 1h)")
    p.add_argument(
        "-namespace-regexp",
        "--namespace-regexp",
        default="",
        help="only serve canaries in matching namespaces",
    )
    p.add_argument("-log-level", "--log-level", default="info", choices=("debug", "info", "warn", "error"))
    p.add_argument(
        "-zap-encoding",
        "--zap-encoding",
        default="json",
        choices=("json", "console"),
        help="accepted for compatibility",
    )
    p.add_argument(
        "--gate-file",
        default=os.environ.get("LOADTESTER_GATE_FILE", DEFAULT_GATE_FILE),
        help="where gate state is kept across restarts (LOADTESTER_GATE_FILE)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        timeout = Duration.parse(args.timeout)
    except ValueError as exc:
        print(f"flagger-py loadtester: -timeout {exc}", file=sys.stderr)
        return 2
    level = {"warn": "WARNING"}.get(args.log_level, args.log_level.upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    application = app(
        timeout=timeout.seconds,
        namespace_regexp=args.namespace_regexp or None,
        gate_file=Path(args.gate_file) if args.gate_file else None,
    )
    web.run_app(application, host="0.0.0.0", port=args.port, print=None)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
