"""Which router a provider name means, as Flagger 1.44's router factory reads it.

Flagger matches some providers by prefix: ``appmesh:v1beta2…``, ``smi:v1alpha1…`` (``smi:v1alpha1:linkerd``
names the mesh after the version), ``smi:v1alpha2…``, ``smi:v1alpha3…``, ``gloo…`` and ``gatewayapi:v1…``
(``gatewayapi:v1beta1…`` first). ``router_name`` gives the router such a name selects; every other name
is its own router. Unlike Flagger, a name that selects no installed router is an error, never Istio.
"""

from __future__ import annotations

PREFIXES: tuple[tuple[str, str], ...] = (
    ("appmesh:v1beta2", "appmesh:v1beta2"),
    ("smi:v1alpha1", "smi:v1alpha1"),
    ("smi:v1alpha2", "smi:v1alpha2"),
    ("smi:v1alpha3", "smi:v1alpha3"),
    ("gloo", "gloo"),
    ("gatewayapi:v1beta1", "gatewayapi:v1beta1"),
    ("gatewayapi:v1", "gatewayapi:v1"),
)


def router_name(provider: str) -> str:
    """The router ``provider`` selects by Flagger's prefix rules, or ``provider`` itself."""
    for prefix, name in PREFIXES:
        if provider.startswith(prefix):
            return name
    return provider
