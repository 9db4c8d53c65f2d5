"""docs/state-machine.md's diagram draws exactly the phase changes the machine is held to."""

from __future__ import annotations

import re

from flagger_py.domain.phases import TRANSITIONS
from tests.paths import REPO


def drawn() -> set[tuple[str, str]]:
    text = (REPO / "docs" / "state-machine.md").read_text()
    diagram = text.split("```mermaid\nstateDiagram-v2\n", 1)[1].split("```", 1)[0]
    edges = re.findall(r"^\s*(\[\*\]|\w+) --> (\w+)", diagram, re.MULTILINE)
    return {("" if source == "[*]" else source, target) for source, target in edges}


def test_the_diagram_is_the_transitions_table() -> None:
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    stays = {(source, target) for source, target in drawn() if source == target}
    assert drawn() - stays == table - stays
