"""The controller process (``flagger-py run``): kopf host, leader election, one scheduled task per
Canary, health and metrics endpoints.

Promises: wiring only — every decision is the engine's and the domain's, every API call the Kubernetes
adapter's; a bad Canary is reported (Ready=False, one Warning Event) and never stops the others.
"""
