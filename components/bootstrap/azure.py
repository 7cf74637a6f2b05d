"""Azure bootstrap: a resource group with the state storage account and the Key Vault key for
``azurekeyvault://`` secrets, and one user-assigned identity per GitHub environment that GitHub Actions signs
in as through a federated identity credential.

State: Pulumi's DIY Azure Blob backend (``pulumi login azblob://state?storage_account=<account>``) keeps
checkpoints as blobs and locks a stack with a lock blob under ``.pulumi/locks/``. It authenticates through
go-cloud, which falls back to the Azure SDK's DefaultAzureCredential (Entra ID: Azure CLI after ``azure/login``,
workload identity, managed identity) when neither AZURE_STORAGE_KEY nor AZURE_STORAGE_SAS_TOKEN is set
(google/go-cloud#3161; Pulumi's backend docs since pulumi/docs#18272). So the account disables shared key access:
every reader and writer is an Entra ID principal with a data role on the ``state`` container.

Both the storage account and the vault keep public network access: GitHub-hosted runners have no private path.
Access is by Entra ID role only (no keys, no SAS, no anonymous blobs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure
from llmops_landing_zone.components.azure.base import ROLES, AzureContext, assignment_name
from llmops_landing_zone.components.azure.names import subscription_suffix
from llmops_landing_zone.components.common import stateful
from llmops_landing_zone.components.bootstrap.common import (
    GITHUB_ISSUER,
    LOCKS_PREFIX,
    BootstrapOutputs,
    data,
    environment_subject,
    pull_request_subject,
)
from llmops_landing_zone.components.bootstrap.config import BootstrapConfig

STATE_TYPE = "llmops:azure:StateBackend"
SECRETS_TYPE = "llmops:azure:SecretsKey"
CI_TYPE = "llmops:azure:CiAccess"

ROLES_FILE = "azure-deployer-roles.json"
PREVIEW_ROLES_FILE = "azure-preview-roles.json"
AUDIENCE = "api://AzureADTokenExchange"  # what azure/login requests for GitHub's token
CONTAINER = "state"
SOFT_DELETE_DAYS = 30  # blobs and containers: a deleted checkpoint is recoverable this long
VAULT_SOFT_DELETE_DAYS = 90
_CUSTOM_ROLE_NAMESPACE = uuid.UUID("0b1c5f7e-4a2d-4e8b-9c3f-6d5a1e2b7c40")


def zone_roles_condition() -> str:
    """ABAC condition for the role-assignment administrator: write and delete assignments of the zone's built-in
    roles only (https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-portal)."""
    ids = ", ".join(sorted(ROLES.values()))
    return ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
            f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ids}}}))"
            " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
            f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{ids}}}))")


BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"


def lock_blobs_condition() -> str:
    """ABAC condition for the preview identity's Storage Blob Data Contributor: every blob data action it holds
    except listing applies only to blobs under ``LOCKS_PREFIX``, so a preview can take and release its lock and
    never write a checkpoint (https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples)."""
    reads = f"!(ActionMatches{{'{BLOB}/read'}} AND NOT SubOperationMatches{{'Blob.List'}})"
    writes = [f"!(ActionMatches{{'{BLOB}/{action}'}})" for action in ("write", "add/action", "delete", "move/action")]
    gated = " AND ".join([reads, *writes])
    return f"(({gated}) OR (@Resource[{BLOB}:path] StringStartsWith '{LOCKS_PREFIX}'))"


# The role-assignment conditions the data files name.
CONDITIONS = {"zoneRoles": lambda: zone_roles_condition(), "lockBlobs": lock_blobs_condition}


def names(prefix: str, subscription_id: str) -> dict[str, str]:
    """Globally unique names carry the subscription's suffix; storage accounts allow only a-z0-9 (3-24)."""
    suffix = subscription_suffix(subscription_id)
    return {"group": f"{prefix}-pulumi-bootstrap", "account": f"{prefix.replace('-', '')}pulumi{suffix}",
            "vault": f"{prefix}-pulumi-{suffix}"}


@dataclass
class StateBackendArgs:
    ctx: AzureContext
    prefix: str
    resource_group: pulumi.Input[str]
    protect: bool


