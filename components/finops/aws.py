"""AWS price rules: resource type -> price of one planned resource."""

from __future__ import annotations

from llmops_landing_zone.components import catalog, tokens
from llmops_landing_zone.components.finops.model import (
    ACCESS_LOG_USAGE,
    HOURS_PER_MONTH,
    Ctx,
    Price,
    Result,
    Rule,
    Unpriced,
    cluster_fee,
    endpoint_enis,
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
    prometheus_price,
    usage_priced,
    usd,
)
from llmops_landing_zone.components.plan import PlannedResource


def _aws_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    support = get_path(r.inputs, "upgradePolicy", "supportType", default="EXTENDED")  # the EKS API's default
    return cluster_fee(ctx, r.inputs.get("version"), support == "EXTENDED", "EKS cluster fee")


def _aws_launch_template_disk(r: PlannedResource, ctx: Ctx) -> float | None:
    for lt in ctx.dependencies(r, tokens.EC2_LAUNCH_TEMPLATE):
        sizes = [num(get_path(b, "ebs", "volumeSize")) for b in lt.inputs.get("blockDeviceMappings") or []]
        if any(sizes):
            return sum(sizes)
    return None


def _aws_node_group(r: PlannedResource, ctx: Ctx) -> Result:
    types = r.inputs.get("instanceTypes") or []
    scaling = r.inputs.get("scalingConfig") or {}
    disk = r.inputs.get("diskSize") or _aws_launch_template_disk(r, ctx) or 20  # EKS default root volume: 20 GB
    return nodes_price(r, ctx, types[0] if types else None, num(scaling.get("minSize")), num(scaling.get("maxSize")),
                  r.inputs.get("capacityType") == "SPOT", num(disk), "EKS nodes", r.inputs.get("labels"))


def _aws_vpc_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    kind = r.inputs.get("vpcEndpointType") or "Gateway"
    if kind == "Gateway":
        return free("gateway VPC endpoints (S3, DynamoDB) have no hourly or data charge")
    if kind == "Interface":
        return endpoint_enis(r, ctx, f"interface endpoint {r.inputs.get('serviceName', '')}".strip())
    return Unpriced(f"VPC endpoint type {kind} has no price in the catalog")


def _aws_aoss_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    return endpoint_enis(r, ctx, "OpenSearch Serverless VPC endpoint (PrivateLink pricing)")


def _aws_collection(r: PlannedResource, ctx: Ctx) -> Result:
    redundant = (r.inputs.get("standbyReplicas") or "ENABLED") == "ENABLED"  # provider default: ENABLED
    low = ctx.unit("opensearch-serverless-min-ocu-redundant" if redundant else "opensearch-serverless-min-ocu")
    high = ctx.unit("opensearch-serverless-max-ocu")
    for group in ctx.of_type(tokens.AWS_AOSS_COLLECTION_GROUP):
        if group.inputs.get("name") and group.inputs.get("name") == r.inputs.get("collectionGroupName"):
            limits = get_path(group.inputs, "capacityLimits", 0, default={})
            high = num(limits.get("maxIndexingCapacityInOcu"), high / 2) + num(limits.get("maxSearchCapacityInOcu"),
                                                                                   high / 2)
    ocu = ctx.unit("opensearch-serverless-ocu-hour")
    store = ctx.usage("vector-storage-gb")
    gb = ctx.unit("opensearch-serverless-storage-gb-month")
    return Price(low * ocu * HOURS_PER_MONTH + store.min * gb, high * ocu * HOURS_PER_MONTH + store.max * gb,
                 f"OpenSearch Serverless {low:g}-{high:g} OCU (standby replicas {'on' if redundant else 'off'}) at "
                 f"{usd(ocu)}/OCU-h + {store.min:g}-{store.max:g} GB (usage assumption) at {usd(gb)}/GB-month; "
                 "collections sharing a KMS key share OCUs")


def _aws_rds_cluster(r: PlannedResource, ctx: Ctx) -> Result:
    if not str(r.inputs.get("engine", "")).startswith("aurora"):
        return Unpriced(f"RDS engine {r.inputs.get('engine')} has no price in the catalog")
    return usage_priced(ctx, "vector-storage-gb", "aurora-storage-gb-month",
                         "Aurora storage (compute billed on its instances; I/O not estimated)")


def _aws_rds_instance(r: PlannedResource, ctx: Ctx) -> Result:
    if r.inputs.get("instanceClass") != "db.serverless":
        return Unpriced(f"instance class {r.inputs.get('instanceClass')} has no price in the catalog")
    clusters = ctx.dependencies(r, tokens.RDS_CLUSTER) or [
        c for c in ctx.of_type(tokens.RDS_CLUSTER)
        if c.inputs.get("clusterIdentifier") == r.inputs.get("clusterIdentifier")]
    scaling = get_path(clusters[0].inputs, "serverlessv2ScalingConfiguration", default={}) if clusters else {}
    if not scaling:
        return Unpriced("Aurora Serverless v2 instance without a scaling configuration on its cluster")
    low, high = num(scaling.get("minCapacity")), num(scaling.get("maxCapacity"))
    acu = ctx.unit("aurora-serverless-v2-acu-hour")
    return Price(low * acu * HOURS_PER_MONTH, high * acu * HOURS_PER_MONTH,
                 f"Aurora Serverless v2 {low:g}-{high:g} ACU at {usd(acu)}/ACU-h x {HOURS_PER_MONTH} h")


