"""Cost per million output tokens: the endpoint load contract, the maths, `llz size --load` and `llz cost`."""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components import catalog, sizing, throughput
from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.finops.per_token import Load, per_token
from llmops_landing_zone.components.resolve import endpoint_per_token, zone_per_token
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"
runner = CliRunner()
LOAD = "2:1000:200"  # 2 req/s of 1000 prompt + 200 output tokens


def _stack(name: str) -> dict[str, Any]:
    return yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"]


def _zone_with_load(load: dict[str, Any], endpoint: str = "chat", stack: str = "aws-prod") -> tuple[dict, dict]:
    config = _stack(stack)
    zone = copy.deepcopy(config["llmops:zone"])
    zone["endpoints"][endpoint]["load"] = load
    return zone, config


def _errors(load: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(*_zone_with_load(load))
    return info.value.lines


# --- the config contract ---------------------------------------------------------------------------------


def test_load_is_optional_and_parses_camel_case() -> None:
    assert parse_zone(*_zone_with_load({"requestsPerSecond": 6, "promptTokens": 1000, "outputTokens": 200})) \
        .endpoints["chat"].load.requests_per_second == 6.0  # type: ignore[union-attr]
    zone, config = _zone_with_load({})
    del zone["endpoints"]["chat"]["load"]
    assert parse_zone(zone, config).endpoints["chat"].load is None


@pytest.mark.parametrize(("load", "line"), [
    ({"requestsPerSecond": 0, "promptTokens": 100, "outputTokens": 10},
     "llmops:zone.endpoints.chat.load.requestsPerSecond: Input should be greater than 0"),
    ({"requestsPerSecond": "2", "promptTokens": 100, "outputTokens": 10},
     "llmops:zone.endpoints.chat.load.requestsPerSecond: expected a number, got the string '2'"),
    ({"requestsPerSecond": 1, "promptTokens": 0, "outputTokens": 10},
     "llmops:zone.endpoints.chat.load.promptTokens: Input should be greater than or equal to 1"),
    ({"requestsPerSecond": 1, "promptTokens": 100, "outputTokens": 2.5},
     "llmops:zone.endpoints.chat.load.outputTokens: expected a whole number, got a number"),
    ({"requestsPerSecond": 1, "promptTokens": 100},
     "llmops:zone.endpoints.chat.load.outputTokens: Field required"),
    ({"requestsPerSecond": 1, "promptTokens": 100, "outputTokens": 10, "rps": 1},
     "llmops:zone.endpoints.chat.load.rps: unknown key (valid keys: requestsPerSecond, promptTokens, outputTokens)"),
    ({"requestsPerSecond": 1, "promptTokens": 8000, "outputTokens": 500},
     ("llmops:zone.endpoints.chat.load: promptTokens + outputTokens (8000 + 500 = 8500) must not exceed "
      "maxContext (8192)")),
])
def test_load_validation_names_the_key_and_says_what_is_wrong(load: dict[str, Any], line: str) -> None:
    assert line in _errors(load)


def test_the_schema_documents_the_load() -> None:
    schema = json.loads((STACKS / "schema.json").read_text())
    text = json.dumps(schema)
    assert "requestsPerSecond" in text and "promptTokens" in text and "outputTokens" in text


# --- the maths ---------------------------------------------------------------------------------------------


def _workload_70b_fp8() -> sizing.Workload:
    return sizing.Workload(sizing.architecture("llama-3.1-70b"), "fp8", 8192, 16)


def _independent(shape_name: str, tp: int, load: Load, replicas_min: int = 1) -> tuple[int, float]:
    """(replicas, $/1M output tokens) from the catalog price and the throughput estimate, by hand."""
    w = _workload_70b_fp8()
    shape = catalog.shape_named("aws", shape_name)
    assert shape is not None
    seqs = sizing.batch(w, shape.gpu_model, tp).max_num_seqs
    in_flight = min(seqs, sizing.kv_capacity_tokens(w, shape.gpu_model, tp) // (load.prompt_tokens
                                                                               + load.output_tokens))
    rps = throughput.estimate(w, shape, tp, in_flight, load.prompt_tokens, load.output_tokens).requests_per_s
    replicas = max(replicas_min, math.ceil(load.requests_per_s / rps))
    dollars_per_hour = math.ceil(replicas * tp / shape.gpus) * shape.usd_per_hour  # whole nodes
    tokens_per_hour = load.requests_per_s * load.output_tokens * 3600
    return replicas, dollars_per_hour / tokens_per_hour * 1e6


