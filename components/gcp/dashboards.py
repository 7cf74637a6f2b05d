"""ServingDashboards (GCP): the zone's serving dashboard (components/observability/dashboards.py) as a Cloud
Monitoring dashboard whose charts run PromQL over Google Cloud Managed Service for Prometheus.

No Grafana: Cloud Monitoring reads GMP's samples natively, signs people in with their Google identity and
authorises them with IAM (``roles/monitoring.viewer``), and is reached over Google's APIs, so there is no
instance to make private and no data source to grant. Every query is limited to this zone's cluster
(``cluster="<name>"``): GMP answers for the whole project.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child

TYPE = "llmops:gcp:ServingDashboards"


@dataclass
class ServingDashboardsArgs:
    project: str
    prefix: str  # the zone's name
    dashboard: dict[str, object]  # components.observability.dashboards.cloud_monitoring_json(...)
    api_depends_on: list[pulumi.Resource] = field(default_factory=list)  # the monitoring API


class ServingDashboards(pulumi.ComponentResource):
    def __init__(self, name: str, args: ServingDashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.dashboard = gcp.monitoring.Dashboard(
            f"{args.prefix}-serving", project=args.project, dashboard_json=json.dumps(args.dashboard, sort_keys=True),
            opts=child(self, depends_on=args.api_depends_on))
        self.register_outputs({"dashboardId": self.dashboard.id})