def _aws_sagemaker_endpoint(r: PlannedResource, ctx: Ctx) -> Result:
    configs = ctx.dependencies(r, tokens.SAGEMAKER_ENDPOINT_CONFIG) or [
        c for c in ctx.of_type(tokens.SAGEMAKER_ENDPOINT_CONFIG)
        if c.inputs.get("name") and c.inputs.get("name") == r.inputs.get("endpointConfigName")]
    if not configs:
        return Unpriced("SageMaker endpoint whose endpoint configuration is not in the plan")
    targets = ctx.referencing(r, tokens.AWS_APPAUTOSCALING_TARGET)
    name = r.inputs.get("name", "")
    targets += [t for t in ctx.of_type(tokens.AWS_APPAUTOSCALING_TARGET)
                if name and str(t.inputs.get("resourceId", "")).startswith(f"endpoint/{name}/") and t not in targets]
    low = high = 0.0
    parts = []
    approximate = False
    # A canary is a second production variant or a shadow variant: each runs (and is billed for) its instances.
    variants = [*(configs[0].inputs.get("productionVariants") or []),
                *(configs[0].inputs.get("shadowProductionVariants") or [])]
    for v in variants:
        instance = v.get("instanceType")
        if v.get("serverlessConfig") or not instance:
            return Unpriced("serverless SageMaker variants (no GPU) are not priced")
        shape = catalog.shape_named("aws", instance, "sagemaker")
        if shape is None:
            return Unpriced(f"SageMaker instance type '{instance}' is not in the catalog")
        priced = ctx.shape_price(instance, "sagemaker")
        if isinstance(priced, Unpriced):
            return Unpriced(f"SageMaker endpoint: {priced.reason}")
        approximate = approximate or priced.approximate
        count = num(v.get("initialInstanceCount"), 1)
        lo, hi = count, count
        managed = v.get("managedInstanceScaling") or {}
        if managed.get("status") == "ENABLED":
            lo, hi = num(managed.get("minInstanceCount"), lo), num(managed.get("maxInstanceCount"), hi)
        variant = v.get("variantName", "")
        for t in targets:
            if not variant or str(t.inputs.get("resourceId", "")).endswith(f"/variant/{variant}"):
                lo, hi = num(t.inputs.get("minCapacity"), lo), num(t.inputs.get("maxCapacity"), hi)
        low += lo * priced.usd_per_hour * HOURS_PER_MONTH
        high += hi * priced.usd_per_hour * HOURS_PER_MONTH
        parts.append(f"{lo:g}-{hi:g} x {instance} at {usd(priced.usd_per_hour)}/h{priced.where}")
    return Price(low, high, f"SageMaker real-time endpoint: {', '.join(parts)} x {HOURS_PER_MONTH} h", approximate)


def _aws_log_group(r: PlannedResource, ctx: Ctx) -> Result:
    if str(r.inputs.get("name", "")).endswith("-gateway-access"):  # components/aws/gateway_logs.py
        return logs_price(ctx, num(r.inputs.get("retentionInDays")) or None, 0,
                          "CloudWatch Logs (AI gateway access records)", ACCESS_LOG_USAGE)
    return logs_price(ctx, num(r.inputs.get("retentionInDays")) or None, 0, "CloudWatch Logs")


def _aws_alarm(r: PlannedResource, ctx: Ctx) -> Result:
    """CloudWatch bills an alarm per metric it evaluates: a metric-math alarm costs one alarm per metric query
    that reads a metric (the expression itself is free)."""
    metrics = sum(1 for q in r.inputs.get("metricQueries") or [] if q.get("metric")) or 1
    unit = ctx.unit("alarm-month")
    return Price(unit * metrics, unit * metrics, f"CloudWatch alarm on {metrics} metric(s) x {usd(unit)}/month")


def _aws_trail(r: PlannedResource, ctx: Ctx) -> Result:
    selectors = r.inputs.get("advancedEventSelectors") or []
    data = [s for s in selectors if any(f.get("field") == "eventCategory" and "Data" in (f.get("equals") or [])
                                        for f in s.get("fieldSelectors") or [])]
    data += [s for s in r.inputs.get("eventSelectors") or [] if s.get("dataResources")]
    if not data:
        return free("the first copy of management events is free (log storage is billed on the bucket)")
    events = usage_priced(ctx, "trail-data-events-100k-month", "cloudtrail-data-events-100k", "CloudTrail data events")
    return Price(events.min, events.max, events.basis + "; management events: first copy free")


