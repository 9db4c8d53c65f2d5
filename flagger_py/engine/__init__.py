"""One tick of one canary: observe what decide() asks for, decide, execute, write status.

Promises: all I/O goes through ``flagger_py.ports``; actions run in order and the first failure
stops the tick (it is reported as a Warning event and the status is not written, so the next tick
repeats the work; every action is idempotent).
"""
