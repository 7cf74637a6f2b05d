"""KEDA: autoscaling of vLLM endpoints on their own signals, read from the cloud's managed Prometheus.

``Keda`` installs the operator (Helm chart pinned in components/k8s/images.py, namespace ``keda``); the cloud
component gives the operator's service account its workload identity (EKS Pod Identity association, GKE
Workload Identity annotation, Azure workload identity values) and the right to query the managed Prometheus.
``EndpointScaler`` registers one ScaledObject per vLLM endpoint with the triggers of
``components.observability.scaling`` and a TriggerAuthentication naming the cloud's identity provider
(``aws`` signs with SigV4, ``gcp`` sends a Google token, ``azure-workload`` an Entra token), as in KEDA's
managed-Prometheus end-to-end tests (kedacore/keda tests/scalers/{aws,gcp,azure}/*managed_prometheus*).

KEDA creates and owns the HPA of each ScaledObject (named after the endpoint), so the endpoint's own CPU HPA
(components/k8s/vllm.py) is not created when this scaler is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.helm import v3 as helm

from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import labels, metadata, pod_security_labels
from llmops_landing_zone.components.observability.rules import Labels
from llmops_landing_zone.components.observability.scaling import COOLDOWN_SECONDS, POLLING_SECONDS, ScaledEndpoint

TYPE = "llmops:k8s:Keda"
SCALER_TYPE = "llmops:k8s:EndpointScaler"
NAMESPACE = "keda"
OPERATOR_SERVICE_ACCOUNT = "keda-operator"  # the chart's default name (serviceAccount.operator.name)
API_VERSION = "keda.sh/v1alpha1"
TRIGGER_AUTH = "managed-prometheus"
PROVIDERS = ("aws", "gcp", "azure-workload")  # KEDA podIdentity.provider values

# The same pace as the CPU HPA it replaces: add up to two replicas a minute, remove one per 5 minutes after
# 10 quiet ones (a GPU replica takes minutes to start and costs dollars an hour).
BEHAVIOR: dict[str, Any] = {
    "scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]},
    "scaleDown": {"stabilizationWindowSeconds": 600,
                  "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}]},
}


@dataclass
class KedaArgs:
    operator_annotations: dict[str, str] = field(default_factory=dict)  # e.g. the GKE Workload Identity GSA
    operator_pod_labels: dict[str, str] = field(default_factory=dict)  # e.g. azure.workload.identity/use
    values: dict[str, Any] = field(default_factory=dict)  # further chart values (merged at the top level)
    chart: images.Chart = images.KEDA_CHART


def chart_values(a: KedaArgs) -> dict[str, Any]:
    values: dict[str, Any] = {
        "serviceAccount": {"operator": {"create": True, "name": OPERATOR_SERVICE_ACCOUNT,
                                        **({"annotations": a.operator_annotations} if a.operator_annotations
                                           else {})}},
        # Metrics server and webhooks run as in the chart's defaults (non-root, read-only root filesystem).
        "resources": {"operator": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                   "limits": {"cpu": "1", "memory": "1000Mi"}}},
    }
    if a.operator_pod_labels:
        values["podLabels"] = {"keda": a.operator_pod_labels}
    return {**values, **a.values}


class Keda(pulumi.ComponentResource):
    """The KEDA operator, its metrics API server and admission webhooks, in namespace ``keda``."""

    def __init__(self, name: str, args: KedaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        chart = args.chart
        self.namespace = core.Namespace(
            f"{name}-ns", metadata=metadata(NAMESPACE, {**labels("keda", name, "namespace"),
                                                         **pod_security_labels("restricted")}),
            opts=pulumi.ResourceOptions(parent=self))
        self.release = helm.Release(
            f"{name}-release", name="keda", chart=chart.name, version=chart.version,
            repository_opts=helm.RepositoryOptsArgs(repo=chart.repository),
            namespace=self.namespace.metadata.name, values=chart_values(args),
            # The CRDs come with the chart; a failed install is rolled back rather than left half applied.
            atomic=True, cleanup_on_fail=True, timeout=600,
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"chart": chart.ref})


@dataclass
class EndpointScalerArgs:
    endpoint: ScaledEndpoint
    server_address: pulumi.Input[str]  # the managed Prometheus' query base URL (KEDA appends /api/v1/query)
    provider: str  # aws | gcp | azure-workload
    authentication: pulumi.Input[str]  # the TriggerAuthentication's name
    metadata: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # e.g. awsRegion
    labels: Labels = field(default_factory=Labels)
    extra_matchers: str = ""  # e.g. cluster="<name>" where the Prometheus holds several clusters


def trigger_authentication(name: str, provider: str, namespace: str, parent: pulumi.Resource,
                           k8s_provider: pulumi.ProviderResource, depends_on: list[pulumi.Resource],
                           identity_id: pulumi.Input[str] | None = None) -> CustomResource:
    """One per serving namespace: the operator's own identity (``identityOwner`` keda) queries Prometheus."""
    if provider not in PROVIDERS:
        raise ValueError(f"KEDA pod identity provider {provider!r} is not one of {', '.join(PROVIDERS)}")
    identity: dict[str, Any] = {"provider": provider}
    if identity_id is not None:
        identity["identityId"] = identity_id
    return CustomResource(
        name, api_version=API_VERSION, kind="TriggerAuthentication",
        metadata=metadata(TRIGGER_AUTH, labels("keda", TRIGGER_AUTH, "trigger-authentication"), namespace),
        spec={"podIdentity": identity},
        opts=pulumi.ResourceOptions(parent=parent, provider=k8s_provider, depends_on=depends_on))


def scaled_object_spec(a: EndpointScalerArgs) -> dict[str, Any]:
    ep = a.endpoint
    triggers = [{
        "type": "prometheus", "name": trigger, "metricType": "AverageValue",
        "authenticationRef": {"name": a.authentication},
        "metadata": {"serverAddress": a.server_address, "query": query, "threshold": str(threshold),
                     # Active (scaled from 0 to 1) as soon as one request waits or runs.
                     "activationThreshold": "0", "ignoreNullValues": "true", **a.metadata},
    } for trigger, query, threshold in ep.triggers(a.labels, a.extra_matchers)]
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ep.endpoint},
        "minReplicaCount": ep.replicas_min, "maxReplicaCount": ep.replicas_max,
        "pollingInterval": POLLING_SECONDS, "cooldownPeriod": COOLDOWN_SECONDS,
        "advanced": {"horizontalPodAutoscalerConfig": {"name": ep.endpoint, "behavior": BEHAVIOR}},
        "triggers": triggers,
    }


class EndpointScaler(pulumi.ComponentResource):
    """The ScaledObject of one vLLM endpoint (KEDA then owns the endpoint's HPA)."""

    def __init__(self, name: str, args: EndpointScalerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SCALER_TYPE, name, None, opts)
        ep = args.endpoint
        self.scaled_object = CustomResource(
            f"{name}-scaledobject", api_version=API_VERSION, kind="ScaledObject",
            metadata=metadata(ep.endpoint, labels("vllm", ep.endpoint, "autoscaler"), ep.namespace),
            spec=scaled_object_spec(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None))
        self.register_outputs({"endpoint": ep.endpoint})
