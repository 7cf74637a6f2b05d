"""Cluster: a private EKS control plane with access entries, Pod Identity and a small system node group.

- API endpoint private; public only when ``cluster.publicEndpoint`` is set, and then only for
  ``cluster.authorizedNetworks``.
- Kubernetes secrets envelope-encrypted with the cluster CMK; all five control-plane log types go to a log
  group created here first (so it has the audit key and a retention, which EKS would not set).
- Authentication mode ``API``: who may call the API server is a list of EKS access entries (no aws-auth
  ConfigMap to drift). Workloads get AWS credentials through EKS Pod Identity (agent add-on) and, for
  tools that still need it, the cluster's OIDC provider (IRSA).
- Core add-ons are EKS-managed (``bootstrapSelfManagedAddons`` off): VPC CNI, kube-proxy and the Pod Identity
  agent before any node joins, CoreDNS once the system nodes exist.
- NetworkPolicies are enforced: the VPC CNI add-on runs its network policy agent (``enableNetworkPolicy``).
  Without it EKS accepts NetworkPolicy objects and ignores them, so every team namespace's default-deny
  would be decorative.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.aws.base import AwsContext, LogRetention, log_group, service_trust
from llmops_landing_zone.components.aws.names import EKS_CLUSTER
from llmops_landing_zone.components.common import ENV_TAG, MANAGED_BY_TAG, ZONE_TAG, child, tagged

TYPE = "llmops:aws:Cluster"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
SYSTEM_LABEL = {"llmops.io/role": "system"}
# Pods must not borrow the node role: workloads get credentials from Pod Identity, and the node daemons that
# do use IMDS (VPC CNI, Pod Identity agent, kube-proxy) run on the host network, one hop away.
IMDS_HOP_LIMIT = 1
# Add-on configuration (the add-on's JSON schema: `aws eks describe-addon-configuration`). The VPC CNI enforces
# Kubernetes NetworkPolicies only with its network policy agent turned on; the schema takes the string "true"
# (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
ADDON_CONFIGURATION: dict[str, dict[str, Any]] = {
    "vpc-cni": {"enableNetworkPolicy": "true"},
}
# Tag keys whose values are fixed for a deployed zone: the only tags a launch template's tag specifications
# hold (plus Name), so that editing `tags` in a stack never makes a new template version.
STABLE_TAG_KEYS = (ZONE_TAG, ENV_TAG, MANAGED_BY_TAG)


def launch_template_tags(tags: dict[str, str]) -> dict[str, str]:
    """The instance/volume tags a launch template carries, of the zone's ``tags``: the zone's own keys, which
    never change for a deployed zone (its name, environment, managed-by); never the user's tags, which do."""
    return {k: v for k, v in tags.items() if k in STABLE_TAG_KEYS}


def node_launch_template(logical: str, tags: dict[str, str], disk_gb: int, key_arn: pulumi.Input[str],
                         parent: pulumi.Resource, description: str, *, throughput: int | None = None,
                         iops: int | None = None, user_data: str | None = None) -> aws.ec2.LaunchTemplate:
    """Launch template shared by every managed node group: IMDSv2 only (CIS AWS 5.7), gp3 root volume
    encrypted with the data CMK, and the zone's own tags on instances, volumes and interfaces so GPU hours
    show up under the zone's cost-allocation tag. No AMI and no instance type: the node group sets both.

    ``tags`` are the stable tags (``launch_template_tags``) and the only ones in the tag specifications: they
    are part of the template version, and a new version rolls every node of the group (GPU serving
    restarts). User tags go on the node group and the template resource itself, where a change is an
    in-place tag update. ``throughput``/``iops`` provision the gp3 volume beyond its 125 MB/s / 3000 IOPS
    baseline; ``user_data`` (base64 MIME) adds nodeadm settings EKS merges with its own."""
    ebs: dict = {"volume_size": disk_gb, "volume_type": "gp3", "encrypted": "true", "kms_key_id": key_arn,
                 "delete_on_termination": "true"}
    if throughput is not None:
        ebs["throughput"] = throughput
    if iops is not None:
        ebs["iops"] = iops
    extra = {"user_data": user_data} if user_data is not None else {}
    return aws.ec2.LaunchTemplate(
        logical, name=logical, description=description, update_default_version=True,
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": ebs}],  # root device of the EKS AL2023 AMIs
        metadata_options={"http_endpoint": "enabled", "http_tokens": "required",
                          "http_put_response_hop_limit": IMDS_HOP_LIMIT,
                          "instance_metadata_tags": "disabled"},
        tag_specifications=[{"resource_type": kind, "tags": {**tags, "Name": logical}}
                            for kind in ("instance", "volume", "network-interface")],
        **extra, opts=child(parent))


