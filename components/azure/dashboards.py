"""ServingDashboards (Azure): a private Azure Managed Grafana showing the zone's Azure Monitor workspace, with the
zone's serving dashboard (components/observability/dashboards.py) in it.

- Instance: Standard SKU, Grafana 11, Microsoft Entra ID sign-in (the service's only sign-in; who may sign in is
  granted with the Grafana Admin/Editor/Viewer Azure roles), API keys off, zone-redundant in prod. Private:
  public network access disabled, a private endpoint (``grafana``) in the endpoints subnet registered in
  ``privatelink.grafana.azure.com``.
- Data: the instance's system-assigned identity has Monitoring Data Reader on the Azure Monitor workspace, and the
  workspace is integrated (``azureMonitorWorkspaceIntegrations``: Azure's own managed-Prometheus data source).
  The workspace refuses public traffic (components/azure/monitoring.py), and Grafana queries from Azure's network,
  not the zone's VNet, so the instance gets a managed private endpoint (``prometheusMetrics``) to the workspace.
  Azure sends it to the workspace as a connection request that its owner approves once (no ARM resource approves
  it; README "Dashboards"); until then the panels show no data.
- The dashboard gets into Grafana over the Grafana HTTP API, authenticated with a Microsoft Entra token for the
  Azure Managed Grafana application (``get_client_token``: the identity running the program, which holds Grafana
  Admin on the instance): a ``pulumiverse_grafana`` provider, a Prometheus data source with the zone's fixed uid
  (the integration's data source has a service-chosen uid the panels could not name; it signs in with the
  instance's managed identity, ``azureCredentials: msi``) and the dashboard. The instance answers only through
  its private endpoint, so these API objects are created by the deploy workflow's cluster pass, from the runner
  in the VNet (components/deploy_path.py).

Not used: ``Microsoft.Dashboard/dashboards`` (azure-native ``dashboard.Dashboard`` + ``DashboardDefinition``,
API 2025-09-01-preview) takes Grafana JSON directly through ARM, but those are Azure portal dashboards, not
dashboards of this Grafana instance, and the API is a preview.
Sources: learn.microsoft.com/azure/managed-grafana/how-to-set-up-private-access,
how-to-connect-azure-monitor-workspace, how-to-api-calls (Entra token for app ce34e7e5-485f-4d76-964f-b3d2b16d1e4f).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import AzureContext, grant
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.naming import name
from llmops_landing_zone.components.observability.grafana import grafana_objects

TYPE = "llmops:azure:ServingDashboards"
GRAFANA_MAJOR_VERSION = "11"
GRAFANA_APP_ID = "ce34e7e5-485f-4d76-964f-b3d2b16d1e4f"  # Azure Managed Grafana's Entra application (token audience)


@dataclass
class ServingDashboardsArgs:
    ctx: AzureContext
    prefix: str  # the zone's name
    network: Network  # private endpoint and DNS zone
    resource_group: pulumi.Input[str]
    prometheus_id: pulumi.Input[str]  # the Azure Monitor workspace
    prometheus_endpoint: pulumi.Input[str]  # its Prometheus query endpoint
    dashboard_json: str  # components.observability.grafana.grafana_json(...)
    admins: list[tuple[str, pulumi.Input[str], str | None]] = field(default_factory=list)  # (key, principal, type)
    zone_redundant: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def _host(url: str) -> str:
    """The data source's host, as the managed private endpoint names it (no scheme, port or path)."""
    return url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


class ServingDashboards(pulumi.ComponentResource):
    grafana: azure.dashboard.Grafana

    def __init__(self, name_: str, args: ServingDashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a, ctx, z = args, args.ctx, args.prefix
        self.grafana = azure.dashboard.Grafana(
            name(z, "grafana"), workspace_name=name(z, "grafana"), resource_group_name=a.resource_group,
            location=ctx.location, sku={"name": "Standard"}, identity={"type": "SystemAssigned"},
            properties={
                "public_network_access": "Disabled", "api_key": "Disabled", "deterministic_outbound_ip": "Disabled",
                "zone_redundancy": "Enabled" if a.zone_redundant else "Disabled",
                "grafana_major_version": GRAFANA_MAJOR_VERSION,
                "grafana_integrations": {"azure_monitor_workspace_integrations": [
                    {"azure_monitor_workspace_resource_id": a.prometheus_id}]},
            },
            tags=a.tags, opts=child(self))
        reader = grant(name(z, "grafana-metrics"), ctx, scope=a.prometheus_id, role="Monitoring Data Reader",
                       principal_id=self.grafana.identity.apply(lambda i: i.principal_id if i else ""),
                       parent=self)
        self.private_endpoint = a.network.private_endpoint(
            name(z, "grafana-pe"), target_id=self.grafana.id, group_id="grafana", parent=self)
        # learn.microsoft.com/azure/managed-grafana/how-to-connect-to-data-source-privately
        self.workspace_link = azure.dashboard.ManagedPrivateEndpoint(
            name(z, "grafana-prometheus"), workspace_name=self.grafana.name, resource_group_name=a.resource_group,
            managed_private_endpoint_name="prometheus", location=ctx.location,
            private_link_resource_id=a.prometheus_id, private_link_resource_region=ctx.location,
            group_ids=["prometheusMetrics"],
            private_link_service_url=pulumi.Output.from_input(a.prometheus_endpoint).apply(_host),
            request_message=f"Azure Managed Grafana of zone {z}: queries of the serving dashboards",
            opts=child(self))
        admins = [grant(name(z, "grafana-admin", key), ctx, scope=self.grafana.id, role="Grafana Admin",
                        principal_id=principal, principal_type=kind, parent=self)
                  for key, principal, kind in a.admins]

        token = azure.authorization.get_client_token_output(endpoint=GRAFANA_APP_ID)
        self.url = self.grafana.properties.apply(lambda p: p.endpoint)
        source = {"type": "prometheus", "url": a.prometheus_endpoint,
                  "json_data_encoded": pulumi.Output.json_dumps(
                      {"httpMethod": "POST", "azureCredentials": {"authType": "msi"}})}
        self.provider, self.data_source, self.dashboard = grafana_objects(
            self, z, self.url, token.token, source, a.dashboard_json,
            depends_on=[reader, self.private_endpoint, self.workspace_link, *admins])
        self.register_outputs({"grafanaUrl": self.url, "grafanaId": self.grafana.id})
