"""Optional SDKs behind pip extras: a missing one is a configuration error that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from flagger_py.errors import ProviderConfigError


def require(extra: str, module: str) -> ModuleType:
    """``module``, imported; ProviderConfigError naming the extra when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ProviderConfigError(
            f"the {extra} metric provider needs the {extra!r} extra, which is not installed: "
            f"pip install 'flagger-py[{extra}]'"
        ) from None
