"""What the engine side names of the metric-provider SPI: the context providers are configured with.

Defined in ``flagger_py.spi.metrics``; this module imports no HTTP client at run time.
"""

from flagger_py.spi.metrics import ApiServer, MetricContext, MetricProvider, MetricProviderFactory

__all__ = ["ApiServer", "MetricContext", "MetricProvider", "MetricProviderFactory"]
