"""Alerts: which AlertProviders a canary's alert goes to, with Flagger's fields and severity rules
(implements ``ports.Alerter``).

Promises: an unknown provider type, a missing Secret or a failing endpoint is logged once (and
once when it recovers) and never blocks or fails the analysis; credentials are never logged.
"""
