"""GPU sizing: the reference's worked examples, a brute-force cross-check over the whole catalog, config fit
errors with their key paths, and pools sized for endpoints that name none."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.config import ConfigError, parse_zone

STACKS = Path(__file__).resolve().parent.parent / "stacks"
GIB = 2**30
CONTEXTS = (8192, 32768, 131072)
# The sizing contract, restated independently of components.sizing (the brute force below uses these).
UTILIZATION, OVERHEAD_GIB = 0.9, 1.0
WEIGHT = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1, "int8": 1, "int4": 0.5}
# KV bytes with kvCacheDtype auto: the model's compute dtype (quantised weights keep bf16 activations and cache)
KV = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 2, "int8": 2, "int4": 2}


def workload(model: str, precision: str, context: int, concurrency: int) -> sizing.Workload:
    return sizing.Workload(sizing.architecture(model), precision, context, concurrency)


def gpu(gpu_id: str) -> catalog.GpuModel:
    return catalog.gpu_models()[gpu_id]


def raw(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def issues(zone: dict[str, Any], provider: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return dict(info.value.issues)


# --- the reference's numbers (gpu-and-serving-facts.md 2.2-2.3) ----------------------------------------


@pytest.mark.parametrize(("model", "kv_bytes_per_token", "weights_bf16_gib"), [
    ("llama-3.1-8b", 131_072, 15.0), ("mistral-7b", 131_072, 13.5), ("mixtral-8x7b", 131_072, 87.0),
    ("llama-3.1-70b", 327_680, 131.4), ("qwen2.5-72b", 327_680, 135.4), ("llama-3.1-405b", 516_096, 756.0),
])
def test_memory_numbers_match_the_reference_table(model: str, kv_bytes_per_token: int, weights_bf16_gib: float) -> None:
    one_token = workload(model, "bf16", 1, 1)
    assert one_token.kv_gib(1) * GIB == kv_bytes_per_token
    assert round(one_token.weights_gib, 1) == pytest.approx(weights_bf16_gib, abs=0.1)
    assert workload(model, "fp8", 1, 1).weights_gib == pytest.approx(one_token.weights_gib / 2)
    assert workload(model, "int4", 1, 1).weights_gib == pytest.approx(one_token.weights_gib / 4)
    assert workload(model, "bf16", 8192, 1).kv_gib(1) == pytest.approx(kv_bytes_per_token * 8192 / GIB)


def test_8b_bf16_fits_one_l4() -> None:
    for concurrency in (1, 4):
        w = workload("llama-3.1-8b", "bf16", 8192, concurrency)
        assert sizing.smallest_tp(w, gpu("L4"), 1) == 1
        assert sizing.smallest_tp(w, gpu("A10G"), 1) == 1
    assert sizing.cheapest(workload("llama-3.1-8b", "bf16", 8192, 1), "aws").shape.name == "g6.xlarge"
    assert sizing.cheapest(workload("llama-3.1-8b", "bf16", 8192, 1), "gcp").shape.gpu == "L4"
    # 32 sequences at 8k is a 32 GiB KV cache: no longer one L4
    assert sizing.smallest_tp(workload("llama-3.1-8b", "bf16", 8192, 32), gpu("L4"), 1) is None


def test_70b_bf16_needs_four_80gb_gpus() -> None:
    w = workload("llama-3.1-70b", "bf16", 8192, 16)
    for g in ("H100", "A100-80GB"):
        assert sizing.smallest_tp(w, gpu(g), 2) is None
        assert sizing.smallest_tp(w, gpu(g), 4) == 4
    assert w.total_gib > 2 * 80 * UTILIZATION
    assert sizing.cheapest(w, "gcp").shape.name == "a2-ultragpu-4g"
    assert sizing.cheapest(w, "azure").shape.name == "Standard_NC96ads_A100_v4"
    # AWS sells no 4 x 80 GB shape; 8 x A100 40GB (p4d, 288 GiB usable) is the cheapest that holds it
    assert sizing.cheapest(w, "aws").shape.name == "p4d.24xlarge"


def test_70b_fp8_fits_one_h200_not_one_h100() -> None:
    w = workload("llama-3.1-70b", "fp8", 8192, 16)
    assert sizing.smallest_tp(w, gpu("H200"), 1) == 1
    assert sizing.smallest_tp(w, gpu("H100"), 1) is None
    assert sizing.smallest_tp(w, gpu("H100"), 8) == 2
    assert sizing.smallest_tp(w, gpu("A100-80GB"), 8) is None  # Ampere has no FP8 tensor cores


def test_405b_fp8_on_eight_h100() -> None:
    w = workload("llama-3.1-405b", "fp8", 8192, 16)
    assert sizing.smallest_tp(w, gpu("H100"), 8) == 8
    assert sizing.smallest_tp(w, gpu("H100"), 4) is None
    assert sizing.cheapest(w, "aws").shape.name == "p5.48xlarge"
    bf16 = workload("llama-3.1-405b", "bf16", 8192, 16)
    assert sizing.smallest_tp(bf16, gpu("H100"), 8) is None
    assert sizing.smallest_tp(bf16, gpu("H200"), 8) == 8


def test_tensor_parallel_sizes_are_powers_of_two_dividing_the_heads() -> None:
    arch = catalog.ModelArchitecture("odd", "odd", 40, 40, 8, 128, 10**10, 8192)
    assert sizing.tp_sizes(arch, 8) == [1, 2, 4, 8]
    arch = catalog.ModelArchitecture("odd", "odd", 40, 12, 4, 128, 10**10, 8192)
    assert sizing.tp_sizes(arch, 16) == [1, 2, 4]


def test_kv_heads_are_replicated_beyond_the_kv_head_count() -> None:
    arch = catalog.ModelArchitecture("mqa", "mqa", 10, 32, 1, 128, 10**9, 8192)
    w = sizing.Workload(arch, "bf16", 1024, 1)
    assert w.kv_gib(8) == w.kv_gib(1)  # one KV head: every GPU keeps the whole cache


# --- brute force over the catalog -----------------------------------------------------------------------


def brute_force(arch: catalog.ModelArchitecture, precision: str, context: int, concurrency: int,
                shapes: tuple[catalog.GpuShape, ...]) -> list[tuple[str, int]]:
    """Every (shape, smallest TP) that holds one replica, cheapest first; written without components.sizing."""
    found = []
    for s in shapes:
        g = catalog.gpu_models()[s.gpu]
        if precision == "fp8" and not g.fp8:
            continue
        for tp in range(1, s.gpus + 1):
            if tp & (tp - 1) or arch.attention_heads % tp:
                continue
            weights = arch.parameters * WEIGHT[precision]
            kv = 2 * arch.layers * math.ceil(arch.kv_heads / tp) * arch.head_dim * KV[precision] * context * concurrency
            if (weights / tp + kv) / GIB + OVERHEAD_GIB <= g.memory_gib * UTILIZATION:
                found.append((s.usd_per_hour, s.gpus, s.name, tp))
                break
    return [(name, tp) for _, _, name, tp in sorted(found)]


def test_the_stated_constants_are_the_ones_used() -> None:
    assert (sizing.GPU_MEMORY_UTILIZATION, sizing.OVERHEAD_GIB_PER_GPU) == (UTILIZATION, OVERHEAD_GIB)
    assert sizing.WEIGHT_BYTES == WEIGHT and sizing.KV_BYTES == KV


@pytest.mark.parametrize("cloud", catalog.CLOUDS)
def test_brute_force_agrees_with_the_chosen_shape_everywhere(cloud: str) -> None:
    checked = 0
    for arch in catalog.model_architectures().values():
        for precision in WEIGHT:
            for context in CONTEXTS:
                if context > arch.max_context:
                    continue
                for service in catalog.services(cloud):
                    shapes = catalog.shapes(cloud, service)
                    expected = brute_force(arch, precision, context, 16, shapes)
                    w = sizing.Workload(arch, precision, context, 16)
                    got = [(f.shape.name, f.tp) for f in sizing.feasible(w, cloud, service)]
                    assert got == expected, (arch.id, precision, context, cloud, service)
                    best = sizing.cheapest(w, cloud, service)
                    assert (best and (best.shape.name, best.tp)) == (expected[0] if expected else None)
                    checked += 1
    assert checked >= 30 * len(catalog.services(cloud))


def test_fp8_is_never_placed_on_a_gpu_without_fp8() -> None:
    for cloud in catalog.CLOUDS:
        for arch in catalog.model_architectures().values():
            w = sizing.Workload(arch, "fp8", 8192, 16)
            for service in catalog.services(cloud):
                assert all(f.shape.gpu_model.fp8 for f in sizing.feasible(w, cloud, service))


def test_every_shape_has_a_source_and_managed_services_exist() -> None:
    for cloud, service in (("aws", "sagemaker"), ("gcp", "vertex"), ("azure", "azureml")):
        assert sizing.MANAGED_SERVICE[cloud] == service
        assert catalog.shapes(cloud, service)
        for s in catalog.shapes(cloud, "compute") + catalog.shapes(cloud, service):
            assert s.source and s.as_of and s.usd_per_hour > 0 and s.gpu in catalog.gpu_models()
    names = {s.name for s in catalog.shapes("aws", "sagemaker")}
    assert {"ml.g5.xlarge", "ml.g6e.xlarge", "ml.p4d.24xlarge", "ml.p5.48xlarge"} <= names
    assert {s.vertex_accelerator for s in (sh.gpu_model for sh in catalog.shapes("gcp", "vertex"))} <= {
        g.vertex_accelerator for g in catalog.gpu_models().values() if g.vertex_accelerator}


# --- config validation: fit errors name memory needed and available ---------------------------------------


def test_endpoint_that_does_not_fit_its_pool_is_rejected_with_the_numbers() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["chat"]["concurrency"] = 32
    found = issues(zone, provider)
    msg = found["endpoints.chat.pool"]
    assert "47.0 GiB" in msg and "weights 15.0" in msg and "KV cache 32.0" in msg
    assert "20.1 GiB usable per GPU" in msg and "1 x L4" in msg


def test_fp8_on_an_ampere_pool_is_rejected() -> None:
    zone, provider = raw("aws-prod")
    zone["gpuPools"]["a100"] = {"gpu": "A100-40GB", "gpusPerNode": 8, "maxNodes": 1}
    zone["endpoints"]["reasoning"].update(pool="a100", precision="fp8")
    msg = issues(zone, provider)["endpoints.reasoning.precision"]
    assert "FP8 tensor cores" in msg and "A100-40GB" in msg


def test_replicas_beyond_the_pool_capacity_are_rejected() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["reasoning"]["replicas"] = {"min": 1, "max": 3}
    msg = issues(zone, provider)["endpoints.reasoning.replicas.max"]
    assert "at most 2 replica(s) of 8 GPU(s)" in msg


def test_endpoints_sharing_a_pool_must_fit_it_together() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["chat-b"] = {"model": "mistral-7b", "concurrency": 2, "pool": "l4-serving",
                                   "replicas": {"min": 1, "max": 2}}
    msg = issues(zone, provider)["gpuPools.l4-serving.maxNodes"]
    # chat's 7 replicas, its canary's 1 and chat-b's 2 on 8 GPUs
    assert "at most 8 GPUs" in msg and "ask for 10" in msg and "chat: 7 x 1 GPU(s)" in msg
    assert "chat.canary: 1 x 1 GPU(s)" in msg


def test_managed_instance_type_is_checked_against_the_catalog_and_the_model() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["summarize"]["instanceType"] = "ml.g4dn.xlarge"
    assert "not a SageMaker GPU shape" in issues(zone, provider)["endpoints.summarize.instanceType"]
    zone["endpoints"]["summarize"].update(instanceType="ml.g5.xlarge", model="llama-3.1-70b")
    msg = issues(zone, provider)["endpoints.summarize.instanceType"]
    assert "ml.g5.xlarge offers 1 x A10G" in msg and "131.4" in msg
    zone["endpoints"]["summarize"].update(instanceType="ml.p4d.24xlarge")
    cfg = parse_zone(zone, provider)
    assert sizing.managed_shape(cfg, "summarize").name == "ml.p4d.24xlarge"
    assert sizing.managed_replica_gpus(cfg, "summarize") == 8


def test_managed_shape_is_the_cheapest_feasible_of_the_service() -> None:
    cfg = parse_zone(*raw("aws-prod"))
    w = sizing.Workload.of(cfg.endpoints["summarize"])
    expected = brute_force(w.arch, w.precision, w.context, w.concurrency, catalog.shapes("aws", "sagemaker"))[0]
    assert (sizing.managed_shape(cfg, "summarize").name, sizing.managed_replica_gpus(cfg, "summarize")) == expected


def test_nothing_fits_anywhere_names_the_largest_shape() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["huge"] = {"model": "llama-3.1-405b", "precision": "bf16", "maxContext": 131072,
                                 "concurrency": 64}
    msg = issues(zone, provider)["endpoints.huge.model"]
    assert "4788.0 GiB" in msg and "no node pool shape on aws in the catalog holds it" in msg and "largest:" in msg


# --- pools sized for endpoints without a pool --------------------------------------------------------------


def _with_unpooled(stack: str, **endpoint: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    zone, provider = raw(stack)
    zone["endpoints"]["coder"] = {"model": "llama-3.1-70b", "precision": "bf16", "maxContext": 8192,
                                  "concurrency": 16, "replicas": {"min": 2, "max": 3}, **endpoint}
    return zone, provider


@pytest.mark.parametrize(("stack", "low"), [("aws-dev", 0), ("aws-prod", 2)])
def test_an_endpoint_without_a_pool_gets_a_sized_pool(stack: str, low: int) -> None:
    cfg = parse_zone(*_with_unpooled(stack))
    pools = sizing.effective_pools(cfg)
    assert set(pools) == set(cfg.gpu_pools) | {"coder"}
    pool = pools["coder"]
    assert (pool.instance_type, pool.gpu, pool.gpus_per_node) == ("p4d.24xlarge", "A100-40GB", 8)
    assert (pool.min_nodes, pool.max_nodes, pool.capacity) == (low, 3, "on-demand")
    assert sizing.endpoint_pool(cfg, "coder") == "coder"
    assert sizing.replica_gpus(cfg, "coder") == 8
    assert sizing.pool_shape(cfg, "coder").name == "p4d.24xlarge"
    assert sizing.endpoint_pool(cfg, "chat") == "l4-serving"


def test_a_sized_pool_packs_several_replicas_per_node() -> None:
    zone, provider = _with_unpooled("aws-prod", model="llama-3.1-8b", replicas={"min": 3, "max": 9})
    cfg = parse_zone(zone, provider)
    pool = sizing.effective_pools(cfg)["coder"]
    fit = sizing.cheapest(sizing.Workload.of(cfg.endpoints["coder"]), "aws")
    assert pool.instance_type == fit.shape.name
    per_node = fit.shape.gpus // fit.tp
    assert (pool.min_nodes, pool.max_nodes) == (math.ceil(3 / per_node), math.ceil(9 / per_node))


def test_a_sized_pool_cannot_take_the_name_of_a_configured_pool() -> None:
    zone, provider = raw("aws-prod")
    zone["endpoints"]["l4-serving"] = {"model": "llama-3.1-8b", "concurrency": 1}
    msg = issues(zone, provider)["endpoints.l4-serving.pool"]
    assert "gpuPools already defines 'l4-serving'" in msg


def test_reference_stacks_fit_and_replicas_use_the_smallest_tensor_parallel_size() -> None:
    cfg = parse_zone(*raw("aws-prod"))
    assert sizing.replica_gpus(cfg, "chat") == 1
    assert sizing.replica_gpus(cfg, "reasoning") == 8  # 70B bf16 at 16k x 32 needs all eight H100s
    assert sizing.effective_pools(cfg) == dict(cfg.gpu_pools)


# --- KV cache dtype -----------------------------------------------------------------------------------------


def test_fp8_kv_cache_halves_the_cache_and_auto_follows_the_model_dtype() -> None:
    bf16 = workload("llama-3.1-8b", "bf16", 8192, 4)
    fp8_kv = sizing.Workload(bf16.arch, "bf16", 8192, 4, "fp8")
    assert fp8_kv.kv_gib(1) == pytest.approx(bf16.kv_gib(1) / 2) and fp8_kv.weights_gib == bf16.weights_gib
    # fp8 weights alone keep a 16-bit cache (vLLM cache_dtype auto = the model dtype)
    assert workload("llama-3.1-8b", "fp8", 8192, 4).kv_gib(1) == bf16.kv_gib(1)
    assert sizing.smallest_tp(fp8_kv, gpu("L4"), 1) == 1
    assert sizing.smallest_tp(fp8_kv, gpu("A10G"), 1) is None  # no FP8 on Ampere
    assert all(f.shape.gpu_model.fp8 for f in sizing.feasible(fp8_kv, "aws"))


def test_fp8_kv_cache_on_a_gpu_without_fp8_is_rejected_with_its_key_path() -> None:
    zone, provider = raw("azure-dev")  # chat on an A100-80GB pool
    zone["endpoints"]["chat"]["kvCacheDtype"] = "fp8"
    msg = issues(zone, provider)["endpoints.chat.kvCacheDtype"]
    assert "A100-80GB" in msg and "kvCacheDtype: auto" in msg


def test_fp8_kv_cache_on_a_managed_endpoint_is_rejected() -> None:
    zone, provider = raw("aws-prod")
    managed = next(k for k, ep in zone["endpoints"].items() if ep.get("runtime") == "managed")
    zone["endpoints"][managed]["kvCacheDtype"] = "fp8"
    assert "runtime: vllm" in issues(zone, provider)[f"endpoints.{managed}.kvCacheDtype"]


# --- batching: KV capacity at a typical request size ---------------------------------------------------------

STACK_NAMES = ("aws-dev", "aws-prod", "gcp-dev", "gcp-prod", "azure-dev", "azure-prod")


def parsed(stack: str) -> Any:
    zone, provider = raw(stack)
    return parse_zone(zone, provider)


def test_kv_capacity_is_what_sizing_leaves_after_the_weights() -> None:
    w = workload("llama-3.1-8b", "bf16", 8192, 4)
    l4 = gpu("L4")
    expected = (l4.memory_gib * UTILIZATION - w.weights_gib - OVERHEAD_GIB) * GIB / 131_072
    assert sizing.kv_capacity_tokens(w, l4, 1) == math.floor(expected)
    # the sizing guarantee: concurrency sequences at full context fit in that capacity
    assert sizing.kv_capacity_tokens(w, l4, 1) >= w.concurrency * w.context


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_reference_endpoints_batch_typical_requests_and_keep_the_guarantee(stack: str) -> None:
    """Issue "Serving performance" 4: the 8B endpoint on L4 batches at least 16 sequences at 2k-token requests,
    and sizing still guarantees concurrency sequences at maxContext."""
    cfg = parsed(stack)
    for key, ep in cfg.endpoints.items():
        if ep.runtime != "vllm":
            continue
        b = sizing.vllm_batch(cfg, key)
        w = sizing.Workload.of(ep)
        pool = sizing.effective_pools(cfg)[sizing.endpoint_pool(cfg, key)]
        tp = sizing.replica_gpus(cfg, key)
        assert ep.typical_tokens == sizing.DEFAULT_TYPICAL_TOKENS == b.typical_tokens == 2048
        assert w.need_per_gpu_gib(tp) <= sizing.usable_gib(gpu(pool.gpu))  # the guarantee at maxContext
        assert b.kv_capacity_tokens >= ep.concurrency * ep.max_context
        assert ep.concurrency <= b.max_num_seqs <= sizing.MAX_NUM_SEQS
        assert b.max_num_seqs == min(sizing.MAX_NUM_SEQS, b.kv_capacity_tokens // 2048)
        assert b.max_num_batched_tokens >= b.max_num_seqs
        if ep.model == "llama-3.1-8b" and pool.gpu == "L4":
            assert ep.concurrency == 4 and b.max_num_seqs >= 16
            assert b.max_num_batched_tokens == sizing.LATENCY_BATCHED_TOKENS
        if pool.gpu == "H100":
            assert b.max_num_batched_tokens == sizing.THROUGHPUT_BATCHED_TOKENS


def test_batch_limits() -> None:
    w = workload("llama-3.1-8b", "bf16", 8192, 4)
    assert sizing.batch(w, gpu("L4"), 1, 2048).max_num_seqs == 16
    assert sizing.batch(w, gpu("L4"), 1, 512).max_num_seqs == 66  # shorter requests, more of them
    assert sizing.batch(w, gpu("H200"), 1, 128).max_num_seqs == sizing.MAX_NUM_SEQS  # capped
    # a typical request longer than the context counts as the context; never below concurrency
    long = sizing.batch(w, gpu("L4"), 1, 10**6)
    assert long.typical_tokens == 8192 and long.max_num_seqs == 4
    many = sizing.Workload(w.arch, "bf16", 128, 300)
    assert sizing.batch(many, gpu("H100"), 1).max_num_seqs == 300
    assert sizing.batch(many, gpu("H100"), 1).max_num_batched_tokens == 8192
    assert sizing.batch(many, gpu("L4"), 1).max_num_batched_tokens == 2048
    assert sizing.batch(w, gpu("A100-80GB"), 1).max_num_batched_tokens == 2048  # vLLM's A100 exception
    # an fp8 KV cache doubles the capacity
    fp8 = sizing.batch(sizing.Workload(w.arch, "bf16", 8192, 4, "fp8"), gpu("L4"), 1)
    assert fp8.max_num_seqs == 33 and fp8.kv_cache_dtype == "fp8"


def test_typical_tokens_is_validated() -> None:
    zone, provider = raw("aws-dev")
    zone["endpoints"]["chat"]["typicalTokens"] = 0
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    assert "endpoints.chat.typicalTokens" in dict(info.value.issues)
