"""Architecture diagrams of a plan: components as groups, resources inside, dependencies as edges."""

from __future__ import annotations

import re

from components.plan import Plan, PlannedResource

FORMATS = ("mermaid", "dot")


def _id(urn: str, ids: dict[str, str]) -> str:
    return ids.setdefault(urn, f"n{len(ids)}")


def _label(r: PlannedResource) -> str:
    short = r.type.split(":")[-1]
    return re.sub(r'["<>]', "", f"{short}: {r.name}")


def _visible(plan: Plan) -> list[PlannedResource]:
    return [r for r in plan.resources if not r.is_provider]


def render(plan: Plan, fmt: str = "mermaid") -> str:
    return mermaid(plan) if fmt == "mermaid" else dot(plan)


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
    lines = [f'digraph "{plan.stack}" {{', "  rankdir=LR;", "  node [shape=box, fontsize=10];"]

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
