"""The change between two plans, drawn: `llz cost --against --markdown` puts a Mermaid diagram of the components
added, removed and changed (with their cost delta) above the diff table, and the PR workflow posts it."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import yaml
from test_graph import parse_mermaid, unescape
from typer.testing import CliRunner

from llmops_landing_zone.llz import cost as costs
from llmops_landing_zone.llz import graph as graphs
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "pr-review.yml"
runner = CliRunner()

CHAT2 = """      chat2:
        model: llama-3.1-8b
        precision: bf16
        maxContext: 8192
        concurrency: 4
        runtime: vllm
        pool: l4-serving
        replicas: {min: 1, max: 2}
"""
CLASS_DEF = re.compile(r"^classDef (added|removed|changed|unchanged) [a-z-]+:[^,\s]+(?:,[a-z-]+:[^,]+)*$")
CLASS = re.compile(r"^class (?P<ids>[A-Za-z][A-Za-z0-9_]*(?:,[A-Za-z][A-Za-z0-9_]*)*) (?P<cls>[a-z]+)$")


def parse_change_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """Nodes, edges and the class of each node; `classDef`/`class` lines checked here, the rest by the flowchart
    parser of test_graph."""
    rest, classes, defined = [], {}, set()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("classDef "):
            assert CLASS_DEF.match(s), line
            defined.add(s.split()[1])
        elif s.startswith("class "):
            m = CLASS.match(s)
            assert m, line
            for node in m["ids"].split(","):
                assert node not in classes, f"class given twice: {node}"
                classes[node] = m["cls"]
        else:
            rest.append(line)
    nodes, edges = parse_mermaid("\n".join(rest))
    assert set(classes) <= set(nodes)
    assert set(classes.values()) <= defined
    return nodes, edges, classes


def head_stack(tmp_path: Path) -> Path:
    """aws-dev with a second vLLM endpoint on the existing pool (its maxNodes raised so both fit)."""
    text = (offline.stacks_dir() / "Pulumi.aws-dev.yaml").read_text()
    assert "    vectorStores:\n" in text and "maxNodes: 2, capacity: spot" in text
    text = text.replace("    vectorStores:\n", CHAT2 + "    vectorStores:\n", 1)
    text = text.replace("maxNodes: 2, capacity: spot", "maxNodes: 4, capacity: spot", 1)
    path = tmp_path / "Pulumi.aws-dev.yaml"
    path.write_text(text)
    return path


@cache
def _change(head: str) -> graphs.ChangeGraph:
    return graphs.change_graph(offline.plan("aws-dev"), offline.plan(head))


def by_name(cg: graphs.ChangeGraph) -> dict[str, graphs.ComponentChange]:
    return {f"{c.component.kind} {c.component.name}": c for c in cg.components}


def test_added_endpoint_is_added_and_the_rest_is_not_changed(tmp_path: Path) -> None:
    cg = _change(str(head_stack(tmp_path)))
    comps = by_name(cg)
    chat2 = comps["VllmEndpoint acme-llm-chat2"]
    assert chat2.status == "added" and chat2.before is None
    assert chat2.delta_min >= 0 and chat2.delta_max >= 0
    # with observability on, chat2 also gets its KEDA scaler
    assert [c.component.name for c in cg.of("added")] == ["acme-llm-chat2", "acme-llm-scaler-chat2"]
    assert cg.of("removed") == []
    # the pool's node range grew (its cost with it), the serving component got a resource for chat2 and the
    # monitoring component new rules for it
    assert {c.component.name for c in cg.of("changed")} == {"acme-llm-pool-l4-serving", "acme-llm-serving",
                                                           "acme-llm-monitoring", "acme-llm-gateway"}  # its route
    pool = comps["GpuPool acme-llm-pool-l4-serving"]
    assert pool.delta_min >= 0 and pool.delta_max > 0
    for c in cg.of("unchanged"):
        assert c.delta_min == c.delta_max == 0, c.identity
    assert comps["VllmEndpoint acme-llm-chat"].status == "unchanged"
    assert comps["Network acme-llm-network"].status == "unchanged"
    # component deltas add up to the estimate's
    d = costs.diff(costs.load_estimate("aws-dev"), costs.load_estimate(str(tmp_path / "Pulumi.aws-dev.yaml")))
    assert round(sum(c.delta_max for c in cg.components), 2) == d.delta_max


def test_change_mermaid_parses_and_marks_each_status(tmp_path: Path) -> None:
    cg = _change(str(head_stack(tmp_path)))
    text = graphs.change_mermaid(cg)
    nodes, edges, classes = parse_change_mermaid(text)
    labels = {i: unescape(label) for i, label in nodes.items()}
    status = {label.split("\n")[0]: classes[i] for i, label in labels.items()}
    assert status["VllmEndpoint chat2"] == "added"
    assert status["GpuPool pool-l4-serving"] == "changed"
    assert status["Serving serving"] == "changed"
    assert "VllmEndpoint chat" in status and status["VllmEndpoint chat"] == "unchanged"  # a neighbour: context
    assert not any(t.startswith(("Audit", "TeamAccess")) for t in status)  # no edge to a change
    assert status["ServingMonitoring monitoring"] == "changed"  # chat2's rules and scaler
    assert status.get("Budget budget", "unchanged") == "unchanged"  # context at most: the alerts' topic
    pool = next(label for label in labels.values() if label.startswith("GpuPool"))
    assert re.search(r"cost \+\$\d+ to \+\$\d+/mo", pool), pool
    moved = {i for i, c in classes.items() if c != "unchanged"}
    assert all(a in moved or b in moved for a, b in edges)
    # without context, only the changes
    _, _, only = parse_change_mermaid(graphs.change_mermaid(cg, context=False))
    # + scaler, monitoring, the gateway (a route for chat2)
    assert sorted(only.values()) == ["added", "added", "changed", "changed", "changed", "changed"]


def test_no_change_draws_one_node() -> None:
    p = offline.plan("aws-dev")
    cg = graphs.change_graph(p, p)
    assert {c.status for c in cg.components} == {"unchanged"}
    nodes, edges, classes = parse_change_mermaid(graphs.change_mermaid(cg))
    assert list(nodes) == ["none"] and edges == [] and classes == {}


def test_removed_component_is_removed_with_a_negative_delta(tmp_path: Path) -> None:
    cg = graphs.change_graph(offline.plan(str(head_stack(tmp_path))), offline.plan("aws-dev"))
    chat2 = by_name(cg)["VllmEndpoint acme-llm-chat2"]
    assert chat2.status == "removed" and chat2.after is None
    assert by_name(cg)["GpuPool acme-llm-pool-l4-serving"].delta_max < 0
    _, _, classes = parse_change_mermaid(graphs.change_mermaid(cg))
    assert "removed" in classes.values()


def test_cost_against_markdown_has_the_mermaid_block_above_the_table(tmp_path: Path) -> None:
    head = head_stack(tmp_path)
    out = tmp_path / "cost.md"
    result = runner.invoke(app, ["cost", str(head), "--against", "aws-dev", "--markdown", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    blocks = re.findall(r"^```mermaid\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    assert len(blocks) == 1
    _, _, classes = parse_change_mermaid(blocks[0])
    assert "added" in classes.values()
    assert text.index("```mermaid") < text.index("| change | resource |")


def test_cost_without_against_has_no_diagram(tmp_path: Path) -> None:
    out = tmp_path / "cost.md"
    assert runner.invoke(app, ["cost", "aws-dev", "--markdown", str(out)]).exit_code == 0
    assert "```mermaid" not in out.read_text()


def _offline_steps() -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]["offline-check"]["steps"]


def test_workflow_is_yaml_and_appends_the_change_before_the_comment_is_posted() -> None:
    steps = _offline_steps()
    names = [s.get("name", "") for s in steps]
    cost = next(i for i, n in enumerate(names) if n.startswith("Cost and component change"))
    check = names.index("Guardrails over the offline plans of every stack")
    post = names.index("Post or update the PR comment")
    assert check < cost < post
    run = steps[cost]["run"]
    assert 'git show "FETCH_HEAD:$f"' in run
    assert re.search(r'llz cost "\$stack" --against "\$RUNNER_TEMP/base/Pulumi\.\$stack\.yaml"', run)
    assert '--markdown "cost-$stack.md"' in run and ">> llz.md" in run
    script = run.replace("${{ github.base_ref }}", "main")
    assert "${{" not in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    assert "cost-*.md" in next(s for s in steps if s.get("name") == "Keep the reports")["with"]["path"]
