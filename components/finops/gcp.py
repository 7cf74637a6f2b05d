"""GCP price rules: resource type -> price of one planned resource."""

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
    cluster_fee,
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


def _gcp_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    fee = cluster_fee(ctx, r.inputs.get("minMasterVersion"),
                       get_path(r.inputs, "releaseChannel", "channel") == "EXTENDED", "GKE cluster management fee")
    return Price(fee.min, fee.max, f"{fee.basis} (the free-tier credit is not deducted)")


def _gcp_zones(r: PlannedResource, ctx: Ctx) -> int:
    zones = r.inputs.get("nodeLocations")
    if not zones:
        for c in ctx.dependencies(r, tokens.GKE_CLUSTER):
            zones = c.inputs.get("nodeLocations")
    return len(zones) if zones else 1


def _gcp_node_pool(r: PlannedResource, ctx: Ctx) -> Result:
    node = r.inputs.get("nodeConfig") or {}
    auto = r.inputs.get("autoscaling") or {}
    if "totalMinNodeCount" in auto or "totalMaxNodeCount" in auto:
        low, high = num(auto.get("totalMinNodeCount")), num(auto.get("totalMaxNodeCount"))
    elif auto:
        zones = _gcp_zones(r, ctx)
        low, high = num(auto.get("minNodeCount")) * zones, num(auto.get("maxNodeCount")) * zones
    else:
        zones = _gcp_zones(r, ctx)
        count = num(r.inputs.get("nodeCount", r.inputs.get("initialNodeCount")), 1) * zones
        low = high = count
    if any(a.get("type") for a in node.get("guestAccelerators") or [])\
            and not catalog.shape_named("gcp", node.get("machineType", "")):
        return Unpriced(f"machine type {node.get('machineType')} with separately billed accelerators is not priced")
    spot = bool(node.get("spot") or node.get("preemptible"))
    return nodes_price(r, ctx, node.get("machineType"), low, high, spot, num(node.get("diskSizeGb"), 100), "GKE nodes",
                       node.get("labels"))


def _gcp_address(r: PlannedResource, ctx: Ctx) -> Result:
    if (r.inputs.get("addressType") or "EXTERNAL") == "INTERNAL":
        return free("internal address")
    return public_ip(r, ctx)


def _vertex_dedicated(r: PlannedResource, ctx: Ctx, resources: dict[str, Any] | None, what: str) -> Result:
    resources = resources or {}
    machine = get_path(resources, "machineSpec", "machineType")
    if not machine:
        return Unpriced(f"{what}: no dedicated machine type at plan time")
    shape = catalog.shape_named("gcp", machine, "vertex")
    if shape is None:
        return Unpriced(f"{what}: machine type {machine} is not a Vertex AI shape in the catalog")
    priced = ctx.shape_price(machine, "vertex")
    if isinstance(priced, Unpriced):
        return Unpriced(f"{what}: {priced.reason}")
    low = num(resources.get("minReplicaCount"), 1)
    high = num(resources.get("maxReplicaCount"), low)
    each = priced.usd_per_hour * HOURS_PER_MONTH
    return Price(low * each, high * each,
                 f"{what}: {low:g}-{high:g} x {machine} ({shape.gpus} x {shape.gpu}) at "
                 f"{usd(priced.usd_per_hour)}/h{priced.where}", priced.approximate)


def _gcp_model_garden(r: PlannedResource, ctx: Ctx) -> Result:
    return _vertex_dedicated(r, ctx, get_path(r.inputs, "deployConfig", "dedicatedResources"), "Vertex AI endpoint")


def _gcp_vertex_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    """An endpoint bills only the models deployed on it; the zone creates one empty for a model outside Model
    Garden, and the ML pipeline deploys onto it (Endpoint.deploy): what runs there is not in the plan."""
    name = r.inputs.get("displayName") or r.name
    return Unpriced(f"Vertex AI endpoint {name}: its model is deployed outside the plan (by the ML pipeline), so "
                    "its machines (billed per node-hour from the deployment on) are not known to the estimate")


