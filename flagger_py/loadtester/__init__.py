"""``flagger-py loadtester``: the webhook test runner, compatible with Flagger's loadtester.

Promises: the same endpoints, task types and status codes as Flagger's loadtester 0.38, so existing
Canary webhooks keep working; gate state survives a restart (kept in a JSON file); no shell unless
the Canary's author asked for one (types ``cmd`` and ``bash``).
"""
