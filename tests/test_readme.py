"""README examples run as tests: its `llz` commands, its printed output, its config example, its set-up."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE)


def _examples() -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, expected output lines) for every `$ llz` line in console blocks."""
    found = []
    for block in _blocks("console"):
        current: list | None = None
        for line in block.splitlines():
            if line.startswith("$ llz "):
                command, _, comment = line[2:].partition("#")
                code = int(m.group(1)) if (m := re.search(r"exit (\d+)", comment)) else 0
                current = [command.strip(), code, []]
                found.append(current)
            elif current is not None and line.strip():
                current[2].append(line)
    return [tuple(x) for x in found]  # type: ignore[misc]


EXAMPLES = _examples()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 6
    assert {cmd.split()[1] for cmd, _, _ in EXAMPLES} >= {"validate", "preview", "graph", "size", "cost", "check"}


@pytest.mark.parametrize(("command", "code", "output"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_readme_command(command: str, code: int, output: list[str], tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLZ_ROOT", str(ROOT))
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    result = CliRunner().invoke(app, shlex.split(command)[1:], env={**os.environ, "COLUMNS": "200"})
    assert result.exit_code == code, result.output
    for line in output:
        assert line in result.output.splitlines(), result.output
    for path in re.findall(r"--(?:json|sarif|markdown|junit) (\S+)", command):
        assert (tmp_path / path).stat().st_size > 0


def test_readme_config_example_is_valid() -> None:
    examples = [yaml.safe_load(b) for b in _blocks("yaml")]
    stacks = [e["config"] for e in examples if isinstance(e, dict) and "llmops:zone" in e.get("config", {})]
    assert stacks
    for config in stacks:
        parse_zone(config["llmops:zone"], config)


def test_readme_set_up_commands_are_the_makefile_and_ci() -> None:
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY: (.*)$", makefile, flags=re.MULTILINE)
    assert phony and set(phony.group(1).split()) == {"preview", "test"}
    assert "make preview" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^preview: .*\n\t\$\(VENV\)/bin/llz preview \$\(STACK\)$", makefile, flags=re.MULTILINE)
