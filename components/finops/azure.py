"""Azure price rules: resource type -> price of one planned resource."""

from __future__ import annotations

from typing import Any

from components import catalog
from components.finops.model import (
    HOURS_PER_MONTH,
    Ctx,
    Price,
    Result,
    Rule,
    Unpriced,
    fixed,
    free,
    get_path,
    logs_price,
    nat_gateway,
    no_charge,
    nodes_price,
    num,
    object_store,
    public_ip,
    usage_priced,
    usd,
)
from components.plan import PlannedResource


def _az_pool(r: PlannedResource, ctx: Ctx, p: dict[str, Any], what: str) -> Result:
    if p.get("enableAutoScaling"):
        low, high = num(p.get("minCount")), num(p.get("maxCount"))
    else:
        low = high = num(p.get("count"), 1)
    disk = 0.0 if p.get("osDiskType") == "Ephemeral" else num(p.get("osDiskSizeGB"), 128)
    return nodes_price(r, ctx, p.get("vmSize"), low, high, p.get("scaleSetPriority") == "Spot", disk, what,
                       p.get("nodeLabels"))


def _az_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    tier = get_path(r.inputs, "sku", "tier", default="Free")
    key = f"cluster-hour:{tier}"
    if key not in catalog.items("azure"):
        return Unpriced(f"AKS tier {tier} has no price in the catalog")
    low = high = ctx.hourly(key)
    parts = [f"AKS {tier} tier {usd(ctx.unit(key))}/h x {HOURS_PER_MONTH} h"]
    for p in r.inputs.get("agentPoolProfiles") or []:
        pool = _az_pool(r, ctx, p, f"pool {p.get('name', '')}")
        if isinstance(pool, Unpriced):
            return pool
        low, high = low + pool.min, high + pool.max
        parts.append(pool.basis)
    return Price(low, high, "; ".join(parts))


def _az_agent_pool(r: PlannedResource, ctx: Ctx) -> Result:
    return _az_pool(r, ctx, r.inputs, "AKS nodes")


def _az_online_deployment(r: PlannedResource, ctx: Ctx) -> Result:
    props = r.inputs.get("onlineDeploymentProperties") or r.inputs.get("properties") or {}
    instance = props.get("instanceType", props.get("instance_type"))  # either spelling reaches the engine
    shape = catalog.shape_named("azure", instance or "", "azureml")
    if shape is None:
        return Unpriced(f"Azure ML instance type '{instance}' is not in the catalog")
    count = num(get_path(r.inputs, "sku", "capacity"), 1)
    scale = props.get("scaleSettings") or {}
    low, high = count, count
    if scale.get("scaleType") == "TargetUtilization":
        low, high = num(scale.get("minInstances"), count), num(scale.get("maxInstances"), count)
    for setting in ctx.referencing(r, "azure-native:monitor:AutoscaleSetting"):  # Azure Monitor autoscale
        if setting.inputs.get("enabled", True):
            caps = [p.get("capacity") or {} for p in setting.inputs.get("profiles") or []]
            low = min((num(c.get("minimum"), low) for c in caps), default=low)
            high = max((num(c.get("maximum"), high) for c in caps), default=high)
    each = shape.usd_per_hour * HOURS_PER_MONTH
    return Price(low * each, high * each,
                 f"Azure ML managed online deployment {low:g}-{high:g} x {instance} at {usd(shape.usd_per_hour)}/h")


def _az_search(r: PlannedResource, ctx: Ctx) -> Result:
    sku = get_path(r.inputs, "sku", "name", default="standard")
    key = f"ai-search-su-hour:{sku}"
    if key not in catalog.items("azure"):
        return Unpriced(f"AI Search tier {sku} has no price in the catalog")
    units = num(r.inputs.get("replicaCount"), 1) * num(r.inputs.get("partitionCount"), 1)
    cost = units * ctx.hourly(key)
    return Price(cost, cost, f"AI Search {sku}: {units:g} search unit(s) at {usd(ctx.unit(key))}/h")


def _az_cosmos_account(r: PlannedResource, ctx: Ctx) -> Result:
    caps = {c.get("name") for c in r.inputs.get("capabilities") or []}
    store = usage_priced(ctx, "vector-storage-gb", "cosmos-storage-gb-month", "Cosmos DB storage")
    if "EnableServerless" not in caps:
        return Price(store.min, store.max, store.basis + " (throughput billed on databases/containers)")
    ru = usage_priced(ctx, "cosmos-million-ru-month", "cosmos-serverless-million-ru", "serverless request units")
    return Price(store.min + ru.min, store.max + ru.max, f"{store.basis}; {ru.basis}")


