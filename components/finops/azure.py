"""Azure price rules: resource type -> price of one planned resource."""

from __future__ import annotations

from typing import Any

from llmops_landing_zone.components import catalog, tokens
from llmops_landing_zone.components.finops.model import (
    ACCESS_LOG_USAGE,
    prometheus_price,
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
from llmops_landing_zone.components.plan import PlannedResource


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
    priced = ctx.shape_price(shape.name, "azureml")
    if isinstance(priced, Unpriced):
        return Unpriced(f"Azure ML managed online deployment: {priced.reason}")
    count = num(get_path(r.inputs, "sku", "capacity"), 1)
    scale = props.get("scaleSettings") or {}
    low, high = count, count
    if scale.get("scaleType") == "TargetUtilization":
        low, high = num(scale.get("minInstances"), count), num(scale.get("maxInstances"), count)
    for setting in ctx.referencing(r, tokens.AZURE_AUTOSCALE_SETTING):  # Azure Monitor autoscale
        if setting.inputs.get("enabled", True):
            caps = [p.get("capacity") or {} for p in setting.inputs.get("profiles") or []]
            low = min((num(c.get("minimum"), low) for c in caps), default=low)
            high = max((num(c.get("maximum"), high) for c in caps), default=high)
    each = priced.usd_per_hour * HOURS_PER_MONTH
    return Price(low * each, high * each,
                 f"Azure ML managed online deployment {low:g}-{high:g} x {instance} at "
                 f"{usd(priced.usd_per_hour)}/h{priced.where}", priced.approximate)


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


def _az_data_collection_rule(r: PlannedResource, ctx: Ctx) -> Result:
    """Container logs (the AI gateway's access records, components/azure/gateway_logs.py) add their own volume to
    the workspace they flow to; other rules' ingestion is priced with their destination."""
    streams = {s for src in (get_path(r.inputs, "dataSources", "extensions") or []) for s in src.get("streams") or []}
    if "Microsoft-ContainerLogV2" not in streams:
        return free("data collection rule (ingestion priced with the workspace)")
    workspace = ctx.dependencies(r, tokens.LOG_ANALYTICS_WORKSPACE)
    days = num(workspace[0].inputs.get("retentionInDays")) if workspace else 30
    return logs_price(ctx, days or 30, 31, "Log Analytics (AI gateway access records, ContainerLogV2)",
                      ACCESS_LOG_USAGE)


def _az_key(r: PlannedResource, ctx: Ctx) -> Result:
    kty = str(get_path(r.inputs, "properties", "kty", default=""))
    if kty.endswith("-HSM"):
        return fixed("kms-key-month", "Key Vault HSM-protected key")(r, ctx)
    return free("software-protected keys bill per 10,000 operations only")


def _az_app_insights(r: PlannedResource, ctx: Ctx) -> Result:
    if r.inputs.get("workspaceResourceId"):
        return free("workspace-based: ingestion is billed on the Log Analytics workspace")
    return logs_price(ctx, num(r.inputs.get("retentionInDays")) or 90, 90, "Application Insights (classic)")


def _series(criteria: Any) -> int:
    """Time series an alert rule monitors: one per included dimension value of each condition (at least one)."""
    total = 0
    for c in (criteria or {}).get("allOf") or []:
        values = [len(d.get("values") or []) for d in c.get("dimensions") or [] if d.get("operator") == "Include"]
        n = 1
        for v in values:
            n *= max(v, 1)
        total += n
    return max(total, 1)


def _az_metric_alert(r: PlannedResource, ctx: Ctx) -> Result:
    n, unit = _series(r.inputs.get("criteria")), ctx.unit("metric-alert-series-month")
    return Price(n * unit, n * unit, f"metric alert: {n} time series x {usd(unit)}/month")


def _az_log_alert(r: PlannedResource, ctx: Ctx) -> Result:
    every = str(r.inputs.get("evaluationFrequency") or "")
    try:
        unit = ctx.unit(f"log-alert-series-month:{every}")
    except LookupError:
        return Unpriced(f"log search alert evaluated every {every or '?'}: no price in the catalog")
    n = _series(r.inputs.get("criteria"))
    return Price(n * unit, n * unit, f"log search alert every {every}: {n} time series x {usd(unit)}/month")


def _az_prometheus(r: PlannedResource, ctx: Ctx) -> Result:
    return prometheus_price(ctx, "Azure Monitor workspace: managed Prometheus samples (18 months kept, included)")

def _az_runner_job(r: PlannedResource, ctx: Ctx) -> Result:
    """A Container Apps job on the consumption profile bills its executions' vCPU- and GiB-seconds: the deploy
    runner's minutes a month (the same usage row as the AWS runner's build minutes) x its container's size."""
    res = (r.inputs.get("template") or {}).get("containers", [{}])[0].get("resources") or {}
    cpu, gib = float(res.get("cpu", 0.5)), float(str(res.get("memory", "1Gi")).removesuffix("Gi"))
    per_minute = 60 * (cpu * ctx.unit("container-apps-vcpu-second") + gib * ctx.unit("container-apps-gib-second"))
    u = ctx.usage("deploy-build-minutes-month")
    return Price(u.min * per_minute, u.max * per_minute,
                 f"deploy runner: {u.min:g}-{u.max:g} {u.unit} (usage assumption) x {cpu:g} vCPU + {gib:g} GiB "
                 f"= {usd(per_minute)}/min")


def _az_grafana(r: PlannedResource, ctx: Ctx) -> Result:
    """Azure Managed Grafana Standard: an instance-hour plus active users a month."""
    users = ctx.usage("grafana-editors-month"), ctx.usage("grafana-viewers-month")
    low, high = users[0].min + users[1].min, users[0].max + users[1].max
    hour, user = ctx.unit("grafana-standard-instance-hour"), ctx.unit("grafana-active-user-month")
    zr = get_path(r.inputs, "properties", "zoneRedundancy") == "Enabled"
    return Price(ctx.hourly("grafana-standard-instance-hour") + low * user,
                 ctx.hourly("grafana-standard-instance-hour") + high * user,
                 f"Azure Managed Grafana Standard: {usd(hour)}/h x {HOURS_PER_MONTH} h + {low:g}-{high:g} active "
                 f"users x {usd(user)} a month (usage assumptions)"
                 + ("; zone redundancy's extra charge not counted" if zr else ""))


AZURE_RULES: dict[str, Rule] = {
    tokens.AZURE_MANAGED_GRAFANA: _az_grafana,
    tokens.AZURE_CONTAINER_APPS_JOB: _az_runner_job,
    tokens.AZURE_CONTAINER_APPS_ENVIRONMENT: no_charge(
        "a workload-profiles environment with only the consumption profile has no environment fee"),
    tokens.AZURE_MONITOR_WORKSPACE: _az_prometheus,
    tokens.AZURE_DATA_COLLECTION_ENDPOINT: no_charge("data collection endpoint (ingestion priced with the workspace)"),
    tokens.AZURE_DATA_COLLECTION_RULE: _az_data_collection_rule,
    tokens.AZURE_DATA_COLLECTION_RULE_ASSOCIATION: no_charge("association of a rule or endpoint with the cluster"),
    tokens.AZURE_MONITOR_PRIVATE_LINK_SCOPE: no_charge(
        "Azure Monitor Private Link Scope: no charge of its own (its private endpoint is billed)"),
    tokens.AZURE_MONITOR_PRIVATE_LINK_SCOPED_RESOURCE: no_charge("a resource's membership of the private link scope"),
    tokens.AZURE_METRIC_ALERT: _az_metric_alert,
    tokens.AZURE_SCHEDULED_QUERY_RULE: _az_log_alert,
    tokens.AZURE_PROMETHEUS_RULE_GROUP: no_charge("rules: their evaluation is billed as query samples processed, well under a dollar a month per endpoint, not counted"),
    tokens.AZURE_CONTAINER_REGISTRY: lambda r, ctx: Price(
        ctx.unit("registry-day:Premium") * 30, ctx.unit("registry-day:Premium") * 30,
        f"ACR Premium {usd(ctx.unit('registry-day:Premium'))}/day x 30"),
    tokens.AZURE_ACR_CACHE_RULE: no_charge("cache rules are included in the registry's tier"),
    tokens.AKS_CLUSTER: _az_cluster,
    tokens.AKS_AGENT_POOL: _az_agent_pool,
    tokens.AZURE_NAT_GATEWAY: nat_gateway,
    tokens.AZURE_PUBLIC_IP_ADDRESS: public_ip,
    tokens.AZURE_PRIVATE_ENDPOINT: lambda r, ctx: Price(
        ctx.hourly("private-endpoint-hour"), ctx.hourly("private-endpoint-hour"),
        f"private endpoint {usd(ctx.unit('private-endpoint-hour'))}/h x {HOURS_PER_MONTH} h (data not estimated)"),
    # A managed private endpoint is a private endpoint in Grafana's managed network, billed as Private Link (assumed
    # at the same hourly rate; the Azure Managed Grafana pricing page lists no separate charge).
    tokens.AZURE_GRAFANA_MANAGED_PRIVATE_ENDPOINT: lambda r, ctx: Price(
        ctx.hourly("private-endpoint-hour"), ctx.hourly("private-endpoint-hour"),
        f"Grafana managed private endpoint, assumed at the private endpoint rate "
        f"{usd(ctx.unit('private-endpoint-hour'))}/h x {HOURS_PER_MONTH} h"),
    tokens.AZURE_NETWORK_PRIVATE_DNS_ZONE: fixed("private-dns-zone-month", "private DNS zone"),
    tokens.AZURE_PRIVATE_ZONE: fixed("private-dns-zone-month", "private DNS zone"),
    tokens.ML_ONLINE_DEPLOYMENT: _az_online_deployment,
    tokens.ML_ONLINE_ENDPOINT: no_charge("billed through its deployments"),
    tokens.ML_WORKSPACE: no_charge("no charge for the workspace itself"),
    tokens.SEARCH_SERVICE: _az_search,
    tokens.COSMOS_ACCOUNT: _az_cosmos_account,
    tokens.AZURE_COSMOS_SQL_DATABASE: _az_cosmos_throughput,
    tokens.AZURE_COSMOS_SQL_CONTAINER: _az_cosmos_throughput,
    tokens.LOG_ANALYTICS_WORKSPACE: _az_log_workspace,
    tokens.STORAGE_ACCOUNT: object_store("Blob Storage hot LRS"),
    tokens.KEY_VAULT_KEY: _az_key,
    tokens.AZURE_KEY_VAULT_SECRET: no_charge("Key Vault bills secrets per 10,000 operations only"),
    tokens.KEY_VAULT: no_charge("a vault bills per operation and per HSM key only"),
    tokens.AZURE_CONSUMPTION_BUDGET: no_charge("Cost Management budgets"),
    tokens.AZURE_INSIGHTS_ACTION_GROUP: no_charge("email notifications within the free allowance"),
    tokens.AZURE_INSIGHTS_DIAGNOSTIC_SETTING: no_charge("billed on the destination workspace"),
    tokens.DIAGNOSTIC_SETTING: no_charge("billed on the destination workspace"),
    tokens.SUBSCRIPTION_DIAGNOSTIC_SETTING: no_charge("billed on the destination"),
    tokens.AZURE_ACTION_GROUP: no_charge("email notifications within the free allowance"),
    tokens.AZURE_AUTOSCALE_SETTING: no_charge("Azure Monitor autoscale (its instances are billed)"),
    tokens.AZURE_APP_INSIGHTS: _az_app_insights,
}
AZURE_FREE_PREFIXES = {
    "grafana:oss/": "Grafana API object (billed with the instance)",
    "azure-native:resources:": "resource group", tokens.AZURE_VIRTUAL_NETWORK: "virtual network",
    tokens.AZURE_SUBNET: "subnet", tokens.AZURE_NETWORK_SECURITY_GROUP: "network security group",
    tokens.AZURE_SECURITY_RULE: "security rule", tokens.AZURE_ROUTE_TABLE: "route table",
    tokens.AZURE_ROUTE: "route", tokens.AZURE_PRIVATE_DNS_ZONE_GROUP: "DNS zone group",
    tokens.AZURE_NETWORK_VIRTUAL_NETWORK_LINK: "DNS zone link", tokens.AZURE_PRIVATE_ZONE_VIRTUAL_NETWORK_LINK: "link",
    "azure-native:authorization:": "role assignment or policy", "azure-native:managedidentity:": "managed identity",
    tokens.AZURE_BLOB_CONTAINER: "container (storage billed on the account)",
    tokens.AZURE_BLOB_SERVICE_PROPERTIES: "storage setting",
    tokens.AZURE_STORAGE_ACCOUNT_MANAGEMENT_POLICY: "storage setting",
    tokens.AZURE_MANAGEMENT_POLICY: "storage setting",
    tokens.AZURE_DISK_ENCRYPTION_SET: "disk encryption set (keys billed on Key Vault)",
}
