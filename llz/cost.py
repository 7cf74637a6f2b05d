"""Monthly cost of a recorded plan at minimum and maximum scale, and the diff between two plans.

Every custom resource of the plan gets one ``CostItem``: priced from its type and inputs (instance types,
node-group scaling, replica counts, OCU/ACU ranges, retention...) with the dated catalog's unit prices, or
"free" (basis "no charge: ...") when the cloud does not bill the resource itself, or *not priced* (``priced``
False, listed in ``unpriced`` with the reason) when the catalog has no price for it. Nothing unknown is ever
silently zero. Usage-billed resources (logs, buckets, NAT data) are priced with the stated usage assumptions of
``components/catalog/data/usage-assumptions.csv``. A month is 730 hours.

Prices are those of each cloud's reference region in the catalog (us-east-1, us-central1, eastus).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from components import catalog
from components.catalog import kubernetes as k8s_calendar
from llz.console import console as make_console
from llz.plan import Plan, PlannedResource

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24


@dataclass(frozen=True)
class CostItem:
    urn: str
    type: str
    name: str
    monthly_min_usd: float
    monthly_max_usd: float
    basis: str
    priced: bool

    @property
    def identity(self) -> str:
        return identity(self.urn)

    @property
    def free(self) -> bool:
        return self.priced and self.basis.startswith("no charge")


@dataclass
class CostEstimate:
    stack: str
    cloud: str
    environment: str
    items: list[CostItem]
    reference_region: str = ""
    monthly_min_usd: float = field(init=False)
    monthly_max_usd: float = field(init=False)

    def __post_init__(self) -> None:
        self.monthly_min_usd = round(sum(i.monthly_min_usd for i in self.items if i.priced), 2)
        self.monthly_max_usd = round(sum(i.monthly_max_usd for i in self.items if i.priced), 2)

    @property
    def unpriced(self) -> list[CostItem]:
        return [i for i in self.items if not i.priced]

    @property
    def billed(self) -> list[CostItem]:
        """Priced items that cost something (free ones left out)."""
        return [i for i in self.items if i.priced and not i.free]


def identity(urn: str) -> str:
    """A resource's identity across stacks: its URN without ``urn:pulumi:<stack>::`` (type chain + name stay)."""
    return re.sub(r"^urn:pulumi:[^:]*::", "", urn)


# --- pricing context ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    min: float
    max: float
    basis: str


@dataclass(frozen=True)
class Unpriced:
    reason: str


Result = Price | Unpriced
Rule = Callable[[PlannedResource, "Ctx"], Result]


def free(why: str) -> Price:
    return Price(0.0, 0.0, f"no charge: {why}")


