"""The AWS landing zone: wires the entity components in dependency order and returns the zone's outputs.

keys -> network -> cluster (+ in-cluster add-ons) -> GPU pools -> Cluster Autoscaler -> model bucket -> team
access -> serving (vLLM on the cluster, SageMaker) -> vector stores -> audit -> budget.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pulumi

from llmops_landing_zone.components import resolve
from llmops_landing_zone.components.aws.audit import Audit, AuditArgs
from llmops_landing_zone.components.aws.autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from llmops_landing_zone.components.aws.base import AwsContext, LogRetention, retention_days
from llmops_landing_zone.components.aws.budget import Budget, BudgetArgs
from llmops_landing_zone.components.aws.cluster import (
    SYSTEM_LABEL,
    Cluster,
    ClusterArgs,
    ExistingCluster,
    ExistingClusterArgs,
    launch_template_tags,
)
from llmops_landing_zone.components.aws.gateway_keys import GatewayKeys, GatewayKeysArgs
from llmops_landing_zone.components.aws.gateway_logs import GatewayAccessLogs, GatewayAccessLogsArgs
from llmops_landing_zone.components.aws.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.aws.keys import Keys, KeysArgs
from llmops_landing_zone.components.aws.mirror import RegistryMirror, RegistryMirrorArgs, mirror_repository
from llmops_landing_zone.components.aws.endpoint_alerts import EndpointAlerts, EndpointAlertsArgs
from llmops_landing_zone.components.aws.dashboards import ServingDashboards, ServingDashboardsArgs
from llmops_landing_zone.components.aws.monitoring import ServingMonitoring, ServingMonitoringArgs
from llmops_landing_zone.components.aws.names import NODE_GROUP, SAGEMAKER_ENDPOINT
from llmops_landing_zone.components.aws.network import ExistingNetwork, ExistingNetworkArgs, Network, NetworkArgs
from llmops_landing_zone.components.aws.runner import DeployRunner, DeployRunnerArgs
from llmops_landing_zone.components.aws.rbac import TeamAccess, TeamAccessArgs, TeamPolicyInputs
from llmops_landing_zone.components.aws.serving import (
    ManagedEndpoint,
    ManagedEndpointArgs,
    ModelBucket,
    ModelBucketArgs,
    Serving,
    ServingArgs,
    CANARY_VARIANT,
    VARIANT,
)
from llmops_landing_zone.components.aws.vector_store import VectorStoreArgs, collection_names, vector_store
from llmops_landing_zone.components.common import child, zone_tags
from llmops_landing_zone.components.config.deploy import runner_enabled
from llmops_landing_zone.components.config.models import ZoneConfig, canary_key
from llmops_landing_zone.components.k8s import ClusterAddons, images
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s.gateway import AiGateway, AiGatewayArgs, load_balancer_annotations
from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.k8s.vllm import PORT as VLLM_PORT
from llmops_landing_zone.components.k8s.prometheus_agent import NAMESPACE as METRICS_NAMESPACE
from llmops_landing_zone.components.observability import rule_file
from llmops_landing_zone.components.observability.dashboards import zone_dashboard
from llmops_landing_zone.components.observability.grafana import grafana_json
from llmops_landing_zone.components.observability.managed import managed_alerts
from llmops_landing_zone.components.observability.rules import slo_targets
from llmops_landing_zone.components.observability.scaling import scaled_endpoints


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    ctx = AwsContext.lookup(cfg.region or "", cfg.network.zones)
    z = cfg.name
    managed = [k for k, ep in cfg.endpoints.items() if ep.runtime == "managed"]
    opensearch = any(s.engine == "opensearch-serverless" for s in cfg.vector_stores.values())
    collections = collection_names(z, {k: s.engine for k, s in cfg.vector_stores.items()})
    protect = bool(cfg.protect_stateful)
    observed = cfg.observability.enabled
    grafana = observed and bool(cfg.observability.grafana)

    keys = Keys(f"{z}-keys", KeysArgs(z, ctx, protect=bool(cfg.protect_stateful)), child(zone))
    byo = cfg.network.existing
    network: Network | ExistingNetwork
    if byo is not None:
        network = ExistingNetwork(f"{z}-network", ExistingNetworkArgs(
            z, ctx, vpc_id=byo.vpc_id or "", private_subnet_ids=list(byo.private_subnet_ids or []),
            opensearch_endpoint=opensearch), child(zone))
    else:
        network = Network(f"{z}-network", NetworkArgs(
            z, ctx, cidr=cfg.network.cidr, zones=ctx.zones, flow_log_key_arn=keys.audit.arn,
            nat_per_zone=bool(cfg.network.nat_per_zone), log_retention_days=cfg.audit.retention_days,
            protect=bool(cfg.protect_stateful),
            # Private SageMaker invocations; the serving metrics' remote writes and queries.
            extra_interface_endpoints=(["sagemaker.runtime"] if managed else []) + (["aps-workspaces"] if observed else [])
            + (["grafana-workspace"] if grafana else []),
            opensearch_endpoint=opensearch), child(zone))
    subnets = network.private_subnet_ids
    cluster: Cluster | ExistingCluster
    if cfg.cluster.existing is not None:
        cluster = ExistingCluster(f"{z}-cluster", ExistingClusterArgs(z, ctx, cfg.cluster.existing.name or ""),
                                  child(zone))
    else:
        cluster = Cluster(f"{z}-cluster", ClusterArgs(
            z, ctx, subnet_ids=subnets, secrets_key_arn=keys.cluster.arn, log_key_arn=keys.audit.arn,
            disk_key_arn=keys.data.arn, kubernetes_version=cfg.cluster.kubernetes_version,
            extended_support=cfg.cluster.extended_support, public_endpoint=cfg.cluster.public_endpoint,
            authorized_networks=cfg.cluster.authorized_networks, system_node_count=cfg.cluster.system_nodes.count,
            system_node_max_count=cfg.cluster.system_nodes.max_count,
            deletion_protection=bool(cfg.deletion_protection), protect=bool(cfg.protect_stateful),
            log_retention_days=cfg.audit.retention_days, node_tags=launch_template_tags(zone_tags(z, cfg.environment, cfg.tags))),
            child(zone))
    cluster_arn = ctx.arn("eks", f"cluster/{cluster.name}")

    node_tags = launch_template_tags(zone_tags(z, cfg.environment, cfg.tags))
    pools = {
        key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
            spec, name=NODE_GROUP.render(z, key), cluster_name=cluster.name, node_role_arn=cluster.node_role.arn,
            subnet_ids=subnets, disk_key_arn=keys.data.arn, tags=node_tags,
            # Kept: the cluster (named by a plain string, so the dependency on it is explicit) and what nodes
            # need to join it: the node role's policies and the VPC CNI, kube-proxy and Pod Identity agent
            # add-ons (cluster.node_join). Not the system node group: GPU nodes join through the node role
            # and the add-ons alone, and CoreDNS (which does need the system nodes) is not needed to create
            # a node group, so the pools are created alongside the system pool instead of after it.
            depends_on=cluster.pool_dependencies), child(zone))
        for key, spec in resolve.pools(cfg).items()
    }
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider))
    # EKS has no built-in node autoscaler: this one scales the system and GPU node groups (scale from zero). An
    # existing cluster keeps its own (two autoscalers would fight); the pools carry the discovery tags it reads.
    autoscaler = ClusterAutoscaler(f"{z}-cluster-autoscaler", ClusterAutoscalerArgs(
        z, ctx, cluster=cluster, cluster_arn=cluster_arn, kubernetes_version=cfg.cluster.kubernetes_version,
        environment=cfg.environment,
        # Kept, off the deploy path: an ordering on the in-cluster component (Pulumi does not pass a
        # component's depends_on to its children, so neither the autoscaler's role nor its workload waits for
        # the pools; the autoscaler re-discovers tagged node groups while it runs).
        depends_on=[r for p in pools.values() for r in (p.node_group, *p.asg_tags)]), child(zone)) \
        if isinstance(cluster, Cluster) else None

    # GPU nodes pull the vLLM image from ECR in the region (pull-through cache of Docker Hub), not through NAT.
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        z, ctx.account_id, ctx.region, ctx.partition, ctx.dns_suffix, key_arn=keys.data.arn,
        node_role_name=cluster.node_role.name, tags=dict(cfg.tags)), child(zone))
    vllm_image = images.vllm_image("aws")
    vllm_image = images.mirrored(vllm_image, mirror_repository(mirror.host, vllm_image.repository))

    bucket = ModelBucket(f"{z}-model-bucket", ModelBucketArgs(z, ctx, keys.data.arn, protect=protect), child(zone))

    teams = {
        key: TeamAccess(f"{z}-team-{key}", TeamAccessArgs(
            z, ctx, key, team.role, cluster_name=cluster.cluster_name, k8s_provider=cluster.provider,
            members=list(team.members), gpu_quota=team.gpu_quota,
            # The cluster's ARN as text (IAM does not need the cluster to exist), so the team policy does not
            # wait for EKS; the access entry still does (it belongs to the cluster: cluster_name above).
            policy=TeamPolicyInputs(cluster_arn=cluster_arn, model_bucket_arn=bucket.arn,
                                    data_key_arn=keys.data.arn,
                                    sagemaker_endpoints=[SAGEMAKER_ENDPOINT.render(z, k) for k in managed],
                                    collections=collections),
            # team namespaces come after the platform namespaces and policies
            namespace_after=[addons]), child(zone))
        for key, team in cfg.teams.items()
    }

    specs = resolve.endpoints(cfg)
    serving = Serving(f"{z}-serving", ServingArgs(
        {k: s for k, s in specs.items() if s.pool is not None}, pools, prefix=z, ctx=ctx,
        cluster_name=cluster.cluster_name, cluster_arn=cluster_arn, model_store=bucket.name, model_store_id=bucket.arn,
        data_key_arn=keys.data.arn, namespace=addons.serving_namespace,
        # Kept: the serving namespace and its default-deny policy exist before any vLLM pod, and GPU pods need
        # the device plugin (Serving also waits for each endpoint's node group and Pod Identity association).
        k8s_provider=cluster.provider, collections=collections,
        depends_on=[*bucket.safeguards, addons, mirror.rule, mirror.node_policy], vllm_image=vllm_image,
        metrics_namespace=METRICS_NAMESPACE if observed else None),
        child(zone))
    managed_endpoints = {
        key: ManagedEndpoint(f"{z}-managed-{key}", ManagedEndpointArgs(
            specs[key], SAGEMAKER_ENDPOINT.render(z, key), prefix=z, ctx=ctx, model_store=bucket.name,
            model_store_id=bucket.arn, data_key_arn=keys.data.arn, log_key_arn=keys.audit.arn,
            log_retention_days=cfg.audit.retention_days, vpc_id=network.vpc_id, vpc_cidr=network.cidr,
            subnet_ids=subnets, s3_prefix_list_id=network.s3_prefix_list_id,
            protect=protect, depends_on=bucket.safeguards), child(zone))
        for key in managed
    }

    # The AI gateway in front of the vLLM endpoints: one key per team in Secrets Manager, limits per team.
    gateway = None
    if cfg.gateway.enabled:
        routes, limits = resolve.gateway(cfg, SERVING_NAMESPACE, VLLM_PORT)
        gateway_keys = GatewayKeys(f"{z}-gateway-keys", GatewayKeysArgs(
            z, sorted(cfg.teams), keys.data.arn, tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone)) \
            if cfg.gateway.authentication == "api-key" else None
        gateway = AiGateway(f"{z}-gateway", AiGatewayArgs(
            routes, dict(gateway_keys.keys) if gateway_keys else {}, limits,
            authenticate=gateway_keys is not None,
            service_annotations=load_balancer_annotations("aws", cfg.gateway.exposure),
            tls_secret=cfg.gateway.tls.certificate_secret if cfg.gateway.tls else None,
            node_selector=dict(SYSTEM_LABEL), depends_on=[addons]),
            pulumi.ResourceOptions(parent=zone, provider=cluster.provider))
        # Usage metering: the proxies' access records into an audit-keyed log group (EKS ships no container logs).
        GatewayAccessLogs(f"{z}-gateway-access", GatewayAccessLogsArgs(
            z, ctx, cluster_name=cluster.cluster_name, cluster_arn=cluster_arn, k8s_provider=cluster.provider,
            key_arn=keys.audit.arn, retention=LogRetention(z, cfg.audit.retention_days, protect),
            source_namespace=ai_gateway.NAMESPACE, source_container=ai_gateway.PROXY_CONTAINER,
            node_selector=dict(SYSTEM_LABEL), depends_on=[addons]), child(zone))

    stores = {
        key: vector_store(f"{z}-vector-{key}", VectorStoreArgs(
            z, ctx, key, store.engine, store.dimensions, encryption_key=keys.data.arn, log_key_arn=keys.audit.arn,
            vpc_id=network.vpc_id, subnet_ids=subnets, metric=store.metric, environment=cfg.environment,
            protect=protect, deletion_protection=bool(cfg.deletion_protection),
            log_retention_days=cfg.audit.retention_days, opensearch_endpoint_id=network.opensearch_endpoint_id,
            client_security_group_id=cluster.node_security_group_id, serving_role_arn=serving.role.arn,
            team_roles={k: (cfg.teams[k].role, t.role.arn) for k, t in teams.items() if t.role}), child(zone))
        for key, store in cfg.vector_stores.items()
    }

    audit = Audit(f"{z}-audit", AuditArgs(
        z, ctx, encryption_key=keys.audit.arn, model_bucket_arn=bucket.arn, retention_days=cfg.audit.retention_days,
        immutable=bool(cfg.audit.immutable), protect=protect), child(zone))
    budget = Budget(f"{z}-budget", BudgetArgs(
        z, ctx, monthly_limit_usd=cfg.budget.monthly_limit_usd, thresholds_percent=list(cfg.budget.thresholds_percent),
        forecast_alerts=cfg.budget.forecast_alerts, emails=list(cfg.budget.notify.emails), protect=protect,
        # AMP's alert manager and the managed endpoints' CloudWatch alarms publish to the encrypted topic
        extra_publishers=(("aps", "cloudwatch") if managed else ("aps",)) if observed else ()), child(zone)) \
        if cfg.budget else None
    monitoring = ServingMonitoring(f"{z}-monitoring", ServingMonitoringArgs(
        ctx, z, cluster_name=cluster.cluster_name, cluster_arn=cluster_arn, key_arn=keys.data.arn,
        retention_days=cfg.observability.retention_days,
        rule_file=rule_file(z, cfg.endpoints, cfg.observability.enabled), endpoints=scaled_endpoints(cfg.endpoints, cfg.observability.enabled),
        k8s_provider=cluster.provider, alert_topic_arn=budget.topic.arn if budget else None,
        tags=zone_tags(z, cfg.environment, cfg.tags), protect=protect, node_selector=dict(SYSTEM_LABEL),
        kube_state_metrics=isinstance(cluster, Cluster), gateway=bool(cfg.gateway.enabled),
        depends_on=[*([cluster.system_nodes] if isinstance(cluster, Cluster) else []), addons]), child(zone)) \
        if observed else None

    # Private Amazon Managed Grafana with the serving dashboard (a zone-owned VPC only: config checks refuse
    # grafana on network.existing, whose grafana-workspace endpoint would be the network owner's)
    dashboards = ServingDashboards(f"{z}-dashboards", ServingDashboardsArgs(
        ctx, z, vpc_id=network.vpc_id, vpc_cidr=network.cidr, subnet_ids=subnets,
        grafana_endpoint_id=network.interface_endpoints["grafana-workspace"].id, key_arn=keys.data.arn,
        prometheus_arn=monitoring.workspace.arn, prometheus_endpoint=monitoring.workspace.prometheus_endpoint,
        dashboard_json=grafana_json(zone_dashboard(z, specs, "aws", ctx.region, slo_targets(cfg.endpoints))),
        tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone)) \
        if grafana and monitoring is not None and isinstance(network, Network) else None

    for key, thresholds in managed_alerts({k: cfg.endpoints[k] for k in managed}, observed).items():
        EndpointAlerts(f"{z}-alerts-{key}", EndpointAlertsArgs(
            z, managed_endpoints[key].endpoint.name, VARIANT, thresholds,
            topic_arn=budget.topic.arn if budget else None, tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone))
        if cfg.endpoints[key].canary:  # its variant (production or shadow) is held to the endpoint's SLO
            canary = canary_key(key)
            EndpointAlerts(f"{z}-alerts-{canary}", EndpointAlertsArgs(
                z, managed_endpoints[key].endpoint.name, CANARY_VARIANT, dataclasses.replace(thresholds, endpoint=canary),
                topic_arn=budget.topic.arn if budget else None, tags=zone_tags(z, cfg.environment, cfg.tags)),
                child(zone))

    # The cluster pass of the deploy workflow runs here when the API server is private (components/deploy_path.py)
    runner = DeployRunner(f"{z}-deploy-runner", DeployRunnerArgs(
        name=f"{z}-deploy", prefix=z, repository=cfg.deploy.repository or "", ctx=ctx, vpc_id=network.vpc_id,
        subnet_ids=subnets, cluster_name=cluster.cluster_name,
        cluster_security_group_id=cluster.node_security_group_id, encryption_key_arn=keys.audit.arn,
        log_group_name=f"/aws/codebuild/{z}-deploy", log_retention_days=retention_days(cfg.audit.retention_days),
        state_bucket_arn=cfg.deploy.state_store or "", secrets_key_arn=cfg.deploy.secrets_key or "",
        protect=protect, depends_on=[cluster.eks] if isinstance(cluster, Cluster) else []), child(zone)) \
        if runner_enabled(cfg) else None

    outputs: dict[str, Any] = {
        "accountId": ctx.account_id,
        "region": ctx.region,
        "availabilityZones": list(ctx.zones),
        "networkId": network.vpc_id,
        "privateSubnetIds": subnets,
        "clusterName": cluster.cluster_name,
        "clusterEndpoint": cluster.endpoint,
        "clusterOidcProviderArn": cluster.oidc_provider_arn,
        "gpuPools": {k: p.node_group.node_group_name for k, p in pools.items()},
        "modelStore": bucket.name,
        "servingRoleArn": serving.role.arn,
        "servingEndpoints": {k: e.url for k, e in serving.endpoints.items()},
        "managedEndpoints": {k: m.endpoint.name for k, m in managed_endpoints.items()},
        "vectorStores": {k: s.endpoint for k, s in stores.items()},
        "teamRoleArns": {k: t.role.arn for k, t in teams.items() if t.role},
        "auditStore": audit.bucket.id,
        "trailArn": audit.trail.arn,
        "kmsKeys": {"cluster": keys.cluster.arn, "audit": keys.audit.arn, "data": keys.data.arn},
    }
    if gateway is not None:
        outputs["gatewayUrl"] = gateway.url
    if autoscaler is not None:
        outputs["clusterAutoscalerRoleArn"] = autoscaler.role.arn
    if runner is not None:
        outputs["deployRunner"] = {"project": runner.project.name, "runsOn": runner.runs_on,
                                   "githubConnectionArn": runner.connection.arn}
    if monitoring is not None:
        outputs["prometheusWorkspaceId"] = monitoring.workspace.id
    if dashboards is not None:
        outputs["grafanaUrl"] = dashboards.url
    if budget is not None:
        outputs["budgetName"] = budget.budget.name
        outputs["budgetAlertsTopicArn"] = budget.topic.arn
    return outputs
