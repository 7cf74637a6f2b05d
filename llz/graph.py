"""Architecture diagrams of a plan, in Mermaid (renders in GitHub Markdown) or Graphviz DOT.

Two levels:

* ``components`` (default): one node per component resource (``llmops:*`` non-custom resources, the root
  ``llmops:index:LandingZone`` left out), labelled with its key facts read from the plan inputs (instance type
  and node range of a GPU pool, model and replicas of an endpoint, engine of a vector store, Kubernetes version
  of the cluster) and its monthly cost range from the FinOps estimate. An edge ``A --> B`` means a resource of
  A depends on a resource of B. Each resource belongs to its nearest enclosing component, so a nested
  component (a vLLM endpoint inside the serving component) is a node of its own and is not counted twice.
* ``resources``: every resource, components drawn as groups, dependencies as edges.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmops_landing_zone.components.finops.diff import MonthlyDelta
from llmops_landing_zone.components.plan import Plan, PlannedResource

FORMATS = ("mermaid", "dot")
LEVELS = ("components", "resources")
ROOT_TYPE = "llmops:index:LandingZone"
TEXT_SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}
IMAGE_SUFFIXES = (".svg", ".png")
GRAPHVIZ_HINT = "apt-get install graphviz (brew install graphviz on macOS)"


# --- the component graph -----------------------------------------------------------------------------------


@dataclass
class Component:
    urn: str
    type: str
    name: str
    members: list[PlannedResource] = field(default_factory=list)  # itself and the resources it owns directly
    facts: list[str] = field(default_factory=list)
    monthly_min_usd: float = 0.0
    monthly_max_usd: float = 0.0
    unpriced: int = 0

    @property
    def kind(self) -> str:
        return self.type.split(":")[-1]


@dataclass
class ComponentGraph:
    stack: str
    components: list[Component]
    edges: list[tuple[str, str]]  # (A, B) by URN: a resource of A depends on a resource of B


def is_component(r: PlannedResource) -> bool:
    return not r.custom and r.type.startswith("llmops:") and r.type != ROOT_TYPE


def owners(plan: Plan) -> dict[str, str]:
    """URN of every resource -> URN of its nearest enclosing component (itself for a component); resources
    outside every component (the root, providers) are left out."""
    by_urn = {r.urn: r for r in plan.resources}
    out: dict[str, str] = {}
    for r in plan.resources:
        cur: PlannedResource | None = r
        seen: set[str] = set()
        while cur is not None and cur.urn not in seen:
            if is_component(cur):
                out[r.urn] = cur.urn
                break
            seen.add(cur.urn)
            cur = by_urn.get(cur.parent) if cur.parent else None
    return out


def component_graph(plan: Plan, with_cost: bool = True) -> ComponentGraph:
    owner = owners(plan)
    comps = {r.urn: Component(r.urn, r.type, r.name) for r in plan.resources if is_component(r)}
    for r in plan.resources:
        if r.urn in owner:
            comps[owner[r.urn]].members.append(r)
    edges: set[tuple[str, str]] = set()
    for r in plan.resources:
        a = owner.get(r.urn)
        for dep in r.dependencies:
            b = owner.get(dep)
            if a is not None and b is not None and a != b:
                edges.add((a, b))
    for c in comps.values():
        c.facts = _facts(c)
    if with_cost:
        from llmops_landing_zone.components.finops import estimate

        for item in estimate(plan).items:
            c = comps.get(owner.get(item.urn, ""))
            if c is None:
                continue
            if item.priced:
                c.monthly_min_usd += item.monthly_min_usd
                c.monthly_max_usd += item.monthly_max_usd
            else:
                c.unpriced += 1
    ordered = sorted(comps.values(), key=lambda c: c.urn)
    return ComponentGraph(plan.stack, ordered, sorted(edges))


# --- key facts from plan inputs ----------------------------------------------------------------------------


def _find(value: Any, key: str) -> list[Any]:
    """Every value under ``key`` at any depth of a plan input (labels and tags skipped: they echo other keys)."""
    found: list[Any] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ("tags", "labels", "annotations", "matchLabels", "selector"):
                continue
            if k == key:
                found.append(v)
            found.extend(_find(v, key))
    elif isinstance(value, list):
        for v in value:
            found.extend(_find(v, key))
    return found


def _first(c: Component, *keys: str, types: tuple[str, ...] = ()) -> Any:
    for r in c.members:
        if not r.custom or (types and not any(t in r.type for t in types)):
            continue
        for key in keys:
            for v in _find(r.inputs, key):
                if isinstance(v, list) and v and isinstance(v[0], str):
                    return ", ".join(v)
                if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                    return v
    return None


def _num(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _range(lo: Any, hi: Any, unit: str) -> str | None:
    if lo is None and hi is None:
        return None
    if lo == hi or hi is None:
        return f"{_num(lo)} {unit[:-1] if _num(lo) == '1' else unit}"
    return f"{_num(lo)}–{_num(hi)} {unit}"


_INSTANCE_KEYS = ("instanceTypes", "instanceType", "machineType", "vmSize")
_NODE_MIN = ("minSize", "totalMinNodeCount", "minNodeCount", "minCount")
_NODE_MAX = ("maxSize", "totalMaxNodeCount", "maxNodeCount", "maxCount")
_ENGINES = {
    "OpenSearchVectorStore": "OpenSearch Serverless", "VectorSearch": "Vertex AI Vector Search",
    "AiSearch": "Azure AI Search", "CosmosVectorStore": "Cosmos DB (NoSQL vector)",
}


def _model_of_args(args: list[Any]) -> str | None:
    args = [str(a) for a in args]
    for flag in ("--served-model-name", "--model"):
        if flag in args[:-1]:
            return args[args.index(flag) + 1]
    if args and not args[0].startswith("-"):
        return args[0].rstrip("/").rsplit("/", 1)[-1]
    return None


def _model(c: Component) -> str | None:
    for r in c.members:
        for args in _find(r.inputs, "args"):
            if isinstance(args, list) and (model := _model_of_args(args)):
                return model
    for key in ("publisherModelName", "model", "s3Uri", "modelId"):
        v = _first(c, key)
        if isinstance(v, str):
            v = re.sub(r"/versions/[^/]+$", "", v)
            return re.split(r"[/@]", v.rstrip("/"))[-1] if "/" in v or "@" in v else v
    return None


def _facts(c: Component) -> list[str]:
    kind = c.kind
    facts: list[str | None] = []
    if kind == "Cluster":
        v = _first(c, "version", "minMasterVersion", "kubernetesVersion", types=("Cluster",))
        facts.append(f"Kubernetes {v}" if v else None)
    elif kind == "GpuPool":
        facts.append(_first(c, *_INSTANCE_KEYS))
        facts.append(_range(_first(c, *_NODE_MIN), _first(c, *_NODE_MAX), "nodes"))
    elif kind in ("VllmEndpoint", "VllmService"):
        facts.append(_model(c))
        facts.append(_range(_first(c, "minReplicas"), _first(c, "maxReplicas"), "replicas"))  # the CPU HPA's
    elif kind == "EndpointScaler":  # KEDA's ScaledObject of a vLLM endpoint (observability on)
        facts.append(_range(_first(c, "minReplicaCount"), _first(c, "maxReplicaCount"), "replicas"))
    elif kind in ("ManagedEndpoint", "VertexEndpoint"):
        facts.append(_model(c))
        facts.append(_first(c, "instanceType", "machineType", "vmSize"))
        lo = _first(c, "minCapacity", "minReplicaCount", "minimum")  # AWS, GCP, Azure autoscale setting
        hi = _first(c, "maxCapacity", "maxReplicaCount", "maximum")
        facts.append(_range(lo, hi, "instances") if lo is not None else
                     _range(v, v, "instances") if (v := _first(c, "capacity", "initialInstanceCount")) else None)
    elif "Vector" in kind or kind in _ENGINES:
        facts.append(_ENGINES.get(kind) or _first(c, "engine", "databaseVersion"))
    return [str(f) for f in facts if f]


# --- labels --------------------------------------------------------------------------------------------------


def money(usd: float) -> str:
    if usd >= 1_000_000:
        return f"${usd / 1_000_000:.1f}M"
    if usd >= 1000:
        return f"${usd / 1000:.1f}k"
    return f"${usd:.0f}" if usd >= 1 or usd == 0 else "<$1"


def cost_line(c: Component) -> str | None:
    if c.monthly_max_usd <= 0 and not c.unpriced:
        return None
    lo, hi = money(c.monthly_min_usd), money(c.monthly_max_usd)
    line = f"{lo}/mo" if lo == hi else f"{lo}–{hi}/mo"
    return line + (f" + {c.unpriced} unpriced" if c.unpriced else "")


def _short_name(name: str, zone: str) -> str:
    return name[len(zone) + 1:] if zone and name.startswith(zone + "-") and len(name) > len(zone) + 1 else name


def _titles(graph: ComponentGraph, zone: str) -> dict[str, str]:
    """Kind and short name of every component; the type's package added where two would read the same
    (``ClusterAutoscaler cluster-autoscaler (aws)`` and ``(k8s)``)."""
    titles = {c.urn: f"{c.kind} {_short_name(c.name, zone)}" for c in graph.components}
    seen = Counter(titles.values())
    for c in graph.components:
        if seen[titles[c.urn]] > 1:
            titles[c.urn] += f" ({c.type.split(':')[1]})"
    return titles


def component_lines(c: Component, title: str) -> list[str]:
    """The label of a component node, one string per line: kind and name, key facts, cost."""
    lines = [title]
    if c.facts:
        lines.append(" · ".join(c.facts))
    if cost := cost_line(c):
        lines.append(cost)
    return lines


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: characters Mermaid parses (quotes, #, <, >, &, backticks)
    as entity codes."""
    out = text.replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;"), ("`", "#96;")):
        out = out.replace(ch, code)
    return out


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _zone(plan: Plan) -> str:
    return next((r.name for r in plan.resources if r.type == ROOT_TYPE), "")


def components_mermaid(plan: Plan, graph: ComponentGraph | None = None) -> str:
    graph = graph or component_graph(plan)
    titles = _titles(graph, _zone(plan))
    ids = {c.urn: f"c{i}" for i, c in enumerate(graph.components)}
    lines = ["flowchart LR", "  %% A --> B: a resource of component A depends on a resource of component B"]
    for c in graph.components:
        label = "<br/>".join(mermaid_text(s) for s in component_lines(c, titles[c.urn]))
        lines.append(f'  {ids[c.urn]}["{label}"]')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.edges]
    return "\n".join(lines)


def components_dot(plan: Plan, graph: ComponentGraph | None = None) -> str:
    graph = graph or component_graph(plan)
    titles = _titles(graph, _zone(plan))
    ids = {c.urn: f"c{i}" for i, c in enumerate(graph.components)}
    lines = [f'digraph "{dot_text(plan.stack)}" {{', "  rankdir=LR;",
             '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
             "  // A -> B: a resource of component A depends on a resource of component B"]
    for c in graph.components:
        label = "\\n".join(dot_text(s) for s in component_lines(c, titles[c.urn]))
        lines.append(f'  {ids[c.urn]} [label="{label}"];')
    lines += [f"  {ids[a]} -> {ids[b]};" for a, b in graph.edges]
    lines.append("}")
    return "\n".join(lines)


# --- the change between two plans (a PR's base and head) ----------------------------------------------------

CHANGE_STATUSES = ("added", "removed", "changed", "unchanged")
CHANGE_STYLES = {  # GitHub-readable in light and dark themes
    "added": "fill:#d4f8d4,stroke:#1a7f37,color:#0b3d17",
    "removed": "fill:#ffd8d3,stroke:#cf222e,color:#5c0a0f,stroke-dasharray:4 3",
    "changed": "fill:#fff1c2,stroke:#bf8700,color:#4d3800",
    "unchanged": "fill:#f6f8fa,stroke:#8c959f,color:#57606a",
}


@dataclass
class ComponentChange(MonthlyDelta):
    identity: str  # the component's URN without the stack name (components.finops identity)
    status: str  # added | removed | changed | unchanged
    before: Component | None
    after: Component | None
    resources: Counter = field(default_factory=Counter)  # resource changes inside it: added/removed/changed

    @property
    def component(self) -> Component:
        return self.after or self.before  # type: ignore[return-value]



@dataclass
class ChangeGraph:
    before_stack: str
    after_stack: str
    zone: str
    components: list[ComponentChange]  # every component of both plans, by identity
    edges: list[tuple[str, str]]  # by identity: the union of both plans' cross-component dependencies

    def of(self, status: str) -> list[ComponentChange]:
        return [c for c in self.components if c.status == status]


def change_graph(before: Plan, after: Plan) -> ChangeGraph:
    """The components of both plans matched by identity (URN without the stack). A component present in one
    plan only is added or removed; one present in both is changed when any resource it owns (nearest enclosing
    component, as ``owners`` assigns them) was added, removed or has different inputs; else unchanged."""
    from llmops_landing_zone.components.finops import identity

    graphs = {side: component_graph(p) for side, p in (("before", before), ("after", after))}
    plans = {"before": before, "after": after}
    comps: dict[str, dict[str, Component]] = {
        side: {identity(c.urn): c for c in g.components} for side, g in graphs.items()}
    own = {side: {identity(r): identity(o) for r, o in owners(p).items()} for side, p in plans.items()}
    res = {side: {identity(r.urn): r for r in p.resources} for side, p in plans.items()}
    changes = {k: ComponentChange(k, "unchanged", comps["before"].get(k), comps["after"].get(k))
               for k in sorted(comps["before"].keys() | comps["after"].keys())}
    for k, r in res["after"].items():
        b = res["before"].get(k)
        kind = "added" if b is None else "changed" if (b.inputs != r.inputs) else None
        if kind and (o := own["after"].get(k)) in changes:
            changes[o].resources[kind] += 1
    for k in res["before"].keys() - res["after"].keys():
        if (o := own["before"].get(k)) in changes:
            changes[o].resources["removed"] += 1
    for c in changes.values():
        c.status = ("added" if c.before is None else "removed" if c.after is None
                    else "changed" if c.resources else "unchanged")
    edges = {(identity(a), identity(b)) for g in graphs.values() for a, b in g.edges}
    return ChangeGraph(before.stack, after.stack, _zone(after) or _zone(before), list(changes.values()),
                       sorted(edges))


def signed_money(usd: float) -> str:
    return ("+" if usd >= 0 else "-") + money(abs(usd)) if round(usd, 2) else "$0"


def delta_line(c: ComponentChange) -> str:
    lo, hi = signed_money(c.delta_min), signed_money(c.delta_max)
    return f"{lo}/mo" if lo == hi else f"{lo} to {hi}/mo"


def change_lines(c: ComponentChange, title: str) -> list[str]:
    """The label of a node of the change diagram: kind and name, status (with its resource changes), key facts
    of the head plan (the base's for a removed component), the monthly cost delta at minimum and maximum scale."""
    status = c.status
    if c.status == "changed":
        status += ": " + ", ".join(f"{n} {k}" for k in ("added", "removed", "changed")
                                   if (n := c.resources[k])) + " resource(s)"
    lines = [title, status]
    if c.component.facts:
        lines.append(" · ".join(c.component.facts))
    lines.append("cost " + delta_line(c))
    return lines


def change_mermaid(cg: ChangeGraph, context: bool = True) -> str:
    """Mermaid flowchart of the change: added, removed and changed components, styled by classDef; unchanged
    ones only as context, when ``context`` and they share a dependency edge with a drawn change (others left
    out, their count in a comment). Edges only where one end is a change."""
    moved = {c.identity for c in cg.components if c.status != "unchanged"}
    neighbours = {b if a in moved else a for a, b in cg.edges if (a in moved) != (b in moved)} if context else set()
    drawn = [c for c in cg.components if c.identity in moved or c.identity in neighbours]
    left_out = len(cg.components) - len(drawn)
    titles = _titles(ComponentGraph(cg.after_stack, [c.component for c in drawn], []), cg.zone)
    ids = {c.identity: f"c{i}" for i, c in enumerate(drawn)}
    lines = ["flowchart LR",
             f"  %% {cg.after_stack} against {cg.before_stack}: A --> B, a resource of A depends on one of B",
             f"  %% unchanged components drawn only as neighbours of a change; {left_out} more left out"]
    if not drawn:
        lines.append('  none["no component added, removed or changed"]')
    for c in drawn:
        label = "<br/>".join(mermaid_text(s) for s in change_lines(c, titles[c.component.urn]))
        lines.append(f'  {ids[c.identity]}["{label}"]')
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in cg.edges if a in ids and b in ids and (a in moved or b in moved)]
    lines += [f"  classDef {status} {style}" for status, style in CHANGE_STYLES.items()]
    for status in CHANGE_STATUSES:
        if members := [ids[c.identity] for c in drawn if c.status == status]:
            lines.append(f"  class {','.join(members)} {status}")
    return "\n".join(lines)


# --- the resource graph (every resource) ---------------------------------------------------------------------


def _id(urn: str, ids: dict[str, str]) -> str:
    return ids.setdefault(urn, f"n{len(ids)}")


def _label(r: PlannedResource) -> str:
    short = r.type.split(":")[-1]
    return re.sub(r'["<>#&`\\]', "", f"{short}: {r.name}")


