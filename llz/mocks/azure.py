"""Azure mock outputs: ARM ids, names and the values Azure computes (principal ids, URIs, the OIDC issuer),
derived from the resource's inputs and name so a plan is identical run to run.

Every azure-native resource outputs ``id`` (its ARM id) and ``name``; ``ARM`` says how each type's id is built
from its inputs. Output shapes that differ from input shapes are converted (``identity.userAssignedIdentities``
is a list of ids as an input and a map of id -> {principalId, clientId} as an output).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from llz.mocks.base import AZURE_SUBSCRIPTION, AZURE_TENANT, CallFn, MockContext, OutputFn

DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222"
DEPLOYER_CLIENT_ID = "33333333-3333-3333-3333-333333333333"

# type token -> (ARM path below the resource group, or below {scope} for extension resources; name input)
ARM: dict[str, tuple[str, str]] = {
    "resources:ResourceGroup": ("", "resourceGroupName"),
    "network:VirtualNetwork": ("Microsoft.Network/virtualNetworks/{virtualNetworkName}", "virtualNetworkName"),
    "network:Subnet": ("Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}", "subnetName"),
    "network:NetworkSecurityGroup": ("Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
                                     "networkSecurityGroupName"),
    "network:PublicIPAddress": ("Microsoft.Network/publicIPAddresses/{publicIpAddressName}", "publicIpAddressName"),
    "network:NatGateway": ("Microsoft.Network/natGateways/{natGatewayName}", "natGatewayName"),
    "network:PrivateEndpoint": ("Microsoft.Network/privateEndpoints/{privateEndpointName}", "privateEndpointName"),
    "network:PrivateDnsZoneGroup": (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
        "privateDnsZoneGroupName"),
    "privatedns:PrivateZone": ("Microsoft.Network/privateDnsZones/{privateZoneName}", "privateZoneName"),
    "privatedns:VirtualNetworkLink": (
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
        "virtualNetworkLinkName"),
    "keyvault:Vault": ("Microsoft.KeyVault/vaults/{vaultName}", "vaultName"),
    "keyvault:Key": ("Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}", "keyName"),
    "compute:DiskEncryptionSet": ("Microsoft.Compute/diskEncryptionSets/{diskEncryptionSetName}",
                                  "diskEncryptionSetName"),
    "managedidentity:UserAssignedIdentity": ("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
                                             "resourceName"),
    "managedidentity:FederatedIdentityCredential": (
        ("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/"
        "{federatedIdentityCredentialResourceName}"), "federatedIdentityCredentialResourceName"),
    "containerservice:ManagedCluster": ("Microsoft.ContainerService/managedClusters/{resourceName}", "resourceName"),
    "containerservice:AgentPool": (("Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/"
                                   "{agentPoolName}"), "agentPoolName"),
    "storage:StorageAccount": ("Microsoft.Storage/storageAccounts/{accountName}", "accountName"),
    "storage:BlobServiceProperties": ("Microsoft.Storage/storageAccounts/{accountName}/blobServices/default",
                                      "blobServicesName"),
    "storage:BlobContainer": (("Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/"
                              "{containerName}"), "containerName"),
    "operationalinsights:Workspace": ("Microsoft.OperationalInsights/workspaces/{workspaceName}", "workspaceName"),
    "applicationinsights:Component": ("Microsoft.Insights/components/{resourceName}", "resourceName"),
    "machinelearningservices:Workspace": ("Microsoft.MachineLearningServices/workspaces/{workspaceName}",
                                          "workspaceName"),
    "machinelearningservices:OnlineEndpoint": (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}",
        "endpointName"),
    "machinelearningservices:OnlineDeployment": (
        ("Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}/deployments/"
        "{deploymentName}"), "deploymentName"),
    "search:Service": ("Microsoft.Search/searchServices/{searchServiceName}", "searchServiceName"),
    "cosmosdb:DatabaseAccount": ("Microsoft.DocumentDB/databaseAccounts/{accountName}", "accountName"),
    "cosmosdb:SqlResourceSqlDatabase": (("Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlDatabases/"
                                        "{databaseName}"), "databaseName"),
    "cosmosdb:SqlResourceSqlContainer": (("Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlDatabases/"
                                         "{databaseName}/containers/{containerName}"), "containerName"),
    "cosmosdb:SqlResourceSqlRoleAssignment": (("Microsoft.DocumentDB/databaseAccounts/{accountName}/"
                                              "sqlRoleAssignments/{roleAssignmentId}"), "roleAssignmentId"),
    "monitor:ActionGroup": ("Microsoft.Insights/actionGroups/{actionGroupName}", "actionGroupName"),
    "monitor:AutoscaleSetting": ("Microsoft.Insights/autoscalesettings/{autoscaleSettingName}",
                                 "autoscaleSettingName"),
}
# Extension resources: their id hangs below another resource's id (or the subscription).
EXTENSION: dict[str, tuple[str, str, str]] = {
    "authorization:RoleAssignment": ("scope", "Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
                                     "roleAssignmentName"),
    "authorization:ManagementLockByScope": ("scope", "Microsoft.Authorization/locks/{lockName}", "lockName"),
    "monitor:DiagnosticSetting": ("resourceUri", "Microsoft.Insights/diagnosticSettings/{name}", "name"),
    "consumption:Budget": ("scope", "Microsoft.Consumption/budgets/{budgetName}", "budgetName"),
}


def _guid(seed: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4))


def _fill(template: str, inputs: dict[str, Any]) -> str:
    return template.format_map({k: v for k, v in inputs.items() if isinstance(v, str)})


def _identity(ctx: MockContext) -> dict[str, Any] | None:
    """The output shape of ``identity``: user-assigned ids become a map with each identity's ids."""
    ident = ctx.inputs.get("identity")
    if not isinstance(ident, dict):
        return None
    out: dict[str, Any] = {"type": ident.get("type")}
    if "SystemAssigned" in str(ident.get("type")):
        out.update(principalId=_guid(f"{ctx.name}/system"), tenantId=AZURE_TENANT)
    uai = ident.get("userAssignedIdentities")
    if isinstance(uai, list):
        out["userAssignedIdentities"] = {i: {"principalId": _guid(f"{i}/principal"), "clientId": _guid(f"{i}/client")}
                                         for i in uai if isinstance(i, str)}
    return out


