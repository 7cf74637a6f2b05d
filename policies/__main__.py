"""The CrossGuard entry point: ``pulumi preview --stack <stack> --policy-pack policies``.

The only place that builds the PolicyPack: its constructor starts the analyzer's gRPC server and never
returns. Pulumi runs this file with the pack directory first on sys.path (pulumi.policy's runpy), so the
repository root is added to import ``policies`` (and ``llz`` for the budget cost estimate) as packages.

Default enforcement follows the environment of $LLZ_ENVIRONMENT, else the suffix of $PULUMI_STACK (aws-prod ->
prod), else prod. ``llz check --pack-config`` style JSON from ``python -m llz.check pack-config STACK`` passed
with ``--policy-pack-config`` adds the stack's overrides, suppressions and baseline.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.base import REPOSITORY
from policies.registry import PACK_NAME, build_policies, pack_environment

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
