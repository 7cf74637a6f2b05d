"""Private, encrypted storage accounts: the one place their safeguards are written (model weights, audit logs,
the Azure ML workspace store all use it).

Every account: customer-managed key through the zone's CMK identity (infrastructure encryption on top), no
shared keys (Entra ID only), no anonymous blob access, TLS 1.2+, HTTPS only, no cross-tenant replication,
blob versioning and soft delete for blobs and containers, a private endpoint for blob, stateful options and
(in prod) a CanNotDelete lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import ALL_LOGS, AzureContext, LogSink, delete_lock, diagnostics
from llmops_landing_zone.components.azure.keys import Keys
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child, stateful

# Storage exports one metric category through diagnostic settings.
# https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage-reference
STORAGE_METRICS = [{"category": "Transaction", "enabled": True}]


@dataclass
class PrivateStorage:
    account: azure.storage.StorageAccount
    blob_service: azure.storage.BlobServiceProperties
    endpoint: azure.network.PrivateEndpoint
    name: str

    @property
    def blob_service_id(self) -> pulumi.Output[str]:
        return pulumi.Output.concat(self.account.id, "/blobServices/default")


def private_storage(logical: str, account_name: str, zone: str, ctx: AzureContext, *, keys: Keys,
                    network: Network, parent: pulumi.Resource, sku: str, soft_delete_days: int,
                    protect: bool = True, deletion_protection: bool = True,
                    trusted_services_only: bool = False,
                    immutability: dict[str, Any] | None = None) -> PrivateStorage:
    """A storage account with every safeguard in the module docstring; ``zone`` (the zone's name) names its
    lock, ``protect`` protects and retains it, ``deletion_protection`` adds the CanNotDelete lock.

    ``trusted_services_only``: public network access stays technically on, but the firewall denies every
    network and admits only trusted Azure services (Azure Monitor writing diagnostic logs cannot use a
    private endpoint); everything else still goes through the private endpoint. Otherwise public network
    access is disabled outright. ``immutability``: an account-level time-based retention policy (version-level
    WORM), which Azure only accepts when the account is created."""
    rg = network.resource_group.name
    firewall = {"default_action": "Deny", "bypass": "AzureServices" if trusted_services_only else "None"}
    account = azure.storage.StorageAccount(
        logical, account_name=account_name, resource_group_name=rg, location=ctx.location,
        kind="StorageV2", sku={"name": sku}, access_tier="Hot",
        identity={"type": "UserAssigned", "user_assigned_identities": [keys.cmk_identity.id]},
        encryption={
            "key_source": "Microsoft.Keyvault",
            "key_vault_properties": {"key_name": keys.keys["storage"].name,
                                     "key_vault_uri": keys.vault.properties.vault_uri},
            "encryption_identity": {"encryption_user_assigned_identity": keys.cmk_identity.id},
            "require_infrastructure_encryption": True,
            "services": {"blob": {"enabled": True, "key_type": "Account"},
                         "file": {"enabled": True, "key_type": "Account"}},
        },
        public_network_access="Enabled" if trusted_services_only else "Disabled",
        network_rule_set=firewall,
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        allow_blob_public_access=False,
        allow_cross_tenant_replication=False,
        allowed_copy_scope="PrivateLink",
        is_local_user_enabled=False,
        is_sftp_enabled=False,
        minimum_tls_version="TLS1_2",
        enable_https_traffic_only=True,
        immutable_storage_with_versioning=immutability,
        opts=stateful(protect, parent, depends_on=keys.cmk_grants))
    delete_lock(f"{logical}-lock", zone, scope=account.id, parent=parent, what=f"storage account {account_name}",
                deletion_protection=deletion_protection)
    blob_service = azure.storage.BlobServiceProperties(
        f"{logical}-blob", account_name=account.name, resource_group_name=rg, blob_services_name="default",
        is_versioning_enabled=True,
        delete_retention_policy={"enabled": True, "days": soft_delete_days},
        container_delete_retention_policy={"enabled": True, "days": soft_delete_days},
        opts=child(parent))
    endpoint = network.private_endpoint(f"{logical}-pe", target_id=account.id, group_id="blob", parent=parent)
    return PrivateStorage(account, blob_service, endpoint, account_name)


def storage_diagnostics(logical: str, zone: str, store: PrivateStorage, sink: LogSink,
                        parent: pulumi.Resource) -> None:
    """Account metrics and blob logs; storage logs live on the blob service sub-resource, not the account."""
    diagnostics(f"{logical}-diag", zone, resource_id=store.account.id, sink=sink, parent=parent, logs=[],
                metrics=STORAGE_METRICS)
    diagnostics(f"{logical}-blob-diag", zone, resource_id=store.blob_service_id, sink=sink, parent=parent,
                logs=ALL_LOGS, metrics=STORAGE_METRICS)
