"""GPU sizing: model + precision + context + concurrency -> GPU memory -> the cheapest feasible shape.

Memory model (reference: gpu-and-serving-facts.md section 2, vLLM's own accounting):

- weights = parameters x bytes of the precision (fp32 4, bf16/fp16 2, fp8/int8 1, int4 0.5);
- KV cache = 2 (K and V) x layers x KV heads x head_dim x KV bytes x maxContext x concurrency, i.e. the worst
  case of ``concurrency`` sequences at full context. The KV element type is the endpoint's ``kvCacheDtype``:
  ``auto`` is vLLM's default, the model's compute dtype, 16-bit for bf16/fp16 and for quantised weights too
  (fp8/int8/int4 quantise weights only; the activations and the cache stay bf16), 32-bit for fp32; ``fp8``
  is 1 byte (vLLM ``--kv-cache-dtype fp8``, GPUs with FP8 only);
- per GPU, with tensor parallelism TP: weights/TP + KV/TP + OVERHEAD_GIB_PER_GPU must fit in usable GPU memory
  x GPU_MEMORY_UTILIZATION (vLLM's ``gpu_memory_utilization`` default). When TP exceeds the KV heads, vLLM
  replicates KV heads, so each GPU holds ceil(KV heads / TP) of them;
- TP is a power of two that divides the attention heads, within one node (TP never crosses nodes here);
- fp8 (weights or KV cache) only on GPUs with FP8 tensor cores (catalog ``fp8`` flag: Ada and Hopper, not
  Ampere or Turing);
- int8/int4 weights are only what vLLM loads when the checkpoint is stored that way or quantised at load. A
  catalog model's checkpoint is the publisher's bf16 one (``bf16_checkpoint``): fp8 quantises it online, but
  vLLM has no in-flight int8 path, and its in-flight 4-bit path (bitsandbytes) has its own loader, which
  cannot stream from the model bucket. So int8 and int4 with a catalog model on vLLM are refused at
  validation (they would load 16-bit weights into memory sized for 8 or 4 bits); an explicit architecture
  names a pre-quantised checkpoint (AWQ, GPTQ, compressed-tensors), whose config.json declares the method.

Batching (``vllm_batch``): ``concurrency`` is the guarantee at full context; the batch vLLM runs is sized
for a typical request instead (``typicalTokens``, default 2048 prompt + output). The KV capacity of a
replica, in tokens, is what the memory model above leaves per GPU divided by the KV bytes per token per GPU:
(usable - weights/TP - overhead) / (2 x layers x ceil(KV heads/TP) x head_dim x KV bytes); then
``--max-num-seqs`` = min(MAX_NUM_SEQS, floor(capacity / typical tokens)), never below ``concurrency``.
``--max-num-batched-tokens`` (the per-step token budget shared by decodes and prefill chunks; chunked prefill
is always on in the V1 engine): vLLM's optimisation guide says smaller values (e.g. 2048) give better
inter-token latency and values above 8192 give throughput, "especially for smaller models on large GPUs". The
choice follows vLLM's own API-server defaults (``EngineArgs.get_batch_defaults``): THROUGHPUT_BATCHED_TOKENS
(8192) on GPUs of at least LARGE_GPU_GIB except A100 (vllm-project/vllm#17885: a large budget lowered A100
throughput), i.e. H100, H100 NVL, H200; LATENCY_BATCHED_TOKENS (2048) on the others (T4, A10G, L4, L40S,
A100); never fewer than ``--max-num-seqs`` (vLLM requires it).

The public contract used by config validation and every cloud: ``config_issues``, ``effective_pools``,
``endpoint_pool``, ``replica_gpus``, ``vllm_batch``, ``pool_shape``, ``managed_shape``, ``MANAGED_SERVICE``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.components.config.models import ArchitectureConfig, EndpointConfig, GpuPoolConfig, ZoneConfig
from llmops_landing_zone.components.config.registry import Issue, register

MANAGED_SERVICE = {"aws": "sagemaker", "gcp": "vertex", "azure": "azureml"}
SERVICE_LABEL = {"compute": "node pool", "sagemaker": "SageMaker", "vertex": "Vertex AI", "azureml": "Azure ML"}

GIB = 1024**3
GPU_MEMORY_UTILIZATION = 0.9  # vLLM CacheConfig.gpu_memory_utilization default (vllm/config/cache.py)
# CUDA context, NCCL buffers, activations and CUDA graphs outside the KV pool. Heuristic: the reference gives
# "~1-2 GiB per GPU"; the low end is used because vLLM's 10% reserve already covers part of it.
OVERHEAD_GIB_PER_GPU = 1.0
WEIGHT_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
# KV bytes per element with kvCacheDtype auto (vLLM cache_dtype "auto" = the model dtype), per weight precision:
# quantised weights (fp8 online, int8, int4) keep bf16 activations, hence a 16-bit cache.
KV_BYTES = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 2.0, "int8": 2.0, "int4": 2.0}
KV_CACHE_DTYPES = ("auto", "fp8")
FP8_KV_BYTES = 1.0  # --kv-cache-dtype fp8 (E4M3)
NEEDS_FP8 = frozenset({"fp8"})
# Batching (see the module docstring).
DEFAULT_TYPICAL_TOKENS = 2048
# Cap on --max-num-seqs: vLLM's API-server default below 70 GiB (EngineArgs.get_batch_defaults; 1024 on H100
# class). Kept on every GPU: past a few hundred sequences decode turns compute-bound and latency grows
# without much more throughput.
MAX_NUM_SEQS = 256
LATENCY_BATCHED_TOKENS, THROUGHPUT_BATCHED_TOKENS = 2048, 8192
LARGE_GPU_GIB = 70.0  # vLLM's threshold for its larger defaults (A100 excepted)
# Precisions vLLM cannot serve from a catalog model's bf16 checkpoint at the size WEIGHT_BYTES assumes.
_PREQUANTIZED = ("give an explicit architecture whose name is a {bits}-bit pre-quantised checkpoint ({kinds}), "
                 "staged in the model bucket")
IN_FLIGHT_REFUSED = {
    "int8": ("the catalog checkpoint is bf16 and vLLM has no in-flight int8 quantisation, so it would load 16-bit "
             "weights into memory sized for 8; use fp8 (same weight memory, quantised online) or "
             + _PREQUANTIZED.format(bits=8, kinds="e.g. compressed-tensors W8A8")),
    "int4": ("the catalog checkpoint is bf16 and vLLM's in-flight 4-bit quantisation (bitsandbytes) uses its own "
             "loader, which cannot stream from the model bucket (vllm-project/vllm#22882); use fp8 or "
             + _PREQUANTIZED.format(bits=4, kinds="AWQ, GPTQ")),
}


# --- the memory model --------------------------------------------------------------------------------


def architecture(model: str | ArchitectureConfig) -> catalog.ModelArchitecture:
    """A catalog model id or an explicit architecture from the config, as one type."""
    if isinstance(model, ArchitectureConfig):
        return catalog.ModelArchitecture(model.name, model.name, model.layers, model.attention_heads,
                                         model.kv_heads, model.head_dim, model.parameters, model.max_context,
                                         source="explicit architecture in the stack config")
    found = catalog.model_architectures().get(model)
    if found is None:
        known = ", ".join(sorted(catalog.model_architectures()))
        raise KeyError(f"unknown model '{model}'; use a catalog id ({known}) or an explicit architecture")
    return found


def served_name(model: str | ArchitectureConfig) -> str:
    """The model name clients send (OpenAI ``model`` field), the same on every cloud: the catalog id, or the
    last path segment of an explicit architecture's name, lowercased."""
    return model.name.split("/")[-1].lower() if isinstance(model, ArchitectureConfig) else model