def kubeconfig(name: str, endpoint: str, ca: str, region: str) -> str:
    """kubeconfig for the Kubernetes provider: short-lived tokens from ``aws eks get-token``, none stored."""
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                     "args": ["eks", "get-token", "--cluster-name", name, "--region", region,
                              "--output", "json"]}}
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": name, "preferences": {},
        "clusters": [{"name": name, "cluster": {"server": endpoint, "certificate-authority-data": ca}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "users": [{"name": name, "user": user}],
    })


def node_role(parent: pulumi.Resource, z: str, ctx: AwsContext) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
    """The node role shared by the system and GPU node groups (join the cluster, pull images, run the VPC
    CNI) and its policy attachments, which nodes need before they can join."""
    role = aws.iam.Role(f"{z}-node", name=f"{z}-node", assume_role_policy=service_trust(ctx, "ec2"),
                        opts=child(parent))
    policies: list[pulumi.Resource] = [
        aws.iam.RolePolicyAttachment(f"{z}-node-{short}", role=role.name, policy_arn=ctx.managed_policy(policy),
                                     opts=child(parent))
        for short, policy in (("worker", "AmazonEKSWorkerNodePolicy"),
                              ("ecr-pull", "AmazonEC2ContainerRegistryPullOnly"),
                              ("cni", "AmazonEKS_CNI_Policy"))
    ]
    return role, policies


