"""In-tree plugins, installed as ``flagger_py.providers``; one file per provider.

Promises: each plugin depends only on ``flagger_py.ports``, ``flagger_py.model`` and
``flagger_py.errors`` (import-linter enforces it), and registers through the entry-point groups
of ``pyproject.toml`` exactly as a third-party package would.
"""
