"""Cold start per reference endpoint: node provision, image pull, weight load and engine start, before (issue 12's
measured settings) and after (what the plan configures), from components/coldstart.py. Every node and serving
input is read from the recorded plan; the rest are the sourced assumptions in that module.

    .venv/bin/python benchmarks/cold_start.py [--stacks aws-prod gcp-prod azure-prod]
"""

from __future__ import annotations

import argparse


def main() -> int:
    from llmops_landing_zone.components import coldstart as cs
    from llmops_landing_zone.llz import offline

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", nargs="+", default=["aws-prod", "gcp-prod", "azure-prod"])
    args = parser.parse_args()
    print(f"{'stack':<11} {'endpoint':<10} {'':<7} {'node':>6} {'image':>6} {'weights':>8} {'engine':>7} {'total':>8}")
    for stack in args.stacks:
        plan = offline.plan(stack)
        for name in _vllm_endpoints(plan):
            node, serving = cs.settings_from_plan(plan, name)
            for label, est in (("before", cs.estimate(*cs.today(plan.cloud, node, serving))),
                               ("after", cs.estimate(node, serving))):
                print(f"{stack:<11} {name:<10} {label:<7} {est.provision_s:>5.0f}s {est.image_s:>5.0f}s "
                      f"{est.weights_s:>7.0f}s {est.engine_s:>6.0f}s {est.minutes:>6.1f}min")
            print(f"{'':<11} {'':<10} settings: {node} {serving}")
    return 0


def _vllm_endpoints(plan) -> list[str]:
    return [r.inputs["metadata"]["name"] for r in plan.of_type("kubernetes:apps/v1:Deployment")
            if any(c["name"] == "vllm" for c in r.inputs["spec"]["template"]["spec"]["containers"])]


if __name__ == "__main__":
    raise SystemExit(main())