def test_per_token_matches_the_formula_and_floors_at_replicas_min() -> None:
    w, load = _workload_70b_fp8(), Load(20, 1000, 200)
    shape = catalog.shape_named("aws", "g6e.12xlarge")
    assert shape is not None
    seqs = sizing.batch(w, shape.gpu_model, 4).max_num_seqs
    pt = per_token(w, shape, 4, seqs, load, replicas_min=1, replicas_max=2)
    replicas, usd = _independent("g6e.12xlarge", 4, load)
    assert pt.replicas == pt.replicas_for_load == replicas > 2
    assert pt.usd_per_million_output_tokens == pytest.approx(usd, rel=1e-9)
    assert pt.replica_output_tps == pytest.approx(pt.replica_requests_per_s * 200)
    assert pt.warnings and f"needs {replicas} replica(s) but replicas.max is 2" in pt.warnings[0]
    floored = per_token(w, shape, 4, seqs, Load(0.1, 1000, 200), replicas_min=3, replicas_max=5)
    assert (floored.replicas_for_load, floored.replicas, floored.warnings) == (1, 3, ())
    assert floored.usd_per_million_output_tokens == pytest.approx(_independent("g6e.12xlarge", 4, Load(0.1, 1000, 200),
                                                                               replicas_min=3)[1])
    spot = per_token(w, shape, 4, seqs, load, price_factor=0.3)
    assert spot.usd_per_million_output_tokens == pytest.approx(0.3 * pt.usd_per_million_output_tokens)


def test_load_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        Load(0, 10, 10)
    with pytest.raises(ValueError, match="at least 1"):
        Load(1, 10, 0)


# --- llz size --load (the done-when) ----------------------------------------------------------------


