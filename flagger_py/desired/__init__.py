"""What flagger-py generates from a target workload: pure functions over Kubernetes objects as
plain JSON-like dicts (what server-side apply sends).

Promises: no I/O; deterministic (no random ids: what Flagger draws at random is derived from the
revision here); the Kubernetes adapter applies what these functions return.
"""
