"""AWS CloudWatch: ``GetMetricData`` over the AWS JSON 1.0 protocol, signed with SigV4 using the pod's
ambient AWS credentials (IRSA, instance profile, environment). The query is the JSON list of
``MetricDataQueries``; the window is the last 10 metric intervals, ``MaxDatapoints`` 20; the value is
the first value of the first result (the newest, CloudWatch's default order), as Flagger reads it.
``spec.provider.region`` is required; ``spec.provider.address`` overrides
``https://monitoring.<region>.amazonaws.com`` (VPC endpoints).

Needs the ``cloudwatch`` extra (botocore, for credentials and signing only; requests go through httpx).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
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

TARGET = "GraniteServiceVersion20100801.GetMetricData"
CONTENT_TYPE = "application/x-amz-json-1.0"
MAX_DATAPOINTS = 20


class CloudWatchProvider(HTTPMetricProvider):
    kind = "cloudwatch"

    def __init__(self, client: httpx.AsyncClient, address: str | None, region: str | None) -> None:
        if not region:
            raise ProviderConfigError("cloudwatch needs spec.provider.region (for example us-east-1)")
        super().__init__(client, address or f"https://monitoring.{region}.amazonaws.com")
        self.region = region
        self.session = require("cloudwatch", "botocore.session").get_session()

    @classmethod
    def options(cls, spec: MetricProviderSpec, secret: Secret) -> dict[str, Any]:
        """The template's region (the pod's ambient AWS credentials sign the requests)."""
        return {"region": spec.region}

    async def run_query(self, query: str, window_seconds: float) -> float:
        try:
            queries = json.loads(query)
        except ValueError as exc:
            raise ProviderConfigError(
                f"cloudwatch query must be a JSON list of MetricDataQueries: {exc}"
            ) from None
        if not isinstance(queries, list) or not queries:
            raise ProviderConfigError("cloudwatch query must be a non-empty JSON list of MetricDataQueries")
        start, end = self.window(window_seconds)
        body = {
            "MetricDataQueries": queries,
            "StartTime": start,
            "EndTime": end,
            "MaxDatapoints": MAX_DATAPOINTS,
        }
        return first_value(await self._call(body))

    async def is_online(self) -> bool:
        # A 400 for the empty request is an answer: reachable, and the signature was accepted.
        return await answers(
            self._call({"MetricDataQueries": [], "StartTime": 0, "EndTime": 0}), ProviderConfigError
        )

    async def _call(self, body: Mapping[str, Any]) -> Any:
        data = json.dumps(body).encode()
        headers = await asyncio.to_thread(self._signed, data)
        return await self.request("POST", "/", content=data, headers=headers, transient=_throttled)

    def _signed(self, data: bytes) -> dict[str, str]:
        """SigV4 headers for the request (in a worker thread: finding credentials may do I/O)."""
        auth = require("cloudwatch", "botocore.auth")
        awsrequest = require("cloudwatch", "botocore.awsrequest")
        found = self.session.get_credentials()
        if found is None:
            raise ProviderAuthError(
                "cloudwatch found no AWS credentials (IRSA, instance profile or environment)"
            )
        request = awsrequest.AWSRequest(
            method="POST",
            url=self.address + "/",
            data=data,
            headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET},
        )
        auth.SigV4Auth(found.get_frozen_credentials(), "monitoring", self.region).add_auth(request)
        return dict(request.headers.items())


def _throttled(response: httpx.Response) -> bool:
    return response.status_code == 400 and "Throttling" in response.text


def first_value(body: Any) -> float:
    results = body.get("MetricDataResults") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise ProviderUnavailable("cloudwatch answered without MetricDataResults")
    values = (results[0] or {}).get("Values") if results else None
    if not values:
        raise NoDataError("cloudwatch returned no values for the MetricDataQueries")
    try:
        return float(values[0])
    except (TypeError, ValueError) as exc:
        raise ProviderUnavailable("cloudwatch answered a value that is not a number") from exc
