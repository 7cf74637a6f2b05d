"""``llz deploy-path``: the two `pulumi up` passes that deploy a stack from CI (components/deploy_path.py)."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from llmops_landing_zone.components.config.deploy import private_api, runner_enabled
from llmops_landing_zone.components.deploy_path import Passes, passes
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.components.tokens import AWS_CODEBUILD_PROJECT, AZURE_CONTAINER_APPS_JOB

if TYPE_CHECKING:  # annotations only: the loaded config is passed along
    from llmops_landing_zone.components.config.models import ZoneConfig


def runner_project(plan: Plan) -> str | None:
    """The deploy runner's CodeBuild project, as planned."""
    return next((r.inputs.get("name") for r in plan.resources if r.type == AWS_CODEBUILD_PROJECT
                 and "$llmops:aws:DeployRunner$" in r.urn), None)


def runner_labels(plan: Plan) -> list[str] | None:
    """The `runs-on` labels of the Azure deploy runner (a Container Apps job's self-hosted runner), as planned."""
    for r in plan.resources:
        if r.type == AZURE_CONTAINER_APPS_JOB and "$llmops:azure:DeployRunner$" in r.urn:
            env = {e.get("name"): e.get("value") for e in r.inputs["template"]["containers"][0].get("env", [])}
            return str(env["LABELS"]).split(",")
    return None


def runs_on(plan: Plan) -> tuple[str, list[str]]:
    """The cluster pass's runner as text, and its `runs-on` labels ([] when the zone has no runner)."""
    if (project := runner_project(plan)) is not None:
        label = f"codebuild-{project}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"
        return label, [label]
    if (labels := runner_labels(plan)) is not None:
        return f"the self-hosted runner labelled {', '.join(labels)}", labels
    return "a machine inside the zone's network (no deploy runner configured)", []


def report(stack: str, cfg: ZoneConfig, plan: Plan) -> dict[str, Any]:
    split: Passes = passes(plan)
    two = private_api(cfg)
    cloud_in_cluster = split.cloud_resources_in_cluster_pass(plan)
    exclude = " ".join(f"--exclude '{u}'" for u in split.cluster_providers)
    target = " ".join(f"--target '{u}'" for u in split.cluster_providers)
    out: dict[str, Any] = {
        "stack": stack, "privateApiServer": two, "kubernetesProviders": list(split.cluster_providers),
        "passes": [],
    }
    if not two:
        out["passes"].append({"name": "all", "runsOn": "a hosted CI runner", "resources": len(plan.resources),
                              "command": f"pulumi up --stack {stack}"})
        return out
    out["passes"].append({"name": "cloud", "runsOn": "a hosted CI runner with the deploy role",
                          "resources": len(split.cloud),
                          "command": f"pulumi up --stack {stack} {exclude} --exclude-dependents"})
    where, labels = runs_on(plan)
    out["passes"].append({
        "name": "cluster", "runsOn": where, "labels": labels,
        "resources": len(split.in_cluster),
        "cloudResources": dict(sorted(Counter(r.type for r in cloud_in_cluster).items())),
        "command": f"pulumi up --stack {stack} {target} --target-dependents"})
    out["runner"] = runner_enabled(cfg)
    return out


def render(rep: dict[str, Any], json_out: bool) -> str:
    if json_out:
        return json.dumps(rep, indent=2)
    head = (f"{rep['stack']}: the API server is private: two passes" if rep["privateApiServer"]
            else f"{rep['stack']}: the API server is reachable from CI: one pass")
    lines = [head]
    for p in rep["passes"]:
        lines.append(f"  {p['name']} pass ({p['resources']} resources) on {p['runsOn']}:")
        lines.append(f"    {p['command']}")
        if p.get("cloudResources"):
            listed = ", ".join(f"{n} x {t}" for t, n in p["cloudResources"].items())
            lines.append(f"    cloud resources in this pass (the runner's role must allow them): {listed}")
    return "\n".join(lines)
