"""Every upstream CRD under shared/thirdparty-crds installs, and one object of each kind the routers
need is accepted and read back unpruned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flagger_py.testing.cluster import Cluster, renamed_group
from tests.paths import THIRDPARTY_CRDS

# Files that define a CRD name another file defines too: installed under a renamed group.
ALTERNATES = {
    Path("gateway-api/experimental/gateway.networking.k8s.io_httproutes.yaml"),
    Path("smi/smi-sdk-go/split.yaml"),
    Path("smi/osm/smi_traffic_split.yaml"),
}


def crd_files() -> list[Path]:
    return sorted(p for p in THIRDPARTY_CRDS.rglob("*") if p.suffix in (".yaml", ".yml"))


def crds_in(path: Path) -> list[dict[str, Any]]:
    return [
        d for d in yaml.safe_load_all(path.read_text()) if d and d.get("kind") == "CustomResourceDefinition"
    ]


@pytest.fixture(scope="module")
def thirdparty(kube_cluster: Cluster) -> Cluster:
    primary = [d for p in crd_files() if p.relative_to(THIRDPARTY_CRDS) not in ALTERNATES for d in crds_in(p)]
    kube_cluster.install_crds(primary, timeout=60)
    return kube_cluster


@pytest.mark.shared
def test_every_file_is_covered() -> None:
    files = crd_files()
    assert len(files) >= 20
    assert all(crds_in(p) for p in files)


@pytest.mark.parametrize("path", sorted(ALTERNATES), ids=str)
def test_alternate_variants_install(thirdparty: Cluster, path: Path) -> None:
    suffix = path.parts[-2].replace("_", "-")
    crds = [
        renamed_group(c, f"{c['spec']['group']}.{suffix}.alt.test") for c in crds_in(THIRDPARTY_CRDS / path)
    ]
    thirdparty.install_crds(crds, timeout=60)


def split() -> list[dict[str, Any]]:
    """The backends of a 90/10 split, as the Gateway API, Contour and Traefik name them."""
    return [
        {"name": "podinfo-primary", "port": 9898, "weight": 90},
        {"name": "podinfo-canary", "port": 9898, "weight": 10},
    ]


def router_objects(namespace: str) -> list[dict[str, Any]]:
    meta = {"name": "podinfo", "namespace": namespace}
    return [
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": meta,
            "spec": {
                "hosts": ["podinfo"],
                "gateways": ["mesh"],
                "http": [
                    {
                        "route": [
                            {"destination": {"host": "podinfo-primary"}, "weight": 90},
                            {"destination": {"host": "podinfo-canary"}, "weight": 10},
                        ]
                    }
                ],
            },
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "DestinationRule",
            "metadata": meta,
            "spec": {"host": "podinfo-primary", "trafficPolicy": {"tls": {"mode": "DISABLE"}}},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": meta,
            "spec": {
                "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
                "hostnames": ["app.example.com"],
                "rules": [{"backendRefs": split()}],
            },
        },
        {
            "apiVersion": "projectcontour.io/v1",
            "kind": "HTTPProxy",
            "metadata": meta,
            "spec": {
                "routes": [
                    {
                        "conditions": [{"prefix": "/"}],
                        "services": split(),
                    }
                ]
            },
        },
        {
            "apiVersion": "traefik.io/v1alpha1",
            "kind": "TraefikService",
            "metadata": meta,
            "spec": {"weighted": {"services": split()}},
        },
        {
            "apiVersion": "split.smi-spec.io/v1alpha2",
            "kind": "TrafficSplit",
            "metadata": meta,
            "spec": {
                "service": "podinfo",
                "backends": [
                    {"service": "podinfo-primary", "weight": 90},
                    {"service": "podinfo-canary", "weight": 10},
                ],
            },
        },
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": meta,
            "spec": {
                "scaleTargetRef": {"name": "podinfo-primary"},
                "minReplicaCount": 1,
                "maxReplicaCount": 4,
                "triggers": [
                    {
                        "type": "prometheus",
                        "metadata": {
                            "serverAddress": "http://prometheus:9090",
                            "query": "sum(rate(x[1m]))",
                            "threshold": "10",
                        },
                    }
                ],
            },
        },
    ]


@pytest.mark.parametrize(
    "index",
    range(7),
    ids=[
        "VirtualService",
        "DestinationRule",
        "HTTPRoute",
        "HTTPProxy",
        "TraefikService",
        "TrafficSplit",
        "ScaledObject",
    ],
)
def test_router_object_is_accepted_unpruned(thirdparty: Cluster, namespace: str, index: int) -> None:
    obj = router_objects(namespace)[index]
    stored = thirdparty.api.apply(obj)
    assert _subset(obj["spec"], stored["spec"]), stored["spec"]


def _subset(small: Any, big: Any) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _subset(v, big[k]) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(small) == len(big) and all(map(_subset, small, big))
    return bool(small == big)
