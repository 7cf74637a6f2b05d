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

from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz.mocks.base import AZURE_SUBSCRIPTION, AZURE_TENANT, CallFn, MockContext, OutputFn

DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222"
DEPLOYER_CLIENT_ID = "33333333-3333-3333-3333-333333333333"


def _by_module_type(table: dict[str, Any]) -> dict[str, Any]:
    """The tables below are keyed by ``module:Type``: the type token without its ``azure-native:`` provider."""
    return {token.removeprefix("azure-native:"): value for token, value in table.items()}


# type token -> (ARM path below the resource group, or below {scope} for extension resources; name input)
ARM: dict[str, tuple[str, str]] = _by_module_type({
    tokens.AZURE_RESOURCE_GROUP: ("", "resourceGroupName"),
    tokens.AZURE_CONTAINER_REGISTRY: ("Microsoft.ContainerRegistry/registries/{registryName}", "registryName"),
    tokens.AZURE_ACR_CACHE_RULE: (
        "Microsoft.ContainerRegistry/registries/{registryName}/cacheRules/{cacheRuleName}", "cacheRuleName"),
    tokens.AZURE_VIRTUAL_NETWORK: (
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}", "virtualNetworkName"),
    tokens.AZURE_SUBNET: (
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}", "subnetName"),
    tokens.AZURE_NETWORK_SECURITY_GROUP: (
        "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}", "networkSecurityGroupName"),
    tokens.AZURE_PUBLIC_IP_ADDRESS: (
        "Microsoft.Network/publicIPAddresses/{publicIpAddressName}", "publicIpAddressName"),
    tokens.AZURE_NAT_GATEWAY: ("Microsoft.Network/natGateways/{natGatewayName}", "natGatewayName"),
    tokens.AZURE_PRIVATE_ENDPOINT: (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}", "privateEndpointName"),
    tokens.AZURE_PRIVATE_DNS_ZONE_GROUP: (
        "Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
        "privateDnsZoneGroupName"),
    tokens.AZURE_PRIVATE_ZONE: ("Microsoft.Network/privateDnsZones/{privateZoneName}", "privateZoneName"),
    tokens.AZURE_PRIVATE_ZONE_VIRTUAL_NETWORK_LINK: (
        "Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
        "virtualNetworkLinkName"),
    tokens.KEY_VAULT: ("Microsoft.KeyVault/vaults/{vaultName}", "vaultName"),
    tokens.KEY_VAULT_KEY: ("Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}", "keyName"),
    tokens.AZURE_KEY_VAULT_SECRET: ("Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}", "secretName"),
    tokens.AZURE_DISK_ENCRYPTION_SET: (
        "Microsoft.Compute/diskEncryptionSets/{diskEncryptionSetName}", "diskEncryptionSetName"),
    tokens.AZURE_USER_ASSIGNED_IDENTITY: (
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}", "resourceName"),
    tokens.AZURE_FEDERATED_IDENTITY_CREDENTIAL: (
        ("Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/"
         "{federatedIdentityCredentialResourceName}"), "federatedIdentityCredentialResourceName"),
    tokens.AKS_CLUSTER: ("Microsoft.ContainerService/managedClusters/{resourceName}", "resourceName"),
    tokens.AZURE_CONTAINER_APPS_ENVIRONMENT: ("Microsoft.App/managedEnvironments/{environmentName}", "environmentName"),
    tokens.AZURE_CONTAINER_APPS_JOB: ("Microsoft.App/jobs/{jobName}", "jobName"),
    tokens.AKS_AGENT_POOL: (
        "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}", "agentPoolName"),
    tokens.STORAGE_ACCOUNT: ("Microsoft.Storage/storageAccounts/{accountName}", "accountName"),
    tokens.AZURE_BLOB_SERVICE_PROPERTIES: (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default", "blobServicesName"),
    tokens.AZURE_BLOB_CONTAINER: (
        "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}",
        "containerName"),
    tokens.LOG_ANALYTICS_WORKSPACE: (
        "Microsoft.OperationalInsights/workspaces/{workspaceName}", "workspaceName"),
    tokens.AZURE_APP_INSIGHTS: ("Microsoft.Insights/components/{resourceName}", "resourceName"),
    tokens.ML_WORKSPACE: ("Microsoft.MachineLearningServices/workspaces/{workspaceName}", "workspaceName"),
    tokens.ML_ONLINE_ENDPOINT: (
        "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}",
        "endpointName"),
    tokens.ML_ONLINE_DEPLOYMENT: (
        ("Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}/deployments/"
         "{deploymentName}"), "deploymentName"),
    tokens.SEARCH_SERVICE: ("Microsoft.Search/searchServices/{searchServiceName}", "searchServiceName"),
    tokens.COSMOS_ACCOUNT: ("Microsoft.DocumentDB/databaseAccounts/{accountName}", "accountName"),
    tokens.AZURE_COSMOS_SQL_DATABASE: (
        "Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlDatabases/{databaseName}", "databaseName"),
    tokens.AZURE_COSMOS_SQL_CONTAINER: (
        "Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlDatabases/{databaseName}/containers/{containerName}",
        "containerName"),
    tokens.AZURE_COSMOS_SQL_ROLE_ASSIGNMENT: (
        "Microsoft.DocumentDB/databaseAccounts/{accountName}/sqlRoleAssignments/{roleAssignmentId}",
        "roleAssignmentId"),
    tokens.AZURE_ACTION_GROUP: ("Microsoft.Insights/actionGroups/{actionGroupName}", "actionGroupName"),
    tokens.AZURE_AUTOSCALE_SETTING: (
        "Microsoft.Insights/autoscalesettings/{autoscaleSettingName}", "autoscaleSettingName"),
    tokens.AZURE_MONITOR_WORKSPACE: (
        "Microsoft.Monitor/accounts/{azureMonitorWorkspaceName}", "azureMonitorWorkspaceName"),
    tokens.AZURE_DATA_COLLECTION_ENDPOINT: (
        "Microsoft.Insights/dataCollectionEndpoints/{dataCollectionEndpointName}", "dataCollectionEndpointName"),
    tokens.AZURE_DATA_COLLECTION_RULE: (
        "Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}", "dataCollectionRuleName"),
    tokens.AZURE_PROMETHEUS_RULE_GROUP: (
        "Microsoft.AlertsManagement/prometheusRuleGroups/{ruleGroupName}", "ruleGroupName"),
    tokens.AZURE_METRIC_ALERT: ("Microsoft.Insights/metricAlerts/{ruleName}", "ruleName"),
    tokens.AZURE_SCHEDULED_QUERY_RULE: ("Microsoft.Insights/scheduledQueryRules/{ruleName}", "ruleName"),
    tokens.AZURE_MONITOR_PRIVATE_LINK_SCOPE: ("Microsoft.Insights/privateLinkScopes/{scopeName}", "scopeName"),
    tokens.AZURE_MONITOR_PRIVATE_LINK_SCOPED_RESOURCE: (
        "Microsoft.Insights/privateLinkScopes/{scopeName}/scopedResources/{name}", "name"),
    tokens.AZURE_MANAGED_GRAFANA: ("Microsoft.Dashboard/grafana/{workspaceName}", "workspaceName"),
    tokens.AZURE_GRAFANA_MANAGED_PRIVATE_ENDPOINT: (
        "Microsoft.Dashboard/grafana/{workspaceName}/managedPrivateEndpoints/{managedPrivateEndpointName}",
        "managedPrivateEndpointName"),
})
# Extension resources: their id hangs below another resource's id (or the subscription).
EXTENSION: dict[str, tuple[str, str, str]] = _by_module_type({
    tokens.AZURE_ROLE_ASSIGNMENT: (
        "scope", "Microsoft.Authorization/roleAssignments/{roleAssignmentName}", "roleAssignmentName"),
    tokens.AZURE_MANAGEMENT_LOCK: ("scope", "Microsoft.Authorization/locks/{lockName}", "lockName"),
    tokens.DIAGNOSTIC_SETTING: ("resourceUri", "Microsoft.Insights/diagnosticSettings/{name}", "name"),
    tokens.AZURE_CONSUMPTION_BUDGET: ("scope", "Microsoft.Consumption/budgets/{budgetName}", "budgetName"),
    tokens.AZURE_DATA_COLLECTION_RULE_ASSOCIATION: (
        "resourceUri", "Microsoft.Insights/dataCollectionRuleAssociations/{associationName}", "associationName"),
})


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


def _monitor_workspace(ctx: MockContext, rid: str) -> dict[str, Any]:
    name = ctx.inputs.get("azureMonitorWorkspaceName", ctx.name)
    return {"metrics": {"prometheusQueryEndpoint": f"https://{name}-{_guid(rid)[:8]}.{ctx.region}.prometheus.monitor.azure.com",
                        "internalId": _guid(f"{rid}/internal")}}


def _grafana(ctx: MockContext, rid: str) -> dict[str, Any]:
    props = dict(ctx.inputs.get("properties") or {})
    props["endpoint"] = f"https://{ctx.inputs.get('workspaceName')}-{_guid(rid)[:8]}.{ctx.region[:3]}.grafana.azure.com"
    return {"properties": props, "identity": {**(ctx.inputs.get("identity") or {}),
                                              "principalId": _guid(f"{rid}/principal"), "tenantId": AZURE_TENANT}}


def _cosmos(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"documentEndpoint": f"https://{ctx.inputs.get('accountName')}.documents.azure.com:443/"}


def _ml_workspace(ctx: MockContext, rid: str) -> dict[str, Any]:
    return {"workspaceId": _guid(f"{rid}/workspace"), "discoveryUrl": f"https://{ctx.region}.api.azureml.ms/discovery"}


def _online_endpoint(ctx: MockContext, rid: str) -> dict[str, Any]:
    props = dict(ctx.inputs.get("properties") or {})
    name = ctx.inputs.get("endpointName")
    props["scoringUri"] = f"https://{name}.{ctx.region}.inference.ml.azure.com/score"
    return {"properties": props}


EXTRA: dict[str, Callable[[MockContext, str], dict[str, Any]]] = _by_module_type({
    tokens.AZURE_USER_ASSIGNED_IDENTITY: _user_identity,
    tokens.KEY_VAULT: _vault,
    tokens.KEY_VAULT_KEY: _key,
    tokens.AKS_CLUSTER: _cluster,
    tokens.STORAGE_ACCOUNT: _storage,
    tokens.LOG_ANALYTICS_WORKSPACE: _workspace,
    tokens.COSMOS_ACCOUNT: _cosmos,
    tokens.AZURE_MONITOR_WORKSPACE: _monitor_workspace,
    tokens.AZURE_MANAGED_GRAFANA: _grafana,
    tokens.ML_WORKSPACE: _ml_workspace,
    tokens.ML_ONLINE_ENDPOINT: _online_endpoint,
})

OUTPUTS: dict[str, OutputFn] = {
    **{f"azure-native:{t}": _resource(t, EXTRA.get(t)) for t in ARM},
    **{f"azure-native:{t}": _extension(t) for t in EXTENSION},
    tokens.SUBSCRIPTION_DIAGNOSTIC_SETTING: _subscription_diag,
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


def _client_token(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"token": f"mock-entra-token-for-{args.get('endpoint', 'arm')}"}


def _user_credentials(args: dict[str, Any], region: str) -> dict[str, Any]:
    text = KUBECONFIG.format(name=args.get("resourceName", "aks"), region=region)
    return {"kubeconfigs": [{"name": "clusterUser", "value": base64.b64encode(text.encode()).decode()}]}


def _network_id(args: dict[str, Any]) -> str:
    return (f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{args.get('resourceGroupName')}/providers/"
            f"Microsoft.Network/virtualNetworks/{args.get('virtualNetworkName')}")


# Lookups of an existing network or cluster, answered from the names asked for: the VNet's address space is a
# /16 of 10.x picked by its id, and every subnet has a NAT gateway (the common AKS egress).
def _get_virtual_network(args: dict[str, Any], region: str) -> dict[str, Any]:
    vnet = _network_id(args)
    octet = int(hashlib.sha256(vnet.encode()).hexdigest()[:2], 16) % 200 + 20
    return {"id": vnet, "name": args.get("virtualNetworkName"), "location": region,
            "addressSpace": {"addressPrefixes": [f"10.{octet}.0.0/16"]}, "provisioningState": "Succeeded"}


def _get_subnet(args: dict[str, Any], region: str) -> dict[str, Any]:
    vnet = _network_id(args)
    return {"id": f"{vnet}/subnets/{args.get('subnetName')}", "name": args.get("subnetName"),
            "natGateway": {"id": f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/"
                                 f"{args.get('resourceGroupName')}/providers/Microsoft.Network/natGateways/egress"},
            "provisioningState": "Succeeded"}


def _get_managed_cluster(args: dict[str, Any], region: str) -> dict[str, Any]:
    rg, name = args.get("resourceGroupName"), args.get("resourceName")
    cid = (f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{rg}/providers/"
           f"Microsoft.ContainerService/managedClusters/{name}")
    digest = hashlib.sha256(cid.encode()).hexdigest()
    return {"id": cid, "name": name, "location": region, "kubernetesVersion": "1.35",
            "privateFQDN": f"{name}-{digest[:8]}.{digest[8:44]}.privatelink.{region}.azmk8s.io",
            "oidcIssuerProfile": {
                "enabled": True, "issuerURL": f"https://{region}.oic.prod-aks.azure.com/{AZURE_TENANT}/{digest[:36]}/"},
            "nodeResourceGroup": f"MC_{rg}_{name}_{region}"}


CALLS: dict[str, CallFn] = {
    tokens.AZURE_GET_VIRTUAL_NETWORK: _get_virtual_network,
    tokens.AZURE_GET_SUBNET: _get_subnet,
    tokens.AZURE_GET_MANAGED_CLUSTER: _get_managed_cluster,
    tokens.AZURE_GET_CLIENT_CONFIG: _client_config,
    tokens.AZURE_GET_CLIENT_TOKEN: _client_token,
    tokens.AZURE_LIST_AKS_USER_CREDENTIALS: _user_credentials,
}
