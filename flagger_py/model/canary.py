"""The Canary custom resource (flagger.app/v1beta1), spec and status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from flagger_py.model.base import Observed, Spec
from flagger_py.model.duration import DurationField
from flagger_py.model.gatewayapi import HTTPRequestMirrorFilter, ParentReference
from flagger_py.model.istio import (
    CorsPolicy,
    Headers,
    HTTPMatchRequest,
    HTTPRetry,
    HTTPRewrite,
    StringMatch,
    TrafficPolicy,
    _exactly_one,
)
from flagger_py.model.objectmeta import ObjectMeta
from flagger_py.model.problems import shown

FLAGGER_PROVIDERS = (
    "apisix",
    "appmesh",
    "appmesh:v1beta2",
    "contour",
    "gatewayapi:v1",
    "gatewayapi:v1beta1",
    "gloo",
    "istio",
    "knative",
    "kubernetes",
    "kuma",
    "linkerd",
    "nginx",
    "osm",
    "skipper",
    "smi:v1alpha1",
    "smi:v1alpha2",
    "smi:v1alpha3",
    "traefik",
)
"""The providers Flagger's CRD enumerates. flagger-py accepts any router name (plugins add more);
an uninstalled one fails the Canary with the installed names."""
PROVIDER_PATTERN = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[-a-z0-9.]+)?$"
Phase = Literal[
    "",
    "Initializing",
    "Initialized",
    "Waiting",
    "Progressing",
    "WaitingPromotion",
    "Promoting",
    "Finalising",
    "Succeeded",
    "Failed",
    "Terminating",
    "Terminated",
]
WebhookType = Literal[
    "",
    "confirm-rollout",
    "pre-rollout",
    "rollout",
    "confirm-promotion",
    "post-rollout",
    "event",
    "rollback",
    "confirm-traffic-increase",
]
Severity = Literal["", "info", "warn", "error"]
BUILTIN_METRICS = ("request-success-rate", "request-duration")
Percent = int
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
"""Flagger's fields are Go int32 (progressDeadlineSeconds) or int (64 bits): a larger number makes
its decoder fail on the whole Canary."""


class TargetRef(Spec):
    """The workload to release."""

    api_version: str
    kind: Literal["DaemonSet", "Deployment", "Service"]
    name: str = Field(min_length=1)


class ScalerReplicas(Spec):
    """Replica bounds of the primary autoscaler."""

    min_replicas: int | None = Field(default=None, ge=1)
    max_replicas: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScalerReplicas:
        low, high = self.min_replicas, self.max_replicas
        if low is not None and high is not None and low > high:
            raise ValueError(f"minReplicas ({low}) must not exceed maxReplicas ({high})")
        return self


class AutoscalerRef(Spec):
    """The target's autoscaler."""

    api_version: str
    kind: Literal["HorizontalPodAutoscaler", "ScaledObject"]
    name: str = Field(min_length=1)
    primary_scaler_queries: Mapping[str, str] | None = None
    primary_scaler_replicas: ScalerReplicas | None = None


class IngressRef(Spec):
    """The Ingress cloned by the nginx and skipper routers."""

    api_version: str
    kind: Literal["Ingress"]
    name: str


class RouteRef(Spec):
    """The ApisixRoute cloned by the apisix router."""

    api_version: str
    kind: Literal["ApisixRoute"]
    name: str


class UpstreamRef(Spec):
    """The Gloo Upstream copied into the generated upstreams."""

    api_version: str
    kind: Literal["Upstream"]
    name: str
    namespace: str | None = None


class CustomMetadata(Spec):
    """Labels and annotations of a generated object."""

    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None


class UnmanagedMetadata(Spec):
    """Label and annotation keys the controller leaves alone."""

    annotations: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None


class CanaryService(Spec):
    """The Services and route objects generated for the target."""

    name: str | None = None
    port: int = Field(ge=1, le=65535)
    port_name: str | None = None
    app_protocol: str | None = None
    traffic_distribution: Literal["PreferClose", "PreferSameZone", "PreferSameNode"] | None = None
    target_port: int | str | None = None
    port_discovery: bool | None = None
    headless: bool | None = None
    timeout: str | None = None
    backend_timeout: str | None = None
    mesh_name: str | None = None
    backends: tuple[str, ...] | None = None
    hosts: tuple[str, ...] | None = None
    delegation: bool | None = None
    match: tuple[HTTPMatchRequest, ...] | None = None
    retries: HTTPRetry | None = None
    rewrite: HTTPRewrite | None = None
    mirror: tuple[HTTPRequestMirrorFilter, ...] | None = None
    headers: Headers | None = None
    gateways: tuple[str, ...] | None = None
    gateway_refs: tuple[ParentReference, ...] | None = Field(default=None, max_length=32)
    cors_policy: CorsPolicy | None = None
    traffic_policy: TrafficPolicy | None = None
    apex: CustomMetadata | None = None
    primary: CustomMetadata | None = None
    canary: CustomMetadata | None = None
    unmanaged_metadata: UnmanagedMetadata | None = None


