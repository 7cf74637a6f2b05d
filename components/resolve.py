"""Resolve the stack config once into plain values that components take as arguments.

A cloud's ``zone.py`` reads ``ZoneConfig`` and calls these; the components below it (``GpuPool``, the serving
components and ``VllmEndpoint`` on every cloud) take the resolved values, so they can be used without the zone:
a program that has its own cluster builds a ``PoolSpec`` (``PoolSpec.of_shape``) and an ``EndpointSpec``
(``EndpointSpec.vllm`` / ``.managed``, sized by components/sizing.py) and passes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TypeAlias

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.finops import per_token as finops_per_token
from llmops_landing_zone.components.k8s import gateway_routes
from llmops_landing_zone.components.config.models import (
    MAX_CANARY_WEIGHT,
    ArchitectureConfig,
    ZoneConfig,
    canary_key,
)


@dataclass(frozen=True)
class PoolSpec:
    """One GPU pool, resolved: the same value on every cloud."""

    key: str  # the pool's config key: part of its names and its llmops.io/pool node label
    shape: catalog.GpuShape  # the node shape (instance type, machine type, VM size) with GPUs, vCPU, memory
    min_nodes: int
    max_nodes: int
    spot: bool = False
    disk_size_gb: int = 200

    def __post_init__(self) -> None:
        if not 0 <= self.min_nodes <= self.max_nodes or self.max_nodes < 1:
            raise ValueError(f"pool {self.key!r}: need 0 <= min_nodes ({self.min_nodes}) <= max_nodes "
                             f"({self.max_nodes}) and max_nodes >= 1")
        if self.shape.service != "compute":
            raise ValueError(f"pool {self.key!r}: {self.shape.name} is a {self.shape.service} shape, not a node")

    @property
    def gpu(self) -> str:
        return self.shape.gpu

    @property
    def gpus_per_node(self) -> int:
        return self.shape.gpus

    @classmethod
    def of_shape(cls, cloud: str, key: str, instance_type: str, min_nodes: int, max_nodes: int,
                 spot: bool = False, disk_size_gb: int = 200) -> PoolSpec:
        """A pool on a catalog shape named by the caller (``g6.xlarge``, ``g2-standard-8``, ...)."""
        shape = catalog.shape_named(cloud, instance_type)
        if shape is None:
            raise ValueError(f"{instance_type!r} is not a {cloud} GPU shape in the catalog")
        return cls(key, shape, min_nodes, max_nodes, spot, disk_size_gb)


def pools(cfg: ZoneConfig) -> dict[str, PoolSpec]:
    """Every GPU pool of the zone (configured, and sized for endpoints without one), resolved once."""
    return {key: PoolSpec(key, sizing.pool_shape(cfg, key), p.min_nodes, p.max_nodes, p.capacity == "spot",
                          p.disk_size_gb)
            for key, p in sizing.effective_pools(cfg).items()}


# --- endpoints ---------------------------------------------------------------------------------------------

# Node headroom left to the kubelet, system reserve and node agents when a replica's CPU and memory are
# derived from the pool's shape (EKS/GKE/AKS reserve roughly 0.1-0.5 vCPU and 1-3 GiB on GPU shapes).
CPU_SHARE, CPU_RESERVE = 0.9, 0.5
MEMORY_SHARE, MEMORY_RESERVE_GIB = 0.85, 2.0
CACHE_HEADROOM_GIB = 20  # torch.compile / Triton caches and tokenizer files next to the weights


@dataclass(frozen=True)
class Resources:
    """What one vLLM replica requests (requests equal limits: Guaranteed QoS, a serving pod is never the first
    to be evicted), from the node shape it runs on."""

    cpu: str
    memory: str
    model_cache: str  # emptyDir cap for the weights and compile caches: the replica's GPU memory + headroom

    @classmethod
    def of_shape(cls, shape: catalog.GpuShape, gpus: int) -> Resources:
        """The replica's GPU share of the node, minus the node's system headroom; the model cache holds weights
        that fit the replica's GPUs (the node disk, gpuPools.diskSizeGb, must hold them)."""
        share = gpus / shape.gpus
        cpu = max(1, math.floor((shape.vcpu * CPU_SHARE - CPU_RESERVE) * share))
        memory_gib = max(4, math.floor((shape.memory_gib * MEMORY_SHARE - MEMORY_RESERVE_GIB) * share))
        cache_gib = math.ceil(shape.gpu_model.memory_gib * gpus) + CACHE_HEADROOM_GIB
        return cls(str(cpu), f"{memory_gib}Gi", f"{cache_gib}Gi")


