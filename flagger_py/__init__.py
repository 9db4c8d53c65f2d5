"""flagger-py: a Kubernetes progressive delivery controller, a drop-in for Flagger.

The package is layered (DESIGN.md §2); dependencies point down only and import-linter
enforces it:

    cli / operator / loadtester     entry points
    engine                          one tick: observe, decide, execute, write status
    plugins / kube / manifest       plugin registry, Kubernetes adapter, manifest checks
    ports                           Protocols the engine talks through
    domain                          the pure state machine
    model / crd                     pydantic models of the CRDs and the CRD schemas

The public surface of this top-level package is only its version.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("flagger-py")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
