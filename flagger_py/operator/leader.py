"""Leader election on a coordination.k8s.io Lease, as client-go does it.

A replica acts only while it holds the Lease. It renews every retry period; one that cannot renew
for the renew deadline has lost leadership and must stop acting at once (the process exits 1, as
Flagger's does). A replica stopping cleanly releases the Lease, so the next one takes over without
waiting for it to expire.

The Lease is Flagger's: ``flagger-leader-election``, in the namespace Flagger puts it (the watched
namespace, else -leader-election-namespace), so during a mixed roll-out of Flagger and flagger-py
replicas only one of them leads. A Lease some other replica renews is left alone until it has gone
``leaseDurationSeconds`` without renewal.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from flagger_py.errors import KubeConflict, KubeError
from flagger_py.kube import resources as r
from flagger_py.kube.client import KubeClient

log = logging.getLogger("flagger_py.leader")
LEASE_NAME = "flagger-leader-election"  # Flagger's lock name (it calls it a config map)


class LeadershipLost(Exception):
    """This replica could not renew the Lease in time."""


@dataclass
class LeaderLease:
    client: KubeClient
    namespace: str
    identity: str
    duration: float = 60.0
    renew_deadline: float = 15.0
    retry_period: float = 5.0
    name: str = LEASE_NAME
    leading: bool = False
    holder: str = ""  # the holderIdentity last read
    observed: str = ""  # the Lease spec last read, and when (monotonic) it last changed
    observed_at: float = 0.0

    async def acquire(self) -> None:
        """Wait until this replica holds the Lease."""
        log.info(
            "starting leader election id: %s lease: %s namespace: %s",
            self.identity,
            self.name,
            self.namespace,
        )
        holder = ""
        while not await self._try():
            if self.holder != holder:
                holder = self.holder
                log.info(
                    "another instance has been elected as leader: %s (Lease %s/%s)",
                    holder,
                    self.namespace,
                    self.name,
                )
            await asyncio.sleep(self.retry_period)
        self.leading = True
        log.info("became leader as %s", self.identity)

    async def keep(self) -> None:
        """Renew until leadership is lost (then raise LeadershipLost)."""
        renewed = time.monotonic()
        while True:
            await asyncio.sleep(self.retry_period)
            try:
                async with asyncio.timeout(self.retry_period):
                    ok = await self._try()
            except (TimeoutError, KubeError):
                ok = False
            if ok:
                renewed = time.monotonic()
            elif time.monotonic() - renewed > self.renew_deadline:
                self.leading = False
                raise LeadershipLost(f"could not renew Lease {self.namespace}/{self.name} in time")

    async def release(self) -> None:
        """Give the Lease up (clean shutdown), so another replica takes over at once."""
        if not self.leading:
            return
        self.leading = False
        try:
            lease = await self.client.get(r.LEASES, self.namespace, self.name)
            if lease.get("spec", {}).get("holderIdentity") != self.identity:
                return
            lease["spec"].update({"holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": _now()})
            await self.client.replace(r.LEASES, self.namespace, lease)
        except KubeError as exc:
            log.warning("could not release the Lease: %s", exc)

    async def _try(self) -> bool:
        now = _now()
        lease = await self.client.get_or_none(r.LEASES, self.namespace, self.name)
        if lease is None:
            body = {
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(now, now, 0),
            }
            try:
                await self.client.create(r.LEASES, self.namespace, body)
            except KubeConflict:
                return False
            return True
        spec = lease.get("spec") or {}
        holder = self.holder = spec.get("holderIdentity") or ""
        if holder and holder != self.identity and not self._expired(spec):
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if holder == self.identity else 1)
        acquired = spec.get("acquireTime") if holder == self.identity else now
        lease["spec"] = self._spec(acquired or now, now, transitions)
        try:
            await self.client.replace(r.LEASES, self.namespace, lease)
        except KubeConflict:
            return False
        return True

    def _expired(self, spec: dict[str, Any]) -> bool:
        """As client-go judges it: the record has not changed for its leaseDurationSeconds, by this
        replica's clock since it first saw the record (so clock skew between hosts does not matter)."""
        record = json.dumps(spec, sort_keys=True)
        now = time.monotonic()
        if record != self.observed:
            self.observed, self.observed_at = record, now
        try:
            duration = float(spec.get("leaseDurationSeconds") or 0)
        except (TypeError, ValueError):
            duration = 0.0
        return now - self.observed_at > duration

    def _spec(self, acquired: str, renewed: str, transitions: int) -> dict[str, Any]:
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": max(1, round(self.duration)),
            "acquireTime": acquired,
            "renewTime": renewed,
            "leaseTransitions": transitions,
        }


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
