"""The pure core: phases, weight math and analysis verdicts (the state machine builds on these).

Promises: no I/O, no clock, no asyncio, kopf, httpx or Kubernetes client; every function is a
function of its arguments, so it can be tested exhaustively and replayed.
"""
