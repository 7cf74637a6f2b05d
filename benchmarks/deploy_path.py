"""Deploy path: per prod reference stack, the estimated first `pulumi up` (the critical path of its deploy graph,
resources and minutes) and its floor (the same graph through NECESSARY edges only), from the dated create
durations in components/catalog/data/create-durations.csv (components/deploy_graph.py says how).

Target (issue "Serving performance", item 6): aws-prod's critical path within 1 minute of its floor; no edge
outside NECESSARY on gcp-prod's or azure-prod's critical path (tests/test_deploy_graph.py enforces both).

    .venv/bin/python benchmarks/deploy_path.py [--stacks aws-prod gcp-prod azure-prod] [--all-edges]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from llmops_landing_zone.components import deploy_graph as dg
    from llmops_landing_zone.llz import offline

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", nargs="+", default=["aws-prod", "gcp-prod", "azure-prod"])
    parser.add_argument("--all-edges", action="store_true", help="also list every spurious edge off the path")
    args = parser.parse_args()

    for stack in args.stacks:
        plan = offline.plan(stack)
        path, floor = dg.critical_path(plan), dg.floor(plan)
        print(f"== {stack}: critical path {path.minutes:.1f} min, floor {floor.minutes:.1f} min "
              f"(+{path.minutes - floor.minutes:.1f})")
        print("critical path (start, +minutes, resource):")
        print(path.describe())
        if floor.steps != path.steps:
            print("floor:")
            print(floor.describe())
        for e in path.spurious():
            print(f"  spurious on the path: {e}")
        if args.all_edges:
            for e in dg.spurious_edges(plan):
                print(f"  spurious edge: {e}")
        assumed = sorted({dg.duration(s.resource.type).type for s in path.steps
                          if dg.duration(s.resource.type).is_assumption and s.minutes >= 1})
        if assumed:
            print(f"  durations on the path that are assumptions: {', '.join(assumed)}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
