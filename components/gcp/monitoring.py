"""ServingMonitoring (GCP): the zone's serving signals in Google Cloud Managed Service for Prometheus (GMP).

- Collection: GKE's managed collection (``monitoring_config.managed_prometheus``, components/gcp/cluster.py)
  scrapes what ``PodMonitoring`` objects select: one per serving namespace for vLLM. GPU metrics come from
  GKE's managed DCGM and kube-state-metrics from GKE's workload metrics packages (both enabled in cluster.py;
  the workload packages only in prod). Samples are stored in Cloud Monitoring (Google-managed encryption:
  Monarch takes no customer-managed key) and reached from the cluster through Private Google Access.
- Rules: the recording rules run in GMP's managed rule evaluator (one ``ClusterRules`` object); the alerting
  rules become Cloud Monitoring alert policies with PromQL conditions, notifying the budget's notification
  channels (components/gcp/budget.py): the people the budget names. Without a budget the policies have no
  channel (they still open incidents in the console).
- Autoscaling: KEDA (components/k8s/keda.py) queries GMP's Prometheus API with GKE Workload Identity (a service
  account with ``roles/monitoring.viewer``, bound to keda-operator only), each query limited to this cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp
from pulumi_kubernetes.apiextensions import CustomResource

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s import keda
from llmops_landing_zone.components.k8s.meta import labels, metadata
from llmops_landing_zone.components.observability.rules import seconds
from llmops_landing_zone.components.observability.scaling import ScaledEndpoint

TYPE = "llmops:gcp:ServingMonitoring"
SCRAPER_NAMESPACE = "gmp-system"  # GMP's managed collectors
WI_ANNOTATION = "iam.gke.io/gcp-service-account"
SEVERITY = {"page": "CRITICAL", "ticket": "ERROR", "info": "WARNING"}
EVALUATION = "60s"


def query_endpoint(project: str) -> str:
    """GMP's Prometheus-compatible query API (KEDA appends /api/v1/query)."""
    return f"https://monitoring.googleapis.com/v1/projects/{project}/location/global/prometheus"


def recording_groups(rule_file: dict[str, Any]) -> list[dict[str, Any]]:
    """The recording rules of each group, in the ClusterRules schema (alerts are alert policies instead)."""
    out = []
    for g in rule_file["groups"]:
        rules = [{"record": r["record"], "expr": r["expr"], "labels": r.get("labels", {})}
                 for r in g["rules"] if "record" in r]
        if rules:
            out.append({"name": g["name"], "interval": EVALUATION, "rules": rules})
    return out


def alert_policy_args(group: str, rule: dict[str, Any], channels: list[pulumi.Input[str]]) -> dict[str, Any]:
    lbls = rule["labels"]
    condition: dict[str, Any] = {"query": rule["expr"], "evaluation_interval": EVALUATION, "labels": lbls,
                                 "rule_group": group, "alert_rule": rule["alert"]}
    if "for" in rule:
        condition["duration"] = f"{seconds(rule['for'])}s"
    return {
        "display_name": f"{group}: {rule['alert']} ({lbls['severity']})", "combiner": "OR",
        "severity": SEVERITY[lbls["severity"]], "notification_channels": channels,
        "conditions": [{"display_name": rule["annotations"]["summary"],
                        "condition_prometheus_query_language": condition}],
        "documentation": {"content": rule["annotations"]["description"], "mime_type": "text/markdown",
                          "subject": rule["annotations"]["summary"]},
        "user_labels": {k: v for k, v in lbls.items() if k in ("endpoint", "severity", "category")},
    }


@dataclass
class ServingMonitoringArgs:
    project: str
    prefix: str  # the zone's name
    cluster_name: str
    service_account_id: str  # KEDA's Google service account (6-30 characters)
    rule_file: dict[str, Any]
    endpoints: list[ScaledEndpoint]
    k8s_provider: pulumi.ProviderResource
    notification_channels: list[pulumi.Input[str]] = field(default_factory=list)  # the budget's channels
    labels: dict[str, str] = field(default_factory=dict)
    api_depends_on: list[pulumi.Resource] = field(default_factory=list)  # the monitoring and IAM APIs
    gateway: bool = False  # scrape the AI gateway's proxies (components/k8s/gateway.py)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before in-cluster objects


