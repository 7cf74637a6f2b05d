"""`llz preview` output: the resource tree, counts per type, policy summary and monthly cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import asdict

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz.console import console as make_console

if TYPE_CHECKING:  # passed along to the policy evaluation
    from llmops_landing_zone.components.config import ZoneConfig


def attach_policy_and_cost(plan: Plan, cfg: ZoneConfig) -> None:
    """Fill plan.policy and plan.cost, as in the plan JSON contract."""
    from llmops_landing_zone.components.finops import estimate, plan_cost_dict
    from llmops_landing_zone.llz.check import evaluate

    plan.policy = {"violations": [_violation_dict(v) for v in evaluate(plan, cfg)]}
    plan.cost = plan_cost_dict(estimate(plan))


def _violation_dict(v: object) -> dict:
    d = asdict(v)  # type: ignore[call-overload]
    return {k: d[k] for k in ("policy", "enforcement", "severity", "urn", "message", "suppressed_by") if k in d}


def tree(plan: Plan) -> Tree:
    root = Tree(f"[bold]{plan.stack}[/] ({plan.cloud}, {plan.environment})")
    nodes: dict[str | None, Tree] = {None: root}
    by_parent: dict[str | None, list[PlannedResource]] = {}
    urns = plan.urns
    for r in plan.resources:
        if r.is_provider:
            continue
        parent = r.parent if r.parent in urns else None
        by_parent.setdefault(parent, []).append(r)

    def add(parent: str | None) -> None:
        for r in sorted(by_parent.get(parent, []), key=lambda x: (x.custom, x.type, x.name)):
            flags = "".join([" [yellow]protect[/]" if r.protect else "", " [cyan]retain[/]" if r.retainOnDelete else ""])
            label = f"[bold]{r.type}[/] {r.name}" if not r.custom else f"{r.type} [dim]{r.name}[/]{flags}"
            nodes[r.urn] = nodes[parent].add(label)
            add(r.urn)

    add(None)
    return root


def counts_table(plan: Plan) -> Table:
    table = Table(title="resources by type", show_lines=False)
    table.add_column("type", overflow="fold")
    table.add_column("count", justify="right", no_wrap=True)
    counts = plan.counts()
    for type_, n in sorted(counts.items()):
        table.add_row(type_, str(n))
    table.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
    return table


def print_preview(plan: Plan, console: Console | None = None) -> None:
    console = console or make_console()
    console.print(tree(plan))
    console.print(counts_table(plan))
    violations = plan.policy.get("violations", [])
    active = [v for v in violations if not v.get("suppressed_by")]
    mandatory = sum(1 for v in active if v.get("enforcement") == "mandatory")
    console.print(f"policy: {mandatory} mandatory, {len(active) - mandatory} advisory, "
                  f"{len(violations) - len(active)} suppressed violation(s)")
    for v in active:
        console.print(f"  [{'red' if v.get('enforcement') == 'mandatory' else 'yellow'}]{v['enforcement']}[/] "
                      f"{v['policy']} ({v.get('severity')}): {v['message']}", highlight=False)
    if plan.cost:
        lo, hi = plan.cost.get("monthlyUsd", 0.0), plan.cost.get("monthlyUsdMax", plan.cost.get("monthlyUsd", 0.0))
        unpriced = plan.cost.get("unpriced", [])
        floor = "at least " if unpriced else ""
        console.print(f"monthly cost: {floor}${lo:,.0f} at minimum scale, {floor}${hi:,.0f} at maximum scale"
                      f" ({len(unpriced)} resource(s) not priced), "
                      f"{plan.cost.get('region') or plan.cost.get('referenceRegion', '')} prices")
        if plan.cost.get("regionNote"):
            console.print(f"  note: {plan.cost['regionNote']}", highlight=False)
        if plan.cost.get("approximate"):
            console.print(f"  [yellow]warning[/]: {len(plan.cost['approximate'])} resource(s) priced with a derived "
                          "regional price (another region's price times a stated factor), not a listed one",
                          highlight=False)
        for u in unpriced:  # never counted as zero: say what the totals leave out, and why
            console.print(f"  [yellow]warning[/]: not priced, not in the totals: {u['urn'].rsplit('::', 1)[-1]} "
                          f"({u['type']}): {u['reason']}", highlight=False)
