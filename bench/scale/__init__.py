"""The scale benchmark: many canaries on one controller, flagger-py and Flagger 1.44 side by side.

Not a test: it prints figures and writes them under ``bench/results/``. Run ``make bench``.
On a local control plane with kwok nodes, a real Prometheus serving healthy synthetic metrics and the
``kubernetes`` router, for each N it creates N Deployments and Canaries, lets a controller initialize
them, changes every image at once and waits until every canary is promoted, measuring API requests
(the API server's audit log, per client identity and verb), CPU, memory, tick lateness, event-loop
lag, Prometheus queries and wall time against the theoretical minimum.
"""
