"""Reading manifests and judging the flagger.app objects in them.

Promises: every document gets the same accept / reject verdict the flagger-py CRDs give in a
cluster, plus the model rules the controller enforces; every problem is one line naming the
field; no input, however broken, raises anything but the documented errors.
"""
