"""Cost estimate and diff: reference-stack totals recomputed here from the catalog and the config, the prod vs
dev diff, unpriced resources listed (never zero), free resources distinct, and the GCP/Azure rules on
hand-built plans."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from llmops_landing_zone.components.azure.os_disk import os_disk as azure_os_disk
from llmops_landing_zone.components import coldstart, catalog, finops, sizing
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import cost, offline

H = 730
FREE_TYPES = ("aws:iam/", "kubernetes:", "random:", "aws:secretsmanager/secretVersion:", "aws:ec2/subnet:", "aws:ec2/route", "aws:ec2/vpc:", "aws:ec2/securityGroup:",
              "aws:ec2/internetGateway:", "aws:ec2/defaultSecurityGroup:", "aws:ec2/launchTemplate:", "aws:kms/alias:",
              "aws:s3/bucket", "aws:eks/addon:", "aws:eks/accessEntry:", "aws:eks/podIdentityAssociation:",
              "aws:opensearch/serverlessSecurityPolicy:", "aws:opensearch/serverlessAccessPolicy:", "aws:rds/subnetGroup:",
              "aws:rds/clusterParameterGroup:", "aws:sagemaker/model:", "aws:sagemaker/endpointConfiguration:",
              "aws:appautoscaling/", "aws:autoscaling/tag:", "aws:budgets/", "aws:sns/", "aws:ec2/flowLog:",
              "aws:ebs/encryptionByDefault:", "aws:costexplorer/", "aws:ec2/vpcEndpoint:", "aws:vpc/securityGroup",
              "aws:codebuild/webhook:", "aws:codeconnections/", "aws:eks/accessPolicyAssociation:",
              # AMP settings, rules and alert routing: billed through the workspace's samples and queries
              "aws:amp/workspaceConfiguration:", "aws:amp/ruleGroupNamespace:", "aws:amp/alertManagerDefinition:",
              "aws:ecr/pullThroughCacheRule:",
              # Grafana's deployer service account and token, and the objects written through its API
              "aws:grafana/workspaceServiceAccount", "grafana:oss/")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: offline.plan(s) for s in ("aws-dev", "aws-prod")}


@pytest.fixture(scope="module")
def estimates(plans: dict[str, Plan]) -> dict[str, finops.CostEstimate]:
    return {s: finops.estimate(p) for s, p in plans.items()}


def item(name: str) -> float:
    return catalog.item("aws", name).usd


def usage(key: str) -> tuple[float, float]:
    u = catalog.usage(key)
    return u.min, u.max


def pool_range(cfg: Any, key: str) -> tuple[float, float]:
    """A GPU pool's node range: its minimum raised to the nodes the minimum replicas of the vLLM endpoints on it
    need (replicas x GPUs per replica / GPUs per node, rounded up), its maximum never below that minimum."""
    pool = sizing.effective_pools(cfg)[key]
    on_pool = [k for k, ep in cfg.endpoints.items() if ep.runtime == "vllm" and sizing.endpoint_pool(cfg, k) == key]
    gpus = sum(cfg.endpoints[k].replicas.min * sizing.replica_gpus(cfg, k) for k in on_pool)
    gpus += sum(c.replicas.min * (sizing.canary_tp(cfg, k) or 0)  # canaries run on their endpoint's pool
                for k in on_pool if (c := cfg.endpoints[k].canary_endpoint()) is not None)
    low = max(pool.min_nodes, math.ceil(gpus / pool.gpus_per_node))
    return low, max(pool.max_nodes, low)


def expected_aws(plan: Plan, stack: str) -> tuple[float, float, set[str]]:
    """The stack's monthly cost at min and max scale, recomputed from the config and the catalog."""
    _, _, cfg = offline.load(stack)
    lo = hi = 0.0
    priced: set[str] = set()

    def add(r: PlannedResource, low: float, high: float) -> None:
        nonlocal lo, hi
        lo, hi = lo + low, hi + high
        priced.add(r.urn)

    disk = item("disk-gb-month")
    pools = sizing.effective_pools(cfg)
    spot = catalog.spot_discount("aws")
    for r in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        key = r.name.removeprefix(f"{cfg.name}-")
        (template,) = [d for d in plan.of_type("aws:ec2/launchTemplate:LaunchTemplate") if d.urn in r.dependencies]
        gb = template.inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"]
        if key == "system":
            shape = catalog.system_node("aws")
            low, high, factor = cfg.cluster.system_nodes.count, cfg.cluster.system_nodes.max_count, 1.0
        else:
            pool = pools[key]
            shape = sizing.pool_shape(cfg, key)
            low, high = pool_range(cfg, key)
            factor = 1 - spot if pool.capacity == "spot" else 1.0
            assert gb == coldstart.node_disk_gb(pool.disk_size_gb, shape.gpu_memory_gib)  # issue 12: image + weights
        each = shape.usd_per_hour * factor * H + gb * disk
        add(r, low * each, high * each)
    nat_lo, nat_hi = usage("nat-gb-month")
    for r in plan.of_type("aws:ec2/natGateway:NatGateway"):
        base = item("nat-gateway-hour") * H
        add(r, base + nat_lo * item("nat-gateway-gb"), base + nat_hi * item("nat-gateway-gb"))
    for r in plan.of_type("aws:ec2/eip:Eip"):
        add(r, item("public-ip-hour") * H, item("public-ip-hour") * H)
    for r in plan.of_type("aws:eks/cluster:Cluster"):
        add(r, item("cluster-hour") * H, item("cluster-hour") * H)
    endpoints = [r for r in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if r.inputs["vpcEndpointType"] == "Interface"]
    for r in endpoints + plan.of_type("aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint"):
        c = len(r.inputs["subnetIds"]) * item("private-endpoint-hour") * H
        assert len(r.inputs["subnetIds"]) == cfg.network.zones
        add(r, c, c)
    store_lo, store_hi = usage("vector-storage-gb")
    for r in plan.of_type("aws:opensearch/serverlessCollection:ServerlessCollection"):
        floor = 2.0 if r.inputs.get("standbyReplicas", "ENABLED") == "ENABLED" else 1.0
        ocu, gb = item("opensearch-serverless-ocu-hour") * H, item("opensearch-serverless-storage-gb-month")
        add(r, floor * ocu + store_lo * gb, item("opensearch-serverless-max-ocu") * ocu + store_hi * gb)
    for r in plan.of_type("aws:rds/cluster:Cluster"):
        add(r, store_lo * item("aurora-storage-gb-month"), store_hi * item("aurora-storage-gb-month"))
        scaling = r.inputs["serverlessv2ScalingConfiguration"]
        for inst in plan.of_type("aws:rds/clusterInstance:ClusterInstance"):
            acu = item("aurora-serverless-v2-acu-hour") * H
            add(inst, scaling["minCapacity"] * acu, scaling["maxCapacity"] * acu)
    for r in plan.of_type("aws:sagemaker/endpoint:Endpoint"):
        key = r.name.removeprefix(f"{cfg.name}-")
        ep = cfg.endpoints[key]
        shape = sizing.managed_shape(cfg, key)
        low, high = ep.replicas.min, ep.replicas.max
        if (canary := ep.canary_endpoint()) is not None:  # its variant runs on the endpoint's instance type
            low, high = low + canary.replicas.min, high + canary.replicas.max
        add(r, low * shape.usd_per_hour * H, high * shape.usd_per_hour * H)
    for r in plan.of_type("aws:cloudwatch/logGroup:LogGroup"):
        days = r.inputs["retentionInDays"]
        per_gb = item("log-ingest-gb") + days / (H / 24) * item("log-storage-gb-month")
        # the AI gateway's access records have a volume of their own (one line per request)
        log_lo, log_hi = usage("gateway-access-log-gb-month" if r.inputs["name"].endswith("-gateway-access")
                               else "log-gb-month")
        add(r, log_lo * per_gb, log_hi * per_gb)
    obj_lo, obj_hi = usage("object-gb")
    for r in plan.of_type("aws:s3/bucket:Bucket"):
        add(r, obj_lo * item("object-storage-gb-month"), obj_hi * item("object-storage-gb-month"))
    for r in plan.of_type("aws:kms/key:Key"):
        add(r, item("kms-key-month"), item("kms-key-month"))
    for r in plan.of_type("aws:secretsmanager/secret:Secret"):
        add(r, item("secret-month"), item("secret-month"))
    ev_lo, ev_hi = usage("trail-data-events-100k-month")
    for r in plan.of_type("aws:cloudtrail/trail:Trail"):
        add(r, ev_lo * item("cloudtrail-data-events-100k"), ev_hi * item("cloudtrail-data-events-100k"))
    min_lo, min_hi = usage("deploy-build-minutes-month")
    for r in plan.of_type("aws:codebuild/project:Project"):
        add(r, min_lo * item("codebuild-general1-medium-minute"), min_hi * item("codebuild-general1-medium-minute"))
    s_lo, s_hi = usage("serving-metric-samples-10m")
    for r in plan.of_type("aws:amp/workspace:Workspace"):  # samples ingested + 2 bytes each kept for the retention
        per = item("prometheus-samples-10m") + 1e7 * 2 / 1e9 * cfg.observability.retention_days / (H / 24) * item(
            "prometheus-storage-gb-month")
        add(r, s_lo * per, s_hi * per)
    (ed_lo, ed_hi), (vw_lo, vw_hi) = usage("grafana-editors-month"), usage("grafana-viewers-month")
    for r in plan.of_type("aws:grafana/workspace:Workspace"):  # active users a month, no instance fee
        e, v = item("grafana-editor-user-month"), item("grafana-viewer-user-month")
        add(r, ed_lo * e + vw_lo * v, ed_hi * e + vw_hi * v)
    for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):  # the managed endpoints' alarms
        n = sum(1 for q in r.inputs.get("metricQueries") or [] if q.get("metric")) or 1  # billed per metric
        add(r, n * item("alarm-month"), n * item("alarm-month"))
    return lo, hi, priced


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_reference_stack_totals_equal_an_independent_sum(stack: str, plans: dict[str, Plan],
                                                        estimates: dict[str, finops.CostEstimate]) -> None:
    est = estimates[stack]
    lo, hi, priced = expected_aws(plans[stack], stack)
    assert est.monthly_min_usd == pytest.approx(lo, abs=0.05)
    assert est.monthly_max_usd == pytest.approx(hi, abs=0.05)
    assert {i.urn for i in est.billed} == priced
    assert est.unpriced == []
    for i in est.items:  # everything else is a resource the cloud does not bill by itself
        if i.urn not in priced:
            assert i.free and i.type.startswith(FREE_TYPES), (i.type, i.basis)
    custom = [r for r in plans[stack].resources if r.custom and not r.is_provider]
    assert len(est.items) == len(custom)


