"""The in-cluster Kubernetes layer shared by every cloud: GPU node agents, vLLM endpoints, team namespaces.

    from components.k8s import ClusterAddons, VllmEndpoint, VllmEndpointArgs, TeamNamespace, TeamNamespaceArgs

Each cloud creates a ``pulumi_kubernetes.Provider`` from its cluster and passes it (with ``parent``) in
``opts``. Exports load lazily: ``components.k8s.scheduling`` (used by config checks and node pools) must not
pull in the Kubernetes SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.lazy import exports

_EXPORTS = {
    "ClusterAddons": "components.k8s.addons",
    "VllmEndpoint": "components.k8s.vllm",
    "VllmEndpointArgs": "components.k8s.vllm",
    "TeamNamespace": "components.k8s.team",
    "TeamNamespaceArgs": "components.k8s.team",
    "service_account_name": "components.k8s.vllm",
    "GPU_NAMESPACE": "components.k8s.meta",
    "SERVING_NAMESPACE": "components.k8s.meta",
    "INGRESS_NAMESPACE": "components.k8s.meta",
}

__all__ = [
    "GPU_NAMESPACE", "INGRESS_NAMESPACE", "SERVING_NAMESPACE", "ClusterAddons", "TeamNamespace",
    "TeamNamespaceArgs", "VllmEndpoint", "VllmEndpointArgs", "service_account_name",
]

if TYPE_CHECKING:
    from components.k8s.addons import ClusterAddons
    from components.k8s.meta import GPU_NAMESPACE, INGRESS_NAMESPACE, SERVING_NAMESPACE
    from components.k8s.team import TeamNamespace, TeamNamespaceArgs
    from components.k8s.vllm import VllmEndpoint, VllmEndpointArgs, service_account_name


__getattr__ = exports(__name__, _EXPORTS)