class HeaderMatch(StringMatch):
    """A/B header match: a StringMatch that may match a suffix too, with exactly one of exact, prefix,
    suffix and regex."""

    suffix: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> HeaderMatch:
        _exactly_one(self, ("exact", "prefix", "suffix", "regex"))
        return self


class ABMatch(Spec):
    """One A/B condition set; all of it must match."""

    headers: Mapping[str, HeaderMatch] | None = None
    query_params: Mapping[str, StringMatch] | None = None
    source_labels: Mapping[str, str] | None = None


class ThresholdRange(Spec):
    """Accepted range of a metric value, bounds included (finite: a NaN bound would pass every value)."""

    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) must not exceed max ({self.max:g}); no value could pass")
        return self


class TemplateRef(Spec):
    """A MetricTemplate."""

    name: str = Field(min_length=1)
    namespace: str | None = None


class Metric(Spec):
    """One metric check."""

    name: str = Field(min_length=1)
    interval: DurationField | None = None
    threshold: float | None = Field(default=None, allow_inf_nan=False)
    threshold_range: ThresholdRange | None = None
    query: str | None = None
    template_ref: TemplateRef | None = None
    template_variables: Mapping[str, str] | None = None

    @model_validator(mode="after")
    def _has_source(self) -> Metric:
        if self.name not in BUILTIN_METRICS and not self.query and self.template_ref is None:
            raise ValueError(
                f"{shown(self.name)} is not a built-in metric ({', '.join(BUILTIN_METRICS)}); "
                "add templateRef naming a MetricTemplate"
            )
        return self


class ProviderRef(Spec):
    """An AlertProvider."""

    name: str = Field(min_length=1)
    namespace: str | None = None


class Alert(Spec):
    """One alert route of the canary."""

    name: str
    severity: Severity | None = None
    provider_ref: ProviderRef


class Webhook(Spec):
    """One webhook of the canary."""

    name: str
    type: WebhookType | None = None
    mute_alert: bool | None = None
    url: str = Field(min_length=1)
    timeout: DurationField | None = None
    retries: int | None = Field(default=None, ge=0, le=INT64_MAX)
    disable_tls: bool | None = Field(default=None, alias="disableTLS")
    metadata: Mapping[str, str] | None = None

    @model_validator(mode="after")
    def _absolute_url(self) -> Webhook:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"url must be an absolute http:// or https:// URL (got {shown(self.url)})")
        return self


class SessionAffinity(Spec):
    """Sticky sessions for clients that reached the canary."""

    cookie_name: str = Field(min_length=1)
    primary_cookie_name: str | None = None
    domain: str | None = None
    http_only: bool | None = None
    max_age: int = Field(default=86400, le=INT64_MAX)
    partitioned: bool | None = None
    path: str | None = None
    same_site: Literal["Strict", "Lax", "None"] | None = None
    secure: bool | None = None

    @model_validator(mode="after")
    def _distinct_cookies(self) -> SessionAffinity:
        if self.primary_cookie_name is not None and self.primary_cookie_name == self.cookie_name:
            raise ValueError("primaryCookieName must differ from cookieName")
        return self


class Analysis(Spec):
    """How the release is analysed."""

    interval: DurationField
    iterations: int | None = Field(default=None, ge=0, le=INT64_MAX)
    threshold: int = Field(le=INT64_MAX)
    max_weight: Percent | None = Field(default=None, ge=0, le=100)
    step_weight: Percent | None = Field(default=None, ge=0, le=100)
    step_weights: tuple[Percent, ...] | None = None
    step_weight_promotion: Percent | None = Field(default=None, ge=0, le=100)
    mirror: bool | None = None
    mirror_weight: Percent | None = Field(default=None, ge=0, le=100)
    primary_ready_threshold: Percent | None = Field(default=None, ge=0, le=100)
    canary_ready_threshold: Percent | None = Field(default=None, ge=0, le=100)
    match: tuple[ABMatch, ...] | None = None
    metrics: tuple[Metric, ...] | None = None
    alerts: tuple[Alert, ...] | None = None
    webhooks: tuple[Webhook, ...] | None = None
    session_affinity: SessionAffinity | None = None

    @model_validator(mode="after")
    def _one_strategy(self) -> Analysis:
        strategies = ("iterations", "step_weight", "step_weights")
        present = [n for n in strategies if getattr(self, n) is not None]
        if len(present) != 1:
            names = ["iterations", "stepWeight", "stepWeights"]
            got = [names[strategies.index(n)] for n in present]
            if got:
                raise ValueError(
                    f"set only one of {', '.join(names[:-1])} or {names[-1]} (got {' and '.join(got)})"
                )
            raise ValueError("set one of iterations (blue/green, A/B), stepWeight or stepWeights (canary)")
        return self

    @model_validator(mode="after")
    def _steps_increase(self) -> Analysis:
        steps = self.step_weights or ()
        for index, weight in enumerate(steps):
            if not 0 < weight <= 100:
                raise ValueError(f"stepWeights[{index}] must be between 1 and 100 (got {weight})")
            if index and weight <= steps[index - 1]:
                raise ValueError(f"stepWeights must increase (got {weight} after {steps[index - 1]})")
        return self