def _visible(plan: Plan) -> list[PlannedResource]:
    return [r for r in plan.resources if not r.is_provider]


def mermaid(plan: Plan) -> str:
    ids: dict[str, str] = {}
    resources = _visible(plan)
    urns = {r.urn for r in resources}
    lines = ["flowchart LR"]

    def emit(parent: str | None, indent: str) -> None:
        for r in resources:
            if (r.parent if r.parent in urns else None) != parent:
                continue
            if not r.custom:
                lines.append(f'{indent}subgraph {_id(r.urn, ids)}["{_label(r)}"]')
                emit(r.urn, indent + "  ")
                lines.append(f"{indent}end")
            else:
                lines.append(f'{indent}{_id(r.urn, ids)}["{_label(r)}"]')

    emit(None, "  ")
    for r in resources:
        for dep in r.dependencies:
            if dep in urns and r.custom:
                lines.append(f"  {_id(dep, ids)} --> {_id(r.urn, ids)}")
    return "\n".join(lines)


def dot(plan: Plan) -> str:
    ids: dict[str, str] = {}
    resources = _visible(plan)
    urns = {r.urn for r in resources}
    # newrank: graphviz's older cluster ranking fails ("trouble in init_rank") on some orders of nested clusters
    lines = [f'digraph "{dot_text(plan.stack)}" {{', "  rankdir=LR;", "  newrank=true;",
             "  node [shape=box, fontsize=10];"]

    def emit(parent: str | None, indent: str) -> None:
        for r in resources:
            if (r.parent if r.parent in urns else None) != parent:
                continue
            if not r.custom:
                lines.append(f"{indent}subgraph cluster_{_id(r.urn, ids)} {{")
                lines.append(f'{indent}  label="{_label(r)}";')
                emit(r.urn, indent + "  ")
                lines.append(f"{indent}}}")
            else:
                lines.append(f'{indent}{_id(r.urn, ids)} [label="{_label(r)}"];')

    emit(None, "  ")
    for r in resources:
        for dep in r.dependencies:
            if dep in urns and r.custom and plan.by_urn(dep).custom:
                lines.append(f"  {_id(dep, ids)} -> {_id(r.urn, ids)};")
    lines.append("}")
    return "\n".join(lines)


