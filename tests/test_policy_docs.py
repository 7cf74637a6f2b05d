"""The README's policy section is generated from the rule metadata and must be current."""

from __future__ import annotations

import re
from pathlib import Path

from llmops_landing_zone.llz import policy_docs
from llmops_landing_zone.policies import registry

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_policy_table_is_current() -> None:
    table = policy_docs.current_table(README.read_text())
    assert table is not None, f"README.md lacks {policy_docs.START} ... {policy_docs.END}"
    assert table == policy_docs.render_table(), "regenerate with: .venv/bin/python -m llmops_landing_zone.llz.policy_docs --write"


def test_table_lists_every_rule_with_severity_enforcement_framework_and_anchor() -> None:
    table = policy_docs.render_table()
    rows = [line for line in table.splitlines() if line.startswith('| <a id="policy-')]
    assert len(rows) == len(registry.rules())
    for rule in registry.rules():
        row = next(r for r in rows if f'<a id="{rule.anchor}"></a>`{rule.name}`' in r)
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
        assert cells[3] == rule.severity
        assert cells[4] == policy_docs.enforcement_text(rule)
        assert cells[5] == (str(rule.framework) if rule.framework else "—")
        assert rule.url.endswith("#" + rule.anchor)


def test_enforcement_text_reads_naturally() -> None:
    assert policy_docs.enforcement_text(registry.rule_named("aws-kms-key-rotation")) == "mandatory"
    assert policy_docs.enforcement_text(registry.rule_named("aws-log-group-retention")) == (
        "advisory in dev, mandatory in staging, mandatory in prod")
    assert policy_docs.enforcement_text(registry.rule_named("dev-gpu-scale-to-zero")) == "advisory (dev only)"
    assert policy_docs.enforcement_text(registry.rule_named("stateful-protected-in-prod")) == "mandatory (prod only)"


def test_write_inserts_or_replaces_the_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# title\n\nintro\n")
    assert policy_docs.write(readme)
    text = readme.read_text()
    assert text.startswith("# title\n\nintro\n\n## Policies\n\n" + policy_docs.START)
    assert policy_docs.current_table(text) == policy_docs.render_table()
    assert not policy_docs.write(readme)  # idempotent
    readme.write_text(text.replace(policy_docs.render_table(), "stale\n") + "\n## After\n")
    assert policy_docs.write(readme)
    assert readme.read_text().endswith(policy_docs.END + "\n\n## After\n")