def expected_gcp(plan: Plan, stack: str) -> tuple[float, float, set[str]]:
    """The GCP stack's monthly cost recomputed from the config and the catalog."""
    _, _, cfg = offline.load(stack)
    g = {k: v.usd for k, v in catalog.items("gcp").items()}
    lo = hi = 0.0
    priced: set[str] = set()

    def add(r: PlannedResource, low: float, high: float) -> None:
        nonlocal lo, hi
        lo, hi = lo + low, hi + high
        priced.add(r.urn)

    pools = sizing.effective_pools(cfg)
    for r in plan.of_type("gcp:container/nodePool:NodePool"):
        key = r.name.removeprefix(f"{cfg.name}-")
        if key == "system":
            shape, disk = catalog.system_node("gcp"), r.inputs["nodeConfig"]["diskSizeGb"]
            low, high, factor = cfg.cluster.system_nodes.count, cfg.cluster.system_nodes.max_count, 1.0
        else:
            pool, shape = pools[key], sizing.pool_shape(cfg, key)
            disk = coldstart.node_disk_gb(pool.disk_size_gb, shape.gpu_memory_gib)  # raised for cold start
            low, high = pool_range(cfg, key)
            factor = 1 - g["spot-discount"] if pool.capacity == "spot" else 1.0
        each = shape.usd_per_hour * factor * H + disk * g["disk-gb-month"]
        add(r, low * each, high * each)
    for r in plan.of_type("gcp:container/cluster:Cluster"):
        add(r, g["cluster-hour"] * H, g["cluster-hour"] * H)
    nat_lo, nat_hi = usage("nat-gb-month")
    for r in plan.of_type("gcp:compute/routerNat:RouterNat"):
        base = g["nat-gateway-hour"] * H
        add(r, base + nat_lo * g["nat-gateway-gb"], base + nat_hi * g["nat-gateway-gb"])
    for r in plan.of_type("gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"):
        key = r.name.removeprefix(f"{cfg.name}-")
        shape, ep = sizing.managed_shape(cfg, key), cfg.endpoints[key]
        add(r, ep.replicas.min * shape.usd_per_hour * H, ep.replicas.max * shape.usd_per_hour * H)
    for r in plan.of_type("gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex"):
        res_ = r.inputs["dedicatedResources"]
        node = g[f"vector-search-node-hour:{res_['machineSpec']['machineType']}"] * H
        add(r, res_["minReplicaCount"] * node, res_["maxReplicaCount"] * node)
    store_lo, store_hi = usage("vector-storage-gb")
    for r in plan.of_type("gcp:alloydb/cluster:Cluster"):
        add(r, store_lo * g["alloydb-storage-gb-month"], store_hi * g["alloydb-storage-gb-month"])
    for r in plan.of_type("gcp:alloydb/instance:Instance"):
        cpus = r.inputs["machineConfig"]["cpuCount"]
        nodes = 2 if r.inputs.get("availabilityType") == "REGIONAL" else 1
        c = nodes * (cpus * g["alloydb-vcpu-hour"] + 8 * cpus * g["alloydb-memory-gb-hour"]) * H
        add(r, c, c)
    log_lo, log_hi = usage("log-gb-month")
    for r in plan.of_type("gcp:logging/projectBucketConfig:ProjectBucketConfig"):
        per_gb = g["log-ingest-gb"] + max(0, r.inputs["retentionDays"] - 30) / (H / 24) * g["log-storage-gb-month"]
        add(r, log_lo * per_gb, log_hi * per_gb)
        acc_lo, acc_hi = usage("gateway-access-log-gb-month")
        for sink in plan.of_type("gcp:logging/projectSink:ProjectSink"):  # the gateway's records, copied in
            if 'resource.labels.namespace_name="ingress"' in sink.inputs["filter"]:
                add(sink, acc_lo * per_gb, acc_hi * per_gb)
    obj_lo, obj_hi = usage("object-gb")
    for r in plan.of_type("gcp:storage/bucket:Bucket"):
        add(r, obj_lo * g["object-storage-gb-month"], obj_hi * g["object-storage-gb-month"])
    for r in plan.of_type("gcp:kms/cryptoKey:CryptoKey"):
        hsm = r.inputs.get("versionTemplate", {}).get("protectionLevel") == "HSM"
        k = g["kms-hsm-key-month" if hsm else "kms-key-month"]
        add(r, k, k)
    for r in plan.of_type("gcp:compute/forwardingRule:ForwardingRule"):
        add(r, g["private-endpoint-hour"] * H, g["private-endpoint-hour"] * H)
    for r in plan.of_type("gcp:secretmanager/secretVersion:SecretVersion"):  # the AI gateway's team keys
        add(r, g["secret-version-month"], g["secret-version-month"])
    s_lo, s_hi = usage("serving-metric-samples-10m")
    for r in plan.of_type("kubernetes:monitoring.googleapis.com/v1:PodMonitoring"):  # GMP samples ingested
        add(r, s_lo * g["prometheus-samples-10m"], s_hi * g["prometheus-samples-10m"])
    return lo, hi, priced


