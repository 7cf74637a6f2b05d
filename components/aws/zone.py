"""The AWS landing zone: wires the entity components in dependency order and returns the zone's outputs.

keys -> network -> cluster (+ in-cluster add-ons) -> GPU pools -> Cluster Autoscaler -> model bucket -> team
access -> serving (vLLM on the cluster, SageMaker) -> vector stores -> audit -> budget.
"""

from __future__ import annotations

from typing import Any

import pulumi

from llmops_landing_zone.components import resolve
from llmops_landing_zone.components.aws.audit import Audit, AuditArgs
from llmops_landing_zone.components.aws.autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from llmops_landing_zone.components.aws.base import AwsContext
from llmops_landing_zone.components.aws.budget import Budget, BudgetArgs
from llmops_landing_zone.components.aws.cluster import Cluster, ClusterArgs, launch_template_tags
from llmops_landing_zone.components.aws.gpu_pool import GpuPool, GpuPoolArgs
from llmops_landing_zone.components.aws.keys import Keys, KeysArgs
from llmops_landing_zone.components.aws.mirror import RegistryMirror, RegistryMirrorArgs, mirror_repository
from llmops_landing_zone.components.aws.names import NODE_GROUP, SAGEMAKER_ENDPOINT
from llmops_landing_zone.components.aws.network import Network, NetworkArgs
from llmops_landing_zone.components.aws.rbac import TeamAccess, TeamAccessArgs, TeamPolicyInputs
from llmops_landing_zone.components.aws.serving import (
    ManagedEndpoint,
    ManagedEndpointArgs,
    ModelBucket,
    ModelBucketArgs,
    Serving,
    ServingArgs,
)
from llmops_landing_zone.components.aws.vector_store import VectorStoreArgs, collection_names, vector_store
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.k8s import ClusterAddons, images


