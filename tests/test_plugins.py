"""The plugin registry: lazy load by name, duplicates refused, unknown names listed, broken plugins
reported, never a fallback."""

from __future__ import annotations

import io
import re
from importlib import metadata

import pytest

from flagger_py import cli
from flagger_py.errors import PluginError, PluginNotFound
from flagger_py.plugins import Registry, registry


def entries(*pairs: tuple[str, str]) -> list[metadata.EntryPoint]:
    return [metadata.EntryPoint(name, value, "flagger_py.routers") for name, value in pairs]


def test_loads_by_name_lazily() -> None:
    reg = Registry(
        "router", "flagger_py.routers", lambda: entries(("json", "json:dumps"), ("broken", "nope.nope:x"))
    )
    assert reg.names() == ["broken", "json"]
    import json  # noqa: PLC0415 - the plugin of this test

    assert reg.get("json") is json.dumps


def test_unknown_name_lists_the_available_ones() -> None:
    reg = Registry(
        "router", "flagger_py.routers", lambda: entries(("istio", "json:dumps"), ("linkerd", "json:loads"))
    )
    with pytest.raises(PluginNotFound) as info:
        reg.get("isito")
    assert str(info.value) == "unknown router 'isito'; available: istio, linkerd"


def test_duplicate_names_are_refused() -> None:
    reg = Registry(
        "router", "flagger_py.routers", lambda: entries(("istio", "json:dumps"), ("istio", "json:loads"))
    )
    with pytest.raises(PluginError, match="two plugins register the router 'istio'"):
        reg.get("istio")


def test_a_broken_plugin_is_reported_not_raised_raw() -> None:
    reg = Registry("router", "flagger_py.routers", lambda: entries(("broken", "nope.nope:x")))
    with pytest.raises(PluginError, match=r"router 'broken' .* failed to load: No module named 'nope'"):
        reg.get("broken")


def test_built_in_notifiers_are_registered_like_third_party_ones() -> None:
    described = dict(registry("notifier").describe())
    assert set(described) == {"slack", "msteams", "discord", "rocket", "gchat"}
    assert all(origin.startswith("flagger-py==") for origin in described.values())


def test_plugins_list_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plugins", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^notifier\s+slack\s+flagger-py==", out, re.MULTILINE)
    assert re.search(r"^metric provider\s+prometheus\s+flagger-py==", out, re.MULTILINE)


def test_plugins_list_output_format() -> None:
    out = io.StringIO()
    cli.list_plugins(out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["KIND", "NAME", "DISTRIBUTION"]
