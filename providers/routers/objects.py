"""What the routers' objects have in common: names, metadata, apply-if-changed, takeover and restore.

Every router writes whole desired objects with server-side apply (``ClusterObjects.apply``) and
only when the object in the cluster does not already contain them (``contains``), so a steady
canary costs no writes and the API server's defaults never look like drift. An object that exists
and is not ours (no owner reference to the Canary) is *taken over*: its original spec is kept in
the annotation Flagger uses, ``flagger.kubernetes.io/original-configuration``, and ``restore``
puts it back on finalize. Objects we create carry an owner reference to the Canary (they go with
it) and the Flux opt-out annotations (Flux does not revert our changes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flagger_py.errors import Problem, RouterError, SpecError
from flagger_py.model.canary import Canary, SessionAffinity
from flagger_py.model.strategy import Strategy, unsupported
from flagger_py.spi import ALL_PRIMARY, FLUX_OPT_OUT, ClusterObjects, RouterContext, Routes

from .matches import headers_only

ORIGINAL = "flagger.kubernetes.io/original-configuration"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
APPLIED = "flagger-py.app/applied"
"""Digest of the last object we applied: a field we stop setting is a change even if still there."""


@dataclass(frozen=True)
class Names:
    """The Service names of a canary: apex (what clients call), -primary and -canary."""

    namespace: str
    apex: str
    primary: str
    canary: str
    port: int

    @classmethod
    def of(cls, canary: Canary) -> Names:
        service = canary.spec.service
        apex = (service.name if service and service.name else None) or canary.spec.target_ref.name
        port = service.port if service else 80
        return cls(canary.metadata.namespace or "default", apex, f"{apex}-primary", f"{apex}-canary", port)


def metadata(canary: Canary, name: str, *, flux: bool = True, apex: bool = True) -> dict[str, Any]:
    """Metadata of an object we generate: the apex labels and annotations, and the Flux opt-out."""
    service = canary.spec.service
    custom = service.apex if service is not None and apex else None
    annotations = dict(custom.annotations or {}) if custom else {}
    if flux:
        annotations |= FLUX_OPT_OUT
    meta: dict[str, Any] = {"name": name, "namespace": Names.of(canary).namespace}
    if custom and custom.labels:
        meta["labels"] = dict(custom.labels)
    if annotations:
        meta["annotations"] = annotations
    return meta


def copied_metadata(
    canary: Canary,
    name: str,
    source: Mapping[str, Any],
    annotations: Mapping[str, str] | None = None,
    dropped: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Metadata of a router's copy of a user's object (an Ingress, an ApisixRoute): the source's labels,
    its annotations but kubectl's last-applied one, our original-configuration and those starting with
    one of ``dropped``, then ours (the Flux opt-out) and ``annotations`` over them."""
    found = source.get("metadata") or {}
    kept = {
        k: v
        for k, v in (found.get("annotations") or {}).items()
        if k not in (LAST_APPLIED, ORIGINAL) and not k.startswith(dropped)
    }
    meta = metadata(canary, name, apex=False)
    meta["annotations"] = {**kept, **meta["annotations"], **(annotations or {})}
    if found.get("labels"):
        meta["labels"] = dict(found["labels"])
    return meta


async def referenced(
    cluster: ClusterObjects, api_version: str, kind: str, canary: Canary, name: str, field: str
) -> Mapping[str, Any]:
    """The user's object a router copies (named by ``field``, e.g. ``spec.ingressRef.name``), or
    SpecError naming that field when it does not exist."""
    namespace = Names.of(canary).namespace
    found = await cluster.get(api_version, kind, namespace, name)
    if found is None:
        raise SpecError([Problem(field, f"{kind} {namespace}/{name} does not exist")])
    return found


def contains(actual: Any, desired: Any) -> bool:
    """True when ``actual`` has every field of ``desired`` with the same value.

    Maps may have more keys in ``actual`` (server defaults, other managers); lists must have the
    same length and contain their counterpart element by element; numbers compare by value.
    """
    if isinstance(desired, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and contains(actual[key], value) for key, value in desired.items()
        )
    if isinstance(desired, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(desired)
            and all(contains(a, d) for a, d in zip(actual, desired, strict=True))
        )
    return bool(actual == desired)


def owned_by(obj: Mapping[str, Any], canary: Canary) -> bool:
    refs = obj.get("metadata", {}).get("ownerReferences") or ()
    return any(ref.get("kind") == "Canary" and ref.get("name") == canary.metadata.name for ref in refs)


