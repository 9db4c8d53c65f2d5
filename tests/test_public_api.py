"""The curated public API: what users may import. Changing it is a decision, so this test names it."""

from __future__ import annotations

import flagger_py
from flagger_py import errors, model


def test_top_level() -> None:
    assert flagger_py.__all__ == ["__version__"]


MODEL = {  # every public name of flagger_py.model, under the module that defines it
    "alert_provider": ("AlertProvider", "AlertProviderSpec"),
    "canary": ("Analysis", "Canary", "CanarySpec", "CanaryStatus", "Metric", "Webhook"),
    "duration": ("Duration",),
    "metric_template": ("MetricTemplate", "MetricTemplateSpec"),
}

ERRORS = {  # every public error of flagger_py.errors, under the class it derives from
    "Exception": ("FlaggerError",),
    "FlaggerError": ("SpecError", "PluginError", "ProviderError", "RouterError", "KubeError"),
    "SpecError": ("TargetNotFound", "TargetInvalid"),
    "PluginError": ("PluginNotFound",),
    "ProviderError": ("ProviderUnavailable", "ProviderAuthError", "ProviderConfigError", "NoDataError"),
    "KubeError": ("KubeNotFound", "KubeConflict", "KubeForbidden", "KubeInvalid", "KubeUnavailable"),
}


def test_model_api() -> None:
    assert sorted(model.__all__) == sorted(name for names in MODEL.values() for name in names)
    for module, names in MODEL.items():
        for name in names:
            assert getattr(model, name).__module__ == f"flagger_py.model.{module}", name


def test_error_tree() -> None:
    tree = {name for names in ERRORS.values() for name in names}
    assert sorted(errors.__all__) == sorted({"Problem", *tree})
    for base, names in ERRORS.items():
        parent = Exception if base == "Exception" else getattr(errors, base)
        for name in names:
            assert getattr(errors, name).__bases__ == (parent,), name


def test_plugin_not_found_lists_the_available_names() -> None:
    error = errors.PluginNotFound("router", "isito", ["linkerd", "istio"])
    assert str(error) == "unknown router 'isito'; available: istio, linkerd"
