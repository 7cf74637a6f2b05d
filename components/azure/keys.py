"""Keys: the zone's Key Vault, its customer-managed keys, the identity services use to reach them, and the disk
encryption set for node disks.

The vault uses Azure RBAC (no access policies), purge protection and soft delete, and has no public network
access: clients reach it through a private endpoint; Azure services that encrypt with these keys (Storage,
managed disks, Cosmos DB, Azure ML) come in as trusted services. Each key has a rotation policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import ALL_METRICS, AzureContext, LogSink, delete_lock, diagnostics, grant
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child, stateful, tagged
from llmops_landing_zone.components.naming import name


TYPE = "llmops:azure:Keys"
SOFT_DELETE_DAYS = 90  # the maximum; purge protection keeps deleted keys recoverable that long


@dataclass(frozen=True)
class KeySpec:
    purpose: str
    size: int


# One key per purpose, so revoking one (e.g. a vector store's) leaves the others working.
KEY_SPECS: dict[str, KeySpec] = {
    "aks": KeySpec("AKS KMS etcd encryption of Kubernetes secrets", 2048),  # AKS KMS examples use RSA 2048
    "disk": KeySpec("node OS and data disks (disk encryption set)", 3072),
    "storage": KeySpec("storage accounts: model weights and audit logs", 3072),
    "data": KeySpec("data services: Cosmos DB, Azure ML workspace", 3072),
}
# Rotate yearly, expire after two years (a rotated key's old version stays usable for decryption until then),
# and notify 30 days before expiry. https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
ROTATION_POLICY = {
    "attributes": {"expiry_time": "P2Y"},
    "lifetime_actions": [
        {"action": {"type": "rotate"}, "trigger": {"time_after_create": "P1Y"}},
        {"action": {"type": "notify"}, "trigger": {"time_before_expiry": "P30D"}},
    ],
}


def vault_with_endpoint(logical: str, vault_name: str, ctx: AzureContext, *, network: Network,
                        parent: pulumi.Resource, prefix: str, premium: bool = False, protect: bool = False,
                        deletion_protection: bool = False
                        ) -> tuple[azure.keyvault.Vault, azure.network.PrivateEndpoint]:
    """A Key Vault with Azure RBAC authorization (no access policies), soft delete at the maximum retention,
    purge protection, no public network access (trusted Azure services excepted) and a private endpoint;
    ``protect``ed, and locked against deletion with ``deletion_protection``."""
    vault = azure.keyvault.Vault(
        logical, vault_name=vault_name, resource_group_name=network.resource_group.name, location=ctx.location,
        properties={
            "tenant_id": ctx.tenant_id,
            "sku": {"family": "A", "name": "premium" if premium else "standard"},
            "enable_rbac_authorization": True,
            "enable_soft_delete": True,
            "soft_delete_retention_in_days": SOFT_DELETE_DAYS,
            "enable_purge_protection": True,
            "public_network_access": "Disabled",
            "network_acls": {"default_action": "Deny", "bypass": "AzureServices"},
        },
        opts=stateful(protect, parent))
    if deletion_protection:
        delete_lock(f"{logical}-lock", prefix, scope=vault.id, parent=parent, what=f"key vault {vault_name}")
    endpoint = network.private_endpoint(f"{logical}-pe", target_id=vault.id, group_id="vault", parent=parent)
    return vault, endpoint


@dataclass
class KeysArgs:
    """``prefix`` names the vault and keys; ``network`` holds the vault's private endpoint and the zone's
    resource group; ``hsm`` (prod) uses a Premium vault with RSA-HSM keys; ``protect`` protects and retains the
    vault and keys, ``deletion_protection`` also locks the vault."""

    prefix: str
    ctx: AzureContext
    network: Network
    hsm: bool = False
    protect: bool = False
    deletion_protection: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class Keys(pulumi.ComponentResource):
    def __init__(self, name_: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, args.tags))
        ctx, network, z = args.ctx, args.network, args.prefix
        self.prefix = z
        rg = network.resource_group.name
        # Prod keys live in HSMs (Premium vault, RSA-HSM); dev uses software keys in a Standard vault.
        hsm = args.hsm
        self.vault_name = names.KEY_VAULT.render(z, suffix=ctx.suffix)
        self.vault, self.endpoint = vault_with_endpoint(
            name(z, "kv"), self.vault_name, ctx, network=network, parent=self, prefix=z, premium=hsm,
            protect=args.protect, deletion_protection=args.deletion_protection)

        self.keys: dict[str, azure.keyvault.Key] = {}
        for key, spec in KEY_SPECS.items():
            self.keys[key] = azure.keyvault.Key(
                name(z, "key", key), key_name=name(z, key), vault_name=self.vault.name,
                resource_group_name=rg,
                properties={
                    "kty": "RSA-HSM" if hsm else "RSA",
                    "key_size": spec.size,
                    "key_ops": ["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                    "rotation_policy": ROTATION_POLICY,
                },
                tags={"purpose": spec.purpose},
                opts=stateful(args.protect, self))

        # The identity storage accounts, Cosmos DB, Azure ML and the disk encryption set use for their keys: a
        # user-assigned identity exists before those resources, so CMK can be set when they are created.
        self.cmk_identity = azure.managedidentity.UserAssignedIdentity(
            name(z, "cmk-id"), resource_name_=name(z, "cmk"), resource_group_name=rg,
            location=ctx.location, opts=child(self))
        self.cmk_grants = [
            grant(name(z, "cmk", key, "crypto"), ctx, scope=self.keys[key].id,
                  role="Key Vault Crypto Service Encryption User", principal_id=self.cmk_identity.principal_id,
                  parent=self)
            for key in ("disk", "storage", "data")
        ]

        # Node disks (OS and data) of every agent pool are encrypted with the disk key; the set follows the key
        # to its newest version automatically.
        self.disk_encryption_set = azure.compute.DiskEncryptionSet(
            name(z, "des"), disk_encryption_set_name=name(z, "des"), resource_group_name=rg,
            location=ctx.location, encryption_type="EncryptionAtRestWithCustomerKey",
            identity={"type": "UserAssigned", "user_assigned_identities": [self.cmk_identity.id]},
            active_key={"key_url": self.keys["disk"].key_uri_with_version, "source_vault": {"id": self.vault.id}},
            rotation_to_latest_key_version_enabled=True,
            opts=child(self, depends_on=self.cmk_grants))
        self.register_outputs({"vaultId": self.vault.id, "diskEncryptionSetId": self.disk_encryption_set.id})

    def key_uri(self, key: str) -> pulumi.Output[str]:
        """The versionless key URI: services that accept it follow rotations without a config change."""
        return self.keys[key].key_uri

    def enable_diagnostics(self, sink: LogSink) -> None:
        diagnostics(name(self.prefix, "kv-diag"), self.prefix, resource_id=self.vault.id, sink=sink,
                           parent=self, metrics=ALL_METRICS)