def bf16_checkpoint(model: str | ArchitectureConfig) -> bool:
    """Whether the endpoint's weights are a catalog model's checkpoint (the publisher's bf16 weights, staged under
    the catalog's ``hf_name``): a catalog id, or an explicit architecture named like a catalog checkpoint
    (components.k8s.vllm.bf16_checkpoint applies the same rule to the model path)."""
    return architecture(model).hf_name in {m.hf_name for m in catalog.model_architectures().values()}


@dataclass(frozen=True)
class Workload:
    arch: catalog.ModelArchitecture
    precision: str
    context: int
    concurrency: int
    kv_cache_dtype: str = "auto"  # auto (KV_BYTES of the precision) | fp8

    @classmethod
    def of(cls, ep: EndpointConfig) -> Workload:
        return cls(architecture(ep.model), ep.precision, ep.max_context, ep.concurrency, ep.kv_cache_dtype)

    @property
    def kv_bytes(self) -> float:
        """Bytes of one KV element."""
        return FP8_KV_BYTES if self.kv_cache_dtype == "fp8" else KV_BYTES[self.precision]

    def kv_bytes_per_token(self, tp: int = 1) -> float:
        """KV bytes one token takes on one GPU at tensor-parallel size ``tp`` (tp=1: the whole model)."""
        heads = math.ceil(self.arch.kv_heads / tp)
        return 2 * self.arch.layers * heads * self.arch.head_dim * self.kv_bytes

    @property
    def weights_gib(self) -> float:
        return self.arch.parameters * WEIGHT_BYTES[self.precision] / GIB

    def kv_gib(self, tp: int = 1) -> float:
        """KV cache one GPU holds at tensor-parallel size ``tp`` (tp=1: the whole cache)."""
        return self.kv_bytes_per_token(tp) * self.context * self.concurrency / GIB

    def need_per_gpu_gib(self, tp: int) -> float:
        return self.weights_gib / tp + self.kv_gib(tp) + OVERHEAD_GIB_PER_GPU

    @property
    def total_gib(self) -> float:
        """Weights + whole KV cache (the number to quote; per-GPU overhead comes on top)."""
        return self.weights_gib + self.kv_gib(1)

    def describe(self) -> str:
        kv = " (fp8 KV cache)" if self.kv_cache_dtype == "fp8" else ""
        return (f"{self.arch.id} {self.precision}{kv} at {self.context} tokens x {self.concurrency} sequences "
                f"needs "
                f"{self.total_gib:.1f} GiB (weights {self.weights_gib:.1f} + KV cache {self.kv_gib(1):.1f}) "
                f"+ {OVERHEAD_GIB_PER_GPU:g} GiB per GPU")