class Ctx:
    """What a rule may look at: the plan (for related resources) and the cloud's catalog."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cloud = plan.cloud
        self.on = k8s_calendar.today()  # the day support phases (extended-support fees) are judged on
        self._by_urn = {r.urn: r for r in plan.resources}

    def unit(self, key: str) -> float:
        return catalog.item(self.cloud, key).usd

    def hourly(self, key: str, count: float = 1.0) -> float:
        return self.unit(key) * HOURS_PER_MONTH * count

    def usage(self, key: str) -> catalog.UsageAssumption:
        return catalog.usage(key)

    def dependencies(self, r: PlannedResource, type_: str) -> list[PlannedResource]:
        return [d for u in r.dependencies if (d := self._by_urn.get(u)) is not None and d.type == type_]

    def of_type(self, type_: str) -> list[PlannedResource]:
        return self.plan.of_type(type_)

    def referencing(self, r: PlannedResource, type_: str) -> list[PlannedResource]:
        """Resources of ``type_`` that depend on ``r``."""
        return [x for x in self.plan.of_type(type_) if r.urn in x.dependencies]

    def spot(self, spot: bool) -> tuple[float, str]:
        if not spot:
            return 1.0, "on-demand"
        d = catalog.spot_discount(self.cloud)
        return 1.0 - d, f"Spot at an assumed {d:.0%} discount"


def _get(d: Any, *path: str | int, default: Any = None) -> Any:
    for p in path:
        if isinstance(d, dict) and isinstance(p, str):
            d = d.get(p)
        elif isinstance(d, list) and isinstance(p, int) and -len(d) <= p < len(d):
            d = d[p]
        else:
            return default
        if d is None:
            return default
    return d


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _usd(x: float) -> str:
    """Money with cents, unit prices below $1 with up to four decimals ($0.045, $0.0112)."""
    return f"${x:,.2f}" if x >= 1 or round(x, 2) == x else f"${x:.4f}".rstrip("0")


def _per_node(shape_price: float, factor: float, disk_gb: float, disk_price: float) -> float:
    return shape_price * factor * HOURS_PER_MONTH + disk_gb * disk_price


def _nodes(r: PlannedResource, ctx: Ctx, instance: str | None, low: float, high: float, spot: bool,
           disk_gb: float, what: str) -> Result:
    """Nodes of one instance type between ``low`` and ``high``: instance hours (Spot-discounted) + disks."""
    if not instance or instance == "<computed>":
        return Unpriced(f"{what}: instance type unknown at plan time")
    shape = catalog.shape_named(ctx.cloud, instance) or catalog.system_shape(ctx.cloud, instance)
    if shape is None:
        return Unpriced(f"{what}: instance type '{instance}' is not in the {ctx.cloud} catalog")
    factor, cap = ctx.spot(spot)
    disk = ctx.unit("disk-gb-month")
    each = _per_node(shape.usd_per_hour, factor, disk_gb, disk)
    basis = (f"{what}: {low:g}-{high:g} x {instance} at {_usd(shape.usd_per_hour)}/h {cap}"
             f" + {disk_gb:g} GB disk at {_usd(disk)}/GB-month each")
    return Price(low * each, high * each, basis)


def _usage_priced(ctx: Ctx, usage_key: str, unit_key: str, what: str) -> Price:
    u = ctx.usage(usage_key)
    price = ctx.unit(unit_key)
    return Price(u.min * price, u.max * price,
                 f"{what}: {u.min:g}-{u.max:g} {u.unit} (usage assumption) x {_usd(ctx.unit(unit_key))}")


def _logs(ctx: Ctx, retention_days: float | None, included_days: float, what: str) -> Price:
    """Log ingestion per month plus the steady-state stored volume beyond the included retention."""
    u = ctx.usage("log-gb-month")
    ingest, store = ctx.unit("log-ingest-gb"), ctx.unit("log-storage-gb-month")
    days = retention_days if retention_days and retention_days > 0 else 365.0
    stored_months = max(0.0, days - included_days) / DAYS_PER_MONTH
    per_gb = ingest + stored_months * store
    kept = f"{days:g} days retention" + ("" if retention_days else " (never expires: 1 year assumed)")
    return Price(u.min * per_gb, u.max * per_gb,
                 f"{what}: {u.min:g}-{u.max:g} GB/month (usage assumption) x ({_usd(ingest)}/GB ingested + "
                 f"{stored_months:.1f} months stored at {_usd(store)}/GB-month; {kept})")


# --- AWS ---------------------------------------------------------------------------------------------------


def _cluster_fee(ctx: Ctx, version: Any, extended: bool, what: str) -> Price:
    """The management fee of a cluster, at the extended-support rate while an opted-in minor is past its
    standard support (EKS extended support, GKE Extended channel); AKS LTS is priced by its Premium tier."""
    row = k8s_calendar.calendar(ctx.cloud).get(str(version))
    key, note = "cluster-hour", ""
    if extended and row is not None:
        if row.phase(ctx.on) is k8s_calendar.Phase.EXTENDED:
            key, note = "cluster-hour-extended", f" (Kubernetes {version} is in extended support until {row.end_of_support})"
        else:
            later = ctx.unit("cluster-hour-extended")
            note = f" ({_usd(later)}/h from {row.end_of_standard}, when {version} leaves standard support)"
    monthly = ctx.hourly(key)
    return Price(monthly, monthly, f"{what} {_usd(ctx.unit(key))}/h x {HOURS_PER_MONTH} h{note}")


def _aws_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    support = _get(r.inputs, "upgradePolicy", "supportType", default="EXTENDED")  # the EKS API's default
    return _cluster_fee(ctx, r.inputs.get("version"), support == "EXTENDED", "EKS cluster fee")


def _aws_launch_template_disk(r: PlannedResource, ctx: Ctx) -> float | None:
    for lt in ctx.dependencies(r, "aws:ec2/launchTemplate:LaunchTemplate"):
        sizes = [_num(_get(b, "ebs", "volumeSize")) for b in lt.inputs.get("blockDeviceMappings") or []]
        if any(sizes):
            return sum(sizes)
    return None


def _aws_node_group(r: PlannedResource, ctx: Ctx) -> Result:
    types = r.inputs.get("instanceTypes") or []
    scaling = r.inputs.get("scalingConfig") or {}
    disk = r.inputs.get("diskSize") or _aws_launch_template_disk(r, ctx) or 20  # EKS default root volume: 20 GB
    return _nodes(r, ctx, types[0] if types else None, _num(scaling.get("minSize")), _num(scaling.get("maxSize")),
                  r.inputs.get("capacityType") == "SPOT", _num(disk), "EKS nodes")


def _nat(r: PlannedResource, ctx: Ctx) -> Result:
    hours = ctx.hourly("nat-gateway-hour")
    u = ctx.usage("nat-gb-month")
    gb = ctx.unit("nat-gateway-gb")
    return Price(hours + u.min * gb, hours + u.max * gb,
                 f"NAT gateway {_usd(ctx.unit('nat-gateway-hour'))}/h x {HOURS_PER_MONTH} h + {u.min:g}-{u.max:g} "
                 f"GB/month processed (usage assumption) at {_usd(gb)}/GB")


def _public_ip(r: PlannedResource, ctx: Ctx) -> Result:
    return Price(ctx.hourly("public-ip-hour"), ctx.hourly("public-ip-hour"),
                 f"public IPv4 address {_usd(ctx.unit('public-ip-hour'))}/h x {HOURS_PER_MONTH} h")


def _endpoint_enis(r: PlannedResource, ctx: Ctx, what: str) -> Result:
    azs = len(r.inputs.get("subnetIds") or []) or 1
    cost = ctx.hourly("private-endpoint-hour", azs)
    return Price(cost, cost, f"{what}: {azs} AZ(s) x {_usd(ctx.unit('private-endpoint-hour'))}/h x "
                 f"{HOURS_PER_MONTH} h (data processed not estimated)")


def _aws_vpc_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    kind = r.inputs.get("vpcEndpointType") or "Gateway"
    if kind == "Gateway":
        return free("gateway VPC endpoints (S3, DynamoDB) have no hourly or data charge")
    if kind == "Interface":
        return _endpoint_enis(r, ctx, f"interface endpoint {r.inputs.get('serviceName', '')}".strip())
    return Unpriced(f"VPC endpoint type {kind} has no price in the catalog")


def _aws_aoss_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    return _endpoint_enis(r, ctx, "OpenSearch Serverless VPC endpoint (PrivateLink pricing)")


def _aws_collection(r: PlannedResource, ctx: Ctx) -> Result:
    redundant = (r.inputs.get("standbyReplicas") or "ENABLED") == "ENABLED"  # provider default: ENABLED
    low = ctx.unit("opensearch-serverless-min-ocu-redundant" if redundant else "opensearch-serverless-min-ocu")
    high = ctx.unit("opensearch-serverless-max-ocu")
    for group in ctx.of_type("aws:opensearch/serverlessCollectionGroup:ServerlessCollectionGroup"):
        if group.inputs.get("name") and group.inputs.get("name") == r.inputs.get("collectionGroupName"):
            limits = _get(group.inputs, "capacityLimits", 0, default={})
            high = _num(limits.get("maxIndexingCapacityInOcu"), high / 2) + _num(limits.get("maxSearchCapacityInOcu"),
                                                                                   high / 2)
    ocu = ctx.unit("opensearch-serverless-ocu-hour")
    store = ctx.usage("vector-storage-gb")
    gb = ctx.unit("opensearch-serverless-storage-gb-month")
    return Price(low * ocu * HOURS_PER_MONTH + store.min * gb, high * ocu * HOURS_PER_MONTH + store.max * gb,
                 f"OpenSearch Serverless {low:g}-{high:g} OCU (standby replicas {'on' if redundant else 'off'}) at "
                 f"{_usd(ocu)}/OCU-h + {store.min:g}-{store.max:g} GB (usage assumption) at {_usd(gb)}/GB-month; "
                 "collections sharing a KMS key share OCUs")


def _aws_rds_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    if not str(r.inputs.get("engine", "")).startswith("aurora"):
        return Unpriced(f"RDS engine {r.inputs.get('engine')} has no price in the catalog")
    return _usage_priced(ctx, "vector-storage-gb", "aurora-storage-gb-month",
                         "Aurora storage (compute billed on its instances; I/O not estimated)")


def _aws_rds_instance(r: PlannedResource, ctx: Ctx) -> Result:
    if r.inputs.get("instanceClass") != "db.serverless":
        return Unpriced(f"instance class {r.inputs.get('instanceClass')} has no price in the catalog")
    clusters = ctx.dependencies(r, "aws:rds/cluster:Cluster") or [
        c for c in ctx.of_type("aws:rds/cluster:Cluster")
        if c.inputs.get("clusterIdentifier") == r.inputs.get("clusterIdentifier")]
    scaling = _get(clusters[0].inputs, "serverlessv2ScalingConfiguration", default={}) if clusters else {}
    if not scaling:
        return Unpriced("Aurora Serverless v2 instance without a scaling configuration on its cluster")
    low, high = _num(scaling.get("minCapacity")), _num(scaling.get("maxCapacity"))
    acu = ctx.unit("aurora-serverless-v2-acu-hour")
    return Price(low * acu * HOURS_PER_MONTH, high * acu * HOURS_PER_MONTH,
                 f"Aurora Serverless v2 {low:g}-{high:g} ACU at {_usd(acu)}/ACU-h x {HOURS_PER_MONTH} h")


def _aws_sagemaker_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    configs = ctx.dependencies(r, "aws:sagemaker/endpointConfiguration:EndpointConfiguration") or [
        c for c in ctx.of_type("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
        if c.inputs.get("name") and c.inputs.get("name") == r.inputs.get("endpointConfigName")]
    if not configs:
        return Unpriced("SageMaker endpoint whose endpoint configuration is not in the plan")
    targets = ctx.referencing(r, "aws:appautoscaling/target:Target")
    name = r.inputs.get("name", "")
    targets += [t for t in ctx.of_type("aws:appautoscaling/target:Target")
                if name and str(t.inputs.get("resourceId", "")).startswith(f"endpoint/{name}/") and t not in targets]
    low = high = 0.0
    parts = []
    for v in configs[0].inputs.get("productionVariants") or []:
        instance = v.get("instanceType")
        if v.get("serverlessConfig") or not instance:
            return Unpriced("serverless SageMaker variants (no GPU) are not priced")
        shape = catalog.shape_named("aws", instance, "sagemaker")
        if shape is None:
            return Unpriced(f"SageMaker instance type '{instance}' is not in the catalog")
        count = _num(v.get("initialInstanceCount"), 1)
        lo, hi = count, count
        managed = v.get("managedInstanceScaling") or {}
        if managed.get("status") == "ENABLED":
            lo, hi = _num(managed.get("minInstanceCount"), lo), _num(managed.get("maxInstanceCount"), hi)
        variant = v.get("variantName", "")
        for t in targets:
            if not variant or str(t.inputs.get("resourceId", "")).endswith(f"/variant/{variant}"):
                lo, hi = _num(t.inputs.get("minCapacity"), lo), _num(t.inputs.get("maxCapacity"), hi)
        low += lo * shape.usd_per_hour * HOURS_PER_MONTH
        high += hi * shape.usd_per_hour * HOURS_PER_MONTH
        parts.append(f"{lo:g}-{hi:g} x {instance} at {_usd(shape.usd_per_hour)}/h")
    return Price(low, high, f"SageMaker real-time endpoint: {', '.join(parts)} x {HOURS_PER_MONTH} h")


def _aws_log_group(r: PlannedResource, ctx: Ctx) -> Result:
    return _logs(ctx, _num(r.inputs.get("retentionInDays")) or None, 0, "CloudWatch Logs")


def _object_store(what: str) -> Rule:
    return lambda r, ctx: _usage_priced(ctx, "object-gb", "object-storage-gb-month", what)


def _no_charge(why: str) -> Rule:
    return lambda r, ctx: free(why)


def _fixed(key: str, what: str) -> Rule:
    return lambda r, ctx: Price(ctx.unit(key), ctx.unit(key), f"{what} {_usd(ctx.unit(key))}/month")


def _aws_trail(r: PlannedResource, ctx: Ctx) -> Result:
    selectors = r.inputs.get("advancedEventSelectors") or []
    data = [s for s in selectors if any(f.get("field") == "eventCategory" and "Data" in (f.get("equals") or [])
                                        for f in s.get("fieldSelectors") or [])]
    data += [s for s in r.inputs.get("eventSelectors") or [] if s.get("dataResources")]
    if not data:
        return free("the first copy of management events is free (log storage is billed on the bucket)")
    events = _usage_priced(ctx, "trail-data-events-100k-month", "cloudtrail-data-events-100k", "CloudTrail data events")
    return Price(events.min, events.max, events.basis + "; management events: first copy free")


AWS_RULES: dict[str, Rule] = {
    "aws:eks/cluster:Cluster": _aws_cluster,
    "aws:eks/nodeGroup:NodeGroup": _aws_node_group,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _public_ip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _aws_vpc_endpoint,
    "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint": _aws_aoss_endpoint,
    "aws:opensearch/serverlessCollection:ServerlessCollection": _aws_collection,
    "aws:rds/cluster:Cluster": _aws_rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _aws_rds_instance,
    "aws:sagemaker/endpoint:Endpoint": _aws_sagemaker_endpoint,
    "aws:cloudwatch/logGroup:LogGroup": _aws_log_group,
    "aws:s3/bucket:Bucket": _object_store("S3 Standard storage"),
    "aws:s3/bucketV2:BucketV2": _object_store("S3 Standard storage"),
    "aws:kms/key:Key": _fixed("kms-key-month", "KMS customer managed key"),
    "aws:secretsmanager/secret:Secret": _fixed("secret-month", "Secrets Manager secret"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _fixed("alarm-month", "CloudWatch alarm"),
    "aws:cloudtrail/trail:Trail": _aws_trail,
    "aws:budgets/budget:Budget": _no_charge("AWS Budgets without actions"),
    "aws:sns/topic:Topic": _no_charge("SNS within the free tier (first 1,000 email deliveries a month)"),
    "aws:sagemaker/model:Model": _no_charge("billed through the endpoint's instances"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _no_charge("billed through the endpoint"),
    "aws:ec2/launchTemplate:LaunchTemplate": _no_charge("its volumes are billed on the node group"),
    "aws:ec2/flowLog:FlowLog": _no_charge("flow log records are billed on the destination log group"),
}
AWS_FREE_PREFIXES = {
    "aws:iam/": "IAM", "aws:ec2/vpc:": "VPC", "aws:ec2/subnet:": "subnet", "aws:ec2/routeTable": "route table",
    "aws:ec2/route:": "route", "aws:ec2/internetGateway:": "internet gateway", "aws:ec2/securityGroup": "security group",
    "aws:vpc/securityGroup": "security group rule", "aws:ec2/defaultSecurityGroup:": "default security group",
    "aws:ec2/defaultNetworkAcl:": "network ACL", "aws:ec2/networkAcl": "network ACL",
    "aws:ec2/defaultRouteTable:": "route table", "aws:ebs/encryptionByDefault:": "account setting",
    "aws:eks/addon:": "EKS add-on (runs on the nodes)", "aws:eks/accessEntry:": "EKS access entry",
    "aws:eks/accessPolicyAssociation:": "EKS access policy", "aws:eks/podIdentityAssociation:": "pod identity",
    "aws:kms/alias:": "KMS alias", "aws:kms/keyPolicy:": "key policy", "aws:s3/bucketPublicAccessBlock:": "bucket setting",
    "aws:s3/bucketPolicy:": "bucket setting", "aws:s3/bucketVersioning": "bucket setting",
    "aws:s3/bucketServerSideEncryptionConfiguration": "bucket setting", "aws:s3/bucketOwnershipControls:": "bucket setting",
    "aws:s3/bucketLifecycleConfiguration": "bucket setting", "aws:s3/bucketObjectLockConfiguration": "bucket setting",
    "aws:s3/bucketLogging": "bucket setting", "aws:s3/bucketNotification:": "bucket setting",
    "aws:cloudwatch/logResourcePolicy:": "log resource policy", "aws:opensearch/serverlessSecurityPolicy:": "policy",
    "aws:opensearch/serverlessAccessPolicy:": "policy", "aws:opensearch/serverlessLifecyclePolicy:": "policy",
    "aws:opensearch/serverlessCollectionGroup:": "capacity limits (billed on the collections)",
    "aws:rds/subnetGroup:": "DB subnet group", "aws:rds/clusterParameterGroup:": "parameter group",
    "aws:rds/parameterGroup:": "parameter group", "aws:appautoscaling/": "Application Auto Scaling",
    "aws:autoscaling/tag:": "tag", "aws:sns/topicPolicy:": "topic policy", "aws:sns/topicSubscription:": "subscription",
    "aws:budgets/budgetAction:": "budget action",
    "aws:costexplorer/anomaly": "Cost Anomaly Detection",
}


# --- GCP ---------------------------------------------------------------------------------------------------


def _gcp_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    fee = _cluster_fee(ctx, r.inputs.get("minMasterVersion"),
                       _get(r.inputs, "releaseChannel", "channel") == "EXTENDED", "GKE cluster management fee")
    return Price(fee.min, fee.max, f"{fee.basis} (the free-tier credit is not deducted)")


def _gcp_zones(r: PlannedResource, ctx: Ctx) -> int:
    zones = r.inputs.get("nodeLocations")
    if not zones:
        for c in ctx.dependencies(r, "gcp:container/cluster:Cluster"):
            zones = c.inputs.get("nodeLocations")
    return len(zones) if zones else 1


def _gcp_node_pool(r: PlannedResource, ctx: Ctx) -> Result:
    node = r.inputs.get("nodeConfig") or {}
    auto = r.inputs.get("autoscaling") or {}
    if "totalMinNodeCount" in auto or "totalMaxNodeCount" in auto:
        low, high = _num(auto.get("totalMinNodeCount")), _num(auto.get("totalMaxNodeCount"))
    elif auto:
        zones = _gcp_zones(r, ctx)
        low, high = _num(auto.get("minNodeCount")) * zones, _num(auto.get("maxNodeCount")) * zones
    else:
        zones = _gcp_zones(r, ctx)
        count = _num(r.inputs.get("nodeCount", r.inputs.get("initialNodeCount")), 1) * zones
        low = high = count
    if any(a.get("type") for a in node.get("guestAccelerators") or [])\
            and not catalog.shape_named("gcp", node.get("machineType", "")):
        return Unpriced(f"machine type {node.get('machineType')} with separately billed accelerators is not priced")
    spot = bool(node.get("spot") or node.get("preemptible"))
    return _nodes(r, ctx, node.get("machineType"), low, high, spot, _num(node.get("diskSizeGb"), 100), "GKE nodes")


def _gcp_address(r: PlannedResource, ctx: Ctx) -> Result:
    if (r.inputs.get("addressType") or "EXTERNAL") == "INTERNAL":
        return free("internal address")
    return _public_ip(r, ctx)


def _vertex_dedicated(r: PlannedResource, ctx: Ctx, resources: dict[str, Any] | None, what: str) -> Result:
    resources = resources or {}
    machine = _get(resources, "machineSpec", "machineType")
    if not machine:
        return Unpriced(f"{what}: no dedicated machine type at plan time")
    shape = catalog.shape_named("gcp", machine, "vertex")
    if shape is None:
        return Unpriced(f"{what}: machine type {machine} is not a Vertex AI shape in the catalog")
    low = _num(resources.get("minReplicaCount"), 1)
    high = _num(resources.get("maxReplicaCount"), low)
    each = shape.usd_per_hour * HOURS_PER_MONTH
    return Price(low * each, high * each,
                 f"{what}: {low:g}-{high:g} x {machine} ({shape.gpus} x {shape.gpu}) at {_usd(shape.usd_per_hour)}/h")


def _gcp_model_garden(r: PlannedResource, ctx: Ctx) -> Result:
    return _vertex_dedicated(r, ctx, _get(r.inputs, "deployConfig", "dedicatedResources"), "Vertex AI endpoint")


def _gcp_deployed_index(r: PlannedResource, ctx: Ctx) -> Result:
    dedicated = r.inputs.get("dedicatedResources")
    automatic = r.inputs.get("automaticResources")
    if dedicated:
        machine = _get(dedicated, "machineSpec", "machineType")
        low, high = _num(dedicated.get("minReplicaCount"), 1), _num(dedicated.get("maxReplicaCount"), 1)
    elif automatic:
        machine = "automatic"  # the catalog prices Vector Search's default serving node for automatic resources
        low, high = _num(automatic.get("minReplicaCount"), 2), _num(automatic.get("maxReplicaCount"), 2)
    else:
        return Unpriced("deployed index without dedicated or automatic resources")
    key = f"vector-search-node-hour:{machine}"
    if key not in catalog.items("gcp"):
        return Unpriced(f"Vector Search node {machine} has no price in the catalog")
    high = max(high, low)
    return Price(low * ctx.hourly(key), high * ctx.hourly(key),
                 f"Vector Search {low:g}-{high:g} x {machine} node at {_usd(ctx.unit(key))}/h (no scale to zero)")


def _gcp_alloydb_instance(r: PlannedResource, ctx: Ctx) -> Result:
    cpus = _num(_get(r.inputs, "machineConfig", "cpuCount"))
    if not cpus:
        return Unpriced("AlloyDB instance without machineConfig.cpuCount")
    nodes = _num(_get(r.inputs, "readPoolConfig", "nodeCount"), 1)
    if r.inputs.get("availabilityType", "REGIONAL") == "REGIONAL" and r.inputs.get("instanceType") != "READ_POOL":
        nodes = 2  # a regional (HA) primary bills its standby too
    mem_gb = cpus * 8  # AlloyDB machine shapes: 8 GB per vCPU
    hourly = cpus * ctx.unit("alloydb-vcpu-hour") + mem_gb * ctx.unit("alloydb-memory-gb-hour")
    cost = nodes * hourly * HOURS_PER_MONTH
    return Price(cost, cost, f"AlloyDB {nodes:g} node(s) x ({cpus:g} vCPU + {mem_gb:g} GB) at {_usd(hourly)}/h")


def _gcp_kms_key(r: PlannedResource, ctx: Ctx) -> Result:
    hsm = _get(r.inputs, "versionTemplate", "protectionLevel") == "HSM"
    return _fixed("kms-hsm-key-month" if hsm else "kms-key-month", "Cloud KMS key version")(r, ctx)


def _gcp_log_bucket(r: PlannedResource, ctx: Ctx) -> Result:
    return _logs(ctx, _num(r.inputs.get("retentionDays")) or 30, 30, "Cloud Logging bucket")


def _gcp_forwarding_rule(r: PlannedResource, ctx: Ctx) -> Result:
    if "serviceAttachments/" not in str(r.inputs.get("target", "")):
        return Unpriced("load-balancer forwarding rules have no price in the catalog")
    c = ctx.hourly("private-endpoint-hour")
    return Price(c, c, f"Private Service Connect endpoint {_usd(ctx.unit('private-endpoint-hour'))}/h x "
                 f"{HOURS_PER_MONTH} h (data processed not estimated)")


GCP_RULES: dict[str, Rule] = {
    "gcp:container/cluster:Cluster": _gcp_cluster,
    "gcp:container/nodePool:NodePool": _gcp_node_pool,
    "gcp:compute/routerNat:RouterNat": _nat,
    "gcp:compute/address:Address": _gcp_address,
    "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment": _gcp_model_garden,
    "gcp:vertex/aiEndpoint:AiEndpoint": _no_charge("an endpoint bills only its deployed models"),
    "gcp:vertex/aiIndex:AiIndex": _no_charge("no standing charge (index builds bill per GiB processed)"),
    "gcp:vertex/aiIndexEndpoint:AiIndexEndpoint": _no_charge("billed through its deployed indexes"),
    "gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex": _gcp_deployed_index,
    "gcp:alloydb/cluster:Cluster": lambda r, ctx: _usage_priced(ctx, "vector-storage-gb", "alloydb-storage-gb-month",
                                                                 "AlloyDB storage (compute billed on instances)"),
    "gcp:alloydb/instance:Instance": _gcp_alloydb_instance,
    "gcp:kms/cryptoKey:CryptoKey": _gcp_kms_key,
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": _gcp_log_bucket,
    "gcp:storage/bucket:Bucket": _object_store("Cloud Storage Standard"),
    "gcp:compute/forwardingRule:ForwardingRule": _gcp_forwarding_rule,
    "gcp:billing/budget:Budget": _no_charge("Cloud Billing budgets"),
    "gcp:pubsub/topic:Topic": _no_charge("Pub/Sub within the 10 GiB monthly free tier"),
    "gcp:logging/projectSink:ProjectSink": _no_charge("a sink bills on its destination"),
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


# --- Azure ---------------------------------------------------------------------------------------------------


def _az_pool(r: PlannedResource, ctx: Ctx, p: dict[str, Any], what: str) -> Result:
    if p.get("enableAutoScaling"):
        low, high = _num(p.get("minCount")), _num(p.get("maxCount"))
    else:
        low = high = _num(p.get("count"), 1)
    disk = 0.0 if p.get("osDiskType") == "Ephemeral" else _num(p.get("osDiskSizeGB"), 128)
    return _nodes(r, ctx, p.get("vmSize"), low, high, p.get("scaleSetPriority") == "Spot", disk, what)


def _az_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    tier = _get(r.inputs, "sku", "tier", default="Free")
    key = f"cluster-hour:{tier}"
    if key not in catalog.items("azure"):
        return Unpriced(f"AKS tier {tier} has no price in the catalog")
    low = high = ctx.hourly(key)
    parts = [f"AKS {tier} tier {_usd(ctx.unit(key))}/h x {HOURS_PER_MONTH} h"]
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
    count = _num(_get(r.inputs, "sku", "capacity"), 1)
    scale = props.get("scaleSettings") or {}
    low, high = count, count
    if scale.get("scaleType") == "TargetUtilization":
        low, high = _num(scale.get("minInstances"), count), _num(scale.get("maxInstances"), count)
    for setting in ctx.referencing(r, "azure-native:monitor:AutoscaleSetting"):  # Azure Monitor autoscale
        if setting.inputs.get("enabled", True):
            caps = [p.get("capacity") or {} for p in setting.inputs.get("profiles") or []]
            low = min((_num(c.get("minimum"), low) for c in caps), default=low)
            high = max((_num(c.get("maximum"), high) for c in caps), default=high)
    each = shape.usd_per_hour * HOURS_PER_MONTH
    return Price(low * each, high * each,
                 f"Azure ML managed online deployment {low:g}-{high:g} x {instance} at {_usd(shape.usd_per_hour)}/h")


def _az_search(r: PlannedResource, ctx: Ctx) -> Result:
    sku = _get(r.inputs, "sku", "name", default="standard")
    key = f"ai-search-su-hour:{sku}"
    if key not in catalog.items("azure"):
        return Unpriced(f"AI Search tier {sku} has no price in the catalog")
    units = _num(r.inputs.get("replicaCount"), 1) * _num(r.inputs.get("partitionCount"), 1)
    cost = units * ctx.hourly(key)
    return Price(cost, cost, f"AI Search {sku}: {units:g} search unit(s) at {_usd(ctx.unit(key))}/h")


def _az_cosmos_account(r: PlannedResource, ctx: Ctx) -> Result:
    caps = {c.get("name") for c in r.inputs.get("capabilities") or []}
    store = _usage_priced(ctx, "vector-storage-gb", "cosmos-storage-gb-month", "Cosmos DB storage")
    if "EnableServerless" not in caps:
        return Price(store.min, store.max, store.basis + " (throughput billed on databases/containers)")
    ru = _usage_priced(ctx, "cosmos-million-ru-month", "cosmos-serverless-million-ru", "serverless request units")
    return Price(store.min + ru.min, store.max + ru.max, f"{store.basis}; {ru.basis}")


def _az_cosmos_throughput(r: PlannedResource, ctx: Ctx) -> Result:
    options = r.inputs.get("options") or {}
    if options.get("throughput"):
        units = _num(options["throughput"]) / 100
        cost = units * ctx.hourly("cosmos-100rus-hour")
        return Price(cost, cost, f"Cosmos DB {units * 100:g} RU/s at {_usd(ctx.unit('cosmos-100rus-hour'))}/100 RU/s-h")
    top = _num(_get(options, "autoscaleSettings", "maxThroughput"))
    if top:
        rate = ctx.hourly("cosmos-autoscale-100rus-hour")
        return Price(top / 1000 * rate, top / 100 * rate,
                     f"Cosmos DB autoscale {top / 10:g}-{top:g} RU/s at "
                     f"{_usd(ctx.unit('cosmos-autoscale-100rus-hour'))}/100 RU/s-h")
    return free("no dedicated throughput (serverless or shared at the database)")


def _az_log_workspace(r: PlannedResource, ctx: Ctx) -> Result:
    return _logs(ctx, _num(r.inputs.get("retentionInDays")) or 30, 31, "Log Analytics workspace")


def _az_key(r: PlannedResource, ctx: Ctx) -> Result:
    kty = str(_get(r.inputs, "properties", "kty", default=""))
    if kty.endswith("-HSM"):
        return _fixed("kms-key-month", "Key Vault HSM-protected key")(r, ctx)
    return free("software-protected keys bill per 10,000 operations only")


def _az_app_insights(r: PlannedResource, ctx: Ctx) -> Result:
    if r.inputs.get("workspaceResourceId"):
        return free("workspace-based: ingestion is billed on the Log Analytics workspace")
    return _logs(ctx, _num(r.inputs.get("retentionInDays")) or 90, 90, "Application Insights (classic)")


AZURE_RULES: dict[str, Rule] = {
    "azure-native:containerservice:ManagedCluster": _az_cluster,
    "azure-native:containerservice:AgentPool": _az_agent_pool,
    "azure-native:network:NatGateway": _nat,
    "azure-native:network:PublicIPAddress": _public_ip,
    "azure-native:network:PrivateEndpoint": lambda r, ctx: Price(
        ctx.hourly("private-endpoint-hour"), ctx.hourly("private-endpoint-hour"),
        f"private endpoint {_usd(ctx.unit('private-endpoint-hour'))}/h x {HOURS_PER_MONTH} h (data not estimated)"),
    "azure-native:network:PrivateDnsZone": _fixed("private-dns-zone-month", "private DNS zone"),
    "azure-native:privatedns:PrivateZone": _fixed("private-dns-zone-month", "private DNS zone"),
    "azure-native:machinelearningservices:OnlineDeployment": _az_online_deployment,
    "azure-native:machinelearningservices:OnlineEndpoint": _no_charge("billed through its deployments"),
    "azure-native:machinelearningservices:Workspace": _no_charge("no charge for the workspace itself"),
    "azure-native:search:Service": _az_search,
    "azure-native:cosmosdb:DatabaseAccount": _az_cosmos_account,
    "azure-native:cosmosdb:SqlResourceSqlDatabase": _az_cosmos_throughput,
    "azure-native:cosmosdb:SqlResourceSqlContainer": _az_cosmos_throughput,
    "azure-native:operationalinsights:Workspace": _az_log_workspace,
    "azure-native:storage:StorageAccount": _object_store("Blob Storage hot LRS"),
    "azure-native:keyvault:Key": _az_key,
    "azure-native:keyvault:Vault": _no_charge("a vault bills per operation and per HSM key only"),
    "azure-native:consumption:Budget": _no_charge("Cost Management budgets"),
    "azure-native:insights:ActionGroup": _no_charge("email notifications within the free allowance"),
    "azure-native:insights:DiagnosticSetting": _no_charge("billed on the destination workspace"),
    "azure-native:monitor:DiagnosticSetting": _no_charge("billed on the destination workspace"),
    "azure-native:monitor:SubscriptionDiagnosticSetting": _no_charge("billed on the destination"),
    "azure-native:monitor:ActionGroup": _no_charge("email notifications within the free allowance"),
    "azure-native:monitor:AutoscaleSetting": _no_charge("Azure Monitor autoscale (its instances are billed)"),
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

RULES = {"aws": AWS_RULES, "gcp": GCP_RULES, "azure": AZURE_RULES}
FREE_PREFIXES = {
    "aws": AWS_FREE_PREFIXES, "gcp": GCP_FREE_PREFIXES, "azure": AZURE_FREE_PREFIXES,
}
COMMON_FREE_PREFIXES = {
    "kubernetes:": "in-cluster object (runs on the nodes priced above)",
    "random:": "local value", "tls:": "local value", "command:": "local command",
}


# GCP's per-resource IAM types (topicIAMMember, bucketIAMBinding, ...) and Azure role assignments
_IAM_TYPE = re.compile(r"IAM(Member|Binding|Policy|AuditConfig)$|RoleAssignment$")


def price(r: PlannedResource, ctx: Ctx) -> Result:
    rule = RULES.get(ctx.cloud, {}).get(r.type)
    if rule is not None:
        return rule(r, ctx)
    if _IAM_TYPE.search(r.type):
        return free("IAM")
    for prefixes in (FREE_PREFIXES.get(ctx.cloud, {}), COMMON_FREE_PREFIXES):
        for prefix, what in prefixes.items():
            if r.type.startswith(prefix):
                return free(what)
    return Unpriced(f"no price rule for {r.type}")


def estimate(plan: Plan) -> CostEstimate:
    """Price every custom resource of a plan at minimum and maximum scale."""
    ctx = Ctx(plan)
    items = []
    for r in plan.resources:
        if not r.custom or r.is_provider:
            continue
        result = price(r, ctx)
        if isinstance(result, Unpriced):
            items.append(CostItem(r.urn, r.type, r.name, 0.0, 0.0, result.reason, False))
        else:
            items.append(CostItem(r.urn, r.type, r.name, round(result.min, 2), round(result.max, 2),
                                  result.basis, True))
    region = next(iter(catalog.items(plan.cloud).values())).region if plan.cloud in catalog.CLOUDS else ""
    return CostEstimate(plan.stack, plan.cloud, plan.environment, items, region)


def plan_cost_dict(est: CostEstimate) -> dict[str, Any]:
    """The plan JSON's ``cost`` block (DESIGN.md), plus the maximum-scale total and what is not priced."""
    return {
        "monthlyUsd": est.monthly_min_usd,
        "monthlyUsdMax": est.monthly_max_usd,
        "hoursPerMonth": HOURS_PER_MONTH,
        "referenceRegion": est.reference_region,
        "items": [{"urn": i.urn, "type": i.type, "monthlyUsd": i.monthly_min_usd, "monthlyUsdMax": i.monthly_max_usd,
                   "basis": i.basis} for i in est.items if i.priced],
        "unpriced": [{"urn": i.urn, "type": i.type, "reason": i.basis} for i in est.unpriced],
    }