def _resource(token: str, extra: Callable[[MockContext, str], dict[str, Any]] | None = None) -> OutputFn:
    path, name_key = ARM[token]

    def fn(ctx: MockContext) -> dict[str, Any]:
        rg = f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{ctx.inputs.get('resourceGroupName', 'rg')}"
        rid = rg if not path else f"{rg}/providers/{_fill(path, ctx.inputs)}"
        out: dict[str, Any] = {"id": rid, "name": ctx.inputs.get(name_key, ctx.name),
                               "azureApiVersion": "mock", "type": rid.split("/providers/")[-1].rsplit("/", 1)[0]}
        if (ident := _identity(ctx)) is not None:
            out["identity"] = ident
        if extra:
            out.update(extra(ctx, rid))
        return out
    return fn


def _extension(token: str) -> OutputFn:
    scope_key, path, name_key = EXTENSION[token]

    def fn(ctx: MockContext) -> dict[str, Any]:
        scope = ctx.inputs.get(scope_key) or f"/subscriptions/{AZURE_SUBSCRIPTION}"
        return {"id": f"{scope}/providers/{_fill(path, ctx.inputs)}", "name": ctx.inputs.get(name_key, ctx.name),
                "azureApiVersion": "mock"}
    return fn


def _subscription_diag(ctx: MockContext) -> dict[str, Any]:
    name = ctx.inputs.get("name", ctx.name)
    return {"id": f"/subscriptions/{AZURE_SUBSCRIPTION}/providers/Microsoft.Insights/diagnosticSettings/{name}",
            "name": name, "azureApiVersion": "mock"}


def _user_identity(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"principalId": _guid(f"{rid}/principal"), "clientId": _guid(f"{rid}/client"), "tenantId": AZURE_TENANT}


def _vault(ctx: MockContext, rid: str) -> dict[str, Any]:
    props = dict(ctx.inputs.get("properties") or {})
    props["vaultUri"] = f"https://{ctx.inputs.get('vaultName')}.vault.azure.net/"
    return {"properties": props}


