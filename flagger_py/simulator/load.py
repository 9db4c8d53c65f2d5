"""Reading the Canary and the scenario files for the simulator, with messages for their authors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from flagger_py.errors import Problem, SpecError
from flagger_py.manifest import loader
from flagger_py.manifest.check import check_document
from flagger_py.model.canary import Canary
from flagger_py.model.problems import from_validation_error
from flagger_py.simulator.scenario import Scenario


def canary_from(path: str) -> Canary:
    """The first Canary in ``path``; SpecError (one problem a line) when there is none or it is invalid."""
    for name, text in loader.sources(path):
        for document in loader.documents(name, text):
            content = document.content
            if document.error is not None:
                raise SpecError([Problem(f"{name}:{document.index}", document.error)])
            if not isinstance(content, Mapping) or content.get("kind") != "Canary":
                continue
            verdict = check_document(content)
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
    """The scenario in ``path`` (a healthy release when None), checked against the canary."""
    if path is None:
        return Scenario()
    ((name, text),) = loader.sources(path)
    try:
        content: Any = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SpecError([Problem(name, f"not valid YAML: {str(exc).splitlines()[0]}")]) from exc
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
            f"{source} {section}.{key}", f"the canary has no {section[:-1]} named {key!r} (it has: {has})"
        )
        for key in scripted
        if key not in known
    ]
