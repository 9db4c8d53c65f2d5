"""The Helm charts: lint, golden renderings, flags the programs accept, least-privilege RBAC, the
security context, schema messages, and the PrometheusRule checked by promtool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py.loadtester.main import parser as loadtester_parser
from flagger_py.operator import flags
from tests.charts.helm import CASES, find, helm, objects, template, values_args
from tests.paths import CHARTS, REPO

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = find(docs, "Deployment")
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize(("chart", "case"), list(CASES))
def test_lint(chart: str, case: str) -> None:
    helm(
        "lint", "--strict", str(CHARTS / chart), "--kube-version", "1.36.0", *values_args(CASES[chart, case])
    )


@pytest.mark.parametrize(("chart", "case"), list(CASES))
def test_rendering_matches_the_golden_file(chart: str, case: str) -> None:
    rendered = template(chart, CASES[chart, case])
    golden = GOLDEN / f"{chart}-{case}.yaml"
    if UPDATE:
        golden.write_text(rendered)
    assert golden.exists(), f"{golden.name} missing: UPDATE_GOLDEN=1 pytest tests/charts writes it"
    assert rendered == golden.read_text(), (
        f"{golden.name} differs: review, then UPDATE_GOLDEN=1 pytest tests/charts"
    )


def test_default_controller_flags() -> None:
    args = container(objects(template("flagger-py")))["args"]
    assert args[0] == "run"
    parsed = flags.parse(args[1:], environ={})
    assert (parsed.mesh_provider, parsed.metrics_server) == ("istio", "http://prometheus:9090")
    assert parsed.port == 8080
    assert parsed.namespace == ""
    assert parsed.enable_config_tracking is True
    assert parsed.enable_leader_election is False


def test_full_controller_flags_and_environment() -> None:
    docs = objects(template("flagger-py", "flagger-py-full.yaml"))
    main = container(docs)
    parsed = flags.parse(main["args"][1:], environ={})
    assert parsed.mesh_provider == "gatewayapi:v1"
    assert parsed.namespace == "team-a"
    assert parsed.cluster_name == "prod-eu-1"
    assert parsed.no_cross_namespace_refs is True
    assert parsed.enable_config_tracking is False
    assert parsed.enable_leader_election is True
    assert parsed.leader_election_namespace == parsed.lease_namespace == "team-a"
    assert parsed.leader_election_lease_duration == 30
    assert parsed.selector_labels == ("app.kubernetes.io/name", "app")
    assert parsed.slack_channel == "releases"
    env = {e["name"]: e for e in main["env"]}
    assert env["SLACK_URL"]["valueFrom"]["secretKeyRef"] == {"name": "slack-webhook", "key": "url"}
    assert env["MSTEAMS_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "rel-flagger-py-notifiers",
        "key": "msteams-url",
    }
    assert env["FLAGGER_PY_MIN_INTERVAL"]["value"] == "5s"
    secret = find(docs, "Secret")
    assert set(secret["stringData"]) == {"msteams-url", "event-webhook"}  # slack comes from the user's Secret
    deployment = find(docs, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert main["image"] == "registry.example.com/flagger-py:0.1.0-rc1"


@pytest.mark.parametrize("case", [None, "loadtester-full.yaml"])
def test_loadtester_flags(case: str | None) -> None:
    args = container(objects(template("loadtester", case)))["args"]
    assert args[0] == "loadtester"
    parsed = loadtester_parser().parse_args(args[1:])
    assert parsed.port == 8080
    assert parsed.gate_file == "/data/gates.json"
    if case:
        assert (parsed.timeout, parsed.namespace_regexp) == ("30m", "team-.*")


def _rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: sorted(v) for k, v in rule.items()} for rule in doc["rules"]]


def test_cluster_role_is_the_documented_rbac() -> None:
    """deploy/rbac.yaml (for installs without Helm) grants exactly what the chart grants by default."""
    deploy = [d for d in yaml.safe_load_all((REPO / "deploy" / "rbac.yaml").read_text()) if d]
    rendered = objects(
        template("flagger-py", None, "rel", "flagger-system", "--set", "leaderElection.enabled=true")
    )
    assert _rules(find(rendered, "ClusterRole")) == _rules(find(deploy, "ClusterRole"))
    election = find(rendered, "Role")
    assert _rules(election) == _rules(find(deploy, "Role"))
    assert election["metadata"]["namespace"] == "flagger-system"


def test_one_namespace_means_nothing_cluster_wide() -> None:
    docs = objects(template("flagger-py", "flagger-py-full.yaml"))
    assert not [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    role = find(docs, "Role", "rel-flagger-py")
    assert role["metadata"]["namespace"] == "team-a"
    groups = {g for rule in role["rules"] for g in rule["apiGroups"]}
    assert "gateway.networking.k8s.io" in groups
    assert "example.com" in groups  # rbac.extraRules
    assert not groups & {"networking.istio.io", "projectcontour.io", "traefik.io", "metrics.keptn.sh"}
    binding = find(docs, "RoleBinding", "rel-flagger-py")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "rel-flagger-py", "namespace": "flagger-system"}
    ]
    # The Lease lives in the watched namespace, as Flagger puts it: its Role goes there too.
    assert find(docs, "Role", "rel-flagger-py-leader-election")["metadata"]["namespace"] == "team-a"


@pytest.mark.parametrize("chart", ["flagger-py", "loadtester"])
def test_runs_as_non_root_on_a_read_only_root_filesystem(chart: str) -> None:
    docs = objects(template(chart))
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    context = container(docs)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in container(docs)["volumeMounts"]}
    assert "/tmp" in mounts  # the only writable paths are volumes


@pytest.mark.parametrize(
    ("chart", "setting", "message"),
    [
        ("flagger-py", "rbac.routers={isito}", "at '/rbac/routers/0': value must be one of"),
        (
            "flagger-py",
            "logLevel=verbose",
            "at '/logLevel': value must be one of 'debug', 'info', 'warning', 'error'",
        ),
        ("flagger-py", "meshprovider=istio", "additional properties 'meshprovider' not allowed"),
        ("flagger-py", "metricsServer=prometheus:9090", "at '/metricsServer'"),
        ("flagger-py", "prometheusRule.stuckFor=an hour", "at '/prometheusRule/stuckFor'"),
        ("loadtester", "replicaCount=3", "at '/replicaCount'"),
        ("loadtester", "cmd.timeout=1 hour", "at '/cmd/timeout'"),
    ],
)
def test_the_schema_names_a_bad_value(chart: str, setting: str, message: str) -> None:
    args = ["template", "rel", str(CHARTS / chart), "--kube-version", "1.36.0", "--set", setting]
    result = helm(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_prometheus_rule_passes_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool missing: scripts/system-deps.sh installs the prometheus package that has it")
    rule = find(objects(template("flagger-py", "flagger-py-full.yaml")), "PrometheusRule")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 3 rules found" in result.stdout
    stuck = next(r for r in rule["spec"]["groups"][0]["rules"] if r["alert"] == "CanaryStuck")
    assert stuck["for"] == "2h"


def test_the_dashboard_config_map_carries_the_dashboard_file() -> None:
    docs = objects(template("flagger-py", "flagger-py-full.yaml"))
    config = find(docs, "ConfigMap")
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    shipped = json.loads((CHARTS / "flagger-py" / "dashboards" / "flagger-py.json").read_text())
    assert json.loads(config["data"]["flagger-py.json"]) == shipped
