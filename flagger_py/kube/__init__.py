"""The Kubernetes adapter: the only code that talks to the Kubernetes API.

Promises: async only (httpx on the event loop, never a blocking call); reads of objects needed every
tick come from watch-backed caches; generated objects are written with server-side apply (field
manager ``flagger-py``) and carry an owner reference to their Canary; status goes through the status
subresource with optimistic concurrency; every transport or API error leaves this package as a
``flagger_py.errors.KubeError`` naming the object.
"""
