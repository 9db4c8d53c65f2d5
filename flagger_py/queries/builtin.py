"""The built-in metrics ``request-success-rate`` (percent of non-5xx) and ``request-duration``
(milliseconds) of each mesh and ingress, as query templates (flagger-behavior.md §6.3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from flagger_py.errors import PluginNotFound
from flagger_py.queries.template import Variables


@dataclass(frozen=True)
class Observer:
    """The two built-in queries of one mesh or ingress."""

    success_rate: str
    duration: str
    encode: Callable[[Variables], Variables] | None = None
    """How the mesh spells the names the queries use, when not as Kubernetes does (Skipper)."""

    def query(self, metric: str) -> str:
        return self.success_rate if metric == "request-success-rate" else self.duration

    def variables(self, values: Variables) -> Variables:
        """The values the built-in queries are rendered with."""
        return self.encode(values) if self.encode is not None else values


def skipper_names(values: Variables) -> Variables:
    """Names as Skipper's route ids spell them: every non-word character an underscore (Flagger's
    encodeModelForSkipper, Go's regexp \\W)."""
    words = re.compile(r"[^0-9A-Za-z_]")
    return replace(
        values,
        name=words.sub("_", values.name),
        namespace=words.sub("_", values.namespace),
        target=words.sub("_", values.target),
        service=words.sub("_", values.service),
        ingress=words.sub("_", values.ingress),
    )


POD = "{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"


def _ratio(metric: str, selector: str, good: str) -> str:
    window = "[{{ interval }}]"
    ok = f"sum(rate({metric}{{{selector},{good}}}{window}))"
    return f"{ok} / sum(rate({metric}{{{selector}}}{window})) * 100"


def _p99(bucket: str, selector: str, scale: str = "") -> str:
    return f"histogram_quantile(0.99, sum(rate({bucket}{{{selector}}}[{{{{ interval }}}}])) by (le)){scale}"


def _mean_ms(seconds: str, selector: str) -> str:
    """The mean of a histogram or summary in seconds (its ``_sum`` over its ``_count``), in milliseconds."""
    window = "[{{ interval }}]"
    total, count = f"{seconds}_sum{{{selector}}}{window}", f"{seconds}_count{{{selector}}}{window}"
    return f"sum(rate({total})) / sum(rate({count})) * 1000"


_ISTIO = (
    'reporter="destination",destination_workload_namespace="{{ namespace }}",'
    'destination_workload=~"{{ target }}"'
)
_LINKERD = 'namespace="{{ namespace }}",deployment=~"{{ target }}",direction="inbound"'
_HTTP = f'kubernetes_namespace="{{{{ namespace }}}}",kubernetes_pod_name=~"{POD}"'
_CONTOUR = 'envoy_cluster_name=~"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+"'
_GLOO = 'envoy_cluster_name=~"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+"'
_APPMESH = f'kubernetes_namespace="{{{{ namespace }}}}",kubernetes_pod_name=~"{POD}"'
_NGINX = 'namespace="{{ namespace }}",ingress="{{ ingress }}",canary!=""'
_TRAEFIK = 'service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"'
_OSM = 'destination_namespace="{{ namespace }}",destination_kind="Deployment",destination_name="{{ target }}"'
_KUMA = 'service=~"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+"'
_APISIX = 'route=~"{{ namespace }}_{{ route }}-{{ target }}-canary_.+"'
_KNATIVE = 'envoy_cluster_name=~"{{ namespace }}/{{ route }}"'
_SKIPPER = 'route=~"kube(ew)?_{{ namespace }}__{{ ingress }}_canary__.*__{{ service }}_canary(_[0-9]+)?"'


def _counted(requests: str, good: str, bucket: str, selector: str, scale: str = "") -> Observer:
    """The usual pair: the good share of a request counter, the p99 of a latency histogram."""
    return Observer(_ratio(requests, selector, good), _p99(bucket, selector, scale))


def _envoy(selector: str) -> Observer:
    """Envoy's upstream cluster statistics, for the meshes and ingresses built on Envoy."""
    return _counted(
        "envoy_cluster_upstream_rq",
        'envoy_response_code!~"5.*"',
        "envoy_cluster_upstream_rq_time_bucket",
        selector,
    )


