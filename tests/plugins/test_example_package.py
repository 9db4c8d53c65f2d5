"""examples/plugins, a third-party plugin package, installed by pip into a fresh venv: flagger-py finds
its plugins through their entry points, they pass the contract kits, and broken copies of them fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "plugins"

BROKEN = '''
"""The example plugins with one defect each, run through the example's own kit tests: they must fail."""

from collections.abc import Mapping
from typing import Any

import test_kits
from flagger_py.spi import ALL_PRIMARY, Alert, Canary, ProviderAuthError
from flagger_py_example_plugins.configmap_router import ConfigMapRouter
from flagger_py_example_plugins.json_point import JsonPointProvider
from flagger_py_example_plugins.json_webhook import JsonWebhookNotifier


class ResettingRouter(ConfigMapRouter):
    async def reconcile(self, canary: Canary) -> None:
        await self.set_routes(canary, ALL_PRIMARY)


class FieldlessNotifier(JsonWebhookNotifier):
    def body(self, alert: Alert) -> Mapping[str, Any]:
        return {"message": alert.message, "canary": alert.subject}


class EscapingJsonPoint(JsonPointProvider):
    async def get(self, path: str, params: Mapping[str, str]) -> Any:
        response = await self.client.get(self.address + path, params=params, headers=self.headers)
        return response.json() if response.is_success else {}


class TellingJsonPoint(JsonPointProvider):
    async def get(self, path: str, params: Mapping[str, str]) -> Any:
        try:
            return await super().get(path, params)
        except ProviderAuthError as exc:
            raise ProviderAuthError(f"{exc} (sent {self.headers['Authorization']})") from exc


class TestResettingRouter(test_kits.TestConfigMapRouter):
    factory = ResettingRouter


class TestFieldlessNotifier(test_kits.TestJsonWebhook):
    factory = FieldlessNotifier


class TestEscapingJsonPoint(test_kits.TestJsonPoint):
    factory = EscapingJsonPoint


class TestTellingJsonPoint(test_kits.TestJsonPoint):
    factory = TellingJsonPoint
'''


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv that sees flagger-py's environment (no index: the test is offline) and holds the
    example package, installed by pip from a copy (the build writes beside its sources)."""
    root = tmp_path_factory.mktemp("example")
    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = Path(sysconfig.get_paths(vars={"base": str(env), "platbase": str(env)})["purelib"])
    ours = sysconfig.get_paths()["purelib"]
    (site / "flagger_py_env.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    source = shutil.copytree(EXAMPLE, root / "source")
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*pip, "--quiet", "--prefix", str(env), str(source)], check=True)
    return env


def run(venv: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(venv / "bin" / "python"), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=environment,
    )


def pytest_in(venv: Path, tests: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """pytest run by the venv's interpreter on ``tests``, from the folder above them."""
    return run(venv, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, str(tests), cwd=tests.parent)


def outcomes(summary: str, outcome: str) -> set[str]:
    """``Class::test`` of each test with ``outcome`` in a pytest ``-rA`` short summary."""
    lines = (line.split(" ")[1] for line in summary.splitlines() if line.startswith(f"{outcome} "))
    return {line.split("::", 1)[1] for line in lines}


def test_the_package_s_plugins_are_listed_from_its_distribution(venv: Path) -> None:
    listed = run(venv, "-m", "flagger_py", "plugins", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {tuple(line.split()) for line in listed.stdout.splitlines()}
    assert ("router", "configmap", "flagger-py-example-plugins==0.1.0") in rows
    assert ("metric", "provider", "example.com/jsonpoint", "flagger-py-example-plugins==0.1.0") in rows
    assert ("notifier", "example.com/jsonwebhook", "flagger-py-example-plugins==0.1.0") in rows


def test_the_package_s_own_tests_run_the_kits_and_pass(venv: Path, tmp_path: Path) -> None:
    tests = shutil.copytree(EXAMPLE / "tests", tmp_path / "tests")
    ran = pytest_in(venv, tests, "-rA")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    summary = ran.stdout.splitlines()[-1]
    assert " passed" in summary, ran.stdout
    assert "failed" not in summary, ran.stdout
    assert "error" not in summary, ran.stdout
    kits = {test.split("::")[0] for test in outcomes(ran.stdout, "PASSED")}
    assert kits == {"TestConfigMapRouter", "TestJsonWebhook", "TestJsonPoint"}, ran.stdout


def test_the_kits_fail_broken_copies_of_the_plugins(venv: Path, tmp_path: Path) -> None:
    tests = shutil.copytree(EXAMPLE / "tests", tmp_path / "tests")
    (tests / "test_broken.py").write_text(BROKEN)
    ran = pytest_in(venv, tests / "test_broken.py", "-rA")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    failed, passed = outcomes(ran.stdout, "FAILED"), outcomes(ran.stdout, "PASSED")
    assert "TestResettingRouter::test_reconcile_is_idempotent_and_keeps_the_weights" in failed, ran.stdout
    assert "TestFieldlessNotifier::test_the_alert_reaches_the_payload_at_every_severity" in failed, ran.stdout
    assert "TestEscapingJsonPoint::test_transport_errors_and_timeouts_are_unavailable" in failed, ran.stdout
    assert "TestTellingJsonPoint::test_401_and_403_are_auth_errors" in failed, ran.stdout
    assert "TestTellingJsonPoint::test_transport_errors_and_timeouts_are_unavailable" in passed, ran.stdout


def test_a_template_and_an_alert_provider_naming_the_plugins_validate(venv: Path, tmp_path: Path) -> None:
    manifests = tmp_path / "uses-plugins.yaml"
    manifests.write_text(
        "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata: {name: errors, namespace: test}\n"
        "spec: {provider: {type: example.com/jsonpoint, address: http://m.example.com}, query: errors}\n"
        "---\napiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata: {name: chat, namespace: test}\n"
        "spec: {type: example.com/jsonwebhook, address: https://chat.example.com/hooks/x}\n"
    )
    checked = run(venv, "-m", "flagger_py", "validate", str(manifests))
    assert checked.returncode == 0, checked.stdout + checked.stderr
