"""The GCP GpuPool is a reusable component: a program with its own GKE cluster (plain provider resources, no
landing zone, no ZoneConfig) adds a GPU pool from a PoolSpec and plain values."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp
import pytest

from llmops_landing_zone.components.gcp.gpu_pool import DRIVER_VERSION, GpuPool, GpuPoolArgs, scheduling
from llmops_landing_zone.components.k8s.scheduling import GPU_LABEL, GPU_RESOURCE, POOL_LABEL
from llmops_landing_zone.components.plan import PlannedResource
from llmops_landing_zone.components.resolve import PoolSpec
from llmops_landing_zone.llz import engine

SPEC = PoolSpec.of_shape("gcp", "l4", "g2-standard-8", 0, 3)
KEY_ID = "projects/my-proj/locations/us-central1/keyRings/platform/cryptoKeys/boot"


def _program() -> None:
    cluster = gcp.container.Cluster(
        "platform", name="platform", project="my-proj", location="us-central1", initial_node_count=1,
        remove_default_node_pool=True, deletion_protection=False)
    key = gcp.kms.CryptoKey("boot", name="boot", key_ring=KEY_ID.rsplit("/cryptoKeys/", 1)[0])
    pool = GpuPool("l4", GpuPoolArgs(
        spec=SPEC, name="platform-l4", cluster_name=cluster.id, project="my-proj", location="us-central1",
        service_account_id="platform-l4-nodes", disk_key=key.id, labels={"team": "ml"},
        depends_on=[key]))
    pulumi.export("nodePool", pool.node_pool.name)


@pytest.fixture(scope="module")
def records() -> dict[str, PlannedResource]:
    recs, mocks = engine.run(_program, stack="standalone", config={}, region="us-central1", gcp_project="my-proj")
    assert not mocks.unmocked_calls
    return {r.name: r for r in recs}


@pytest.fixture(scope="module")
def node_pool(records: dict[str, PlannedResource]) -> PlannedResource:
    pools = [r for r in records.values() if r.type == "gcp:container/nodePool:NodePool"]
    assert len(pools) == 1
    return pools[0]


def test_spec_is_the_catalog_shape() -> None:
    assert (SPEC.gpu, SPEC.gpus_per_node, SPEC.shape.name) == ("L4", 1, "g2-standard-8")


def test_node_pool_is_the_spec(node_pool: PlannedResource) -> None:
    inputs = node_pool.inputs
    assert node_pool.name == "platform-l4" and node_pool.aliases == []  # no prefix: logical name is `name`
    assert (inputs["name"], inputs["project"], inputs["location"]) == ("platform-l4", "my-proj", "us-central1")
    assert "nodeLocations" not in inputs  # the cluster's zones
    nc = inputs["nodeConfig"]
    assert nc["machineType"] == "g2-standard-8"
    assert nc["guestAccelerators"] == [{
        "type": "nvidia-l4", "count": 1,
        "gpuDriverInstallationConfig": {"gpuDriverVersion": DRIVER_VERSION}}]
    assert nc["spot"] is False and nc["diskSizeGb"] == 200
    assert inputs["autoscaling"] == {"totalMinNodeCount": 0, "totalMaxNodeCount": 3, "locationPolicy": "ANY"}
    assert inputs["initialNodeCount"] == 0


def test_node_pool_carries_the_scheduling_contract(node_pool: PlannedResource) -> None:
    sched = scheduling(SPEC)
    nc = node_pool.inputs["nodeConfig"]
    assert nc["taints"] == [{"key": GPU_RESOURCE, "value": "present", "effect": "NO_SCHEDULE"}]
    assert nc["labels"] == {POOL_LABEL: "l4", GPU_LABEL: "L4"}
    assert "cloud.google.com/gke-accelerator" not in nc["labels"]  # GKE sets it itself
    assert sched.extra_labels["cloud.google.com/gke-accelerator"] == "nvidia-l4"
    assert nc["resourceLabels"] == {"team": "ml", "llmops-pool": "l4"}


def test_node_pool_is_secure(node_pool: PlannedResource, records: dict[str, PlannedResource]) -> None:
    nc = node_pool.inputs["nodeConfig"]
    assert nc["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
    assert nc["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
    assert nc["imageType"] == "COS_CONTAINERD"
    assert nc["bootDiskKmsKey"] == KEY_ID
    assert nc["serviceAccount"] == "platform-l4-nodes@my-proj.iam.gserviceaccount.com"
    sa = records["platform-l4-nodes"]
    assert sa.inputs["accountId"] == "platform-l4-nodes" and sa.inputs["project"] == "my-proj"
    assert sa.inputs["displayName"] == "GKE GPU pool l4"


def test_node_pool_references_the_programs_cluster(node_pool: PlannedResource,
                                                   records: dict[str, PlannedResource]) -> None:
    cluster, key = records["platform"], records["boot"]
    assert node_pool.inputs["cluster"] == "projects/my-proj/locations/us-central1/clusters/platform"
    assert cluster.urn in node_pool.dependencies  # through cluster.id
    assert key.urn in node_pool.dependencies  # depends_on
    grants = [r for r in records.values() if r.type == "gcp:projects/iAMMember:IAMMember"]
    assert grants and {g.urn for g in grants} <= set(node_pool.dependencies)
    component = records["l4"]
    assert component.type == "llmops:gcp:GpuPool" and node_pool.parent == component.urn


def test_prefix_gives_the_zones_logical_name_and_aliases() -> None:
    def program() -> None:
        GpuPool("p", GpuPoolArgs(spec=SPEC, name="z-gpu-l4", cluster_name="projects/p/locations/r/clusters/z",
                                 project="p", location="r", service_account_id="z-np-l4", disk_key=KEY_ID,
                                 prefix="z"))

    recs, _ = engine.run(program, stack="s", config={}, region="us-central1", gcp_project="my-proj")
    pool = next(r for r in recs if r.type == "gcp:container/nodePool:NodePool")
    assert pool.name == "z-l4"
    assert [a.rsplit("::", 1)[1] for a in pool.aliases] == ["z-gpu-l4"]
