"""The import graph of the project's own packages: layers only look down, and nothing imports in a circle.

Layers, bottom up: ``components.config`` (the stack contract) < the clouds, the Kubernetes layer and sizing <
``policies`` < ``llz`` (CLI, offline engine, reports). Every import counts, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (annotations only). Cloud rules reach config validation
through registration (components/config/registry.py), never through an import from config.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("components", "llz", "policies")
TOP = "llmops_landing_zone"  # the one installed top-level name (pyproject's package-dir mapping)
C, L, P = f"{TOP}.components", f"{TOP}.llz", f"{TOP}.policies"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join([TOP, *(parts[:-1] if parts[-1] == "__init__" else parts)])


MODULES = {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(path: Path) -> dict[str, int]:
    """Project modules a file imports -> the first line importing each."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_lines(tree)
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import submodule` depends on the submodule; `from module import name` on the module
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names = [arg.value]
            elif isinstance(arg, ast.JoinedStr):  # import_module(f"….{cloud}.zone"): its fixed prefix
                head = arg.values[0]
                if isinstance(head, ast.Constant):
                    names = [str(head.value).rstrip(".")]
        for name in names:
            if (target := _resolve(name)) is not None and target != _module(path):
                found.setdefault(target, node.lineno)
    return found


GRAPH = {m: _imports(p) for m, p in MODULES.items()}


def _violations(source: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}"
            for m, deps in sorted(GRAPH.items()) if m == source or m.startswith(source + ".")
            for t, line in sorted(deps.items()) if any(t == f or t.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize(("source", "forbidden"), [
    (C, (L, P)),
    (P, (L,)),
    (f"{C}.config", (f"{C}.aws", f"{C}.gcp", f"{C}.azure", f"{C}.k8s", f"{C}.sizing", f"{C}.zone", f"{C}.program")),
    (f"{C}.catalog", (f"{C}.config", f"{C}.aws", f"{C}.gcp", f"{C}.azure", f"{C}.k8s", f"{C}.sizing")),
])
def test_layers_only_look_down(source: str, forbidden: tuple[str, ...]) -> None:
    assert _violations(source, forbidden) == []


def test_no_import_cycles() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_graph_sees_lazy_and_dynamic_imports() -> None:
    """The checks above are only as good as the graph: function-level and import_module imports count."""
    assert f"{L}.offline" in GRAPH[f"{L}.cli"]  # imported inside command functions
    assert C in GRAPH[f"{C}.zone"]  # import_module(f"llmops_landing_zone.components.{cloud}.zone")


BARE = re.compile(r"^\s*(?:from|import)\s+(components|policies|llz)\b", re.M)


def test_every_import_uses_the_installed_name() -> None:
    """A bare ``import components`` would still resolve from the repository root and load a second copy of the
    module (two ZoneConfig classes); only ``llmops_landing_zone.*`` is installed for users."""
    files = [p for d in (*PACKAGES, "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    files += [ROOT / "__main__.py"]
    bare = [f"{p.relative_to(ROOT)}: {m[0].strip()}" for p in files if "releases" not in p.parts
            for m in BARE.finditer(p.read_text())]
    assert bare == []


# Who may use the config type at run time: the config package, each cloud's zone.py (the one reader of a zone's
# config) and the resolution step. Everything below takes typed Args of plain values; the CLI and the policy
# pack only pass a loaded config along (``if TYPE_CHECKING:`` imports, for annotations).
CONFIG_READERS = {f"{C}.resolve", f"{C}.sizing", *(f"{C}.{cloud}.zone" for cloud in ("aws", "gcp", "azure"))}
# Each cloud's config checks are part of validation: they register with the config package and read the config.
CLOUD_CHECKS = {f"{C}.{cloud}.checks" for cloud in ("aws", "gcp", "azure")}
# The program's entry (load the config, hand it to the cloud's zone.py): annotations only.
ENTRY = {f"{C}.program", f"{C}.zone"}


def _runtime_uses(path: Path, name: str) -> list[int]:
    """Lines that import ``name`` or reach it as an attribute (``models.ZoneConfig``) at run time: neither under
    ``if TYPE_CHECKING:`` nor in an annotation."""
    tree = ast.parse(path.read_text())
    skip = _type_checking_lines(tree)
    in_annotations: set[int] = set()
    for node in ast.walk(tree):
        notes = [getattr(node, "returns", None), getattr(node, "annotation", None)]
        for note in filter(None, notes):
            in_annotations.update(id(n) for n in ast.walk(note))
    lines = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip or id(node) in in_annotations:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
                a.name == name or a.name.endswith("." + name) for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == name:
            lines.append(node.lineno)
    return lines


def _config_users() -> dict[str, list[int]]:
    return {m: lines for m, p in sorted(MODULES.items()) if (lines := _runtime_uses(p, "ZoneConfig"))}


def test_only_the_zone_builders_and_the_resolution_step_use_the_config_type() -> None:
    allowed = CONFIG_READERS | CLOUD_CHECKS
    others = [f"{MODULES[m].relative_to(ROOT)}:{lines[0]}" for m, lines in _config_users().items()
              if m not in allowed and not m.startswith(f"{C}.config")]
    assert others == [], "components take typed Args; only <cloud>/zone.py and the resolution step read ZoneConfig"


def test_no_component_below_the_zone_even_names_the_config_type() -> None:
    """Stricter for components/: below the zone builders no module imports ZoneConfig at all, not even for an
    annotation, so a component's signature never asks for the whole config."""
    allowed = CONFIG_READERS | CLOUD_CHECKS | ENTRY
    named = [f"{MODULES[m].relative_to(ROOT)}" for m, p in sorted(MODULES.items())
             if m.startswith(C + ".") and m not in allowed and not m.startswith(f"{C}.config")
             and re.search(r"\bZoneConfig\b", p.read_text())]
    assert named == []


def test_the_config_type_check_sees_runtime_uses_only(tmp_path: Path) -> None:
    """The check above is only as good as its scan: imports and attribute access count, TYPE_CHECKING imports
    and annotations do not."""
    src = tmp_path / "m.py"
    src.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from x import ZoneConfig\n"
                   "def f(cfg: models.ZoneConfig) -> ZoneConfig: ...\n"
                   "from x.models import ZoneConfig as Z\n"
                   "schema = models.ZoneConfig.model_json_schema()\n")
    assert _runtime_uses(src, "ZoneConfig") == [5, 6]
    assert f"{C}.aws.zone" in _config_users()  # the scan reaches the real modules
