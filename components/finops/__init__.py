"""FinOps: the monthly cost of a recorded plan at minimum and maximum scale, and the diff between two plans.

One price rule per resource type and cloud (``aws``, ``gcp``, ``azure``), the shared model in ``model``, the
diff in ``diff``. Rendering (tables, Markdown) is the CLI's (llz/cost.py); policies read estimates from here.
"""

from __future__ import annotations

import re
from typing import Any

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.finops.aws import AWS_FREE_PREFIXES, AWS_RULES
from llmops_landing_zone.components.finops.azure import AZURE_FREE_PREFIXES, AZURE_RULES
from llmops_landing_zone.components.finops.diff import Change, CostDiff, diff
from llmops_landing_zone.components.finops.gcp import GCP_FREE_PREFIXES, GCP_RULES
from llmops_landing_zone.components.finops.model import (
    HOURS_PER_MONTH,
    CostEstimate,
    CostItem,
    Ctx,
    Result,
    Unpriced,
    free,
    identity,
)
from llmops_landing_zone.components.plan import Plan, PlannedResource

RULES = {"aws": AWS_RULES, "gcp": GCP_RULES, "azure": AZURE_RULES}
FREE_PREFIXES = {
    "aws": AWS_FREE_PREFIXES, "gcp": GCP_FREE_PREFIXES, "azure": AZURE_FREE_PREFIXES,
}
COMMON_FREE_PREFIXES = {
    "kubernetes:": "in-cluster object (runs on the nodes priced above)",
    "random:": "local value", "tls:": "local value", "command:": "local command",
}


# GCP's per-resource IAM types (topicIAMMember, bucketIAMBinding, ...) and Azure role assignments
_IAM_TYPE = re.compile(r"IAM(Member|Binding|Policy|AuditConfig)$|RoleAssignment$")


def price(r: PlannedResource, ctx: Ctx) -> Result:
    rule = RULES.get(ctx.cloud, {}).get(r.type)
    if rule is not None:
        return rule(r, ctx)
    if _IAM_TYPE.search(r.type):
        return free("IAM")
    for prefixes in (FREE_PREFIXES.get(ctx.cloud, {}), COMMON_FREE_PREFIXES):
        for prefix, what in prefixes.items():
            if r.type.startswith(prefix):
                return free(what)
    return Unpriced(f"no price rule for {r.type}")


def estimate(plan: Plan) -> CostEstimate:
    """Price every custom resource of a plan at minimum and maximum scale."""
    ctx = Ctx(plan)
    items = []
    for r in sorted(plan.resources, key=lambda r: r.urn):  # stable output: registration order varies
        if not r.custom or r.is_provider:
            continue
        result = price(r, ctx)
        if isinstance(result, Unpriced):
            items.append(CostItem(r.urn, r.type, r.name, 0.0, 0.0, result.reason, False))
        else:
            items.append(CostItem(r.urn, r.type, r.name, round(result.min, 2), round(result.max, 2),
                                  result.basis, True, result.approximate))
    reference = next(iter(catalog.items(plan.cloud).values())).region if plan.cloud in catalog.CLOUDS else ""
    return CostEstimate(plan.stack, plan.cloud, plan.environment, items, reference, ctx.region)


def plan_cost_dict(est: CostEstimate) -> dict[str, Any]:
    """The plan JSON's ``cost`` block (DESIGN.md), plus the maximum-scale total and what is not priced."""
    return {
        "monthlyUsd": est.monthly_min_usd,
        "monthlyUsdMax": est.monthly_max_usd,
        "hoursPerMonth": HOURS_PER_MONTH,
        "region": est.region,
        "referenceRegion": est.reference_region,
        "regionNote": est.region_note,
        "approximate": [{"urn": i.urn, "type": i.type, "basis": i.basis} for i in est.approximate],
        "items": [{"urn": i.urn, "type": i.type, "monthlyUsd": i.monthly_min_usd, "monthlyUsdMax": i.monthly_max_usd,
                   "basis": i.basis} for i in est.items if i.priced],
        "unpriced": [{"urn": i.urn, "type": i.type, "reason": i.basis} for i in est.unpriced],
    }


__all__ = ["HOURS_PER_MONTH", "Change", "CostDiff", "CostEstimate", "CostItem", "diff", "estimate", "identity",
           "plan_cost_dict", "price"]