async def put(cluster: ClusterObjects, canary: Canary, desired: Mapping[str, Any]) -> Mapping[str, Any]:
    """Make the object ``desired`` true in the cluster, writing only if it is not already.

    Skipped when the object still carries the digest of exactly this desired object (so no field
    we dropped since is left behind) and still contains it (so nobody changed our fields). A new
    object is created owned by the canary; an existing foreign one is taken over (its spec kept for
    ``restore``) and never gets an owner reference, so deleting the Canary cannot delete it.
    """
    meta = desired["metadata"]
    current = await cluster.get(desired["apiVersion"], desired["kind"], meta["namespace"], meta["name"])
    annotations = dict(meta.get("annotations") or {})
    ours = current is None or owned_by(current, canary)
    if not ours:
        assert current is not None
        found = current["metadata"].get("annotations") or {}
        annotations[ORIGINAL] = found.get(ORIGINAL) or json.dumps(_original_spec(current), sort_keys=True)
    body = {**desired, "metadata": {**meta, "annotations": annotations}}
    annotations[APPLIED] = digest(body)
    if current is not None and contains(current, body):
        return current
    return await cluster.apply(body, owner=canary if ours else None)


def digest(obj: Mapping[str, Any]) -> str:
    """A short fingerprint of a desired object."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _original_spec(current: Mapping[str, Any]) -> Any:
    """The spec the user wrote: kubectl's last-applied configuration when there is one."""
    last = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    if last:
        try:
            return json.loads(last).get("spec", current.get("spec"))
        except (ValueError, AttributeError):
            pass
    return current.get("spec")


async def restore(cluster: ClusterObjects, canary: Canary, api_version: str, kind: str, name: str) -> None:
    """Finalize one object: give a taken-over object its original spec, delete one we created."""
    namespace = Names.of(canary).namespace
    current = await cluster.get(api_version, kind, namespace, name)
    if current is None:
        return
    original = (current["metadata"].get("annotations") or {}).get(ORIGINAL)
    if original is not None:
        body = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": namespace}}
        await cluster.apply({**body, "spec": json.loads(original)})
    elif owned_by(current, canary):
        await cluster.delete(api_version, kind, namespace, name)


async def existing(cluster: ClusterObjects, api_version: str, kind: str, namespace: str, name: str) -> Any:
    """The object, or RouterError naming it when it does not exist (yet)."""
    found = await cluster.get(api_version, kind, namespace, name)
    if found is None:
        raise RouterError(f"{kind} {namespace}/{name} does not exist (yet); it is created on reconcile")
    return found


def weights(primary: Any, canary: Any, mirrored: bool = False) -> Routes:
    """Routes from the weights found in an object (primary None: the rest of 100), tolerant of strings
    and sums off 100."""
    canary_weight = max(0, min(100, _number(canary)))
    primary_weight = 100 - canary_weight if primary is None else max(0, min(100, _number(primary)))
    if primary_weight + canary_weight != 100:
        total = primary_weight + canary_weight
        canary_weight = round(100 * canary_weight / total) if total else 0
    return Routes(100 - canary_weight, canary_weight, mirrored)


def split(found: Mapping[Any, Any], names: Names) -> Routes:
    """Routes from the weights an object gives each backend by name (``found``): all to the primary
    while it names neither side (an object we have not written yet), else ``weights`` of the two, a
    missing side weighing 0."""
    if names.primary not in found and names.canary not in found:
        return ALL_PRIMARY
    return weights(found.get(names.primary, 0), found.get(names.canary, 0))


def cookie_header(cookie: str, max_age: int, affinity: SessionAffinity) -> str:
    """The Set-Cookie value pinning a client to one side for ``max_age`` seconds."""
    parts = [cookie, f"Max-Age={max_age}"]
    parts += [
        f"{k}={v}"
        for k, v in (("Domain", affinity.domain), ("Path", affinity.path), ("SameSite", affinity.same_site))
        if v
    ]
    parts += [
        flag
        for flag, on in (
            ("HttpOnly", affinity.http_only),
            ("Secure", affinity.secure),
            ("Partitioned", affinity.partitioned),
        )
        if on
    ]
    return "; ".join(parts)


def _number(value: Any) -> int:
    if value is None or value == "":
        return 0
    text = str(value)
    if text.endswith("m"):  # a Kubernetes quantity in thousandths (SMI v1alpha1)
        return round(float(text[:-1]) / 1000)
    return round(float(text))