Model: TypeAlias = str | ArchitectureConfig  # a catalog model id, or an explicit architecture (a checkpoint not in the catalog)


@dataclass(frozen=True)
class EndpointSpec:
    """One serving endpoint, resolved: the same value on every cloud. ``vllm`` endpoints run on ``pool`` with
    ``resources`` and the scheduler limits in ``batch``; ``managed`` ones on the managed service's ``shape``.
    Build one with ``EndpointSpec.vllm`` / ``EndpointSpec.managed`` (the zone: ``endpoints(cfg)``)."""

    key: str  # the endpoint's config key: names its objects (a DNS-1035 label on Kubernetes)
    runtime: str  # vllm | managed
    model_id: str  # the catalog id, or an explicit architecture's name
    architecture: catalog.ModelArchitecture
    from_catalog: bool  # model_id is a catalog id (Model Garden / Azure ML registry entries exist only for those)
    catalog_checkpoint: bool  # the weights are a catalog model's bf16 checkpoint (sizing.bf16_checkpoint)
    served_name: str  # the name clients send (OpenAI ``model`` field)
    precision: str
    max_context: int
    concurrency: int  # sequences a replica is sized to hold at max_context
    gpus: int  # per replica: the tensor-parallel size (on the pool's GPU, or on the managed shape)
    replicas_min: int
    replicas_max: int
    exposure: str = "internal"  # internal | public
    pool: PoolSpec | None = None  # vllm: the pool the replicas run on
    resources: Resources | None = None  # vllm: CPU, memory, model cache of a replica
    batch: sizing.Batch | None = None  # vllm: --max-num-seqs, --max-num-batched-tokens (sizing.vllm_batch)
    kv_cache_dtype: str = "auto"  # auto | fp8 (--kv-cache-dtype)
    shape: catalog.GpuShape | None = None  # managed: the SageMaker / Vertex AI / Azure ML shape
    checkpoint: str | None = None  # the weights' path in the model store when not the model's repo id
    canary: CanarySpec | None = None  # a second model released next to this one (with_canary)

    @property
    def model_path(self) -> str:
        """The checkpoint's key prefix in a zone's model store: ``checkpoint``, else the Hugging Face repo id."""
        return self.checkpoint or self.architecture.hf_name

    def with_canary(self, model: Model, weight: int, mirror: bool = False, *, precision: str | None = None,
                    replicas_min: int = 1, replicas_max: int = 1, checkpoint: str | None = None) -> EndpointSpec:
        """This endpoint with a canary of ``model`` taking ``weight`` percent (1..50) of its requests (``mirror``:
        a copy of them, answers dropped), sized on the same pool (vLLM) or managed shape as the endpoint."""
        key = canary_key(self.key)
        common = {"precision": precision or self.precision, "max_context": self.max_context,
                  "concurrency": self.concurrency, "replicas_min": replicas_min, "replicas_max": replicas_max,
                  "exposure": self.exposure}
        if self.pool is not None:
            typical = self.batch.typical_tokens if self.batch else sizing.DEFAULT_TYPICAL_TOKENS
            spec = EndpointSpec.vllm(key, model, self.pool, typical_tokens=typical,
                                     kv_cache_dtype=self.kv_cache_dtype, **common)
        else:
            assert self.shape is not None, "a managed EndpointSpec has its shape"
            spec = EndpointSpec.managed(key, model, self.shape, **common)
        return replace(self, canary=CanarySpec(replace(spec, checkpoint=checkpoint), weight, mirror))

    @property
    def gpu(self) -> catalog.GpuModel:
        """The GPU a replica runs on."""
        shape = self.pool.shape if self.pool else self.shape
        assert shape is not None, "an EndpointSpec has a pool (vllm) or a shape (managed)"
        return shape.gpu_model

    @classmethod
    def vllm(cls, key: str, model: Model, pool: PoolSpec, *, precision: str = "bf16", max_context: int = 8192,
             concurrency: int = 16, replicas_min: int = 1, replicas_max: int = 1,
             typical_tokens: int = sizing.DEFAULT_TYPICAL_TOKENS, kv_cache_dtype: str = "auto",
             exposure: str = "internal") -> EndpointSpec:
        """A vLLM endpoint on ``pool``: the smallest tensor-parallel size that holds a replica on the pool's GPU,
        the replica's share of the node, and the batch its KV cache holds (components/sizing.py)."""
        w = sizing.Workload(sizing.architecture(model), precision, max_context, concurrency, kv_cache_dtype)
        gpu = pool.shape.gpu_model
        tp = sizing.smallest_tp(w, gpu, pool.gpus_per_node)
        if tp is None:
            raise ValueError(f"endpoint {key!r} does not fit pool {pool.key!r} ({pool.gpus_per_node} x {pool.gpu}): "
                             f"{w.describe()}")
        return cls(key, "vllm", *_model(model), precision, max_context, concurrency, tp, replicas_min,
                   replicas_max, exposure, pool=pool, resources=Resources.of_shape(pool.shape, tp),
                   batch=sizing.batch(w, gpu, tp, typical_tokens), kv_cache_dtype=kv_cache_dtype)

    @classmethod
    def managed(cls, key: str, model: Model, shape: catalog.GpuShape, *, precision: str = "bf16",
                max_context: int = 8192, concurrency: int = 16, replicas_min: int = 1, replicas_max: int = 1,
                exposure: str = "internal") -> EndpointSpec:
        """A managed endpoint on a managed service's ``shape``; ``gpus`` is the serving container's
        tensor-parallel size on it."""
        w = sizing.Workload(sizing.architecture(model), precision, max_context, concurrency)
        tp = sizing.smallest_tp(w, shape.gpu_model, shape.gpus)
        if tp is None:
            raise ValueError(f"endpoint {key!r} does not fit {shape.name}: {w.describe()}")
        return cls(key, "managed", *_model(model), precision, max_context, concurrency, tp, replicas_min,
                   replicas_max, exposure, shape=shape)