# --- diff ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    identity: str
    type: str
    name: str
    before: CostItem | None
    after: CostItem | None

    @property
    def delta_min(self) -> float:
        return (self.after.monthly_min_usd if self.after else 0.0) - (self.before.monthly_min_usd if self.before else 0.0)

    @property
    def delta_max(self) -> float:
        return (self.after.monthly_max_usd if self.after else 0.0) - (self.before.monthly_max_usd if self.before else 0.0)


@dataclass
class CostDiff:
    before: CostEstimate
    after: CostEstimate
    added: list[Change]
    removed: list[Change]
    changed: list[Change]

    @property
    def delta_min(self) -> float:
        return round(self.after.monthly_min_usd - self.before.monthly_min_usd, 2)

    @property
    def delta_max(self) -> float:
        return round(self.after.monthly_max_usd - self.before.monthly_max_usd, 2)


def diff(a: CostEstimate, b: CostEstimate) -> CostDiff:
    """What changes from ``a`` (the baseline) to ``b``; resources match by type + URN without the stack."""
    before = {i.identity: i for i in a.items}
    after = {i.identity: i for i in b.items}
    added = [Change(k, i.type, i.name, None, i) for k, i in after.items() if k not in before]
    removed = [Change(k, i.type, i.name, i, None) for k, i in before.items() if k not in after]
    changed = []
    for k in before.keys() & after.keys():
        x, y = before[k], after[k]
        if (x.priced, round(x.monthly_min_usd, 2), round(x.monthly_max_usd, 2)) != \
                (y.priced, round(y.monthly_min_usd, 2), round(y.monthly_max_usd, 2)):
            changed.append(Change(k, y.type, y.name, x, y))

    def order(changes: list[Change]) -> list[Change]:
        return sorted(changes, key=lambda c: (-abs(c.delta_max), c.identity))

    return CostDiff(a, b, order(added), order(removed), order(changed))


