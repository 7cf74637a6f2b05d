"""EndpointAlerts (AWS): CloudWatch alarms on each SageMaker endpoint's own metrics, to the budget's SNS topic.

Per endpoint variant (namespace AWS/SageMaker, dimensions EndpointName and VariantName;
docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html):

- latency: the p95 of ``ModelLatency`` (microseconds) per 5 minutes above the request-latency target for
  10 minutes;
- errors: ``Invocation5XXErrors`` / ``Invocations`` (metric math) per 5 minutes above the fast burn rate for
  15 minutes. No traffic is not an error (missing data: notBreaching).

Thresholds: components/observability/managed.py. Without a budget the alarms still change state in the console.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.observability import managed as slo
from llmops_landing_zone.components.observability.rules import seconds

TYPE = "llmops:aws:EndpointAlerts"
NAMESPACE = "AWS/SageMaker"
PERIOD = seconds(slo.WINDOW)


@dataclass
class EndpointAlertsArgs:
    prefix: str  # the zone's name
    endpoint_name: pulumi.Input[str]  # the SageMaker endpoint
    variant: str
    thresholds: slo.ManagedAlerts
    topic_arn: pulumi.Input[str] | None = None  # the budget's SNS topic
    tags: dict[str, str] = field(default_factory=dict)


class EndpointAlerts(pulumi.ComponentResource):
    def __init__(self, name: str, args: EndpointAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a, t = args, args.thresholds
        z, key = a.prefix, t.endpoint
        actions = [a.topic_arn] if a.topic_arn is not None else []
        dims = {"EndpointName": a.endpoint_name, "VariantName": a.variant}
        common = {"alarm_actions": actions, "ok_actions": actions, "treat_missing_data": "notBreaching",
                  "tags": a.tags}
        self.latency = aws.cloudwatch.MetricAlarm(
            f"{z}-{key}-latency", name=f"{z}-{key}-latency-p95",
            alarm_description=f"{z} {key}: p95 request latency above {t.latency_p95_seconds} s (SLO)",
            namespace=NAMESPACE, metric_name="ModelLatency", dimensions=dims, extended_statistic="p95",
            period=PERIOD, evaluation_periods=seconds(slo.LATENCY_FOR) // PERIOD,
            comparison_operator="GreaterThanThreshold",
            threshold=round(t.latency_p95_seconds * 1e6),  # ModelLatency is in microseconds
            **common, opts=child(self))

        def metric(id_: str, name_: str) -> dict[str, object]:
            return {"id": id_, "return_data": False, "metric": {
                "namespace": NAMESPACE, "metric_name": name_, "dimensions": dims, "period": PERIOD, "stat": "Sum"}}

        self.errors = aws.cloudwatch.MetricAlarm(
            f"{z}-{key}-errors", name=f"{z}-{key}-error-ratio",
            alarm_description=f"{z} {key}: 5xx ratio above {t.error_ratio} (error budget burning fast)",
            metric_queries=[metric("errors", "Invocation5XXErrors"), metric("requests", "Invocations"),
                            {"id": "ratio", "expression": "IF(requests > 0, errors / requests, 0)",
                             "label": "5xx ratio", "return_data": True}],
            evaluation_periods=seconds(slo.ERRORS_FOR) // PERIOD, comparison_operator="GreaterThanThreshold",
            threshold=t.error_ratio, **common, opts=child(self))
        self.register_outputs({})
