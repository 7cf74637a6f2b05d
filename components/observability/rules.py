"""Prometheus alerting and recording rules for the zone's vLLM endpoints, as data.

``rule_groups`` takes typed values (one ``EndpointRules`` per endpoint) and returns a rule file in Prometheus'
format (``groups`` -> ``rules`` with ``record``/``alert``, ``expr``, ``for``, ``labels``, ``annotations``);
``rule_file(zone, endpoints, enabled)`` takes the zone's endpoints. The rules are parsed and unit-tested with
``promtool test rules`` (tests/test_slo_rules.py) and deployed by components/<cloud>/monitoring.py into the
cloud's managed Prometheus (an AMP rule groups namespace, GMP ClusterRules + Cloud Monitoring alert policies,
Azure PrometheusRuleGroups).

Scope: every series of an endpoint is selected by ``namespace`` (the serving namespace) and ``pod`` matching
``<endpoint>-<pod-template-hash>-<suffix>`` (the endpoint's Deployment is named after its key, so its pods are;
the regex cannot match another endpoint's pods, e.g. ``chat`` never matches ``chat-large-...``). Both labels
are what Kubernetes service discovery (PodMonitor, GMP PodMonitoring) attaches to vLLM's series, what the DCGM
exporter attaches to a GPU's series (DCGM_EXPORTER_KUBERNETES=true, scraped with honor_labels) and what
kube-state-metrics reports, so one selector scopes all three sources. vLLM's own ``model_name`` label (the
served model name) is not used: two endpoints may serve the same model (e.g. two precisions side by side).

Alerts per endpoint (labels ``severity`` page | ticket | info, ``endpoint``, ``zone``):

* ``VllmTtftP95High`` / ``VllmItlP95High``: p95 over 5 minutes (histogram_quantile over the rate of the
  ``_bucket`` series, recorded as ``llz:vllm_ttft_seconds:p95_5m`` / ``llz:vllm_itl_seconds:p95_5m``) above the
  target for 10 minutes. Ticket.
* ``VllmErrorBudgetBurn``: multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"):
  page when the error ratio over 1h AND over 5m exceed 14.4 x the budget (2% of a 30-day budget spent in an
  hour), or over 6h AND 30m exceed 6 x (5% in six hours); ticket when 24h AND 2h exceed 3 x, or 3d AND 6h
  exceed 1 x. The error ratio is requests finished with ``finished_reason`` abort or error over all finished
  requests (``vllm:request_success_total``), recorded per window as ``llz:vllm_request_error_ratio:rate<w>``.
  Client-side aborts count against the budget: the SLI errs on the strict side.
* ``VllmRequestsWaiting``: a replica's queue above ``maxWaiting`` for 5 minutes. Ticket.
* ``VllmKvCacheFull``: a replica's KV cache above 90% for 10 minutes (preemptions follow). Ticket.
* ``VllmGpuIdle``: every GPU of the endpoint below 5% utilisation (DCGM_FI_DEV_GPU_UTIL) for 30 minutes while
  its vLLM pods run: paid capacity doing nothing (FinOps). Info, label ``category: finops``.
* ``VllmPodNotReady``: a pod of the endpoint not Ready for 15 minutes (model loading takes minutes). Ticket.

Per zone: ``GpuXidError``: a GPU's DCGM_FI_DEV_XID_ERRORS changed in the last 15 minutes (the value is the
last XID code, so ``changes`` rather than ``increase``). Page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmops_landing_zone.components.config.models import EndpointConfig, serving_workloads
from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.observability import metrics as m
from llmops_landing_zone.components.observability.slo import SloTargets, endpoint_targets

# (long window, short window, burn-rate factor, severity): Google SRE workbook, chapter 5, table 5-8.
BURN_RATE_WINDOWS: tuple[tuple[str, str, float, str], ...] = (
    ("1h", "5m", 14.4, "page"),
    ("6h", "30m", 6.0, "page"),
    ("1d", "2h", 3.0, "ticket"),
    ("3d", "6h", 1.0, "ticket"),
)
QUANTILE = 0.95
LATENCY_WINDOW = "5m"
LATENCY_FOR = "10m"
WAITING_FOR = "5m"
KV_CACHE_THRESHOLD = 0.9
KV_CACHE_FOR = "10m"
GPU_IDLE_PERCENT = 5
GPU_IDLE_FOR = "30m"
POD_NOT_READY_FOR = "15m"
BURN_FOR = "2m"
XID_WINDOW = "15m"
POD_SUFFIX = "-[a-z0-9]+-[a-z0-9]+"  # <pod-template-hash>-<random suffix> of a Deployment's pods


@dataclass(frozen=True)
class EndpointRules:
    """What the rules of one endpoint need: its key (the Deployment's name), namespace and SLO targets."""

    endpoint: str
    slo: SloTargets
    namespace: str = SERVING_NAMESPACE


@dataclass(frozen=True)
class Labels:
    """Label names of the scraped series (they differ when a scrape does not honor the exporter's labels)."""

    namespace: str = "namespace"
    pod: str = "pod"
    dcgm_namespace: str = "namespace"
    dcgm_pod: str = "pod"


def _num(value: float) -> str:
    return f"{value:.6g}"


def _windows() -> list[str]:
    return sorted({w for long, short, _, _ in BURN_RATE_WINDOWS for w in (long, short)}, key=_seconds)


def seconds(window: str) -> int:
    """``"10m"`` -> 600: a Prometheus duration of one unit (the only form the rules use)."""
    return _seconds(window)


def _seconds(window: str) -> int:
    return int(window[:-1]) * {"m": 60, "h": 3600, "d": 86400}[window[-1]]


def pod_selector(endpoint: str, namespace: str, labels: Labels = Labels(), *, dcgm: bool = False,
                 extra: str = "") -> str:
    """The label matchers of one endpoint's pods (see the module docstring), plus ``extra`` matchers."""
    ns, pod = (labels.dcgm_namespace, labels.dcgm_pod) if dcgm else (labels.namespace, labels.pod)
    out = f'{ns}="{namespace}", {pod}=~"{endpoint}{POD_SUFFIX}"'
    return "{" + out + (f", {extra}" if extra else "") + "}"


def selector(ep: EndpointRules, labels: Labels = Labels(), *, dcgm: bool = False, extra: str = "") -> str:
    return pod_selector(ep.endpoint, ep.namespace, labels, dcgm=dcgm, extra=extra)


def _alert(name: str, expr: str, for_: str | None, labels: dict[str, str], summary: str,
           description: str) -> dict[str, Any]:
    """One alerting rule in the Prometheus rule-file format (``for`` left out when None)."""
    rule: dict[str, Any] = {"alert": name, "expr": expr}
    if for_ is not None:
        rule["for"] = for_
    rule["labels"] = labels
    rule["annotations"] = {"summary": summary, "description": description}
    return rule


def endpoint_group(ep: EndpointRules, zone: str, labels: Labels = Labels()) -> dict[str, Any]:
    sel = selector(ep, labels)
    base = {"endpoint": ep.endpoint, "zone": zone}
    only = f'{{endpoint="{ep.endpoint}"}}'
    t = ep.slo
    rules: list[dict[str, Any]] = []

    # --- latency: recorded p95, alerted against the target ------------------------------------------------
    for name, metric, target, what in (("ttft", m.VLLM_TTFT, t.ttft_p95_seconds, "time to first token"),
                                       ("itl", m.VLLM_ITL, t.itl_p95_seconds, "inter-token latency")):
        record = f"llz:vllm_{name}_seconds:p95_{LATENCY_WINDOW}"
        rules.append({"record": record, "labels": {"endpoint": ep.endpoint}, "expr": (
            f"histogram_quantile({QUANTILE}, sum by (le) (rate({metric}_bucket{sel}[{LATENCY_WINDOW}])))")})
        rules.append(_alert(
            f"Vllm{name.capitalize()}P95High", f"{record}{only} > {_num(target)}", LATENCY_FOR,
            {**base, "severity": "ticket"}, f"{ep.endpoint}: p95 {what} above {_num(target)} s",
            f"The p95 {what} of endpoint {ep.endpoint} over {LATENCY_WINDOW} has exceeded its SLO target of "
            f"{_num(target)} s for {LATENCY_FOR}."))

    # --- availability: error ratio per window, multi-window multi-burn-rate alerts --------------------------
    bad = f'{m.FINISHED_REASON}=~"{"|".join(m.FAILED_REASONS)}"'
    for w in _windows():
        rules.append({"record": f"llz:vllm_request_error_ratio:rate{w}", "labels": {"endpoint": ep.endpoint}, "expr": (
            f"sum(rate({m.VLLM_REQUEST_SUCCESS}{selector(ep, labels, extra=bad)}[{w}]))"
            f" / sum(rate({m.VLLM_REQUEST_SUCCESS}{sel}[{w}]))")})
    budget = t.error_budget
    for severity in ("page", "ticket"):
        pairs = [(lw, sw, f) for lw, sw, f, s in BURN_RATE_WINDOWS if s == severity]
        expr = " or ".join(
            f"(llz:vllm_request_error_ratio:rate{lw}{only} > {_num(f * budget)}"
            f" and llz:vllm_request_error_ratio:rate{sw}{only} > {_num(f * budget)})" for lw, sw, f in pairs)
        windows = "; ".join(f"{lw}/{sw} at {_num(f)}x" for lw, sw, f in pairs)
        rules.append(_alert(
            "VllmErrorBudgetBurn", expr, BURN_FOR, {**base, "severity": severity, "slo": "availability"},
            f"{ep.endpoint}: error budget of the {_num(t.availability)} availability SLO burning",
            f"Endpoint {ep.endpoint} fails requests fast enough to spend its 30-day error budget "
            f"({_num(budget)}) early (windows {windows})."))

    # --- saturation ----------------------------------------------------------------------------------------
    rules.append(_alert(
        "VllmRequestsWaiting", f"max({m.VLLM_WAITING}{sel}) > {t.max_waiting}", WAITING_FOR,
        {**base, "severity": "ticket"}, f"{ep.endpoint}: more than {t.max_waiting} requests waiting in a replica",
        f"A replica of {ep.endpoint} has queued more than {t.max_waiting} requests for {WAITING_FOR}: add "
        "replicas or raise replicas.max."))
    rules.append(_alert(
        "VllmKvCacheFull", f"max({m.VLLM_KV_CACHE_USAGE}{sel}) > {_num(KV_CACHE_THRESHOLD)}", KV_CACHE_FOR,
        {**base, "severity": "ticket"}, f"{ep.endpoint}: KV cache above {KV_CACHE_THRESHOLD:.0%}",
        f"A replica of {ep.endpoint} has used more than {KV_CACHE_THRESHOLD:.0%} of its KV cache for "
        f"{KV_CACHE_FOR}; requests will be preempted and recomputed."))

    # --- FinOps: GPUs paid for and idle ---------------------------------------------------------------------
    rules.append(_alert(
        "VllmGpuIdle",
        f"max({m.DCGM_GPU_UTIL}{selector(ep, labels, dcgm=True)}) < {GPU_IDLE_PERCENT}"
        f" and on() count({m.VLLM_RUNNING}{sel}) > 0",
        GPU_IDLE_FOR, {**base, "severity": "info", "category": "finops"},
        f"{ep.endpoint}: GPUs idle while replicas run",
        f"Every GPU of {ep.endpoint} has been below {GPU_IDLE_PERCENT}% utilisation for {GPU_IDLE_FOR} while its "
        "vLLM pods run: lower replicas.min (0 parks the endpoint)."))

    # --- Kubernetes -----------------------------------------------------------------------------------------
    not_ready = selector(ep, labels, extra='condition!="true"')
    rules.append(_alert(
        "VllmPodNotReady", f"max by ({labels.pod}) ({m.KUBE_POD_READY}{not_ready}) > 0", POD_NOT_READY_FOR,
        {**base, "severity": "ticket"}, f"{ep.endpoint}: a pod is not Ready",
        f"A pod of {ep.endpoint} has not been Ready for {POD_NOT_READY_FOR} (model download, load failure, GPU "
        "out of memory or a crash loop)."))
    return {"name": f"llz-{zone}-{ep.endpoint}", "rules": rules}


def gpu_group(zone: str) -> dict[str, Any]:
    """Zone-wide GPU health, whatever runs on the GPU."""
    return {"name": f"llz-{zone}-gpu", "rules": [_alert(
        "GpuXidError", f"max by ({m.DCGM_HOSTNAME}, gpu) (changes({m.DCGM_XID_ERRORS}[{XID_WINDOW}])) > 0", None,
        {"zone": zone, "severity": "page"}, "GPU reported an XID error",
        f"A GPU reported a new XID error in the last {XID_WINDOW} (DCGM_FI_DEV_XID_ERRORS holds its code: "
        "48/63/64/79/94/95 need a drain and a node replacement).")]}


def rule_groups(endpoints: Sequence[EndpointRules], zone: str, labels: Labels = Labels()) -> dict[str, Any]:
    """A Prometheus rule file: one group per endpoint and one zone-wide GPU group (none without endpoints)."""
    if not endpoints:
        return {"groups": []}
    return {"groups": [*(endpoint_group(ep, zone, labels) for ep in endpoints), gpu_group(zone)]}


def rule_file(zone: str, endpoints: Mapping[str, EndpointConfig], enabled: bool = True) -> dict[str, Any]:
    """The rule file of zone ``zone``: its vLLM ``endpoints`` with their SLO targets (defaults from the catalog
    model); none unless observability is ``enabled``."""
    if not enabled:
        return {"groups": []}
    # every serving workload: the endpoints and their canaries (each its own Deployment and model_name)
    workloads = serving_workloads(dict(endpoints))
    return rule_groups([EndpointRules(key, slo) for key, slo in slo_targets(workloads).items()], zone)


def slo_targets(endpoints: Mapping[str, EndpointConfig]) -> dict[str, SloTargets]:
    """The SLO targets of each vLLM endpoint (defaults from the catalog model)."""
    return {key: endpoint_targets(ep)
            for key, ep in endpoints.items() if ep.runtime == "vllm"}
