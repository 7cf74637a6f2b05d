"""Cluster Autoscaler for the zone's EKS managed node groups: GKE and AKS scale their node pools themselves,
EKS leaves it to the Kubernetes Cluster Autoscaler (docs.aws.amazon.com/eks/latest/best-practices/cas.html).

- IAM: a role for EKS Pod Identity, trusted only by this account's cluster, with the least-privilege policy of
  the autoscaler's AWS README (cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy"): discovery and
  describe calls (which take no resource ARN), ``eks:DescribeNodegroup`` on this cluster's node groups (labels
  and taints for scale-from-zero templates), and scaling only of Auto Scaling groups tagged
  ``k8s.io/cluster-autoscaler/<cluster>: owned``.
- Discovery tags on the system node group's ASG (the GPU pools tag their own, components/aws/gpu_pool.py), so
  the system pool autoscales between ``cluster.systemNodes.count`` and ``maxCount`` as it does on GKE and AKS.
- In-cluster: components.k8s.autoscaler with the AWS provider, tag-based auto-discovery, the region, and the
  system node group's placement. Pod Identity supplies the credentials (no annotation, no static key).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, Statement, document, pod_identity_trust, statement
from llmops_landing_zone.components.aws.cluster import SYSTEM_LABEL, Cluster
from llmops_landing_zone.components.aws.gpu_pool import CA_ENABLED, auto_scaling_group, owner_tag, tag_auto_scaling_group
from llmops_landing_zone.components.aws.names import AUTOSCALER_ROLE
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import autoscaler as k8s_autoscaler

TYPE = "llmops:aws:ClusterAutoscaler"

# Read-only calls the autoscaler makes to discover groups and build node templates; none of them supports
# resource-level permissions (Service Authorization Reference: Amazon EC2 Auto Scaling, Amazon EC2).
DISCOVERY_ACTIONS = [
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
]
SCALING_ACTIONS = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]

# When an unneeded node goes, and how soon after a scale-up scale-down may start. An idle GPU node bills its
# full hourly price until removed (a p5.48xlarge idle for 10 minutes is about $16); bringing one back costs a
# node boot plus a model cold start (10-25 minutes). Dev removes idle nodes quickly; staging and prod keep
# upstream's 10 minutes, which rides out traffic lulls (the vLLM HPA already waits 10 quiet minutes before
# it removes a replica).
SCALE_DOWN: dict[str, tuple[str, str]] = {
    "dev": ("5m", "5m"), "staging": ("10m", "10m"), "prod": ("10m", "10m"),
}


def policy_statements(ctx: AwsContext, cluster_name: str) -> list[Statement]:
    return [
        statement("DiscoverNodeGroups", DISCOVERY_ACTIONS, "*"),
        statement("ReadManagedNodeGroups", "eks:DescribeNodegroup",
                  ctx.arn("eks", f"nodegroup/{cluster_name}/*")),
        statement("ScaleClusterNodeGroups", SCALING_ACTIONS, "*",
                  condition={"StringEquals": {f"aws:ResourceTag/{owner_tag(cluster_name)}": "owned"}}),
    ]


def discovery_spec(cluster_name: str) -> str:
    """``--node-group-auto-discovery``: groups carrying both tag keys (values are not compared)."""
    return f"asg:tag={CA_ENABLED},{owner_tag(cluster_name)}"


@dataclass
class ClusterAutoscalerArgs:
    name: str  # the zone's name: prefix of the role and the workload
    ctx: AwsContext
    cluster: Cluster
    cluster_arn: str
    kubernetes_version: str  # the cluster's: picks the matching autoscaler image
    environment: str = "prod"  # dev | staging | prod: scale-down timing, a standby replica in prod
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the GPU pools, so it starts after them


class ClusterAutoscaler(pulumi.ComponentResource):
    role: aws.iam.Role
    workload: k8s_autoscaler.ClusterAutoscaler

    def __init__(self, name: str, args: ClusterAutoscalerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, cluster, z = args.ctx, args.cluster, args.name
        role_name = AUTOSCALER_ROLE.render(z)

        self.role = aws.iam.Role(
            role_name, name=role_name, description=f"{z}: Cluster Autoscaler (EKS Pod Identity)",
            assume_role_policy=pod_identity_trust(ctx, args.cluster_arn),
            opts=child(self))
        policy = aws.iam.RolePolicy(role_name, name="scale-node-groups", role=self.role.id,
                                    policy=document(*policy_statements(ctx, cluster.name)), opts=child(self))
        self.association = aws.eks.PodIdentityAssociation(
            role_name, cluster_name=cluster.eks.name, namespace=k8s_autoscaler.NAMESPACE,
            service_account=k8s_autoscaler.APP, role_arn=self.role.arn,
            opts=child(self, depends_on=[policy]))

        self.system_tags = tag_auto_scaling_group(
            f"{z}-system", auto_scaling_group(cluster.system_nodes), cluster.name, {}, self)

        unneeded, after_add = SCALE_DOWN[args.environment]
        self.workload = k8s_autoscaler.ClusterAutoscaler(
            role_name,
            k8s_autoscaler.ClusterAutoscalerArgs(
                cloud_provider="aws", kubernetes_version=args.kubernetes_version,
                node_group_discovery=[discovery_spec(cluster.name)],
                # The system node group sets this label and no taints (components/aws/cluster.py).
                node_selector=dict(SYSTEM_LABEL), tolerations=[],
                env={"AWS_REGION": ctx.region},
                # Serving pods select their pool by label, so several groups fit a pending pod only when it
                # selects none; least-waste then picks the group whose node leaves the least CPU and memory
                # idle, so a small pod does not bring up a large (costly) shape. The priority expander would
                # need a hand-kept ConfigMap ranking the pools, which drifts as pools are added.
                expander="least-waste",
                scale_down_unneeded_time=unneeded, scale_down_delay_after_add=after_add,
                # Prod keeps a standby replica on another system node (it takes the Lease within seconds).
                replicas=2 if args.environment == "prod" else 1,
                depends_on=[self.association]),
            pulumi.ResourceOptions(parent=self, provider=cluster.provider,
                                   depends_on=[self.association, cluster.system_nodes, *self.system_tags,
                                               *args.depends_on]))
        self.register_outputs({"roleArn": self.role.arn, "image": self.workload.image.ref})
