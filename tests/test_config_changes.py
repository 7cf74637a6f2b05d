"""Changes that cannot apply in place to stored data are refused against the stack's previous version."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _variant(tmp_path: Path, name: str, edit) -> Path:
    doc = yaml.safe_load((ROOT / "stacks/Pulumi.aws-prod.yaml").read_text())
    edit(doc["config"])
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_a_vector_store_keeps_its_dimensions_engine_and_metric(tmp_path: Path) -> None:
    def edit(c: dict) -> None:
        c["llmops:zone"]["vectorStores"]["docs"]["dimensions"] = 1536
        c["llmops:zone"]["vectorStores"]["docs"]["metric"] = "dot-product"

    result = runner.invoke(app, ["validate", str(_variant(tmp_path, "new", edit)), "--against", "aws-prod"])
    assert result.exit_code == 2
    assert ("llmops:zone.vectorStores.docs.dimensions: was 1024, now 1536: an existing vector store cannot change "
            "its dimensions in place; add a new store under another key (e.g. docs-v2)") in result.output
    assert "llmops:zone.vectorStores.docs.metric: was 'cosine', now 'dot-product'" in result.output


def test_a_new_store_the_same_file_and_other_edits_pass(tmp_path: Path) -> None:
    def edit(c: dict) -> None:
        c["llmops:zone"]["vectorStores"]["docs-v2"] = {"engine": "opensearch-serverless", "dimensions": 1536}
        c["llmops:zone"]["budget"]["monthlyLimitUsd"] = 200000

    assert runner.invoke(app, ["validate", str(_variant(tmp_path, "grown", edit)), "--against", "aws-prod"]
                         ).exit_code == 0
    assert runner.invoke(app, ["validate", "aws-prod", "--against", "aws-prod"]).exit_code == 0


def test_renaming_the_zone_or_moving_its_region_is_refused(tmp_path: Path) -> None:
    def edit(c: dict) -> None:
        c["llmops:zone"]["name"] = "acme-llm2"
        c["aws:region"] = "us-west-2"

    result = runner.invoke(app, ["validate", str(_variant(tmp_path, "moved", edit)), "--against", "aws-prod"])
    assert result.exit_code == 2
    assert "llmops:zone.name: was 'acme-llm', now 'acme-llm2': this renames every resource" in result.output
    assert "aws:region: was 'us-east-1', now 'us-west-2'" in result.output
