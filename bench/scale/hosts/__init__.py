"""The controller's host variants the scale benchmark compares (``--controllers flagger-py:<variant>``).

Each variant is the real controller (``flagger_py.operator.main``: the same flags, wiring, scheduler,
engine and leader election) with one thing changed: who watches Canaries and who owns their finalizer.
``python -m bench.scale.hosts.<module> [controller flags]`` runs one, exactly as ``flagger-py run``:

- ``informer_watch``: kopf hosts nothing but the process; our own Informer watches Canaries like every
  other kind;
- ``kopf_finalizers``: kopf watches Canaries and also owns ``finalizer.flagger.app`` (an ``on.delete``
  handler for ``revertOnDeletion`` Canaries, kopf's retries, its diff-base annotation).

``flagger-py`` itself (kopf's ``on.event`` watch, our finalizer and retries) is the product.
"""

from __future__ import annotations

import sys

from flagger_py.operator import flags, main
from flagger_py.operator.main import Process

VARIANTS = {"informer-watch": "informer_watch", "kopf-owns-finalizers": "kopf_finalizers"}


def run(process_type: type[Process], argv: list[str] | None = None) -> int:
    """The controller with this process, from ``flagger-py run``'s flags."""
    return main.main(flags.parse(sys.argv[1:] if argv is None else argv), process_type)
