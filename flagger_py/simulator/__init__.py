"""``flagger-py simulate``: the real engine and state machine on in-memory adapters and a virtual
clock, driven by a scenario file, printing the timeline a user would see in the cluster.

Promises: deterministic (same files, same output, noise included: it is seeded); no I/O but
reading the two files; a 2-hour analysis simulates in well under a second.
"""
