"""Stateful resources in prod: protected from `pulumi destroy` and config slips, databases deletion-protected."""

from __future__ import annotations

from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import PROD, Context, Resource, resource_rule
from llmops_landing_zone.policies.values import get, is_unknown, not_true

# Everything holding user data or the keys to it (components.common.stateful is applied to these).
STATEFUL_TYPES = (
    t.KMS_KEY, *t.S3_BUCKETS, t.LOG_GROUP, t.AOSS_COLLECTION, t.RDS_CLUSTER, t.CLOUDTRAIL,
    t.GCP_KMS_KEY, t.GCP_KMS_KEY_RING, t.GCS_BUCKET, t.ALLOYDB_CLUSTER, t.VERTEX_INDEX, t.GCP_LOG_BUCKET,
    t.KEY_VAULT, t.KEY_VAULT_KEY, t.STORAGE_ACCOUNT, t.SEARCH_SERVICE, t.COSMOS_ACCOUNT, t.LOG_ANALYTICS_WORKSPACE,
    t.ML_WORKSPACE,
)


@resource_rule(
    name="stateful-protected-in-prod", scope="multi-cloud", types=STATEFUL_TYPES, severity="high",
    enforcement=PROD, environments=("prod",),
    description="In prod, resources holding data or keys (keys, buckets, logs, vector stores, databases, "
                "trails) are protected and retained on delete, so no config change or destroy can remove them.",
    remediation="Create them with components.common.stateful(cfg, parent) (protect + retainOnDelete in prod).",
    config_path="protectStateful", properties=("protect", "retainOnDelete"))
def stateful_protected(r: Resource, ctx: Context) -> Iterator[str]:
    if r.protect is False:
        yield "not protected (protect=false): a replace or destroy deletes it"
    if r.retain_on_delete is False:  # only the offline plan knows it; CrossGuard does not see the option
        yield "not retained on delete (retainOnDelete=false)"


@resource_rule(
    name="database-deletion-protection", scope="multi-cloud", types=[t.RDS_CLUSTER, t.ALLOYDB_CLUSTER],
    severity="high", enforcement=PROD, environments=("prod",),
    description="In prod, vector-store databases (Aurora, AlloyDB) have the cloud's own deletion protection on.",
    remediation="Leave deletionProtection at its default (on outside dev; aws deletion_protection, gcp "
                "deletion_protection + deletion_policy).",
    config_path="deletionProtection", properties=("deletionProtection",))
def database_deletion_protection(r: Resource, ctx: Context) -> Iterator[str]:
    value = get(r.props, "deletionProtection")
    if r.type == t.ALLOYDB_CLUSTER and value is None:
        return  # AlloyDB's provider default is on (deletion_protection defaults to true)
    if not is_unknown(value) and not_true(value):
        yield "deletionProtection is not true"
