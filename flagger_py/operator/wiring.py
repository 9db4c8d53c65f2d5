"""Building the controller's collaborators from its settings (the one place that knows them all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from flagger_py.alerting.router import AlertRouter
from flagger_py.allowlist import AllowList
from flagger_py.analysis.analyzer import MetricAnalyzer
from flagger_py.desired import knative
from flagger_py.domain.actions import EventType
from flagger_py.engine.reconcile import Engine
from flagger_py.kube.client import KubeClient
from flagger_py.kube.events import KubeEvents
from flagger_py.kube.finalizers import KubeFinalizers
from flagger_py.kube.informers import Caches
from flagger_py.kube.knative import KnativeWorkloads
from flagger_py.kube.lookups import KubeLookup
from flagger_py.kube.objects import KubeObjects
from flagger_py.kube.service_target import KubeServiceTarget
from flagger_py.kube.status import KubeStatus
from flagger_py.kube.targets import Targets, TargetWorkloads
from flagger_py.kube.workloads import KubeWorkloads, WorkloadSettings
from flagger_py.model.canary import Canary
from flagger_py.operator.clock import WallClock
from flagger_py.operator.flags import Settings
from flagger_py.operator.outbox import Outbox, QueuedNotifier, stream
from flagger_py.operator.reconciler import Reconciler
from flagger_py.operator.scheduler import Scheduler
from flagger_py.operator.telemetry import Telemetry
from flagger_py.operator.transport import http_client
from flagger_py.plugins import RouterSet, registry
from flagger_py.ports import RouterContext
from flagger_py.ports.adapters import Adapters
from flagger_py.ports.metrics import ApiServer, MetricContext
from flagger_py.spi.notifiers import ChatSettings, Notifier
from flagger_py.webhooks.caller import HttpWebhookCaller
from flagger_py.webhooks.events import EventWebhooks


@dataclass(frozen=True)
class Wired:
    """The running controller's parts that need stopping: the per-canary tasks, then the deliveries
    still pending in the outbox (alerts and event webhooks)."""

    scheduler: Scheduler
    outbox: Outbox
    analyzer: MetricAnalyzer

    async def stop(self, grace: float = 5.0) -> None:
        await self.scheduler.stop()
        await self.outbox.close(grace)


def build(
    settings: Settings,
    client: KubeClient,
    caches: Caches,
    http: httpx.AsyncClient,
    api_http: httpx.AsyncClient,
    telemetry: Telemetry,
) -> Wired:
    clock = WallClock()
    outbox = Outbox()
    insecure = http_client(verify=False)
    allow = AllowList.load(settings.outbound_allow_list)
    caller = HttpWebhookCaller(http, insecure, allow=allow)
    event_hooks = EventWebhooks(caller, settings.event_webhook or None)

    async def forward(canary: Canary, kind: EventType, message: str, ms: int) -> None:
        if canary.spec is None:  # a Canary with an invalid spec has no webhooks to read
            return

        async def deliver() -> None:
            await event_hooks.send(canary, kind, message, ms)

        outbox.put(f"events of {stream(canary)}", deliver)

    lookup = KubeLookup(client, caches["MetricTemplate"], caches["AlertProvider"])
    objects = KubeObjects(client, caches.namespace)
    proxies: dict[str | None, httpx.AsyncClient] = {None: http}

    def clients(proxy: str | None) -> httpx.AsyncClient:
        if proxy not in proxies:
            proxies[proxy] = httpx.AsyncClient(timeout=http.timeout, proxy=proxy)
        return proxies[proxy]

    events = KubeEvents(client, clock, forward)
    notifier = AlertRouter(
        lookup,
        clients,
        events=events,
        allow=allow,
        cluster_name=settings.cluster_name,
        global_notifier=global_notifier(settings, clients),
    )
    scheduler_ref: list[Scheduler] = []

    def written(body: dict[str, Any]) -> None:
        scheduler_ref[0].written(body)
        telemetry.status_written(body)

    analyzer = MetricAnalyzer(
        lookup,
        MetricContext(http, insecure, objects, ApiServer(api_http, client.authorization or _anonymous)),
        settings.metrics_server,
        settings.mesh_provider,
        record=telemetry.record_check,
        allow=allow,
    )
    router_options = {
        "ingress-class": settings.ingress_class,
        "ingress-annotations-prefix": settings.ingress_annotations_prefix,
        "mesh-provider": settings.mesh_provider,
        "selector-labels": ",".join(settings.selector_labels),
    }
    adapters = Adapters(
        workloads=targets(settings, client, caches, clock, objects),
        routers=RouterSet(registry("router"), RouterContext(objects, router_options)),
        analyzer=analyzer,
        webhooks=caller,
        alerter=QueuedNotifier(notifier, outbox),
        events=events,
        status=KubeStatus(client, written),
        clock=clock,
        finalizers=KubeFinalizers(client),
    )
    reconciler = Reconciler(Engine(adapters, settings.defaults), observer=telemetry)
    scheduler = Scheduler(reconciler, caches, telemetry.lateness.observe)
    scheduler_ref.append(scheduler)
    telemetry.count_canaries(lambda: list(scheduler.bodies))
    telemetry.count_dropped(lambda: outbox.dropped)
    return Wired(scheduler, outbox, analyzer)


def targets(
    settings: Settings, client: KubeClient, caches: Caches, clock: WallClock, objects: KubeObjects
) -> Targets:
    """The Workloads port of every target kind the controller releases, by ``spec.targetRef``."""
    pods = KubeWorkloads(
        client,
        caches,
        clock,
        WorkloadSettings(
            selector_labels=settings.selector_labels,
            include_label_prefixes=settings.include_label_prefix,
            config_tracking=settings.enable_config_tracking,
        ),
    )
    kinds: dict[tuple[str | None, str], TargetWorkloads] = {
        (None, "Deployment"): pods,
        (None, "DaemonSet"): pods,
        (None, "Service"): KubeServiceTarget(client, caches, settings.include_label_prefix),
        (knative.API, knative.SERVICE): KnativeWorkloads(objects, clock),
    }
    return Targets(kinds)


async def _anonymous() -> str | None:
    return None


def global_notifier(settings: Settings, clients: Any) -> Notifier | None:
    """MS Teams when -msteams-url is set, else Slack when -slack-url is set (as Flagger)."""
    notifiers = registry("notifier")
    if settings.msteams_url:
        plugin = notifiers.get("msteams")
        return plugin(clients(settings.msteams_proxy_url or None), ChatSettings(settings.msteams_url))  # type: ignore[no-any-return]
    if settings.slack_url:
        plugin = notifiers.get("slack")
        chat = ChatSettings(
            settings.slack_url,
            settings.slack_channel or "general",
            settings.slack_user,
            settings.slack_token or None,
        )
        return plugin(clients(settings.slack_proxy_url or None), chat)  # type: ignore[no-any-return]
    return None