class CanarySpec(Spec):
    """What to release and how."""

    provider: str | None = Field(default=None, max_length=63, pattern=PROVIDER_PATTERN)
    metrics_server: str | None = None
    progress_deadline_seconds: int | None = Field(default=None, ge=0)
    target_ref: TargetRef
    autoscaler_ref: AutoscalerRef | None = None
    ingress_ref: IngressRef | None = None
    route_ref: RouteRef | None = None
    upstream_ref: UpstreamRef | None = None
    service: CanaryService | None = None
    skip_analysis: bool | None = None
    revert_on_deletion: bool | None = None
    suspend: bool | None = None
    analysis: Analysis

    @field_validator("progress_deadline_seconds")
    @classmethod
    def _some_deadline(cls, seconds: int | None) -> int | None:
        if seconds == 0:
            raise ValueError(
                "0 gives a rollout no time at all: the first check that finds the canary or the primary "
                "not ready fails the release; set the seconds a rollout may take, or leave the field out "
                "for the default 600"
            )
        if seconds is not None and seconds > INT32_MAX:
            raise ValueError(
                f"must be at most {INT32_MAX} (got {seconds}): Flagger reads it as a 32-bit integer; "
                "leave the field out for the default 600"
            )
        return seconds

    @field_validator("analysis")
    @classmethod
    def _finishes(cls, analysis: Analysis, info: ValidationInfo) -> Analysis:
        """A canary that never gets traffic, or a blue/green run of no iterations, never finishes
        (Flagger runs its analysis forever). Only the kubernetes router gives it 10 iterations, and
        skipAnalysis promotes without analysis."""
        provider, skip = info.data.get("provider"), info.data.get("skip_analysis")
        if provider == "kubernetes" or skip:
            return analysis
        if analysis.step_weight == 0:
            problem = (
                "stepWeight 0 never moves traffic to the canary, so the release would never finish; "
                "set stepWeight between 1 and 100, or use iterations for blue/green"
            )
        elif analysis.step_weights == ():
            problem = (
                "stepWeights is empty, so no traffic ever moves to the canary and the release would never "
                "finish; list the weights (e.g. [10, 20, 50]) or use stepWeight"
            )
        elif analysis.iterations == 0:
            problem = (
                "iterations 0 runs no analysis step, so the release would never finish; set iterations "
                "to 1 or more, or use stepWeight or stepWeights for a canary release"
            )
        else:
            return analysis
        if provider is None:
            problem += (
                " (on the kubernetes router, which runs 10 iterations then, set spec.provider: kubernetes)"
            )
        raise ValueError(problem)


class Condition(Observed):
    """A status condition."""

    type: str
    status: str
    reason: str
    message: str | None = None
    last_transition_time: str | None = None
    last_update_time: str | None = None
    observed_generation: int | None = None


class CanaryStatus(Observed):
    """What the controller observed and did."""

    phase: Phase = ""
    observed_generation: int | None = None
    failed_checks: int = 0
    canary_weight: int = 0
    iterations: int = 0
    tracked_configs: Mapping[str, str] | None = None
    last_applied_spec: str | None = None
    last_promoted_spec: str | None = None
    last_transition_time: str | None = None
    session_affinity_cookie: str | None = None
    primary_session_affinity_cookie: str | None = None
    previous_session_affinity_cookie: str | None = None
    conditions: tuple[Condition, ...] = ()


class Canary(Observed):
    """A Canary object as stored in the cluster."""

    api_version: Literal["flagger.app/v1beta1"] = "flagger.app/v1beta1"
    kind: Literal["Canary"] = "Canary"
    metadata: ObjectMeta
    spec: CanarySpec
    status: CanaryStatus | None = None

    @property
    def key(self) -> str:
        """Flagger's name for it in logs and Events: ``<name>.<namespace>``."""
        return f"{self.metadata.name}.{self.metadata.namespace or 'default'}"
