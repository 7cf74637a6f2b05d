"""The serving dashboard model (components/observability/dashboards.py): panels for every vLLM endpoint and pool,
every expression valid PromQL (promql-parser), the live cost per million tokens priced from the catalog for
the stack's region and checked against synthetic series with ``promtool test rules``; the Grafana JSON
(grafana-foundation-sdk) and the Cloud Monitoring JSON carry the same panels."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import promql_parser
import pytest
import yaml

from llmops_landing_zone.components.config.models import canary_key
from llmops_landing_zone.components import catalog, resolve
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.components.config import load_stack_file
from llmops_landing_zone.components.finops.per_token import ReplicaPrice, replica_price
from llmops_landing_zone.components.observability import dashboards as d
from llmops_landing_zone.components.observability import grafana, metrics
from llmops_landing_zone.components.observability.rules import Labels

ROOT = Path(__file__).resolve().parent.parent
STACK_FILES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
ENDPOINT_PANELS = ["ttft", "itl", "e2e", "requests", "kv-cache", "tokens", "replicas", "cost-hour", "cost-token"]
POOL_PANELS = ["gpu-util", "gpu-memory", "sm-active"]


def _model(path: Path) -> tuple[d.DashboardModel, list[d.DashboardEndpoint], object]:
    cfg = load_stack_file(path)
    eps = d.dashboard_endpoints(resolve.endpoints(cfg), cfg.cloud, cfg.region or "")
    return d.dashboard(cfg.name, eps), eps, cfg


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_vllm_endpoint_and_its_pool_has_its_panels(path: Path) -> None:
    model, eps, cfg = _model(path)
    # each vLLM endpoint, its canary's row right after it
    vllm = [w for k, ep in cfg.endpoints.items() if ep.runtime == "vllm"  # type: ignore[attr-defined]
            for w in (k, *([canary_key(k)] if ep.canary else []))]
    assert [e.endpoint for e in eps] == vllm
    rows = {r.title: [p.key for p in r.panels] for r in model.rows}
    for e in eps:
        assert rows[f"Endpoint {e.endpoint} (pool {e.pool})"] == ENDPOINT_PANELS
        assert rows[f"GPU pool {e.pool}"] == POOL_PANELS
    assert len(model.rows) == len(eps) + len({e.pool for e in eps})


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_expression_is_promql_with_current_metric_names(path: Path) -> None:
    model, _, _ = _model(path)
    assert model.exprs()
    for expr in model.exprs():
        promql_parser.parse(expr)  # raises ValueError on a syntax error
        assert not any(old in expr for old in metrics.REMOVED_VLLM), expr
    used = " ".join(model.exprs())
    for name in (metrics.VLLM_TTFT, metrics.VLLM_ITL, metrics.VLLM_E2E_LATENCY, metrics.VLLM_RUNNING,
                 metrics.VLLM_WAITING, metrics.VLLM_KV_CACHE_USAGE, metrics.VLLM_PROMPT_TOKENS,
                 metrics.VLLM_GENERATION_TOKENS, metrics.DCGM_GPU_UTIL, metrics.DCGM_FB_USED,
                 metrics.DCGM_SM_ACTIVE, metrics.KUBE_DEPLOYMENT_AVAILABLE):
        assert name in used, name


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_cost_per_token_uses_the_catalog_price_of_the_stack_region(path: Path) -> None:
    model, eps, cfg = _model(path)
    specs = resolve.endpoints(cfg)  # type: ignore[arg-type]
    specs |= {s.canary.key: s.canary.spec for s in specs.values() if s.canary}
    for e in eps:
        spec = specs[e.endpoint]
        assert spec.pool is not None
        offer = regions.offer(cfg.cloud, spec.pool.shape.name, cfg.region)  # type: ignore[attr-defined]
        assert offer is not None and offer.usd_per_hour is not None
        node = offer.usd_per_hour
        if spec.pool.spot:
            node = offer.spot_usd_per_hour or node * (1 - catalog.spot_discount(cfg.cloud))  # type: ignore[attr-defined]
        assert e.price is not None
        assert e.price.usd_per_replica_hour == pytest.approx(node * spec.gpus / spec.pool.shape.gpus, rel=1e-6)
        row = next(r for r in model.rows if r.title.startswith(f"Endpoint {e.endpoint} "))
        cost = next(p for p in row.panels if p.key == "cost-token").queries[0].expr
        assert f"* {e.price.usd_per_replica_hour:.6g})" in cost
        assert f'deployment="{e.endpoint}"' in cost and metrics.VLLM_GENERATION_TOKENS in cost


def test_a_region_without_a_sourced_price_gets_no_cost_panels() -> None:
    shape = catalog.shape_named("aws", "g6.xlarge")
    assert shape is not None
    assert isinstance(replica_price("aws", "nowhere-1", shape, 1, False), str)
    ep = d.DashboardEndpoint("chat", "l4", price=None)
    assert [p.key for p in d.endpoint_row(ep).panels] == ENDPOINT_PANELS[:-2]


def test_spot_pool_is_priced_at_spot() -> None:
    shape = catalog.shape_named("aws", "g6.12xlarge")
    assert shape is not None
    on, spot = replica_price("aws", "us-east-1", shape, 2, False), replica_price("aws", "us-east-1", shape, 2, True)
    assert isinstance(on, ReplicaPrice) and isinstance(spot, ReplicaPrice)
    assert spot.usd_per_replica_hour < on.usd_per_replica_hour == pytest.approx(shape.usd_per_hour / 2)


def test_gmp_scope_adds_the_cluster_matcher_everywhere() -> None:
    ep = d.DashboardEndpoint("chat", "l4", price=ReplicaPrice(1.0, 1.0, "test"))
    model = d.dashboard("unit", [ep], d.Scope(Labels(), 'cluster="unit-gke"'))
    for expr in model.exprs():
        if not expr.startswith("vector("):
            assert 'cluster="unit-gke"' in expr, expr
            promql_parser.parse(expr)


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is missing: apt-get install -y prometheus, or `make test`")
    return path


@pytest.mark.parametrize(("replicas", "tokens_per_minute", "expected"), [
    ("2", 600, 50.0),  # 2 x $0.9/h over 10 tokens/s (36,000/h): $50 per million
    ("1", 6000, 2.5),  # 1 x $0.9/h over 100 tokens/s: $2.50 per million
])
def test_live_cost_per_million_tokens_on_synthetic_series(replicas: str, tokens_per_minute: int, expected: float,
                                                          promtool: str, tmp_path: Path) -> None:
    ep = d.DashboardEndpoint("chat", "l4", price=ReplicaPrice(0.9, 0.9, "test"))
    expr = d.cost_per_million_expr(ep, ep.price)  # type: ignore[arg-type]
    series = [
        {"series": f'{metrics.KUBE_DEPLOYMENT_AVAILABLE}{{namespace="llm-serving", deployment="chat"}}',
         "values": f"{replicas}x20"},
        {"series": f'{metrics.KUBE_DEPLOYMENT_AVAILABLE}{{namespace="llm-serving", deployment="chat-large"}}',
         "values": "7x20"},  # another endpoint's replicas never count
        {"series": f'{metrics.VLLM_GENERATION_TOKENS}{{namespace="llm-serving", pod="chat-5d8f9c7b6-x2x9k"}}',
         "values": f"0+{tokens_per_minute}x20"},
        {"series": f'{metrics.VLLM_GENERATION_TOKENS}{{namespace="llm-serving", pod="chat-large-7f9b8c6d5-abcde"}}',
         "values": "0+99999x20"},
    ]
    unit = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [{"expr": expr, "eval_time": "15m", "exp_samples": [{"labels": "{}", "value": expected}]}],
    }]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(unit, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_tokens_means_no_cost_per_token_value(promtool: str, tmp_path: Path) -> None:
    """Idle replicas: the per-token figure is empty (not +Inf); the cost-per-hour panel shows the burn."""
    ep = d.DashboardEndpoint("chat", "l4", price=ReplicaPrice(0.9, 0.9, "test"))
    series = [{"series": f'{metrics.KUBE_DEPLOYMENT_AVAILABLE}{{namespace="llm-serving", deployment="chat"}}',
               "values": "2x20"},
              {"series": f'{metrics.VLLM_GENERATION_TOKENS}{{namespace="llm-serving", pod="chat-5d8f9c7b6-x2x9k"}}',
               "values": "100x20"}]
    unit = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [
            {"expr": d.cost_per_million_expr(ep, ep.price), "eval_time": "15m", "exp_samples": []},  # type: ignore[arg-type]
            {"expr": d.cost_per_hour_expr(ep, ep.price), "eval_time": "15m",  # type: ignore[arg-type]
             "exp_samples": [{"labels": "{}", "value": 1.8}]}]}]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(unit, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", "test.yaml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- renderings ---------------------------------------------------------------------------------------------------

def test_grafana_json_holds_every_panel_and_query_of_the_model() -> None:
    model, _, _ = _model(ROOT / "stacks" / "Pulumi.aws-prod.yaml")
    doc = grafana.grafana_dict(model)
    assert doc["uid"] == model.uid and doc["title"] == model.title
    rows = [p for p in doc["panels"] if p["type"] == "row"]
    panels = [p for p in doc["panels"] if p["type"] == "timeseries"]
    assert [r["title"] for r in rows] == [r.title for r in model.rows]
    assert [p["title"] for p in panels] == [p.title for p in model.panels()]
    assert [t["expr"] for p in panels for t in p["targets"]] == model.exprs()
    assert {p["datasource"]["uid"] for p in panels} == {grafana.DATASOURCE_UID}
    assert len({p["id"] for p in doc["panels"]}) == len(doc["panels"])
    assert grafana.grafana_json(model) == grafana.grafana_json(model)  # deterministic: stable plans


def test_cloud_monitoring_json_holds_every_query_in_a_valid_layout() -> None:
    model, _, _ = _model(ROOT / "stacks" / "Pulumi.gcp-prod.yaml")
    doc = d.cloud_monitoring_json(model)
    tiles = doc["mosaicLayout"]["tiles"]  # type: ignore[index]
    charts = [t for t in tiles if "xyChart" in t["widget"]]
    assert [t["widget"]["title"] for t in charts] == [p.title for p in model.panels()]
    assert [ds["timeSeriesQuery"]["prometheusQuery"] for t in charts for ds in t["widget"]["xyChart"]["dataSets"]] \
        == model.exprs()
    for t in tiles:
        assert t["xPos"] + t["width"] <= d.COLUMNS

