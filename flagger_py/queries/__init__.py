"""Metric analysis: query templates (built-in, per mesh, kept as data; and MetricTemplates) and
their rendering with the canary's variables.

Promises: rendering is pure and strict — an undefined variable is an error naming it, never an
empty string.
"""
