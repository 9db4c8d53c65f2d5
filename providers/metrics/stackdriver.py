"""Google Cloud Monitoring (Stackdriver): an MQL query over the REST API
(``POST /v3/projects/<project>/timeSeries:query``); the value is the first value of the first point
of the first time series, as Flagger reads it. Secret keys: ``project`` (required) and
``serviceAccountKey`` (a service-account JSON key; without it, the pod's ambient Google credentials,
e.g. Workload Identity). ``spec.provider.address`` overrides ``https://monitoring.googleapis.com``.

Needs the ``stackdriver`` extra (google-auth); tokens are fetched and refreshed off the event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from flagger_py.spi import (
    MetricProviderSpec,
    NoDataError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderUnavailable,
)
from flagger_py.spi.querying import HTTPMetricProvider, Secret, answers, require

SCOPE = "https://www.googleapis.com/auth/monitoring.read"


class StackdriverProvider(HTTPMetricProvider):
    kind = "stackdriver"
    default_address = "https://monitoring.googleapis.com"

    def __init__(
        self, client: httpx.AsyncClient, address: str | None, project: str, credentials: Any
    ) -> None:
        super().__init__(client, address)
        self.path = f"/v3/projects/{project}/timeSeries:query"
        self.credentials = credentials
        self.lock = asyncio.Lock()

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """The Secret's ``project``, and the credentials of its ``serviceAccountKey`` (else ambient)."""
        return {
            "project": secret.required("project"),
            "credentials": credentials(secret.optional("serviceAccountKey")),
        }

    async def run_query(self, query: str, window_seconds: float = 0.0) -> float:
        return first_value(await self._query(query))

    async def is_online(self) -> bool:
        # INVALID_ARGUMENT for the empty query is an answer: reachable, and the credentials were taken.
        return await answers(self._query(""), ProviderConfigError)

    async def _query(self, mql: str) -> Any:
        headers = {"Authorization": f"Bearer {await self._token()}"}
        return await self.request("POST", self.path, json={"query": mql}, headers=headers)

    async def _token(self) -> str:
        async with self.lock:
            if not self.credentials.valid:
                transport = require("stackdriver", "google.auth.transport.requests")
                auth = require("stackdriver", "google.auth.exceptions")
                try:
                    await asyncio.to_thread(self.credentials.refresh, transport.Request())
                except auth.RefreshError as exc:
                    raise ProviderAuthError(
                        f"stackdriver could not get an access token: {exc.args[0]}"
                    ) from None
                except auth.TransportError as exc:
                    raise ProviderUnavailable(
                        f"stackdriver token endpoint unreachable: {type(exc).__name__}"
                    ) from None
            token: str = self.credentials.token
            return token


def credentials(key: str | None) -> Any:
    """Service-account credentials from the Secret's ``serviceAccountKey``, else the ambient ones."""
    if key:
        accounts = require("stackdriver", "google.oauth2.service_account")
        try:
            return accounts.Credentials.from_service_account_info(json.loads(key), scopes=[SCOPE])
        except (ValueError, KeyError) as exc:
            raise ProviderConfigError(
                f"stackdriver serviceAccountKey is not a service-account JSON key: {exc}"
            ) from None
    auth = require("stackdriver", "google.auth")
    try:
        found, _ = auth.default(scopes=[SCOPE])
    except auth.exceptions.DefaultCredentialsError:
        raise ProviderAuthError(
            "stackdriver found no Google credentials: "
            "put serviceAccountKey in the Secret or use Workload Identity"
        ) from None
    return found


def first_value(body: Any) -> float:
    series = body.get("timeSeriesData") if isinstance(body, dict) else None
    points = (series[0] or {}).get("pointData") if series else None
    values = (points[0] or {}).get("values") if points else None
    if not values:
        raise NoDataError("stackdriver returned no time series for the query")
    value = values[0] or {}
    raw = value.get("doubleValue", value.get("int64Value"))
    if raw is None:
        raise ProviderConfigError(
            "stackdriver returned a value that is neither double nor int64: aggregate it"
        )
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable(f"stackdriver answered a value that is not a number: {raw!r}") from exc
