"""``llz check``: the guardrail pack over offline plans, with SARIF, Markdown and JUnit reports.

Stacks are planned in parallel processes (at most two: planning is CPU-bound and the CI runners have two
cores); each worker plans one stack, evaluates the pack (timed separately from planning) and estimates its
cost. Suppressions and the baseline come from the stack config (``llmops:zone.policy``); suppressed and
baselined findings are kept and shown in every report, they just never fail the check.

``llz policy config STACK`` prints the ``--policy-pack-config`` JSON for ``pulumi preview`` (``pack_config``) and
``llz policy baseline STACK`` a baseline accepting every current finding (``baseline``).
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from llmops_landing_zone.components.config import ConfigError
from llmops_landing_zone.components.config.errors import key_path
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz.console import console as make_console
from llmops_landing_zone.llz.results import StackResult, Violation
from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.base import Resource, Stack
from llmops_landing_zone.policies.registry import Settings, Suppression

if TYPE_CHECKING:  # the policy settings come from the loaded config's policy block
    from llmops_landing_zone.components.config import ZoneConfig

MAX_WORKERS = 2


# --- settings from the stack config ------------------------------------------------------------------------

def baseline_path(cfg: ZoneConfig, stack_file: Path | None) -> Path | None:
    """``policy.baseline`` is relative to the directory holding the stack file (stacks/)."""
    if not cfg.policy.baseline:
        return None
    path = Path(cfg.policy.baseline)
    if path.is_absolute():
        return path
    from llmops_landing_zone.llz.offline import stacks_dir

    return (stack_file.parent if stack_file is not None else stacks_dir()) / path


def load_baseline(path: Path) -> set[tuple[str, str]]:
    """A baseline file: a JSON list of {"policy": name, "urn": urn}."""
    data = json.loads(path.read_text())
    if not isinstance(data, list) or not all(isinstance(e, dict) and {"policy", "urn"} <= set(e) for e in data):
        raise ValueError("expected a JSON list of {\"policy\": ..., \"urn\": ...} objects")
    return {(str(e["policy"]), str(e["urn"])) for e in data}


def policy_issues(cfg: ZoneConfig, stack_file: Path | None = None) -> list[tuple[str, str]]:
    """Config errors of ``llmops:zone.policy`` only the pack can find: unknown policy names, a bad baseline."""
    names = {r.name for r in registry.rules()}
    issues = []
    for name in cfg.policy.enforcement:
        if name != "all" and name not in names:
            issues.append((f"policy.enforcement.{name}", f"unknown policy '{name}'"))
    for i, s in enumerate(cfg.policy.suppressions):
        if not any(registry.base.matches(s.policy, n) for n in names):
            issues.append((f"policy.suppressions.{i}.policy", f"'{s.policy}' matches no policy of the pack"))
    path = baseline_path(cfg, stack_file)
    if path is not None:
        try:
            load_baseline(path)
        except FileNotFoundError:
            issues.append(("policy.baseline", f"baseline file {path} not found"))
        except ValueError as exc:
            issues.append(("policy.baseline", f"baseline file {path} is not valid: {exc}"))
    return issues


def settings_for(cfg: ZoneConfig, stack_file: Path | None = None) -> Settings:
    path = baseline_path(cfg, stack_file)
    baseline = load_baseline(path) if path is not None and path.exists() else set()
    return Settings(
        environment=cfg.environment,
        enforcement=dict(cfg.policy.enforcement),
        suppressions=[Suppression(s.policy, s.resource, s.reason) for s in cfg.policy.suppressions],
        baseline=baseline,
        baseline_source=path.name if path is not None else "",
    )


# --- evaluation ------------------------------------------------------------------------------------------

def stack_view(plan: Plan, estimator: Callable[[Stack], Any] | None = None) -> Stack:
    resources = [Resource.of(r.type, r.name, r.urn, r.inputs, protect=r.protect, retain_on_delete=r.retainOnDelete,
                             parent=r.parent, dependencies=tuple(r.dependencies))
                 for r in plan.resources if not r.is_provider]
    return Stack(plan.stack, plan.environment, resources, plan=plan,
                 estimator=estimator if estimator is not None else registry.default_estimator)


def evaluate_timed(plan: Plan, cfg: ZoneConfig, stack_file: Path | None = None,
                   estimator: Callable[[Stack], Any] | None = None) -> tuple[list[Violation], float, list[str]]:
    settings = settings_for(cfg, stack_file)
    started = time.perf_counter()
    stack = stack_view(plan, estimator)
    result = registry.evaluate(stack, settings)
    seconds = time.perf_counter() - started
    violations = [
        Violation(policy=f.rule.name, enforcement=f.level, severity=f.rule.severity, urn=f.urn, message=f.message,
                  suppressed_by=f.suppressed_by or (f"baseline {settings.baseline_source}" if f.baselined else None),
                  resource=f.resource, baselined=f.baselined)
        for f in result.findings
    ]
    return violations, seconds, [r.name for r in result.rules_run]


def evaluate(plan: Plan, cfg: ZoneConfig, estimator: Callable[[Stack], Any] | None = None) -> list[Violation]:
    """The pack's findings on one plan (``llz preview`` fills plan.policy with them)."""
    from llmops_landing_zone.llz.offline import resolve_stack

    _, path = resolve_stack(plan.stack)
    return evaluate_timed(plan, cfg, path if path.exists() else None, estimator)[0]