@pytest.mark.parametrize("stack", ["gcp-dev", "gcp-prod"])
def test_gcp_reference_stack_totals_equal_an_independent_sum(stack: str) -> None:
    plan = offline.plan(stack)
    est = finops.estimate(plan)
    lo, hi, priced = expected_gcp(plan, stack)
    assert (est.monthly_min_usd, est.monthly_max_usd) == (pytest.approx(lo, abs=0.05), pytest.approx(hi, abs=0.05))
    assert {i.urn for i in est.billed} == priced
    assert est.unpriced == []
    assert all(i.free for i in est.items if i.urn not in priced)


def expected_azure(plan: Plan, stack: str) -> tuple[float, float, set[str]]:
    """The Azure stack's monthly cost recomputed from the config and the catalog."""
    _, _, cfg = offline.load(stack)
    a = {k: v.usd for k, v in catalog.items("azure").items()}
    lo = hi = 0.0
    priced: set[str] = set()

    def add(r: PlannedResource, low: float, high: float) -> None:
        nonlocal lo, hi
        lo, hi = lo + low, hi + high
        priced.add(r.urn)

    disk = a["disk-gb-month"]
    for r in plan.of_type("azure-native:containerservice:ManagedCluster"):
        fee = a[f"cluster-hour:{r.inputs['sku']['tier']}"] * H
        (system,) = r.inputs["agentPoolProfiles"]
        each = catalog.system_node("azure").usd_per_hour * H + system["osDiskSizeGB"] * disk
        sys_cfg = cfg.cluster.system_nodes
        add(r, fee + sys_cfg.count * each, fee + sys_cfg.max_count * each)
    pools = sizing.effective_pools(cfg)
    for r in plan.of_type("azure-native:containerservice:AgentPool"):
        key = next(k for k in pools if r.name.endswith(f"-{k}"))
        pool, shape = pools[key], sizing.pool_shape(cfg, key)
        factor = 1 - a["spot-discount"] if pool.capacity == "spot" else 1.0
        disk_spec = azure_os_disk(key, shape, pool.disk_size_gb)
        os_disk = 0 if disk_spec.type == "Ephemeral" else disk_spec.size_gb  # an ephemeral disk is in the VM price
        each = shape.usd_per_hour * factor * H + os_disk * disk
        low, high = pool_range(cfg, key)
        add(r, low * each, high * each)
    for r in plan.of_type("azure-native:machinelearningservices:OnlineDeployment"):
        key = next(k for k in cfg.endpoints if r.name in (f"{cfg.name}-{k}-deployment", f"{cfg.name}-{k}-canary-deployment"))
        shape, ep = sizing.managed_shape(cfg, key), cfg.endpoints[key]
        if r.name.endswith("-canary-deployment"):  # the canary's deployment, on the endpoint's instance type
            ep = ep.canary_endpoint()
        add(r, ep.replicas.min * shape.usd_per_hour * H, ep.replicas.max * shape.usd_per_hour * H)
    for r in plan.of_type("azure-native:search:Service"):
        c = r.inputs["replicaCount"] * r.inputs["partitionCount"] * a[f"ai-search-su-hour:{r.inputs['sku']['name']}"] * H
        add(r, c, c)
    store_lo, store_hi = usage("vector-storage-gb")
    for r in plan.of_type("azure-native:cosmosdb:DatabaseAccount"):
        serverless = any(c["name"] == "EnableServerless" for c in r.inputs.get("capabilities") or [])
        ru_lo, ru_hi = usage("cosmos-million-ru-month") if serverless else (0, 0)
        ru = a["cosmos-serverless-million-ru"]
        add(r, store_lo * a["cosmos-storage-gb-month"] + ru_lo * ru, store_hi * a["cosmos-storage-gb-month"] + ru_hi * ru)
    for t in ("azure-native:cosmosdb:SqlResourceSqlDatabase", "azure-native:cosmosdb:SqlResourceSqlContainer"):
        for r in plan.of_type(t):
            top = (r.inputs.get("options") or {}).get("autoscaleSettings", {}).get("maxThroughput")
            if top:
                add(r, top / 1000 * a["cosmos-autoscale-100rus-hour"] * H, top / 100 * a["cosmos-autoscale-100rus-hour"] * H)
    log_lo, log_hi = usage("log-gb-month")
    for r in plan.of_type("azure-native:operationalinsights:Workspace"):
        per_gb = a["log-ingest-gb"] + max(0, r.inputs["retentionInDays"] - 31) / (H / 24) * a["log-storage-gb-month"]
        add(r, log_lo * per_gb, log_hi * per_gb)
        acc_lo, acc_hi = usage("gateway-access-log-gb-month")
        for dcr in plan.of_type("azure-native:monitor:DataCollectionRule"):  # the gateway's container logs
            if "Microsoft-ContainerLogV2" in dcr.inputs["dataFlows"][0]["streams"]:
                add(dcr, acc_lo * per_gb, acc_hi * per_gb)
    nat_lo, nat_hi = usage("nat-gb-month")
    for r in plan.of_type("azure-native:network:NatGateway"):
        base = a["nat-gateway-hour"] * H
        add(r, base + nat_lo * a["nat-gateway-gb"], base + nat_hi * a["nat-gateway-gb"])
    for t, c in (("azure-native:network:PublicIPAddress", a["public-ip-hour"] * H),
                 ("azure-native:network:PrivateEndpoint", a["private-endpoint-hour"] * H),
                 ("azure-native:dashboard:ManagedPrivateEndpoint", a["private-endpoint-hour"] * H),
                 ("azure-native:privatedns:PrivateZone", a["private-dns-zone-month"])):
        for r in plan.of_type(t):
            add(r, c, c)
    for r in plan.of_type("azure-native:keyvault:Key"):
        if r.inputs["properties"]["kty"].endswith("-HSM"):
            add(r, a["kms-key-month"], a["kms-key-month"])
    obj_lo, obj_hi = usage("object-gb")
    for r in plan.of_type("azure-native:storage:StorageAccount"):
        add(r, obj_lo * a["object-storage-gb-month"], obj_hi * a["object-storage-gb-month"])
    s_lo, s_hi = usage("serving-metric-samples-10m")
    for r in plan.of_type("azure-native:monitor:AzureMonitorWorkspace"):  # managed Prometheus samples ingested
        add(r, s_lo * a["prometheus-samples-10m"], s_hi * a["prometheus-samples-10m"])
    (ed_lo, ed_hi), (vw_lo, vw_hi) = usage("grafana-editors-month"), usage("grafana-viewers-month")
    for r in plan.of_type("azure-native:dashboard:Grafana"):  # Standard: an instance-hour + active users
        base = a["grafana-standard-instance-hour"] * H
        add(r, base + (ed_lo + vw_lo) * a["grafana-active-user-month"],
            base + (ed_hi + vw_hi) * a["grafana-active-user-month"])
    for r in plan.of_type("azure-native:containerregistry:Registry"):  # the registry mirror (Premium)
        add(r, a["registry-day:Premium"] * 30, a["registry-day:Premium"] * 30)
    for r in plan.of_type("azure-native:monitor:MetricAlert"):  # Azure ML endpoint alerts: a series per deployment
        n = len(r.inputs["criteria"]["allOf"][0]["dimensions"][0]["values"])
        add(r, n * a["metric-alert-series-month"], n * a["metric-alert-series-month"])
    for r in plan.of_type("azure-native:monitor:ScheduledQueryRule"):
        n = len(r.inputs["criteria"]["allOf"][0]["dimensions"][0]["values"])
        add(r, n * a["log-alert-series-month:PT5M"], n * a["log-alert-series-month:PT5M"])
    min_lo, min_hi = usage("deploy-build-minutes-month")
    for r in plan.of_type("azure-native:app:Job"):  # the deploy runner: 2 vCPU + 4 GiB while a job runs
        per_min = 60 * (2 * a["container-apps-vcpu-second"] + 4 * a["container-apps-gib-second"])
        add(r, min_lo * per_min, min_hi * per_min)
    return lo, hi, priced


