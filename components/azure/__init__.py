"""Azure components a program with its own AKS cluster can use, without the landing zone or its config.

    from llmops_landing_zone.components.azure import GpuPool, GpuPoolArgs, PoolSpec, kubeconfig_text

``GpuPool`` adds a GPU user agent pool (AKS-installed driver, host encryption, Spot when the spec says so) to
an AKS cluster from a ``PoolSpec`` (a catalog shape and its bounds); ``GpuPool(...).scheduling`` is what
serving pods (``components.k8s.VllmEndpoint``) are placed by. ``kubeconfig_text`` decodes the kubeconfig of
``list_managed_cluster_user_credentials`` for a ``pulumi_kubernetes.Provider``. Exports load lazily (PEP 562):
config validation imports ``components.azure.checks`` and must not pull in ``pulumi_azure_native``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_landing_zone.components.lazy import exports

_EXPORTS = {
    "GpuPool": "llmops_landing_zone.components.azure.gpu_pool",
    "GpuPoolArgs": "llmops_landing_zone.components.azure.gpu_pool",
    "scheduling": "llmops_landing_zone.components.azure.gpu_pool",
    "AKS_SPOT_TAINT": "llmops_landing_zone.components.azure.gpu_pool",
    "kubeconfig_text": "llmops_landing_zone.components.azure.cluster",
    "PoolSpec": "llmops_landing_zone.components.resolve",
}

__all__ = ["AKS_SPOT_TAINT", "GpuPool", "GpuPoolArgs", "PoolSpec", "kubeconfig_text", "scheduling"]

if TYPE_CHECKING:
    from llmops_landing_zone.components.azure.cluster import kubeconfig_text
    from llmops_landing_zone.components.azure.gpu_pool import AKS_SPOT_TAINT, GpuPool, GpuPoolArgs, scheduling
    from llmops_landing_zone.components.resolve import PoolSpec


__getattr__ = exports(__name__, _EXPORTS)
