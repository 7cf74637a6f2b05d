"""The Azure GpuPool component used without the zone: a program brings its own resource group, VNet and AKS
cluster (plain provider resources), builds a PoolSpec by hand and gets an agent pool. No ZoneConfig anywhere."""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure
import pytest

from llmops_landing_zone.components import catalog, coldstart
from llmops_landing_zone.components.azure.gpu_pool import AKS_SPOT_TAINT, MAX_SURGE, GpuPool, GpuPoolArgs, scheduling
from llmops_landing_zone.components.azure.os_disk import MIN_OS_DISK_GB, OsDisk
from llmops_landing_zone.components.azure.os_disk import os_disk as _os_disk
from llmops_landing_zone.components.k8s.scheduling import GPU_LABEL, GPU_RESOURCE, POOL_LABEL, Taint
from llmops_landing_zone.components.resolve import PoolSpec
from llmops_landing_zone.llz import engine
from llmops_landing_zone.llz.mocks import AZURE_SUBSCRIPTION

STACK = "pool-only"
RG = "ml-rg"
GPU_TAINT = Taint(GPU_RESOURCE, "true")
CLUSTER = "ml-aks"
SPEC = PoolSpec.of_shape("azure", "a100", "Standard_NC24ads_A100_v4", 0, 3, spot=True)
RG_ID = f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/{RG}"
SUBNET_ID = f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/ml-vnet/subnets/gpu-nodes"
CLUSTER_URN = (f"urn:pulumi:{STACK}::llmops-landing-zone::azure-native:containerservice:ManagedCluster::"
               f"{CLUSTER}")


def _program(spec: PoolSpec, tags: dict[str, str], zones: list[str] | None) -> None:
    rg = azure.resources.ResourceGroup(RG, resource_group_name=RG, location="eastus")
    vnet = azure.network.VirtualNetwork(
        "ml-vnet", virtual_network_name="ml-vnet", resource_group_name=rg.name, location="eastus",
        address_space={"address_prefixes": ["10.20.0.0/16"]})
    subnet = azure.network.Subnet(
        "gpu-nodes", subnet_name="gpu-nodes", virtual_network_name=vnet.name, resource_group_name=rg.name,
        address_prefix="10.20.0.0/20")
    cluster = azure.containerservice.ManagedCluster(
        CLUSTER, resource_name_=CLUSTER, resource_group_name=rg.name, location="eastus", dns_prefix="ml",
        kubernetes_version="1.31", identity=azure.containerservice.ManagedClusterIdentityArgs(
            type=azure.containerservice.ResourceIdentityType.SYSTEM_ASSIGNED),
        agent_pool_profiles=[azure.containerservice.ManagedClusterAgentPoolProfileArgs(
            name="system", mode="System", vm_size="Standard_D4ds_v5", count=2, vnet_subnet_id=subnet.id)])
    GpuPool("ml-pool-a100", GpuPoolArgs(
        spec, name="a100", cluster_name=cluster.name, resource_group_name=rg.name, subnet_id=subnet.id,
        kubernetes_version="1.31", availability_zones=zones, tags=tags))


def _plan(spec: PoolSpec = SPEC, tags: dict[str, str] | None = None,
          zones: list[str] | None = None) -> dict[str, engine.PlannedResource]:
    records, mocks = engine.run(lambda: _program(spec, tags or {}, zones), stack=STACK, config={},
                                region="eastus")
    assert not mocks.unmocked_calls
    return {r.type: r for r in records}


@pytest.fixture(scope="module")
def plan() -> dict[str, engine.PlannedResource]:
    return _plan(tags={"team": "ml"}, zones=["1", "2"])


def test_pool_is_a_component_around_one_agent_pool(plan: dict) -> None:
    component, pool = plan["llmops:azure:GpuPool"], plan["azure-native:containerservice:AgentPool"]
    assert component.urn == f"urn:pulumi:{STACK}::llmops-landing-zone::llmops:azure:GpuPool::ml-pool-a100"
    assert pool.parent == component.urn and pool.name == "ml-pool-a100"
    assert pool.urn.endswith("llmops:azure:GpuPool$azure-native:containerservice:AgentPool::ml-pool-a100")


