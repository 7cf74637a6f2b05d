"""``llz cost``: the FinOps estimate of a stack as a table or Markdown, and the diff against another stack or plan.

The estimate itself is components.finops (shared with the policy pack's budget rules).
"""

from __future__ import annotations

import json
from pathlib import Path

from llmops_landing_zone.components.finops import (
    HOURS_PER_MONTH,
    Change,
    CostDiff,
    CostEstimate,
    CostItem,
    diff,
    estimate,
    plan_cost_dict,
)
from llmops_landing_zone.components.finops.per_token import EndpointPerToken
from llmops_landing_zone.components.resolve import zone_per_token
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz.console import console as make_console
from rich.console import Console
from rich.table import Table

# --- rendering -------------------------------------------------------------------------------------------


def _range(lo: float, hi: float) -> str:
    return f"${lo:,.2f}" if round(lo, 2) == round(hi, 2) else f"${lo:,.2f} - ${hi:,.2f}"


def _signed(x: float) -> str:
    return f"{'+' if x >= 0 else '-'}${abs(x):,.2f}"


def _item_cell(i: CostItem | None) -> str:
    if i is None:
        return "-"
    return _range(i.monthly_min_usd, i.monthly_max_usd) if i.priced else "not priced"


def estimate_table(est: CostEstimate) -> Table:
    table = Table(title=f"{est.stack}: monthly cost ({HOURS_PER_MONTH} h, {est.region or est.reference_region} prices)")
    for col, justify in [("resource", "left"), ("type", "left"), ("min $/month", "right"), ("max $/month", "right"),
                         ("basis", "left")]:
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for i in sorted(est.billed, key=lambda i: (-i.monthly_max_usd, i.name)):
        table.add_row(i.name, i.type, f"{i.monthly_min_usd:,.2f}", f"{i.monthly_max_usd:,.2f}", i.basis)
    for i in est.unpriced:
        table.add_row(i.name, i.type, "not priced", "not priced", i.basis)
    floor = "at least " if est.unpriced else ""  # unpriced items are left out of the totals, never zero
    table.add_row("[bold]total[/]", f"{len(est.billed)} billed, {len(est.items) - len(est.billed) - len(est.unpriced)} "
                  f"free, {len(est.unpriced)} not priced", f"[bold]{floor}{est.monthly_min_usd:,.2f}[/]",
                  f"[bold]{floor}{est.monthly_max_usd:,.2f}[/]",
                  f"{len(est.unpriced)} resource(s) not priced are not in the totals" if est.unpriced else "")
    return table


def diff_table(d: CostDiff) -> Table:
    table = Table(title=f"cost diff: {d.after.stack} against {d.before.stack} (monthly)")
    for col, justify in [("change", "left"), ("resource", "left"), ("type", "left"), (d.before.stack, "right"),
                         (d.after.stack, "right"), ("delta min", "right"), ("delta max", "right")]:
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for kind, changes in (("added", d.added), ("removed", d.removed), ("changed", d.changed)):
        for c in changes:
            if kind != "changed" and (c.after or c.before).free:  # type: ignore[union-attr]
                continue
            table.add_row(kind, c.name, c.type, _item_cell(c.before), _item_cell(c.after), _signed(c.delta_min),
                          _signed(c.delta_max))
    table.add_row("[bold]total[/]", "", "", _range(d.before.monthly_min_usd, d.before.monthly_max_usd),
                  _range(d.after.monthly_min_usd, d.after.monthly_max_usd), f"[bold]{_signed(d.delta_min)}[/]",
                  f"[bold]{_signed(d.delta_max)}[/]")
    return table


def per_token_table(stack: str, rows: list[EndpointPerToken]) -> Table:
    table = Table(title=f"{stack}: cost per million output tokens at each endpoint's declared load")
    for col, justify in [("endpoint", "left"), ("load", "left"), ("shape", "left"), ("TP", "right"),
                         ("replicas needed / configured", "right"), ("req/s per replica", "right"),
                         ("out tokens/s per replica", "right"), ("$/1M out tokens", "right"), ("price", "left")]:
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for r in rows:
        f = r.figures
        table.add_row(r.endpoint, r.load.describe(), f.shape, str(f.tp),
                      f"{f.replicas} / {f.replicas_min}-{f.replicas_max}", f"{f.replica_requests_per_s:,.2f}",
                      f"{f.replica_output_tps:,.0f}", f"{f.usd_per_million_output_tokens:,.2f}", f.price_basis)
    return table


def _billed(changes: list[Change]) -> int:
    return sum(1 for c in changes if not (c.after or c.before).free)  # type: ignore[union-attr]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def estimate_markdown(est: CostEstimate) -> str:
    lines = [f"### Monthly cost: `{est.stack}`", "",
             (f"{'At least ' if est.unpriced else ''}**{_range(est.monthly_min_usd, est.monthly_max_usd)}** per "
             f"month at minimum - maximum scale ({HOURS_PER_MONTH} h, {est.region or est.reference_region} list "
             f"prices; {len(est.unpriced)} resource(s) not priced{', not in the totals' if est.unpriced else ''})."),
             *([f"{est.region_note}."] if est.region_note else []),
             *([f"{len(est.approximate)} resource(s) priced with a derived {est.region} price (another region's "
                "price times a stated factor), not a listed one."] if est.approximate else []),
             "", "| resource | type | min $/month | max $/month | basis |", "|---|---|--:|--:|---|"]
    for i in sorted(est.billed, key=lambda i: (-i.monthly_max_usd, i.name)):
        lines.append(f"| `{i.name}` | `{i.type}` | {i.monthly_min_usd:,.2f} | {i.monthly_max_usd:,.2f} | "
                     f"{_md_escape(i.basis)} |")
    for i in est.unpriced:
        lines.append(f"| `{i.name}` | `{i.type}` | not priced | not priced | {_md_escape(i.basis)} |")
    return "\n".join(lines) + "\n"


