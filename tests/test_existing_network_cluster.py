"""Bring your own network or cluster (``network.existing``, ``cluster.existing``): the zone plans offline on ids
the user supplies, creates neither the network nor the cluster, and still puts its GPU pools, endpoints and
stores on them. Bad ``existing`` blocks are refused with their key path (exit 2, nothing planned)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "existing"

# What a zone creates for its own network and cluster, per cloud: none of it may appear on a supplied one.
NETWORK_TYPES = {
    "aws": {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip",
            "aws:ec2/internetGateway:InternetGateway", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
            "aws:ec2/flowLog:FlowLog", "aws:ec2/vpcEndpoint:VpcEndpoint",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"},
    "gcp": {"gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:compute/router:Router",
            "gcp:compute/routerNat:RouterNat", "gcp:compute/firewall:Firewall",
            "gcp:compute/globalAddress:GlobalAddress", "gcp:servicenetworking/connection:Connection"},
    "azure": {"azure-native:network:VirtualNetwork", "azure-native:network:Subnet", "azure-native:network:NatGateway",
              "azure-native:network:PublicIPAddress", "azure-native:network:NetworkSecurityGroup"},
}
CLUSTER_TYPES = {
    "aws": {"aws:eks/cluster:Cluster", "aws:eks/addon:Addon", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"},
    "gcp": {"gcp:container/cluster:Cluster"},
    "azure": {"azure-native:containerservice:ManagedCluster"},
}
POOL_TYPE = {"aws": "aws:eks/nodeGroup:NodeGroup", "gcp": "gcp:container/nodePool:NodePool",
             "azure": "azure-native:containerservice:AgentPool"}
STACKS = [f"{cloud}-byo-{what}" for cloud in ("aws", "gcp", "azure") for what in ("network", "cluster")]


def _plan(stack: str) -> Plan:
    return offline.plan(FIXTURES / f"Pulumi.{stack}.yaml")


def _zone(stack: str) -> dict:
    return yaml.safe_load((FIXTURES / f"Pulumi.{stack}.yaml").read_text())["config"]["llmops:zone"]


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: _plan(s) for s in STACKS}


@pytest.mark.parametrize("stack", STACKS)
def test_no_network_resource_is_created(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    created = {r.type for r in plan.resources} & NETWORK_TYPES[plan.cloud]
    assert not created
    if plan.cloud != "azure":  # Azure's Network component keeps the zone's resource group and private DNS
        assert len(plan.of_type(f"llmops:{plan.cloud}:ExistingNetwork")) == 1
        assert not plan.of_type(f"llmops:{plan.cloud}:Network")


@pytest.mark.parametrize("stack", [s for s in STACKS if s.endswith("cluster")])
def test_no_cluster_resource_is_created(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    assert not {r.type for r in plan.resources} & CLUSTER_TYPES[plan.cloud]
    assert not plan.of_type(f"llmops:{plan.cloud}:Cluster")
    # the cluster's own system pool is the owner's too: only the zone's GPU pools remain
    pools = plan.of_type(POOL_TYPE[plan.cloud])
    assert pools and all("system" not in r.name for r in pools)


@pytest.mark.parametrize("stack", [s for s in STACKS if s.endswith("network")])
def test_a_supplied_network_still_gets_a_zone_cluster(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    (cluster,) = [r for r in plan.resources if r.type in CLUSTER_TYPES[plan.cloud] and "Cluster" in r.type]
    existing = _zone(stack)["network"]["existing"]
    if plan.cloud == "azure":
        (system,) = cluster.inputs["agentPoolProfiles"]
        assert system["vnetSubnetID"] == existing["nodesSubnetId"]
        assert cluster.inputs["apiServerAccessProfile"]["subnetId"] == existing["apiServerSubnetId"]
        # the mock VNet's space is a 10.x/16 that never overlaps the pod and service CIDRs
        assert cluster.inputs["networkProfile"]["outboundType"] == "userAssignedNATGateway"
    elif plan.cloud == "aws":
        assert cluster.inputs["vpcConfig"]["subnetIds"] == existing["privateSubnetIds"]
    else:
        assert cluster.inputs["network"] == "projects/acme-llm-prod/global/networks/shared-vpc"
        assert cluster.inputs["subnetwork"] == existing["subnetwork"]
        assert cluster.inputs["ipAllocationPolicy"] == {
            "clusterSecondaryRangeName": existing["podsRangeName"],
            "servicesSecondaryRangeName": existing["servicesRangeName"]}


def test_aws_pools_endpoints_and_stores_attach_to_the_supplied_ids(plans: dict[str, Plan]) -> None:
    zone = _zone("aws-byo-cluster")
    subnets, name = zone["network"]["existing"]["privateSubnetIds"], zone["cluster"]["existing"]["name"]
    plan = plans["aws-byo-cluster"]
    for group in plan.of_type(POOL_TYPE["aws"]):
        assert group.inputs["clusterName"] == name and group.inputs["subnetIds"] == subnets
    # the node role of the zone's pools is created (EKS adds its access entry with the node group)
    assert [r.inputs["name"] for r in plan.of_type("aws:iam/role:Role") if r.name == "acme-llm-node"]
    assert plan.of_type("kubernetes:apps/v1:Deployment")  # the vLLM endpoint still plans
    (aoss,) = plan.of_type("aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint")
    assert aoss.inputs["vpcId"] == zone["network"]["existing"]["vpcId"] and aoss.inputs["subnetIds"] == subnets
    # no Cluster Autoscaler on a cluster the zone does not own (its own autoscaler finds the tagged pools)
    assert not plan.of_type("llmops:aws:ClusterAutoscaler")
    assert plans["aws-byo-network"].of_type("llmops:aws:ClusterAutoscaler")


def test_gcp_pools_endpoints_and_stores_attach_to_the_supplied_ids(plans: dict[str, Plan]) -> None:
    zone = _zone("gcp-byo-cluster")
    existing = zone["cluster"]["existing"]
    plan = plans["gcp-byo-cluster"]
    cluster_id = f"projects/acme-llm-prod/locations/{existing['location']}/clusters/{existing['name']}"
    pools = plan.of_type(POOL_TYPE["gcp"])
    assert pools and all(p.inputs["cluster"] == cluster_id for p in pools)
    assert plan.of_type("kubernetes:apps/v1:Deployment")
    (alloydb,) = plan.of_type("gcp:alloydb/cluster:Cluster")
    assert alloydb.inputs["networkConfig"] == {
        "network": "projects/acme-llm-prod/global/networks/shared-vpc",
        "allocatedIpRange": zone["network"]["existing"]["servicesAccessRangeName"]}


def test_azure_pools_and_private_endpoints_attach_to_the_supplied_ids(plans: dict[str, Plan]) -> None:
    zone = _zone("azure-byo-cluster")
    net, aks = zone["network"]["existing"], zone["cluster"]["existing"]
    plan = plans["azure-byo-cluster"]
    pools = plan.of_type(POOL_TYPE["azure"])
    assert pools and all((p.inputs["resourceName"], p.inputs["resourceGroupName"], p.inputs["vnetSubnetID"])
                         == (aks["name"], aks["resourceGroup"], net["nodesSubnetId"]) for p in pools)
    endpoints = plan.of_type("azure-native:network:PrivateEndpoint")
    assert endpoints and all(e.inputs["subnet"] == {"id": net["endpointsSubnetId"]} for e in endpoints)
    links = plan.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert links and all(link.inputs["virtualNetwork"]["id"] == net["nodesSubnetId"].split("/subnets/")[0]
                         for link in links)
    assert plan.of_type("kubernetes:apps/v1:Deployment")
    # no grants or diagnostics on a cluster the zone does not own
    assert not [r for r in plan.resources if r.name.startswith("acme-llm-aks-")]


def test_reference_stacks_still_create_their_network_and_cluster() -> None:
    plan = offline.plan("aws-dev")
    assert plan.of_type("aws:ec2/vpc:Vpc") and plan.of_type("aws:eks/cluster:Cluster")


# --- bad input --------------------------------------------------------------------------------------------------

AWS_NET = {"vpcId": "vpc-0a1b2c3d4e5f60718",
           "privateSubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]}
BAD = [
    ("aws-byo-network", {"network": {"existing": {**AWS_NET, "vpcId": "vpc-12"}}}, "network.existing.vpcId"),
    ("aws-byo-network", {"network": {"existing": {"vpcId": AWS_NET["vpcId"]}}},
     "network.existing.privateSubnetIds"),
    ("aws-byo-network", {"network": {"existing": {**AWS_NET, "privateSubnetIds": ["subnet-0a1b2c3d4e5f60001",
                                                                                 "sub-1"]}}},
     "network.existing.privateSubnetIds.1"),
    ("aws-byo-network", {"network": {"existing": {**AWS_NET, "subnetwork": "projects/x/regions/y/subnetworks/z"}}},
     "network.existing.subnetwork"),
    ("aws-byo-network", {"network": {"existing": {**AWS_NET, "vpcIdd": "vpc-0a1b2c3d4e5f60718"}}},
     "network.existing.vpcIdd"),
    ("aws-byo-cluster", {"network": {"cidr": "10.50.0.0/16"}}, "cluster.existing"),
    ("aws-byo-cluster", {"cluster": {"kubernetesVersion": "1.35", "existing": {"name": "-bad"}}},
     "cluster.existing.name"),
    ("gcp-byo-network", {"network": {"existing": {
        "network": "projects/other-project/global/networks/v", "subnetwork": "bad",
        "podsRangeName": "Pods", "servicesRangeName": "svc", "servicesAccessRangeName": "psa"}}},
     "network.existing.network"),
    ("gcp-byo-network", {"network": {"existing": {"vpcId": "vpc-0a1b2c3d4e5f60718"}}}, "network.existing.network"),
    ("gcp-byo-cluster", {"cluster": {"kubernetesVersion": "1.35", "existing": {"location": "us-central1"}}},
     "cluster.existing.name"),
    ("azure-byo-network", {"network": {"existing": {"nodesSubnetId": "subnet-1"}}},
     "network.existing.nodesSubnetId"),
    ("azure-byo-network", {"network": {"existing": {"nodesSubnetId": "/subscriptions/x"}}},
     "network.existing.apiServerSubnetId"),
    ("azure-byo-cluster", {"cluster": {"kubernetesVersion": "1.35", "existing": {"name": "aks"}}},
     "cluster.existing.resourceGroup"),
    ("azure-byo-cluster", {"cluster": {"kubernetesVersion": "1.35",
                                       "existing": {"name": "aks", "resourceGroup": "rg", "location": "eu"}}},
     "cluster.existing.location"),
]


@pytest.mark.parametrize(("stack", "patch", "path"), BAD, ids=[f"{s}:{p}" for s, _, p in BAD])
def test_bad_existing_blocks_exit_2_with_the_key_path(tmp_path: Path, stack: str, patch: dict, path: str) -> None:
    doc = yaml.safe_load((FIXTURES / f"Pulumi.{stack}.yaml").read_text())
    doc["config"]["llmops:zone"].update(patch)
    target = tmp_path / f"Pulumi.{stack}.yaml"
    target.write_text(yaml.safe_dump(doc))
    result = CliRunner().invoke(app, ["validate", str(target)])
    assert result.exit_code == 2, result.output
    assert f"llmops:zone.{path}" in result.output
    assert "Traceback" not in result.output