# --- rendering -------------------------------------------------------------------------------------------


def _range(lo: float, hi: float) -> str:
    return f"${lo:,.2f}" if round(lo, 2) == round(hi, 2) else f"${lo:,.2f} - ${hi:,.2f}"


def _signed(x: float) -> str:
    return f"{'+' if x >= 0 else '-'}${abs(x):,.2f}"


def _item_cell(i: CostItem | None) -> str:
    if i is None:
        return "-"
    return _range(i.monthly_min_usd, i.monthly_max_usd) if i.priced else "not priced"


def estimate_table(est: CostEstimate) -> Table:
    table = Table(title=f"{est.stack}: monthly cost ({HOURS_PER_MONTH} h, {est.reference_region} prices)")
    for col, justify in [("resource", "left"), ("type", "left"), ("min $/month", "right"), ("max $/month", "right"),
                         ("basis", "left")]:
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for i in sorted(est.billed, key=lambda i: (-i.monthly_max_usd, i.name)):
        table.add_row(i.name, i.type, f"{i.monthly_min_usd:,.2f}", f"{i.monthly_max_usd:,.2f}", i.basis)
    for i in est.unpriced:
        table.add_row(i.name, i.type, "not priced", "not priced", i.basis)
    table.add_row("[bold]total[/]", f"{len(est.billed)} billed, {len(est.items) - len(est.billed) - len(est.unpriced)} "
                  f"free, {len(est.unpriced)} not priced", f"[bold]{est.monthly_min_usd:,.2f}[/]",
                  f"[bold]{est.monthly_max_usd:,.2f}[/]", "")
    return table


