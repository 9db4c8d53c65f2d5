"""Metric analysis in a cluster: each metric of a Canary rendered, queried and judged.

Promises: implements ``ports.Analyzer``; a metric that cannot be measured (template missing,
provider not installed or failing, no data) is a failed check with a message saying why — never an
exception out of ``run`` and never a silent fallback to another provider.
"""