def test_agent_pool_takes_its_shape_and_bounds_from_the_spec(plan: dict) -> None:
    p = plan["azure-native:containerservice:AgentPool"].inputs
    assert p["agentPoolName"] == "a100" and p["mode"] == "User" and p["type"] == "VirtualMachineScaleSets"
    assert p["vmSize"] == "Standard_NC24ads_A100_v4" == SPEC.shape.name
    assert p["enableAutoScaling"] is True and (p["minCount"], p["maxCount"], p["count"]) == (0, 3, 0)
    assert p["orchestratorVersion"] == "1.31"
    # the default diskSizeGb (200; image twice + an 80 GiB checkpoint + system need 158) fits the NC24ads A100 v4's
    # 256 GiB cache disk
    assert (p["osDiskType"], p["osDiskSizeGB"]) == ("Ephemeral", coldstart.node_disk_gb(200, 80)) == ("Ephemeral", 200)
    assert p["gpuProfile"] == {"driver": "Install"} and p["enableEncryptionAtHost"] is True


def test_agent_pool_taints_and_labels_follow_the_scheduling_contract(plan: dict) -> None:
    p = plan["azure-native:containerservice:AgentPool"].inputs
    sched = scheduling(SPEC)
    # Only our GPU taint: AKS puts the Spot taint on Spot nodes itself (and rejects it in nodeTaints)
    assert p["nodeTaints"] == [GPU_TAINT.azure] == ["nvidia.com/gpu=true:NoSchedule"]
    assert AKS_SPOT_TAINT.azure not in p["nodeTaints"]
    assert p["nodeLabels"] == sched.labels
    assert (p["nodeLabels"][POOL_LABEL], p["nodeLabels"][GPU_LABEL]) == ("a100", SPEC.gpu) == ("a100", "A100-80GB")
    assert not any(k.startswith("kubernetes.azure.com") for k in p["nodeLabels"])
    # ...but the pods scheduled onto the pool tolerate both
    assert sched.tolerations() == [GPU_TAINT.toleration(), AKS_SPOT_TAINT.toleration()]