def _relative(path: Path) -> str:
    from llmops_landing_zone.llz.offline import project_root

    try:
        return str(path.resolve().relative_to(project_root().resolve()))
    except ValueError:
        return str(path)


def check_stack(stack: str, cache: bool | None = None) -> StackResult:
    """Plan one stack (from the plan cache when unchanged: llz/cache.py; ``cache=False`` plans afresh), evaluate
    the pack, estimate its cost (runs in a worker process)."""
    from llmops_landing_zone.llz import offline
    from llmops_landing_zone.llz.engine import OfflineRunError

    name, path = offline.resolve_stack(stack)
    result = StackResult(stack=name, path=_relative(path))
    try:
        name, path, cfg = offline.load(stack)
    except ConfigError as exc:
        result.errors = exc.lines
        return result
    result.cloud, result.environment = cfg.cloud, cfg.environment
    if issues := policy_issues(cfg, path):
        result.errors = [f"{key_path(p)}: {m}" for p, m in issues]
        return result
    started = time.perf_counter()
    try:
        plan = offline.plan_loaded(name, path, cfg, cache)
    except OfflineRunError as exc:
        result.errors = [f"the program failed offline: {exc}"]
        return result
    result.plan_seconds = time.perf_counter() - started
    result.resources = sum(1 for r in plan.resources if not r.is_provider)
    estimate = _estimate(plan)
    result.violations, result.eval_seconds, result.rules_run = evaluate_timed(
        plan, cfg, path, estimator=lambda _stack: estimate)
    if estimate is not None:
        result.cost = {"monthly_min_usd": estimate.monthly_min_usd, "monthly_max_usd": estimate.monthly_max_usd,
                       "unpriced": len(estimate.unpriced),
                       "budget_usd": cfg.budget.monthly_limit_usd if cfg.budget else None}
    return result


def _estimate(plan: Plan) -> Any:
    try:
        from llmops_landing_zone.components.finops import estimate
    except ImportError:
        return None
    return estimate(plan)


def check_many(stacks: list[str], cache: bool | None = None) -> list[StackResult]:
    return [check_stack(s, cache) for s in stacks]


def _cloud_of(stack: str) -> str:
    from llmops_landing_zone.components.config import read_stack_file
    from llmops_landing_zone.llz import offline

    try:
        zone = read_stack_file(offline.resolve_stack(stack)[1]).get("llmops:zone")
    except ConfigError:
        return ""
    return str(zone.get("cloud", "")) if isinstance(zone, dict) else ""


def partition(stacks: list[str], workers: int) -> list[list[str]]:
    """Balanced shares (at most ceil(n / workers) stacks each) that keep a cloud's stacks together where they
    fit: a process pays the first-plan warm-up of a cloud's SDK modules once per cloud it plans."""
    target = -(-len(stacks) // workers)
    by_cloud: dict[str, list[str]] = {}
    for s in stacks:
        by_cloud.setdefault(_cloud_of(s), []).append(s)
    shares: list[list[str]] = [[] for _ in range(workers)]
    clouds: list[set[str]] = [set() for _ in range(workers)]
    for cloud, group in sorted(by_cloud.items(), key=lambda kv: -len(kv[1])):
        for s in group:
            open_ = [i for i in range(workers) if len(shares[i]) < target]
            same = [i for i in open_ if cloud in clouds[i]]
            i = same[0] if same else min(open_, key=lambda j: len(shares[j]))
            shares[i].append(s)
            clouds[i].add(cloud)
    return [s for s in shares if s]


def check_plans(stacks: Sequence[str], cache: bool | None = None) -> list[StackResult]:
    """Check every stack, in parallel processes (at most two); results in the order given."""
    stacks = list(stacks)
    if len(stacks) <= 1:
        return check_many(stacks, cache)
    shares = partition(stacks, min(MAX_WORKERS, len(stacks)))
    # spawn, not fork: the parent may already hold Pulumi runtime threads and gRPC state (pytest, llz).
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=ctx) as pool:
        done = {r.stack: r for share in pool.map(functools.partial(check_many, cache=cache), shares) for r in share}
    return [done[offline_name(s)] for s in stacks]


