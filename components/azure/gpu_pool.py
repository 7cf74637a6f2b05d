"""GpuPool: one AKS user agent pool of GPU nodes, built from a resolved ``PoolSpec`` and scheduled through
PoolScheduling.

The component takes plain values and other resources' outputs (``GpuPoolArgs``), never the zone config: the
zone resolves its pools once (``resolve.pools``) and passes each ``PoolSpec``; a program with its own AKS
cluster builds one with ``PoolSpec.of_shape("azure", key, vm_size, min, max, spot=...)``. The VM size is the
spec's catalog shape (NCasT4_v3, NC A100 v4, ND A100 v4, ND H100 v5, NCads H100 v5); the taint and the labels
come from the pool's ``PoolScheduling`` (``scheduling(spec)``), the same object the serving pods derive their
tolerations and node selector from. AKS installs the NVIDIA driver (``gpuProfile.driver: Install``); the
device plugin comes from the Kubernetes layer. Spot pools get Spot priority, Delete eviction and a max price of
-1 (pay up to the on-demand price, never evicted for price). https://learn.microsoft.com/azure/aks/use-nvidia-gpu

OS disk: ``os_disk.os_disk`` (ephemeral where the node disk fits the VM's local storage, else a managed P30+).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.os_disk import OsDisk, os_disk
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling, Taint
from llmops_landing_zone.components.resolve import PoolSpec

TYPE = "llmops:azure:GpuPool"
# AKS puts this taint (and the matching label) on every Spot node itself; it is not ours to set, but serving
# pods must tolerate it. https://learn.microsoft.com/azure/aks/spot-node-pool
AKS_SPOT_TAINT = Taint("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")
MAX_SURGE = "1"  # one extra GPU node at a time during upgrades: surge capacity is the most expensive kind
def scheduling(spec: PoolSpec) -> PoolScheduling:
    """The pool's taint, labels and tolerations; Spot pools also tolerate the taint AKS itself puts on them."""
    spot = (AKS_SPOT_TAINT,) if spec.spot else ()
    return PoolScheduling.for_pool("azure", spec.key, spec.gpu, spec.gpus_per_node, spec.shape.name,
                                   platform_taints=spot)


@dataclass
class GpuPoolArgs:
    """Everything the pool needs, as plain values and other resources' outputs."""

    spec: PoolSpec
    name: str  # the AKS agent pool name (Linux: 1-12 lowercase letters and digits; the zone renders AGENT_POOL)
    cluster_name: pulumi.Input[str]  # the managed cluster's resource name
    resource_group_name: pulumi.Input[str]  # the cluster's resource group
    subnet_id: pulumi.Input[str]  # the nodes' subnet (the cluster's node subnet)
    kubernetes_version: str  # the pool's orchestrator version (the cluster's)
    # None leaves availabilityZones unset (what the zone does: GPU sizes are offered in only some zones of a
    # region); pass zones only where the VM size is known to be offered in all of them.
    availability_zones: list[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class GpuPool(pulumi.ComponentResource):
    def __init__(self, name_: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        spec = args.spec
        self.spec = spec
        self.shape = spec.shape
        self.scheduling = scheduling(spec)
        self.agent_pool_name = args.name
        # A managed fallback says why in ``os_disk.fallback``; the zone's config validation warns with it.
        self.os_disk: OsDisk = os_disk(spec.key, spec.shape, spec.disk_size_gb)
        capacity: dict = (
            {"scale_set_priority": "Spot", "scale_set_eviction_policy": "Delete", "spot_max_price": -1}
            if spec.spot else {"scale_set_priority": "Regular", "upgrade_settings": {"max_surge": MAX_SURGE}})
        extra: dict = {}
        if args.availability_zones is not None:
            extra["availability_zones"] = list(args.availability_zones)
        if args.tags:
            extra["tags"] = dict(args.tags)
        self.agent_pool = azure.containerservice.AgentPool(
            name_, agent_pool_name=args.name,
            resource_name_=args.cluster_name, resource_group_name=args.resource_group_name,
            mode="User", type="VirtualMachineScaleSets", vm_size=spec.shape.name,
            orchestrator_version=args.kubernetes_version,
            # Ubuntu: the node image with the broadest NVIDIA driver coverage across GPU series.
            os_type="Linux", os_sku="Ubuntu", os_disk_type=self.os_disk.type, os_disk_size_gb=self.os_disk.size_gb,
            enable_auto_scaling=True, min_count=spec.min_nodes, max_count=spec.max_nodes, count=spec.min_nodes,
            node_taints=[self.scheduling.taint.azure], node_labels=self.scheduling.labels,
            gpu_profile={"driver": "Install"},
            # Host encryption covers temp disks and caches; the cluster's disk encryption set (CMK) covers the OS
            # disk, ephemeral too (a rotated key reaches ephemeral nodes when they are recreated: node image
            # upgrade or scale to 0; learn.microsoft.com "Bring your own keys (BYOK) with Azure managed disks in
            # AKS", Limitations).
            enable_encryption_at_host=True,
            vnet_subnet_id=args.subnet_id,
            **capacity, **extra,
            # The cluster autoscaler owns the node count after creation.
            opts=child(self, ignore_changes=["count"], depends_on=list(args.depends_on) or None))
        self.register_outputs({"agentPool": self.agent_pool_name, "vmSize": spec.shape.name,
                               "osDiskType": self.os_disk.type})
