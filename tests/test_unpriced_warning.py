"""Something planned but unpriceable (a GCP managed endpoint outside Model Garden: an empty Vertex AI endpoint)
is announced before planning: a warning with its key path from `llz validate` and `llz preview`, the stack
stays valid; the advisory guardrail cost-estimate-complete reports the same endpoint on the plan."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components.config import load_stack_file, warnings
from llmops_landing_zone.llz.cli import app

STACKS = Path(__file__).resolve().parent.parent / "stacks"
KEY = "llmops:zone.endpoints.summarize.model"


def _stack(tmp_path: Path, model: str, precision: str) -> Path:
    doc = yaml.safe_load((STACKS / "Pulumi.gcp-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["endpoints"]["summarize"].update(model=model, precision=precision)
    path = tmp_path / "Pulumi.gcp-outside.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_validate_warns_about_an_endpoint_the_estimate_cannot_price(tmp_path: Path) -> None:
    path = _stack(tmp_path, "llama-3.1-8b", "fp8")  # Model Garden has the bf16 checkpoint only
    result = CliRunner().invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True
    (line,) = [w for w in report["warnings"] if w.startswith(KEY)]
    assert "empty Vertex AI endpoint" in line and "cost-estimate-complete" in line and "730 h" in line
    plain = CliRunner().invoke(app, ["validate", str(path)])
    assert plain.exit_code == 0 and f"warning: {KEY}:" in plain.stderr


def test_a_model_garden_endpoint_and_other_clouds_get_no_such_warning(tmp_path: Path) -> None:
    assert not [w for w in warnings(load_stack_file(STACKS / "Pulumi.gcp-prod.yaml")) if "Vertex" in w]
    assert not [w for w in warnings(load_stack_file(_stack(tmp_path, "mistral-7b", "bf16"))) if "Vertex" in w]
    assert not [w for w in warnings(load_stack_file(STACKS / "Pulumi.aws-prod.yaml")) if "Vertex" in w]