# --- entry points --------------------------------------------------------------------------------------------


def render(plan: Plan, fmt: str = "mermaid", level: str = "components") -> str:
    if level == "resources":
        return mermaid(plan) if fmt == "mermaid" else dot(plan)
    return components_mermaid(plan) if fmt == "mermaid" else components_dot(plan)


def graphviz_installed() -> bool:
    return shutil.which("dot") is not None


def missing_graphviz(path: Path) -> str:
    return (f"rendering {path.name} needs Graphviz's `dot`, which is not installed: {GRAPHVIZ_HINT}; "
            "or write the text with --output FILE.dot / FILE.mmd")


class RenderError(Exception):
    """The picture cannot be written (Graphviz missing or failing); the message says what to do."""


def output_format(path: Path) -> str:
    """``mermaid``/``dot`` for a text file, ``svg``/``png`` for an image; ValueError for anything else."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    if suffix in IMAGE_SUFFIXES:
        return suffix[1:]
    known = ", ".join([*TEXT_SUFFIXES, *IMAGE_SUFFIXES])
    raise ValueError(f"--output must end in one of {known}, not {path.name!r}")


def write(plan: Plan, path: Path, level: str = "components") -> None:
    """Write the diagram to ``path``: Mermaid or DOT text, or an SVG/PNG image drawn by Graphviz's ``dot``."""
    fmt = output_format(path)
    if fmt in FORMATS:
        path.write_text(render(plan, fmt, level) + "\n")
        return
    exe = shutil.which("dot")
    if exe is None:
        raise RenderError(missing_graphviz(path))
    proc = subprocess.run([exe, f"-T{fmt}", "-o", str(path)], input=render(plan, "dot", level), text=True,
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RenderError(f"Graphviz `dot -T{fmt}` failed: {proc.stderr.strip()}")