@pytest.mark.parametrize("stack", ["azure-dev", "azure-prod"])
def test_azure_reference_stack_totals_equal_an_independent_sum(stack: str) -> None:
    plan = offline.plan(stack)
    est = finops.estimate(plan)
    lo, hi, priced = expected_azure(plan, stack)
    assert (est.monthly_min_usd, est.monthly_max_usd) == (pytest.approx(lo, abs=0.05), pytest.approx(hi, abs=0.05))
    assert {i.urn for i in est.billed} == priced
    assert est.unpriced == []
    assert all(i.free for i in est.items if i.urn not in priced)


def test_prod_costs_more_at_every_scale_and_gpu_nodes_dominate(estimates: dict[str, finops.CostEstimate]) -> None:
    prod = estimates["aws-prod"]
    top = max(prod.items, key=lambda i: i.monthly_max_usd)
    assert top.type == "aws:eks/nodeGroup:NodeGroup" and top.name.endswith("h100-serving")
    disk_gb = coldstart.node_disk_gb(200, 8 * 80)  # 8 x H100 80 GB: the node disk holds image + weights
    assert top.monthly_min_usd == pytest.approx(1 * (55.04 * H + disk_gb * item("disk-gb-month")), abs=0.01)
    assert prod.monthly_min_usd > estimates["aws-dev"].monthly_max_usd


