"""`llz graph`: the component view people think in (nodes, dependency edges, labels, cost), valid Mermaid and
DOT, and the --output files."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_landing_zone.components.finops import estimate
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import graph as graphs
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.cli import app

runner = CliRunner()
STACKS = offline.all_stacks()
HAS_DOT = shutil.which("dot") is not None


def require_dot() -> None:
    """Graphviz is a test dependency that `make test` installs: missing, the tests fail loudly, never skip."""
    if not HAS_DOT:
        pytest.fail("Graphviz `dot` is not installed: run `make test` (it installs Debian's graphviz) or "
                    "`apt-get install graphviz`")


@cache
def plan(stack: str) -> Plan:
    return offline.plan(stack)


@cache
def cgraph(stack: str) -> graphs.ComponentGraph:
    return graphs.component_graph(plan(stack))


def expected_components(p: Plan) -> set[str]:
    return {r.urn for r in p.resources
            if not r.custom and r.type.startswith("llmops:") and r.type != "llmops:index:LandingZone"}


def cross_component_dependencies(p: Plan) -> set[tuple[str, str]]:
    """Computed here on its own: each resource's nearest enclosing component by walking `parent`, then every
    dependency whose two ends lie in different components."""
    comps = expected_components(p)
    by_urn = {r.urn: r for r in p.resources}

    def owner(urn: str) -> str | None:
        while urn in by_urn:
            if urn in comps:
                return urn
            urn = by_urn[urn].parent or ""
        return None

    out = set()
    for r in p.resources:
        for dep in r.dependencies:
            a, b = owner(r.urn), owner(dep)
            if a and b and a != b:
                out.add((a, b))
    return out


# --- a small Mermaid flowchart parser: what GitHub would reject, we reject ---------------------------------

NODE = re.compile(r'^(?P<id>[A-Za-z][A-Za-z0-9_]*)\["(?P<label>[^"]*)"\]$')
EDGE = re.compile(r"^(?P<a>[A-Za-z][A-Za-z0-9_]*) --> (?P<b>[A-Za-z][A-Za-z0-9_]*)$")
SUBGRAPH = re.compile(r'^subgraph (?P<id>[A-Za-z][A-Za-z0-9_]*)\["(?P<label>[^"]*)"\]$')
ENTITY = re.compile(r"#(?:[a-z]+|[0-9]+);")


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node ids with their labels, and edges; AssertionError on anything a flowchart would not accept."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    depth = 0
    for line in lines[1:]:
        s = line.strip()
        if not s or s.startswith("%%"):
            continue
        if s == "end":
            depth -= 1
            assert depth >= 0, line
            continue
        m = SUBGRAPH.match(s) or NODE.match(s)
        if m:
            label = m["label"]
            # raw quotes end the label; `<`/`>` only as the <br/> line break; `#` only as an entity code
            bare = label.replace("<br/>", "")
            assert not re.search(r"[<>`]", bare), line
            assert "#" not in ENTITY.sub("", bare), line
            assert m["id"] not in nodes, f"node declared twice: {line}"
            nodes[m["id"]] = label
            depth += s.startswith("subgraph")
            continue
        m = EDGE.match(s)
        assert m, f"not a node, subgraph or edge: {line!r}"
        edges.append((m["a"], m["b"]))
    assert depth == 0
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def unescape(label: str) -> str:
    codes = {"quot": '"', "lt": "<", "gt": ">", "amp": "&", "35": "#", "96": "`"}
    return ENTITY.sub(lambda m: codes[m[0][1:-1]], label.replace("<br/>", "\n"))


# --- the component view --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_component_once_and_few_nodes(stack: str) -> None:
    p, g = plan(stack), cgraph(stack)
    urns = [c.urn for c in g.components]
    assert len(urns) == len(set(urns))
    assert set(urns) == expected_components(p)
    assert len(urns) <= 40, f"{stack}: {len(urns)} nodes is not a picture people read"
    nodes, _ = parse_mermaid(graphs.components_mermaid(p, g))
    assert len(nodes) == len(urns)
    titles = [unescape(label).splitlines()[0] for label in nodes.values()]
    assert len(titles) == len(set(titles)), "two nodes read the same"


@pytest.mark.parametrize("stack", STACKS)
def test_edges_are_exactly_the_cross_component_dependencies(stack: str) -> None:
    p, g = plan(stack), cgraph(stack)
    expected = cross_component_dependencies(p)
    assert set(g.edges) == expected
    assert expected, "a landing zone whose components share nothing"
    # and the drawn Mermaid edges are those, by node: c<i> is the i-th component
    _, edges = parse_mermaid(graphs.components_mermaid(p, g))
    drawn = {(g.components[int(a[1:])].urn, g.components[int(b[1:])].urn) for a, b in edges}
    assert drawn == expected and len(edges) == len(expected)
    # DOT draws the same
    dot_edges = re.findall(r"^  (c\d+) -> (c\d+);$", graphs.components_dot(p, g), re.MULTILINE)
    assert {(g.components[int(a[1:])].urn, g.components[int(b[1:])].urn) for a, b in dot_edges} == expected


def test_every_edge_is_a_dependency_in_the_plan() -> None:
    """Each edge A --> B has a witness: a resource of A listing a resource of B among its dependencies."""
    p, g = plan("aws-prod"), cgraph("aws-prod")
    owner = graphs.owners(p)
    for a, b in g.edges:
        assert any(owner.get(r.urn) == a and any(owner.get(d) == b for d in r.dependencies)
                   for r in p.resources), (a, b)


@pytest.mark.parametrize("stack", STACKS)
def test_component_costs_add_up_to_the_estimate(stack: str) -> None:
    p, g = plan(stack), cgraph(stack)
    est = estimate(p)
    assert sum(c.monthly_min_usd for c in g.components) == pytest.approx(est.monthly_min_usd, abs=0.05)
    assert sum(c.monthly_max_usd for c in g.components) == pytest.approx(est.monthly_max_usd, abs=0.05)


def _label(stack: str, kind: str, name: str) -> str:
    p, g = plan(stack), cgraph(stack)
    nodes, _ = parse_mermaid(graphs.components_mermaid(p, g))
    for i, c in enumerate(g.components):
        if c.kind == kind and c.name.endswith(name):
            return unescape(nodes[f"c{i}"])
    raise LookupError(f"{stack}: no {kind} {name}")


def test_gpu_pool_label_shows_instance_node_range_and_cost() -> None:
    label = _label("aws-prod", "GpuPool", "pool-l4-serving")
    assert label.splitlines()[0] == "GpuPool pool-l4-serving"
    assert "g6.xlarge" in label and "1–8 nodes" in label
    pool = next(c for c in cgraph("aws-prod").components if c.name.endswith("pool-l4-serving"))
    items = [i for i in estimate(plan("aws-prod")).items if graphs.owners(plan("aws-prod")).get(i.urn) == pool.urn]
    lo, hi = sum(i.monthly_min_usd for i in items), sum(i.monthly_max_usd for i in items)
    assert 0 < lo < hi
    assert f"{graphs.money(lo)}–{graphs.money(hi)}/mo" in label
    assert re.search(r"\$\d+(\.\d)?k–\$\d+(\.\d)?k/mo", label)


@pytest.mark.parametrize(("stack", "kind", "name", "facts"), [
    ("aws-prod", "Cluster", "cluster", ["Kubernetes 1.35", "/mo"]),
    ("aws-prod", "GpuPool", "pool-h100-serving", ["p5.48xlarge", "1–2 nodes"]),
    ("aws-prod", "VllmEndpoint", "chat", ["llama-3.1-8b"]),
    ("aws-prod", "EndpointScaler", "scaler-chat", ["2–7 replicas"]),  # KEDA scales it (observability on)
    ("aws-prod", "ManagedEndpoint", "managed-summarize", ["Mistral-7B", "ml.g6e.xlarge", "1–3 instances", "/mo"]),
    ("aws-prod", "AuroraVectorStore", "vector-catalog", ["aurora-postgresql"]),
    ("aws-prod", "OpenSearchVectorStore", "vector-docs", ["OpenSearch Serverless"]),
    ("aws-dev", "GpuPool", "pool-l4-serving", ["g6.xlarge", "0–2 nodes"]),
    ("gcp-prod", "GpuPool", "pool-l4-serving", ["g2-standard-4", "1–8 nodes"]),
    ("gcp-prod", "Cluster", "cluster", ["Kubernetes 1.35"]),
    ("gcp-prod", "VertexEndpoint", "endpoint-summarize", ["g2-standard-24", "1–3 instances"]),
    ("gcp-prod", "AlloyDbVectorStore", "store-catalog", ["POSTGRES_16"]),
    ("azure-prod", "GpuPool", "pool-a100-serving", ["Standard_NC24ads_A100_v4", "2–8 nodes"]),
    ("azure-prod", "Cluster", "cluster", ["Kubernetes 1.35"]),
    ("azure-prod", "VllmEndpoint", "reasoning", ["llama-3.1-70b"]),
    ("azure-prod", "EndpointScaler", "scaler-reasoning", ["1–2 replicas"]),
    ("azure-prod", "ManagedEndpoint", "managed-summarize", ["Standard_NC24ads_A100_v4", "1–3 instances"]),
    ("azure-prod", "AiSearch", "vector-docs", ["Azure AI Search"]),
])
def test_key_facts(stack: str, kind: str, name: str, facts: list[str]) -> None:
    label = _label(stack, kind, name)
    for fact in facts:
        assert fact in label, f"{fact!r} missing from {label!r}"


def test_money() -> None:
    assert [graphs.money(x) for x in (0, 0.4, 5, 999.4, 1234, 48_000, 2_500_000)] == \
        ["$0", "<$1", "$5", "$999", "$1.2k", "$48.0k", "$2.5M"]


# --- syntax: Mermaid (own parser) and DOT (Graphviz) ---------------------------------------------------------


@pytest.mark.parametrize("level", graphs.LEVELS)
@pytest.mark.parametrize("stack", STACKS)
def test_mermaid_parses(stack: str, level: str) -> None:
    nodes, _ = parse_mermaid(graphs.render(plan(stack), "mermaid", level))
    assert nodes


def _hostile_plan() -> Plan:
    """Names and inputs carrying every character Mermaid or DOT would trip on."""
    nasty = 'x"<b>#1;&`\\y'
    root = PlannedResource("urn:root", "llmops:index:LandingZone", "z", None, False, {})
    pool = PlannedResource("urn:pool", "llmops:aws:GpuPool", f"z-{nasty}", "urn:root", False, {})
    ng = PlannedResource("urn:ng", "aws:eks/nodeGroup:NodeGroup", nasty, "urn:pool", True,
                         {"instanceTypes": [nasty], "scalingConfig": {"minSize": 1, "maxSize": 2}})
    net = PlannedResource("urn:net", "llmops:aws:Network", "z-net", "urn:root", False, {})
    vpc = PlannedResource("urn:vpc", "aws:ec2/vpc:Vpc", "v", "urn:net", True, {})
    ng.dependencies = ["urn:vpc"]
    return Plan('st"ack', "aws", "dev", [root, pool, ng, net, vpc])


def test_labels_are_escaped() -> None:
    p = _hostile_plan()
    nodes, edges = parse_mermaid(graphs.components_mermaid(p))
    assert len(nodes) == 2 and len(edges) == 1
    assert any('x"<b>#1;&`\\y' in unescape(label) for label in nodes.values())
    parse_mermaid(graphs.mermaid(p))
    require_dot()
    for text in (graphs.components_dot(p), graphs.dot(p)):
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, capture_output=True, check=True)


@pytest.mark.parametrize("level", graphs.LEVELS)
@pytest.mark.parametrize("stack", STACKS)
def test_dot_parses_with_graphviz(stack: str, level: str) -> None:
    require_dot()
    proc = subprocess.run(["dot", "-Tsvg"], input=graphs.render(plan(stack), "dot", level), text=True,
                          capture_output=True, check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert "<svg" in proc.stdout


# --- the command ---------------------------------------------------------------------------------------------


def test_default_level_is_components_and_resources_keeps_the_full_view() -> None:
    comp = runner.invoke(app, ["graph", "aws-prod"])
    full = runner.invoke(app, ["graph", "aws-prod", "--level", "resources"])
    assert comp.exit_code == 0 and full.exit_code == 0
    assert "subgraph" not in comp.output and "subgraph" in full.output
    assert len(parse_mermaid(comp.output)[0]) < len(parse_mermaid(full.output)[0])
    assert runner.invoke(app, ["graph", "aws-prod", "--level", "nodes"]).exit_code == 2


@pytest.mark.parametrize(("suffix", "head"), [(".mmd", "flowchart LR"), (".dot", 'digraph "aws-dev"')])
def test_output_text_files(tmp_path: Path, suffix: str, head: str) -> None:
    out = tmp_path / f"zone{suffix}"
    result = runner.invoke(app, ["graph", "aws-dev", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith(head)


def test_output_rejects_unknown_suffix_and_mismatched_format(tmp_path: Path) -> None:
    assert runner.invoke(app, ["graph", "aws-dev", "-o", str(tmp_path / "x.txt")]).exit_code == 2
    assert runner.invoke(app, ["graph", "aws-dev", "--format", "dot", "-o", str(tmp_path / "x.mmd")]).exit_code == 2


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_output_image(tmp_path: Path, suffix: str) -> None:
    require_dot()
    out = tmp_path / f"zone{suffix}"
    result = runner.invoke(app, ["graph", "aws-prod", "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert (b"<svg" in data) if suffix == ".svg" else data.startswith(b"\x89PNG")


def test_output_image_without_graphviz_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphs.shutil, "which", lambda name: None)
    out = tmp_path / "zone.svg"
    result = runner.invoke(app, ["graph", "aws-dev", "--output", str(out)])
    assert result.exit_code == 2
    assert "apt-get install graphviz" in result.output
    assert not out.exists()
    with pytest.raises(graphs.RenderError, match="apt-get install graphviz"):
        graphs.write(plan("aws-dev"), out)


PICTURE = Path(__file__).resolve().parent.parent / "docs" / "aws-prod.svg"


def test_the_readme_picture_is_the_current_component_graph() -> None:
    """docs/aws-prod.svg (shown in the README) is `llz graph aws-prod --output docs/aws-prod.svg` of today's code:
    the same label lines and as many edges. Regenerate it with that command when the plan changes."""
    svg = PICTURE.read_text()
    p, g = plan("aws-prod"), cgraph("aws-prod")
    titles = graphs._titles(g, graphs._zone(p))
    expected = sorted(line for c in g.components for line in graphs.component_lines(c, titles[c.urn]))
    drawn = sorted(unescape_svg(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert drawn == expected, "docs/aws-prod.svg is stale: run `.venv/bin/llz graph aws-prod --output docs/aws-prod.svg`"
    assert svg.count('class="edge"') == len(g.edges)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert "](docs/aws-prod.svg)" in readme


def unescape_svg(text: str) -> str:
    return (text.replace("&#45;", "-").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&amp;", "&"))