def build(zone: pulumi.ComponentResource, cfg: ZoneConfig) -> dict[str, Any]:
    ctx = AwsContext.lookup(cfg)
    z = cfg.name
    managed = [k for k, ep in cfg.endpoints.items() if ep.runtime == "managed"]
    opensearch = any(s.engine == "opensearch-serverless" for s in cfg.vector_stores.values())
    collections = collection_names(cfg)

    keys = Keys(f"{z}-keys", KeysArgs(cfg, ctx), child(zone))
    network = Network(f"{z}-network", NetworkArgs(
        cfg, ctx, flow_log_key_arn=keys.audit.arn,
        extra_interface_endpoints=["sagemaker.runtime"] if managed else [],  # private invocations
        opensearch_endpoint=opensearch), child(zone))
    subnets = network.private_subnet_ids
    cluster = Cluster(f"{z}-cluster", ClusterArgs(
        cfg, ctx, subnet_ids=subnets, secrets_key_arn=keys.cluster.arn, log_key_arn=keys.audit.arn,
        disk_key_arn=keys.data.arn), child(zone))
    cluster_arn = ctx.arn("eks", f"cluster/{cluster.name}")

    node_tags = launch_template_tags(cfg)
    pools = {
        key: GpuPool(f"{z}-pool-{key}", GpuPoolArgs(
            spec, name=NODE_GROUP.render(z, key), cluster_name=cluster.name, node_role_arn=cluster.node_role.arn,
            subnet_ids=subnets, disk_key_arn=keys.data.arn, tags=node_tags,
            # Kept: the cluster (named by a plain string, so the dependency on it is explicit) and what nodes
            # need to join it: the node role's policies and the VPC CNI, kube-proxy and Pod Identity agent
            # add-ons (cluster.node_join). Not the system node group: GPU nodes join through the node role
            # and the add-ons alone, and CoreDNS (which does need the system nodes) is not needed to create
            # a node group, so the pools are created alongside the system pool instead of after it.
            depends_on=[cluster.eks, *cluster.node_join]), child(zone))
        for key, spec in resolve.pools(cfg).items()
    }
    addons = ClusterAddons(f"{z}-addons", [p.scheduling for p in pools.values()],
                           pulumi.ResourceOptions(parent=cluster, provider=cluster.provider))
    # EKS has no built-in node autoscaler: this one scales the system and GPU node groups (scale from zero).
    autoscaler = ClusterAutoscaler(f"{z}-cluster-autoscaler", ClusterAutoscalerArgs(
        cfg, ctx, cluster=cluster, cluster_arn=cluster_arn,
        # Kept, off the deploy path: an ordering on the in-cluster component (Pulumi does not pass a
        # component's depends_on to its children, so neither the autoscaler's role nor its workload waits for
        # the pools; the autoscaler re-discovers tagged node groups while it runs).
        depends_on=[r for p in pools.values() for r in (p.node_group, *p.asg_tags)]), child(zone))

    # GPU nodes pull the vLLM image from ECR in the region (pull-through cache of Docker Hub), not through NAT.
    mirror = RegistryMirror(f"{z}-registry-mirror", RegistryMirrorArgs(
        z, ctx.account_id, ctx.region, ctx.partition, ctx.dns_suffix, key_arn=keys.data.arn,
        node_role_name=cluster.node_role.name, tags=dict(cfg.tags)), child(zone))
    vllm_image = images.vllm_image("aws")
    vllm_image = images.mirrored(vllm_image, mirror_repository(mirror.host, vllm_image.repository))

    bucket = ModelBucket(f"{z}-model-bucket", ModelBucketArgs(cfg, ctx, keys.data.arn), child(zone))

    teams = {
        key: TeamAccess(f"{z}-team-{key}", TeamAccessArgs(
            cfg, ctx, key, team, cluster_name=cluster.eks.name, k8s_provider=cluster.provider,
            # The cluster's ARN as text (IAM does not need the cluster to exist), so the team policy does not
            # wait for EKS; the access entry still does (it belongs to the cluster: cluster_name above).
            policy=TeamPolicyInputs(cluster_arn=cluster_arn, model_bucket_arn=bucket.arn,
                                    data_key_arn=keys.data.arn,
                                    sagemaker_endpoints=[SAGEMAKER_ENDPOINT.render(z, k) for k in managed],
                                    collections=collections)),
            # Kept: a component-level ordering (Pulumi does not pass it on to the children, so it adds no
            # edge to the deploy graph): team namespaces come after the platform namespaces and policies.
            child(zone, depends_on=[addons]))
        for key, team in cfg.teams.items()
    }

    serving = Serving(f"{z}-serving", ServingArgs(
        cfg, ctx, cluster_name=cluster.eks.name, cluster_arn=cluster_arn, bucket=bucket,
        data_key_arn=keys.data.arn, pools=pools, serving_namespace=addons.serving_namespace,
        # Kept: the serving namespace and its default-deny policy exist before any vLLM pod, and GPU pods need
        # the device plugin (Serving also waits for each endpoint's node group and Pod Identity association).
        k8s_provider=cluster.provider, collections=collections, depends_on=[addons, mirror.rule, mirror.node_policy],
        vllm_image=vllm_image), child(zone))
    managed_endpoints = {
        key: ManagedEndpoint(f"{z}-managed-{key}", ManagedEndpointArgs(
            cfg, ctx, key, bucket=bucket, data_key_arn=keys.data.arn, log_key_arn=keys.audit.arn,
            vpc_id=network.vpc.id, vpc_cidr=network.cidr, subnet_ids=subnets,
            s3_prefix_list_id=network.s3_endpoint.prefix_list_id), child(zone))
        for key in managed
    }

    stores = {
        key: vector_store(f"{z}-vector-{key}", VectorStoreArgs(
            cfg, ctx, key, store, kms_key_arn=keys.data.arn, log_key_arn=keys.audit.arn,
            vpc_id=network.vpc.id, subnet_ids=subnets,
            opensearch_endpoint_id=network.opensearch_endpoint.id if network.opensearch_endpoint else None,
            client_security_group_id=cluster.node_security_group_id, serving_role_arn=serving.role.arn,
            team_roles={k: (cfg.teams[k].role, t.role.arn) for k, t in teams.items() if t.role}), child(zone))
        for key, store in cfg.vector_stores.items()
    }

    audit = Audit(f"{z}-audit", AuditArgs(cfg, ctx, key_arn=keys.audit.arn, model_bucket_arn=bucket.arn),
                  child(zone))
    budget = Budget(f"{z}-budget", BudgetArgs(cfg, ctx), child(zone)) if cfg.budget else None

    outputs: dict[str, Any] = {
        "accountId": ctx.account_id,
        "region": ctx.region,
        "availabilityZones": list(ctx.zones),
        "networkId": network.vpc.id,
        "privateSubnetIds": subnets,
        "clusterName": cluster.eks.name,
        "clusterEndpoint": cluster.eks.endpoint,
        "clusterOidcProviderArn": cluster.oidc_provider.arn,
        "clusterAutoscalerRoleArn": autoscaler.role.arn,
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
    if budget is not None:
        outputs["budgetName"] = budget.budget.name
        outputs["budgetAlertsTopicArn"] = budget.topic.arn
    return outputs