OBSERVERS: Mapping[str, Observer] = {
    "istio": _counted(
        "istio_requests_total", 'response_code!~"5.*"', "istio_request_duration_milliseconds_bucket", _ISTIO
    ),
    "linkerd": _counted(
        "response_total", 'classification!="failure"', "response_latency_ms_bucket", _LINKERD
    ),
    "kubernetes": _counted(
        "http_request_duration_seconds_count",
        'status!~"5.*"',
        "http_request_duration_seconds_bucket",
        _HTTP,
        " * 1000",
    ),
    "appmesh": _envoy(_APPMESH),
    "contour": _envoy(_CONTOUR),
    "gloo": _envoy(_GLOO),
    "nginx": Observer(
        _ratio("nginx_ingress_controller_requests", _NGINX, 'status!~"5.*"'),
        _mean_ms("nginx_ingress_controller_response_duration_seconds", _NGINX),
    ),
    "traefik": Observer(
        _ratio("traefik_service_request_duration_seconds_bucket", _TRAEFIK + ',le="+Inf"', 'code!~"5.."'),
        _p99("traefik_service_request_duration_seconds_bucket", _TRAEFIK, " * 1000"),
    ),
    "skipper": Observer(
        "sum(rate(skipper_response_duration_seconds_bucket{"
        + _SKIPPER
        + ',code!~"5..",le="+Inf"}[{{ interval }}])) / sum(rate(skipper_response_duration_seconds_bucket{'
        + _SKIPPER
        + ',le="+Inf"}[{{ interval }}])) * 100',
        _mean_ms("skipper_serve_route_duration_seconds", _SKIPPER),
        skipper_names,
    ),
    "osm": _counted("osm_request_total", 'response_code!~"5.*"', "osm_request_duration_ms_bucket", _OSM),
    "kuma": _envoy(_KUMA),
    "apisix": Observer(
        _ratio("apisix_http_status", _APISIX, 'code!~"5.."'),
        _p99("apisix_http_latency_bucket", 'type=~"request",' + _APISIX),
    ),
    "knative": _envoy(_KNATIVE),
}


EXACT = frozenset(
    {
        "linkerd",
        "istio",
        "contour",
        "nginx",
        "kubernetes",
        "skipper",
        "traefik",
        "osm",
        "kuma",
        "apisix",
        "knative",
    }
)
"""Providers whose queries Flagger picks by exact name; appmesh*, gloo* and gatewayapi* go by prefix."""

ISTIO_FALLBACK = ("smi", "crossover")
"""Families for which Flagger's observer factory has no queries of its own and uses Istio's."""

SERVICE_SUFFIX = ":service"


def metrics_provider(
    provider: str | None, global_provider: str = "istio", service_target: bool = False
) -> str:
    """The name Flagger picks the built-in queries by (runBuiltinMetricChecks): the canary's provider,
    else the controller's (``crossover`` for any crossover form); a global linkerd provider turns the
    canary's into ``linkerd``; a Service target adds ``:service``."""
    name = "crossover" if "crossover" in global_provider else global_provider
    if provider:
        name = "linkerd" if "linkerd" in global_provider else provider
    return name + SERVICE_SUFFIX if service_target else name


def observer_for(
    provider: str | None, global_provider: str = "istio", service_target: bool = False
) -> Observer:
    """The built-in queries for a canary, chosen as Flagger's observer factory does: by exact name, or by
    prefix for appmesh, gloo and gatewayapi (Gateway API uses the kubernetes queries). ``smi:*``,
    ``crossover`` and the ``:service`` forms of the other providers get Istio's queries, as in Flagger.
    Any other name is an error (no fallback to Istio): no router of that name exists."""
    name = metrics_provider(provider, global_provider, service_target)
    family = name.split(":")[0]
    if family in ("appmesh", "gloo"):
        return OBSERVERS[family]
    if family == "gatewayapi":
        return OBSERVERS["kubernetes"]
    if name in EXACT:
        return OBSERVERS[name]
    if family in ISTIO_FALLBACK or (name.endswith(SERVICE_SUFFIX) and family in EXACT):
        return OBSERVERS["istio"]
    raise PluginNotFound("metrics observer", name, sorted(OBSERVERS))