@dataclass(frozen=True)
class CanarySpec:
    """The canary of an endpoint, resolved: its own EndpointSpec (keyed ``<endpoint>-canary``, which names its
    objects on every cloud) on the endpoint's pool or managed shape, and how traffic reaches it. What the gateway
    needs: ``served_name`` (and the endpoint's, which the canary also answers to), ``weight``, ``mirror``."""

    spec: EndpointSpec
    weight: int  # percent of the endpoint's requests (mirror: percent copied), 1..50
    mirror: bool = False  # shadow: the canary's answers are dropped

    def __post_init__(self) -> None:
        if not 1 <= self.weight <= MAX_CANARY_WEIGHT:
            raise ValueError(f"canary {self.spec.key!r}: weight {self.weight} is outside 1..{MAX_CANARY_WEIGHT}")

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def served_name(self) -> str:
        return self.spec.served_name

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    @property
    def stable_weight(self) -> int:
        """The endpoint's own share of the answered requests: 100 - weight, or all of them when mirroring."""
        return 100 if self.mirror else 100 - self.weight

    @property
    def mode(self) -> str:
        return "mirror" if self.mirror else "weighted"


def _model(model: Model) -> tuple[str, catalog.ModelArchitecture, bool, bool, str]:
    """model_id, architecture, from_catalog, catalog_checkpoint, served_name."""
    arch = sizing.architecture(model)
    model_id = model if isinstance(model, str) else model.name
    return model_id, arch, isinstance(model, str), sizing.bf16_checkpoint(model), sizing.served_name(model)


def endpoints(cfg: ZoneConfig) -> dict[str, EndpointSpec]:
    """Every endpoint of the zone, resolved once: vLLM ones on their pool (``pools``), managed ones on their
    managed shape."""
    specs = pools(cfg)
    out: dict[str, EndpointSpec] = {}
    for key, ep in cfg.endpoints.items():
        common = {"precision": ep.precision, "max_context": ep.max_context, "concurrency": ep.concurrency,
                  "replicas_min": ep.replicas.min, "replicas_max": ep.replicas.max, "exposure": ep.exposure}
        if ep.runtime == "vllm":
            out[key] = EndpointSpec.vllm(key, ep.model, specs[sizing.endpoint_pool(cfg, key)],
                                         typical_tokens=ep.typical_tokens, kv_cache_dtype=ep.kv_cache_dtype,
                                         **common)
        else:
            out[key] = EndpointSpec.managed(key, ep.model, sizing.managed_shape(cfg, key), **common)
        if ep.canary is not None and (canary := ep.canary_endpoint()) is not None:
            out[key] = out[key].with_canary(
                ep.canary.model, ep.canary.weight, ep.canary.mirror, precision=canary.precision,
                replicas_min=canary.replicas.min, replicas_max=canary.replicas.max, checkpoint=ep.canary.checkpoint)
    return out


