"""Reading the Canary and the scenario files for the simulator, with messages for their authors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flagger_py.errors import Problem, SpecError
from flagger_py.manifest import loader
from flagger_py.manifest.check import Verdict, check_document
from flagger_py.model.canary import Canary
from flagger_py.model.problems import from_validation_error, shown
from flagger_py.simulator.scenario import Scenario


class BadArgument(ValueError):
    """A command-line argument that names the wrong kind of thing (its message names the argument)."""


def canary_from(path: str, refine: Callable[[Verdict, Any], Verdict] | None = None) -> Canary:
    """The first Canary in ``path``; SpecError (one problem a line) when there is none or it is invalid
    (``refine`` adds what the schema and models cannot know, such as the router's refusal)."""
    for name, text in loader.sources(path):
        for document in loader.documents(name, text):
            content = document.content
            if document.error is not None:
                raise SpecError([Problem(f"{name}:{document.index}", document.error)])
            if not isinstance(content, Mapping) or content.get("kind") != "Canary":
                continue
            verdict = check_document(content)
            if verdict is not None and refine is not None:
                verdict = refine(verdict, content)
            if verdict is not None and not verdict.valid:
                raise SpecError(
                    [
                        Problem(f"{name}:{document.index} {p.path}".rstrip(), p.message)
                        for p in verdict.problems
                    ]
                )
            return Canary.model_validate(content)
    raise SpecError([Problem(path, "no Canary in this file")])


def scenario_from(path: str | None, canary: Canary) -> Scenario:
    """The scenario in ``path`` (a healthy release when None), checked against the canary.

    Read by the manifest loader, within its bounds (size, nesting, aliases, number lengths);
    BadArgument when ``path`` is a directory."""
    if path is None:
        return Scenario()
    if path != "-" and Path(path).is_dir():
        raise BadArgument(f"--scenario: {path} is a directory; give the path of one scenario file")
    ((name, text),) = loader.sources(path)
    documents = list(loader.documents(name, text))
    broken = next((d for d in documents if d.error is not None), None)
    if broken is not None:
        raise SpecError([Problem(name, str(broken.error))])
    if len(documents) > 1:
        raise SpecError(
            [
                Problem(
                    name, f"holds {len(documents)} YAML documents; a scenario is one (remove the extra ---)"
                )
            ]
        )
    content: Any = documents[0].content if documents else {}
    if not isinstance(content, Mapping):
        raise SpecError([Problem(name, "a scenario must be a mapping (see docs/simulator.md)")])
    try:
        scenario = Scenario.model_validate(content)
    except ValidationError as exc:
        raise SpecError(
            [Problem(f"{name} {p.path}".rstrip(), p.message) for p in from_validation_error(exc)]
        ) from exc
    problems = _unknown_names(
        name, "metrics", scenario.metrics, [m.name for m in canary.spec.analysis.metrics or ()]
    )
    problems += _unknown_names(
        name, "webhooks", scenario.webhooks, [w.name for w in canary.spec.analysis.webhooks or ()]
    )
    if problems:
        raise SpecError(problems)
    return scenario


def _unknown_names(source: str, section: str, scripted: Mapping[str, Any], known: list[str]) -> list[Problem]:
    has = ", ".join(known) or "none"
    return [
        Problem(
            f"{source} {section}.{key if len(key) <= 60 else shown(key)}",
            f"the canary has no {section[:-1]} named {shown(key)} (it has: {has})",
        )
        for key in scripted
        if key not in known
    ]
