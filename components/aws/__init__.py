"""AWS components a program with its own EKS cluster can use, without the landing zone or its config.

    from llmops_landing_zone.components.aws import GpuPool, GpuPoolArgs, PoolSpec, kubeconfig

``GpuPool`` adds a GPU managed node group to an EKS cluster from a ``PoolSpec`` (a catalog shape and its
bounds) and tags its Auto Scaling group for that cluster's Cluster Autoscaler; ``GpuPool(...).scheduling``
is what serving pods (``components.k8s.VllmEndpoint``) are placed by. ``kubeconfig`` renders an exec-auth
kubeconfig (``aws eks get-token``) for a ``pulumi_kubernetes.Provider``. Exports load lazily (PEP 562): config
validation imports ``components.aws.checks`` and must not pull in ``pulumi_aws``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_landing_zone.components.lazy import exports

_EXPORTS = {
    "GpuPool": "llmops_landing_zone.components.aws.gpu_pool",
    "GpuPoolArgs": "llmops_landing_zone.components.aws.gpu_pool",
    "scheduling": "llmops_landing_zone.components.aws.gpu_pool",
    "owner_tag": "llmops_landing_zone.components.aws.gpu_pool",
    "discovery_tags": "llmops_landing_zone.components.aws.gpu_pool",
    "kubeconfig": "llmops_landing_zone.components.aws.cluster",
    "PoolSpec": "llmops_landing_zone.components.resolve",
}

__all__ = ["GpuPool", "GpuPoolArgs", "PoolSpec", "discovery_tags", "kubeconfig", "owner_tag", "scheduling"]

if TYPE_CHECKING:
    from llmops_landing_zone.components.aws.cluster import kubeconfig
    from llmops_landing_zone.components.aws.gpu_pool import GpuPool, GpuPoolArgs, discovery_tags, owner_tag, scheduling
    from llmops_landing_zone.components.resolve import PoolSpec


__getattr__ = exports(__name__, _EXPORTS)
