"""GPU pool: one GKE node pool per effective pool (configured, or sized for an endpoint by the sizing model).

The component takes plain values (``GpuPoolArgs``): a resolved ``PoolSpec`` (components/resolve.py), names,
the cluster's id and the boot-disk key, so a program with its own GKE cluster can use it without the zone or
its config. The machine type is the spec's catalog shape; the guest accelerator type the GPU model's Compute
Engine name. GKE installs the NVIDIA driver itself (``gpu_driver_installation_config``)
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

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components import catalog, coldstart
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.gcp.cluster import node_identity, secure_node_config
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling
from llmops_landing_zone.components.resolve import PoolSpec

TYPE = "llmops:gcp:GpuPool"
ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"
DRIVER_VERSION = "LATEST"
# GKE refuses node labels in domains it or Kubernetes manage ("Node labels with key ... are managed by GKE or
# Kubernetes and must not be manually specified"); those labels are GKE's to set.
MANAGED_LABEL_DOMAINS = ("cloud.google.com", "kubernetes.io", "k8s.io")
# Cold start (components/coldstart.py): image streaming (gcfs) lets the vLLM container start before its 28.6 GB
# image is local (images in Artifact Registry: components/gcp/mirror.py); pd-ssd gives 240 MB/s plus 0.48 MB/s per
# GB (pd-balanced 140 + 0.28) for what still lands on disk. A secondary boot disk preloaded with the image would
# remove the pull entirely, but needs a disk image built per vLLM release (GKE docs, "Preload data or container
# images on new nodes"): not built here.
DISK_TYPE = "pd-ssd"
MAX_PODS_PER_NODE = 32  # GPU nodes run a few serving pods and daemons; keeps the pod range consumption small
# Earlier logical names of a GPU node pool (format fields: z = zone, key = pool), same parent (this component).
PREVIOUS_NAMES = ("{z}-gpu-{key}",)


def scheduling(spec: PoolSpec) -> PoolScheduling:
    """The scheduling contract of one pool: built once, used by the node pool and by every workload on it."""
    accelerator = catalog.gpu_models()[spec.gpu].gke_accelerator
    return PoolScheduling.for_pool("gcp", spec.key, spec.gpu, spec.gpus_per_node, spec.shape.name,
                                   extra_labels={ACCELERATOR_LABEL: accelerator})


def settable_labels(labels: dict[str, str]) -> dict[str, str]:
    """The node labels GKE lets a node pool set (the others it sets itself)."""
    def managed(key: str) -> bool:
        domain = key.split("/", 1)[0] if "/" in key else ""
        return any(domain == d or domain.endswith("." + d) for d in MANAGED_LABEL_DOMAINS)
    return {k: v for k, v in labels.items() if not managed(k)}


@dataclass
class GpuPoolArgs:
    spec: PoolSpec
    name: str  # the GKE node pool's name (the zone renders components.gcp.names.NODE_POOL)
    cluster_name: pulumi.Input[str]  # the cluster as NodePool's ``cluster`` takes it (its id, or its name)
    project: str
    location: str  # the cluster's location: its region (regional cluster) or zone
    service_account_id: str  # the pool's dedicated node service account (6-30 chars); also its logical name
    disk_key: pulumi.Input[str]  # the Cloud KMS key id that encrypts the node boot disks (CMEK)
    labels: dict[str, str] = field(default_factory=dict)  # GCP labels on the node VMs (plus llmops-pool)
    service_account_display_name: str = ""  # "" -> "GKE GPU pool <key>"
    # Prefix of the node pool's logical name, part of the state: the zone passes its name, and the pool is
    # ``<prefix>-<key>`` with the aliases in PREVIOUS_NAMES, as every landed version registered it. "" -> the
    # logical name is ``name`` and there are no aliases.
    prefix: str = ""
    node_locations: pulumi.Input[list[str]] | None = None  # None: the cluster's zones
    identity_depends_on: list[pulumi.Resource] = field(default_factory=list)  # before the service account
    # Before the node pool, beyond its own service account grants: e.g. the disk key and its agent grants.
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class GpuPool(pulumi.ComponentResource):
    scheduling: PoolScheduling
    node_pool: gcp.container.NodePool
    service_account: gcp.serviceaccount.Account

    def __init__(self, name_: str, args: GpuPoolArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        spec, key = args.spec, args.spec.key
        self.scheduling = sched = scheduling(spec)

        self.service_account, grants = node_identity(
            self, args.service_account_id, args.service_account_id,
            args.service_account_display_name or f"GKE GPU pool {key}", args.project, args.identity_depends_on)
        node_config = {
            **secure_node_config(args.labels, self.service_account.email, args.disk_key, key),
            "machine_type": spec.shape.name,
            "guest_accelerators": [{
                "type": sched.extra_labels[ACCELERATOR_LABEL], "count": spec.gpus_per_node,
                "gpu_driver_installation_config": {"gpu_driver_version": DRIVER_VERSION}}],
            "spot": spec.spot,
            "disk_type": DISK_TYPE,
            "disk_size_gb": coldstart.node_disk_gb(spec.disk_size_gb, spec.shape.gpu_memory_gib),
            "gcfs_config": {"enabled": True},
            "gvnic": {"enabled": True},  # required by A3, faster for every GPU family
            "labels": settable_labels(sched.labels),
            "taints": [sched.taint.gcp],
        }
        logical = f"{args.prefix}-{key}" if args.prefix else args.name
        aliases = [pulumi.Alias(name=old.format(z=args.prefix, key=key), parent=self)
                   for old in PREVIOUS_NAMES] if args.prefix else []
        placement = {} if args.node_locations is None else {"node_locations": args.node_locations}
        self.node_pool = gcp.container.NodePool(
            logical, name=args.name, project=args.project, location=args.location,
            cluster=args.cluster_name, initial_node_count=0, max_pods_per_node=MAX_PODS_PER_NODE,
            autoscaling={"total_min_node_count": spec.min_nodes, "total_max_node_count": spec.max_nodes,
                         "location_policy": "ANY"},
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"strategy": "SURGE", "max_surge": 0, "max_unavailable": 1},
            node_config=node_config,
            **placement,
            # initialNodeCount forces a new pool and the provider reads it back from GKE, where resizes can
            # move it: only the creation value matters (the autoscaler owns the size).
            opts=child(self, depends_on=[*grants, *args.depends_on], ignore_changes=["initialNodeCount"],
                       aliases=aliases))
        self.register_outputs({"nodePool": self.node_pool.name, "machineType": spec.shape.name,
                               "accelerator": sched.extra_labels[ACCELERATOR_LABEL]})
