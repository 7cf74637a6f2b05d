"""The PR comment: pass/fail per stack, the violations, what is suppressed (and why), and the cost summary.

The first line is a marker the PR workflow looks for, so each run updates one comment instead of adding one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_landing_zone.policies.registry import rule_named

if TYPE_CHECKING:
    from llmops_landing_zone.llz.results import StackResult, Violation

MARKER = "<!-- llz-check:guardrails -->"
MAX_ROWS = 50  # per table; GitHub comments are capped at 65536 characters
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _status(r: StackResult) -> str:
    if r.errors:
        return "❌ invalid config"
    return "✅ pass" if r.passed else "❌ fail"


def _cost(r: StackResult) -> str:
    if not r.cost:
        return "n/a"
    return f"{_usd(r.cost['monthly_min_usd'])} – {_usd(r.cost['monthly_max_usd'])}"


def _budget(r: StackResult) -> str:
    if not r.cost or r.cost.get("budget_usd") is None:
        return "none"
    budget = r.cost["budget_usd"]
    note = ""
    if r.cost["monthly_min_usd"] > budget:
        note = " (below minimum cost)"
    elif r.cost["monthly_max_usd"] > budget:
        note = " (below maximum cost)"
    return f"{_usd(budget)}{note}"


def _link(policy: str) -> str:
    return f"[`{policy}`]({rule_named(policy).url})"


def _violation_rows(violations: list[Violation]) -> list[str]:
    rows = ["| enforcement | severity | policy | resource | finding |", "|---|---|---|---|---|"]
    ordered = sorted(violations, key=lambda v: (v.enforcement != "mandatory", SEVERITY_ORDER.get(v.severity, 9),
                                                v.policy, v.resource))
    for v in ordered[:MAX_ROWS]:
        level = "**mandatory**" if v.enforcement == "mandatory" else "advisory"
        rows.append(f"| {level} | {v.severity} | {_link(v.policy)} | `{_cell(v.resource or '(stack)')}` | "
                    f"{_cell(v.message)} |")
    if len(ordered) > MAX_ROWS:
        rows.append(f"| | | | | … and {len(ordered) - MAX_ROWS} more (see the SARIF / JUnit reports) |")
    return rows


def _suppressed_rows(violations: list[Violation]) -> list[str]:
    rows = ["| policy | resource | enforcement | why accepted |", "|---|---|---|---|"]
    for v in sorted(violations, key=lambda v: (v.policy, v.resource))[:MAX_ROWS]:
        rows.append(f"| {_link(v.policy)} | `{_cell(v.resource or '(stack)')}` | {v.enforcement} | "
                    f"{_cell(v.suppressed_by)} |")
    return rows


def render(results: list[StackResult]) -> str:
    blocking = sum(len(r.mandatory) for r in results)
    invalid = [r for r in results if r.errors]
    if invalid:
        headline = f"❌ **{len(invalid)} stack config(s) invalid**"
    elif blocking:
        headline = f"❌ **{blocking} mandatory violation(s)** block this change"
    else:
        headline = "✅ **all guardrails pass**"
    lines = [MARKER, "## LLMOps guardrails (`llz check`)", "", headline, "",
             "| stack | cloud | env | result | mandatory | advisory | suppressed | monthly cost (min – max) | budget |",
             "|---|---|---|---|--:|--:|--:|--:|---|"]
    for r in results:
        lines.append(f"| `{r.stack}` | {r.cloud or '-'} | {r.environment or '-'} | {_status(r)} | {len(r.mandatory)} | "
                     f"{len(r.advisory)} | {len(r.suppressed)} | {_cost(r)} | {_budget(r)} |")
    for r in results:
        if r.errors:
            lines += ["", f"### `{r.stack}`: invalid stack config (`{r.path}`)", ""]
            lines += [f"- `{_cell(e)}`" for e in r.errors]
            continue
        active = [v for v in r.violations if v.suppressed_by is None]
        suppressed = r.suppressed
        if not active and not suppressed:
            continue
        lines += ["", f"### `{r.stack}` ({r.cloud}, {r.environment}) — {_status(r)}", ""]
        if active:
            lines += [f"<details{' open' if r.mandatory else ''}>",
                      f"<summary>{len(r.mandatory)} mandatory, {len(r.advisory)} advisory finding(s)</summary>", ""]
            lines += _violation_rows(active)
            lines += ["", "</details>"]
        if suppressed:
            lines += ["", "<details>",
                      f"<summary>{len(suppressed)} suppressed or baselined finding(s)</summary>", ""]
            lines += _suppressed_rows(suppressed)
            lines += ["", "</details>"]
    costed = [r for r in results if r.cost]
    if costed:
        lines += ["", "### Cost summary", "",
                  "Monthly estimate of each stack at minimum and maximum scale (`llz cost STACK` for the items).", "",
                  "| stack | minimum | maximum | budget | not priced |", "|---|--:|--:|--:|--:|"]
        for r in costed:
            lines.append(f"| `{r.stack}` | {_usd(r.cost['monthly_min_usd'])} | {_usd(r.cost['monthly_max_usd'])} | "
                         f"{_budget(r)} | {r.cost['unpriced']} |")
    rules = sum(len(r.rules_run) for r in results)
    seconds = sum(r.plan_seconds + r.eval_seconds for r in results)
    footer = (f"<sub>{len(results)} stack(s), {rules} policy evaluations, {seconds:.1f} s of planning and "
              "evaluation. Real-path check: `pulumi preview --stack <stack> --policy-pack policies`.</sub>")
    lines += ["", footer, ""]
    return "\n".join(lines)
