"""Cost allocation: every cost-bearing resource carries the zone's tags (AWS, Azure) or labels (GCP)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import ENV_TAG, PROD, ZONE_TAG, Context, Resource, resource_rule
from llmops_landing_zone.policies.values import get, is_unknown

# Where each cost-bearing type keeps its tags. GKE clusters keep them in resource labels (which the zone's
# auto-tagging, working on ``labels``, does not reach); GKE propagates cluster resource labels to the node VMs
# and disks of every pool, so node pools are covered through their cluster.
TAG_PATHS: dict[str, str] = {
    t.EKS_CLUSTER: "tags", t.EKS_NODE_GROUP: "tags", t.SAGEMAKER_ENDPOINT_CONFIG: "tags",
    t.AWS_SAGEMAKER_ENDPOINT: "tags", t.AOSS_COLLECTION: "tags", t.RDS_CLUSTER: "tags",
    t.AWS_NAT_GATEWAY: "tags",
    t.GKE_CLUSTER: "resourceLabels", t.VERTEX_ENDPOINT: "labels",
    t.VERTEX_INDEX: "labels", t.VERTEX_INDEX_ENDPOINT: "labels", t.ALLOYDB_CLUSTER: "labels",
    t.GCS_BUCKET: "labels",
    t.AKS_CLUSTER: "tags", t.AKS_AGENT_POOL: "tags", t.SEARCH_SERVICE: "tags", t.COSMOS_ACCOUNT: "tags",
    t.ML_WORKSPACE: "tags", t.ML_ONLINE_ENDPOINT: "tags", t.STORAGE_ACCOUNT: "tags",
}


def _label_key(key: str) -> str:
    """components.common.zone_labels spelling: snake_case, lower case, [a-z0-9_-]."""
    return re.sub(r"[^a-z0-9_-]", "_", re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower())[:63]


@resource_rule(
    name="cost-allocation-tags", scope="multi-cloud", types=list(TAG_PATHS), severity="medium", enforcement=PROD,
    description=f"Cost-bearing resources (clusters, node pools, endpoints, vector stores, NAT) carry the zone's "
                f"cost-allocation tags ({ZONE_TAG}, {ENV_TAG}) so GPU spend is attributable.",
    remediation="Create resources under the LandingZone (its auto-tagging transformation adds tags/labels); "
                "set GKE resource_labels explicitly (components.common.zone_labels).",
    config={"requiredTags": {"type": "array", "items": {"type": "string"}, "default": [ZONE_TAG, ENV_TAG],
                             "description": "tag keys every cost-bearing resource must carry"}},
    config_path="tags", properties=tuple(sorted(set(TAG_PATHS.values()))))
def cost_allocation_tags(r: Resource, ctx: Context) -> Iterator[str]:
    path = TAG_PATHS[r.type]
    tags = get(r.props, path, {})
    if is_unknown(tags):
        return
    if not isinstance(tags, dict):
        tags = {}
    gcp = r.type.startswith("gcp:")
    required = [_label_key(k) if gcp else k for k in ctx.config.get("requiredTags", [ZONE_TAG, ENV_TAG])]
    missing = [k for k in required if k not in tags]
    if missing:
        yield f"{path} lacks {', '.join(missing)}"