class StateBackend(pulumi.ComponentResource):
    """The state storage account (HTTPS and TLS 1.2 only, no public blobs, no shared keys), blob versioning and
    soft delete, and the private ``state`` container."""

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(STATE_TYPE, name, None, opts)
        self.account_name = names(args.prefix, args.ctx.subscription_id)["account"]
        self.account = azure.storage.StorageAccount(
            name, account_name=self.account_name, resource_group_name=args.resource_group,
            location=args.ctx.location, kind="StorageV2", sku={"name": "Standard_ZRS"},
            enable_https_traffic_only=True, minimum_tls_version="TLS1_2", allow_blob_public_access=False,
            allow_shared_key_access=False, default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            encryption={"key_source": "Microsoft.Storage", "require_infrastructure_encryption": True,
                        "services": {"blob": {"enabled": True, "key_type": "Account"}}},
            opts=stateful(args.protect, self))
        own = pulumi.ResourceOptions(parent=self)
        self.blob_service = azure.storage.BlobServiceProperties(
            f"{name}-blob", account_name=self.account.name, resource_group_name=args.resource_group,
            blob_services_name="default", is_versioning_enabled=True,
            delete_retention_policy={"enabled": True, "days": SOFT_DELETE_DAYS},
            container_delete_retention_policy={"enabled": True, "days": SOFT_DELETE_DAYS}, opts=own)
        self.container = azure.storage.BlobContainer(
            f"{name}-container", container_name=CONTAINER, account_name=self.account.name,
            resource_group_name=args.resource_group, public_access="None",
            opts=stateful(args.protect, self, depends_on=[self.blob_service]))
        self.register_outputs({"account": self.account_name})


@dataclass
class SecretsKeyArgs:
    ctx: AzureContext
    prefix: str
    resource_group: pulumi.Input[str]
    protect: bool


class SecretsKey(pulumi.ComponentResource):
    """A Key Vault (Azure RBAC, purge protection) and the RSA key behind ``azurekeyvault://``.

    The secrets provider names the key *version*: Pulumi keeps each stack's data key wrapped by it, and Key
    Vault's RSA decrypt uses the version it is given, so a versionless URL would stop decrypting after a new
    version appears. Rotate with ``pulumi stack change-secrets-provider`` to a new version."""

    def __init__(self, name: str, args: SecretsKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SECRETS_TYPE, name, None, opts)
        ctx = args.ctx
        self.vault_name = names(args.prefix, ctx.subscription_id)["vault"]
        self.vault = azure.keyvault.Vault(
            f"{name}-vault", vault_name=self.vault_name, resource_group_name=args.resource_group,
            location=ctx.location, properties={
                "tenant_id": ctx.tenant_id, "sku": {"family": "A", "name": "standard"},
                "enable_rbac_authorization": True, "enable_soft_delete": True,
                "soft_delete_retention_in_days": VAULT_SOFT_DELETE_DAYS, "enable_purge_protection": True},
            opts=stateful(args.protect, self))
        self.key = azure.keyvault.Key(
            name, key_name="pulumi-secrets", vault_name=self.vault.name, resource_group_name=args.resource_group,
            properties={"kty": "RSA", "key_size": 3072, "key_ops": ["encrypt", "decrypt", "wrapKey", "unwrapKey"]},
            opts=stateful(args.protect, self))
        self.provider_url = self.key.key_uri_with_version.apply(
            lambda uri: "azurekeyvault://" + uri.removeprefix("https://"))
        self.register_outputs({"secretsProvider": self.provider_url})


@dataclass
class CiAccessArgs:
    ctx: AzureContext
    prefix: str
    repository: str
    environments: list[str]
    resource_group: pulumi.Input[str]
    container_id: pulumi.Input[str]
    secrets_key_id: pulumi.Input[str]


