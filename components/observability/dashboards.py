"""The serving dashboard of a zone, as one typed model: rows of panels of PromQL queries, generated from the
resolved endpoints (``components.resolve.EndpointSpec``) and their pools. Each cloud renders the same model:
Grafana JSON for Amazon Managed Grafana and Azure Managed Grafana (``components.observability.grafana``), a
Cloud Monitoring dashboard with PromQL over GMP on GCP (``cloud_monitoring_json``).

Rows and panels (every series named in ``components.observability.metrics``; scoped like the alert rules, by
``namespace`` and the endpoint's ``pod`` regex, see ``components.observability.rules``):

* per vLLM endpoint: time to first token and inter-token latency p50/p95/p99 (with the SLO's p95 target as a
  second series), end-to-end request latency p50/p95/p99, requests running and waiting, KV-cache use (max and
  mean over replicas), prompt and generation tokens per second, replicas running and the hourly cost they
  incur, and the **live cost per million generated tokens**;
* per GPU pool (the GPUs allocated to the pool's vLLM pods, DCGM exporter series with the pod's labels): GPU
  utilisation, framebuffer memory used, SM activity.

Live cost per million generated tokens (``cost_per_million_expr``)::

    usd_per_hour    = replicas x usd_per_replica_hour
    replicas        = kube_deployment_status_replicas_available of the endpoint's Deployment (kube-state-metrics)
    usd_per_replica = node $/h in the zone's region and capacity type (the catalog's offers file: on-demand, or
                      the region's Spot price, else the cloud's assumed Spot discount) x TP / GPUs per node
    tokens_per_hour = sum(rate(vllm:generation_tokens_total[5m])) x 3600
    usd_per_1M      = usd_per_hour / tokens_per_hour x 1e6          (no value while no token is generated)

It prices the replicas' GPU share of their nodes, the figure components.finops.per_token estimates ahead of time,
now measured: replicas still loading their model (not yet available) and nodes not filled by replicas are left
out, so it is a lower bound of what the pool costs; the "cost per hour" panel shows what idle replicas burn
while the per-token figure has no value. A region the catalog has no sourced price for gets no cost panels
(``price`` None), never another region's price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmops_landing_zone.components.finops.per_token import ReplicaPrice, replica_price
from llmops_landing_zone.components.observability import metrics as m
from llmops_landing_zone.components.observability.rules import Labels, pod_selector
from llmops_landing_zone.components.observability.slo import SloTargets

if TYPE_CHECKING:
    from llmops_landing_zone.components.resolve import EndpointSpec

RATE_WINDOW = "5m"
QUANTILES = (0.5, 0.95, 0.99)
SECONDS_PER_HOUR = 3600
TOKENS_PER_UNIT = 1_000_000


@dataclass(frozen=True)
class Query:
    expr: str  # PromQL
    legend: str


@dataclass(frozen=True)
class Panel:
    key: str  # stable within its row: ttft, itl, e2e, requests, kv-cache, tokens, replicas, cost-hour, cost-token, ...
    title: str
    unit: str  # Grafana unit id: s, percentunit, percent, mbytes, short, currencyUSD
    queries: tuple[Query, ...]
    description: str = ""


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class DashboardModel:
    uid: str  # Grafana dashboard uid (at most 40 characters)
    title: str
    rows: tuple[Row, ...]
    tags: tuple[str, ...] = ("llmops", "serving")

    def panels(self) -> list[Panel]:
        return [p for r in self.rows for p in r.panels]

    def exprs(self) -> list[str]:
        return [q.expr for p in self.panels() for q in p.queries]


@dataclass(frozen=True)
class DashboardEndpoint:
    """What the panels of one vLLM endpoint need, from its resolved spec."""

    endpoint: str  # the config key = the Deployment's name
    pool: str
    slo: SloTargets | None = None  # draws the targets next to the p95 series
    price: ReplicaPrice | None = None  # None: the region has no sourced price, no cost panels
    namespace: str = "llm-serving"


@dataclass(frozen=True)
class Scope:
    """How the scraped series are labelled where the dashboard runs (``extra``: GMP's ``cluster="..."``)."""

    labels: Labels = field(default_factory=Labels)
    extra: str = ""


def dashboard_endpoints(specs: Mapping[str, EndpointSpec], cloud: str, region: str,
                        slos: Mapping[str, SloTargets] | None = None) -> list[DashboardEndpoint]:
    """One entry per vLLM endpoint of ``specs``, and one per canary right after its endpoint (held to the
    endpoint's SLO, so the two rows compare), priced at the catalog's price of the pool's shape in ``region``
    (Spot on a Spot pool)."""
    out = []
    for key, spec in specs.items():
        if spec.runtime != "vllm" or spec.pool is None:
            continue
        for workload in (spec, *([spec.canary.spec] if spec.canary else [])):
            pool = workload.pool or spec.pool
            price = replica_price(cloud, region, pool.shape, workload.gpus, pool.spot)
            out.append(DashboardEndpoint(workload.key, pool.key, (slos or {}).get(key),
                                         price if isinstance(price, ReplicaPrice) else None))
    return out


# --- expressions ------------------------------------------------------------------------------------------------

def _sel(ep: DashboardEndpoint, scope: Scope, extra: str = "") -> str:
    both = ", ".join(x for x in (scope.extra, extra) if x)
    return pod_selector(ep.endpoint, ep.namespace, scope.labels, extra=both)


def quantile_expr(metric: str, q: float, selector: str) -> str:
    return f"histogram_quantile({q:g}, sum by (le) (rate({metric}_bucket{selector}[{RATE_WINDOW}])))"


def replicas_expr(ep: DashboardEndpoint, scope: Scope = Scope()) -> str:
    matchers = [f'{scope.labels.namespace}="{ep.namespace}"', f'deployment="{ep.endpoint}"']
    if scope.extra:
        matchers.append(scope.extra)
    return f"sum({m.KUBE_DEPLOYMENT_AVAILABLE}{{{', '.join(matchers)}}})"


def generation_rate_expr(ep: DashboardEndpoint, scope: Scope = Scope()) -> str:
    return f"sum(rate({m.VLLM_GENERATION_TOKENS}{_sel(ep, scope)}[{RATE_WINDOW}]))"


def cost_per_hour_expr(ep: DashboardEndpoint, price: ReplicaPrice, scope: Scope = Scope()) -> str:
    return f"{replicas_expr(ep, scope)} * {price.usd_per_replica_hour:.6g}"


def cost_per_million_expr(ep: DashboardEndpoint, price: ReplicaPrice, scope: Scope = Scope()) -> str:
    """USD per million generated tokens (the module docstring's formula); empty while no token is generated."""
    return (f"({cost_per_hour_expr(ep, price, scope)}) / (({generation_rate_expr(ep, scope)} * {SECONDS_PER_HOUR})"
            f" > 0) * {TOKENS_PER_UNIT}")


def _latency(ep: DashboardEndpoint, scope: Scope, key: str, metric: str, title: str,
             target: float | None) -> Panel:
    sel = _sel(ep, scope)
    queries = [Query(quantile_expr(metric, q, sel), f"p{q * 100:g}") for q in QUANTILES]
    if target is not None:
        queries.append(Query(f"vector({target:g})", "p95 target (SLO)"))
    return Panel(key, title, "s", tuple(queries), f"{metric}: percentiles over {RATE_WINDOW}")


def endpoint_row(ep: DashboardEndpoint, scope: Scope = Scope()) -> Row:
    sel = _sel(ep, scope)
    slo = ep.slo
    panels = [
        _latency(ep, scope, "ttft", m.VLLM_TTFT, "Time to first token", slo.ttft_p95_seconds if slo else None),
        _latency(ep, scope, "itl", m.VLLM_ITL, "Inter-token latency", slo.itl_p95_seconds if slo else None),
        _latency(ep, scope, "e2e", m.VLLM_E2E_LATENCY, "End-to-end request latency", None),
        Panel("requests", "Requests running and waiting", "short", (
            Query(f"sum({m.VLLM_RUNNING}{sel})", "running"),
            Query(f"sum({m.VLLM_WAITING}{sel})", "waiting"))),
        Panel("kv-cache", "KV-cache use", "percentunit", (
            Query(f"max({m.VLLM_KV_CACHE_USAGE}{sel})", "max over replicas"),
            Query(f"avg({m.VLLM_KV_CACHE_USAGE}{sel})", "mean over replicas"))),
        Panel("tokens", "Tokens per second", "short", (
            Query(f"sum(rate({m.VLLM_PROMPT_TOKENS}{sel}[{RATE_WINDOW}]))", "prompt"),
            Query(generation_rate_expr(ep, scope), "generation"))),
        Panel("replicas", "Replicas available", "short", (Query(replicas_expr(ep, scope), "replicas"),)),
    ]
    if ep.price is not None:
        panels += [
            Panel("cost-hour", "Cost per hour (running replicas)", "currencyUSD",
                  (Query(cost_per_hour_expr(ep, ep.price, scope), "USD/h"),), ep.price.basis),
            Panel("cost-token", "Live cost per million generated tokens", "currencyUSD",
                  (Query(cost_per_million_expr(ep, ep.price, scope), "USD per 1M generated tokens"),),
                  f"replicas x ${ep.price.usd_per_replica_hour:.4f}/h / generated tokens per hour x 1e6; "
                  f"{ep.price.basis}"),
        ]
    return Row(f"Endpoint {ep.endpoint} (pool {ep.pool})", tuple(panels))


def pool_row(pool: str, endpoints: Sequence[DashboardEndpoint], scope: Scope = Scope()) -> Row:
    """GPU panels of one pool: the GPUs allocated to its endpoints' pods (DCGM exporter series)."""
    names = sorted(e.endpoint for e in endpoints)
    regex = names[0] if len(names) == 1 else f"({'|'.join(names)})"
    sel = pod_selector(regex, endpoints[0].namespace, scope.labels, dcgm=True, extra=scope.extra)
    by = f"{m.DCGM_HOSTNAME}, gpu"
    return Row(f"GPU pool {pool}", (
        Panel("gpu-util", "GPU utilisation", "percent",
              (Query(f"avg by ({by}) ({m.DCGM_GPU_UTIL}{sel})", f"{{{{{m.DCGM_HOSTNAME}}}}} GPU {{{{gpu}}}}"),)),
        Panel("gpu-memory", "GPU framebuffer memory used", "mbytes",
              (Query(f"max by ({by}) ({m.DCGM_FB_USED}{sel})", f"{{{{{m.DCGM_HOSTNAME}}}}} GPU {{{{gpu}}}}"),)),
        Panel("sm-active", "SM activity", "percentunit",
              (Query(f"avg by ({by}) ({m.DCGM_SM_ACTIVE}{sel})", f"{{{{{m.DCGM_HOSTNAME}}}}} GPU {{{{gpu}}}}"),)),
    ))


def zone_dashboard(zone: str, specs: Mapping[str, EndpointSpec], cloud: str, region: str,
                   slos: Mapping[str, SloTargets], scope: Scope = Scope()) -> DashboardModel:
    """The dashboard of a zone's resolved endpoints, priced in its region (what each cloud's zone.py renders)."""
    return dashboard(zone, dashboard_endpoints(specs, cloud, region, slos), scope)


def dashboard(zone: str, endpoints: Sequence[DashboardEndpoint], scope: Scope = Scope()) -> DashboardModel:
    """The zone's serving dashboard: a row per vLLM endpoint, then a row per pool that runs one."""
    pools: dict[str, list[DashboardEndpoint]] = {}
    for e in endpoints:
        pools.setdefault(e.pool, []).append(e)
    rows = [endpoint_row(e, scope) for e in endpoints]
    rows += [pool_row(p, eps, scope) for p, eps in sorted(pools.items())]
    return DashboardModel(uid=f"llz-{zone}-serving"[:40], title=f"{zone}: LLM serving", rows=tuple(rows))


# --- GCP: a Cloud Monitoring dashboard (PromQL over GMP) -------------------------------------------------------

COLUMNS = 48  # mosaicLayout grid width (cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards)
TILE_WIDTH, TILE_HEIGHT = 16, 16
CLOUD_MONITORING_UNITS = {"s": "s", "percentunit": "1", "percent": "%", "mbytes": "MiBy", "short": "1",
                          "currencyUSD": "USD"}


def _data_set(q: Query, unit: str) -> dict[str, object]:
    out: dict[str, object] = {"plotType": "LINE", "targetAxis": "Y1", "timeSeriesQuery": {
        "prometheusQuery": q.expr, "unitOverride": CLOUD_MONITORING_UNITS[unit]}}
    if "{{" not in q.legend:  # Grafana's {{label}} templates have no Cloud Monitoring equivalent: series keep their labels
        out["legendTemplate"] = q.legend
    return out


def cloud_monitoring_json(model: DashboardModel) -> dict[str, object]:
    """The model as a Cloud Monitoring dashboard: a collapsible group per row, an xyChart per panel with one
    PromQL data set per query."""
    tiles: list[dict[str, object]] = []
    y = 0
    per_row = COLUMNS // TILE_WIDTH
    for row in model.rows:
        height = -(-len(row.panels) // per_row) * TILE_HEIGHT
        tiles.append({"xPos": 0, "yPos": y, "width": COLUMNS, "height": height,
                      "widget": {"title": row.title, "collapsibleGroup": {"collapsed": False}}})
        for i, p in enumerate(row.panels):
            tiles.append({
                "xPos": (i % per_row) * TILE_WIDTH, "yPos": y + (i // per_row) * TILE_HEIGHT,
                "width": TILE_WIDTH, "height": TILE_HEIGHT,
                "widget": {"title": p.title, "xyChart": {
                    "chartOptions": {"mode": "COLOR"},
                    "dataSets": [_data_set(q, p.unit) for q in p.queries]}}})
        y += height
    return {"displayName": model.title, "labels": {t: "" for t in model.tags}, "mosaicLayout": {
        "columns": COLUMNS, "tiles": tiles}}