def _az_cosmos_throughput(r: PlannedResource, ctx: Ctx) -> Result:
    options = r.inputs.get("options") or {}
    if options.get("throughput"):
        units = num(options["throughput"]) / 100
        cost = units * ctx.hourly("cosmos-100rus-hour")
        return Price(cost, cost, f"Cosmos DB {units * 100:g} RU/s at {usd(ctx.unit('cosmos-100rus-hour'))}/100 RU/s-h")
    top = num(get_path(options, "autoscaleSettings", "maxThroughput"))
    if top:
        rate = ctx.hourly("cosmos-autoscale-100rus-hour")
        return Price(top / 1000 * rate, top / 100 * rate,
                     f"Cosmos DB autoscale {top / 10:g}-{top:g} RU/s at "
                     f"{usd(ctx.unit('cosmos-autoscale-100rus-hour'))}/100 RU/s-h")
    return free("no dedicated throughput (serverless or shared at the database)")


def _az_log_workspace(r: PlannedResource, ctx: Ctx) -> Result:
    return logs_price(ctx, num(r.inputs.get("retentionInDays")) or 30, 31, "Log Analytics workspace")


def _az_key(r: PlannedResource, ctx: Ctx) -> Result:
    kty = str(get_path(r.inputs, "properties", "kty", default=""))
    if kty.endswith("-HSM"):
        return fixed("kms-key-month", "Key Vault HSM-protected key")(r, ctx)
    return free("software-protected keys bill per 10,000 operations only")


def _az_app_insights(r: PlannedResource, ctx: Ctx) -> Result:
    if r.inputs.get("workspaceResourceId"):
        return free("workspace-based: ingestion is billed on the Log Analytics workspace")
    return logs_price(ctx, num(r.inputs.get("retentionInDays")) or 90, 90, "Application Insights (classic)")


AZURE_RULES: dict[str, Rule] = {
    "azure-native:containerservice:ManagedCluster": _az_cluster,
    "azure-native:containerservice:AgentPool": _az_agent_pool,
    "azure-native:network:NatGateway": nat_gateway,
    "azure-native:network:PublicIPAddress": public_ip,
    "azure-native:network:PrivateEndpoint": lambda r, ctx: Price(
        ctx.hourly("private-endpoint-hour"), ctx.hourly("private-endpoint-hour"),
        f"private endpoint {usd(ctx.unit('private-endpoint-hour'))}/h x {HOURS_PER_MONTH} h (data not estimated)"),
    "azure-native:network:PrivateDnsZone": fixed("private-dns-zone-month", "private DNS zone"),
    "azure-native:privatedns:PrivateZone": fixed("private-dns-zone-month", "private DNS zone"),
    "azure-native:machinelearningservices:OnlineDeployment": _az_online_deployment,
    "azure-native:machinelearningservices:OnlineEndpoint": no_charge("billed through its deployments"),
    "azure-native:machinelearningservices:Workspace": no_charge("no charge for the workspace itself"),
    "azure-native:search:Service": _az_search,
    "azure-native:cosmosdb:DatabaseAccount": _az_cosmos_account,
    "azure-native:cosmosdb:SqlResourceSqlDatabase": _az_cosmos_throughput,
    "azure-native:cosmosdb:SqlResourceSqlContainer": _az_cosmos_throughput,
    "azure-native:operationalinsights:Workspace": _az_log_workspace,
    "azure-native:storage:StorageAccount": object_store("Blob Storage hot LRS"),
    "azure-native:keyvault:Key": _az_key,
    "azure-native:keyvault:Vault": no_charge("a vault bills per operation and per HSM key only"),
    "azure-native:consumption:Budget": no_charge("Cost Management budgets"),
    "azure-native:insights:ActionGroup": no_charge("email notifications within the free allowance"),
    "azure-native:insights:DiagnosticSetting": no_charge("billed on the destination workspace"),
    "azure-native:monitor:DiagnosticSetting": no_charge("billed on the destination workspace"),
    "azure-native:monitor:SubscriptionDiagnosticSetting": no_charge("billed on the destination"),
    "azure-native:monitor:ActionGroup": no_charge("email notifications within the free allowance"),
    "azure-native:monitor:AutoscaleSetting": no_charge("Azure Monitor autoscale (its instances are billed)"),
    "azure-native:applicationinsights:Component": _az_app_insights,
}
AZURE_FREE_PREFIXES = {
    "azure-native:resources:": "resource group", "azure-native:network:VirtualNetwork": "virtual network",
    "azure-native:network:Subnet": "subnet", "azure-native:network:NetworkSecurityGroup": "network security group",
    "azure-native:network:SecurityRule": "security rule", "azure-native:network:RouteTable": "route table",
    "azure-native:network:Route": "route", "azure-native:network:PrivateDnsZoneGroup": "DNS zone group",
    "azure-native:network:VirtualNetworkLink": "DNS zone link", "azure-native:privatedns:VirtualNetworkLink": "link",
    "azure-native:authorization:": "role assignment or policy", "azure-native:managedidentity:": "managed identity",
    "azure-native:storage:BlobContainer": "container (storage billed on the account)",
    "azure-native:storage:BlobServiceProperties": "storage setting",
    "azure-native:storage:StorageAccountManagementPolicy": "storage setting",
    "azure-native:storage:ManagementPolicy": "storage setting",
    "azure-native:compute:DiskEncryptionSet": "disk encryption set (keys billed on Key Vault)",
}
