"""ServingMonitoring (AWS): the zone's serving signals in Amazon Managed Service for Prometheus (AMP).

- Workspace: encrypted with the zone's data key (AMP uses it through KMS grants, ``kms:ViaService`` aps: see
  components/aws/keys.py), retention ``observability.retentionDays``; reached from the cluster through the
  ``aps-workspaces`` interface endpoint (private DNS), never over the internet.
- Collection: an in-cluster Prometheus agent (components/k8s/prometheus_agent.py: why not AMP's managed scraper)
  remote-writes vLLM, the DCGM exporter and kube-state-metrics (the EKS community add-on) with EKS Pod Identity
  (a role allowed ``aps:RemoteWrite`` on this workspace only).
- Rules: the zone's rule file (components.observability.rules) as one rule groups namespace; AMP's alert manager
  routes every alert to the budget's SNS topic (components/aws/budget.py admits ``aps`` as a publisher), so
  alerts reach the people the budget notifies. Without a budget the rules are evaluated but nothing is routed.
- Autoscaling: KEDA (components/k8s/keda.py) queries the workspace with SigV4 from its operator's Pod Identity
  (a role allowed the query actions on this workspace only) and scales each vLLM endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import yaml

from llmops_landing_zone.components.aws.base import AwsContext, document, pod_identity_trust, statement
from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.k8s import keda
from llmops_landing_zone.components.k8s import prometheus_agent as agent
from llmops_landing_zone.components.k8s.addons import DCGM_EXPORTER
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s.meta import GPU_NAMESPACE
from llmops_landing_zone.components.observability.scaling import ScaledEndpoint

TYPE = "llmops:aws:ServingMonitoring"
SCRAPER_NAMESPACE = agent.NAMESPACE  # the namespace vLLM's NetworkPolicy admits for scraping
KSM_ADDON = "kube-state-metrics"  # EKS community add-on (namespace kube-state-metrics)
QUERY_ACTIONS = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"]
TARGETS = [
    agent.ScrapeTarget("vllm", "vllm", "http"),
    agent.ScrapeTarget("dcgm-exporter", DCGM_EXPORTER, "metrics", (GPU_NAMESPACE,), honor_labels=True),
    agent.ScrapeTarget("kube-state-metrics", "kube-state-metrics", "http", (KSM_ADDON,), honor_labels=True),
]
# The AI gateway's token usage per team and model (gen_ai_client_token_usage ...), when the zone runs it.
GATEWAY_TARGET = agent.ScrapeTarget("ai-gateway", ai_gateway.PROXY_APP, ai_gateway.METRICS_PORT_NAME,
                                    (ai_gateway.NAMESPACE,))


def alert_manager_definition(topic_arn: str, region: str) -> str:
    """AMP's alert manager: every alert to the SNS topic, grouped per alert and endpoint
    (docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-config.html)."""
    config = {
        "route": {"receiver": "budget", "group_by": ["alertname", "endpoint", "severity"],
                  "group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"},
        "receivers": [{"name": "budget", "sns_configs": [{
            "topic_arn": topic_arn, "sigv4": {"region": region},
            "subject": "{{ .CommonLabels.severity }}: {{ .CommonLabels.alertname }} {{ .CommonLabels.endpoint }}",
            "attributes": {"severity": "{{ .CommonLabels.severity }}", "zone": "{{ .CommonLabels.zone }}"}}]}],
    }
    return yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config, sort_keys=False)}, sort_keys=False)


@dataclass
class ServingMonitoringArgs:
    ctx: AwsContext
    prefix: str  # the zone's name
    cluster_name: pulumi.Input[str]
    cluster_arn: str
    key_arn: pulumi.Input[str]  # encrypts the workspace
    retention_days: int
    rule_file: dict[str, Any]  # components.observability.rule_groups(...)
    endpoints: list[ScaledEndpoint]
    k8s_provider: pulumi.ProviderResource
    alert_topic_arn: pulumi.Input[str] | None = None  # the budget's SNS topic
    tags: dict[str, str] = field(default_factory=dict)
    protect: bool = False
    node_selector: dict[str, str] = field(default_factory=dict)  # where the agent runs (system nodes)
    # Install the kube-state-metrics EKS add-on; off on a cluster the zone does not own (its owner runs one).
    kube_state_metrics: bool = True
    gateway: bool = False  # scrape the AI gateway's proxies (components/k8s/gateway.py)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before in-cluster objects


class ServingMonitoring(pulumi.ComponentResource):
    workspace: aws.amp.Workspace

    def __init__(self, name: str, args: ServingMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a, ctx, z = args, args.ctx, args.prefix
        self.workspace = aws.amp.Workspace(
            f"{z}-prometheus", alias=f"{z}-serving", kms_key_arn=a.key_arn, tags=a.tags,
            opts=stateful(a.protect, self))
        aws.amp.WorkspaceConfiguration(f"{z}-prometheus", workspace_id=self.workspace.id,
                                       retention_period_in_days=a.retention_days, opts=child(self))
        self.rules = aws.amp.RuleGroupNamespace(
            f"{z}-serving-rules", name=f"{z}-serving", workspace_id=self.workspace.id,
            data=yaml.safe_dump(a.rule_file, sort_keys=False), opts=child(self))
        self.alert_manager = None if a.alert_topic_arn is None else aws.amp.AlertManagerDefinition(
            f"{z}-alerts", workspace_id=self.workspace.id,
            definition=pulumi.Output.from_input(a.alert_topic_arn).apply(
                lambda arn: alert_manager_definition(arn, ctx.region)),
            opts=child(self))

        self.kube_state_metrics = aws.eks.Addon(
            f"{z}-{KSM_ADDON}", cluster_name=a.cluster_name, addon_name=KSM_ADDON,
            resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="OVERWRITE", tags=a.tags,
            opts=child(self)) if a.kube_state_metrics else None
        k8s = pulumi.ResourceOptions(parent=self, provider=a.k8s_provider)
        writer = self._pod_identity(f"{z}-metrics-writer", "remote-write serving metrics to AMP",
                                    ["aps:RemoteWrite"], agent.NAMESPACE, agent.APP, a)
        endpoint = self.workspace.prometheus_endpoint  # https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/
        self.agent = agent.PrometheusAgent(f"{z}-metrics-agent", agent.PrometheusAgentArgs(
            TARGETS + ([GATEWAY_TARGET] if a.gateway else []), remote_write_url=endpoint.apply(lambda e: f"{e.rstrip('/')}/api/v1/remote_write"),
            region=ctx.region, external_labels={"zone": z}, node_selector=a.node_selector,
            depends_on=[writer, *([self.kube_state_metrics] if self.kube_state_metrics else []), *a.depends_on]), k8s)

        reader = self._pod_identity(f"{z}-keda", "KEDA: query serving metrics in AMP", QUERY_ACTIONS,
                                    keda.NAMESPACE, keda.OPERATOR_SERVICE_ACCOUNT, a)
        self.keda = keda.Keda(f"{z}-keda", keda.KedaArgs(
            values={"nodeSelector": a.node_selector} if a.node_selector else {}),
            pulumi.ResourceOptions(parent=self, provider=a.k8s_provider, depends_on=[reader, *a.depends_on]))
        server = endpoint.apply(lambda e: e.rstrip("/"))
        namespaces = sorted({e.namespace for e in a.endpoints})
        auth = {ns: keda.trigger_authentication(f"{z}-keda-auth-{ns}", "aws", ns, self, a.k8s_provider, [self.keda.release])
                for ns in namespaces}
        self.scalers = {
            e.endpoint: keda.EndpointScaler(f"{z}-scaler-{e.endpoint}", keda.EndpointScalerArgs(
                e, server_address=server, provider="aws", authentication=keda.TRIGGER_AUTH,
                metadata={"awsRegion": ctx.region}),
                pulumi.ResourceOptions(parent=self, provider=a.k8s_provider,
                                       depends_on=[self.keda.release, auth[e.namespace]]))
            for e in a.endpoints
        }
        self.register_outputs({"workspaceId": self.workspace.id, "queryEndpoint": server})

    def _pod_identity(self, role_name: str, what: str, actions: list[str], namespace: str, service_account: str,
                      a: ServingMonitoringArgs) -> aws.eks.PodIdentityAssociation:
        """A role for EKS Pod Identity, trusted only by this cluster, allowed ``actions`` on this workspace."""
        ctx = a.ctx
        role = aws.iam.Role(
            role_name, name=role_name, description=f"{a.prefix}: {what} (EKS Pod Identity)",
            assume_role_policy=pod_identity_trust(ctx, a.cluster_arn),
            tags=a.tags, opts=child(self))
        policy = aws.iam.RolePolicy(
            role_name, name="serving-metrics", role=role.id,
            policy=self.workspace.arn.apply(lambda arn: document(statement("ServingMetrics", actions, arn))),
            opts=child(self))
        return aws.eks.PodIdentityAssociation(
            role_name, cluster_name=a.cluster_name, namespace=namespace, service_account=service_account,
            role_arn=role.arn, tags=a.tags, opts=child(self, depends_on=[policy]))
