"""The plugin registry: routers, metric providers and notifiers found by name in entry-point groups.

Built-ins register through flagger-py's own ``pyproject.toml`` exactly as a third-party package
would. Plugins load lazily (a name is imported the first time it is asked for); two distributions
registering the same name is an error; an unknown name raises PluginNotFound listing what exists,
and never falls back to a default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from flagger_py.errors import PluginError, PluginNotFound
from flagger_py.model.provider_names import router_name
from flagger_py.ports import Router, RouterContext

GROUPS = {
    "router": "flagger_py.routers",
    "metric provider": "flagger_py.metric_providers",
    "notifier": "flagger_py.notifiers",
}


@dataclass
class Registry:
    """The plugins of one entry-point group."""

    kind: str
    group: str
    entries: Callable[[], Iterable[metadata.EntryPoint]] | None = None
    alias: Callable[[str], str] | None = None
    """Maps a name no plugin registers to the one it means (routers: Flagger's prefix forms)."""
    _loaded: dict[str, Any] = field(default_factory=dict)

    def _entry_points(self) -> dict[str, metadata.EntryPoint]:
        found: dict[str, metadata.EntryPoint] = {}
        entries = self.entries() if self.entries else metadata.entry_points(group=self.group)
        for entry in entries:
            other = found.get(entry.name)
            if other is not None and other.value != entry.value:
                both = f"{_origin(other)} and {_origin(entry)}"
                raise PluginError(f"two plugins register the {self.kind} {entry.name!r}: {both}")
            found[entry.name] = entry
        return found

    def names(self) -> list[str]:
        return sorted(self._entry_points())

    def resolve(self, name: str) -> str:
        """The registered name ``name`` stands for: itself when registered, else its alias."""
        entries = self._entry_points()
        if name in entries or self.alias is None:
            return name
        return self.alias(name)

    def has(self, name: str) -> bool:
        return self.resolve(name) in self._entry_points()

    def get(self, name: str) -> Any:
        """The plugin object registered as ``name`` or as the name it stands for (imported on first use)."""
        if name in self._loaded:
            return self._loaded[name]
        entries = self._entry_points()
        if name not in entries and self.alias is not None and self.alias(name) in entries:
            plugin = self.get(self.alias(name))
            self._loaded[name] = plugin
            return plugin
        if name not in entries:
            raise PluginNotFound(self.kind, name, list(entries))
        try:
            plugin = entries[name].load()
        except Exception as exc:  # a broken plugin must not take the controller down
            raise PluginError(
                f"{self.kind} {name!r} ({_origin(entries[name])}) failed to load: {exc}"
            ) from exc
        self._loaded[name] = plugin
        return plugin

    def describe(self) -> list[tuple[str, str]]:
        """(name, distribution==version) of every plugin, for ``flagger-py plugins list``."""
        return [(name, _origin(entry)) for name, entry in sorted(self._entry_points().items())]


def _origin(entry: metadata.EntryPoint) -> str:
    dist = entry.dist
    return f"{dist.name}=={dist.version}" if dist is not None else entry.value


def registry(kind: str) -> Registry:
    """The registry of ``kind``: 'router', 'metric provider' or 'notifier'."""
    return Registry(kind, GROUPS[kind], alias=router_name if kind == "router" else None)


@dataclass
class RouterSet:
    """The routers of a registry as the engine asks for them (``ports.adapters.Routers``): each built
    once, with the controller's router context, the first time its name is asked for."""

    registry: Registry
    context: RouterContext
    built: dict[str, Router] = field(default_factory=dict)

    def get(self, name: str) -> Router:
        if name not in self.built:
            self.built[name] = self.registry.get(name)(self.context)
        return self.built[name]
