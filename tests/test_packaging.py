"""The installed distribution: one top-level name, every package of the repository in it, data files included,
and a user's project with its own ``components/`` folder can import both."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = "llmops_landing_zone"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_of_the_repository_is_installed_under_the_one_name() -> None:
    folders = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
               for root in ("components", "llz", "policies") for p in (ROOT / root).rglob("__init__.py")}
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == {f"{TOP}.{f}" for f in folders}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {f"{TOP}.{r}": r for r in ("components", "llz", "policies")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(ROOT)], check=True, capture_output=True, cwd=out)
    (found,) = out.glob("*.whl")
    return found


def test_the_wheel_holds_one_top_level_package_and_the_catalog_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {TOP}
    assert any(n.startswith(f"{TOP}/components/catalog/data/") and n.endswith(".csv") for n in names)
    assert f"{TOP}/policies/rules/__init__.py" in names


def test_a_project_with_its_own_components_folder_imports_both(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    project = tmp_path / "project"
    (project / "components").mkdir(parents=True)
    (project / "components" / "__init__.py").write_text("MINE = True\n")
    code = ("import components, llmops_landing_zone.components.catalog as c; "
            "assert components.MINE; print(c.__file__)")
    # -S: only the extracted wheel and the project, not this checkout's editable install
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, ''); {code}"], cwd=project,
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith(str(site / TOP / "components" / "catalog"))
