"""Calling the webhooks of a Canary over HTTP (implements ``ports.WebhookCaller``).

Promises: Flagger's payload and semantics (per-hook timeout, retries with exponential back-off on
connection errors, 429 and 5xx except 501, ``disableTLS``), any 2xx is success; transport errors never
escape: every outcome is a ``HookOutcome`` with a message fit for an Event.
"""
