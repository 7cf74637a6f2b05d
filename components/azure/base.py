"""Shared Azure building blocks: the subscription context, built-in roles, role assignments, diagnostic settings
and resource locks. Every Azure entity module uses these, so an RBAC grant, a log sink or a lock is written once.

Azure-native resources get a random physical name when none is given; every resource here passes its name
explicitly, so names (and therefore URNs and ARM ids) are deterministic.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.names import subscription_suffix

# Built-in role definition ids: the same GUID in every tenant.
# https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
ROLES: dict[str, str] = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    "Azure Kubernetes Service RBAC Writer": "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Azure Kubernetes Service RBAC Admin": "3498e952-d568-435e-9b2c-8d77e338d7f7",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",  # query an Azure Monitor workspace
    "Grafana Admin": "22926164-76b3-42b3-bc55-97df8dab3e41",  # Azure Managed Grafana: admin of the instance
}
# Roles this package must never grant (least privilege; the policy pack checks the plan for them too).
FORBIDDEN_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
# Cosmos DB data-plane roles (not ARM roles): sqlRoleDefinitions of every account.
# https://learn.microsoft.com/azure/cosmos-db/nosql/security/reference-data-plane-roles
COSMOS_DATA_READER = "00000000-0000-0000-0000-000000000001"
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"

# A fixed namespace for role-assignment names (they must be GUIDs): uuid5 of it and a stable key.
_ASSIGNMENT_NAMESPACE = uuid.UUID("5d3a2f4e-8c1b-4f5e-9a7d-2b6c0e1f3a48")


@dataclass(frozen=True)
class AzureContext:
    """Where the zone is deployed: resolved once per program from the provider's credentials."""

    subscription_id: str
    tenant_id: str
    deployer_object_id: str  # the identity running `pulumi up` (a user, or a CI service principal)
    location: str

    @classmethod
    def lookup(cls, location: str) -> AzureContext:
        client = azure.authorization.get_client_config()
        return cls(client.subscription_id, client.tenant_id, client.object_id, location)

    @property
    def suffix(self) -> str:
        """The deterministic suffix of globally unique names (see names.py)."""
        return subscription_suffix(self.subscription_id)

    @property
    def subscription_scope(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    def resource_group_id(self, name: str) -> str:
        return f"{self.subscription_scope}/resourceGroups/{name}"

    def role(self, name: str) -> str:
        """Full role definition id of a built-in role, e.g. ``role("Storage Blob Data Reader")``."""
        return f"{self.subscription_scope}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[name]}"


@dataclass(frozen=True)
class LogSink:
    """Where diagnostic settings send logs: the audit Log Analytics workspace and the immutable storage."""

    workspace_id: pulumi.Input[str]
    storage_account_id: pulumi.Input[str] | None

    def workspace_only(self) -> LogSink:
        """For the audit storage's own logs: writing them into the same account would log its own writes."""
        return LogSink(self.workspace_id, None)


def assignment_name(ctx: AzureContext, *key: str) -> str:
    """A role-assignment name (a GUID) that is a pure function of the subscription and a stable key."""
    return str(uuid.uuid5(_ASSIGNMENT_NAMESPACE, "/".join([ctx.subscription_id, *key])))


def grant(logical: str, ctx: AzureContext, *, scope: pulumi.Input[str], role: str,
          principal_id: pulumi.Input[str], parent: pulumi.Resource, principal_type: str | None = "ServicePrincipal",
          depends_on: Sequence[pulumi.Resource] = ()) -> azure.authorization.RoleAssignment:
    """Assign a built-in role at a scope. The name is derived from the logical name, the role and (for plain
    object ids) the principal, so a changed member gets a new assignment instead of an update Azure refuses.
    ``principal_type`` is set for managed identities: it skips the Entra ID lookup that fails for a
    just-created identity (https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template)."""
    key = [logical, ROLES[role]]
    if isinstance(principal_id, str):
        key.append(principal_id)
    opts = pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on), delete_before_replace=True)
    if principal_type is None:
        # The SDK would default principalType to "User", and Azure refuses a type that does not match the
        # principal (UnmatchedPrincipalType): for ids that may be users, groups or service principals (team
        # members, the deployer) the property is left out and Azure resolves the type itself.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=[_omit_principal_type]))
    return azure.authorization.RoleAssignment(
        logical, role_assignment_name=assignment_name(ctx, *key), scope=scope, role_definition_id=ctx.role(role),
        principal_id=principal_id, principal_type=principal_type,
        description=f"llmops: {logical} ({role})", opts=opts)


def _omit_principal_type(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    props = {k: v for k, v in args.props.items() if k not in ("principal_type", "principalType")}
    return pulumi.ResourceTransformationResult(props, args.opts)


ALL_LOGS = [{"category_group": "allLogs", "enabled": True}]
ALL_METRICS = [{"category": "AllMetrics", "enabled": True}]


def diagnostics(logical: str, zone: str, *, resource_id: pulumi.Input[str], sink: LogSink,
                parent: pulumi.Resource, logs: list[dict[str, Any]] | None = None,
                metrics: list[dict[str, Any]] | None = None) -> azure.monitor.DiagnosticSetting:
    """Send a resource's logs (and metrics) to the audit workspace and the immutable audit storage. No
    ``retentionPolicy``: Azure retired it on diagnostic settings; retention lives on the destinations
    (https://learn.microsoft.com/azure/azure-monitor/essentials/migrate-to-azure-storage-lifecycle-policy).
    ``zone``: the zone's name, which names the setting."""
    return azure.monitor.DiagnosticSetting(
        logical, name=f"{zone}-audit", resource_uri=resource_id, workspace_id=sink.workspace_id,
        storage_account_id=sink.storage_account_id, log_analytics_destination_type="Dedicated",
        logs=ALL_LOGS if logs is None else logs, metrics=metrics or [],
        opts=pulumi.ResourceOptions(parent=parent))


def delete_lock(logical: str, zone: str, *, scope: pulumi.Input[str], parent: pulumi.Resource, what: str,
                deletion_protection: bool = True) -> azure.authorization.ManagementLockByScope | None:
    """A CanNotDelete lock on a stateful resource with ``deletion_protection`` (the zone's; prod by default):
    the cloud-side guard that complements Pulumi's ``protect``. It also covers child and extension resources
    (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources)."""
    if not deletion_protection:
        return None
    return azure.authorization.ManagementLockByScope(
        logical, lock_name=f"{zone}-do-not-delete", scope=scope, level="CanNotDelete",
        notes=f"llmops zone {zone}: {what} holds data; remove deletionProtection first to delete it",
        opts=pulumi.ResourceOptions(parent=parent))
