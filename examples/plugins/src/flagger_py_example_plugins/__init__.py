"""Example flagger-py plugins: a ConfigMap router, a JSON metric provider and a JSON webhook notifier.

Promises: each module is one plugin registered through an entry point in this package's
``pyproject.toml``, and imports nothing of flagger-py but ``flagger_py.spi``.
"""