def _gcp_deployed_index(r: PlannedResource, ctx: Ctx) -> Result:
    dedicated = r.inputs.get("dedicatedResources")
    automatic = r.inputs.get("automaticResources")
    if dedicated:
        machine = get_path(dedicated, "machineSpec", "machineType")
        low, high = num(dedicated.get("minReplicaCount"), 1), num(dedicated.get("maxReplicaCount"), 1)
    elif automatic:
        machine = "automatic"  # the catalog prices Vector Search's default serving node for automatic resources
        low, high = num(automatic.get("minReplicaCount"), 2), num(automatic.get("maxReplicaCount"), 2)
    else:
        return Unpriced("deployed index without dedicated or automatic resources")
    key = f"vector-search-node-hour:{machine}"
    if key not in catalog.items("gcp"):
        return Unpriced(f"Vector Search node {machine} has no price in the catalog")
    high = max(high, low)
    return Price(low * ctx.hourly(key), high * ctx.hourly(key),
                 f"Vector Search {low:g}-{high:g} x {machine} node at {usd(ctx.unit(key))}/h (no scale to zero)")


def _gcp_alloydb_instance(r: PlannedResource, ctx: Ctx) -> Result:
    cpus = num(get_path(r.inputs, "machineConfig", "cpuCount"))
    if not cpus:
        return Unpriced("AlloyDB instance without machineConfig.cpuCount")
    nodes = num(get_path(r.inputs, "readPoolConfig", "nodeCount"), 1)
    if r.inputs.get("availabilityType", "REGIONAL") == "REGIONAL" and r.inputs.get("instanceType") != "READ_POOL":
        nodes = 2  # a regional (HA) primary bills its standby too
    mem_gb = cpus * 8  # AlloyDB machine shapes: 8 GB per vCPU
    hourly = cpus * ctx.unit("alloydb-vcpu-hour") + mem_gb * ctx.unit("alloydb-memory-gb-hour")
    cost = nodes * hourly * HOURS_PER_MONTH
    return Price(cost, cost, f"AlloyDB {nodes:g} node(s) x ({cpus:g} vCPU + {mem_gb:g} GB) at {usd(hourly)}/h")


def _gcp_kms_key(r: PlannedResource, ctx: Ctx) -> Result:
    hsm = get_path(r.inputs, "versionTemplate", "protectionLevel") == "HSM"
    return fixed("kms-hsm-key-month" if hsm else "kms-key-month", "Cloud KMS key version")(r, ctx)


def _gcp_log_bucket(r: PlannedResource, ctx: Ctx) -> Result:
    return logs_price(ctx, num(r.inputs.get("retentionDays")) or 30, 30, "Cloud Logging bucket")


def _gcp_log_sink(r: PlannedResource, ctx: Ctx) -> Result:
    """A sink bills on its destination; one routing container logs (the AI gateway's access records,
    components/gcp/gateway_logs.py) adds their volume to that bucket, which Cloud Logging bills again."""
    if 'resource.type="k8s_container"' not in str(r.inputs.get("filter", "")):
        return free("a sink bills on its destination")
    bucket = ctx.dependencies(r, tokens.GCP_LOG_BUCKET)
    days = num(bucket[0].inputs.get("retentionDays")) if bucket else 30
    return logs_price(ctx, days or 30, 30, "Cloud Logging (AI gateway access records into the audit bucket)",
                      ACCESS_LOG_USAGE)


def _gcp_forwarding_rule(r: PlannedResource, ctx: Ctx) -> Result:
    if "serviceAttachments/" not in str(r.inputs.get("target", "")):
        return Unpriced("load-balancer forwarding rules have no price in the catalog")
    c = ctx.hourly("private-endpoint-hour")
    return Price(c, c, f"Private Service Connect endpoint {usd(ctx.unit('private-endpoint-hour'))}/h x "
                 f"{HOURS_PER_MONTH} h (data processed not estimated)")


