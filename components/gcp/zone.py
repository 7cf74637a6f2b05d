"""The GCP landing zone: every GCP entity of one zone, in dependency order, under the LandingZone component.

APIs -> keys -> network -> GKE cluster -> GPU pools -> in-cluster add-ons -> model bucket and endpoints ->
vector stores -> team access -> audit -> budget. Maps in the config become maps of components keyed by name,
so adding a pool, endpoint, store or team adds resources without touching the URNs of the others.
"""

from __future__ import annotations

from typing import Any

import pulumi

from llmops_landing_zone.components import resolve, sizing
from llmops_landing_zone.components.common import zone_labels
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.audit import Audit, AuditArgs
from llmops_landing_zone.components.gcp.budget import Budget, BudgetArgs
from llmops_landing_zone.components.gcp.cluster import Cluster, ClusterArgs
from llmops_landing_zone.components.gcp.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.gcp.keys import BOOT_DISK, Keys, KeysArgs
from llmops_landing_zone.components.gcp.names import NODE_POOL, NODE_SERVICE_ACCOUNT
from llmops_landing_zone.components.gcp.network import Network, NetworkArgs
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.gcp.rbac import TeamAccess, TeamAccessArgs, TeamRoles
from llmops_landing_zone.components.gcp.serving import (
    ModelBucket,
    VertexEndpoint,
    VertexEndpointArgs,
    VllmService,
    VllmServiceArgs,
)
from llmops_landing_zone.components.gcp.vector_store import AlloyDbVectorStore, VectorSearch, VectorStoreArgs
from llmops_landing_zone.components.gcp.mirror import RegistryMirror, RegistryMirrorArgs, mirror_repository
from llmops_landing_zone.components.k8s import ClusterAddons, images


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

    bucket = ModelBucket(f"{z}-models", cfg, ctx, keys, services, under())
    # GPU nodes pull (and stream) the vLLM image from Artifact Registry in the region, not Docker Hub via NAT.
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        f"{z}-docker-hub", ctx.project, ctx.region, labels=zone_labels(cfg),
        depends_on=services.deps("artifactregistry")), under())
    vllm_image = images.vllm_image("gcp")
    vllm_image = images.mirrored(vllm_image, mirror_repository(mirror.path, vllm_image.repository))
    serving: dict[str, pulumi.Output[str] | str] = {}
    managed: dict[str, pulumi.Output[str]] = {}
    for key, ep in cfg.endpoints.items():
        if ep.runtime == "vllm":
            pool = pools[sizing.endpoint_pool(cfg, key)]
            service = VllmService(f"{z}-endpoint-{key}", VllmServiceArgs(
                cfg, ctx, key, ep, pool.scheduling, bucket, cluster.cluster, serving_ns, cluster.provider,
                depends_on=[pool.node_pool, addons.namespaces[serving_ns], mirror.repository],
                vllm_image=vllm_image), under())
            serving[key] = service.url
        else:
            vertex = VertexEndpoint(f"{z}-endpoint-{key}", VertexEndpointArgs(
                cfg, ctx, key, ep, network, keys, services), under())
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