def diff_table(d: CostDiff) -> Table:
    table = Table(title=f"cost diff: {d.after.stack} against {d.before.stack} (monthly)")
    for col, justify in [("change", "left"), ("resource", "left"), ("type", "left"), (d.before.stack, "right"),
                         (d.after.stack, "right"), ("delta min", "right"), ("delta max", "right")]:
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for kind, changes in (("added", d.added), ("removed", d.removed), ("changed", d.changed)):
        for c in changes:
            if kind != "changed" and (c.after or c.before).free:  # type: ignore[union-attr]
                continue
            table.add_row(kind, c.name, c.type, _item_cell(c.before), _item_cell(c.after), _signed(c.delta_min),
                          _signed(c.delta_max))
    table.add_row("[bold]total[/]", "", "", _range(d.before.monthly_min_usd, d.before.monthly_max_usd),
                  _range(d.after.monthly_min_usd, d.after.monthly_max_usd), f"[bold]{_signed(d.delta_min)}[/]",
                  f"[bold]{_signed(d.delta_max)}[/]")
    return table


def _billed(changes: list[Change]) -> int:
    return sum(1 for c in changes if not (c.after or c.before).free)  # type: ignore[union-attr]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def estimate_markdown(est: CostEstimate) -> str:
    lines = [f"### Monthly cost: `{est.stack}`", "",
             (f"**{_range(est.monthly_min_usd, est.monthly_max_usd)}** per month at minimum - maximum scale "
             f"({HOURS_PER_MONTH} h, {est.reference_region} list prices; {len(est.unpriced)} resource(s) not priced)."),
             "", "| resource | type | min $/month | max $/month | basis |", "|---|---|--:|--:|---|"]
    for i in sorted(est.billed, key=lambda i: (-i.monthly_max_usd, i.name)):
        lines.append(f"| `{i.name}` | `{i.type}` | {i.monthly_min_usd:,.2f} | {i.monthly_max_usd:,.2f} | "
                     f"{_md_escape(i.basis)} |")
    for i in est.unpriced:
        lines.append(f"| `{i.name}` | `{i.type}` | not priced | not priced | {_md_escape(i.basis)} |")
    return "\n".join(lines) + "\n"