def usable_gib(gpu: catalog.GpuModel) -> float:
    return gpu.memory_gib * GPU_MEMORY_UTILIZATION


def tp_sizes(arch: catalog.ModelArchitecture, max_gpus: int) -> list[int]:
    """Tensor-parallel sizes on a node of ``max_gpus`` GPUs: powers of two dividing the attention heads."""
    sizes, tp = [], 1
    while tp <= max_gpus:
        if arch.attention_heads % tp == 0:
            sizes.append(tp)
        tp *= 2
    return sizes


def precision_ok(w: Workload, gpu: catalog.GpuModel) -> bool:
    """fp8 weights or an fp8 KV cache need FP8 tensor cores."""
    return gpu.fp8 or (w.precision not in NEEDS_FP8 and w.kv_cache_dtype not in NEEDS_FP8)


def smallest_tp(w: Workload, gpu: catalog.GpuModel, gpus: int) -> int | None:
    """Smallest TP size on ``gpus`` GPUs of ``gpu`` that holds one replica, or None."""
    if not precision_ok(w, gpu):
        return None
    budget = usable_gib(gpu)
    return next((tp for tp in tp_sizes(w.arch, gpus) if w.need_per_gpu_gib(tp) <= budget), None)


@dataclass(frozen=True)
class Fit:
    shape: catalog.GpuShape
    tp: int  # GPUs one replica uses (tensor-parallel size)
    need_per_gpu_gib: float
    usable_per_gpu_gib: float

    @property
    def replicas_per_node(self) -> int:
        return self.shape.gpus // self.tp

    @property
    def headroom_gib(self) -> float:
        """Usable memory left over on the replica's GPUs."""
        return (self.usable_per_gpu_gib - self.need_per_gpu_gib) * self.tp


def fit(w: Workload, shape: catalog.GpuShape) -> Fit | None:
    gpu = shape.gpu_model
    tp = smallest_tp(w, gpu, shape.gpus)
    return None if tp is None else Fit(shape, tp, w.need_per_gpu_gib(tp), usable_gib(gpu))


def _price_order(f: Fit) -> tuple[float, int, str]:
    return (f.shape.usd_per_hour, f.shape.gpus, f.shape.name)


def feasible(w: Workload, cloud: str, service: str = "compute", region: str | None = None) -> list[Fit]:
    """Every shape of a cloud's service that holds one replica (and that ``region`` offers), cheapest first."""
    fits = (fit(w, s) for s in regions.offered_in(region, list(catalog.shapes(cloud, service))))
    price = regions.regional_usd(region)
    return sorted((f for f in fits if f is not None), key=lambda f: (price(f.shape), *_price_order(f)[1:]))