class OneObjectRouter:
    """Base of routers whose weights live in one object (``api``/``kind``, named ``name(canary)``).

    A subclass names its provider, its object and the pure function that reads the routes in it in
    its class statement, ``class TraefikRouter(OneObjectRouter, provider="traefik", api=API,
    kind="TraefikService", reads=read_routes)`` (a subclass of a router keeps what it does not name),
    and declares what it can do: ``strategies``, and ``headers_only_as`` when it routes A/B traffic by
    request headers alone (the name the refusal gives it). ``check`` is then the router's own
    refusals (``refuse``), A/B matches it cannot route and strategies it does not declare, in that
    order.

    Subclasses say what the object should be (``desired``, or ``build`` when making it reads the
    cluster) and, where ``reads`` does not serve, how to read its routes (``read``); reconcile
    rewrites it from the spec with the weights it has, get_routes recreates it when it was deleted
    behind our back (all traffic to the primary), and finalize restores or deletes it.
    """

    provider: str
    api: str
    kind: str
    strategies: frozenset[Strategy] = frozenset({"canary", "blue/green"})
    headers_only_as: str | None = None
    reads: Callable[[Mapping[str, Any], Names], Routes] | None = None

    def __init_subclass__(
        cls,
        *,
        provider: str = "",
        api: str = "",
        kind: str = "",
        reads: Callable[[Mapping[str, Any], Names], Routes] | None = None,
        **rest: Any,
    ) -> None:
        super().__init_subclass__(**rest)
        for attribute, value in (("provider", provider), ("api", api), ("kind", kind)):
            if value:
                setattr(cls, attribute, value)
        if reads is not None:
            cls.reads = staticmethod(reads)

    def __init__(self, context: RouterContext) -> None:
        if not getattr(self, "provider", "") or not getattr(self, "kind", ""):
            raise TypeError(f"{type(self).__name__} names no provider= or kind= in its class statement")
        self.cluster = context.cluster
        self.options = context.options

    def check(self, canary: Canary) -> str | None:
        why = self.refuse(canary)
        if why is None and self.headers_only_as is not None:
            why = headers_only(canary, self.headers_only_as)
        return why or unsupported(canary, self.provider, self.strategies)

    def refuse(self, canary: Canary) -> str | None:  # noqa: ARG002 - a hook
        """Why this router cannot route ``canary`` beyond its strategies and matches (a missing
        field, a value its mesh has no word for), naming the field and the fix; None when it can."""
        return None

    def name(self, canary: Canary) -> str:
        return Names.of(canary).apex

    def desired(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, obj: Mapping[str, Any], canary: Canary) -> Routes:
        """The routes in the router's object: ``reads(obj, names)`` when the class names that pure
        function, else the subclass's own reading."""
        if self.reads is None:
            raise NotImplementedError(f"{type(self).__name__} names no reads= and defines no read()")
        return self.reads(obj, Names.of(canary))

    async def build(self, canary: Canary, routes: Routes) -> dict[str, Any]:
        """The object to write: ``desired``, unless making it needs the cluster (a copy of a user's
        object, whose original is read here)."""
        return self.desired(canary, routes)

    async def write(self, canary: Canary, desired: Mapping[str, Any]) -> None:
        """Make the object true in the cluster (``put``)."""
        await put(self.cluster, canary, desired)

    def waiting(self, obj: Mapping[str, Any]) -> str | None:  # noqa: ARG002 - a hook
        """Why the mesh has not taken the object's routes yet (get_routes raises RouterError), or None."""
        return None

    async def current(self, canary: Canary) -> Mapping[str, Any] | None:
        return await self.cluster.get(self.api, self.kind, Names.of(canary).namespace, self.name(canary))

    async def reconcile(self, canary: Canary) -> None:
        found = await self.current(canary)
        routes = self.read(found, canary) if found is not None else ALL_PRIMARY
        await self.write(canary, await self.build(canary, routes))

    async def set_routes(self, canary: Canary, routes: Routes) -> None:
        await self.write(canary, await self.build(canary, routes))

    async def get_routes(self, canary: Canary) -> Routes:
        found = await self.current(canary)
        if found is None:  # deleted behind our back: recreate it, all traffic to the primary
            await self.reconcile(canary)
            return ALL_PRIMARY
        why = self.waiting(found)
        if why:
            raise RouterError(f"{self.kind} {Names.of(canary).namespace}/{self.name(canary)}: {why}")
        return self.read(found, canary)

    def companions(self, canary: Canary) -> Sequence[tuple[str, str, str]]:  # noqa: ARG002 - a hook
        """The (apiVersion, kind, name) of the other objects the router writes beside its one object
        (DestinationRules, Upstreams, VirtualNodes...), restored after it on finalize."""
        return ()

    async def finalize(self, canary: Canary) -> None:
        await restore(self.cluster, canary, self.api, self.kind, self.name(canary))
        for api_version, kind, name in self.companions(canary):
            await restore(self.cluster, canary, api_version, kind, name)
