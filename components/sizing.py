"""GPU sizing contract used by config validation and every cloud (full model lands with the FinOps issue).

Interim behaviour: a vLLM endpoint takes all GPUs of its pool's node; endpoints must name a pool;
managed endpoints take the cheapest catalog shape of the cloud's serving service.
"""

from __future__ import annotations

from components import catalog
from components.config.models import GpuPoolConfig, ZoneConfig

MANAGED_SERVICE = {"aws": "sagemaker", "gcp": "vertex", "azure": "azureml"}


def config_issues(cfg: ZoneConfig) -> list[tuple[str, str]]:
    return [(f"endpoints.{k}.pool", "a vllm endpoint needs a pool") for k, ep in cfg.endpoints.items()
            if ep.runtime == "vllm" and ep.pool is None]


def effective_pools(cfg: ZoneConfig) -> dict[str, GpuPoolConfig]:
    """Every GPU pool the zone creates: configured ones plus those sized for endpoints without a pool."""
    return dict(cfg.gpu_pools)


def endpoint_pool(cfg: ZoneConfig, endpoint: str) -> str:
    pool = cfg.endpoints[endpoint].pool
    assert pool is not None
    return pool


def replica_gpus(cfg: ZoneConfig, endpoint: str) -> int:
    """GPUs one vLLM replica requests (its tensor-parallel size)."""
    return effective_pools(cfg)[endpoint_pool(cfg, endpoint)].gpus_per_node


def pool_shape(cfg: ZoneConfig, pool: str) -> catalog.GpuShape:
    p = effective_pools(cfg)[pool]
    shape = catalog.shape_named(cfg.cloud, p.instance_type) if p.instance_type else \
        catalog.shape_for(cfg.cloud, p.gpu, p.gpus_per_node)
    assert shape is not None, "config validation guarantees a shape"
    return shape


def managed_shape(cfg: ZoneConfig, endpoint: str) -> catalog.GpuShape:
    service = MANAGED_SERVICE[cfg.cloud]
    ep = cfg.endpoints[endpoint]
    options = catalog.shapes(cfg.cloud, service) or catalog.shapes(cfg.cloud)
    if ep.instance_type:
        return next(s for s in options if s.name == ep.instance_type)
    return min(options, key=lambda s: s.usd_per_hour)
