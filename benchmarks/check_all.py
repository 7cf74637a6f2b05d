"""`llz check` over every reference stack: wall time, and the share of it spent in rule evaluation.

Three measurements:
1. end to end, cold: the `llz check --sarif --markdown --junit` command as CI runs it (a fresh process: start-up,
   parallel planning in at most two worker processes, evaluation, reports) with an empty plan cache (a temporary
   $LLZ_CACHE_DIR), timed from outside;
2. end to end, warm: the same command again on the cache the cold run filled (validation, evaluation and cost
   still run; only the program runs under the mock runtime are skipped: llz/cache.py);
3. instrumented: the cold work in this process (``check_plans`` without the cache + the three reports), with the
   time each worker spent planning and evaluating rules, so the rule-evaluation share is measured, not guessed.

Targets: cold under 20 s for six stacks on two cores (issue 5), warm under 5 s; rule evaluation under 10% of
the total.
The machine's load average is printed too: other work on the two cores inflates the wall time.

    .venv/bin/python benchmarks/check_all.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def end_to_end(out: Path, cache_dir: Path) -> tuple[float, int]:
    llz = ROOT / ".venv" / "bin" / "llz"
    cmd = [str(llz)] if llz.exists() else [sys.executable, "-m", "llmops_landing_zone.llz.cli"]
    env = {k: v for k, v in os.environ.items() if k != "LLZ_NO_CACHE"}
    env["LLZ_CACHE_DIR"] = str(cache_dir)
    started = time.perf_counter()
    proc = subprocess.run([*cmd, "check", "--sarif", str(out / "llz.sarif"), "--markdown", str(out / "llz.md"),
                           "--junit", str(out / "llz.xml")], cwd=ROOT, capture_output=True, text=True, check=False,
                          env=env)
    return time.perf_counter() - started, proc.returncode


def cold_and_warm(out: Path) -> tuple[tuple[float, int], tuple[float, int]]:
    """One run on an empty cache, then one on the cache it filled."""
    with tempfile.TemporaryDirectory(prefix="llz-bench-plans-") as cache_dir:
        cold = end_to_end(out, Path(cache_dir))
        warm = end_to_end(out, Path(cache_dir))
    return cold, warm


def instrumented() -> dict[str, float]:
    import json

    from llmops_landing_zone.llz.check import check_plans
    from llmops_landing_zone.llz.offline import all_stacks
    from llmops_landing_zone.llz.reports import junit, markdown, sarif

    stacks = all_stacks()
    started = time.perf_counter()
    results = check_plans(stacks, cache=False)
    json.dumps(sarif.render(results))
    markdown.render(results)
    junit.render(results)
    wall = time.perf_counter() - started
    plan = sum(r.plan_seconds for r in results)
    evaluation = sum(r.eval_seconds for r in results)
    return {"stacks": len(stacks), "resources": sum(r.resources for r in results),
            "rules": sum(len(r.rules_run) for r in results), "wall": wall, "plan": plan, "eval": evaluation,
            "mandatory": sum(len(r.mandatory) for r in results), "errors": sum(len(r.errors) for r in results)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is kept")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory() as tmp:
        e2e = [cold_and_warm(Path(tmp)) for _ in range(args.repeat)]
    best_e2e, code = min(c for c, _ in e2e)
    best_warm, warm_code = min(w for _, w in e2e)
    print(f"llz check (end to end, every reference stack), cold (empty plan cache): {best_e2e:.2f} s, "
          f"exit status {code}")
    print(f"llz check (end to end, every reference stack), warm (cached plans): {best_warm:.2f} s, "
          f"exit status {warm_code}")

    runs = [instrumented() for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["wall"])
    share_wall = best["eval"] / best["wall"]
    share_work = best["eval"] / (best["plan"] + best["eval"])
    print(f"instrumented: {best['stacks']:.0f} stacks, {best['resources']:.0f} resources, "
          f"{best['rules']:.0f} policy runs, {best['mandatory']:.0f} mandatory violations, "
          f"{best['errors']:.0f} config errors")
    print(f"  wall {best['wall']:.2f} s; planning {best['plan']:.2f} s and rule evaluation {best['eval'] * 1000:.1f} ms "
          f"summed over the workers")
    print(f"  rule evaluation: {share_wall:.2%} of the wall time, {share_work:.2%} of the workers' planning + "
          "evaluation time")
    print(f"targets: cold < 20 s -> {'met' if best_e2e < 20 else 'NOT met'}; warm < 5 s -> "
          f"{'met' if best_warm < 5 else 'NOT met'}; rule evaluation < 10% -> "
          f"{'met' if share_wall < 0.10 else 'NOT met'}")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