# --- cost per token of the endpoints that declare a load (components/finops/per_token.py) ----------------------

def endpoint_per_token(cfg: ZoneConfig, key: str) -> finops_per_token.EndpointPerToken | None:
    """The per-token cost of endpoint ``key`` of a validated config, or None when it declares no load.

    vLLM: the pool's shape, TP and ``--max-num-seqs`` the zone deploys (components.sizing), Spot-discounted on
    a Spot pool. Managed: the managed shape at its TP, with the batch vLLM would run there (the same rule; the
    managed container's own scheduler limits are not modelled)."""
    ep = cfg.endpoints[key]
    if ep.load is None:
        return None
    load = finops_per_token.Load(ep.load.requests_per_second, ep.load.prompt_tokens, ep.load.output_tokens)
    w = sizing.Workload.of(ep)
    factor, basis = 1.0, "on-demand"
    if ep.runtime == "managed":
        shape = sizing.managed_shape(cfg, key)
        tp = sizing.managed_replica_gpus(cfg, key)
        seqs = sizing.batch(w, shape.gpu_model, tp, ep.typical_tokens).max_num_seqs
        basis = f"on-demand, {sizing.SERVICE_LABEL[shape.service]}"
    else:
        pool = sizing.endpoint_pool(cfg, key)
        shape = sizing.pool_shape(cfg, pool)
        tp = sizing.replica_gpus(cfg, key)
        seqs = sizing.vllm_batch(cfg, key).max_num_seqs
        if sizing.effective_pools(cfg)[pool].capacity == "spot":
            discount = catalog.spot_discount(cfg.cloud)
            factor, basis = 1.0 - discount, f"Spot at an assumed {discount:.0%} discount"
    figures = finops_per_token.per_token(w, shape, tp, seqs, load, ep.replicas.min, ep.replicas.max, factor, basis)
    return finops_per_token.EndpointPerToken(key, load, figures)


def zone_per_token(cfg: ZoneConfig) -> list[finops_per_token.EndpointPerToken]:
    """Every endpoint of the zone that declares a load, in config order."""
    return [e for key in cfg.endpoints if (e := endpoint_per_token(cfg, key)) is not None]


def gateway_backends(spec: EndpointSpec, port: int) -> tuple[list[tuple[str, int, int]], tuple[str, int, int] | None]:
    """An endpoint's backends at the AI gateway: weighted (Service, port, weight), and the mirror (Service, port,
    percent copied). Its own Service (named by its key) takes every request unless an A/B canary takes
    ``weight`` percent; a shadow canary gets a copy of ``weight`` percent and answers nobody. The canary's
    Service is named by its key (``<endpoint>-canary``, components/k8s/vllm.py canary_service_name)."""
    canary = spec.canary
    if canary is None:
        return [(spec.key, port, 100)], None
    if canary.mirror:
        return [(spec.key, port, 100)], (canary.key, port, canary.weight)
    return [(spec.key, port, 100 - canary.weight), (canary.key, port, canary.weight)], None


def gateway(cfg: ZoneConfig, namespace: str, port: int) -> tuple[list[gateway_routes.ModelRoute],
                                                                   list[gateway_routes.Limit]]:
    """The AI gateway's routes (one per vLLM endpoint, with the teams allowed it) and the teams' limits. Clients
    name an endpoint by the model it serves; where several endpoints serve one model, by the endpoint's key (the
    gateway rewrites it to the served name)."""
    specs = {k: s for k, s in endpoints(cfg).items() if s.runtime == "vllm"}
    allowed = {team: list(specs) if t.models is None else list(t.models) for team, t in cfg.teams.items()}
    shared = {n for n in (s.served_name for s in specs.values())
              if sum(s.served_name == n for s in specs.values()) > 1}
    served = {k: k if s.served_name in shared else s.served_name for k, s in specs.items()}
    routes = []
    for key, spec in specs.items():
        backends, mirror = gateway_backends(spec, port)
        routes.append(gateway_routes.endpoint_route(
            key, served[key], backends, namespace, mirror=mirror,
            teams=[team for team, models in allowed.items() if key in models],
            upstream_model=spec.served_name if spec.served_name in shared else None))
    return routes, gateway_routes.team_limits({k: t.limits for k, t in cfg.teams.items()}, served)
