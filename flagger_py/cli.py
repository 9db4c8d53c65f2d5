"""The ``flagger-py`` command line.

flagger-py run [FLAGS]                 run the controller (flags as Flagger's: docs/install.md)
flagger-py validate FILE|DIR|- [...]   check flagger.app manifests before they reach Git
flagger-py version                     print the version
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TextIO

from flagger_py import __version__, plugins
from flagger_py.domain.effective import DEFAULT_MESH_PROVIDER, ControllerDefaults
from flagger_py.errors import FlaggerError, PluginError, Problem, SpecError
from flagger_py.loadtester.main import main as loadtester_main
from flagger_py.manifest import echo, loader
from flagger_py.manifest.check import Verdict, check_loaded
from flagger_py.model.base import without_nulls
from flagger_py.model.canary import Canary
from flagger_py.model.duration import Duration
from flagger_py.operator import flags as controller_flags
from flagger_py.operator import goflags
from flagger_py.operator import main as controller
from flagger_py.simulator import load, render
from flagger_py.simulator.runner import simulate
from flagger_py.spi import RouterContext

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["loadtester"]:  # its flags are Flagger's loadtester's, parsed by its own parser
        return loadtester_main(args_list[1:])
    if args_list[:1] == ["run"]:  # Flagger's command line, read with Go's flag syntax
        return run_controller(args_list[1:], out=sys.stdout, err=sys.stderr)
    parser = _parser()
    args = parser.parse_args(args_list)
    if args.command == "validate":
        return validate(args.paths, out=sys.stdout, err=sys.stderr, quiet=args.quiet)
    if args.command == "simulate":
        return run_simulation(
            args.canary,
            args.scenario,
            args.output,
            out=sys.stdout,
            err=sys.stderr,
            mesh_provider=args.mesh_provider,
            min_interval=args.min_interval,
        )
    if args.command == "plugins":
        return list_plugins(sys.stdout)
    if args.command == "version":
        print(f"flagger-py {__version__}")
        return EXIT_OK
    parser.print_help()
    return EXIT_UNREADABLE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flagger-py", description="Progressive delivery for Kubernetes.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="run the controller (Flagger's flags: flagger-py run -h)", add_help=False)
    check = commands.add_parser(
        "validate",
        help="check flagger.app manifests (Canary, MetricTemplate, AlertProvider)",
        description=(
            "Check every flagger.app document in the given files, directories (recursively: *.yaml, "
            "*.yml, *.json) or standard input (-) against the CRD schema and the controller's rules. "
            "Other kinds are ignored; List items are checked. Exit 0 when all are valid, 1 when any is "
            "invalid, 2 when some input could not be checked (every file is checked either way)."
        ),
    )
    check.add_argument("paths", nargs="+", metavar="FILE|DIR|-")
    check.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    sim = commands.add_parser(
        "simulate",
        help="run a release on a virtual clock and print the timeline",
        description=(
            "Run the real engine and state machine on in-memory workloads, router, metrics and webhooks, "
            "on a virtual clock, and print the timeline you would see in the cluster. Without --scenario, "
            "a healthy release. See docs/simulator.md for the scenario format. Exit 0 when it ran, 1 when "
            "a file is invalid, 2 when an argument is (or a path cannot be read)."
        ),
    )
    sim.add_argument("canary", metavar="CANARY.yaml")
    sim.add_argument("--scenario", metavar="SCENARIO.yaml")
    sim.add_argument("--output", choices=("text", "json"), default="text")
    sim.add_argument(
        "--mesh-provider",
        "-mesh-provider",
        default=DEFAULT_MESH_PROVIDER,
        metavar="NAME",
        help="the controller's -mesh-provider: the router of a Canary without spec.provider "
        f"(default: {DEFAULT_MESH_PROVIDER})",
    )
    sim.add_argument(
        "--min-interval",
        "-min-interval",
        default="10s",
        metavar="DURATION",
        help="the controller's -min-interval: the shortest analysis interval honoured (default: 10s)",
    )
    plugins_cmd = commands.add_parser("plugins", help="list installed plugins")
    plugins_cmd.add_argument("action", choices=("list",))
    commands.add_parser("loadtester", help="run the webhook test runner service", add_help=False)
    commands.add_parser("version", help="print the version")
    return parser


def validate(paths: Sequence[str], *, out: TextIO, err: TextIO, quiet: bool = False) -> int:
    """Print one line per problem; return the exit code: 2 when a file could not be checked
    (unreadable, or flagger-py failed on it), else 1 when anything is invalid, else 0."""
    tally = _Tally()
    for target in paths:
        try:
            names = loader.files(target)
        except loader.UnreadableInput as exc:
            _emit(err, f"flagger-py validate: cannot read {exc}")
            tally.unchecked += 1
            continue
        for path in names:
            _validate_file(path, tally, out=out, err=err)
    if not quiet:
        summary = f"{tally.checked} flagger.app object(s) checked, {tally.invalid} invalid"
        if tally.unchecked:
            summary += f", {tally.unchecked} input(s) could not be checked"
        _emit(err, summary)
    if tally.unchecked:
        return EXIT_UNREADABLE
    return EXIT_INVALID if tally.invalid else EXIT_OK


@dataclass
class _Tally:
    checked: int = 0
    invalid: int = 0
    unchecked: int = 0  # files (or paths) that could not be read or checked


def _validate_file(path: str, tally: _Tally, *, out: TextIO, err: TextIO) -> None:
    name = loader.display_name(path)
    index, checking = 0, False
    try:
        for document in loader.load(path):
            index, checking = document.index, True
            for verdict in check_loaded(document, refine=with_plugin_problem):
                tally.checked += 1
                tally.invalid += not verdict.valid
                subject = f" {verdict.kind}/{verdict.name}" if verdict.kind else ""
                for problem in verdict.problems:
                    _emit(out, f"{name}:{document.index}{subject} {problem}")
            checking = False
    except loader.UnreadableInput as exc:
        _emit(err, f"flagger-py validate: cannot read {exc}")
        tally.unchecked += 1
    except Exception as exc:  # a failure on one file must not hide the verdicts on the others
        where = f" (document {index})" if checking else f" (after document {index})" if index else ""
        reason = f"{type(exc).__name__}: {echo.value(exc, 200)}" if str(exc) else type(exc).__name__
        _emit(
            err,
            f"flagger-py validate: could not check {name}{where}: flagger-py failed ({reason}); "
            "please report this with the file",
        )
        tally.unchecked += 1


def _emit(stream: TextIO, line: str) -> None:
    """Write one line, escaping what the stream's encoding cannot write rather than failing."""
    try:
        stream.write(line + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(line.encode(encoding, "backslashreplace").decode(encoding) + "\n")


PLUGIN_FIELDS = {
    "Canary": ("router", ("spec", "provider")),
    "MetricTemplate": ("metric provider", ("spec", "provider", "type")),
    "AlertProvider": ("notifier", ("spec", "type")),
}
"""The field of each kind that names a plugin, and the plugin's kind."""


def with_plugin_problem(verdict: Verdict, content: Any) -> Verdict:
    """A valid object naming a router, metric provider or notifier that no installed plugin
    registers gets that problem, as it would in a cluster."""
    if verdict.kind not in PLUGIN_FIELDS or not verdict.valid:
        return verdict
    kind, field = PLUGIN_FIELDS[verdict.kind]
    name: Any = content
    for key in field:
        name = name.get(key) if isinstance(name, dict) else None
    installed = plugins.registry(kind)
    if not isinstance(name, str) or not name:
        return verdict
    if installed.has(name):
        return with_routing_problem(verdict, content, installed, name) if kind == "router" else verdict
    names = installed.names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    message = f"no {kind} named {name!r} is installed; available: {', '.join(names)}{hint}"
    return replace(verdict, problems=(Problem(".".join(field), message),))


class OfflineCluster:
    """The cluster of the routers ``validate`` asks: ``check`` is pure, so nothing reaches it."""

    async def get(self, *_: Any, **__: Any) -> Any:
        raise PluginError("flagger-py validate reads no cluster")

    async def apply(self, *_: Any, **__: Any) -> Any:
        raise PluginError("flagger-py validate writes nothing")

    async def delete(self, *_: Any, **__: Any) -> None:
        raise PluginError("flagger-py validate deletes nothing")


def with_routing_problem(verdict: Verdict, content: Any, routers: plugins.Registry, name: str) -> Verdict:
    """A valid Canary its router cannot route gets the router's reason (``routing_problem``)."""
    problem = routing_problem(Canary.model_validate(without_nulls(dict(content))), routers, name)
    return verdict if problem is None else replace(verdict, problems=(problem,))


def routing_problem(canary: Canary, routers: plugins.Registry, name: str) -> Problem | None:
    """Why the installed router ``name`` cannot route ``canary`` (``Router.check``: a missing
    ``spec.ingressRef``, a match or strategy the mesh cannot do), as the controller's admission says."""
    try:
        router = plugins.RouterSet(routers, RouterContext(OfflineCluster(), {})).get(name)
        reason = router.check(canary)
    except FlaggerError as exc:
        return Problem("spec.provider", str(exc))
    except Exception as exc:
        return Problem(
            "spec.provider", f"router {name!r} failed to check the Canary: {type(exc).__name__}: {exc}"
        )
    if reason is None:
        return None
    field, _, message = reason.partition(": ")
    return (
        Problem(field, message) if message and field.startswith("spec.") else Problem("spec.provider", reason)
    )


def run_controller(argv: Sequence[str], *, out: TextIO, err: TextIO) -> int:
    """Run the controller until SIGTERM; 1 on a fatal startup error or lost leadership, 2 on a bad
    command line (as Go's flag package), 0 after -h or -version."""
    try:
        parsed = controller_flags.parse(argv)
    except goflags.HelpRequested:
        out.write(RUN_HELP + controller_flags.usage())
        return EXIT_OK
    except ValueError as exc:
        print(f"flagger-py run: {exc}", file=err)
        return EXIT_UNREADABLE
    if parsed.version:
        out.write(f"flagger-py version {__version__}\n")
        return EXIT_OK
    return controller.main(parsed)


RUN_HELP = (
    "flagger-py run [FLAGS]: watch Canaries and run their releases.\n"
    "Flagger's flags, read as Go reads them (-name=value, -name value, --name, bare booleans); each flag\n"
    "can also come from FLAGGER_PY_<NAME> in the environment. See docs/install.md.\n\n"
)


def list_plugins(out: TextIO) -> int:
    """Print kind, name and distribution==version of every installed plugin."""
    rows = [("KIND", "NAME", "DISTRIBUTION")]
    for kind in plugins.GROUPS:
        rows += [(kind, name, origin) for name, origin in plugins.registry(kind).describe()]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for kind, name, origin in rows:
        out.write(f"{kind:<{widths[0]}}  {name:<{widths[1]}}  {origin}\n")
    return EXIT_OK


def run_simulation(
    canary_path: str,
    scenario_path: str | None,
    output: str,
    *,
    out: TextIO,
    err: TextIO,
    mesh_provider: str = DEFAULT_MESH_PROVIDER,
    min_interval: str = "10s",
) -> int:
    """Print the simulated timeline; 1 when a file's content is invalid (one line per problem, naming
    the file and field), 2 when an argument is (a flag's value, a path that cannot be read, a
    directory as --scenario). docs/simulator.md, "Exit status"."""
    try:
        seconds = Duration.parse(min_interval).seconds
    except ValueError as exc:
        print(f"flagger-py simulate: --min-interval: {exc}", file=err)
        return EXIT_UNREADABLE
    if seconds <= 0:
        print(
            f"flagger-py simulate: --min-interval: must be longer than 0s (got {min_interval!r}); "
            "the controller's default is 10s",
            file=err,
        )
        return EXIT_UNREADABLE
    defaults = ControllerDefaults(mesh_provider, seconds)
    routers = plugins.registry("router")
    names = routers.names()
    if not routers.has(mesh_provider):
        print(
            f"flagger-py simulate: --mesh-provider: no router named {mesh_provider!r} is installed; "
            f"available: {', '.join(names)}",
            file=err,
        )
        return EXIT_UNREADABLE
    try:
        canary = load.canary_from(canary_path, refine=_routed_by(mesh_provider))
        scenario = load.scenario_from(scenario_path, canary)
    except loader.UnreadableInput as exc:
        print(f"flagger-py simulate: cannot read {exc}", file=err)
        return EXIT_UNREADABLE
    except load.BadArgument as exc:
        print(f"flagger-py simulate: {exc}", file=err)
        return EXIT_UNREADABLE
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=err)
        return EXIT_INVALID
    result = simulate(canary, scenario, defaults)
    out.write(render.as_json(result) if output == "json" else render.text(result))
    return EXIT_OK


def _routed_by(mesh_provider: str) -> Callable[[Verdict, Any], Verdict]:
    """``simulate``'s refinement: the plugin checks of ``validate``, and for a Canary without
    ``spec.provider`` the check of the ``--mesh-provider`` router."""

    def refine(verdict: Verdict, content: Any) -> Verdict:
        verdict = with_plugin_problem(verdict, content)
        if not verdict.valid or (content.get("spec") or {}).get("provider"):
            return verdict
        return with_routing_problem(verdict, content, plugins.registry("router"), mesh_provider)

    return refine


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