class CiAccess(pulumi.ComponentResource):
    """The custom roles of data/azure-deployer-roles.json; per GitHub environment a user-assigned identity, its
    federated credential for exactly that environment's jobs and the deployer role assignments; and the preview
    identity for pull requests with the read-only assignments of data/azure-preview-roles.json."""

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(CI_TYPE, name, None, opts)
        ctx = args.ctx
        own = pulumi.ResourceOptions(parent=self)
        self._args = args
        entries = data(ROLES_FILE)
        self.role_ids: dict[str, str] = {**ROLES}
        for entry in entries:
            if "actions" in entry:  # a custom role, defined here once for every environment
                guid = str(uuid.uuid5(_CUSTOM_ROLE_NAMESPACE, f"{ctx.subscription_id}/{args.prefix}/{entry['role']}"))
                azure.authorization.RoleDefinition(
                    f"{name}-{_slug(entry['role'])}", role_definition_id=guid,
                    role_name=f"{entry['role']} ({args.prefix})", description=entry["reason"],
                    scope=ctx.subscription_scope, assignable_scopes=[ctx.subscription_scope],
                    permissions=[{"actions": entry["actions"], "not_actions": entry.get("notActions", [])}], opts=own)
                self.role_ids[entry["role"]] = guid
            elif "roleDefinitionId" in entry:
                self.role_ids[entry["role"]] = entry["roleDefinitionId"]
        self.identities: dict[str, azure.managedidentity.UserAssignedIdentity] = {}
        for env in args.environments:
            self.identities[env] = self._identity(f"{name}-deploy-{env}", f"{args.prefix}-deploy-{env}",
                                                  environment_subject(args.repository, env), entries, env)
        self.preview = self._identity(f"{name}-preview", f"{args.prefix}-preview",
                                      pull_request_subject(args.repository), data(PREVIEW_ROLES_FILE), "preview")
        self.register_outputs({**{e: i.client_id for e, i in self.identities.items()},
                               "preview": self.preview.client_id})

    def _identity(self, logical: str, resource_name: str, subject: str, entries: list[dict],
                  key: str) -> azure.managedidentity.UserAssignedIdentity:
        """A user-assigned identity that GitHub tokens with exactly ``subject`` sign in as, and its roles."""
        args, ctx = self._args, self._args.ctx
        own = pulumi.ResourceOptions(parent=self)
        identity = azure.managedidentity.UserAssignedIdentity(
            logical, resource_name_=resource_name, resource_group_name=args.resource_group, location=ctx.location,
            opts=own)
        azure.managedidentity.FederatedIdentityCredential(
            f"{logical}-github", federated_identity_credential_resource_name="github",
            resource_name_=identity.name, resource_group_name=args.resource_group, issuer=GITHUB_ISSUER,
            subject=subject, audiences=[AUDIENCE], opts=own)
        scopes = {"subscription": ctx.subscription_scope, "stateContainer": args.container_id,
                  "secretsKey": args.secrets_key_id}
        for entry in entries:
            condition = CONDITIONS[entry["condition"]]() if "condition" in entry else None
            azure.authorization.RoleAssignment(
                f"{logical}-{_slug(entry['role'])}",
                role_assignment_name=assignment_name(ctx, "bootstrap", args.prefix, key, entry["role"]),
                scope=scopes[entry["scope"]],
                role_definition_id=f"{ctx.subscription_scope}/providers/Microsoft.Authorization/roleDefinitions/"
                                   f"{self.role_ids[entry['role']]}",
                principal_id=identity.principal_id, principal_type="ServicePrincipal",
                condition=condition, condition_version="2.0" if condition else None,
                description=f"{resource_name}: {entry['reason']}"[:1024],
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True))
        return identity


def _slug(role: str) -> str:
    return "-".join(role.lower().split())


def build(cfg: BootstrapConfig, parent: pulumi.Resource) -> BootstrapOutputs:
    client = azure.authorization.get_client_config()
    ctx = AzureContext(client.subscription_id, client.tenant_id, client.object_id, cfg.region or "")
    group = azure.resources.ResourceGroup(
        f"{cfg.name}-bootstrap-rg", resource_group_name=names(cfg.name, ctx.subscription_id)["group"],
        location=ctx.location, opts=pulumi.ResourceOptions(parent=parent))
    opts = pulumi.ResourceOptions(parent=parent)
    state = StateBackend(f"{cfg.name}-state", StateBackendArgs(ctx, cfg.name, group.name, cfg.protect), opts)
    secrets = SecretsKey(f"{cfg.name}-secrets", SecretsKeyArgs(ctx, cfg.name, group.name, cfg.protect), opts)
    ci = CiAccess(f"{cfg.name}-ci", CiAccessArgs(ctx, cfg.name, cfg.repository, list(cfg.environments), group.name,
                                                 state.container.id, secrets.key.id), opts)
    return BootstrapOutputs(
        backend_url=f"azblob://{CONTAINER}?storage_account={state.account_name}",
        secrets_provider=secrets.provider_url,
        github_secrets={env: {"AZURE_CLIENT_ID": identity.client_id, "AZURE_TENANT_ID": ctx.tenant_id,
                              "AZURE_SUBSCRIPTION_ID": ctx.subscription_id}
                        for env, identity in ci.identities.items()},
        preview_secrets={"AZURE_CLIENT_ID": ci.preview.client_id, "AZURE_TENANT_ID": ctx.tenant_id,
                         "AZURE_SUBSCRIPTION_ID": ctx.subscription_id},
    )
