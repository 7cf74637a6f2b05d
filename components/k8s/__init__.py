"""The in-cluster Kubernetes layer shared by every cloud: GPU node agents, vLLM endpoints, team namespaces.

    from llmops_landing_zone.components.k8s import ClusterAddons, EndpointSpec, VllmEndpoint, VllmEndpointArgs, TeamNamespace, TeamNamespaceArgs

Each cloud creates a ``pulumi_kubernetes.Provider`` from its cluster and passes it (with ``parent``) in
``opts``. Exports load lazily: ``components.k8s.scheduling`` (used by config checks and node pools) must not
pull in the Kubernetes SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmops_landing_zone.components.lazy import exports

_EXPORTS = {
    "ClusterAddons": "llmops_landing_zone.components.k8s.addons",
    "EndpointSpec": "llmops_landing_zone.components.resolve",
    "VllmEndpoint": "llmops_landing_zone.components.k8s.vllm",
    "VllmEndpointArgs": "llmops_landing_zone.components.k8s.vllm",
    "TeamNamespace": "llmops_landing_zone.components.k8s.team",
    "TeamNamespaceArgs": "llmops_landing_zone.components.k8s.team",
    "service_account_name": "llmops_landing_zone.components.k8s.vllm",
    "canary_args": "llmops_landing_zone.components.k8s.vllm",
    "canary_service_name": "llmops_landing_zone.components.k8s.vllm",
    "GPU_NAMESPACE": "llmops_landing_zone.components.k8s.meta",
    "SERVING_NAMESPACE": "llmops_landing_zone.components.k8s.meta",
    "INGRESS_NAMESPACE": "llmops_landing_zone.components.k8s.meta",
}

__all__ = [
    "GPU_NAMESPACE", "INGRESS_NAMESPACE", "SERVING_NAMESPACE", "ClusterAddons", "EndpointSpec", "TeamNamespace",
    "TeamNamespaceArgs", "VllmEndpoint", "VllmEndpointArgs", "canary_args", "canary_service_name",
    "service_account_name",
]

if TYPE_CHECKING:
    from llmops_landing_zone.components.k8s.addons import ClusterAddons
    from llmops_landing_zone.components.k8s.meta import GPU_NAMESPACE, INGRESS_NAMESPACE, SERVING_NAMESPACE
    from llmops_landing_zone.components.k8s.team import TeamNamespace, TeamNamespaceArgs
    from llmops_landing_zone.components.k8s.vllm import (
        VllmEndpoint,
        VllmEndpointArgs,
        canary_args,
        canary_service_name,
        service_account_name,
    )
    from llmops_landing_zone.components.resolve import EndpointSpec


__getattr__ = exports(__name__, _EXPORTS)