@dataclass
class ClusterArgs:
    """The EKS cluster as plain values: ``prefix`` names it (``<prefix>-eks``) and its parts; the key ARNs
    encrypt secrets (``secrets_key_arn``), control-plane logs (``log_key_arn``) and node volumes
    (``disk_key_arn``); ``node_tags`` are the stable tags of the system nodes' launch template."""

    prefix: str
    ctx: AwsContext
    subnet_ids: Sequence[pulumi.Input[str]]
    secrets_key_arn: pulumi.Input[str]
    log_key_arn: pulumi.Input[str]
    disk_key_arn: pulumi.Input[str]
    kubernetes_version: str
    extended_support: bool = False
    public_endpoint: bool = False
    authorized_networks: Sequence[str] = ()
    system_node_count: int = 2
    system_node_max_count: int = 4
    deletion_protection: bool = False
    protect: bool = False  # protect + retain the control-plane log group
    log_retention_days: int = 365
    node_tags: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class Cluster(pulumi.ComponentResource):
    eks: aws.eks.Cluster
    node_role: aws.iam.Role
    oidc_provider: aws.iam.OpenIdConnectProvider
    system_nodes: aws.eks.NodeGroup
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        self.name = EKS_CLUSTER.render(z)

        trust = service_trust(ctx, "eks", actions=["sts:AssumeRole", "sts:TagSession"])
        role = aws.iam.Role(f"{z}-cluster", name=f"{z}-cluster", assume_role_policy=trust, opts=child(self))
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{z}-cluster-eks", role=role.name, policy_arn=ctx.managed_policy("AmazonEKSClusterPolicy"),
            opts=child(self))

        self.node_role, node_policies = node_role(self, z, ctx)

        logs = log_group(f"{z}-eks", f"/aws/eks/{self.name}/cluster",
                         LogRetention(z, args.log_retention_days, args.protect), ctx, args.log_key_arn, self)
        public = args.public_endpoint
        vpc_config: dict[str, Any] = {"subnet_ids": args.subnet_ids, "endpoint_private_access": True,
                                      "endpoint_public_access": public}
        if public and args.authorized_networks:
            vpc_config["public_access_cidrs"] = list(args.authorized_networks)
        self.eks = aws.eks.Cluster(
            f"{z}-eks", name=self.name, version=args.kubernetes_version, role_arn=role.arn,
            vpc_config=vpc_config,
            encryption_config={"provider": {"key_arn": args.secrets_key_arn}, "resources": ["secrets"]},
            enabled_cluster_log_types=LOG_TYPES,
            access_config={"authentication_mode": "API",
                           # the identity running `pulumi up` must be able to apply the in-cluster layer
                           "bootstrap_cluster_creator_admin_permissions": True},
            bootstrap_self_managed_addons=False,
            # STANDARD support: a cluster left on an old version is upgraded instead of silently billed
            # for extended support; EXTENDED only when the stack opts in (cluster.extendedSupport).
            upgrade_policy={"support_type": "EXTENDED" if args.extended_support else "STANDARD"},
            deletion_protection=args.deletion_protection,
            opts=child(self, depends_on=[logs, cluster_policy]))
        self.node_security_group_id = self.eks.vpc_config.cluster_security_group_id

        issuer = self.eks.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{z}-oidc", url=issuer, client_id_lists=[ctx.service("sts")], opts=child(self))

        early = [self._addon(z, name) for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")]
        # What any node group needs before its nodes can join and turn Ready (EKS fails the group otherwise):
        # the node role's policies (kubelet registration, image pulls, ENI management) and the networking
        # add-ons, which are not installed by EKS here (bootstrapSelfManagedAddons off). Nothing else: a node
        # group does not wait for another node group.
        self.node_join: list[pulumi.Resource] = [*node_policies, *early]

        shape = catalog.system_node("aws")
        template = node_launch_template(f"{z}-system", args.node_tags, 50, args.disk_key_arn, self,
                                        f"{z}: system nodes (IMDSv2, encrypted gp3)")
        self.system_nodes = aws.eks.NodeGroup(
            f"{z}-system", cluster_name=self.eks.name, node_group_name=f"{z}-system",
            node_role_arn=self.node_role.arn, subnet_ids=args.subnet_ids, ami_type="AL2023_x86_64_STANDARD",
            instance_types=[shape.name], capacity_type="ON_DEMAND",
            scaling_config={"min_size": args.system_node_count, "desired_size": args.system_node_count,
                            "max_size": args.system_node_max_count},
            update_config={"max_unavailable": 1}, labels=SYSTEM_LABEL,
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            opts=child(self, depends_on=self.node_join, ignore_changes=["scalingConfig.desiredSize"]))
        self._addon(z, "coredns", depends_on=[self.system_nodes])

        self.kubeconfig = pulumi.Output.all(self.eks.name, self.eks.endpoint,
                                            self.eks.certificate_authority.data).apply(
            lambda v: kubeconfig(v[0], v[1], v[2], ctx.region))
        self.provider = k8s.Provider(f"{z}-k8s", kubeconfig=self.kubeconfig, opts=child(self))
        self.register_outputs({"name": self.eks.name, "endpoint": self.eks.endpoint,
                               "oidcProviderArn": self.oidc_provider.arn})

    @property
    def cluster_name(self) -> pulumi.Output[str]:
        """The cluster's name as an output of the cluster, so what takes it waits for the cluster."""
        return self.eks.name

    @property
    def endpoint(self) -> pulumi.Output[str]:
        return self.eks.endpoint

    @property
    def oidc_provider_arn(self) -> pulumi.Output[str]:
        return self.oidc_provider.arn

    @property
    def pool_dependencies(self) -> list[pulumi.Resource]:
        """What a GPU node group waits for: the cluster and what its nodes need to join (``node_join``)."""
        return [self.eks, *self.node_join]

    def _addon(self, z: str, addon: str, depends_on: list[pulumi.Resource] | None = None) -> aws.eks.Addon:
        # No addon_version: EKS installs the default version for the cluster's Kubernetes version.
        values = ADDON_CONFIGURATION.get(addon)
        return aws.eks.Addon(f"{z}-{addon}", cluster_name=self.eks.name, addon_name=addon,
                             configuration_values=json.dumps(values, sort_keys=True) if values else None,
                             resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE",
                             opts=child(self, depends_on=depends_on or []))


EXISTING_TYPE = "llmops:aws:ExistingCluster"


@dataclass
class ExistingClusterArgs:
    """An EKS cluster the user owns, by name. It must use access entries (authentication mode API or
    API_AND_CONFIG_MAP), run the VPC CNI, kube-proxy and EKS Pod Identity agent add-ons, and have an IAM OIDC
    provider; the deployer needs cluster-admin through an access entry."""

    prefix: str
    ctx: AwsContext
    cluster_name: str
    tags: dict[str, str] = field(default_factory=dict)


class ExistingCluster(pulumi.ComponentResource):
    """The same outputs as ``Cluster`` for a cluster that exists: endpoint, CA and OIDC issuer are looked up
    (eks:DescribeCluster, iam:GetOpenIDConnectProvider). It creates only the node role of the zone's GPU node
    groups (EKS adds their access entries itself); no system nodes and no add-ons, which are the cluster's."""

    system_nodes: None = None

    def __init__(self, name: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EXISTING_TYPE, name, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        self.name = self.cluster_name = args.cluster_name
        info = aws.eks.get_cluster(name=args.cluster_name)
        self.endpoint: str = info.endpoint
        self.kubernetes_version: str = info.version
        self.node_security_group_id: str = info.vpc_config.cluster_security_group_id
        issuer = info.identities[0].oidcs[0].issuer
        self.oidc_provider_arn: str = aws.iam.get_open_id_connect_provider(url=issuer).arn
        self.node_role, self.node_join = node_role(self, z, ctx)
        self.kubeconfig = kubeconfig(info.name, info.endpoint, info.certificate_authorities[0].data, ctx.region)
        self.provider = k8s.Provider(f"{z}-k8s", kubeconfig=self.kubeconfig, opts=child(self))
        self.register_outputs({"name": args.cluster_name, "endpoint": info.endpoint})

    @property
    def pool_dependencies(self) -> list[pulumi.Resource]:
        return list(self.node_join)