def _gcp_prometheus(r: PlannedResource, ctx: Ctx) -> Result:
    return prometheus_price(ctx, "Managed Service for Prometheus samples (vLLM; GKE's DCGM and workload metrics)")

GCP_RULES: dict[str, Rule] = {
    tokens.K8S_GMP_POD_MONITORING: _gcp_prometheus,
    tokens.GCP_ALERT_POLICY: no_charge("rules: their evaluation is billed as query samples processed, well under a dollar a month per endpoint, not counted"),
    # Remote repositories bill storage of what they cache (~13 GB for the vLLM image), not counted here.
    tokens.GCP_ARTIFACT_REGISTRY_REPOSITORY: no_charge("repository itself is free (cached images bill as storage)"),
    tokens.GKE_CLUSTER: _gcp_cluster,
    tokens.GKE_NODE_POOL: _gcp_node_pool,
    tokens.GCP_ROUTER_NAT: nat_gateway,
    tokens.GCP_ADDRESS: _gcp_address,
    tokens.VERTEX_MODEL_GARDEN: _gcp_model_garden,
    tokens.VERTEX_ENDPOINT: _gcp_vertex_endpoint,
    tokens.VERTEX_INDEX: no_charge("no standing charge (index builds bill per GiB processed)"),
    tokens.VERTEX_INDEX_ENDPOINT: no_charge("billed through its deployed indexes"),
    tokens.GCP_VERTEX_DEPLOYED_INDEX: _gcp_deployed_index,
    tokens.ALLOYDB_CLUSTER: lambda r, ctx: usage_priced(ctx, "vector-storage-gb", "alloydb-storage-gb-month",
                                                                 "AlloyDB storage (compute billed on instances)"),
    tokens.ALLOYDB_INSTANCE: _gcp_alloydb_instance,
    tokens.GCP_KMS_KEY: _gcp_kms_key,
    tokens.GCP_LOG_BUCKET: _gcp_log_bucket,
    tokens.GCS_BUCKET: object_store("Cloud Storage Standard"),
    tokens.GCP_FORWARDING_RULE: _gcp_forwarding_rule,
    tokens.GCP_BUDGET: no_charge("Cloud Billing budgets"),
    tokens.GCP_MONITORING_DASHBOARD: no_charge("Cloud Monitoring dashboards have no charge (GMP bills ingestion, priced on the PodMonitoring)"),
    tokens.GCP_SECRET: no_charge("Secret Manager bills its active versions"),
    tokens.GCP_SECRET_VERSION: fixed("secret-version-month", "Secret Manager active secret version"),
    tokens.GCP_PUBSUB_TOPIC: no_charge("Pub/Sub within the 10 GiB monthly free tier"),
    tokens.GCP_LOG_SINK: _gcp_log_sink,
}
GCP_FREE_PREFIXES = {
    "gcp:projects/": "project setting or IAM", "gcp:serviceaccount/": "service account", "gcp:compute/network:": "VPC",
    "gcp:compute/subnetwork": "subnet", "gcp:compute/router:": "Cloud Router", "gcp:compute/firewall": "firewall rule",
    "gcp:compute/globalAddress:": "private services range", "gcp:compute/route:": "route",
    "gcp:servicenetworking/": "private services access", "gcp:kms/keyRing:": "key ring",
    "gcp:kms/cryptoKeyIAM": "IAM", "gcp:kms/keyRingIAM": "IAM", "gcp:storage/bucketIAM": "IAM",
    "gcp:monitoring/notificationChannel:": "notification channel", "gcp:organizations/": "IAM",
    "gcp:vertex/aiEndpointIam": "IAM", "gcp:container/": "GKE setting",
}
