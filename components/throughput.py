"""Throughput of one vLLM replica, estimated from the hardware: a roofline, not a benchmark.

Inputs, all from the catalog or the sizing memory model:

- weights and KV bytes: ``components.sizing.Workload`` (parameters x bytes of the precision; KV bytes per token
  per GPU at tensor-parallel size TP, with the endpoint's KV cache dtype);
- memory bandwidth B (GB/s) and dense BF16 tensor throughput F (TFLOPS) per GPU: ``catalog.gpu_models()``,
  columns ``memory_bandwidth_gbs`` and ``bf16_tflops`` of ``data/gpus.csv``, each row sourced in ``perf_source``
  (NVIDIA datasheets; the A10G row is an assumption).

The model, per replica of TP GPUs, for ``batch`` concurrent requests of P prompt and O output tokens:

- decode is bound by memory bandwidth: every step reads each GPU's share of the weights and the KV cache of
  every sequence in the batch, at its mean context of P + O/2 tokens::

      step_s     = (weights / TP + batch x (P + O/2) x kv_bytes_per_token(TP)) / (B x BANDWIDTH_EFFICIENCY x tp_eff)
      decode_tps = batch / step_s                                        (output tokens/s of the whole batch)

- prefill is bound by compute: about 2 FLOPs per parameter per prompt token (attention FLOPs left out, a few
  per cent at these lengths)::

      prefill_tps = TP x F x PREFILL_EFFICIENCY x fp8 x tp_eff / (2 x parameters)     (prompt tokens/s)

  with fp8 = FP8_COMPUTE_SPEEDUP for fp8 weights on a GPU with FP8 tensor cores, else 1;

- requests: a batch of requests is prefilled, then decoded (chunked prefill overlaps the two in vLLM, so this
  serial sum is a lower bound on throughput)::

      requests_per_s = batch / (batch x P / prefill_tps + O x step_s)

tp_eff is 1 at TP 1 and TP_EFFICIENCY above (the all-reduces of tensor parallelism). Left out: scheduler and
sampling overhead per step, CUDA-graph padding, prefix-cache hits, speculative decoding. The efficiency factors
are assumptions, checked against published measurements in tests/test_throughput.py (within +-40%).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.sizing import GIB, Workload

# Fraction of datasheet bandwidth a decode step achieves. Assumption, matched to measurements: Llama-3.1-8B bf16
# batch-1 decode reaches ~77% of the bandwidth roofline on an A100 40GB with vLLM (johnmusgrave.com, "vLLM
# throughput-latency sweep on NVIDIA A100") and ~74% on an H100 SXM (6.48 ms TPOT, InferenceBench
# concurrency-sweep recipe).
BANDWIDTH_EFFICIENCY = 0.75
# Model FLOPs utilisation of prefill. Assumption: large GEMMs reach 50-70% of dense peak; the lower end covers
# attention, norms and the scheduler.
PREFILL_EFFICIENCY = 0.5
# FP8 tensor cores run twice the BF16 rate on Ada and Hopper (NVIDIA L4, L40S, H100, H200 datasheets: FP8 TFLOPS
# = 2 x BF16 TFLOPS).
FP8_COMPUTE_SPEEDUP = 2.0
# Share of linear scaling kept under tensor parallelism (all-reduce per layer over NVLink/PCIe). Assumption.
TP_EFFICIENCY = 0.85


@dataclass(frozen=True)
class Throughput:
    prefill_tps: float  # prompt tokens/s the replica prefills
    decode_tps: float  # output tokens/s of the batch while decoding
    requests_per_s: float  # completed requests/s with ``batch`` in flight (output tokens/s = this x O)


def _check(**values: int) -> None:
    bad = [f"{k}={v}" for k, v in values.items() if v < 1]
    if bad:
        raise ValueError(f"throughput estimate needs positive {', '.join(bad)}")


def decode_step_seconds(w: Workload, gpu: catalog.GpuModel, tp: int, batch: int, context: float) -> float:
    """One decode step: the bytes a GPU reads (its weights and the batch's KV cache) over its bandwidth."""
    read = w.weights_gib * GIB / tp + batch * context * w.kv_bytes_per_token(tp)
    return read / (gpu.memory_bandwidth_gbs * 1e9 * BANDWIDTH_EFFICIENCY * _tp_efficiency(tp))


def prefill_tokens_per_second(w: Workload, gpu: catalog.GpuModel, tp: int) -> float:
    fp8 = FP8_COMPUTE_SPEEDUP if w.precision == "fp8" and gpu.fp8 else 1.0
    flops = tp * gpu.bf16_tflops * 1e12 * PREFILL_EFFICIENCY * fp8 * _tp_efficiency(tp)
    return flops / (2 * w.arch.parameters)


def _tp_efficiency(tp: int) -> float:
    return 1.0 if tp == 1 else TP_EFFICIENCY


def estimate(workload: Workload, shape: catalog.GpuShape, tp: int, batch: int, prompt_tokens: int,
             output_tokens: int) -> Throughput:
    """Throughput of one replica of ``workload`` on ``tp`` GPUs of ``shape`` with ``batch`` requests in flight,
    each of ``prompt_tokens`` in and ``output_tokens`` out (module docstring). ``batch`` is the caller's: the
    replica's ``--max-num-seqs`` (components.sizing.vllm_batch) at most."""
    _check(tp=tp, batch=batch, prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    if tp > shape.gpus:
        raise ValueError(f"tensor parallel {tp} exceeds the {shape.gpus} GPU(s) of {shape.name}")
    gpu = shape.gpu_model
    step = decode_step_seconds(workload, gpu, tp, batch, prompt_tokens + output_tokens / 2)
    prefill = prefill_tokens_per_second(workload, gpu, tp)
    seconds = batch * prompt_tokens / prefill + output_tokens * step
    return Throughput(prefill_tps=prefill, decode_tps=batch / step, requests_per_s=batch / seconds)
