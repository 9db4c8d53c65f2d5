"""Metric providers (entry-point group ``flagger_py.metric_providers``): one module per backend."""
