"""Example flagger-py plugins: a ConfigMap router and a JSON webhook notifier.

Promises: each module is one plugin registered through an entry point in this package's
``pyproject.toml``, and imports nothing of flagger-py but ``flagger_py.spi``.
"""
