"""The pure core: the settings a Canary runs with, phases, weight math, analysis verdicts, and the
state machine built on them (``machine.decide``).

Promises: no I/O, no clock, no asyncio, kopf, httpx or Kubernetes client; every function is a
function of its arguments, so it can be tested exhaustively and replayed.
"""
