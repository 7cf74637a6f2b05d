"""GPU pool: an EKS managed node group on the NVIDIA-accelerated AL2023 AMI (driver and container toolkit
baked in; the device plugin comes from the in-cluster layer).

The component takes plain, typed values (a ``components.resolve.PoolSpec`` and the cluster it joins), never
the zone's config, so a program with its own EKS cluster can use it: the zone resolves its pools once
(``resolve.pools``: the instance type comes from the dated catalog, never from code) and passes each spec. The
taint and labels come from the pool's ``PoolScheduling``, the same object serving pods derive their
tolerations and node selectors from. Pools can scale from zero: Cluster Autoscaler builds a node template
from ``k8s.io/cluster-autoscaler/node-template/*`` tags on the Auto Scaling group
(github.com/kubernetes/autoscaler, cluster-autoscaler/cloudprovider/aws/README.md). EKS does not copy node
group tags to the group's ASG, so the tags are set on the node group (documentation, DescribeNodegroup)
and on its ASG (``aws.autoscaling.Tag``), where the autoscaler reads them. The same goes for the two
auto-discovery tags: ``k8s.io/cluster-autoscaler/enabled`` and ``k8s.io/cluster-autoscaler/<cluster>: owned``
(the autoscaler's ``--node-group-auto-discovery`` keys, and the tag its IAM policy conditions scaling on;
components/aws/autoscaler.py). EKS documents that it sets these on managed node groups itself; declaring them
keeps the autoscaler's permission boundary in code rather than in a service default.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components import coldstart
from llmops_landing_zone.components.aws.cluster import node_launch_template
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, PoolScheduling
from llmops_landing_zone.components.resolve import PoolSpec

TYPE = "llmops:aws:GpuPool"
AMI_TYPE = "AL2023_x86_64_NVIDIA"
CA_PREFIX = "k8s.io/cluster-autoscaler"
CA_TEMPLATE = f"{CA_PREFIX}/node-template"
CA_ENABLED = f"{CA_PREFIX}/enabled"
# gp3 provisioned for image pulls: its ceiling (1000 MiB/s) and the IOPS of AWS's FastImagePull benchmark
# (16000). nodeadm's FastImagePull gate turns on the SOCI snapshotter's parallel pull and unpack on AL2023; AWS
# documents pulls getting slower with it below 600 MiB/s of volume throughput, and nodeadm ignores it below 4
# vCPU / 7 GiB (awslabs/amazon-eks-ami nodeadm internal/containerd, UseSOCISnapshotter). It is marked
# experimental by the EKS AMI project. No SOCI index is needed: parallel mode pulls ordinary images; lazy
# loading (which would need an index pushed next to the image, built with the `soci` CLI against the pulled
# image) is not used, because a pull-through cache holds the upstream image only.
GP3_THROUGHPUT_MIBPS = 1000
GP3_IOPS = 16000
FAST_IMAGE_PULL_MIN_VCPU, FAST_IMAGE_PULL_MIN_MEMORY_GIB = 4, 7
NODEADM_BOUNDARY = "LLZ"


def fast_image_pull_user_data() -> str:
    """Launch-template user data (base64 MIME) with one nodeadm NodeConfig part; EKS merges it with its own."""
    text = (f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{NODEADM_BOUNDARY}"\n\n'
            f"--{NODEADM_BOUNDARY}\nContent-Type: application/node.eks.aws\n\n"
            "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  featureGates:\n"
            f"    FastImagePull: true\n\n--{NODEADM_BOUNDARY}--\n")
    return base64.b64encode(text.encode()).decode()


def owner_tag(cluster_name: str) -> str:
    """The ASG tag key naming the cluster a group belongs to (value ``owned``)."""
    return f"{CA_PREFIX}/{cluster_name}"


def discovery_tags(cluster_name: str) -> dict[str, str]:
    """The auto-discovery tags the autoscaler finds node groups by (aws README, "Auto-Discovery Setup")."""
    return {CA_ENABLED: "true", owner_tag(cluster_name): "owned"}


def auto_scaling_group(node_group: aws.eks.NodeGroup) -> pulumi.Output[str]:
    """Name of the Auto Scaling group EKS created for a managed node group."""
    return node_group.resources.apply(lambda rs: rs[0].autoscaling_groups[0].name)


def tag_auto_scaling_group(group_name: str, asg_name: pulumi.Input[str], cluster_name: str,
                           template: dict[str, str], parent: pulumi.Resource) -> list[aws.autoscaling.Tag]:
    """The discovery tags plus ``template`` (node-template tags) on a node group's ASG, one
    ``aws.autoscaling.Tag`` each: ``<group>-enabled``, ``<group>-owner`` and ``<group>-<template key below
    .../node-template/>``. Not propagated: the tags describe the group to the autoscaler, not the
    instances."""
    named = {"enabled": (CA_ENABLED, "true"), "owner": (owner_tag(cluster_name), "owned")}
    named.update({_slug(k.removeprefix(CA_TEMPLATE + "/")): (k, v) for k, v in template.items()})
    return [aws.autoscaling.Tag(f"{group_name}-{suffix}", autoscaling_group_name=asg_name,
                                tag={"key": key, "value": value, "propagate_at_launch": False},
                                opts=child(parent))
            for suffix, (key, value) in named.items()]


def autoscaler_tags(sched: PoolScheduling) -> dict[str, str]:
    """Node-template tags describing the pool's nodes before one exists: labels, taint and GPU count."""
    tags = {f"{CA_TEMPLATE}/label/{k}": v for k, v in sched.labels.items()}
    tags[f"{CA_TEMPLATE}/taint/{sched.taint.key}"] = f"{sched.taint.value}:{sched.taint.effect}"
    tags[f"{CA_TEMPLATE}/resources/{GPU_RESOURCE}"] = str(sched.gpus_per_node)
    return tags


