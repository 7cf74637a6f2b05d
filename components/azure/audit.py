"""Audit: the log sink of the zone (a Log Analytics workspace and an immutable storage account) and the
subscription activity log. Every other component sends its own resource logs here through ``LogSink``.

Immutability: an account-level time-based retention policy (version-level WORM) of ``audit.retentionDays``,
inherited by every container, including the ``insights-logs-*`` containers Azure Monitor creates itself (a
container-level policy on a container of ours would not cover them). Azure only creates such a policy
``Unlocked``; ``Locked`` (irreversible: retention can then only grow) is an update of an existing policy.
Neither the container-level ``BlobContainerImmutabilityPolicy`` resource (its state is output-only; locking
is a separate POST action) nor a create can lock it, so locking is the second step of a prod deployment:
``audit.lockImmutability: true`` in the stack file after the first ``pulumi up`` (see the README).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import AzureContext, LogSink, delete_lock, diagnostics
from llmops_landing_zone.components.azure.keys import Keys
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.azure.storage import private_storage, storage_diagnostics
from llmops_landing_zone.components.common import stateful
from llmops_landing_zone.components.naming import name

TYPE = "llmops:azure:Audit"
# Log Analytics interactive retention bounds (PerGB2018); longer periods are kept by the immutable storage.
# https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure
WORKSPACE_RETENTION = (30, 730)
# Activity log categories of a subscription diagnostic setting.
# https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema
ACTIVITY_LOG_CATEGORIES = ("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy",
                           "Autoscale", "ResourceHealth")


@dataclass
class AuditArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: AzureContext
    network: Network  # the resource group and the private endpoint of the audit storage
    keys: Keys  # the customer-managed key of the audit storage
    retention_days: int = 365  # audit.retentionDays: the WORM period and the workspace retention (capped)
    immutable: bool = True  # an account-level WORM policy on the audit storage
    lock_immutability: bool = False  # second deployment step: turn the Unlocked WORM policy into Locked
    environment: str = "prod"  # dev | staging | prod: prod stores geo-zone-redundantly, keeps soft delete longer
    protect: bool = True  # protect + retainOnDelete on the workspace and the audit storage
    deletion_protection: bool = True  # CanNotDelete locks on them


def workspace_retention(days: int) -> int:
    low, high = WORKSPACE_RETENTION
    return min(max(days, low), high)


def immutability_policy(immutable: bool, retention_days: int, lock: bool) -> dict | None:
    """The account-level WORM policy when ``immutable``; append writes stay allowed so Azure Monitor can
    keep appending to its log blobs while nothing already written can change."""
    if not immutable:
        return None
    return {"enabled": True, "immutability_policy": {
        "immutability_period_since_creation_in_days": retention_days,
        "allow_protected_append_writes": True,
        "state": "Locked" if lock else "Unlocked"}}


class Audit(pulumi.ComponentResource):
    def __init__(self, name_: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        z, ctx, network, keys = args.name, args.ctx, args.network, args.keys
        prod = args.environment == "prod"
        rg = network.resource_group.name
        self.workspace = azure.operationalinsights.Workspace(
            name(z, "logs"), workspace_name=name(z, "logs"), resource_group_name=rg,
            location=ctx.location, sku={"name": "PerGB2018"},
            retention_in_days=workspace_retention(args.retention_days),
            # Entra ID only; readers need access to the resources whose logs they query.
            features={"disable_local_auth": True, "enable_log_access_using_only_resource_permissions": True},
            # Ingestion: nothing in the zone writes through the public ingestion endpoint. Resource logs arrive
            # through diagnostic settings, which Azure Monitor delivers over its own backbone whatever this
            # setting says; the one agent (Container Insights for the AI gateway's access records,
            # components/azure/gateway_logs.py) ingests through the zone's Private Link Scope; App Insights
            # ingests through its own endpoint. Query stays enabled on purpose: the zone's Private Link Scope
            # (components/azure/monitoring.py) gives the VNet a private query path, but "Disabled" would lock out
            # readers outside it, the portal included; queries still need Entra ID (no local auth) and resource
            # permissions.
            public_network_access_for_ingestion="Disabled",
            public_network_access_for_query="Enabled",
            opts=stateful(args.protect, self))
        delete_lock(name(z, "logs-lock"), z, scope=self.workspace.id, parent=self,
                    what="the audit log workspace", deletion_protection=args.deletion_protection)

        # Azure Monitor writes diagnostic logs as a trusted service, which a private endpoint cannot carry.
        self.storage = private_storage(
            name(z, "audit-store"), names.AUDIT_STORAGE.render(z, suffix=ctx.suffix), z, ctx,
            keys=keys, network=network, parent=self, sku="Standard_GZRS" if prod else "Standard_LRS",
            soft_delete_days=30 if prod else 7, protect=args.protect,
            deletion_protection=args.deletion_protection, trusted_services_only=True,
            immutability=immutability_policy(args.immutable, args.retention_days, args.lock_immutability))
        self.sink = LogSink(self.workspace.id, self.storage.account.id)

        # The subscription's activity log (control-plane operations on every resource), CIS Azure 6.1.1.1.
        self.activity_log = azure.monitor.SubscriptionDiagnosticSetting(
            name(z, "activity-log"), name=name(z, "activity-log"), workspace_id=self.workspace.id,
            storage_account_id=self.storage.account.id,
            logs=[{"category": c, "enabled": True} for c in ACTIVITY_LOG_CATEGORIES],
            opts=pulumi.ResourceOptions(parent=self))

        # The sink's own logs: who queried the audit workspace goes to both sinks; the audit storage's access
        # logs go to the workspace only (written into the same account, every log write would log again).
        diagnostics(name(z, "logs-diag"), z, resource_id=self.workspace.id, sink=self.sink, parent=self)
        storage_diagnostics(name(z, "audit-store"), z, self.storage, self.sink.workspace_only(), self)
        self.register_outputs({"workspaceId": self.workspace.id, "auditStorageId": self.storage.account.id})