def diff_markdown(d: CostDiff) -> str:
    lines = [f"### Cost diff: `{d.after.stack}` against `{d.before.stack}`", "",
             (f"Monthly: {_range(d.before.monthly_min_usd, d.before.monthly_max_usd)} -> "
             f"**{_range(d.after.monthly_min_usd, d.after.monthly_max_usd)}** "
             f"(**{_signed(d.delta_min)}** at minimum scale, **{_signed(d.delta_max)}** at maximum scale). "
             f"{_billed(d.added)} billed resource(s) added, {_billed(d.removed)} removed, {len(d.changed)} changed "
             "in cost (resources without a charge left out)."), "",
             f"| change | resource | type | {d.before.stack} | {d.after.stack} | delta min | delta max |",
             "|---|---|---|--:|--:|--:|--:|"]
    for kind, changes in (("added", d.added), ("removed", d.removed), ("changed", d.changed)):
        for c in changes:
            if kind != "changed" and (c.after or c.before).free:  # type: ignore[union-attr]
                continue
            lines.append(f"| {kind} | `{c.name}` | `{c.type}` | {_item_cell(c.before)} | {_item_cell(c.after)} | "
                         f"{_signed(c.delta_min)} | {_signed(c.delta_max)} |")
    unpriced = d.after.unpriced
    if unpriced:
        lines += ["", f"Not priced in `{d.after.stack}`: " + ", ".join(f"`{i.name}` ({_md_escape(i.basis)})"
                                                                        for i in unpriced)]
    return "\n".join(lines) + "\n"


