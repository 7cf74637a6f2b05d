"""The CrossGuard entry point: ``pulumi preview --stack <stack> --policy-pack policies``.

The only place that builds the PolicyPack: its constructor starts the analyzer's gRPC server and never
returns. Pulumi runs this file in the project's virtualenv (PulumiPolicy.yaml), where the package is installed
as ``llmops_landing_zone`` (its policies, and llz for the budget cost estimate).

Default enforcement follows the environment of $LLZ_ENVIRONMENT, else the suffix of $PULUMI_STACK (aws-prod ->
prod), else prod. ``llz check --pack-config`` style JSON from ``python -m llmops_landing_zone.llz.check pack-config STACK`` passed
with ``--policy-pack-config`` adds the stack's overrides, suppressions and baseline.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from llmops_landing_zone.policies.base import REPOSITORY
from llmops_landing_zone.policies.registry import PACK_NAME, build_policies, pack_environment

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(pack_environment()),
    enforcement_level=EnforcementLevel.MANDATORY,  # every policy sets its own level; this is the fallback
    display_name="LLMOps landing zone guardrails",
    description="Multi-cloud, AI-aware and cost-aware guardrails for the LLMOps landing zone (AWS, GCP, Azure, "
                "Kubernetes): CIS controls, private model endpoints and vector stores, GPU pool hygiene, budgets.",
    tags=["aws", "gcp", "azure", "kubernetes", "ai", "finops", "cis"],
    repository=REPOSITORY,
)
