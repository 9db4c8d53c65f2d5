"""The curated public API: what users may import. Changing it is a decision, so this test names it."""

from __future__ import annotations

import flagger_py
from flagger_py import errors, model


def test_top_level() -> None:
    assert flagger_py.__all__ == ["__version__"]


def test_model_api() -> None:
    assert sorted(model.__all__) == [
        "AlertProvider",
        "AlertProviderSpec",
        "Analysis",
        "Canary",
        "CanarySpec",
        "CanaryStatus",
        "Duration",
        "Metric",
        "MetricTemplate",
        "MetricTemplateSpec",
        "Webhook",
    ]


def test_error_tree() -> None:
    assert sorted(errors.__all__) == [
        "FlaggerError",
        "KubeConflict",
        "KubeError",
        "KubeForbidden",
        "KubeInvalid",
        "KubeNotFound",
        "KubeUnavailable",
        "NoDataError",
        "PluginError",
        "PluginNotFound",
        "Problem",
        "ProviderAuthError",
        "ProviderConfigError",
        "ProviderError",
        "ProviderUnavailable",
        "RouterError",
        "SpecError",
    ]
    assert issubclass(errors.PluginNotFound, errors.PluginError)
    for leaf in (
        errors.ProviderUnavailable,
        errors.ProviderAuthError,
        errors.ProviderConfigError,
        errors.NoDataError,
    ):
        assert issubclass(leaf, errors.ProviderError)
    for kube_leaf in (errors.KubeNotFound, errors.KubeConflict, errors.KubeForbidden, errors.KubeInvalid):
        assert issubclass(kube_leaf, errors.KubeError)
    assert issubclass(errors.KubeUnavailable, errors.KubeError)
    assert all(issubclass(getattr(errors, n), errors.FlaggerError) for n in errors.__all__ if n != "Problem")


def test_plugin_not_found_lists_the_available_names() -> None:
    error = errors.PluginNotFound("router", "isito", ["linkerd", "istio"])
    assert str(error) == "unknown router 'isito'; available: istio, linkerd"
