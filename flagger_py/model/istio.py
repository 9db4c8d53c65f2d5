"""Istio routing settings embedded in ``Canary.spec.service`` (match, retries, CORS, traffic policy).

Field names and nesting follow Istio's VirtualService and DestinationRule APIs, as Flagger embeds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field, model_validator

from flagger_py.model.base import Spec


def _at_most_one(obj: Spec, names: tuple[str, ...]) -> None:
    present = [n for n in names if getattr(obj, n) is not None]
    if len(present) > 1:
        raise ValueError(f"set at most one of {_or_list(names)} (got {_and_list(present)})")


def _exactly_one(obj: Spec, names: tuple[str, ...]) -> None:
    present = [n for n in names if getattr(obj, n) is not None]
    if len(present) != 1:
        got = f" (got {_and_list(present)})" if present else ""
        raise ValueError(f"set exactly one of {_or_list(names)}{got}")


def _or_list(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def _and_list(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


class StringMatch(Spec):
    """Istio StringMatch: at most one of exact, prefix and regex."""

    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StringMatch:
        _at_most_one(self, ("exact", "prefix", "regex"))
        return self


class HTTPMatchRequest(Spec):
    """Istio HTTPMatchRequest."""

    authority: StringMatch | None = None
    gateways: tuple[str, ...] | None = None
    headers: Mapping[str, StringMatch] | None = None
    ignore_uri_case: bool | None = None
    method: StringMatch | None = None
    name: str | None = None
    port: int | None = None
    query_params: Mapping[str, StringMatch] | None = None
    scheme: StringMatch | None = None
    source_labels: Mapping[str, str] | None = None
    source_namespace: str | None = None
    uri: StringMatch | None = None
    without_headers: Mapping[str, StringMatch] | None = None


class HTTPRetry(Spec):
    """Retry policy of a route."""

    attempts: int | None = None
    per_try_timeout: str | None = None
    retry_on: str | None = None


class HTTPRewrite(Spec):
    """URI and authority rewrite of a route."""

    uri: str | None = None
    authority: str | None = None
    type: str | None = None


class HeaderOperations(Spec):
    """Header set / add / remove."""

    add: Mapping[str, str] | None = None
    remove: tuple[str, ...] | None = None
    set: Mapping[str, str] | None = None


class Headers(Spec):
    """Header operations on requests and responses."""

    request: HeaderOperations | None = None
    response: HeaderOperations | None = None


class OriginMatch(StringMatch):
    """One allowed CORS origin: a StringMatch with exactly one of exact, prefix and regex."""

    @model_validator(mode="after")
    def _one_kind(self) -> OriginMatch:
        _exactly_one(self, ("exact", "prefix", "regex"))
        return self


class CorsPolicy(Spec):
    """Cross-origin resource sharing policy."""

    allow_credentials: bool | None = None
    allow_headers: tuple[str, ...] | None = None
    allow_methods: tuple[str, ...] | None = None
    allow_origin: tuple[str, ...] | None = None
    allow_origins: tuple[OriginMatch, ...] | None = None
    expose_headers: tuple[str, ...] | None = None
    max_age: str | None = None


class HTTPSettings(Spec):
    """HTTP connection pool settings."""

    h2_upgrade_policy: Literal["DEFAULT", "DO_NOT_UPGRADE", "UPGRADE"] | None = Field(
        default=None, alias="h2UpgradePolicy"
    )
    http1_max_pending_requests: int | None = Field(default=None, alias="http1MaxPendingRequests")
    http2_max_requests: int | None = Field(default=None, alias="http2MaxRequests")
    idle_timeout: str | None = None
    max_requests_per_connection: int | None = None
    max_retries: int | None = None


class ConnectionPool(Spec):
    """Connection pool settings."""

    http: HTTPSettings | None = None


class HTTPCookie(Spec):
    """Cookie used for consistent hashing."""

    name: str | None = None
    path: str | None = None
    ttl: str | None = None


class ConsistentHash(Spec):
    """Consistent hashing: exactly one hash key."""

    http_cookie: HTTPCookie | None = None
    http_header_name: str | None = None
    http_query_parameter_name: str | None = None
    minimum_ring_size: int | None = None
    use_source_ip: bool | None = None

    @model_validator(mode="after")
    def _one_key(self) -> ConsistentHash:
        _exactly_one(self, ("http_header_name", "http_cookie", "use_source_ip", "http_query_parameter_name"))
        return self


class Distribute(Spec):
    """Locality traffic distribution."""

    from_: str | None = Field(default=None, alias="from")
    to: Mapping[str, int] | None = None


class Failover(Spec):
    """Locality failover."""

    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class LocalityLbSetting(Spec):
    """Locality-weighted load balancing."""

    distribute: tuple[Distribute, ...] | None = None
    enabled: bool | None = None
    failover: tuple[Failover, ...] | None = None


class LoadBalancer(Spec):
    """Load balancing: exactly one of simple and consistentHash."""

    consistent_hash: ConsistentHash | None = None
    locality_lb_setting: LocalityLbSetting | None = None
    simple: Literal["ROUND_ROBIN", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "LEAST_REQUEST"] | None = None
    warmup_duration_secs: str | None = None

    @model_validator(mode="after")
    def _one_algorithm(self) -> LoadBalancer:
        _exactly_one(self, ("simple", "consistent_hash"))
        return self


class OutlierDetection(Spec):
    """Ejection of unhealthy hosts."""

    base_ejection_time: str | None = None
    consecutive5xx_errors: int | None = Field(default=None, alias="consecutive5xxErrors")
    consecutive_errors: int | None = None
    consecutive_gateway_errors: int | None = None
    consecutive_local_origin_failures: int | None = None
    interval: str | None = None
    max_ejection_percent: int | None = None
    min_health_percent: int | None = None
    split_external_local_origin_errors: bool | None = None


class ClientTLSSettings(Spec):
    """TLS to the upstream."""

    ca_certificates: str | None = None
    client_certificate: str | None = None
    mode: Literal["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] | None = None
    private_key: str | None = None
    sni: str | None = None
    subject_alt_names: tuple[str, ...] | None = None


class TrafficPolicy(Spec):
    """DestinationRule traffic policy."""

    connection_pool: ConnectionPool | None = None
    load_balancer: LoadBalancer | None = None
    outlier_detection: OutlierDetection | None = None
    tls: ClientTLSSettings | None = None
