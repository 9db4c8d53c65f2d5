"""``flagger-py loadtester`` / ``flagger-py-loadtester``: start the service.

Flags keep the names of Flagger's loadtester (``-port``, ``-timeout``, ``-namespace-regexp``,
``-log-level``, ``-zap-encoding``) so existing Deployments and charts keep working; ``-host`` and
``--gate-file`` are this one's own.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from flagger_py.loadtester import logs
from flagger_py.loadtester.server import app
from flagger_py.model.duration import Duration

DEFAULT_GATE_FILE = "/tmp/flagger-loadtester/gates.json"
DEFAULT_HOST = "0.0.0.0"  # every interface, as Flagger's loadtester (which has no flag for it)

log = logging.getLogger("flagger_py.loadtester")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flagger-py loadtester", description="Webhook test runner for canaries.")
    p.add_argument(
        "-host",
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default 0.0.0.0: every interface, as Flagger's loadtester; "
        "127.0.0.1: this host only)",
    )
    p.add_argument("-port", "--port", type=int, default=9090, help="HTTP port (default 9090)")
    p.add_argument("-timeout", "--timeout", default="1h", help="per-task timeout, Go duration (default 1h)")
    p.add_argument(
        "-namespace-regexp",
        "--namespace-regexp",
        default="",
        help="only serve canaries in matching namespaces",
    )
    p.add_argument("-log-level", "--log-level", default="info", choices=tuple(logs.LEVELS))
    p.add_argument(
        "-zap-encoding",
        "--zap-encoding",
        default="json",
        choices=logs.ENCODINGS,
        help="log encoding: json (one object per line, the default) or console",
    )
    p.add_argument(
        "--gate-file",
        default=os.environ.get("LOADTESTER_GATE_FILE", DEFAULT_GATE_FILE),
        help="where gate state is kept across restarts (LOADTESTER_GATE_FILE); '' keeps it in memory only",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        timeout = Duration.parse(args.timeout)
    except ValueError as exc:
        print(f"flagger-py loadtester: -timeout {exc}", file=sys.stderr)
        return 2
    if args.namespace_regexp:
        try:
            re.compile(args.namespace_regexp)
        except re.error as exc:
            print(
                f"flagger-py loadtester: -namespace-regexp is not a regular expression: {exc}",
                file=sys.stderr,
            )
            return 2
    logs.configure(args.log_level, args.zap_encoding)
    application = app(
        timeout=timeout.seconds,
        namespace_regexp=args.namespace_regexp or None,
        gate_file=Path(args.gate_file) if args.gate_file else None,
    )
    log.info("starting the load tester API", extra={"host": args.host, "port": args.port})
    try:
        web.run_app(application, host=args.host, port=args.port, print=None)
    except OSError as exc:
        log.error(
            "cannot listen: check -host and -port",
            extra={"host": args.host, "port": args.port, "error": exc.strerror or str(exc)},
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