def pod_monitoring(logical: str, name: str, app: str, port: str, namespace: str,
                   opts: pulumi.ResourceOptions) -> CustomResource:
    """A GMP PodMonitoring ``name`` scraping ``/metrics`` on ``port`` of the pods labelled
    ``app.kubernetes.io/name: <app>`` in ``namespace``, every 30 s."""
    return CustomResource(
        logical, api_version="monitoring.googleapis.com/v1", kind="PodMonitoring",
        metadata=metadata(name, labels(name, name, "pod-monitoring"), namespace),
        spec={"selector": {"matchLabels": {"app.kubernetes.io/name": app}},
              "endpoints": [{"port": port, "path": "/metrics", "interval": "30s"}]},
        opts=opts)


class ServingMonitoring(pulumi.ComponentResource):
    def __init__(self, name_: str, args: ServingMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a, z = args, args.prefix
        k8s = pulumi.ResourceOptions(parent=self, provider=a.k8s_provider, depends_on=a.depends_on)
        namespaces = sorted({e.namespace for e in a.endpoints})
        self.pod_monitorings = [pod_monitoring(f"{z}-vllm-{ns}", "vllm", "vllm", "http", ns, k8s)
                                for ns in namespaces]
        if a.gateway:  # the AI gateway's token usage per team and model
            self.pod_monitorings.append(pod_monitoring(
                f"{z}-ai-gateway", "ai-gateway", ai_gateway.PROXY_APP, ai_gateway.METRICS_PORT_NAME,
                ai_gateway.NAMESPACE, k8s))
        groups = recording_groups(a.rule_file)
        self.rules = CustomResource(
            f"{z}-serving-rules", api_version="monitoring.googleapis.com/v1", kind="ClusterRules",
            metadata=metadata(f"llz-{z}-serving", labels("llz-rules", z, "recording-rules")),
            spec={"groups": groups}, opts=k8s) if groups else None
        self.alert_policies = [
            gcp.monitoring.AlertPolicy(
                f"{g['name']}-{r['alert'].lower()}-{r['labels']['severity']}", project=a.project,
                **alert_policy_args(g["name"], r, a.notification_channels),
                opts=child(self, depends_on=a.api_depends_on))
            for g in a.rule_file["groups"] for r in g["rules"] if "alert" in r]

        self.service_account = gcp.serviceaccount.Account(
            f"{z}-keda", account_id=a.service_account_id, project=a.project,
            display_name=f"{z} KEDA: reads serving metrics", opts=child(self, depends_on=a.api_depends_on))
        viewer = gcp.projects.IAMMember(f"{z}-keda-metrics", project=a.project, role="roles/monitoring.viewer",
                                        member=self.service_account.member, opts=child(self))
        binding = gcp.serviceaccount.IAMMember(
            f"{z}-keda-wi", service_account_id=self.service_account.name, role="roles/iam.workloadIdentityUser",
            member=f"serviceAccount:{a.project}.svc.id.goog[{keda.NAMESPACE}/{keda.OPERATOR_SERVICE_ACCOUNT}]",
            opts=child(self, depends_on=a.depends_on))
        self.keda = keda.Keda(f"{z}-keda", keda.KedaArgs(operator_annotations={WI_ANNOTATION: self.service_account.email}),  # type: ignore[dict-item]
                              pulumi.ResourceOptions(parent=self, provider=a.k8s_provider,
                                                     depends_on=[viewer, binding, *a.depends_on]))
        auth = {ns: keda.trigger_authentication(f"{z}-keda-auth-{ns}", "gcp", ns, self, a.k8s_provider, [self.keda.release])
                for ns in namespaces}
        self.scalers = {
            e.endpoint: keda.EndpointScaler(f"{z}-scaler-{e.endpoint}", keda.EndpointScalerArgs(
                e, server_address=query_endpoint(a.project), provider="gcp", authentication=keda.TRIGGER_AUTH,
                # GMP's API answers for the whole project: only this cluster's series count.
                extra_matchers=f'cluster="{a.cluster_name}"'),
                pulumi.ResourceOptions(parent=self, provider=a.k8s_provider,
                                       depends_on=[self.keda.release, auth[e.namespace]]))
            for e in a.endpoints
        }
        self.register_outputs({"queryEndpoint": query_endpoint(a.project)})