def _key(ctx: MockContext, rid: str) -> dict[str, Any]:
    uri = f"https://{ctx.inputs.get('vaultName')}.vault.azure.net/keys/{ctx.inputs.get('keyName')}"
    return {"keyUri": uri, "keyUriWithVersion": f"{uri}/{hashlib.sha256(rid.encode()).hexdigest()[:32]}"}


def _cluster(ctx: MockContext, rid: str) -> dict[str, Any]:
    name = ctx.inputs.get("resourceName")
    host = f"{ctx.inputs.get('dnsPrefix', name)}-{hashlib.sha256(rid.encode()).hexdigest()[:8]}"
    oidc = f"https://{ctx.region}.oic.prod-aks.azure.com/{AZURE_TENANT}/{_guid(rid)}/"
    return {"oidcIssuerProfile": {**(ctx.inputs.get("oidcIssuerProfile") or {}), "issuerURL": oidc},
            "fqdn": f"{host}.hcp.{ctx.region}.azmk8s.io", "privateFQDN": f"{host}.{_guid(rid)}.privatelink."
            f"{ctx.region}.azmk8s.io", "provisioningState": "Succeeded", "powerState": {"code": "Running"},
            "currentKubernetesVersion": ctx.inputs.get("kubernetesVersion")}


def _storage(ctx: MockContext, rid: str) -> dict[str, Any]:
    account = ctx.inputs.get("accountName")
    return {"primaryEndpoints": {"blob": f"https://{account}.blob.core.windows.net/",
                                 "dfs": f"https://{account}.dfs.core.windows.net/"}}


def _workspace(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"customerId": _guid(f"{rid}/customer")}


def _cosmos(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"documentEndpoint": f"https://{ctx.inputs.get('accountName')}.documents.azure.com:443/"}


def _ml_workspace(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"workspaceId": _guid(f"{rid}/workspace"), "discoveryUrl": f"https://{ctx.region}.api.azureml.ms/discovery"}


def _online_endpoint(ctx: MockContext, rid: str) -> dict[str, Any]:
    props = dict(ctx.inputs.get("properties") or {})
    name = ctx.inputs.get("endpointName")
    props["scoringUri"] = f"https://{name}.{ctx.region}.inference.ml.azure.com/score"
    return {"properties": props}


EXTRA: dict[str, Callable[[MockContext, str], dict[str, Any]]] = {
    "managedidentity:UserAssignedIdentity": _user_identity,
    "keyvault:Vault": _vault,
    "keyvault:Key": _key,
    "containerservice:ManagedCluster": _cluster,
    "storage:StorageAccount": _storage,
    "operationalinsights:Workspace": _workspace,
    "cosmosdb:DatabaseAccount": _cosmos,
    "machinelearningservices:Workspace": _ml_workspace,
    "machinelearningservices:OnlineEndpoint": _online_endpoint,
}

OUTPUTS: dict[str, OutputFn] = {
    **{f"azure-native:{t}": _resource(t, EXTRA.get(t)) for t in ARM},
    **{f"azure-native:{t}": _extension(t) for t in EXTENSION},
    "azure-native:monitor:SubscriptionDiagnosticSetting": _subscription_diag,
}


# --- invokes ----------------------------------------------------------------------------------------------

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: {name}
  cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1vY2sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    server: https://{name}.privatelink.{region}.azmk8s.io:443
contexts:
- name: {name}
  context:
    cluster: {name}
    user: clusterUser_{name}
current-context: {name}
users:
- name: clusterUser_{name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
      interactiveMode: IfAvailable
"""


def _client_config(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"clientId": DEPLOYER_CLIENT_ID, "objectId": DEPLOYER_OBJECT_ID, "subscriptionId": AZURE_SUBSCRIPTION,
            "tenantId": AZURE_TENANT}


def _user_credentials(args: dict[str, Any], region: str) -> dict[str, Any]:
    text = KUBECONFIG.format(name=args.get("resourceName", "aks"), region=region)
    return {"kubeconfigs": [{"name": "clusterUser", "value": base64.b64encode(text.encode()).decode()}]}


CALLS: dict[str, CallFn] = {
    "azure-native:authorization:getClientConfig": _client_config,
    "azure-native:containerservice:listManagedClusterUserCredentials": _user_credentials,
}
