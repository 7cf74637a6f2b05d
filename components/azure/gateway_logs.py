"""GatewayAccessLogs (Azure): the AI gateway's access records (one JSON line per request: team, model, status,
token counts; never a prompt or completion, components/k8s/gateway_routes.py) kept in the audit Log Analytics
workspace, through Container Insights limited to the gateway's namespace.

- The AKS monitoring add-on (``omsagent`` with ``useAADAuth``: the Azure Monitor Agent, ama-logs) is turned on
  by components/azure/cluster.py; what it collects is this data collection rule: the ``ContainerInsights``
  extension with only the ``Microsoft-ContainerLogV2`` stream (no inventory, performance or event tables),
  ``namespaceFilteringMode: Include`` with ``namespaces: [ingress]``, into the audit workspace
  (learn.microsoft.com/azure/azure-monitor/containers/container-insights-data-collection-configure,
  "Data collection settings"; kubernetes-monitoring-enable, "Resource Manager template").
- The rule names the zone's data collection endpoint, which sits in the Azure Monitor Private Link Scope with the
  audit workspace (components/azure/monitoring.py): the workspace refuses public ingestion, so the agent's logs
  reach it only through that scope's private endpoint. The cluster's ``configurationAccessEndpoint``
  association with that endpoint already exists (monitoring.py), so only the rule's association is added, under
  the name the add-on looks for (``ContainerInsightsExtension``).
- The gateway's metrics are scraped by ama-metrics (a separate stream into the Azure Monitor workspace); this
  rule carries logs only, so nothing is collected twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.naming import name

TYPE = "llmops:azure:GatewayAccessLogs"
STREAM = "Microsoft-ContainerLogV2"
DESTINATION = "auditWorkspace"
EXTENSION = "ContainerInsights"
ASSOCIATION = "ContainerInsightsExtension"  # the name the monitoring add-on reads its rule from


def extension_settings(namespaces: list[str]) -> dict[str, object]:
    """Container Insights' settings (its ARM schema, camelCase): container logs of ``namespaces`` only."""
    return {"dataCollectionSettings": {"interval": "1m", "namespaceFilteringMode": "Include",
                                       "namespaces": list(namespaces), "enableContainerLogV2": True}}


@dataclass
class GatewayAccessLogsArgs:
    name: str  # the zone's name
    location: str
    resource_group: pulumi.Input[str]
    cluster_id: pulumi.Input[str]
    workspace_id: pulumi.Input[str]  # the audit Log Analytics workspace
    endpoint_id: pulumi.Input[str]  # the data collection endpoint in the zone's Private Link Scope
    namespaces: list[str]  # where the proxies run (components/k8s/gateway.py NAMESPACE)
    tags: dict[str, str] = field(default_factory=dict)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the scope's private endpoint


class GatewayAccessLogs(pulumi.ComponentResource):
    rule: azure.monitor.DataCollectionRule

    def __init__(self, name_: str, args: GatewayAccessLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a, z = args, args.name
        if not a.namespaces:
            raise ValueError(f"GatewayAccessLogs {name_!r}: no namespace to collect")
        self.rule = azure.monitor.DataCollectionRule(
            name(z, "gateway-access-dcr"), data_collection_rule_name=name(z, "gateway-access"), kind="Linux",
            resource_group_name=a.resource_group, location=a.location, tags=a.tags,
            description=f"{z}: the AI gateway's access records (team, model, tokens) to the audit workspace",
            data_collection_endpoint_id=a.endpoint_id,
            data_sources={"extensions": [{
                "name": "ContainerInsightsExtension", "extension_name": EXTENSION, "streams": [STREAM],
                "extension_settings": extension_settings(a.namespaces)}]},
            destinations={"log_analytics": [{"name": DESTINATION, "workspace_resource_id": a.workspace_id}]},
            data_flows=[{"streams": [STREAM], "destinations": [DESTINATION]}],
            opts=child(self, depends_on=a.depends_on or None))
        self.association = azure.monitor.DataCollectionRuleAssociation(
            name(z, "gateway-access-dcra"), association_name=ASSOCIATION, resource_uri=a.cluster_id,
            data_collection_rule_id=self.rule.id, opts=child(self))
        self.register_outputs({"rule": self.rule.id})