def diff_markdown(d: CostDiff, diagram: str | None = None) -> str:
    """The diff as Markdown; ``diagram`` (the Mermaid change diagram of llz.graph) drawn above the table."""
    lines = [f"### Cost diff: `{d.after.stack}` against `{d.before.stack}`", "",
             (f"Monthly: {_range(d.before.monthly_min_usd, d.before.monthly_max_usd)} -> "
             f"**{_range(d.after.monthly_min_usd, d.after.monthly_max_usd)}** "
             f"(**{_signed(d.delta_min)}** at minimum scale, **{_signed(d.delta_max)}** at maximum scale). "
             f"{_billed(d.added)} billed resource(s) added, {_billed(d.removed)} removed, {len(d.changed)} changed "
             "in cost (resources without a charge left out)."), ""]
    if diagram:
        lines += [("Components added (green), removed (red) or changed (amber), with their monthly cost delta at "
                  "minimum to maximum scale; unchanged ones (grey) only where they depend on or are depended on "
                  "by a change."), "", "```mermaid", diagram, "```", ""]
    lines += [f"| change | resource | type | {d.before.stack} | {d.after.stack} | delta min | delta max |",
             "|---|---|---|--:|--:|--:|--:|"]
    for kind, changes in (("added", d.added), ("removed", d.removed), ("changed", d.changed)):
        for c in changes:
            if kind != "changed" and (c.after or c.before).free:  # type: ignore[union-attr]
                continue
            lines.append(f"| {kind} | `{c.name}` | `{c.type}` | {_item_cell(c.before)} | {_item_cell(c.after)} | "
                         f"{_signed(c.delta_min)} | {_signed(c.delta_max)} |")
    unpriced = d.after.unpriced
    if unpriced:
        lines += ["", f"Not priced in `{d.after.stack}`: " + ", ".join(f"`{i.name}` ({_md_escape(i.basis)})"
                                                                        for i in unpriced)]
    return "\n".join(lines) + "\n"


# --- CLI backend --------------------------------------------------------------------------------------------


def load_estimate(stack_or_plan: str | Path, cache: bool | None = None) -> CostEstimate:
    """Estimate a stack (name or Pulumi.<name>.yaml; its plan from the plan cache unless ``cache=False``) or a
    plan JSON written by ``llz preview --json``."""
    path = Path(stack_or_plan)
    if path.suffix == ".json":
        return estimate(Plan.load(str(path)))
    from llmops_landing_zone.llz import offline

    return estimate(offline.plan(stack_or_plan, cache))


def load_plan(stack_or_plan: str | Path, cache: bool | None = None) -> Plan:
    """The plan of a stack (name or Pulumi.<name>.yaml; from the plan cache unless ``cache=False``) or a plan JSON
    written by ``llz preview --json``."""
    path = Path(stack_or_plan)
    if path.suffix == ".json":
        return Plan.load(str(path))
    from llmops_landing_zone.llz import offline

    return offline.plan(stack_or_plan, cache)


def load_per_token(stack_or_plan: str | Path) -> list[EndpointPerToken]:
    """Per-token figures of a stack's endpoints that declare a load; none for a plan JSON (it has no config)."""
    if Path(stack_or_plan).suffix == ".json":
        return []
    from llmops_landing_zone.llz import offline

    _, _, cfg = offline.load(str(stack_or_plan), versions=False)
    return zone_per_token(cfg)


def main(stack: str, against: str | None = None, markdown: Path | None = None,
         console: Console | None = None, as_json: bool = False, cache: bool | None = None) -> int:
    """Print the estimate of ``stack``, or its diff against another stack or plan JSON; optionally as Markdown.
    ``as_json``: the estimate as the plan JSON's ``cost`` object, for machines, plus ``perToken``: one object per
    endpoint with a declared load (components.finops.per_token; empty for none or a plan JSON)."""
    console = console or make_console()
    head = load_plan(stack, cache)
    est = estimate(head)
    loads = load_per_token(stack)
    if as_json and against is None:
        print(json.dumps({**plan_cost_dict(est), "perToken": [r.to_json() for r in loads]}, indent=2))
        return 0
    if against is None:
        console.print(estimate_table(est))
        text = estimate_markdown(est)
    else:
        from llmops_landing_zone.llz import graph

        base = load_plan(against, cache)
        d = diff(estimate(base), est)
        console.print(diff_table(d))
        text = diff_markdown(d, graph.change_mermaid(graph.change_graph(base, head)) if markdown else None)
    if loads:
        console.print(per_token_table(est.stack, loads))
        for r in loads:
            for w in r.figures.warnings:
                console.print(f"[yellow]warning: endpoint {r.endpoint}: {w}[/]", highlight=False)
    if est.region_note:
        console.print(f"note: {est.region_note}", highlight=False)
    if est.approximate:
        console.print(f"[yellow]warning: {len(est.approximate)} resource(s) priced with a derived {est.region} "
                      "price[/] (another region's price times a stated factor: see each basis), not a listed one")
    if est.unpriced:
        console.print(f"[yellow]warning: {len(est.unpriced)} resource(s) not priced[/] (listed above; never counted "
                      "as zero: the totals are a lower bound)")
    if markdown is not None:
        markdown.write_text(text)
        console.print(f"markdown written to {markdown}")
    return 0