def scheduling(spec: PoolSpec) -> PoolScheduling:
    """The pool's scheduling contract, from its resolved spec (catalog shape, GPU and count)."""
    return PoolScheduling.for_pool("aws", spec.key, spec.gpu, spec.gpus_per_node, spec.shape.name)


@dataclass
class GpuPoolArgs:
    spec: PoolSpec  # the pool, resolved: shape, bounds, capacity type, disk (components/resolve.py)
    name: str  # the node group's name (and logical-name prefix); the zone renders components.aws.names.NODE_GROUP
    # The EKS cluster the group joins, as a plain string: it is part of the autoscaler's owner tag KEY
    # (k8s.io/cluster-autoscaler/<cluster>), which cannot wait for an output. Being plain, it carries no
    # dependency: put the cluster resource in ``depends_on``.
    cluster_name: str
    node_role_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    disk_key_arn: pulumi.Input[str]  # CMK encrypting the nodes' root volumes
    tags: dict[str, str]  # stable tags only (zone, environment, managed-by): the launch template's tag specs
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the cluster, node role policies, the
    # networking add-ons nodes need to join


class GpuPool(pulumi.ComponentResource):
    node_group: aws.eks.NodeGroup
    scheduling: PoolScheduling

    def __init__(self, name: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        spec, group_name = args.spec, args.name
        sched = self.scheduling = scheduling(spec)
        fast_pull = (spec.shape.vcpu >= FAST_IMAGE_PULL_MIN_VCPU
                     and spec.shape.memory_gib >= FAST_IMAGE_PULL_MIN_MEMORY_GIB)
        self.disk_size_gb = coldstart.node_disk_gb(spec.disk_size_gb, spec.shape.gpu_memory_gib)
        template = node_launch_template(
            group_name, args.tags, self.disk_size_gb, args.disk_key_arn, self,
            f"{group_name}: {spec.gpus_per_node} x {spec.gpu} (IMDSv2, encrypted gp3)",
            throughput=GP3_THROUGHPUT_MIBPS, iops=GP3_IOPS,
            user_data=fast_image_pull_user_data() if fast_pull else None)
        ca_tags = autoscaler_tags(sched)
        self.node_group = aws.eks.NodeGroup(
            group_name, cluster_name=args.cluster_name, node_group_name=group_name,
            node_role_arn=args.node_role_arn,
            subnet_ids=list(args.subnet_ids), ami_type=AMI_TYPE, instance_types=[sched.instance_type],
            capacity_type="SPOT" if spec.spot else "ON_DEMAND",
            scaling_config={"min_size": spec.min_nodes, "desired_size": spec.min_nodes,
                            "max_size": spec.max_nodes},
            update_config={"max_unavailable": 1},
            labels=sched.labels, taints=[sched.taint.aws], tags=ca_tags,
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            # The autoscaler owns the current size; config sets only the bounds.
            opts=child(self, depends_on=args.depends_on, ignore_changes=["scalingConfig.desiredSize"]))
        self.asg_name = auto_scaling_group(self.node_group)
        # The owner tag names the cluster the group joins (args.cluster_name), whatever created it.
        self.asg_tags = tag_auto_scaling_group(group_name, self.asg_name, args.cluster_name, ca_tags, self)
        self.register_outputs({"nodeGroup": self.node_group.node_group_name,
                               "instanceType": sched.instance_type})


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