def test_size_with_a_load_prints_cost_per_million_output_tokens_per_shape() -> None:
    result = runner.invoke(app, ["size", "--model", "llama-3.1-70b", "--precision", "fp8", "--load", LOAD,
                                 "--cloud", "aws"], env={**os.environ, "COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "$/1M out tokens" in result.output and "replicas for load" in result.output
    assert "cheapest per million output tokens first" in result.output
    replicas, usd = _independent("g6e.12xlarge", 4, Load(2, 1000, 200))
    row = next(line for line in result.output.splitlines() if "│ g6e.12xlarge " in line)
    cells = [c.strip() for c in row.split("│")][1:-1]  # ..., replicas for load, $/1M out tokens, price source
    assert cells[-3:-1] == [str(replicas), f"{usd:,.2f}"]


def test_size_json_ranks_by_cost_per_token_which_differs_from_the_hourly_ranking() -> None:
    result = runner.invoke(app, ["size", "--model", "llama-3.1-70b", "--precision", "fp8", "--load", "100:1000:200",
                                 "--cloud", "aws", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["workload"]["load"] == {"requestsPerSecond": 100.0, "promptTokens": 1000, "outputTokens": 200}
    fits = data["clouds"]["aws"]
    per_million = [f["perToken"]["usdPerMillionOutputTokens"] for f in fits]
    assert len(fits) > 2 and per_million == sorted(per_million)
    by_token = [f["shape"] for f in fits]
    by_hour = [f["shape"] for f in sorted(fits, key=lambda f: (f["usdPerHour"], f["service"] != "compute",
                                                                 f["shape"]))]
    assert by_token != by_hour
    # the constructed case: at 100 req/s the cheapest node by the hour (4 x L40S) is not the cheapest per token:
    # 8 x H200 nodes, filled with one-GPU replicas, serve a token for less (whole nodes are paid for)
    assert by_hour[0] == "g6e.12xlarge" and by_token[0] == "p5en.48xlarge"
    g6e = next(f for f in fits if f["shape"] == "g6e.12xlarge")["perToken"]
    replicas, usd = _independent("g6e.12xlarge", 4, Load(100, 1000, 200))
    assert g6e["replicasForLoad"] == replicas and g6e["usdPerMillionOutputTokens"] == pytest.approx(usd, abs=1e-4)


def test_size_without_a_load_keeps_the_hourly_table() -> None:
    result = runner.invoke(app, ["size", "--model", "llama-3.1-8b", "--cloud", "gcp", "--json"])
    fits = json.loads(result.stdout)["clouds"]["gcp"]
    assert result.exit_code == 0 and all("perToken" not in f for f in fits)
    assert "$/1M" not in runner.invoke(app, ["size", "--model", "llama-3.1-8b", "--cloud", "gcp"]).output


@pytest.mark.parametrize(("load", "message"), [
    ("2:1000", "--load must be RPS:PROMPT:OUTPUT"),
    ("x:1000:200", "--load must be RPS:PROMPT:OUTPUT"),
    ("0:1000:200", "requests per second must be a number greater than 0"),
    ("1:0:200", "prompt and output tokens must be at least 1"),
    ("1:8000:500", "must not exceed the context (8192)"),
])
def test_size_rejects_a_bad_load(load: str, message: str) -> None:
    result = runner.invoke(app, ["size", "--model", "llama-3.1-8b", "--load", load, "--json"])
    assert result.exit_code == 2 and any(message in e for e in json.loads(result.stdout)["errors"])


# --- llz cost STACK -----------------------------------------------------------------------------------------


@pytest.fixture
def loaded_stack(tmp_path: Path) -> Path:
    """aws-prod with a load on chat (vLLM on a configured pool) and summarize (managed); not a reference stack."""
    doc = yaml.safe_load((STACKS / "Pulumi.aws-prod.yaml").read_text())
    eps = doc["config"]["llmops:zone"]["endpoints"]
    eps["chat"]["load"] = {"requestsPerSecond": 6, "promptTokens": 1000, "outputTokens": 200}
    eps["summarize"]["load"] = {"requestsPerSecond": 50, "promptTokens": 500, "outputTokens": 100}
    path = tmp_path / "Pulumi.aws-load.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_cost_prints_and_returns_the_per_token_figures(loaded_stack: Path) -> None:
    result = runner.invoke(app, ["cost", str(loaded_stack), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"monthlyUsd", "monthlyUsdMax", "items", "unpriced", "perToken"} <= set(data)
    rows = {r["endpoint"]: r for r in data["perToken"]}
    assert set(rows) == {"chat", "summarize"}
    from llmops_landing_zone.llz import offline

    _, _, cfg = offline.load(str(loaded_stack))
    chat = endpoint_per_token(cfg, "chat")
    assert chat is not None and rows["chat"]["shape"] == sizing.pool_shape(cfg, "l4-serving").name
    assert rows["chat"]["batch"] <= sizing.vllm_batch(cfg, "chat").max_num_seqs
    shape = sizing.pool_shape(cfg, "l4-serving")
    hourly = rows["chat"]["replicas"] * shape.usd_per_hour * rows["chat"]["tensorParallel"] / shape.gpus
    assert rows["chat"]["usdPerMillionOutputTokens"] == pytest.approx(hourly / (6 * 200 * 3600) * 1e6, abs=1e-4)
    assert rows["summarize"]["replicas"] > 3 and rows["summarize"]["warnings"]  # more than replicas.max
    assert [r.endpoint for r in zone_per_token(cfg)] == ["chat", "summarize"]

    table = runner.invoke(app, ["cost", str(loaded_stack)], env={**os.environ, "COLUMNS": "250"})
    assert table.exit_code == 0 and "cost per million output tokens" in table.output
    assert f"{rows['chat']['usdPerMillionOutputTokens']:,.2f}" in table.output
    assert "warning: endpoint summarize: the load needs" in table.output


def test_cost_of_a_stack_without_loads_has_an_empty_per_token_list() -> None:
    data = json.loads(runner.invoke(app, ["cost", "aws-dev", "--json"]).stdout)
    assert data["perToken"] == [] and data["monthlyUsd"] > 0