def test_diff_prod_against_dev(estimates: dict[str, finops.CostEstimate]) -> None:
    dev, prod = estimates["aws-dev"], estimates["aws-prod"]
    d = finops.diff(dev, prod)
    assert d.delta_min == pytest.approx(prod.monthly_min_usd - dev.monthly_min_usd, abs=0.01)
    assert d.delta_max == pytest.approx(prod.monthly_max_usd - dev.monthly_max_usd, abs=0.01)
    added = {(c.type, c.name) for c in d.added}
    assert ("aws:eks/nodeGroup:NodeGroup", "acme-llm-h100-serving") in added
    assert ("aws:sagemaker/endpoint:Endpoint", "acme-llm-summarize") in added
    assert ("aws:rds/clusterInstance:ClusterInstance", "acme-llm-catalog-1") in added
    assert {c.name for c in d.added if c.type == "aws:ec2/natGateway:NatGateway"} == {
        "acme-llm-nat-us-east-1b", "acme-llm-nat-us-east-1c"}  # prod: one NAT per zone
    changed = {c.name: c for c in d.changed if c.type == "aws:eks/nodeGroup:NodeGroup"}
    l4 = changed["acme-llm-l4-serving"]
    # dev: one Spot node for chat's one replica (the pool itself scales to zero); prod: two on-demand for two
    assert 0 < l4.before.monthly_min_usd < l4.after.monthly_min_usd
    assert l4.delta_max == pytest.approx(l4.after.monthly_max_usd - l4.before.monthly_max_usd)
    assert "acme-llm-system" not in changed  # same system nodes: unchanged
    every = [*d.added, *d.changed]
    assert sum(c.delta_min for c in every) - sum(c.before.monthly_min_usd for c in d.removed) \
        == pytest.approx(d.delta_min, abs=0.05)
    reverse = finops.diff(prod, dev)
    assert {c.identity for c in reverse.removed} == {c.identity for c in d.added}
    assert reverse.delta_max == pytest.approx(-d.delta_max)