def cheapest(w: Workload, cloud: str, service: str = "compute", region: str | None = None) -> Fit | None:
    found = feasible(w, cloud, service, region)
    return found[0] if found else None


def largest_offer(cloud: str, service: str = "compute") -> str:
    """The shape with the most usable GPU memory, for "nothing fits" messages."""
    best = max(catalog.shapes(cloud, service), key=lambda s: s.gpus * usable_gib(s.gpu_model))
    return f"{best.name} ({best.gpus} x {best.gpu}, {best.gpus * usable_gib(best.gpu_model):.1f} GiB usable)"


# --- batching: what the replica runs at typical request sizes ------------------------------------------


def kv_capacity_tokens(w: Workload, gpu: catalog.GpuModel, tp: int) -> int:
    """Tokens of KV cache one replica holds at tensor-parallel size ``tp``: the usable memory per GPU left after
    weights/TP and the overhead (the same terms as ``need_per_gpu_gib``), over the KV bytes per token per GPU."""
    free_gib = usable_gib(gpu) - w.weights_gib / tp - OVERHEAD_GIB_PER_GPU
    return max(0, math.floor(free_gib * GIB / w.kv_bytes_per_token(tp)))


@dataclass(frozen=True)
class Batch:
    """vLLM scheduler limits of one replica (module docstring, "Batching")."""

    max_num_seqs: int
    max_num_batched_tokens: int
    kv_capacity_tokens: int
    typical_tokens: int
    kv_cache_dtype: str