def test_spot_pool_evicts_by_delete_and_pays_at_most_on_demand(plan: dict) -> None:
    p = plan["azure-native:containerservice:AgentPool"].inputs
    assert (p["scaleSetPriority"], p["scaleSetEvictionPolicy"], p["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert "upgradeSettings" not in p


def test_agent_pool_references_the_callers_cluster_and_subnet(plan: dict) -> None:
    pool = plan["azure-native:containerservice:AgentPool"]
    assert pool.inputs["resourceName"] == CLUSTER and pool.inputs["resourceGroupName"] == RG
    assert pool.inputs["vnetSubnetID"] == SUBNET_ID
    assert CLUSTER_URN in pool.dependencies
    assert plan["azure-native:network:Subnet"].urn in pool.dependencies


def test_explicit_tags_and_zones_are_passed_through(plan: dict) -> None:
    p = plan["azure-native:containerservice:AgentPool"].inputs
    assert p["tags"] == {"team": "ml"} and p["availabilityZones"] == ["1", "2"]


def test_on_demand_pool_without_extras_surges_one_node_and_sets_no_zones_or_tags() -> None:
    spec = PoolSpec.of_shape("azure", "a100", "Standard_NC24ads_A100_v4", 1, 2)
    plan = _plan(spec)
    p = plan["azure-native:containerservice:AgentPool"].inputs
    assert p["scaleSetPriority"] == "Regular" and p["upgradeSettings"] == {"maxSurge": MAX_SURGE}
    assert "spotMaxPrice" not in p and "scaleSetEvictionPolicy" not in p
    assert "availabilityZones" not in p and "tags" not in p
    assert AKS_SPOT_TAINT.toleration() not in scheduling(spec).tolerations()


def test_depends_on_is_added_to_the_agent_pool() -> None:
    records, _ = engine.run(_depends_on_program, stack=STACK, config={}, region="eastus")
    by_type = {r.type: r for r in records}
    assert by_type["azure-native:resources:ResourceGroup"].urn in \
        by_type["azure-native:containerservice:AgentPool"].dependencies


def _depends_on_program() -> None:
    gate = azure.resources.ResourceGroup("gate", resource_group_name="gate", location="eastus")
    GpuPool("ml-pool-a100", GpuPoolArgs(
        SPEC, name="a100", cluster_name=CLUSTER, resource_group_name=RG, subnet_id=SUBNET_ID,
        kubernetes_version="1.31", depends_on=[gate]), pulumi.ResourceOptions())


def test_pool_spec_rejects_a_non_gpu_or_unknown_size() -> None:
    with pytest.raises(ValueError, match="not a azure GPU shape"):
        PoolSpec.of_shape("azure", "cpu", "Standard_D4ds_v5", 0, 1)


def os_disk(spec: PoolSpec) -> OsDisk:
    return _os_disk(spec.key, spec.shape, spec.disk_size_gb)


def test_os_disk_is_ephemeral_only_where_the_node_disk_fits_local_storage() -> None:
    # ND H100 v5: 8 x 80 GiB checkpoint + image + system (759 GB) fits the 1024 GiB temp disk
    h100 = PoolSpec.of_shape("azure", "h100", "Standard_ND96isr_H100_v5", 0, 2)
    assert os_disk(h100) == OsDisk("Ephemeral", coldstart.node_disk_gb(200, 8 * 80))
    assert os_disk(h100).size_gb <= catalog.local_disk("azure", h100.shape.name).ephemeral_os_gib
    # NC48ads A100 v4: 2 x 80 GiB needs 243 GB, more than its 128 GiB temp disk: a managed P30, and it says why
    two = PoolSpec.of_shape("azure", "a100x2", "Standard_NC48ads_A100_v4", 0, 2)
    disk = os_disk(two)
    assert (disk.type, disk.size_gb) == ("Managed", MIN_OS_DISK_GB)
    assert "pool 'a100x2' needs a 244 GB node disk" in disk.fallback and "128 GiB" in disk.fallback
    # a configured diskSizeGb above the 256 GiB cache disk of NC24ads A100 v4 also falls back
    big = PoolSpec.of_shape("azure", "a100", "Standard_NC24ads_A100_v4", 0, 2, disk_size_gb=300)
    assert (os_disk(big).type, os_disk(big).size_gb) == ("Managed", MIN_OS_DISK_GB)
    assert "needs a 300 GB node disk" in os_disk(big).fallback
    # no sourced local-disk row (NCasT4_v3): managed, nothing to explain
    t4 = PoolSpec.of_shape("azure", "t4", "Standard_NC4as_T4_v3", 0, 2)
    assert catalog.local_disk("azure", t4.shape.name) is None
    assert (os_disk(t4).type, os_disk(t4).fallback) == ("Managed", "")


def test_a_pool_that_falls_back_registers_a_managed_os_disk() -> None:
    spec = PoolSpec.of_shape("azure", "a100x2", "Standard_NC48ads_A100_v4", 0, 2)
    p = _plan(spec)["azure-native:containerservice:AgentPool"].inputs
    assert (p["osDiskType"], p["osDiskSizeGB"]) == ("Managed", MIN_OS_DISK_GB)


def test_validation_warns_on_the_key_that_sizes_a_managed_fallback(tmp_path) -> None:
    from llmops_landing_zone.components.config import warnings
    from llmops_landing_zone.llz import offline

    _, _, cfg = offline.load("azure-prod")
    assert not [w for w in warnings(cfg) if "diskSizeGb" in w]  # both reference pools are ephemeral
    pools = {**cfg.gpu_pools, "a100-serving": cfg.gpu_pools["a100-serving"].model_copy(update={"disk_size_gb": 300})}
    found = [w for w in warnings(cfg.model_copy(update={"gpu_pools": pools})) if "diskSizeGb" in w]
    assert len(found) == 1 and found[0].startswith("llmops:zone.gpuPools.a100-serving.diskSizeGb: ")
    assert "needs a 300 GB node disk" in found[0] and "256 GiB" in found[0]
