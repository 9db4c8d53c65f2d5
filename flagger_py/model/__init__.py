"""pydantic v2 models of the flagger.app CRDs and their small value types.

Promises: pure data (no I/O); frozen objects; camelCase on the wire; unknown fields in user
specs rejected with their path; the same fields, required fields and enums as ``crds/``
(a test walks both).
"""

from flagger_py.model.alert_provider import AlertProvider, AlertProviderSpec
from flagger_py.model.canary import Analysis, Canary, CanarySpec, CanaryStatus, Metric, Webhook
from flagger_py.model.duration import Duration
from flagger_py.model.metric_template import MetricTemplate, MetricTemplateSpec

__all__ = [
    "AlertProvider",
    "AlertProviderSpec",
    "Analysis",
    "Canary",
    "CanarySpec",
    "CanaryStatus",
    "Duration",
    "Metric",
    "MetricTemplate",
    "MetricTemplateSpec",
    "Webhook",
]