# --- CLI backend --------------------------------------------------------------------------------------------


def load_estimate(stack_or_plan: str | Path) -> CostEstimate:
    """Estimate a stack (name or Pulumi.<name>.yaml) or a plan JSON written by ``llz preview --json``."""
    path = Path(stack_or_plan)
    if path.suffix == ".json":
        return estimate(Plan.load(str(path)))
    from llz import offline

    return estimate(offline.plan(stack_or_plan))


def main(stack: str, against: str | None = None, markdown: Path | None = None,
         console: Console | None = None, as_json: bool = False) -> int:
    """Print the estimate of ``stack``, or its diff against another stack or plan JSON; optionally as Markdown.
    ``as_json``: the estimate as the plan JSON's ``cost`` object, for machines."""
    console = console or make_console()
    est = load_estimate(stack)
    if as_json and against is None:
        print(json.dumps(plan_cost_dict(est), indent=2))
        return 0
    if against is None:
        console.print(estimate_table(est))
        text = estimate_markdown(est)
    else:
        d = diff(load_estimate(against), est)
        console.print(diff_table(d))
        text = diff_markdown(d)
    if est.unpriced:
        console.print(f"[yellow]{len(est.unpriced)} resource(s) not priced[/] (listed above; never counted as zero)")
    if markdown is not None:
        markdown.write_text(text)
        console.print(f"markdown written to {markdown}")
    return 0
