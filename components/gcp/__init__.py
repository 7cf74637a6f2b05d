"""GCP components a program with its own GKE cluster can use, without the landing zone or its config.

    from llmops_landing_zone.components.gcp import GpuPool, GpuPoolArgs, PoolSpec, kubeconfig

``GpuPool`` adds a GPU node pool (with its own node service account, CMEK boot disks, GKE-installed driver)
to a GKE cluster from a ``PoolSpec`` (a catalog shape and its bounds); ``GpuPool(...).scheduling`` is what
serving pods (``components.k8s.VllmEndpoint``) are placed by. ``kubeconfig`` renders a kubeconfig that
authenticates through ``gke-gcloud-auth-plugin``, for a ``pulumi_kubernetes.Provider``. Exports load lazily
(PEP 562): config validation imports ``components.gcp.checks`` and must not pull in ``pulumi_gcp``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_landing_zone.components.lazy import exports

_EXPORTS = {
    "GpuPool": "llmops_landing_zone.components.gcp.gpu_pool",
    "GpuPoolArgs": "llmops_landing_zone.components.gcp.gpu_pool",
    "scheduling": "llmops_landing_zone.components.gcp.gpu_pool",
    "ACCELERATOR_LABEL": "llmops_landing_zone.components.gcp.gpu_pool",
    "kubeconfig": "llmops_landing_zone.components.gcp.cluster",
    "PoolSpec": "llmops_landing_zone.components.resolve",
}

__all__ = ["ACCELERATOR_LABEL", "GpuPool", "GpuPoolArgs", "PoolSpec", "kubeconfig", "scheduling"]

if TYPE_CHECKING:
    from llmops_landing_zone.components.gcp.cluster import kubeconfig
    from llmops_landing_zone.components.gcp.gpu_pool import ACCELERATOR_LABEL, GpuPool, GpuPoolArgs, scheduling
    from llmops_landing_zone.components.resolve import PoolSpec


__getattr__ = exports(__name__, _EXPORTS)
