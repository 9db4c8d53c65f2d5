"""No secret reaches a log line, an Event, the Canary's status, an alert or /metrics: a release
whose every secret-bearing field carries a credential, run by the controller process at debug
level on the real control plane, and everything it wrote grepped for them."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from flagger_py.testing.cluster import Cluster
from tests.cluster import kube, workloads
from tests.cluster.controller import Controllers, eventually
from tests.webhooks.server import Server

SECRETS = {
    "hook user info": "hookpass-s3cr3t1",
    "hook query": "hooktoken-s3cr3t2",
    "hook answer bearer": "bodybearer-s3cr3t3",
    "hook answer password": "bodypass-s3cr3t4",
    "slack user info": "slackpass-s3cr3t5",
    "slack path": "SLACKPATH-s3cr3t6",
    "slack token": "xoxb-s3cr3t7",
    "bad provider address": "badaddress-s3cr3t8",
    "global event webhook query": "eventtoken-s3cr3t9",
}


def test_no_secret_reaches_logs_events_status_alerts_or_metrics(
    flagger_crds: Cluster, namespace: str, controllers: Controllers, serve: Callable[..., Server]
) -> None:
    cluster, ns, s = flagger_crds, namespace, SECRETS
    bearer, password = s["hook answer bearer"], s["hook answer password"]
    answer = f'denied: curl -H "Authorization: Bearer {bearer}" password={password}'
    hooks = serve(lambda path, _n: (403, answer) if path.startswith("/hook") else (500, "sink down"))
    slack = serve(lambda _p, _n: (200, "ok"))
    host, slack_host = hooks.url.removeprefix("http://"), slack.url.removeprefix("http://")
    for name, address in {
        "slack-url": f"http://bot:{s['slack user info']}@{slack_host}/services/T0/{s['slack path']}",
        "bad-url": f"http://{host}/{s['bad provider address']}\n",  # what echo without -n gives
    }.items():
        data = {"address": address, **({"token": s["slack token"]} if name == "slack-url" else {})}
        cluster.api.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": ns},
                "stringData": data,
            }
        )
        provider = {"type": "slack", "channel": "releases", "secretRef": {"name": name}}
        cluster.api.apply(
            {
                "apiVersion": "flagger.app/v1beta1",
                "kind": "AlertProvider",
                "metadata": {"name": name, "namespace": ns},
                "spec": provider,
            }
        )
    hook = {
        "name": "smoke",
        "type": "rollout",
        "url": f"http://ci:{s['hook user info']}@{host}/hook?token={s['hook query']}",
    }
    alerts = [{"name": n, "severity": "info", "providerRef": {"name": n}} for n in ("slack-url", "bad-url")]
    cluster.api.apply(workloads.deployment(ns, replicas=1, image="podinfo:6.0.0"))
    cluster.api.apply(workloads.bluegreen(ns, analysis={"webhooks": [hook], "alerts": alerts}))
    event_hook = f"{hooks.url}/events?token={s['global event webhook query']}"
    controller = controllers("--log-level", "debug", "--event-webhook", event_hook)
    eventually("Initialized", lambda: kube.phase(cluster, ns) == "Initialized", 60)
    kube.set_image(cluster, ns, "Deployment", "podinfo", "podinfo:6.0.1")
    eventually("rolled back", lambda: kube.phase(cluster, ns) == "Failed", 90)
    eventually("alerts sent", lambda: len(slack.requests) >= 3, 60)

    # the credentials still reach the hook, as basic auth, through the controller's transport
    sent = next(headers for path, _, headers in hooks.requests if path.startswith("/hook"))
    assert sent["Authorization"] == "Basic " + base64.b64encode(f"ci:{s['hook user info']}".encode()).decode()
    events = [e["message"] for e in kube.events(cluster, ns)]
    failed = next(m for m in events if "advancement external check smoke failed" in m)
    assert f"POST http://{host}/hook?...: 403 denied: curl -H" in failed, (
        "the failure still says where and why"
    )
    assert any("alert bad-url of podinfo." in m and "trailing whitespace" in m for m in events)
    written = {
        "controller log": controller.log(),
        "Events": json.dumps(kube.events(cluster, ns)),
        "Canary status": json.dumps(kube.status(cluster, ns)),
        "alerts": json.dumps([body for _, body, _ in slack.requests]),
        "event webhook payloads": json.dumps([body for _, body, _ in hooks.requests]),
        "/metrics": controller.metrics(),
    }
    leaks = [
        (field, where) for field, secret in s.items() for where, text in written.items() if secret in text
    ]
    assert not leaks, leaks