def offline_name(stack: str) -> str:
    from llmops_landing_zone.llz import offline

    return offline.resolve_stack(stack)[0]


# --- output ----------------------------------------------------------------------------------------------

LEVEL_STYLE = {"mandatory": "bold red", "advisory": "yellow"}


def stack_table(result: StackResult) -> Table:
    status = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
    title = (f"{result.stack} ({result.cloud}, {result.environment}): {status} - {len(result.mandatory)} mandatory, "
             f"{len(result.advisory)} advisory, {len(result.suppressed)} suppressed; {result.resources} resources, "
             f"{len(result.rules_run)} policies")
    table = Table(title=title, title_justify="left", show_lines=False)
    for col in ("enforcement", "severity", "policy", "resource", "message"):
        table.add_column(col, overflow="fold")
    order = {"mandatory": 0, "advisory": 1}
    for v in sorted(result.violations, key=lambda v: (v.suppressed_by is not None, order.get(v.enforcement, 2),
                                                      v.policy, v.resource)):
        level = f"[{LEVEL_STYLE.get(v.enforcement, '')}]{v.enforcement}[/]" if v.suppressed_by is None else \
            f"[dim]{v.enforcement} (suppressed)[/]"
        message = v.message if v.suppressed_by is None else f"{v.message} [dim]- suppressed: {v.suppressed_by}[/]"
        table.add_row(level, v.severity, v.policy, v.resource or "(stack)", message)
    return table


def print_results(results: list[StackResult], console: Console) -> None:
    for result in results:
        if result.errors:
            console.print(f"[red]{result.stack}[/] ({result.path}): invalid stack config")
            for line in result.errors:
                console.print(f"  {line}", highlight=False)
            continue
        console.print(stack_table(result))
    blocking = sum(len(r.mandatory) for r in results)
    failed = [r.stack for r in results if not r.passed]
    console.print(f"{len(results)} stack(s) checked: {len(results) - len(failed)} passed"
                  + (f", failed: {', '.join(failed)}" if failed else "") + f"; {blocking} mandatory violation(s)")


def results_json(results: list[StackResult]) -> list[dict[str, Any]]:
    """Every stack's findings, config errors and cost figures, for machines (``llz check --json``)."""
    out = []
    for r in results:
        data = asdict(r)
        data["passed"] = r.passed
        out.append(data)
    return out


def main(stacks: Sequence[str], sarif: Path | None = None, markdown: Path | None = None,
         junit: Path | None = None, console: Console | None = None, as_json: bool = False,
         cache: bool | None = None) -> int:
    """Exit status: 2 if a stack config is invalid, else 1 on any mandatory violation, else 0. ``cache=False``:
    plan every stack afresh (``--no-cache``)."""
    from llmops_landing_zone.llz import offline
    from llmops_landing_zone.llz.reports import junit as junit_report
    from llmops_landing_zone.llz.reports import markdown as markdown_report
    from llmops_landing_zone.llz.reports import sarif as sarif_report

    # CI logs are not terminals: rich would wrap the tables at 80 columns.
    console = console or make_console()
    results = check_plans(list(stacks) or offline.all_stacks(), cache)
    if as_json:
        print(json.dumps(results_json(results), indent=2))
    else:
        print_results(results, console)
    if sarif is not None:
        sarif.write_text(json.dumps(sarif_report.render(results), indent=2) + "\n")
    if markdown is not None:
        markdown.write_text(markdown_report.render(results))
    if junit is not None:
        junit.write_text(junit_report.render(results))
    if any(r.errors for r in results):
        return 2
    return 1 if any(r.mandatory for r in results) else 0


# --- pack config and baselines for the real CLI path ---------------------------------------------------------

def pack_config(stack: str) -> dict[str, Any]:
    """``--policy-pack-config`` JSON for ``pulumi preview --stack <stack> --policy-pack policies``."""
    from llmops_landing_zone.llz import offline

    _, path, cfg = offline.load(stack)
    return registry.pack_config(settings_for(cfg, path))


def baseline(stack: str) -> list[dict[str, str]]:
    """Every current unsuppressed finding of a stack as baseline entries (adopt the pack, see only new ones)."""
    result = check_stack(stack)
    if result.errors:
        raise ConfigError([("", e) for e in result.errors], stack)
    return sorted(({"policy": v.policy, "urn": v.urn or ""} for v in result.violations
                   if v.suppressed_by is None or v.baselined), key=lambda e: (e["policy"], e["urn"]))
