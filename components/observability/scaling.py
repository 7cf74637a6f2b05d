"""Autoscaling of vLLM endpoints on their own signals (KEDA ScaledObjects, components/k8s/keda.py), as data.

Two Prometheus triggers per endpoint, both read from the cloud's managed Prometheus and both per replica
(KEDA's prometheus scaler defaults to ``metricType: AverageValue``: the HPA divides the query's value by the
current replica count and adds replicas until each one's share is below the threshold):

* ``waiting``: requests queued for a batch slot (``vllm:num_requests_waiting`` summed over the endpoint's
  pods), threshold ``waiting_target`` = a quarter of the SLO's ``maxWaiting`` (at least 1): the endpoint
  scales out well before the ``VllmRequestsWaiting`` alert (components.observability.rules) fires.
* ``running``: requests in a batch (``vllm:num_requests_running``), threshold ``concurrency`` (the sequences
  a replica was sized to hold at full context). It scales out when batches are full and, just as much, it keeps
  the endpoint *active* while it serves: a replica busy with requests but with an empty queue is not idle.

Scale to zero (``replicas.min: 0``): KEDA parks the Deployment at 0 replicas once both queries have been 0
(``activationThreshold`` 0) for ``cooldownPeriod`` (10 minutes), and scales it back to 1 when one of them
is above 0. A parked endpoint has no vLLM process and so reports no queue: a request sent to it fails (the
Service has no endpoints) instead of waking it. Wake a parked endpoint by raising ``replicas.min`` or with
``kubectl scale``; the new replica stays while it serves and is parked again after 10 quiet minutes. Waking on
the first request needs a component that holds requests while no replica runs (a gateway, a later slice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from llmops_landing_zone.components.config.models import EndpointConfig, serving_workloads
from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.observability import metrics as m
from llmops_landing_zone.components.observability.rules import Labels, pod_selector
from llmops_landing_zone.components.observability.slo import endpoint_targets

WAITING_SHARE = 0.25  # of the SLO's maxWaiting: scale out at a quarter of the queue that alerts
COOLDOWN_SECONDS = 600  # quiet time before a min-0 endpoint is parked (the CPU HPA's scale-down window)
POLLING_SECONDS = 30  # = the scrape interval: polling faster only re-reads the same sample


@dataclass(frozen=True)
class ScaledEndpoint:
    """What the ScaledObject of one vLLM endpoint needs: its Deployment, bounds and per-replica targets."""

    endpoint: str  # the config key = the Deployment's name
    replicas_min: int
    replicas_max: int
    waiting_target: int
    running_target: int
    namespace: str = SERVING_NAMESPACE

    def query(self, metric: str, labels: Labels = Labels(), extra: str = "") -> str:
        """``sum(<metric>{<endpoint's pods>})``: one element (or none, which KEDA reads as 0)."""
        return f"sum({metric}{pod_selector(self.endpoint, self.namespace, labels, extra=extra)})"

    def triggers(self, labels: Labels = Labels(), extra: str = "") -> list[tuple[str, str, int]]:
        """(name, PromQL query, per-replica threshold) of each trigger."""
        return [("waiting", self.query(m.VLLM_WAITING, labels, extra), self.waiting_target),
                ("running", self.query(m.VLLM_RUNNING, labels, extra), self.running_target)]


def waiting_target(max_waiting: int) -> int:
    return max(1, int(max_waiting * WAITING_SHARE))


def scaled_endpoints(endpoints: Mapping[str, EndpointConfig], enabled: bool = True) -> list[ScaledEndpoint]:
    """One entry per vLLM endpoint (none unless observability is ``enabled``: the CPU HPA scales then)."""
    if not enabled:
        return []
    out = []
    for key, ep in serving_workloads(dict(endpoints)).items():  # canaries scale on their own signals
        if ep.runtime != "vllm":
            continue
        slo = endpoint_targets(ep)
        out.append(ScaledEndpoint(key, ep.replicas.min, max(1, ep.replicas.min, ep.replicas.max),
                                  waiting_target(slo.max_waiting), ep.concurrency))
    return out
