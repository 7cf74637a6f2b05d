"""EndpointAlerts (GCP): Cloud Monitoring alert policies on each Vertex AI endpoint's own metrics, notifying the
budget's notification channels.

Vertex AI online prediction metrics (monitored resource ``aiplatform.googleapis.com/Endpoint``;
cloud.google.com/monitoring/api/metrics_gcp_a_b, "aiplatform"):

- latency: the p95 of ``prediction/online/prediction_latencies`` (a distribution in milliseconds) per 5 minutes
  above the request-latency target for 10 minutes;
- errors: ``prediction/online/error_count`` over ``prediction/online/prediction_count`` (a ratio condition) per
  5 minutes above the fast burn rate for 15 minutes.

Thresholds: components/observability/managed.py. Free: Cloud Monitoring bills alert policies by the time series
their conditions read, two per endpoint here, under a cent a month (not counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.observability import managed as slo
from llmops_landing_zone.components.observability.rules import seconds

TYPE = "llmops:gcp:EndpointAlerts"
METRIC = "aiplatform.googleapis.com/prediction/online"
RESOURCE = "aiplatform.googleapis.com/Endpoint"


def metric_filter(metric: str, endpoint: str) -> str:
    """The series of one endpoint: the resource's ``endpoint_id`` label is the numeric id, the last segment of
    the endpoint's resource name."""
    endpoint_id = endpoint.rsplit("/", 1)[-1]
    return (f'resource.type = "{RESOURCE}" AND metric.type = "{METRIC}/{metric}" AND '
            f'resource.labels.endpoint_id = "{endpoint_id}"')


@dataclass
class EndpointAlertsArgs:
    project: str
    prefix: str  # the zone's name
    endpoint_id: pulumi.Input[str]  # the Vertex AI endpoint's id (numeric, or its resource name)
    thresholds: slo.ManagedAlerts
    notification_channels: list[pulumi.Input[str]] = field(default_factory=list)  # the budget's channels
    labels: dict[str, str] = field(default_factory=dict)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the monitoring API


class EndpointAlerts(pulumi.ComponentResource):
    def __init__(self, name: str, args: EndpointAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a, t = args, args.thresholds
        z, key = a.prefix, t.endpoint
        period = f"{seconds(slo.WINDOW)}s"
        ident = pulumi.Output.from_input(a.endpoint_id)
        common = {"project": a.project, "combiner": "OR", "notification_channels": a.notification_channels,
                  "user_labels": {**a.labels, "endpoint": key}}
        self.latency = gcp.monitoring.AlertPolicy(
            f"{z}-{key}-latency", display_name=f"{z} {key}: p95 request latency above {t.latency_p95_seconds} s",
            severity="ERROR", conditions=[{
                "display_name": "p95 prediction latency above the SLO",
                "condition_threshold": {
                    "filter": ident.apply(lambda i: metric_filter("prediction_latencies", i)),
                    "aggregations": [{"alignment_period": period, "per_series_aligner": "ALIGN_PERCENTILE_95"}],
                    "comparison": "COMPARISON_GT",
                    "threshold_value": round(t.latency_p95_seconds * 1000, 3),  # milliseconds
                    "duration": f"{seconds(slo.LATENCY_FOR)}s", "trigger": {"count": 1}}}],
            **common, opts=child(self, depends_on=a.depends_on))
        rate = [{"alignment_period": period, "per_series_aligner": "ALIGN_DELTA", "cross_series_reducer": "REDUCE_SUM"}]
        self.errors = gcp.monitoring.AlertPolicy(
            f"{z}-{key}-errors", display_name=f"{z} {key}: error ratio above {t.error_ratio}",
            severity="CRITICAL", conditions=[{
                "display_name": "error budget burning fast",
                "condition_threshold": {
                    "filter": ident.apply(lambda i: metric_filter("error_count", i)), "aggregations": rate,
                    "denominator_filter": ident.apply(lambda i: metric_filter("prediction_count", i)),
                    "denominator_aggregations": rate,
                    "comparison": "COMPARISON_GT", "threshold_value": t.error_ratio,
                    "duration": f"{seconds(slo.ERRORS_FOR)}s", "trigger": {"count": 1}}}],
            **common, opts=child(self, depends_on=a.depends_on))
        self.register_outputs({})