def batch(w: Workload, gpu: catalog.GpuModel, tp: int, typical_tokens: int = DEFAULT_TYPICAL_TOKENS) -> Batch:
    """``--max-num-seqs`` = min(MAX_NUM_SEQS, capacity // typical tokens), never below ``w.concurrency``;
    ``--max-num-batched-tokens`` by GPU size, never below ``--max-num-seqs``. A typical request longer than
    the context counts as the context."""
    typical = max(1, min(typical_tokens, w.context))
    capacity = kv_capacity_tokens(w, gpu, tp)
    seqs = max(w.concurrency, min(MAX_NUM_SEQS, capacity // typical))
    large = gpu.memory_gib >= LARGE_GPU_GIB and not gpu.id.startswith("A100")
    budget = THROUGHPUT_BATCHED_TOKENS if large else LATENCY_BATCHED_TOKENS
    return Batch(seqs, max(budget, seqs), capacity, typical, w.kv_cache_dtype)


def vllm_batch(cfg: ZoneConfig, endpoint: str) -> Batch:
    """The batch of a vLLM endpoint on its pool's GPU at its tensor-parallel size."""
    ep = cfg.endpoints[endpoint]
    gpu = catalog.gpu_models()[effective_pools(cfg)[endpoint_pool(cfg, endpoint)].gpu]
    return batch(Workload.of(ep), gpu, replica_gpus(cfg, endpoint), ep.typical_tokens)


# --- the contract used by config validation and the clouds ----------------------------------------------


def endpoint_pool(cfg: ZoneConfig, endpoint: str) -> str:
    """The pool a vLLM endpoint runs on: the one it names, or the pool sized for it (keyed by the endpoint)."""
    return cfg.endpoints[endpoint].pool or endpoint


def _auto_pool(cfg: ZoneConfig, ep: EndpointConfig) -> GpuPoolConfig | None:
    best = cheapest(Workload.of(ep), cfg.cloud, region=cfg.region)
    if best is None:
        return None
    per_node = best.replicas_per_node
    low = 0 if cfg.environment == "dev" else ep.replicas.min
    high = math.ceil(ep.replicas.max / per_node)
    canary = ep.canary_endpoint()
    if canary is not None and (tp := smallest_tp(Workload.of(canary), best.shape.gpu_model, best.shape.gpus)):
        high += math.ceil(canary.replicas.max / (best.shape.gpus // tp))  # the canary's replicas, on nodes of their own
    return GpuPoolConfig(
        gpu=best.shape.gpu, gpus_per_node=best.shape.gpus, instance_type=best.shape.name, capacity="on-demand",
        min_nodes=math.ceil(low / per_node), max_nodes=max(1, high),
    )


def effective_pools(cfg: ZoneConfig) -> dict[str, GpuPoolConfig]:
    """Every GPU pool the zone creates: configured ones plus one sized for each vLLM endpoint without a pool.

    A sized pool is keyed by its endpoint, runs the cheapest feasible shape on demand and scales 0..replicas.max
    nodes in dev, replicas.min..replicas.max otherwise (divided by the replicas one node holds).
    """
    pools = dict(cfg.gpu_pools)
    for key, ep in cfg.endpoints.items():
        if ep.runtime == "vllm" and ep.pool is None and key not in cfg.gpu_pools:
            pool = _auto_pool(cfg, ep)
            if pool is not None:
                pools[key] = pool
    return pools


def replica_gpus(cfg: ZoneConfig, endpoint: str) -> int:
    """GPUs one vLLM replica requests: the smallest feasible tensor-parallel size on its pool's GPU."""
    pool = effective_pools(cfg)[endpoint_pool(cfg, endpoint)]
    tp = smallest_tp(Workload.of(cfg.endpoints[endpoint]), catalog.gpu_models()[pool.gpu], pool.gpus_per_node)
    if tp is None:
        raise ValueError(f"endpoint '{endpoint}' does not fit pool '{endpoint_pool(cfg, endpoint)}' "
                         "(config validation reports this)")
    return tp


def pool_shape(cfg: ZoneConfig, pool: str) -> catalog.GpuShape:
    p = effective_pools(cfg)[pool]
    shape = (catalog.shape_named(cfg.cloud, p.instance_type) if p.instance_type
             else regions.shape_for(cfg.cloud, p.gpu, p.gpus_per_node, cfg.region))
    if shape is None:
        raise ValueError(f"pool '{pool}' has no catalog shape (config validation reports this)")
    return shape


def managed_shape(cfg: ZoneConfig, endpoint: str) -> catalog.GpuShape:
    """The managed service's shape for an endpoint: its instanceType, else the cheapest feasible one."""
    service = MANAGED_SERVICE[cfg.cloud]
    ep = cfg.endpoints[endpoint]
    if ep.instance_type:
        shape = catalog.shape_named(cfg.cloud, ep.instance_type, service)
    else:
        best = cheapest(Workload.of(ep), cfg.cloud, service, cfg.region)
        shape = best.shape if best else None
    if shape is None:
        raise ValueError(f"endpoint '{endpoint}' has no feasible {service} shape "
                         "(config validation reports this)")
    return shape


def managed_replica_gpus(cfg: ZoneConfig, endpoint: str) -> int:
    """Tensor-parallel size of a managed endpoint on its shape (for the serving container's settings)."""
    shape = managed_shape(cfg, endpoint)
    tp = smallest_tp(Workload.of(cfg.endpoints[endpoint]), shape.gpu_model, shape.gpus)
    if tp is None:
        raise ValueError(f"endpoint '{endpoint}' does not fit {shape.name} (config validation reports this)")
    return tp


# --- config validation -----------------------------------------------------------------------------------



@register(stage="fit")
def config_issues(cfg: ZoneConfig) -> list[Issue]:
    """Fit checks: every endpoint fits its pool or managed shape, sized pools exist, pools hold the replicas."""
    issues: list[Issue] = []
    for key, ep in cfg.endpoints.items():
        issues.extend(_endpoint_issues(cfg, key, ep))
    if not issues:
        for key in cfg.endpoints:
            issues.extend(_canary_issues(cfg, key))
    if not issues:
        issues.extend(_pool_capacity_issues(cfg))
    return issues


def _endpoint_issues(cfg: ZoneConfig, key: str, ep: EndpointConfig) -> Iterable[Issue]:
    path = f"endpoints.{key}"
    try:
        w = Workload.of(ep)
    except KeyError as exc:  # unknown model: the config checks already report it with its key path
        yield f"{path}.model", str(exc.args[0])
        return
    if ep.runtime == "managed":
        if ep.kv_cache_dtype != "auto":
            msg = ("kvCacheDtype fp8 sets vLLM's --kv-cache-dtype; the managed runtime's container is not "
                   "configured with it: use runtime: vllm, or auto")
            yield f"{path}.kvCacheDtype", msg
            return
        yield from _managed_issues(cfg, path, ep, w)
        return
    if ep.precision in IN_FLIGHT_REFUSED and bf16_checkpoint(ep.model):
        yield f"{path}.precision", f"{ep.precision} with {w.arch.id}: {IN_FLIGHT_REFUSED[ep.precision]}"
        return
    if ep.pool is None:
        if key in cfg.gpu_pools:
            msg = (f"without a pool the zone sizes a pool named '{key}' for this endpoint, but gpuPools "
                   f"already defines '{key}'; set pool: {key} to run on it, or rename the endpoint")
            yield f"{path}.pool", msg
        elif cheapest(w, cfg.cloud, region=cfg.region) is None:
            yield f"{path}.model", f"{w.describe()}; {_no_fit(cfg.cloud, 'compute', w, cfg.region)}"
        return
    pool = cfg.gpu_pools[ep.pool]
    gpu = catalog.gpu_models()[pool.gpu]
    if not precision_ok(w, gpu):
        fp8 = ", ".join(g.id for g in catalog.gpu_models().values() if g.fp8)
        if ep.precision in NEEDS_FP8:
            msg = (f"{ep.precision} needs FP8 tensor cores, which {pool.gpu} (pool '{ep.pool}') does not have; "
                   f"use bf16, int8 or int4 here, or a pool of {fp8}")
            yield f"{path}.precision", msg
        else:
            msg = (f"an fp8 KV cache needs FP8 support, which {pool.gpu} (pool '{ep.pool}') does not have; "
                   f"use kvCacheDtype: auto here, or a pool of {fp8}")
            yield f"{path}.kvCacheDtype", msg
    elif smallest_tp(w, gpu, pool.gpus_per_node) is None:
        offer = f"pool '{ep.pool}' offers {pool.gpus_per_node} x {pool.gpu}"
        msg = (f"{_too_small(w, gpu, pool.gpus_per_node, offer)}; use more or larger GPUs per node, a lower "
               "precision, context or concurrency, or drop pool to have one sized")
        yield f"{path}.pool", msg


def canary_tp(cfg: ZoneConfig, endpoint: str) -> int | None:
    """GPUs one canary replica needs where the endpoint runs (its pool's node, or its managed shape), or None
    when it does not fit there. The canary shares the endpoint's pool or shape: a release is compared on the
    hardware it will be promoted to."""
    ep = cfg.endpoints[endpoint]
    canary = ep.canary_endpoint()
    assert canary is not None, f"endpoint {endpoint!r} has no canary"
    w = Workload.of(canary)
    if ep.runtime == "managed":
        shape = managed_shape(cfg, endpoint)
        return smallest_tp(w, shape.gpu_model, shape.gpus)
    pool = effective_pools(cfg)[endpoint_pool(cfg, endpoint)]
    return smallest_tp(w, catalog.gpu_models()[pool.gpu], pool.gpus_per_node)


def _canary_issues(cfg: ZoneConfig, key: str) -> Iterable[Issue]:
    ep = cfg.endpoints[key]
    canary = ep.canary_endpoint()
    if canary is None:
        return
    path = f"endpoints.{key}.canary"
    w = Workload.of(canary)
    if canary.precision in IN_FLIGHT_REFUSED and ep.runtime == "vllm" and bf16_checkpoint(canary.model) \
            and ep.canary is not None and ep.canary.checkpoint is None:
        yield f"{path}.precision", f"{canary.precision} with {w.arch.id}: {IN_FLIGHT_REFUSED[canary.precision]}"
        return
    if canary_tp(cfg, key) is not None:
        return
    if ep.runtime == "managed":
        shape = managed_shape(cfg, key)
        where = f"the endpoint's {SERVICE_LABEL[shape.service]} shape {shape.name} ({shape.gpus} x {shape.gpu})"
    else:
        pool_key = endpoint_pool(cfg, key)
        pool = effective_pools(cfg)[pool_key]
        where = f"the endpoint's pool '{pool_key}' ({pool.gpus_per_node} x {pool.gpu})"
    yield f"{path}.model", (f"the canary runs where the endpoint runs, on {where}, which cannot hold it: "
                            f"{w.describe()}; choose a smaller model or precision, or a larger pool or instanceType "
                            "for the endpoint")


def _no_fit(cloud: str, service: str, w: Workload | None = None, region: str | None = None) -> str:
    label = SERVICE_LABEL[service]
    elsewhere = cheapest(w, cloud, service) if w is not None and region else None
    if elsewhere is not None:  # it fits on a shape the region does not offer
        near = regions.nearest(cloud, str(region), regions.offering(cloud, elsewhere.shape.name, service))
        return (f"no {label} shape offered in {region} holds it; the cheapest that does, {elsewhere.shape.name}, "
                f"is offered in {', '.join(near)} (nearest first)")
    return f"no {label} shape on {cloud} in the catalog holds it (largest: {largest_offer(cloud, service)})"


def _too_small(w: Workload, gpu: catalog.GpuModel, gpus: int, offer: str) -> str:
    """"<needs X GiB>; <offer>: Y GiB usable per GPU (0.9 x M), Z GiB needed per GPU at tensor parallel T"."""
    tp = tp_sizes(w.arch, gpus)[-1]
    return (f"{w.describe()}; {offer}: {usable_gib(gpu):.1f} GiB usable per GPU ({GPU_MEMORY_UTILIZATION:g} x "
            f"{gpu.memory_gib:g}), {w.need_per_gpu_gib(tp):.1f} GiB needed per GPU at tensor parallel {tp}")


def _managed_issues(cfg: ZoneConfig, path: str, ep: EndpointConfig, w: Workload) -> Iterable[Issue]:
    service = MANAGED_SERVICE[cfg.cloud]
    label = SERVICE_LABEL[service]
    if ep.instance_type is None:
        if cheapest(w, cfg.cloud, service, cfg.region) is None:
            yield f"{path}.model", f"{w.describe()}; {_no_fit(cfg.cloud, service, w, cfg.region)}"
        return
    shape = catalog.shape_named(cfg.cloud, ep.instance_type, service)
    if shape is None:
        offered = sorted(catalog.shapes(cfg.cloud, service), key=lambda s: s.usd_per_hour)
        yield (f"{path}.instanceType", (f"'{ep.instance_type}' is not a {label} GPU shape in the catalog; "
               f"choose one of {', '.join(s.name for s in offered)}"))
    elif not precision_ok(w, shape.gpu_model):
        yield (f"{path}.precision", (f"{ep.precision} needs FP8 tensor cores, which {shape.gpu} ({shape.name}) "
               "does not have; use bf16, int8 or int4, or another instanceType"))
    elif fit(w, shape) is None:
        offer = f"{shape.name} offers {shape.gpus} x {shape.gpu}"
        yield (f"{path}.instanceType", (f"{_too_small(w, shape.gpu_model, shape.gpus, offer)}; choose a larger "
               "instanceType or remove it to have one picked"))


def _pool_capacity_issues(cfg: ZoneConfig) -> Iterable[Issue]:
    """A pool at maxNodes must hold replicas.max of every endpoint on it (a replica never spans nodes)."""
    demand: dict[str, list[tuple[str, int, int]]] = {}
    for key, ep in cfg.endpoints.items():
        if ep.runtime == "vllm" and ep.pool is not None:
            demand.setdefault(ep.pool, []).append((key, replica_gpus(cfg, key), ep.replicas.max))
            if (canary := ep.canary_endpoint()) is not None:  # the canary's replicas share the pool
                tp = canary_tp(cfg, key)
                assert tp is not None  # _canary_issues reported it
                demand[ep.pool].append((f"{key}.canary", tp, canary.replicas.max))
    for pool_key, users in demand.items():
        pool = cfg.gpu_pools[pool_key]
        fix = f"raise gpuPools.{pool_key}.maxNodes or lower replicas.max"
        for key, tp, n in users:
            per_node = pool.gpus_per_node // tp
            if n > pool.max_nodes * per_node:
                msg = (f"pool '{pool_key}' holds at most {pool.max_nodes * per_node} replica(s) of {tp} GPU(s) "
                       f"(maxNodes {pool.max_nodes} x {per_node} per node), not {n}; {fix}")
                yield f"endpoints.{key}.replicas.max", msg
        wanted = sum(tp * n for _, tp, n in users)
        slots = pool.max_nodes * pool.gpus_per_node
        if len(users) > 1 and wanted > slots:
            asks = ", ".join(f"{k}: {n} x {tp} GPU(s)" for k, tp, n in users)
            msg = (f"pool '{pool_key}' has at most {slots} GPUs (maxNodes {pool.max_nodes} x {pool.gpus_per_node}); "
                   f"its endpoints ask for {wanted} at replicas.max ({asks})")
            yield f"gpuPools.{pool_key}.maxNodes", msg
