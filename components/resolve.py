"""Resolve the stack config once into plain values that components take as arguments.

A cloud's ``zone.py`` reads ``ZoneConfig`` and calls these; the components below it (``GpuPool`` on every
cloud) take the resolved values, so they can be used without the zone: a program that has its own cluster
builds a ``PoolSpec`` by hand (or with ``PoolSpec.of_shape``) and passes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.config.models import ZoneConfig


@dataclass(frozen=True)
class PoolSpec:
    """One GPU pool, resolved: the same value on every cloud."""

    key: str  # the pool's config key: part of its names and its llmops.io/pool node label
    shape: catalog.GpuShape  # the node shape (instance type, machine type, VM size) with GPUs, vCPU, memory
    min_nodes: int
    max_nodes: int
    spot: bool = False
    disk_size_gb: int = 200

    def __post_init__(self) -> None:
        if not 0 <= self.min_nodes <= self.max_nodes or self.max_nodes < 1:
            raise ValueError(f"pool {self.key!r}: need 0 <= min_nodes ({self.min_nodes}) <= max_nodes "
                             f"({self.max_nodes}) and max_nodes >= 1")
        if self.shape.service != "compute":
            raise ValueError(f"pool {self.key!r}: {self.shape.name} is a {self.shape.service} shape, not a node")

    @property
    def gpu(self) -> str:
        return self.shape.gpu

    @property
    def gpus_per_node(self) -> int:
        return self.shape.gpus

    @classmethod
    def of_shape(cls, cloud: str, key: str, instance_type: str, min_nodes: int, max_nodes: int,
                 spot: bool = False, disk_size_gb: int = 200) -> PoolSpec:
        """A pool on a catalog shape named by the caller (``g6.xlarge``, ``g2-standard-8``, ...)."""
        shape = catalog.shape_named(cloud, instance_type)
        if shape is None:
            raise ValueError(f"{instance_type!r} is not a {cloud} GPU shape in the catalog")
        return cls(key, shape, min_nodes, max_nodes, spot, disk_size_gb)


def pools(cfg: ZoneConfig) -> dict[str, PoolSpec]:
    """Every GPU pool of the zone (configured, and sized for endpoints without one), resolved once."""
    return {key: PoolSpec(key, sizing.pool_shape(cfg, key), p.min_nodes, p.max_nodes, p.capacity == "spot",
                          p.disk_size_gb)
            for key, p in sizing.effective_pools(cfg).items()}