def _aws_prometheus(r: PlannedResource, ctx: Ctx) -> Result:
    configs = ctx.referencing(r, tokens.AWS_AMP_WORKSPACE_CONFIGURATION)
    days = num(configs[0].inputs.get("retentionPeriodInDays")) if configs else 150.0  # AMP's default: 150 days
    return prometheus_price(ctx, "AMP serving metrics", days or 150.0)

def _aws_grafana(r: PlannedResource, ctx: Ctx) -> Result:
    """Amazon Managed Grafana bills active users a month: editors/admins and viewers (no instance fee)."""
    ed, vw = ctx.usage("grafana-editors-month"), ctx.usage("grafana-viewers-month")
    e, v = ctx.unit("grafana-editor-user-month"), ctx.unit("grafana-viewer-user-month")
    return Price(ed.min * e + vw.min * v, ed.max * e + vw.max * v,
                 f"Amazon Managed Grafana: {ed.min:g}-{ed.max:g} active editors x {usd(e)} + {vw.min:g}-{vw.max:g} "
                 f"active viewers x {usd(v)} a month (usage assumptions)")


AWS_RULES: dict[str, Rule] = {
    tokens.AWS_AMP_WORKSPACE: _aws_prometheus,
    tokens.AWS_GRAFANA_WORKSPACE: _aws_grafana,
    tokens.AWS_GRAFANA_SERVICE_ACCOUNT: no_charge("Grafana service accounts are not users"),
    tokens.AWS_GRAFANA_SERVICE_ACCOUNT_TOKEN: no_charge("Grafana service account tokens have no charge"),
    tokens.AWS_AMP_WORKSPACE_CONFIGURATION: no_charge("workspace settings (retention priced with the workspace)"),
    tokens.AWS_AMP_ALERT_MANAGER_DEFINITION: no_charge("alert manager configuration; SNS deliveries as the budget's"),
    tokens.AWS_AMP_RULE_GROUP_NAMESPACE: no_charge("rules: their evaluation is billed as query samples processed, well under a dollar a month per endpoint, not counted"),
    # Free rule; the cached images bill as ECR storage (~13 GB for the vLLM image), not counted here.
    tokens.AWS_ECR_PULL_THROUGH_CACHE_RULE: no_charge("pull-through cache rules are free (cached images bill as ECR storage)"),
    tokens.EKS_CLUSTER: _aws_cluster,
    tokens.EKS_NODE_GROUP: _aws_node_group,
    tokens.AWS_NAT_GATEWAY: nat_gateway,
    tokens.AWS_EIP: public_ip,
    tokens.AWS_VPC_ENDPOINT: _aws_vpc_endpoint,
    tokens.AWS_AOSS_VPC_ENDPOINT: _aws_aoss_endpoint,
    tokens.AOSS_COLLECTION: _aws_collection,
    tokens.RDS_CLUSTER: _aws_rds_cluster,
    tokens.RDS_CLUSTER_INSTANCE: _aws_rds_instance,
    tokens.AWS_SAGEMAKER_ENDPOINT: _aws_sagemaker_endpoint,
    tokens.LOG_GROUP: _aws_log_group,
    tokens.AWS_S3_BUCKET: object_store("S3 Standard storage"),
    tokens.AWS_S3_BUCKET_V2: object_store("S3 Standard storage"),
    tokens.KMS_KEY: fixed("kms-key-month", "KMS customer managed key"),
    tokens.AWS_SECRET: fixed("secret-month", "Secrets Manager secret"),
    tokens.AWS_SECRET_VERSION: no_charge("billed on its secret (per secret-month)"),
    tokens.AWS_METRIC_ALARM: _aws_alarm,
    tokens.CLOUDTRAIL: _aws_trail,
    tokens.AWS_BUDGET: no_charge("AWS Budgets without actions"),
    tokens.AWS_CODEBUILD_PROJECT: lambda r, ctx: usage_priced(
        ctx, "deploy-build-minutes-month", "codebuild-general1-medium-minute", "deploy runner build minutes"),
    tokens.AWS_CODEBUILD_WEBHOOK: no_charge("CodeBuild webhooks have no charge"),
    tokens.AWS_CODECONNECTIONS_CONNECTION: no_charge("CodeConnections connections have no charge"),
    tokens.AWS_SNS_TOPIC: no_charge("SNS within the free tier (first 1,000 email deliveries a month)"),
    tokens.SAGEMAKER_MODEL: no_charge("billed through the endpoint's instances"),
    tokens.SAGEMAKER_ENDPOINT_CONFIG: no_charge("billed through the endpoint"),
    tokens.EC2_LAUNCH_TEMPLATE: no_charge("its volumes are billed on the node group"),
    tokens.AWS_FLOW_LOG: no_charge("flow log records are billed on the destination log group"),
}
AWS_FREE_PREFIXES = {
    "grafana:oss/": "Grafana API object (billed with the workspace)",
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
