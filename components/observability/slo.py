"""Serving SLO targets of an endpoint: the configured ``endpoints.<k>.slo`` values, or defaults derived from the
model's size and the endpoint's context.

Default formula (P = the model's parameters in billions, C = the endpoint's ``maxContext``):

* ``ttftP95Seconds`` = 0.5 + 0.25 x (C / 8192) x max(1, P / 8), at most 60 s. A prefill's cost grows with the
  prompt length and the parameter count; an 8B model at 8k context gets 0.75 s, a 70B model at 8k 2.69 s, an
  8B model at 128k 4.5 s. The 0.5 s floor covers queueing, tokenisation and the first decode step.
* ``itlP95Seconds`` = 0.05 x max(1, sqrt(P / 8)): 50 ms (20 tokens/s per stream, faster than reading speed)
  up to 8B, 148 ms at 70B. Decoding is memory-bound: its step time grows with the weights read per token,
  less than linearly because larger models run on more GPUs (tensor parallelism).
* ``availability`` = 0.995 (a 0.5% error budget: 3.6 hours per 30 days).
* ``maxWaiting`` = ``concurrency``: a queue per replica as deep as the batch the replica was sized to hold.

The targets are plain values; ``components.observability.rules`` turns them into Prometheus rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.config.models import EndpointConfig

REFERENCE_CONTEXT = 8192
REFERENCE_PARAMS_B = 8.0
TTFT_FLOOR_SECONDS = 0.5
TTFT_PER_REFERENCE = 0.25  # seconds per (8192 tokens x 8B parameters)
TTFT_CAP_SECONDS = 60.0
ITL_FLOOR_SECONDS = 0.05
DEFAULT_AVAILABILITY = 0.995


@dataclass(frozen=True)
class SloTargets:
    ttft_p95_seconds: float
    itl_p95_seconds: float
    availability: float
    max_waiting: int

    @property
    def error_budget(self) -> float:
        return 1.0 - self.availability


def default_ttft(parameters: int, max_context: int) -> float:
    scale = max(1.0, parameters / 1e9 / REFERENCE_PARAMS_B)
    return round(min(TTFT_CAP_SECONDS,
                     TTFT_FLOOR_SECONDS + TTFT_PER_REFERENCE * (max_context / REFERENCE_CONTEXT) * scale), 3)


def default_itl(parameters: int) -> float:
    return round(ITL_FLOOR_SECONDS * max(1.0, math.sqrt(parameters / 1e9 / REFERENCE_PARAMS_B)), 3)


def targets(ep: EndpointConfig, parameters: int) -> SloTargets:
    """The endpoint's SLO: what ``slo`` sets, the documented defaults for the rest."""
    slo = ep.slo
    return SloTargets(
        ttft_p95_seconds=(slo.ttft_p95_seconds if slo and slo.ttft_p95_seconds is not None
                          else default_ttft(parameters, ep.max_context)),
        itl_p95_seconds=(slo.itl_p95_seconds if slo and slo.itl_p95_seconds is not None
                         else default_itl(parameters)),
        availability=slo.availability if slo and slo.availability is not None else DEFAULT_AVAILABILITY,
        max_waiting=slo.max_waiting if slo and slo.max_waiting is not None else ep.concurrency,
    )


def endpoint_targets(ep: EndpointConfig) -> SloTargets:
    """``targets`` of an endpoint (or canary) config, sized from its model's parameter count in the catalog."""
    return targets(ep, sizing.architecture(ep.model).parameters)
