"""Metric providers (entry-point group ``flagger_py.metric_providers``): one module per backend.

Each implements ``flagger_py.spi.MetricProvider`` and is its own ``MetricProviderFactory``; the HTTP
ones subclass ``flagger_py.spi.querying.HTTPMetricProvider`` and write only their query and answer.
"""