def test_identity_survives_a_stack_rename(plans: dict[str, Plan]) -> None:
    _, _, cfg = offline.load("aws-dev")
    renamed = offline.plan_config(cfg, stack="feature-branch")
    d = finops.diff(finops.estimate(plans["aws-dev"]), finops.estimate(renamed))
    assert (d.added, d.removed, d.changed, d.delta_min, d.delta_max) == ([], [], [], 0, 0)
    urn = plans["aws-dev"].resources[0].urn
    assert finops.identity(urn) == finops.identity(urn.replace("::aws-dev::", "::other::", 1))


def test_cli_backend_prints_the_diff_against_a_plan_json(plans: dict[str, Plan], tmp_path: Path) -> None:
    path = tmp_path / "dev-plan.json"
    path.write_text(plans["aws-dev"].to_json())
    md = tmp_path / "cost.md"
    console = Console(record=True, width=240)
    assert cost.main("aws-prod", str(path), md, console=console) == 0
    text = md.read_text()
    assert text.startswith("### Cost diff: `aws-prod` against `aws-dev`")
    assert "| added | `acme-llm-h100-serving` | `aws:eks/nodeGroup:NodeGroup` |" in text
    assert "acme-llm-h100-serving" in console.export_text()
    assert cost.main("aws-dev", None, md, console=Console(record=True, width=240)) == 0
    assert md.read_text().startswith("### Monthly cost: `aws-dev`")


