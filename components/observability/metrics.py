"""Metric names of the pinned vLLM and DCGM exporter releases, held in one place.

Every alert and recording rule (``components.observability.rules``) names its series through this module, so a
metric renamed upstream is changed here once. The names are those of the releases pinned in
``components.k8s.images``; ``VLLM_VERSION`` and ``DCGM_EXPORTER_VERSION`` record which releases they were
checked against, and tests/test_slo_rules.py fails when a pinned image tag no longer matches them: a version
bump forces a look at this file (vLLM's deprecation policy: a metric deprecated in X.Y is hidden in X.Y+1 and
removed in X.Y+2).

Sources: vLLM docs/design/metrics.md (V1 engine; removals in vllm-project/vllm #29330 and #32661), the DCGM
exporter's etc/default-counters.csv and etc/dcp-metrics-included.csv, and its 4.6.0-4.8.3 release notes.
"""

from __future__ import annotations

# --- the releases these names were checked against (tags in components/k8s/images.py) --------------------
VLLM_VERSION = "v0.31.0"
DCGM_EXPORTER_VERSION = "4.6.0-4.8.3"

# --- vLLM (OpenAI-compatible server, V1 engine; every series carries ``model_name`` and ``engine``) ---------
# Latency histograms (seconds; rules use the _bucket series).
VLLM_TTFT = "vllm:time_to_first_token_seconds"
VLLM_ITL = "vllm:inter_token_latency_seconds"  # replaced vllm:time_per_output_token_seconds (removed 0.13)
VLLM_E2E_LATENCY = "vllm:e2e_request_latency_seconds"
VLLM_QUEUE_TIME = "vllm:request_queue_time_seconds"
# Scheduler gauges, per engine.
VLLM_WAITING = "vllm:num_requests_waiting"
VLLM_RUNNING = "vllm:num_requests_running"
VLLM_KV_CACHE_USAGE = "vllm:kv_cache_usage_perc"  # a ratio 0-1; replaced vllm:gpu_cache_usage_perc
# Counters.
VLLM_REQUEST_SUCCESS = "vllm:request_success_total"  # label FINISHED_REASON
VLLM_GENERATION_TOKENS = "vllm:generation_tokens_total"
VLLM_PROMPT_TOKENS = "vllm:prompt_tokens_total"
VLLM_PREEMPTIONS = "vllm:num_preemptions_total"

# Labels vLLM sets itself.
MODEL_NAME = "model_name"  # the --served-model-name
FINISHED_REASON = "finished_reason"  # stop | length | abort | error
FAILED_REASONS = ("abort", "error")  # finished, but not served: the "bad" events of the availability SLI

# Names removed upstream: rules must never use them (tests/test_slo_rules.py checks every expression).
REMOVED_VLLM = ("vllm:gpu_cache_usage_perc", "vllm:time_per_output_token_seconds",
                "vllm:gpu_prefix_cache_queries_total", "vllm:gpu_prefix_cache_hits_total")

# --- DCGM exporter (one series per GPU) -------------------------------------------------------------------
DCGM_GPU_UTIL = "DCGM_FI_DEV_GPU_UTIL"  # percent 0-100, sampled by the driver
DCGM_GR_ENGINE_ACTIVE = "DCGM_FI_PROF_GR_ENGINE_ACTIVE"  # ratio 0-1 (profiling, DCP): the better "busy" signal
DCGM_XID_ERRORS = "DCGM_FI_DEV_XID_ERRORS"  # value = the last XID error code seen; changes on a new error
DCGM_FB_USED = "DCGM_FI_DEV_FB_USED"  # MiB
DCGM_FB_FREE = "DCGM_FI_DEV_FB_FREE"  # MiB
DCGM_SM_ACTIVE = "DCGM_FI_PROF_SM_ACTIVE"  # ratio 0-1 (DCP): share of cycles with a warp resident on an SM

# Labels: ``hostname`` (lower case since 4.6.0; ``Hostname`` before), ``gpu``, ``UUID``, ``modelName``, and
# with DCGM_EXPORTER_KUBERNETES=true (components/k8s/addons.py) ``namespace``, ``pod``, ``container`` of the pod
# the GPU is allocated to. A scrape keeps those only with honor_labels (otherwise they arrive as
# ``exported_namespace``/``exported_pod``); the rule generator takes the label names as parameters.
DCGM_HOSTNAME = "hostname"
REMOVED_DCGM_LABELS = ("Hostname",)

# --- Kubernetes (kube-state-metrics) ----------------------------------------------------------------------
KUBE_POD_READY = "kube_pod_status_ready"  # label condition="true"|"false"|"unknown"
KUBE_DEPLOYMENT_REPLICAS = "kube_deployment_status_replicas"
KUBE_DEPLOYMENT_AVAILABLE = "kube_deployment_status_replicas_available"
