"""Server-side apply from two field managers reports a conflict on a shared field."""

from __future__ import annotations

import httpx
import pytest

from flagger_py.testing.cluster import Cluster
from tests.cluster.workloads import deployment


def test_conflict_between_two_managers(kube_cluster: Cluster, namespace: str) -> None:
    api = kube_cluster.api
    api.apply(deployment(namespace, replicas=2), manager="flux")
    with pytest.raises(httpx.HTTPStatusError) as info:
        api.apply(deployment(namespace, replicas=5), manager="flagger-py", force=False)
    assert info.value.response.status_code == 409
    body = info.value.response.json()
    assert "conflict" in body["message"].lower()
    assert any(c.get("field") == ".spec.replicas" for c in body["details"]["causes"])
    # Forcing takes ownership, and the other manager no longer owns the field.
    api.apply(deployment(namespace, replicas=5), manager="flagger-py", force=True)
    managed = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/podinfo")["metadata"][
        "managedFields"
    ]
    owners = [m["manager"] for m in managed if "f:replicas" in str(m.get("fieldsV1", {}))]
    assert owners == ["flagger-py"]
