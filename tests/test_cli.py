"""The llz CLI contract: exit codes, plan JSON shape, schema freshness, diagrams."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_landing_zone.llz.cli import app
from llmops_landing_zone.llz.offline import all_stacks, stacks_dir
from llmops_landing_zone.llz.schema import schema_json

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_committed_schema_is_current() -> None:
    assert (stacks_dir() / "schema.json").read_text() == schema_json(), \
        "stacks/schema.json is stale: run `.venv/bin/llz schema > stacks/schema.json`"


def test_schema_command_prints_the_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "llmops:zone" in schema["properties"]["config"]["properties"]


@pytest.mark.parametrize("stack", all_stacks())
def test_every_stack_file_points_at_the_schema(stack: str) -> None:
    first = (stacks_dir() / f"Pulumi.{stack}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=./schema.json"


def test_validate_broken_stack_exits_2_and_names_each_bad_key() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "tests/fixtures/Pulumi.broken.yaml")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    for key in ("gpuPools.l4-serving.minNodes", "endpoints.chat.pool", "teams.research.members.0"):
        assert f"llmops:zone.{key}: " in result.output


def test_preview_of_a_broken_stack_exits_2_without_planning() -> None:
    result = runner.invoke(app, ["preview", str(ROOT / "tests/fixtures/Pulumi.broken.yaml")])
    assert result.exit_code == 2 and "llmops:zone.gpuPools.l4-serving.minNodes" in result.output


def test_unknown_stack_exits_2_with_a_message() -> None:
    result = runner.invoke(app, ["validate", "nope-dev"])
    assert result.exit_code == 2 and "stack file not found" in result.output


def test_preview_json_follows_the_plan_contract(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["preview", "aws-dev", "--json", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert (plan["stack"], plan["cloud"], plan["environment"]) == ("aws-dev", "aws", "dev")
    assert set(plan) >= {"resources", "policy", "cost"}
    first = plan["resources"][0]
    assert set(first) >= {"urn", "type", "name", "parent", "custom", "inputs", "protect", "retainOnDelete",
                          "dependencies"}
    assert isinstance(plan["policy"]["violations"], list)
    assert plan["cost"]["monthlyUsd"] > 0


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_graph_formats(fmt: str) -> None:
    result = runner.invoke(app, ["graph", "aws-dev", "--format", fmt])
    assert result.exit_code == 0, result.output
    head = "flowchart LR" if fmt == "mermaid" else 'digraph "aws-dev"'
    assert result.output.startswith(head)
    assert "Cluster" in result.output


def test_graph_rejects_unknown_format() -> None:
    assert runner.invoke(app, ["graph", "aws-dev", "--format", "svg"]).exit_code == 2


# --- output for people and machines -------------------------------------------------------------------------


def test_version_flag() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"llz {version('llmops-landing-zone')}"


def test_validate_json_for_machines() -> None:
    ok = runner.invoke(app, ["validate", "aws-dev", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output) == {"stack": "aws-dev", "valid": True, "errors": [],
                                                           "warnings": []}
    bad = runner.invoke(app, ["validate", str(ROOT / "tests/fixtures/Pulumi.broken.yaml"), "--json"])
    data = json.loads(bad.stdout)
    assert bad.exit_code == 2 and data["valid"] is False
    assert "llmops:zone.gpuPools.l4-serving.minNodes: minNodes (9) must not exceed maxNodes (2)" in data["errors"]


def test_cost_json_is_the_plan_cost_object() -> None:
    result = runner.invoke(app, ["cost", "aws-dev", "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["monthlyUsd"] > 0 and data["monthlyUsdMax"] >= data["monthlyUsd"]
    assert runner.invoke(app, ["cost", "aws-dev", "--json", "--against", "aws-prod"]).exit_code == 2


def _llz(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "llmops_landing_zone.llz.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "COLUMNS": ""})


def test_piped_tables_never_cut_identifiers() -> None:
    proc = _llz("size", "--model", "llama-3.1-70b", "--context", "8192", "--concurrency", "16", "--cloud", "aws")
    out, _ = proc.communicate(timeout=120)
    text = out.decode()
    assert proc.returncode == 0 and "p4de.24xlarge" in text and "…" not in text


def test_a_pipe_closed_early_is_not_an_error() -> None:
    proc = _llz("preview", "aws-dev")
    assert proc.stdout is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(timeout=120)
    assert first.startswith(b"aws-dev") and proc.returncode == 0 and b"Traceback" not in err


def test_every_report_command_speaks_json() -> None:
    preview = runner.invoke(app, ["preview", "aws-dev", "--json", "-"])
    plan = json.loads(preview.stdout)
    assert preview.exit_code == 0 and plan["stack"] == "aws-dev" and plan["resources"] and plan["cost"]
    check = runner.invoke(app, ["check", "aws-dev", "--json"])
    [result] = json.loads(check.stdout)
    assert check.exit_code == 0 and result["stack"] == "aws-dev" and result["passed"] is True
    assert all({"policy", "severity", "enforcement", "urn", "message"} <= set(v) for v in result["violations"])
    size = runner.invoke(app, ["size", "--model", "llama-3.1-8b", "--cloud", "gcp", "--json"])
    fits = json.loads(size.stdout)["clouds"]["gcp"]
    assert size.exit_code == 0 and fits and fits[0]["usdPerHour"] <= fits[-1]["usdPerHour"]
    bad = runner.invoke(app, ["size", "--model", "nope", "--json"])
    assert bad.exit_code == 2 and "unknown model 'nope'" in json.loads(bad.stdout)["errors"][0]
