"""In-tree plugins, installed as ``flagger_py.providers``; one file per provider.

Promises: each plugin imports of flagger-py only ``flagger_py.spi`` (the plugin SPI and its shared
plumbing), ``flagger_py.model`` and ``flagger_py.errors`` (import-linter enforces it), and registers
through the entry-point groups of ``pyproject.toml`` exactly as a third-party package would.
"""