def test_plan_cost_dict_follows_the_plan_json_contract(estimates: dict[str, finops.CostEstimate]) -> None:
    d = finops.plan_cost_dict(estimates["aws-prod"])
    assert d["monthlyUsd"] == estimates["aws-prod"].monthly_min_usd
    assert d["monthlyUsdMax"] == estimates["aws-prod"].monthly_max_usd
    assert d["unpriced"] == []
    assert all({"urn", "monthlyUsd", "monthlyUsdMax", "basis"} <= set(i) for i in d["items"])
    assert sum(i["monthlyUsd"] for i in d["items"]) == pytest.approx(d["monthlyUsd"], abs=0.05)
    json.dumps(d)


# --- unpriced, free, and the rules of the other clouds on hand-built plans -----------------------------------


def res(type_: str, name: str, inputs: dict[str, Any], deps: list[str] | None = None) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:t::p::{type_}::{name}", type=type_, name=name, parent=None, custom=True,
                           inputs=inputs, dependencies=deps or [])


def priced(cloud: str, *resources: PlannedResource) -> dict[str, finops.CostItem]:
    est = finops.estimate(Plan("t", cloud, "prod", list(resources)))
    return {i.name: i for i in est.items}


def test_unknown_things_are_listed_as_unpriced_never_zero() -> None:
    est = finops.estimate(Plan("t", "aws", "dev", [
        res("aws:ec2/instance:Instance", "bastion", {"instanceType": "t3.micro"}),
        res("aws:eks/nodeGroup:NodeGroup", "odd", {"instanceTypes": ["x2idn.32xlarge"],
                                                   "scalingConfig": {"minSize": 1, "maxSize": 2}}),
        res("aws:iam/role:Role", "role", {}),
        res("aws:eks/cluster:Cluster", "eks", {}),
    ]))
    unpriced = {i.name: i.basis for i in est.unpriced}
    assert unpriced == {"bastion": "no price rule for aws:ec2/instance:Instance",
                        "odd": "EKS nodes: instance type 'x2idn.32xlarge' is not in the aws catalog"}
    assert est.monthly_min_usd == est.monthly_max_usd == pytest.approx(item("cluster-hour") * H)
    role = next(i for i in est.items if i.name == "role")
    assert role.priced and role.free and role.basis.startswith("no charge")
    assert {u["urn"] for u in finops.plan_cost_dict(est)["unpriced"]} == {i.urn for i in est.unpriced}


def test_sagemaker_scaling_comes_from_the_autoscaling_target() -> None:
    endpoint = res("aws:sagemaker/endpoint:Endpoint", "ep", {"name": "ep", "endpointConfigName": "cfg"})
    items = priced("aws",
                   res("aws:sagemaker/endpointConfiguration:EndpointConfiguration", "cfg", {"name": "cfg",
                       "productionVariants": [{"variantName": "AllTraffic", "instanceType": "ml.g5.12xlarge",
                                               "initialInstanceCount": 2}]}),
                   endpoint,
                   res("aws:appautoscaling/target:Target", "t", {"resourceId": "endpoint/ep/variant/AllTraffic",
                                                                 "minCapacity": 1, "maxCapacity": 5}))
    rate = catalog.shape_named("aws", "ml.g5.12xlarge", "sagemaker").usd_per_hour * H
    assert (items["ep"].monthly_min_usd, items["ep"].monthly_max_usd) == (round(rate, 2), round(5 * rate, 2))


