"""Each cloud's Keys, Network and Cluster components built without the zone: typed Args of plain values and other
resources' outputs, no ZoneConfig anywhere; the tags/labels hook reaches every resource that takes tags."""

from __future__ import annotations

import dataclasses
import importlib

import pulumi
import pytest

from llmops_landing_zone.components.aws.base import AwsContext
from llmops_landing_zone.components.aws.cluster import Cluster as EksCluster
from llmops_landing_zone.components.aws.cluster import ClusterArgs as EksArgs
from llmops_landing_zone.components.aws.keys import Keys as AwsKeys
from llmops_landing_zone.components.aws.keys import KeysArgs as AwsKeysArgs
from llmops_landing_zone.components.aws.network import Network as AwsNetwork
from llmops_landing_zone.components.aws.network import NetworkArgs as AwsNetworkArgs
from llmops_landing_zone.components.azure.base import AzureContext
from llmops_landing_zone.components.azure.cluster import Cluster as AksCluster
from llmops_landing_zone.components.azure.cluster import ClusterArgs as AksArgs
from llmops_landing_zone.components.azure.keys import Keys as AzureKeys
from llmops_landing_zone.components.azure.keys import KeysArgs as AzureKeysArgs
from llmops_landing_zone.components.azure.network import Network as AzureNetwork
from llmops_landing_zone.components.azure.network import NetworkArgs as AzureNetworkArgs
from llmops_landing_zone.components.gcp.cluster import Cluster as GkeCluster
from llmops_landing_zone.components.gcp.cluster import ClusterArgs as GkeArgs
from llmops_landing_zone.components.gcp.network import Network as GcpNetwork
from llmops_landing_zone.components.gcp.network import NetworkArgs as GcpNetworkArgs
from llmops_landing_zone.components.gcp.project import GcpContext
from llmops_landing_zone.llz import engine

TAGS = {"owner": "platform"}


class NoApis:
    """A project whose APIs are enabled already: nothing to wait for."""

    def deps(self, *apis: str) -> list[pulumi.Resource]:
        return []


def _aws() -> None:
    ctx = AwsContext("210987654321", "eu-west-1", "aws", "amazonaws.com", ("eu-west-1a", "eu-west-1b"))
    keys = AwsKeys("plat-keys", AwsKeysArgs("plat", ctx, protect=True, tags=TAGS))
    net = AwsNetwork("plat-net", AwsNetworkArgs("plat", ctx, cidr="10.8.0.0/16", zones=ctx.zones,
                                                flow_log_key_arn=keys.audit.arn, nat_per_zone=False, tags=TAGS))
    EksCluster("plat-eks", EksArgs("plat", ctx, subnet_ids=net.private_subnet_ids, secrets_key_arn=keys.cluster.arn,
                                   log_key_arn=keys.audit.arn, disk_key_arn=keys.data.arn, kubernetes_version="1.34",
                                   system_node_count=3, system_node_max_count=5, tags=TAGS))


def _gcp() -> None:
    ctx = GcpContext("plat-project", "europe-west4", pulumi.Output.from_input("42"),
                     pulumi.Output.from_input(["europe-west4-a", "europe-west4-b"]))
    net = GcpNetwork("plat-net", GcpNetworkArgs("plat", ctx, NoApis(), cidr="10.9.0.0/16", zones=2,
                                                labels=TAGS))
    GkeCluster("plat-gke", GkeArgs(
        "plat", ctx, NoApis(), network_id=net.network_id, subnetwork_id=net.subnet_id,
        pods_range_name=net.pods_range_name, services_range_name=net.services_range_name, zone_cidr=net.cidr,
        secrets_key="projects/plat-project/locations/europe-west4/keyRings/r/cryptoKeys/secrets",
        disk_key="projects/plat-project/locations/europe-west4/keyRings/r/cryptoKeys/disk",
        kubernetes_version="1.34", system_node_count=2, zones=2, labels=TAGS))


def _azure() -> None:
    ctx = AzureContext("00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111",
                       "22222222-2222-2222-2222-222222222222", "westeurope")
    net = AzureNetwork("plat-net", AzureNetworkArgs("plat", ctx, cidr="10.7.0.0/16", zones=2, tags=TAGS))
    keys = AzureKeys("plat-keys", AzureKeysArgs("plat", ctx, net, deletion_protection=True))
    AksCluster("plat-aks", AksArgs(
        "plat", ctx, resource_group_name=net.resource_group.name, vnet_id=net.vnet_id,
        nodes_subnet_id=net.nodes_subnet_id, api_server_subnet_id=net.api_subnet_id or "",
        address_prefixes=net.address_prefixes, vault_id=keys.vault.id,
        kms_key_id=keys.keys["aks"].key_uri_with_version, kms_key_resource_id=keys.keys["aks"].id,
        disk_encryption_set_id=keys.disk_encryption_set.id, kubernetes_version="1.34", zones=2, tags=TAGS))


