"""Alert thresholds of managed endpoints (SageMaker, Vertex AI, Azure ML), from the endpoint's SLO targets.

Managed services publish whole-request metrics, not vLLM's token timings, so the SLO maps onto what they report:

* latency: the p95 of a whole request above ``ttft_p95 + itl_p95 x OUTPUT_TOKENS`` (the time to first token
  plus a typical completion's decode), over ``WINDOW`` for ``LATENCY_FOR``;
* errors: the ratio of server errors (5xx) to requests above the fast-burn rate of the error budget
  (``BURN_RATE`` x (1 - availability), the page threshold of components/observability/rules.py) over
  ``WINDOW`` for ``ERRORS_FOR``: 2% of a 30-day budget spent in an hour.

components/<cloud>/endpoint_alerts.py turns these values into each cloud's own alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from llmops_landing_zone.components.config.models import EndpointConfig
from llmops_landing_zone.components.observability.rules import BURN_RATE_WINDOWS
from llmops_landing_zone.components.observability.slo import SloTargets, endpoint_targets

OUTPUT_TOKENS = 256  # a typical chat completion's length
BURN_RATE = BURN_RATE_WINDOWS[0][2]  # 14.4: the fast page
WINDOW = "5m"
LATENCY_FOR = "10m"
ERRORS_FOR = "15m"


@dataclass(frozen=True)
class ManagedAlerts:
    """One managed endpoint's alert thresholds."""

    endpoint: str  # the endpoint's config key
    latency_p95_seconds: float
    error_ratio: float

    @classmethod
    def of(cls, endpoint: str, slo: SloTargets) -> ManagedAlerts:
        return cls(endpoint, round(slo.ttft_p95_seconds + slo.itl_p95_seconds * OUTPUT_TOKENS, 3),
                   round(min(1.0, BURN_RATE * slo.error_budget), 6))


def managed_alerts(endpoints: Mapping[str, EndpointConfig], enabled: bool = True) -> dict[str, ManagedAlerts]:
    """The thresholds of each managed endpoint (none unless observability is ``enabled``)."""
    if not enabled:
        return {}
    return {key: ManagedAlerts.of(key, endpoint_targets(ep))
            for key, ep in endpoints.items() if ep.runtime == "managed"}
