"""The AWS ``GpuPool`` without the zone: a program with its own EKS cluster (plain provider resources, no
``ZoneConfig`` anywhere) adds a GPU node group from a ``PoolSpec``, and the group's ASG is tagged for THAT
cluster, so the Cluster Autoscaler running there discovers it."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from llmops_landing_zone.components.aws.gpu_pool import AMI_TYPE, CA_PREFIX, CA_TEMPLATE, GpuPool, GpuPoolArgs, scheduling
from llmops_landing_zone.components.k8s.scheduling import GPU_LABEL, GPU_RESOURCE, POOL_LABEL
from llmops_landing_zone.components.resolve import PoolSpec
from llmops_landing_zone.llz import engine

CLUSTER = "platform-prod"
GROUP = "platform-prod-l4"
SPEC = PoolSpec.of_shape("aws", "l4", "g6.xlarge", 0, 3)
TAGS = {"llmops.io/owner": "platform"}


def _trust(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def _program() -> None:
    cluster_role = aws.iam.Role("platform-cluster", assume_role_policy=_trust("eks.amazonaws.com"))
    eks = aws.eks.Cluster(CLUSTER, name=CLUSTER, role_arn=cluster_role.arn,
                          vpc_config={"subnet_ids": ["subnet-a", "subnet-b"]})
    node_role = aws.iam.Role("platform-node", assume_role_policy=_trust("ec2.amazonaws.com"))
    key = aws.kms.Key("platform-data", enable_key_rotation=True)
    GpuPool("gpu-l4", GpuPoolArgs(
        spec=SPEC, name=GROUP, cluster_name=CLUSTER, node_role_arn=node_role.arn,
        subnet_ids=["subnet-a", "subnet-b"], disk_key_arn=key.arn, tags=TAGS, depends_on=[eks]))
    pulumi.export("cluster", eks.name)


@pytest.fixture(scope="module")
def records() -> list[engine.PlannedResource]:
    recs, mocks = engine.run(_program, stack="platform", config={}, region="us-east-1")
    assert not mocks.unmocked_calls
    return recs


def of_type(records: list[engine.PlannedResource], type_: str) -> list[engine.PlannedResource]:
    return [r for r in records if r.type == type_]


def test_the_node_group_follows_the_spec(records: list[engine.PlannedResource]) -> None:
    (ng,) = of_type(records, "aws:eks/nodeGroup:NodeGroup")
    i = ng.inputs
    assert i["clusterName"] == CLUSTER and i["nodeGroupName"] == GROUP
    assert i["instanceTypes"] == ["g6.xlarge"] and i["amiType"] == AMI_TYPE == "AL2023_x86_64_NVIDIA"
    assert i["capacityType"] == "ON_DEMAND"
    assert i["scalingConfig"] == {"minSize": 0, "desiredSize": 0, "maxSize": 3}
    assert i["taints"] == [{"key": GPU_RESOURCE, "value": "true", "effect": "NO_SCHEDULE"}]
    assert i["labels"] == {POOL_LABEL: "l4", GPU_LABEL: SPEC.gpu}
    assert i["subnetIds"] == ["subnet-a", "subnet-b"]
    (eks,) = of_type(records, "aws:eks/cluster:Cluster")
    assert eks.urn in ng.dependencies  # the cluster is named by a plain string: depends_on orders it
    assert ng.parent == of_type(records, "llmops:aws:GpuPool")[0].urn


def test_the_scheduling_contract_is_the_node_groups(records: list[engine.PlannedResource]) -> None:
    (ng,) = of_type(records, "aws:eks/nodeGroup:NodeGroup")
    sched = scheduling(SPEC)
    assert ng.inputs["labels"] == sched.labels and sched.instance_type == "g6.xlarge"
    assert ng.inputs["tags"][f"{CA_TEMPLATE}/resources/{GPU_RESOURCE}"] == str(SPEC.gpus_per_node)


def test_the_asg_is_tagged_for_the_cluster_it_joins(records: list[engine.PlannedResource]) -> None:
    tags = {r.inputs["tag"]["key"]: r.inputs["tag"]["value"]
            for r in of_type(records, "aws:autoscaling/tag:Tag")}
    assert tags[f"{CA_PREFIX}/{CLUSTER}"] == "owned"
    assert tags[f"{CA_PREFIX}/enabled"] == "true"
    # no owner tag naming any other cluster (the zone's name, the group's, the component's)
    owners = {k for k in tags if k.startswith(f"{CA_PREFIX}/") and not k.startswith(f"{CA_TEMPLATE}/")
              and k != f"{CA_PREFIX}/enabled"}
    assert owners == {f"{CA_PREFIX}/{CLUSTER}"}
    template = {k: v for k, v in tags.items() if k.startswith(f"{CA_TEMPLATE}/")}
    (ng,) = of_type(records, "aws:eks/nodeGroup:NodeGroup")
    assert template == ng.inputs["tags"]  # the node-template tags, on the ASG where the autoscaler reads them


def test_the_launch_template_carries_the_given_tags_only(records: list[engine.PlannedResource]) -> None:
    (lt,) = of_type(records, "aws:ec2/launchTemplate:LaunchTemplate")
    assert lt.inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"] == SPEC.disk_size_gb
    assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
    for spec in lt.inputs["tagSpecifications"]:
        assert spec["tags"] == {**TAGS, "Name": GROUP}


def test_no_zone_config_is_involved() -> None:
    from llmops_landing_zone.components.aws import gpu_pool

    assert not hasattr(gpu_pool, "ZoneConfig") and not hasattr(gpu_pool, "sizing")
    assert set(GpuPoolArgs.__dataclass_fields__) == {
        "spec", "name", "cluster_name", "node_role_arn", "subnet_ids", "disk_key_arn", "tags", "depends_on"}