@pytest.fixture(scope="module")
def aws_records() -> list[engine.PlannedResource]:
    recs, mocks = engine.run(_aws, stack="platform", config={}, region="eu-west-1")
    assert not mocks.unmocked_calls
    return recs


@pytest.fixture(scope="module")
def gcp_records() -> list[engine.PlannedResource]:
    recs, mocks = engine.run(_gcp, stack="platform", config={"gcp:project": "plat-project"}, region="europe-west4")
    assert not mocks.unmocked_calls
    return recs


@pytest.fixture(scope="module")
def azure_records() -> list[engine.PlannedResource]:
    recs, mocks = engine.run(_azure, stack="platform", config={}, region="westeurope")
    assert not mocks.unmocked_calls
    return recs


def _one(records: list[engine.PlannedResource], type_: str) -> engine.PlannedResource:
    (r,) = [r for r in records if r.type == type_]
    return r


def test_aws_components_follow_their_args(aws_records: list[engine.PlannedResource]) -> None:
    vpc = _one(aws_records, "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.8.0.0/16" and vpc.inputs["tags"]["owner"] == "platform"
    assert len([r for r in aws_records if r.type == "aws:ec2/natGateway:NatGateway"]) == 1  # nat_per_zone off
    assert len([r for r in aws_records if r.type == "aws:ec2/subnet:Subnet"]) == 4
    eks = _one(aws_records, "aws:eks/cluster:Cluster")
    assert eks.inputs["name"] == "plat" and eks.inputs["version"] == "1.34"
    assert eks.inputs["vpcConfig"]["endpointPublicAccess"] is False
    system = _one(aws_records, "aws:eks/nodeGroup:NodeGroup")
    assert system.inputs["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 5}
    keys = [r for r in aws_records if r.type == "aws:kms/key:Key"]
    assert len(keys) == 3 and all(k.protect and k.retainOnDelete for k in keys)
    assert all(k.inputs["tags"] == TAGS for k in keys)
    # the flow-log and control-plane log groups are not protected unless asked
    assert not any(r.protect for r in aws_records if r.type == "aws:cloudwatch/logGroup:LogGroup")


def test_gcp_components_follow_their_args(gcp_records: list[engine.PlannedResource]) -> None:
    subnet = _one(gcp_records, "gcp:compute/subnetwork:Subnetwork")
    assert subnet.inputs["project"] == "plat-project" and subnet.inputs["region"] == "europe-west4"
    gke = _one(gcp_records, "gcp:container/cluster:Cluster")
    assert gke.inputs["minMasterVersion"] == "1.34" and gke.inputs["releaseChannel"] == {"channel": "REGULAR"}
    assert gke.inputs["resourceLabels"] == TAGS
    assert gke.inputs["databaseEncryption"]["keyName"].endswith("/cryptoKeys/secrets")
    assert gke.inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"][0]["cidrBlock"] == "10.9.0.0/16"
    pool = _one(gcp_records, "gcp:container/nodePool:NodePool")
    assert pool.inputs["initialNodeCount"] == 1  # 2 nodes over 2 zones
    assert pool.inputs["nodeConfig"]["resourceLabels"] == {**TAGS, "llmops-pool": "system"}


def test_azure_components_follow_their_args(azure_records: list[engine.PlannedResource]) -> None:
    vnet = _one(azure_records, "azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.7.0.0/16"]} and vnet.inputs["tags"] == TAGS
    aks = _one(azure_records, "azure-native:containerservice:ManagedCluster")
    assert aks.inputs["kubernetesVersion"] == "1.34" and aks.inputs["sku"]["tier"] == "Free"
    assert aks.inputs["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2"]
    assert aks.inputs["networkProfile"]["outboundType"] == "userAssignedNATGateway"
    # the diagnostics hook is off without a sink; the deletion lock is on with deletion_protection
    assert not [r for r in azure_records if r.type == "azure-native:monitor:DiagnosticSetting"]
    (lock,) = [r for r in azure_records if r.type == "azure-native:authorization:ManagementLockByScope"]
    assert lock.inputs["lockName"] == "plat-do-not-delete"


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
@pytest.mark.parametrize("module", ["network", "cluster", "keys"])
def test_no_component_args_hold_the_zone_config(cloud: str, module: str) -> None:
    mod = importlib.import_module(f"llmops_landing_zone.components.{cloud}.{module}")
    args = [c for n, c in vars(mod).items() if n.endswith("Args") and dataclasses.is_dataclass(c)
            and c.__module__ == mod.__name__]
    assert args
    for cls in args:
        hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}
        assert "cfg" not in hints and not any("ZoneConfig" in t for t in hints.values()), cls
