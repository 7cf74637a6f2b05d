"""The OS disk of an AKS GPU node (light module, no provider SDK: config validation reads it too).

Ephemeral where the node disk (``coldstart.node_disk_gb``) fits the VM's local cache or temp disk
(``catalog.local_disk``): images unpack on local SSD instead of a network disk, the disk costs nothing beyond the
VM and nodes reimage faster. Otherwise a managed Premium SSD of at least a P30, and the reason, naming the key
that sizes it. containerd keeps its data on the OS disk (``kubeletDiskType`` left at OS): on NC A100 v4 the temp
disk is smaller than the cache disk (64 vs 256 GiB), and an ephemeral OS disk is already local.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmops_landing_zone.components import catalog, coldstart

# Premium SSD OS disks get their throughput from their size tier (P30, 1 TiB: 200 MB/s; P40, 2 TiB: 250 MB/s;
# learn.microsoft.com "Azure managed disk types"): a managed GPU node disk is at least a P30.
MIN_OS_DISK_GB = 1024


@dataclass(frozen=True)
class OsDisk:
    type: str  # Ephemeral | Managed (AKS osDiskType; it cannot change after the pool is created)
    size_gb: int
    fallback: str = ""  # why a shape with local disks still gets a managed disk


def os_disk(key: str, shape: catalog.GpuShape, disk_size_gb: int) -> OsDisk:
    """Ephemeral when the node disk fits the shape's local storage, else a managed Premium SSD (and why)."""
    need = coldstart.node_disk_gb(disk_size_gb, shape.gpu_memory_gib)
    local = catalog.local_disk("azure", shape.name)
    if local is not None and need <= local.ephemeral_os_gib:
        return OsDisk("Ephemeral", need)
    why = "" if local is None else (
        f"pool '{key}' needs a {need} GB node disk (the image twice, a checkpoint of the node's GPU memory, the "
        f"system; never below diskSizeGb), more than the {local.ephemeral_os_gib} GiB of local disk an ephemeral "
        f"OS disk can use on {shape.name}: it gets a managed Premium SSD OS disk instead (slower image unpack, "
        f"billed per node)")
    return OsDisk("Managed", max(MIN_OS_DISK_GB, need), why)
