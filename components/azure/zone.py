"""The Azure landing zone: wires the entity components in dependency order and returns the zone's outputs.

network (resource group, VNet, DNS) -> keys -> audit (the log sink every later component writes to) ->
cluster (+ in-cluster add-ons) -> GPU pools -> model storage -> serving (vLLM on AKS, Azure ML) ->
vector stores -> team access -> budget.
"""

from __future__ import annotations

from typing import Any

import pulumi

from llmops_landing_zone.components import resolve
from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.audit import Audit, AuditArgs
from llmops_landing_zone.components.azure.base import AzureContext
from llmops_landing_zone.components.azure.budget import Budget, BudgetArgs
from llmops_landing_zone.components.azure.cluster import Cluster, ClusterArgs, ExistingCluster, ExistingClusterArgs
from llmops_landing_zone.components.azure.endpoint_alerts import EndpointAlerts, EndpointAlertsArgs
from llmops_landing_zone.components.azure.gateway_keys import GatewayKeys, GatewayKeysArgs
from llmops_landing_zone.components.azure.gateway_logs import GatewayAccessLogs, GatewayAccessLogsArgs
from llmops_landing_zone.components.azure.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.azure.keys import Keys, KeysArgs
from llmops_landing_zone.components.azure.dashboards import ServingDashboards, ServingDashboardsArgs
from llmops_landing_zone.components.azure.monitoring import ServingMonitoring, ServingMonitoringArgs
from llmops_landing_zone.components.azure.network import ExistingVnet, Network, NetworkArgs
from llmops_landing_zone.components.azure.rbac import TeamAccess, TeamAccessArgs
from llmops_landing_zone.components.azure.runner import DeployRunner, DeployRunnerArgs
from llmops_landing_zone.components.azure.serving import (
    CANARY_DEPLOYMENT,
    DEPLOYMENT_NAME,
    ManagedEndpoint,
    ManagedEndpointArgs,
    MlWorkspace,
    MlWorkspaceArgs,
    ModelStore,
    ModelStoreArgs,
    VllmService,
    VllmServiceArgs,
)
from llmops_landing_zone.components.azure.vector_store import AiSearch, VectorStoreArgs, vector_store
from llmops_landing_zone.components.common import child, zone_tags
from llmops_landing_zone.components.config.deploy import runner_enabled
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.azure.mirror import (
    RegistryMirror,
    RegistryMirrorArgs,
    kubelet_object_id,
    target_repository,
)
from llmops_landing_zone.components.k8s import ClusterAddons, images
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s.gateway import AiGateway, AiGatewayArgs, load_balancer_annotations
from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.k8s.vllm import PORT as VLLM_PORT
from llmops_landing_zone.components.observability import rule_file
from llmops_landing_zone.components.observability.managed import managed_alerts
from llmops_landing_zone.components.observability.dashboards import zone_dashboard
from llmops_landing_zone.components.observability.grafana import grafana_json
from llmops_landing_zone.components.observability.rules import slo_targets
from llmops_landing_zone.components.observability.scaling import scaled_endpoints


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    ctx = AzureContext.lookup(cfg.region or "")
    z = cfg.name
    protect, deletion_protection = bool(cfg.protect_stateful), bool(cfg.deletion_protection)
    vllm = [k for k, ep in cfg.endpoints.items() if ep.runtime == "vllm"]
    managed = [k for k, ep in cfg.endpoints.items() if ep.runtime == "managed"]

    byo = cfg.network.existing
    network = Network(f"{z}-network", NetworkArgs(
        z, ctx, cidr=cfg.network.cidr, zones=cfg.network.zones, protect=bool(cfg.protect_stateful),
        runner_subnet=runner_enabled(cfg),
        existing=ExistingVnet(byo.nodes_subnet_id or "", byo.endpoints_subnet_id or "", byo.api_server_subnet_id)
        if byo else None), child(zone))
    rg = network.resource_group.name
    keys = Keys(f"{z}-keys", KeysArgs(z, ctx, network, hsm=cfg.is_prod, protect=bool(cfg.protect_stateful),
                                      deletion_protection=bool(cfg.deletion_protection)), child(zone))
    # Second step of a prod deployment (see audit.py): lock the audit WORM policy once it exists.
    audit = Audit(f"{z}-audit", AuditArgs(
        z, ctx, network, keys, retention_days=cfg.audit.retention_days, immutable=bool(cfg.audit.immutable),
        lock_immutability=cfg.audit.lock_immutability, environment=cfg.environment, protect=protect,
        deletion_protection=deletion_protection), child(zone))
    sink = audit.sink
    network.enable_diagnostics(sink)
    keys.enable_diagnostics(sink)

    # The gateway's access records ride the monitoring's Private Link Scope into the audit workspace (which
    # refuses public ingestion): with observability off there is no such path, and no record (README).
    access_logs = bool(cfg.gateway.enabled and cfg.observability.enabled)
    cluster: Cluster | ExistingCluster
    aks = cfg.cluster.existing
    if aks is not None:
        cluster = ExistingCluster(f"{z}-cluster", ExistingClusterArgs(
            z, ctx, aks.name or "", aks.resource_group or ""), child(zone))
    else:
        cluster = Cluster(f"{z}-cluster", ClusterArgs(
            z, ctx, resource_group_name=rg, vnet_id=network.vnet_id, nodes_subnet_id=network.nodes_subnet_id,
            api_server_subnet_id=network.api_subnet_id or "", address_prefixes=network.address_prefixes,
            vault_id=keys.vault.id, kms_key_id=keys.keys["aks"].key_uri_with_version,
            kms_key_resource_id=keys.keys["aks"].id, disk_encryption_set_id=keys.disk_encryption_set.id,
            kubernetes_version=cfg.cluster.kubernetes_version, sink=sink,
            outbound_type="userAssignedNATGateway" if network.nat_egress else "userDefinedRouting",
            extended_support=cfg.cluster.extended_support, uptime_sla=cfg.is_prod,
            managed_prometheus=cfg.observability.enabled,
            container_logs_workspace_id=audit.workspace.id if access_logs else None,
            public_endpoint=cfg.cluster.public_endpoint, authorized_networks=cfg.cluster.authorized_networks,
            system_node_count=cfg.cluster.system_nodes.count,
            system_node_max_count=cfg.cluster.system_nodes.max_count, zones=cfg.network.zones,
            protect=bool(cfg.protect_stateful)), child(zone))
    pool_rg = (aks.resource_group or "") if aks is not None else rg
    pools = {
        key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
            spec, name=names.AGENT_POOL.render(z, key), cluster_name=cluster.cluster.name,
            resource_group_name=pool_rg, subnet_id=network.nodes_subnet_id,
            kubernetes_version=cfg.cluster.kubernetes_version, tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone))
        for key, spec in resolve.pools(cfg).items()
    }
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider))

    # GPU nodes pull the vLLM image from an ACR cache in the region (private endpoint), not Docker Hub via NAT.
    upstream = images.vllm_image("azure")
    kubelet = cluster.cluster.identity_profile.apply(kubelet_object_id)
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        names.CONTAINER_REGISTRY.render(z, suffix=ctx.suffix), rg, ctx, network, kubelet, [upstream.repository],
        tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone)) if vllm else None
    vllm_image = images.mirrored(upstream, f"{mirror.host}/{target_repository(upstream.repository)}") \
        if mirror else None

    models = ModelStore(f"{z}-models", ModelStoreArgs(
        z, ctx, network, keys, sink, protect=protect, deletion_protection=deletion_protection,
        zone_redundant=cfg.is_prod), child(zone))
    specs = resolve.endpoints(cfg)
    serving = {
        key: VllmService(f"{z}-vllm-{key}", VllmServiceArgs(
            spec, pools[spec.pool.key].scheduling, prefix=z, ctx=ctx, resource_group=rg,
            oidc_issuer_url=cluster.oidc_issuer_url, model_store=models.account_name,
            model_store_id=models.container_scope, namespace=addons.serving_namespace,
            k8s_provider=cluster.provider, vllm_image=vllm_image,
            depends_on=[addons, pools[spec.pool.key].agent_pool,
                        *([*mirror.cache_rules, mirror.pull, mirror.endpoint] if mirror else [])],
            # ama-metrics (kube-system) scrapes the endpoint; KEDA scales it
            metrics_namespace="kube-system" if cfg.observability.enabled else None), child(zone))
        for key, spec in specs.items() if spec.pool is not None
    }
    # The AI gateway in front of the vLLM endpoints: one key per team in the zone's Key Vault, limits per team.
    gateway = None
    if cfg.gateway.enabled:
        routes, limits = resolve.gateway(cfg, SERVING_NAMESPACE, VLLM_PORT)
        gateway_keys = GatewayKeys(f"{z}-gateway-keys", GatewayKeysArgs(
            rg, keys.vault.name, sorted(cfg.teams), tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone)) \
            if cfg.gateway.authentication == "api-key" else None
        gateway = AiGateway(f"{z}-gateway", AiGatewayArgs(
            routes, dict(gateway_keys.keys) if gateway_keys else {}, limits,
            authenticate=gateway_keys is not None,
            service_annotations=load_balancer_annotations("azure", cfg.gateway.exposure),
            tls_secret=cfg.gateway.tls.certificate_secret if cfg.gateway.tls else None, depends_on=[addons]),
            pulumi.ResourceOptions(parent=zone, provider=cluster.provider))
    workspace = MlWorkspace(f"{z}-ml", MlWorkspaceArgs(
        z, ctx, network, keys, sink, protect=protect, deletion_protection=deletion_protection, prod=cfg.is_prod),
        child(zone)) \
        if managed else None
    managed_endpoints = {
        key: ManagedEndpoint(f"{z}-managed-{key}", ManagedEndpointArgs(
            specs[key], names.ML_ENDPOINT.render(z, key, suffix=ctx.suffix), prefix=z, ctx=ctx, resource_group=rg,
            workspace_name=workspace.workspace.name, sink=sink, depends_on=[workspace.endpoint]), child(zone))
        for key in managed if workspace is not None
    }

    stores = {key: vector_store(f"{z}-vector-{key}", VectorStoreArgs(
        z, ctx, key, store.engine, store.dimensions, network, keys, sink, metric=store.metric,
        environment=cfg.environment, protect=protect, deletion_protection=deletion_protection), child(zone))
              for key, store in cfg.vector_stores.items()}
    teams = {
        key: TeamAccess(f"{z}-team-{key}", TeamAccessArgs(
            z, ctx, key, team.role, cluster_id=cluster.cluster.id, resource_group=rg, k8s_provider=cluster.provider,
            members=list(team.members), gpu_quota=team.gpu_quota,
            stores=stores, ml_workspace_id=workspace.workspace.id if workspace else None, depends_on=[addons]),
            child(zone))
        for key, team in cfg.teams.items()
    }
    budget = Budget(f"{z}-budget", BudgetArgs(
        z, ctx, monthly_limit_usd=cfg.budget.monthly_limit_usd, resource_group=rg,
        resource_groups=[network.resource_group_name, names.AKS_NODE_RESOURCE_GROUP.render(z)],
        thresholds_percent=list(cfg.budget.thresholds_percent), forecast_alerts=cfg.budget.forecast_alerts,
        emails=list(cfg.budget.notify.emails)), child(zone)) if cfg.budget else None
    monitoring = ServingMonitoring(f"{z}-monitoring", ServingMonitoringArgs(
        ctx, z, resource_group=rg, cluster_id=cluster.cluster.id, cluster_name=cluster.cluster.name,
        oidc_issuer_url=cluster.oidc_issuer_url, rule_file=rule_file(z, cfg.endpoints, cfg.observability.enabled),
        endpoints=scaled_endpoints(cfg.endpoints, cfg.observability.enabled), k8s_provider=cluster.provider,
        action_group_id=budget.action_group.id if budget else None, network=network,
        log_workspace_id=audit.workspace.id, tags=zone_tags(z, cfg.environment, cfg.tags),
        protect=protect, gateway=bool(cfg.gateway.enabled), depends_on=[addons]), child(zone)) if cfg.observability.enabled else None
    if access_logs and monitoring is not None:  # usage metering: the gateway's access records
        GatewayAccessLogs(f"{z}-gateway-access", GatewayAccessLogsArgs(
            z, ctx.location, rg, cluster.cluster.id, audit.workspace.id, monitoring.dce.id, [ai_gateway.NAMESPACE],
            tags=zone_tags(z, cfg.environment, cfg.tags), depends_on=monitoring.private), child(zone))

    for key, thresholds in managed_alerts({k: cfg.endpoints[k] for k in managed_endpoints},
                                          cfg.observability.enabled).items():
        EndpointAlerts(f"{z}-alerts-{key}", EndpointAlertsArgs(
            z, ctx.location, rg, managed_endpoints[key].endpoint_name, managed_endpoints[key].endpoint.id,
            workspace_id=sink.workspace_id, thresholds=thresholds,
            # a canary deployment is held to the endpoint's SLO too (shadow or not: its errors are its own)
            deployments=[DEPLOYMENT_NAME, *([CANARY_DEPLOYMENT] if cfg.endpoints[key].canary else [])],
            action_group_id=budget.action_group.id if budget else None,
            tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone))

    # The cluster pass of the deploy workflow runs here when the API server is private (components/deploy_path.py)
    app = cfg.deploy.github_app
    runner = DeployRunner(f"{z}-deploy-runner", DeployRunnerArgs(
        name=names.DEPLOY_RUNNER_JOB.render(z), repository=cfg.deploy.repository or "", ctx=ctx, resource_group=rg,
        subnet_id=network.runner_subnet.id, cluster_id=cluster.cluster.id, vault_id=keys.vault.id,
        vault_uri=keys.vault.properties.vault_uri, github_app_id=app.app_id if app else 0,
        github_installation_id=app.installation_id if app else 0, state_store=cfg.deploy.state_store or "",
        secrets_key=cfg.deploy.secrets_key or "", sink=sink, tags=zone_tags(z, cfg.environment, cfg.tags),
        depends_on=[cluster.cluster] if isinstance(cluster, Cluster) else []), child(zone)) \
        if runner_enabled(cfg) and network.runner_subnet is not None else None

    # Private Azure Managed Grafana with the serving dashboard; its Grafana API objects are written by whoever
    # runs the program: the deployer, and the runner's identity in the cluster pass (Grafana Admin both)
    admins: list[tuple[str, Any, str | None]] = [("deployer", ctx.deployer_object_id, None)]
    if runner is not None:
        admins.append(("runner", runner.identity.principal_id, "ServicePrincipal"))
    dashboards = ServingDashboards(f"{z}-dashboards", ServingDashboardsArgs(
        ctx, z, network, resource_group=rg, prometheus_id=monitoring.workspace.id,
        prometheus_endpoint=monitoring.workspace.metrics.apply(lambda m: m.prometheus_query_endpoint),
        dashboard_json=grafana_json(zone_dashboard(z, specs, "azure", ctx.location, slo_targets(cfg.endpoints))),
        admins=admins, zone_redundant=cfg.is_prod, tags=zone_tags(z, cfg.environment, cfg.tags)), child(zone)) \
        if monitoring is not None and cfg.observability.grafana else None

    outputs: dict[str, Any] = {
        "subscriptionId": ctx.subscription_id,
        "region": ctx.location,
        "resourceGroup": rg,
        "networkId": network.vnet_id,
        "subnets": network.layout,
        "keyVaultUri": keys.vault.properties.vault_uri,
        "clusterName": cluster.cluster.name,
        "clusterId": cluster.cluster.id,
        "clusterEndpoint": cluster.cluster.private_fqdn,
        "oidcIssuerUrl": cluster.oidc_issuer_url,
        "gpuPools": {k: p.agent_pool_name for k, p in pools.items()},
        "modelStore": models.account_name,
        "servingEndpoints": {k: s.endpoint.url for k, s in serving.items()},
        "servingIdentities": {k: s.identity.client_id for k, s in serving.items()},
        "managedEndpoints": {k: m.endpoint_name for k, m in managed_endpoints.items()},
        "vectorStores": {k: s.url for k, s in stores.items()},
        "searchIndexDefinitions": {k: s.index_definition for k, s in stores.items() if isinstance(s, AiSearch)},
        "teamNamespaces": {k: t.namespace_name for k, t in teams.items()},
        "logAnalyticsWorkspaceId": audit.workspace.id,
        "auditStore": audit.storage.name,
    }
    if dashboards is not None:
        outputs["grafanaUrl"] = dashboards.url
    if gateway is not None:
        outputs["gatewayUrl"] = gateway.url
    if workspace is not None:
        outputs["mlWorkspace"] = workspace.workspace_name
    if monitoring is not None:
        outputs["prometheusWorkspaceId"] = monitoring.workspace.id
    if runner is not None:
        outputs["deployRunner"] = {"job": runner.job.name, "runsOn": runner.runs_on,
                                   "identityClientId": runner.identity.client_id}
    if budget is not None:
        outputs["budgetName"] = budget.budget.name
        outputs["budgetActionGroupId"] = budget.action_group.id
    return outputs
