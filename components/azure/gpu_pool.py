"""GpuPool: one AKS user agent pool of GPU nodes, sized from the catalog and scheduled through PoolScheduling.

The VM size comes from ``sizing.pool_shape`` (NCasT4_v3, NC A100 v4, ND A100 v4, ND H100 v5, NCads H100 v5);
the taint and the labels come from the pool's ``PoolScheduling``, the same object the serving pods derive
their tolerations and node selector from. AKS installs the NVIDIA driver (``gpuProfile.driver: Install``); the
device plugin comes from the Kubernetes layer. Spot pools get Spot priority, Delete eviction and a max price of
-1 (pay up to the on-demand price, never evicted for price). https://learn.microsoft.com/azure/aks/use-nvidia-gpu
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure

from components import sizing
from components.azure import names
from components.azure.network import Network
from components.common import child
from components.config.models import ZoneConfig
from components.k8s.scheduling import PoolScheduling, Taint
from components.naming import name

TYPE = "llmops:azure:GpuPool"
# AKS puts this taint (and the matching label) on every Spot node itself; it is not ours to set, but serving
# pods must tolerate it. https://learn.microsoft.com/azure/aks/spot-node-pool
AKS_SPOT_TAINT = Taint("kubernetes.azure.com/scalesetpriority", "spot", "NoSchedule")
MAX_SURGE = "1"  # one extra GPU node at a time during upgrades: surge capacity is the most expensive kind


def pool_scheduling(cfg: ZoneConfig, key: str) -> PoolScheduling:
    pool = sizing.effective_pools(cfg)[key]
    spot = (AKS_SPOT_TAINT,) if pool.capacity == "spot" else ()
    return PoolScheduling.for_pool("azure", key, pool.gpu, pool.gpus_per_node, sizing.pool_shape(cfg, key).name,
                                   platform_taints=spot)


@dataclass
class GpuPoolArgs:
    cfg: ZoneConfig
    key: str
    cluster: azure.containerservice.ManagedCluster
    network: Network


class GpuPool(pulumi.ComponentResource):
    def __init__(self, name_: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        cfg, key = args.cfg, args.key
        pool = sizing.effective_pools(cfg)[key]
        self.shape = sizing.pool_shape(cfg, key)
        self.scheduling = pool_scheduling(cfg, key)
        self.agent_pool_name = names.AGENT_POOL.render(cfg.name, key)
        spot = pool.capacity == "spot"
        capacity: dict = (
            {"scale_set_priority": "Spot", "scale_set_eviction_policy": "Delete", "spot_max_price": -1}
            if spot else {"scale_set_priority": "Regular", "upgrade_settings": {"max_surge": MAX_SURGE}})
        self.agent_pool = azure.containerservice.AgentPool(
            name(cfg.name, "pool", key), agent_pool_name=self.agent_pool_name,
            resource_name_=args.cluster.name, resource_group_name=args.network.resource_group.name,
            mode="User", type="VirtualMachineScaleSets", vm_size=self.shape.name,
            orchestrator_version=cfg.cluster.kubernetes_version,
            # Ubuntu: the node image with the broadest NVIDIA driver coverage across GPU series.
            os_type="Linux", os_sku="Ubuntu", os_disk_type="Managed", os_disk_size_gb=pool.disk_size_gb,
            enable_auto_scaling=True, min_count=pool.min_nodes, max_count=pool.max_nodes, count=pool.min_nodes,
            node_taints=[self.scheduling.taint.azure], node_labels=self.scheduling.labels,
            gpu_profile={"driver": "Install"},
            # Host encryption covers temp disks and caches; the cluster's disk encryption set (CMK) covers the
            # OS disk. No availabilityZones: GPU sizes are offered in only some zones of a region.
            enable_encryption_at_host=True,
            vnet_subnet_id=args.network.nodes_subnet.id,
            **capacity,
            # The cluster autoscaler owns the node count after creation.
            opts=child(self, ignore_changes=["count"]))
        self.register_outputs({"agentPool": self.agent_pool_name, "vmSize": self.shape.name})
