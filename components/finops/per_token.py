"""Cost per million output tokens of an endpoint under its expected load (``endpoints.<name>.load``).

The monthly estimate (components.finops) prices what is planned at minimum and maximum scale; this prices what
a token costs at the scale the load needs. Inputs per endpoint: its workload (components.sizing.Workload), the
shape its replicas run on, the tensor-parallel size TP (GPUs per replica), the batch (the replica's vLLM
``--max-num-seqs``, components.sizing) and the load: R requests/s of P prompt and O output tokens each.

The formula::

    batch_eff        = min(--max-num-seqs, floor(KV capacity tokens / (P + O))), at least 1
    replica_rps      = components.throughput.estimate(workload, shape, TP, batch_eff, P, O).requests_per_s
    replica_out_tps  = replica_rps x O                                    (output tokens/s of one replica)
    replicas         = max(ceil(R / replica_rps), replicas.min)           (warning when above replicas.max)
    nodes            = ceil(replicas x TP / GPUs of the shape)             (replicas packed on whole nodes)
    usd_per_1M_out   = nodes x shape $/h x price factor / (R x O x 3600) x 1e6

Assumptions, stated because a finance partner will ask:

- the throughput is the roofline estimate of components.throughput (no benchmark; within +-40% of published
  measurements; serial prefill then decode, so a lower bound for vLLM's chunked prefill);
- every replica runs a full batch of ``batch_eff`` requests: ``--max-num-seqs``, capped at the sequences of
  P + O tokens its KV cache holds (vLLM preempts beyond that);
- the denominator is the output tokens the load asks for, not the replicas' capacity: idle capacity (the
  rounding up to whole replicas, replicas.min) is paid for and counted in the price of each token;
- prompt tokens are not priced separately: the figure is the whole replica cost over output tokens;
- whole nodes are paid for: an 8-GPU node kept for one 1-GPU replica costs the whole node, so a large shape
  only wins per token when the load fills it (TP divides the node's GPUs, so replicas pack exactly); disks,
  the cluster and the network are left out (they are in the monthly estimate);
- prices are the catalog's on-demand list prices (``usd_per_hour`` of the shape, reference region); a Spot
  pool applies the catalog's assumed Spot discount (``catalog.spot_discount``), nothing else (no savings
  plans or committed-use discounts);
- the load is steady: no peaks, no autoscaling lag; replicas above replicas.max are still counted (and
  warned about), since that is what the load needs.

The maths (``per_token``) takes typed values only; ``components.resolve.endpoint_per_token`` is the adapter
from a zone's config (the resolution step).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from llmops_landing_zone.components import catalog, sizing, throughput
from llmops_landing_zone.components.catalog import regions

SECONDS_PER_HOUR = 3600
TOKENS_PER_UNIT = 1_000_000


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    prompt_tokens: int
    output_tokens: int

    def __post_init__(self) -> None:
        if not self.requests_per_s > 0:
            raise ValueError(f"requests per second must be greater than 0, not {self.requests_per_s}")
        if self.prompt_tokens < 1 or self.output_tokens < 1:
            raise ValueError("prompt and output tokens must be at least 1")

    @property
    def output_tokens_per_hour(self) -> float:
        return self.requests_per_s * self.output_tokens * SECONDS_PER_HOUR

    def describe(self) -> str:
        return f"{self.requests_per_s:g} req/s of {self.prompt_tokens} prompt + {self.output_tokens} output tokens"


@dataclass(frozen=True)
class PerToken:
    """What one endpoint (or one candidate shape) costs per million output tokens under a load."""

    shape: str
    tp: int
    batch: int  # requests in flight per replica (batch_eff)
    replica_requests_per_s: float
    replica_output_tps: float
    replicas_for_load: int  # ceil(load / replica), before replicas.min
    replicas: int  # replicas the cost counts: max(replicas_for_load, replicas.min)
    replicas_min: int
    replicas_max: int | None
    nodes: int  # whole nodes the replicas occupy
    usd_per_node_hour: float
    usd_per_million_output_tokens: float
    price_basis: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def usd_per_hour(self) -> float:
        return self.nodes * self.usd_per_node_hour

    def to_json(self) -> dict[str, object]:
        return {"shape": self.shape, "tensorParallel": self.tp, "batch": self.batch,
                "replicaRequestsPerSecond": round(self.replica_requests_per_s, 4),
                "replicaOutputTokensPerSecond": round(self.replica_output_tps, 1),
                "replicasForLoad": self.replicas_for_load, "replicas": self.replicas,
                "replicasMin": self.replicas_min, "replicasMax": self.replicas_max,
                "nodes": self.nodes, "usdPerNodeHour": round(self.usd_per_node_hour, 4),
                "usdPerHour": round(self.usd_per_hour, 4),
                "usdPerMillionOutputTokens": round(self.usd_per_million_output_tokens, 4),
                "priceBasis": self.price_basis, "warnings": list(self.warnings)}


def effective_batch(max_num_seqs: int, kv_capacity_tokens: int, load: Load) -> int:
    """Requests a replica keeps in flight: ``--max-num-seqs``, capped at what its KV cache holds at P + O tokens."""
    return max(1, min(max_num_seqs, kv_capacity_tokens // (load.prompt_tokens + load.output_tokens)))


def per_token(workload: sizing.Workload, shape: catalog.GpuShape, tp: int, max_num_seqs: int, load: Load,
              replicas_min: int = 1, replicas_max: int | None = None, price_factor: float = 1.0,
              price_basis: str = "on-demand") -> PerToken:
    """The module docstring's formula for one replica layout. ``price_factor`` scales the shape's list price
    (1 - Spot discount on a Spot pool); ``replicas_max`` None means unbounded (no warning)."""
    capacity = sizing.kv_capacity_tokens(workload, shape.gpu_model, tp)
    batch = effective_batch(max_num_seqs, capacity, load)
    est = throughput.estimate(workload, shape, tp, batch, load.prompt_tokens, load.output_tokens)
    for_load = math.ceil(load.requests_per_s / est.requests_per_s)
    replicas = max(for_load, replicas_min)
    nodes = math.ceil(replicas * tp / shape.gpus)
    per_node_hour = shape.usd_per_hour * price_factor
    usd_per_million = nodes * per_node_hour / load.output_tokens_per_hour * TOKENS_PER_UNIT
    warnings = []
    if replicas_max is not None and for_load > replicas_max:
        warnings.append(f"the load needs {for_load} replica(s) but replicas.max is {replicas_max}: raise it (and "
                        f"the pool's maxNodes) or the endpoint serves at most "
                        f"{replicas_max * est.requests_per_s:.2f} req/s")
    return PerToken(shape.name, tp, batch, est.requests_per_s, est.requests_per_s * load.output_tokens, for_load,
                    replicas, replicas_min, replicas_max, nodes, per_node_hour, usd_per_million, price_basis,
                    tuple(warnings))


# --- the adapter from a stack config -------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointPerToken:
    endpoint: str
    load: Load
    figures: PerToken

    def to_json(self) -> dict[str, object]:
        return {"endpoint": self.endpoint, "load": {"requestsPerSecond": self.load.requests_per_s,
                                                    "promptTokens": self.load.prompt_tokens,
                                                    "outputTokens": self.load.output_tokens},
                **self.figures.to_json()}


# --- the live figure: what a running replica costs per hour (dashboards, components/observability/dashboards.py) --


@dataclass(frozen=True)
class ReplicaPrice:
    """The hourly price of one running vLLM replica: its share (TP / GPUs of the node) of its node's price in the
    zone's region and capacity type. The dashboards multiply it by the replicas kube-state-metrics reports."""

    usd_per_replica_hour: float
    usd_per_node_hour: float
    basis: str  # where the price comes from, shown on the dashboard


