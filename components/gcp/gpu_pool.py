"""GPU pool: one GKE node pool per effective pool (configured, or sized for an endpoint by the sizing model).

The machine type comes from the catalog shape the sizing contract picks; the guest accelerator type from the
GPU model's Compute Engine name. GKE installs the NVIDIA driver itself (``gpu_driver_installation_config``)
and runs its own device plugin, adds ``cloud.google.com/gke-accelerator`` to every node and, because the
cluster has a non-GPU pool, taints GPU nodes ``nvidia.com/gpu=present:NoSchedule``; the pool states the same
taint explicitly, from the ``PoolScheduling`` the serving pods derive their tolerations from.

Driver version "LATEST": the newest driver GKE has qualified for the node's GKE version. Both LATEST and
DEFAULT change only with a node upgrade (which the release channel schedules); LATEST carries the newer
CUDA 12.x support that current vLLM images need and the Hopper fixes, at no loss of that predictability
(https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#installing_drivers).

Autoscaling spans the cluster's zones with total limits ``minNodes..maxNodes`` (0 allowed) and location policy
ANY, which takes GPU capacity wherever it is available. Pools start at zero nodes: a regional pool's initial
count is per zone, which would start one costly GPU node in every zone; the autoscaler adds nodes for the
pending serving pods instead and never goes below ``minNodes``. Upgrades replace one node at a time without
surge nodes, because extra GPU capacity is the scarcest thing in the region.

Logical names are part of the state: the node pool was registered as ``<zone>-gpu-<pool>`` in one landed
version (1d1d725) and as ``<zone>-<pool>`` before and after it, always under this component. ``PREVIOUS_NAMES``
keeps every earlier name as an alias, so a stack deployed with any landed version keeps its pool (and its
running GPU nodes) instead of replacing it. The service account and its grants never changed names.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components import catalog, sizing
from components.common import child
from components.config.models import GpuPoolConfig, ZoneConfig
from components.gcp.cluster import Cluster, node_identity, secure_node_config
from components.gcp.keys import BOOT_DISK, Keys
from components.gcp.names import NODE_POOL, NODE_SERVICE_ACCOUNT
from components.gcp.project import GcpContext, ProjectServices
from components.k8s.scheduling import PoolScheduling

TYPE = "llmops:gcp:GpuPool"
ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"
DRIVER_VERSION = "LATEST"
# GKE refuses node labels in domains it or Kubernetes manage ("Node labels with key ... are managed by GKE or
# Kubernetes and must not be manually specified"); those labels are GKE's to set.
MANAGED_LABEL_DOMAINS = ("cloud.google.com", "kubernetes.io", "k8s.io")
MAX_PODS_PER_NODE = 32  # GPU nodes run a few serving pods and daemons; keeps the pod range consumption small
# Earlier logical names of a GPU node pool (format fields: z = zone, key = pool), same parent (this component).
PREVIOUS_NAMES = ("{z}-gpu-{key}",)


def pool_scheduling(cfg: ZoneConfig, key: str) -> PoolScheduling:
    """The scheduling contract of one pool: built once, used by the node pool and by every workload on it."""
    shape = sizing.pool_shape(cfg, key)
    accelerator = catalog.gpu_models()[shape.gpu].gke_accelerator
    return PoolScheduling.for_pool("gcp", key, shape.gpu, shape.gpus, shape.name,
                                   extra_labels={ACCELERATOR_LABEL: accelerator})


def settable_labels(labels: dict[str, str]) -> dict[str, str]:
    """The node labels GKE lets a node pool set (the others it sets itself)."""
    def managed(key: str) -> bool:
        domain = key.split("/", 1)[0] if "/" in key else ""
        return any(domain == d or domain.endswith("." + d) for d in MANAGED_LABEL_DOMAINS)
    return {k: v for k, v in labels.items() if not managed(k)}


@dataclass
class GpuPoolArgs:
    cfg: ZoneConfig
    ctx: GcpContext
    services: ProjectServices
    key: str
    pool: GpuPoolConfig
    cluster: Cluster
    keys: Keys


class GpuPool(pulumi.ComponentResource):
    scheduling: PoolScheduling
    node_pool: gcp.container.NodePool
    service_account: gcp.serviceaccount.Account

    def __init__(self, name_: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        cfg, ctx, key, pool = args.cfg, args.ctx, args.key, args.pool
        z = cfg.name
        self.scheduling = sched = pool_scheduling(cfg, key)
        shape = sizing.pool_shape(cfg, key)

        self.service_account, grants = node_identity(
            self, f"{z}-np-{key}", NODE_SERVICE_ACCOUNT.render(z, key), f"{z} GKE GPU pool {key}", ctx,
            args.services.deps("iam"))
        node_config = {
            **secure_node_config(cfg, self.service_account.email, args.keys.key(BOOT_DISK), key),
            "machine_type": shape.name,
            "guest_accelerators": [{
                "type": sched.extra_labels[ACCELERATOR_LABEL], "count": shape.gpus,
                "gpu_driver_installation_config": {"gpu_driver_version": DRIVER_VERSION}}],
            "spot": pool.capacity == "spot",
            "disk_type": "pd-balanced", "disk_size_gb": pool.disk_size_gb,
            "gvnic": {"enabled": True},  # required by A3, faster for every GPU family
            "labels": settable_labels(sched.labels),
            "taints": [sched.taint.gcp],
        }
        self.node_pool = gcp.container.NodePool(
            f"{z}-{key}", name=NODE_POOL.render(z, key), project=ctx.project, location=ctx.region,
            cluster=args.cluster.cluster.id, initial_node_count=0, max_pods_per_node=MAX_PODS_PER_NODE,
            autoscaling={"total_min_node_count": pool.min_nodes, "total_max_node_count": pool.max_nodes,
                         "location_policy": "ANY"},
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"strategy": "SURGE", "max_surge": 0, "max_unavailable": 1},
            node_config=node_config,
            # initialNodeCount forces a new pool and the provider reads it back from GKE, where resizes can
            # move it: only the creation value matters (the autoscaler owns the size).
            opts=child(self, depends_on=[*grants, *args.keys.ready(BOOT_DISK)],
                       ignore_changes=["initialNodeCount"],
                       aliases=[pulumi.Alias(name=old.format(z=z, key=key), parent=self)
                                for old in PREVIOUS_NAMES]))
        self.register_outputs({"nodePool": self.node_pool.name, "machineType": shape.name,
                               "accelerator": sched.extra_labels[ACCELERATOR_LABEL]})
