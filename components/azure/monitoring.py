"""ServingMonitoring (Azure): the zone's serving signals in Azure Monitor managed Prometheus.

- Azure Monitor workspace (Microsoft-managed encryption: the service offers no customer-managed key) with a
  data collection endpoint, a Prometheus data collection rule and both associations to the AKS cluster; the
  cluster's metrics add-on (``azureMonitorProfile.metrics``, components/azure/cluster.py) runs the collector
  (ama-metrics, kube-system) with its default targets, kube-state-metrics among them.
- Scraping: ``PodMonitor`` objects (azmonitoring.coreos.com/v1, the add-on's copy of prometheus-operator's
  schema) for vLLM in the serving namespace and the DCGM exporter (``honorLabels``: the namespace and pod of
  the GPU's workload) in gpu-system.
- Rules: one ``PrometheusRuleGroup`` per group of the zone's rule file, scoped to the workspace and the cluster,
  every alert routed to the budget's action group (components/azure/budget.py): the budget's people.
- Autoscaling: KEDA (components/k8s/keda.py) with Azure workload identity (a user-assigned identity federated
  with keda-operator, Monitoring Data Reader on this workspace) queries the workspace's query endpoint.

Private (with ``network``): ingestion and queries stay on the VNet.

- Ingestion: an Azure Monitor Private Link Scope (AMPLS) holds the data collection endpoint and the audit Log
  Analytics workspace; its private endpoint (``azuremonitor``) sits in the endpoints subnet with the five DNS
  zones Azure Monitor needs (the blob zone is shared with the storage endpoints). Ingestion and query access
  modes are ``PrivateOnly``: from the VNet, only resources in the scope are reachable. The endpoint refuses
  public traffic (learn.microsoft.com/azure/azure-monitor/essentials/private-link-data-ingestion, "Private link
  ingestion from a private AKS cluster").
- Queries: the workspace has public network access disabled and its own private endpoint (``prometheusMetrics``,
  zone ``privatelink.<region>.prometheus.monitor.azure.com``), so KEDA's query endpoint resolves to a VNet
  address (learn.microsoft.com/azure/azure-monitor/essentials/azure-monitor-workspace-private-endpoint).
  Prometheus rule groups are evaluated by Azure Monitor itself and are unaffected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azure_native as azure
from pulumi_kubernetes.apiextensions import CustomResource

from llmops_landing_zone.components.azure.base import AzureContext, grant
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s import keda
from llmops_landing_zone.components.k8s.addons import DCGM_EXPORTER
from llmops_landing_zone.components.k8s.meta import GPU_NAMESPACE, labels, metadata
from llmops_landing_zone.components.naming import name
from llmops_landing_zone.components.observability.rules import seconds
from llmops_landing_zone.components.observability.scaling import ScaledEndpoint

TYPE = "llmops:azure:ServingMonitoring"
SCRAPER_NAMESPACE = "kube-system"  # ama-metrics, the add-on's collector
STREAM = "Microsoft-PrometheusMetrics"
DESTINATION = "MonitoringAccount1"
SEVERITY = {"page": 1, "ticket": 2, "info": 3}  # Azure alert severity: 0 critical .. 4 verbose
TOKEN_AUDIENCE = "api://AzureADTokenExchange"


def iso_duration(window: str) -> str:
    """``"10m"`` -> ``"PT10M"`` (the rule group API takes ISO 8601 durations)."""
    s = seconds(window)
    return f"PT{s // 3600}H" if s % 3600 == 0 else f"PT{s // 60}M"


def rule_args(rule: dict[str, Any], action_group_id: pulumi.Input[str] | None) -> dict[str, Any]:
    if "record" in rule:
        return {"record": rule["record"], "expression": rule["expr"], "labels": rule.get("labels"), "enabled": True}
    out: dict[str, Any] = {
        "alert": rule["alert"], "expression": rule["expr"], "labels": rule["labels"],
        "annotations": rule["annotations"], "severity": SEVERITY[rule["labels"]["severity"]], "enabled": True,
        "resolve_configuration": {"auto_resolved": True, "time_to_resolve": "PT10M"},
        "actions": [{"action_group_id": action_group_id}] if action_group_id is not None else [],
    }
    if "for" in rule:
        out["for_"] = iso_duration(rule["for"])
    return out


@dataclass
class ServingMonitoringArgs:
    ctx: AzureContext
    prefix: str  # the zone's name
    resource_group: pulumi.Input[str]
    cluster_id: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    rule_file: dict[str, Any]
    endpoints: list[ScaledEndpoint]
    k8s_provider: pulumi.ProviderResource
    action_group_id: pulumi.Input[str] | None = None  # the budget's action group
    network: Network | None = None  # private ingestion and queries through its endpoints subnet (None: public)
    log_workspace_id: pulumi.Input[str] | None = None  # the audit Log Analytics workspace, scoped with the DCE
    tags: dict[str, str] = field(default_factory=dict)
    protect: bool = False
    gateway: bool = False  # scrape the AI gateway's proxies (components/k8s/gateway.py)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before in-cluster objects


class ServingMonitoring(pulumi.ComponentResource):
    workspace: azure.monitor.AzureMonitorWorkspace

    def __init__(self, name_: str, args: ServingMonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a, ctx, z = args, args.ctx, args.prefix
        where = {"resource_group_name": a.resource_group, "location": ctx.location, "tags": a.tags}
        public = "Enabled" if a.network is None else "Disabled"
        self.workspace = azure.monitor.AzureMonitorWorkspace(
            name(z, "prometheus"), azure_monitor_workspace_name=name(z, "prometheus"),
            public_network_access=public, **where,
            opts=stateful(a.protect, self))
        dce = azure.monitor.DataCollectionEndpoint(
            name(z, "prometheus-dce"), data_collection_endpoint_name=name(z, "prometheus"), kind="Linux",
            network_acls={"public_network_access": public}, **where, opts=child(self))
        self.dce = dce  # also the ingestion endpoint of the gateway's access records (gateway_logs.py)
        self.private: list[pulumi.Resource] = self._private_link(a, dce) if a.network is not None else []
        private = self.private
        dcr = azure.monitor.DataCollectionRule(
            name(z, "prometheus-dcr"), data_collection_rule_name=name(z, "prometheus"), kind="Linux",
            data_collection_endpoint_id=dce.id,
            data_sources={"prometheus_forwarder": [{"name": "PrometheusDataSource", "streams": [STREAM],
                                                    "label_include_filter": {}}]},
            destinations={"monitoring_accounts": [{"account_resource_id": self.workspace.id, "name": DESTINATION}]},
            data_flows=[{"destinations": [DESTINATION], "streams": [STREAM]}], **where, opts=child(self))
        # Names the metrics add-on looks for (learn.microsoft.com/azure/azure-monitor/containers/
        # kubernetes-monitoring-enable, "Resource Manager template").
        azure.monitor.DataCollectionRuleAssociation(
            name(z, "prometheus-dcra"), association_name="ContainerInsightsMetricsExtension",
            resource_uri=a.cluster_id, data_collection_rule_id=dcr.id, opts=child(self))
        azure.monitor.DataCollectionRuleAssociation(
            name(z, "prometheus-dcea"), association_name="configurationAccessEndpoint",
            resource_uri=a.cluster_id, data_collection_endpoint_id=dce.id, opts=child(self))

        self.rule_groups = [azure.alertsmanagement.PrometheusRuleGroup(
            group["name"], rule_group_name=group["name"], cluster_name=a.cluster_name,
            scopes=[self.workspace.id, a.cluster_id], interval="PT1M", enabled=True,
            description=f"{z}: serving SLO and GPU rules (components/observability/rules.py)",
            rules=[rule_args(r, a.action_group_id) for r in group["rules"]], **where, opts=child(self))
            for group in a.rule_file["groups"]]

        k8s = pulumi.ResourceOptions(parent=self, provider=a.k8s_provider, depends_on=[*a.depends_on, *private])
        namespaces = sorted({e.namespace for e in a.endpoints})
        for ns in namespaces:
            self._pod_monitor(f"{z}-vllm-{ns}", "vllm", ns, "http", False, k8s)
        self._pod_monitor(f"{z}-dcgm", DCGM_EXPORTER, GPU_NAMESPACE, "metrics", True, k8s)
        if a.gateway:  # the AI gateway's token usage per team and model
            self._pod_monitor(f"{z}-ai-gateway", ai_gateway.PROXY_APP, ai_gateway.NAMESPACE,
                              ai_gateway.METRICS_PORT_NAME, False, k8s)

        self.identity = azure.managedidentity.UserAssignedIdentity(
            name(z, "keda-id"), resource_name_=name(z, "keda"), resource_group_name=a.resource_group,
            location=ctx.location, tags=a.tags, opts=child(self))
        federation = azure.managedidentity.FederatedIdentityCredential(
            name(z, "keda-fic"), federated_identity_credential_resource_name=name(z, "keda"),
            resource_name_=self.identity.name, resource_group_name=a.resource_group, issuer=a.oidc_issuer_url,
            subject=f"system:serviceaccount:{keda.NAMESPACE}:{keda.OPERATOR_SERVICE_ACCOUNT}",
            audiences=[TOKEN_AUDIENCE], opts=child(self))
        reader = grant(name(z, "keda-metrics"), ctx, scope=self.workspace.id, role="Monitoring Data Reader",
                       principal_id=self.identity.principal_id, parent=self)
        self.keda = keda.Keda(f"{z}-keda", keda.KedaArgs(values={"podIdentity": {"azureWorkload": {
            "enabled": True, "clientId": self.identity.client_id, "tenantId": ctx.tenant_id}}}),
            pulumi.ResourceOptions(parent=self, provider=a.k8s_provider,
                                   depends_on=[federation, reader, *a.depends_on, *private]))
        auth = {ns: keda.trigger_authentication(f"{z}-keda-auth-{ns}", "azure-workload", ns, self,
                                                a.k8s_provider, [self.keda.release], identity_id=self.identity.client_id)
                for ns in namespaces}
        server = self.workspace.metrics.apply(lambda m: m.prometheus_query_endpoint)
        self.scalers = {
            e.endpoint: keda.EndpointScaler(f"{z}-scaler-{e.endpoint}", keda.EndpointScalerArgs(
                e, server_address=server, provider="azure-workload", authentication=keda.TRIGGER_AUTH),
                pulumi.ResourceOptions(parent=self, provider=a.k8s_provider,
                                       depends_on=[self.keda.release, auth[e.namespace]]))
            for e in a.endpoints
        }
        self.register_outputs({"workspaceId": self.workspace.id, "queryEndpoint": server})

    def _private_link(self, a: ServingMonitoringArgs, dce: azure.monitor.DataCollectionEndpoint
                      ) -> list[pulumi.Resource]:
        """The AMPLS (DCE and audit workspace in scope) and both private endpoints; returns the endpoints."""
        assert a.network is not None
        z, rg = a.prefix, a.resource_group
        self.scope = azure.monitor.PrivateLinkScope(
            name(z, "ampls"), scope_name=name(z, "ampls"), resource_group_name=rg, location="global",
            access_mode_settings={"ingestion_access_mode": "PrivateOnly", "query_access_mode": "PrivateOnly"},
            tags=a.tags, opts=child(self))
        linked = {"prometheus-dce": dce.id, **({"logs": a.log_workspace_id} if a.log_workspace_id else {})}
        scoped = [azure.monitor.PrivateLinkScopedResource(
            name(z, "ampls", key), name=name(z, key), scope_name=self.scope.name, resource_group_name=rg,
            linked_resource_id=resource_id, kind="Resource", opts=child(self))
            for key, resource_id in linked.items()]
        ingestion = a.network.private_endpoint(name(z, "ampls-pe"), target_id=self.scope.id,
                                               group_id="azuremonitor", parent=self, depends_on=scoped)
        query = a.network.private_endpoint(name(z, "prometheus-pe"), target_id=self.workspace.id,
                                           group_id="prometheusMetrics", parent=self)
        return [ingestion, query]

    def _pod_monitor(self, logical: str, app: str, namespace: str, port: str, honor_labels: bool,
                     opts: pulumi.ResourceOptions) -> CustomResource:
        return CustomResource(
            logical, api_version="azmonitoring.coreos.com/v1", kind="PodMonitor",
            metadata=metadata(app, labels(app, app, "pod-monitor"), namespace),
            spec={"selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                  "podMetricsEndpoints": [{"port": port, "path": "/metrics", "interval": "30s",
                                           "honorLabels": honor_labels}]},
            opts=opts)