def replica_price(cloud: str, region: str, shape: catalog.GpuShape, tp: int, spot: bool) -> ReplicaPrice | str:
    """The price of one replica of ``tp`` GPUs on ``shape`` in ``region``, or why there is none (a region the
    catalog has no sourced price for: the reference region's is never borrowed, as in the monthly estimate).

    Spot: the region's Spot price where the offers file has one, else the cloud's assumed discount."""
    o = regions.offer(cloud, shape.name, region)
    if o is None or o.usd_per_hour is None:
        return f"{shape.name} has no sourced price in {region} in the catalog"
    node, basis = o.usd_per_hour, f"{shape.name} on-demand in {region}"
    if spot:
        if o.spot_usd_per_hour is not None:
            node, basis = o.spot_usd_per_hour, f"{shape.name} Spot in {region}"
        else:
            discount = catalog.spot_discount(cloud)
            node, basis = node * (1 - discount), f"{shape.name} Spot in {region} at an assumed {discount:.0%} discount"
    if o.approximate:
        basis += " (derived price)"
    share = tp / shape.gpus
    return ReplicaPrice(round(node * share, 6), node, f"{basis}: ${node:.4f}/node-hour x {tp}/{shape.gpus} GPUs "
                        f"per replica (catalog {o.as_of})")
