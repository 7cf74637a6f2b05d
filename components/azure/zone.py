"""The Azure landing zone: wires the entity components in dependency order and returns the zone's outputs.

network (resource group, VNet, DNS) -> keys -> audit (the log sink every later component writes to) ->
cluster (+ in-cluster add-ons) -> GPU pools -> model storage -> serving (vLLM on AKS, Azure ML) ->
vector stores -> team access -> budget.
"""

from __future__ import annotations

from typing import Any

import pulumi

from llmops_landing_zone.components import resolve, sizing
from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.audit import Audit, AuditArgs
from llmops_landing_zone.components.azure.base import AzureContext
from llmops_landing_zone.components.azure.budget import Budget, BudgetArgs
from llmops_landing_zone.components.azure.cluster import Cluster, ClusterArgs
from llmops_landing_zone.components.azure.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.azure.keys import Keys, KeysArgs
from llmops_landing_zone.components.azure.network import Network, NetworkArgs
from llmops_landing_zone.components.azure.rbac import TeamAccess, TeamAccessArgs
from llmops_landing_zone.components.azure.serving import (
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
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.azure.mirror import RegistryMirror, RegistryMirrorArgs, target_repository
from llmops_landing_zone.components.k8s import ClusterAddons, images


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    ctx = AzureContext.lookup(cfg)
    z = cfg.name
    vllm = [k for k, ep in cfg.endpoints.items() if ep.runtime == "vllm"]
    managed = [k for k, ep in cfg.endpoints.items() if ep.runtime == "managed"]

    network = Network(f"{z}-network", NetworkArgs(cfg, ctx), child(zone))
    rg = network.resource_group.name
    keys = Keys(f"{z}-keys", KeysArgs(cfg, ctx, network), child(zone))
    # Second step of a prod deployment (see audit.py): lock the audit WORM policy once it exists.
    audit = Audit(f"{z}-audit", AuditArgs(cfg, ctx, network, keys, lock_immutability=cfg.audit.lock_immutability),
                  child(zone))
    sink = audit.sink
    network.enable_diagnostics(sink)
    keys.enable_diagnostics(sink)

    cluster = Cluster(f"{z}-cluster", ClusterArgs(cfg, ctx, network, keys, sink), child(zone))
    pools = {
        key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
            spec, name=names.AGENT_POOL.render(z, key), cluster_name=cluster.cluster.name, resource_group_name=rg,
            subnet_id=network.nodes_subnet.id, kubernetes_version=cfg.cluster.kubernetes_version,
            tags=zone_tags(cfg)), child(zone))
        for key, spec in resolve.pools(cfg).items()
    }
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider))

    # GPU nodes pull the vLLM image from an ACR cache in the region (private endpoint), not Docker Hub via NAT.
    upstream = images.vllm_image("azure")
    kubelet = cluster.cluster.identity_profile.apply(
        lambda p: ((p or {}).get("kubeletidentity") or {}).get("object_id") or "")
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        names.CONTAINER_REGISTRY.render(z, suffix=ctx.suffix), rg, ctx, network, kubelet, [upstream.repository],
        tags=zone_tags(cfg)), child(zone)) if vllm else None
    vllm_image = images.mirrored(upstream, f"{mirror.host}/{target_repository(upstream.repository)}") \
        if mirror else None

    models = ModelStore(f"{z}-models", ModelStoreArgs(cfg, ctx, network, keys, sink), child(zone))
    serving = {
        key: VllmService(f"{z}-vllm-{key}", VllmServiceArgs(
            cfg, ctx, key, cfg.endpoints[key], pools[sizing.endpoint_pool(cfg, key)].scheduling, models,
            resource_group=rg, oidc_issuer_url=cluster.oidc_issuer_url, namespace=addons.serving_namespace,
            k8s_provider=cluster.provider, vllm_image=vllm_image,
            depends_on=[addons, pools[sizing.endpoint_pool(cfg, key)].agent_pool,
                        *([*mirror.cache_rules, mirror.pull, mirror.endpoint] if mirror else [])]),
            child(zone))
        for key in vllm
    }
    workspace = MlWorkspace(f"{z}-ml", MlWorkspaceArgs(cfg, ctx, network, keys, sink), child(zone)) \
        if managed else None
    managed_endpoints = {
        key: ManagedEndpoint(f"{z}-managed-{key}", ManagedEndpointArgs(
            cfg, ctx, key, cfg.endpoints[key], workspace, resource_group=rg, sink=sink), child(zone))
        for key in managed if workspace is not None
    }

    stores = {key: vector_store(f"{z}-vector-{key}", VectorStoreArgs(cfg, ctx, key, store, network, keys, sink),
                                child(zone))
              for key, store in cfg.vector_stores.items()}
    teams = {
        key: TeamAccess(f"{z}-team-{key}", TeamAccessArgs(
            cfg, ctx, key, team, cluster_id=cluster.cluster.id, resource_group=rg, k8s_provider=cluster.provider,
            stores=stores, ml_workspace_id=workspace.workspace.id if workspace else None, depends_on=[addons]),
            child(zone))
        for key, team in cfg.teams.items()
    }
    budget = Budget(f"{z}-budget", BudgetArgs(
        cfg, ctx, resource_group=rg,
        resource_groups=[network.resource_group_name, names.AKS_NODE_RESOURCE_GROUP.render(z)]),
        child(zone)) if cfg.budget else None

    outputs: dict[str, Any] = {
        "subscriptionId": ctx.subscription_id,
        "region": ctx.location,
        "resourceGroup": rg,
        "networkId": network.vnet.id,
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
    if workspace is not None:
        outputs["mlWorkspace"] = workspace.workspace_name
    if budget is not None:
        outputs["budgetName"] = budget.budget.name
        outputs["budgetActionGroupId"] = budget.action_group.id
    return outputs
