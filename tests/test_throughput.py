"""components.throughput: the roofline estimate against published measurements (within TOLERANCE), and its
shape: more bandwidth gives more decode throughput, more compute more prefill, a larger batch more tokens."""

from __future__ import annotations

import dataclasses

import pytest

from llmops_landing_zone.components import catalog, sizing, throughput

TOLERANCE = 0.40  # +-40%: a roofline with two efficiency factors, not a benchmark
LLAMA_8B = sizing.architecture("llama-3.1-8b")


def workload(precision: str = "bf16", kv: str = "auto") -> sizing.Workload:
    return sizing.Workload(LLAMA_8B, precision, 8192, 1, kv)


def shape(gpu: str) -> catalog.GpuShape:
    return next(s for c in catalog.CLOUDS for s in catalog.shapes(c, "compute") if s.gpu == gpu)


def within(estimate: float, published: float) -> bool:
    return abs(estimate - published) <= TOLERANCE * published


# (what, estimate, published). Every published figure names its source.
def measurements() -> list[tuple[str, float, float]]:
    a100, h100, l40s = shape("A100-40GB"), shape("H100"), shape("L40S")
    return [
        # johnmusgrave.com/p/vllm-throughput-latency-sweep-on: Llama-3.1-8B-Instruct bf16, vLLM 0.23.0, one
        # A100 40GB, 1024 in / 128 out: "decode at one request per time runs at about 75 tokens/sec".
        ("A100-40GB bf16 decode, batch 1",
         throughput.estimate(workload(), a100, 1, 1, 1024, 128).decode_tps, 75.0),
        # yobitelcomm.github.io/bench/recipes/concurrency-sweep: Llama-3.1-8B-Instruct fp16, vLLM 0.21.0, one
        # H100-80GB-HBM3: TPOT p50 6.48 ms at concurrency 1 (1 / 6.48 ms = 154 tokens/s). Short chat prompts.
        ("H100 bf16 decode, batch 1",
         throughput.estimate(workload(), h100, 1, 1, 256, 256).decode_tps, 1 / 0.00648),
        # Red Hat, "Efficient and reproducible LLM inference: Red Hat MLPerf Inference v5.1 results": Llama-3.1-8B
        # FP8 on vLLM 0.10.0, Offline 5777 tokens/s on one H100 and 1642 tokens/s on one L40S. Assumptions for
        # the MLPerf CNN-DailyMail task: ~800 prompt and ~100 output tokens (outputs are capped at 128), 256
        # sequences in flight (vLLM's default --max-num-seqs below 70 GiB), FP8 KV cache.
        ("H100 fp8 MLPerf v5.1 Offline output tokens/s",
         throughput.estimate(workload("fp8", "fp8"), h100, 1, 256, 800, 100).requests_per_s * 100, 5777.0),
        ("L40S fp8 MLPerf v5.1 Offline output tokens/s",
         throughput.estimate(workload("fp8", "fp8"), l40s, 1, 256, 800, 100).requests_per_s * 100, 1642.0),
    ]


@pytest.mark.parametrize("case", range(4))
def test_estimate_is_within_tolerance_of_published_measurements(case: int) -> None:
    what, estimate, published = measurements()[case]
    assert within(estimate, published), f"{what}: estimate {estimate:.0f} vs published {published:.0f}"


def test_more_bandwidth_gives_more_decode_throughput() -> None:
    l4 = catalog.gpu_models()["L4"]
    faster = dataclasses.replace(l4, memory_bandwidth_gbs=2 * l4.memory_bandwidth_gbs)
    step, fast_step = (throughput.decode_step_seconds(workload(), g, 1, 16, 1536) for g in (l4, faster))
    assert fast_step == pytest.approx(step / 2)  # decode tokens/s = batch / step: twice the bandwidth, twice
    assert throughput.prefill_tokens_per_second(workload(), faster, 1) == pytest.approx(
        throughput.prefill_tokens_per_second(workload(), l4, 1))  # prefill is compute-bound
    # across the catalog: decode follows bandwidth at equal work
    ranked = sorted(("L4", "A10G", "L40S", "A100-40GB", "A100-80GB", "H100", "H200"),
                    key=lambda g: catalog.gpu_models()[g].memory_bandwidth_gbs)
    decode = [throughput.estimate(workload(), shape(g), 1, 1, 512, 128).decode_tps for g in ranked]
    assert decode == sorted(decode)


def test_batching_and_fp8() -> None:
    l4 = shape("L4")
    one, sixteen = (throughput.estimate(workload(), l4, 1, b, 1024, 1024) for b in (1, 16))
    assert sixteen.decode_tps > 10 * one.decode_tps  # weights are read once per step for the whole batch
    assert sixteen.requests_per_s > one.requests_per_s
    # fp8 weights halve the bytes per step and double the tensor-core rate on an FP8 GPU; an fp8 KV cache halves
    # the cache read
    fp8 = throughput.estimate(workload("fp8"), l4, 1, 16, 1024, 1024)
    assert fp8.prefill_tps == pytest.approx(2 * sixteen.prefill_tps) and fp8.decode_tps > sixteen.decode_tps
    assert throughput.estimate(workload("fp8", "fp8"), l4, 1, 16, 1024, 1024).decode_tps > fp8.decode_tps


def test_tensor_parallel_and_bad_input() -> None:
    w70 = sizing.Workload(sizing.architecture("llama-3.1-70b"), "bf16", 8192, 1)
    h100x8 = next(s for s in catalog.shapes("aws", "compute") if s.gpu == "H100" and s.gpus == 8)
    four, eight = (throughput.estimate(w70, h100x8, tp, 32, 1024, 256) for tp in (4, 8))
    assert eight.decode_tps > four.decode_tps and eight.prefill_tps == pytest.approx(2 * four.prefill_tps)
    with pytest.raises(ValueError, match="exceeds"):
        throughput.estimate(w70, shape("L4"), 2, 1, 1, 1)
    with pytest.raises(ValueError, match="batch=0"):
        throughput.estimate(workload(), shape("L4"), 1, 0, 1, 1)


def test_every_gpu_has_sourced_performance_inputs() -> None:
    for g in catalog.gpu_models().values():
        assert g.memory_bandwidth_gbs > 0 and g.bf16_tflops > 0, g.id
        assert g.perf_source and ("datasheet" in g.perf_source or g.perf_is_assumption), g.id
    assert (catalog.gpu_models()["L4"].memory_bandwidth_gbs, catalog.gpu_models()["L4"].bf16_tflops) == (300, 121)
    assert catalog.gpu_models()["A10G"].perf_is_assumption
