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
from llmops_landing_zone.components.gcp.cluster import Cluster, ClusterArgs
from llmops_landing_zone.components.gcp.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.gcp.keys import BOOT_DISK, DATA, Keys, KeysArgs
from llmops_landing_zone.components.gcp.names import ENDPOINT_SERVICE_ACCOUNT, NODE_POOL, NODE_SERVICE_ACCOUNT
from llmops_landing_zone.components.gcp.network import Network, NetworkArgs
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.gcp.rbac import TeamAccess, TeamAccessArgs, TeamRoles
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
from llmops_landing_zone.components.k8s import ClusterAddons


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    z = cfg.name

    def under(parent: pulumi.Resource = zone) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=parent)

    services = ProjectServices(f"{z}-project", cfg, under())
    ctx = GcpContext.lookup(cfg, services)
    keys = Keys(f"{z}-keys", KeysArgs(cfg, ctx, services), under())
    network = Network(f"{z}-network", NetworkArgs(cfg, ctx, services), under())
    cluster = Cluster(f"{z}-cluster", ClusterArgs(cfg, ctx, services, network, keys), under())
    pools = {key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
        spec, name=NODE_POOL.render(z, key), cluster_name=cluster.cluster.id, project=ctx.project,
        location=ctx.region, service_account_id=NODE_SERVICE_ACCOUNT.render(z, key),
        service_account_display_name=f"{z} GKE GPU pool {key}", disk_key=keys.key(BOOT_DISK),
        labels=zone_labels(cfg), prefix=z, identity_depends_on=services.deps("iam"),
        depends_on=keys.ready(BOOT_DISK)), under())
             for key, spec in resolve.pools(cfg).items()}
    # GKE runs its own NVIDIA device plugin and (with the DCGM monitoring component) GPU metrics; the shared
    # layer adds the platform namespaces and the GPU agents' policies.
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider),
                           device_plugin=False, dcgm_exporter=False)
    serving_ns = addons.serving_namespace

    bucket = ModelBucket(f"{z}-models", ModelBucketArgs(
        bucket_name(ctx.project, z), ctx.project, location=ctx.region.upper(), encryption_key=keys.key(DATA),
        protect=bool(cfg.protect_stateful), depends_on=[*keys.ready(DATA), *services.deps("storage")]), under())
    serving: dict[str, pulumi.Output[str] | str] = {}
    managed: dict[str, pulumi.Output[str]] = {}
    for key, spec in resolve.endpoints(cfg).items():
        if spec.pool is not None:
            pool = pools[spec.pool.key]
            service = VllmService(f"{z}-endpoint-{key}", VllmServiceArgs(
                spec, pool.scheduling, prefix=z, project=ctx.project,
                service_account_id=ENDPOINT_SERVICE_ACCOUNT.render(z, key), model_store=bucket.name,
                model_store_id=bucket.bucket.name, cluster=cluster.cluster, namespace=serving_ns,
                k8s_provider=cluster.provider, depends_on=[pool.node_pool, addons.namespaces[serving_ns]]), under())
            serving[key] = service.url
        else:
            vertex = VertexEndpoint(f"{z}-endpoint-{key}", VertexEndpointArgs(
                spec, prefix=z, endpoint_id=numeric_endpoint_id(ctx.project, z, key), project=ctx.project,
                location=ctx.region, network=network.vpc.name, encryption_key=keys.key(DATA),
                depends_on=services.deps("aiplatform"), encryption_depends_on=keys.ready(DATA)), under())
            managed[key] = vertex.endpoint_id

    stores: dict[str, pulumi.Output[str]] = {}
    for key, store in cfg.vector_stores.items():
        args = VectorStoreArgs(cfg, ctx, key, store, network, keys, services)
        if store.engine == "vertex-vector-search":
            vs = VectorSearch(f"{z}-store-{key}", args, under())
            stores[key] = vs.index_endpoint.id
        else:
            db = AlloyDbVectorStore(f"{z}-store-{key}", args, under())
            stores[key] = db.primary.ip_address

    roles = TeamRoles(f"{z}-team-roles", cfg, ctx, services.deps("iam"), under())
    for key, team in cfg.teams.items():
        TeamAccess(f"{z}-team-{key}", TeamAccessArgs(cfg, ctx, key, team, roles, bucket.bucket.name,
                                                     cluster.provider), under())

    audit = Audit(f"{z}-audit", AuditArgs(cfg, ctx, keys, services), under())
    outputs: dict[str, Any] = {
        "project": ctx.project,
        "region": ctx.region,
        "networkId": network.vpc.id,
        "clusterName": cluster.cluster.name,
        "clusterEndpoint": cluster.cluster.endpoint,
        "kubeconfig": cluster.kubeconfig,
        "gpuPools": {k: p.node_pool.name for k, p in pools.items()},
        "modelStore": f"gs://{bucket.name}",
        "servingEndpoints": serving,
        "managedEndpoints": managed,
        "vectorStores": stores,
        "auditStore": audit.destination,
    }
    if cfg.budget is not None:
        budget = Budget(f"{z}-budget", BudgetArgs(cfg, ctx, keys, services), under())
        outputs["budgetName"] = budget.budget.name
    return outputs
