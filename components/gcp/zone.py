"""The GCP landing zone: every GCP entity of one zone, in dependency order, under the LandingZone component.

APIs -> keys -> network -> GKE cluster -> GPU pools -> in-cluster add-ons -> model bucket and endpoints ->
vector stores -> team access -> audit -> budget. Maps in the config become maps of components keyed by name,
so adding a pool, endpoint, store or team adds resources without touching the URNs of the others.
"""

from __future__ import annotations

from typing import Any

import pulumi

from llmops_landing_zone.components import resolve
from llmops_landing_zone.components.common import zone_labels
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.audit import Audit, AuditArgs
from llmops_landing_zone.components.gcp.budget import Budget, BudgetArgs
from llmops_landing_zone.components.config.versions import gke_channel
from llmops_landing_zone.components.gcp.cluster import Cluster, ClusterArgs, ExistingCluster, ExistingClusterArgs
from llmops_landing_zone.components.gcp.gateway_keys import GatewayKeys, GatewayKeysArgs
from llmops_landing_zone.components.gcp.gateway_logs import GatewayAccessLogs, GatewayAccessLogsArgs
from llmops_landing_zone.components.gcp.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.gcp.keys import BOOT_DISK, DATA, GKE_SECRETS, LOGS, Keys, KeysArgs
from llmops_landing_zone.components.gcp.mirror import RegistryMirror, RegistryMirrorArgs, mirror_repository
from llmops_landing_zone.components.gcp.endpoint_alerts import EndpointAlerts, EndpointAlertsArgs
from llmops_landing_zone.components.gcp.dashboards import ServingDashboards, ServingDashboardsArgs
from llmops_landing_zone.components.gcp.monitoring import ServingMonitoring, ServingMonitoringArgs
from llmops_landing_zone.components.gcp.names import ENDPOINT_SERVICE_ACCOUNT, NODE_POOL, NODE_SERVICE_ACCOUNT
from llmops_landing_zone.components.gcp.network import ExistingNetwork, ExistingNetworkArgs, Network, NetworkArgs
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices, ProjectServicesArgs, required_apis
from llmops_landing_zone.components.gcp.rbac import TeamAccess, TeamAccessArgs, TeamRoles, TeamRolesArgs, gke_security_group
from llmops_landing_zone.components.gcp.serving import (
    ModelBucket,
    ModelBucketArgs,
    VertexEndpoint,
    VertexEndpointArgs,
    VllmService,
    VllmServiceArgs,
    bucket_name,
    numeric_endpoint_id,
)
from llmops_landing_zone.components.gcp.vector_store import AlloyDbVectorStore, VectorSearch, VectorStoreArgs
from llmops_landing_zone.components.k8s import ClusterAddons, images
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s.gateway import AiGateway, AiGatewayArgs, load_balancer_annotations
from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.k8s.vllm import PORT as VLLM_PORT
from llmops_landing_zone.components.observability import rule_file
from llmops_landing_zone.components.observability.dashboards import Scope, cloud_monitoring_json, zone_dashboard
from llmops_landing_zone.components.observability.managed import managed_alerts
from llmops_landing_zone.components.observability.rules import slo_targets
from llmops_landing_zone.components.observability.scaling import scaled_endpoints


def uses_vertex(cfg: ZoneConfig) -> bool:
    """Vertex AI serves the zone: Vector Search or managed endpoints."""
    return (any(s.engine == "vertex-vector-search" for s in cfg.vector_stores.values())
            or any(e.runtime == "managed" for e in cfg.endpoints.values()))