def test_gcp_rules() -> None:
    g = {k: catalog.item("gcp", k).usd for k in ("cluster-hour", "disk-gb-month", "spot-discount")}
    cluster = res("gcp:container/cluster:Cluster", "gke", {"nodeLocations": ["us-central1-a", "us-central1-b"]})
    items = priced("gcp", cluster,
                   res("gcp:container/nodePool:NodePool", "l4", {
                       "nodeConfig": {"machineType": "g2-standard-8", "spot": True, "diskSizeGb": 200},
                       "autoscaling": {"totalMinNodeCount": 0, "totalMaxNodeCount": 4}}),
                   res("gcp:container/nodePool:NodePool", "system", {
                       "nodeConfig": {"machineType": "e2-standard-4"}, "autoscaling": {"minNodeCount": 1,
                                                                                      "maxNodeCount": 2}},
                       [cluster.urn]),
                   res("gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment", "vx", {
                       "deployConfig": {"dedicatedResources": {"machineSpec": {"machineType": "a2-ultragpu-4g"},
                                                               "minReplicaCount": 1, "maxReplicaCount": 2}}}),
                   res("gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex", "idx", {
                       "dedicatedResources": {"machineSpec": {"machineType": "e2-standard-16"},
                                              "minReplicaCount": 2, "maxReplicaCount": 3}}),
                   res("gcp:alloydb/instance:Instance", "db", {"machineConfig": {"cpuCount": 4}}))
    assert items["gke"].monthly_min_usd == pytest.approx(g["cluster-hour"] * H)
    l4 = catalog.shape_named("gcp", "g2-standard-8").usd_per_hour * (1 - g["spot-discount"]) * H + 200 * g["disk-gb-month"]
    assert (items["l4"].monthly_min_usd, items["l4"].monthly_max_usd) == (0, pytest.approx(4 * l4, abs=0.01))
    sys_node = catalog.system_node("gcp").usd_per_hour * H + 100 * g["disk-gb-month"]
    assert items["system"].monthly_max_usd == pytest.approx(2 * 2 * sys_node, abs=0.01)  # per zone x 2 zones
    vx = catalog.shape_named("gcp", "a2-ultragpu-4g", "vertex").usd_per_hour * H
    assert (items["vx"].monthly_min_usd, items["vx"].monthly_max_usd) == (round(vx, 2), round(2 * vx, 2))
    node = catalog.item("gcp", "vector-search-node-hour:e2-standard-16").usd * H
    assert items["idx"].monthly_max_usd == pytest.approx(3 * node, abs=0.01)
    alloy = 2 * (4 * catalog.item("gcp", "alloydb-vcpu-hour").usd + 32 * catalog.item("gcp", "alloydb-memory-gb-hour").usd)
    assert items["db"].monthly_min_usd == pytest.approx(alloy * H, abs=0.01)  # regional: primary + standby


def test_azure_rules() -> None:
    a = {k: catalog.item("azure", k).usd for k in ("cluster-hour:Standard", "disk-gb-month", "ai-search-su-hour:standard",
                                                    "cosmos-autoscale-100rus-hour")}
    items = priced("azure",
                   res("azure-native:containerservice:ManagedCluster", "aks", {"sku": {"tier": "Standard"},
                       "agentPoolProfiles": [{"name": "system", "vmSize": "Standard_D4s_v5", "enableAutoScaling": True,
                                              "minCount": 2, "maxCount": 3, "osDiskType": "Ephemeral"}]}),
                   res("azure-native:containerservice:AgentPool", "gpu", {
                       "vmSize": "Standard_NC24ads_A100_v4", "enableAutoScaling": True, "minCount": 0, "maxCount": 2,
                       "osDiskSizeGB": 256}),
                   res("azure-native:machinelearningservices:OnlineDeployment", "ml", {
                       "onlineDeploymentProperties": {"instanceType": "Standard_NC96ads_A100_v4"}, "sku": {"capacity": 2}}),
                   res("azure-native:search:Service", "search", {"sku": {"name": "standard"}, "replicaCount": 2}),
                   res("azure-native:cosmosdb:SqlResourceSqlContainer", "vectors", {
                       "options": {"autoscaleSettings": {"maxThroughput": 4000}}}),
                   res("azure-native:search:Service", "odd", {"sku": {"name": "free-ish"}}))
    system = catalog.system_node("azure").usd_per_hour * H
    assert items["aks"].monthly_min_usd == pytest.approx(a["cluster-hour:Standard"] * H + 2 * system, abs=0.01)
    assert items["aks"].monthly_max_usd == pytest.approx(a["cluster-hour:Standard"] * H + 3 * system, abs=0.01)
    gpu = catalog.shape_named("azure", "Standard_NC24ads_A100_v4").usd_per_hour * H + 256 * a["disk-gb-month"]
    assert (items["gpu"].monthly_min_usd, items["gpu"].monthly_max_usd) == (0, pytest.approx(2 * gpu, abs=0.01))
    ml = catalog.shape_named("azure", "Standard_NC96ads_A100_v4", "azureml").usd_per_hour * H
    assert items["ml"].monthly_min_usd == pytest.approx(2 * ml, abs=0.01)
    assert items["search"].monthly_min_usd == pytest.approx(2 * a["ai-search-su-hour:standard"] * H, abs=0.01)
    assert items["vectors"].monthly_min_usd == pytest.approx(4 * a["cosmos-autoscale-100rus-hour"] * H, abs=0.01)
    assert items["vectors"].monthly_max_usd == pytest.approx(40 * a["cosmos-autoscale-100rus-hour"] * H, abs=0.01)
    assert not items["odd"].priced and "free-ish" in items["odd"].basis


def test_every_price_item_has_a_source_and_assumptions_say_so() -> None:
    for cloud in catalog.CLOUDS:
        for it in catalog.items(cloud).values():
            assert it.source and it.as_of and it.usd >= 0
        assert 0 < catalog.spot_discount(cloud) < 1
    for u in catalog.usage_assumptions().values():
        assert u.source.startswith("assumption") and 0 <= u.min <= u.max