def project_apis(cfg: ZoneConfig) -> list[str]:
    """The APIs the zone's project needs for what this config runs."""
    return required_apis(vector_engines=[s.engine for s in cfg.vector_stores.values()],
                         managed_serving=any(e.runtime == "managed" for e in cfg.endpoints.values()),
                         budget=cfg.budget is not None,
                         binary_authorization=cfg.is_prod,  # prod clusters enforce the project's policy
                         secrets=bool(cfg.gateway.enabled and cfg.teams and cfg.gateway.authentication == "api-key"))


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    z = cfg.name
    protect = bool(cfg.protect_stateful)

    def under(parent: pulumi.Resource = zone) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent)

    services = ProjectServices(f"{z}-project", ProjectServicesArgs(z, cfg.project or "", project_apis(cfg)), under())
    ctx = GcpContext.lookup(cfg.project or "", cfg.region or "", cfg.network.zones, services)
    keys = Keys(f"{z}-keys", KeysArgs(z, ctx, services, hsm=cfg.is_prod, protect=bool(cfg.protect_stateful)),
                under())
    pool_specs = resolve.pools(cfg)  # resolved once: the pools below and the cluster's GPU metrics
    byo = cfg.network.existing
    network: Network | ExistingNetwork
    if byo is not None:
        network = ExistingNetwork(f"{z}-network", ExistingNetworkArgs(
            z, ctx, network=byo.network or "", subnetwork=byo.subnetwork or "",
            pods_range_name=byo.pods_range_name or "", services_range_name=byo.services_range_name or "",
            services_access_range_name=byo.services_access_range_name), under())
    else:
        network = Network(f"{z}-network", NetworkArgs(z, ctx, services, cidr=cfg.network.cidr,
                                                      zones=cfg.network.zones), under())
    cluster: Cluster | ExistingCluster
    if cfg.cluster.existing is not None:
        cluster = ExistingCluster(f"{z}-cluster", ExistingClusterArgs(
            z, ctx, cfg.cluster.existing.name or "", cfg.cluster.existing.location or ctx.region), under())
    else:
        cluster = Cluster(f"{z}-cluster", ClusterArgs(
            z, ctx, services, network_id=network.network_id, subnetwork_id=network.subnet_id,
            pods_range_name=network.pods_range_name, services_range_name=network.services_range_name,
            zone_cidr=network.cidr, secrets_key=keys.key(GKE_SECRETS), disk_key=keys.key(BOOT_DISK),
            key_dependencies=[*keys.ready(GKE_SECRETS), *keys.ready(BOOT_DISK)],
            kubernetes_version=cfg.cluster.kubernetes_version, release_channel=gke_channel(cfg),
            public_endpoint=cfg.cluster.public_endpoint, authorized_networks=cfg.cluster.authorized_networks,
            system_node_count=cfg.cluster.system_nodes.count, system_node_max_count=cfg.cluster.system_nodes.max_count,
            zones=cfg.network.zones, hardened=cfg.is_prod, gpu_metrics=bool(pool_specs),
            security_group=gke_security_group([m for t in cfg.teams.values() for m in t.members]), deletion_protection=bool(cfg.deletion_protection),
            labels=zone_labels(z, cfg.environment, cfg.tags)), under())
    existing = cfg.cluster.existing
    cluster_location = (existing.location or ctx.region) if existing else ctx.region
    pools = {key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
        spec, name=NODE_POOL.render(z, key), cluster_name=cluster.cluster_id, project=ctx.project,
        location=cluster_location, service_account_id=NODE_SERVICE_ACCOUNT.render(z, key),
        service_account_display_name=f"{z} GKE GPU pool {key}", disk_key=keys.key(BOOT_DISK),
        labels=zone_labels(z, cfg.environment, cfg.tags), prefix=z, identity_depends_on=services.deps("iam"),
        depends_on=keys.ready(BOOT_DISK)), under())
             for key, spec in pool_specs.items()}
    # GKE runs its own NVIDIA device plugin and (with the DCGM monitoring component) GPU metrics; the shared
    # layer adds the platform namespaces and the GPU agents' policies.
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider),
                           device_plugin=False, dcgm_exporter=False)
    serving_ns = addons.serving_namespace

    bucket = ModelBucket(f"{z}-models", ModelBucketArgs(
        bucket_name(ctx.project, z), ctx.project, location=ctx.region.upper(), encryption_key=keys.key(DATA),
        protect=bool(cfg.protect_stateful), depends_on=[*keys.ready(DATA), *services.deps("storage")]), under())
    # GPU nodes pull (and stream) the vLLM image from Artifact Registry in the region, not Docker Hub via NAT.
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        f"{z}-docker-hub", ctx.project, ctx.region, labels=zone_labels(z, cfg.environment, cfg.tags),
        depends_on=services.deps("artifactregistry")), under())
    vllm_image = images.vllm_image("gcp")
    vllm_image = images.mirrored(vllm_image, mirror_repository(mirror.path, vllm_image.repository))
    serving: dict[str, pulumi.Output[str] | str] = {}
    managed: dict[str, pulumi.Output[str]] = {}
    for key, spec in resolve.endpoints(cfg).items():
        if spec.pool is not None:
            pool = pools[spec.pool.key]
            service = VllmService(f"{z}-endpoint-{key}", VllmServiceArgs(
                spec, pool.scheduling, prefix=z, project=ctx.project,
                service_account_id=ENDPOINT_SERVICE_ACCOUNT.render(z, key), model_store=bucket.name,
                model_store_id=bucket.bucket.name, cluster=cluster.cluster, namespace=serving_ns,
                k8s_provider=cluster.provider, vllm_image=vllm_image,
                depends_on=[pool.node_pool, addons.namespaces[serving_ns], mirror.repository],
                # GMP's collectors (gmp-system) scrape the endpoint; KEDA scales it
                metrics_namespace="gmp-system" if cfg.observability.enabled else None), under())
            serving[key] = service.url
        else:
            vertex = VertexEndpoint(f"{z}-endpoint-{key}", VertexEndpointArgs(
                spec, prefix=z, endpoint_id=numeric_endpoint_id(ctx.project, z, key), project=ctx.project,
                location=ctx.region, network=network.vpc.name, encryption_key=keys.key(DATA),
                depends_on=services.deps("aiplatform"), encryption_depends_on=keys.ready(DATA)), under())
            managed[key] = vertex.endpoint_id

    # The AI gateway in front of the vLLM endpoints: one key per team in Secret Manager, limits per team.
    gateway = None
    if cfg.gateway.enabled:
        routes, limits = resolve.gateway(cfg, SERVING_NAMESPACE, VLLM_PORT)
        gateway_keys = GatewayKeys(f"{z}-gateway-keys", GatewayKeysArgs(
            z, ctx.project, ctx.region, sorted(cfg.teams), encryption_key=keys.key(DATA),
            labels=zone_labels(z, cfg.environment, cfg.tags),
            depends_on=[*services.deps("secretmanager"), *keys.ready(DATA)]), under()) \
            if cfg.gateway.authentication == "api-key" else None
        gateway = AiGateway(f"{z}-gateway", AiGatewayArgs(
            routes, dict(gateway_keys.keys) if gateway_keys else {}, limits,
            authenticate=gateway_keys is not None,
            service_annotations=load_balancer_annotations("gcp", cfg.gateway.exposure),
            tls_secret=cfg.gateway.tls.certificate_secret if cfg.gateway.tls else None, depends_on=[addons]),
            pulumi.ResourceOptions(parent=zone, provider=cluster.provider))

    stores: dict[str, pulumi.Output[str]] = {}
    for key, store in cfg.vector_stores.items():
        args = VectorStoreArgs(
            z, ctx, key, store.dimensions, encryption_key=keys.key(DATA), network_id=network.network_id,
            services=services, metric=store.metric, environment=cfg.environment, protect=protect,
            deletion_protection=bool(cfg.deletion_protection), depends_on=keys.ready(DATA))
        if store.engine == "vertex-vector-search":
            args.subnet_id = network.subnet_id
            vs = VectorSearch(f"{z}-store-{key}", args, under())
            stores[key] = vs.index_endpoint.id
        else:
            args.allocated_ip_range = network.services_access_range.name
            args.depends_on = [network.services_access, *keys.ready(DATA)]
            db = AlloyDbVectorStore(f"{z}-store-{key}", args, under())
            stores[key] = db.primary.ip_address

    vertex = uses_vertex(cfg)
    alloydb = any(s.engine == "alloydb" for s in cfg.vector_stores.values())
    roles = TeamRoles(f"{z}-team-roles", TeamRolesArgs(
        z, ctx, model_user=vertex and any(t.role != "viewer" for t in cfg.teams.values()),
        depends_on=services.deps("iam")), under())
    for key, team in cfg.teams.items():
        TeamAccess(f"{z}-team-{key}", TeamAccessArgs(
            z, ctx, key, team.role, roles, bucket.bucket.name, cluster.provider, members=list(team.members),
            gpu_quota=team.gpu_quota, vertex=vertex, alloydb=alloydb), under())

    audit = Audit(f"{z}-audit", AuditArgs(
        z, ctx, encryption_key=keys.key(LOGS), services=services, retention_days=cfg.audit.retention_days,
        immutable=bool(cfg.audit.immutable), protect=protect, depends_on=keys.ready(LOGS)), under())
    if gateway is not None:  # the gateway's access records (usage metering) into the audit bucket
        GatewayAccessLogs(f"{z}-gateway-access", GatewayAccessLogsArgs(
            z, ctx.project, cluster.name, ai_gateway.NAMESPACE, ai_gateway.PROXY_CONTAINER, audit.destination,
            depends_on=[audit.bucket]), under())
    outputs: dict[str, Any] = {
        "project": ctx.project,
        "region": ctx.region,
        "networkId": network.network_id,
        "clusterName": cluster.cluster_name,
        "clusterEndpoint": cluster.endpoint,
        "kubeconfig": cluster.kubeconfig,
        "gpuPools": {k: p.node_pool.name for k, p in pools.items()},
        "modelStore": f"gs://{bucket.name}",
        "servingEndpoints": serving,
        "managedEndpoints": managed,
        "vectorStores": stores,
        "auditStore": audit.destination,
    }
    if gateway is not None:
        outputs["gatewayUrl"] = gateway.url
    budget: Budget | None = None
    if cfg.budget is not None:
        b = cfg.budget
        budget = Budget(f"{z}-budget", BudgetArgs(
            z, ctx, billing_account=b.billing_account or "", monthly_limit_usd=b.monthly_limit_usd,
            encryption_key=keys.key(DATA), services=services, thresholds_percent=list(b.thresholds_percent),
            forecast_alerts=b.forecast_alerts, emails=list(b.notify.emails), depends_on=keys.ready(DATA)), under())
        outputs["budgetName"] = budget.budget.name
    if cfg.observability.enabled:
        ServingMonitoring(f"{z}-monitoring", ServingMonitoringArgs(
            ctx.project, z, cluster_name=cluster.name, service_account_id=f"{z}-keda",
            rule_file=rule_file(z, cfg.endpoints, cfg.observability.enabled),
            endpoints=scaled_endpoints(cfg.endpoints, cfg.observability.enabled), k8s_provider=cluster.provider,
            notification_channels=[c.id for c in budget.channels] if budget else [], labels=zone_labels(z, cfg.environment, cfg.tags),
            gateway=bool(cfg.gateway.enabled), api_depends_on=services.deps("monitoring", "iam"),
            depends_on=[addons]), under())
        # GMP answers for the whole project: every query names this cluster
        model = zone_dashboard(z, resolve.endpoints(cfg), "gcp", ctx.region, slo_targets(cfg.endpoints),
                               Scope(extra=f'cluster="{cluster.name}"'))
        ServingDashboards(f"{z}-dashboards", ServingDashboardsArgs(
            ctx.project, z, cloud_monitoring_json(model), api_depends_on=services.deps("monitoring")), under())
    for key, thresholds in managed_alerts(cfg.endpoints, cfg.observability.enabled).items():
        EndpointAlerts(f"{z}-alerts-{key}", EndpointAlertsArgs(
            ctx.project, z, managed[key], thresholds,
            notification_channels=[c.id for c in budget.channels] if budget else [],
            labels=zone_labels(z, cfg.environment, cfg.tags), depends_on=services.deps("monitoring")), under())
    return outputs
