"""EndpointAlerts (Azure): alerts on each Azure ML managed online endpoint, to the budget's action group.

Metrics of ``Microsoft.MachineLearningServices/workspaces/onlineEndpoints`` (learn.microsoft.com/azure/
azure-monitor/reference/supported-metrics/microsoft-machinelearningservices-workspaces-onlineendpoints-metrics):
``RequestLatency_P95`` (milliseconds, Average, dimension ``deployment``) and ``RequestsPerMinute`` (dimensions
``deployment``, ``statusCode``, ``statusCodeClass``, ``modelStatusCode``). There is no error-count or error-ratio
metric, and a metric alert cannot divide one metric by another, so:

- latency: a metric alert on ``RequestLatency_P95`` per deployment above the request-latency target. A metric
  alert's window is one of a fixed set (``WINDOWS``): the smallest one covering ``LATENCY_FOR`` is used;
- errors: a log search alert on the endpoint's traffic log (``AmlOnlineEndpointTrafficLog``, which the
  endpoint's diagnostic setting sends to the audit workspace; learn.microsoft.com/azure/azure-monitor/reference/
  tables/amlonlineendpointtrafficlog): the share of requests answered 5xx, or 424 for a model's own 5xx
  (``ModelStatusCode``), per ``WINDOW`` above the fast burn rate in every window of ``ERRORS_FOR``. No traffic
  returns no row: not an error.

Thresholds: components/observability/managed.py. Without a budget the alerts still fire in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.observability import managed as slo
from llmops_landing_zone.components.observability.rules import seconds

TYPE = "llmops:azure:EndpointAlerts"
NAMESPACE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
LATENCY_METRIC = "RequestLatency_P95"
TRAFFIC_LOG = "AmlOnlineEndpointTrafficLog"
# Window sizes a metric alert accepts (learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-overview).
WINDOWS = ("PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "PT1D")
SEVERITY = {"latency": 2, "errors": 1}  # as the Prometheus rules: ticket, page


def iso_minutes(window: str) -> str:
    return f"PT{seconds(window) // 60}M"


def metric_window(window: str) -> str:
    """The smallest metric-alert window that covers ``window`` (``"10m"`` -> ``"PT15M"``)."""
    want = seconds(window)
    for w in WINDOWS:
        n, unit = int(w[2:-1]), w[-1]
        if n * {"M": 60, "H": 3600, "D": 86400}[unit] >= want:
            return w
    return WINDOWS[-1]


def error_query(endpoint: str, deployments: list[str]) -> str:
    """KQL: per deployment, the ratio of server errors to requests over the rule's window."""
    names = ", ".join(f'"{d}"' for d in deployments)
    return (f'{TRAFFIC_LOG}\n| where EndpointName == "{endpoint}" and DeploymentName in ({names})\n'
            "| summarize requests = count(), errors = countif(toint(ResponseCode) >= 500 or "
            "(toint(ResponseCode) == 424 and toint(ModelStatusCode) >= 500)) by DeploymentName\n"
            "| extend ratio = todouble(errors) / requests")


@dataclass
class EndpointAlertsArgs:
    prefix: str  # the zone's name
    location: str  # the log search alert's region (metric alerts are global)
    resource_group: pulumi.Input[str]
    endpoint_name: str  # the online endpoint's name (the traffic log's EndpointName)
    endpoint_id: pulumi.Input[str]  # its resource id: the metric alert's scope
    workspace_id: pulumi.Input[str]  # the Log Analytics workspace its traffic log goes to (the audit sink)
    thresholds: slo.ManagedAlerts
    deployments: list[str] = field(default_factory=list)  # the endpoint's deployments, one series each
    action_group_id: pulumi.Input[str] | None = None  # the budget's action group
    tags: dict[str, str] = field(default_factory=dict)


class EndpointAlerts(pulumi.ComponentResource):
    def __init__(self, name: str, args: EndpointAlertsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a, t = args, args.thresholds
        z, key = a.prefix, t.endpoint
        mon = azure.monitor
        common = {"resource_group_name": a.resource_group, "tags": a.tags, "enabled": True, "auto_mitigate": True}
        self.latency = mon.MetricAlert(
            f"{z}-{key}-latency", rule_name=f"{z}-{key}-latency-p95", location="global",
            description=f"{z} {key}: p95 request latency above {t.latency_p95_seconds} s (SLO)",
            severity=SEVERITY["latency"], scopes=[a.endpoint_id], target_resource_type=NAMESPACE,
            evaluation_frequency=iso_minutes(slo.WINDOW), window_size=metric_window(slo.LATENCY_FOR),
            criteria=mon.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[mon.MetricCriteriaArgs(
                    criterion_type="StaticThresholdCriterion", name="p95-latency", metric_namespace=NAMESPACE,
                    metric_name=LATENCY_METRIC, time_aggregation="Average", operator="GreaterThan",
                    threshold=round(t.latency_p95_seconds * 1000, 3),  # milliseconds
                    dimensions=[mon.MetricDimensionArgs(name="deployment", operator="Include",
                                                        values=a.deployments)])]),
            actions=[mon.MetricAlertActionArgs(action_group_id=a.action_group_id)]
            if a.action_group_id is not None else [],
            **common, opts=child(self))
        periods = seconds(slo.ERRORS_FOR) // seconds(slo.WINDOW)
        self.errors = mon.ScheduledQueryRule(
            f"{z}-{key}-errors", rule_name=f"{z}-{key}-error-ratio", location=a.location, kind="LogAlert",
            display_name=f"{z} {key}: error ratio above {t.error_ratio}",
            description=f"{z} {key}: 5xx ratio above {t.error_ratio} (error budget burning fast)",
            severity=SEVERITY["errors"], scopes=[a.workspace_id],
            evaluation_frequency=iso_minutes(slo.WINDOW), window_size=iso_minutes(slo.WINDOW),
            criteria=mon.ScheduledQueryRuleCriteriaArgs(all_of=[mon.ConditionArgs(
                query=error_query(a.endpoint_name, a.deployments), time_aggregation="Maximum",
                metric_measure_column="ratio", operator="GreaterThan", threshold=t.error_ratio,
                dimensions=[mon.DimensionArgs(name="DeploymentName", operator="Include", values=a.deployments)],
                failing_periods=mon.ConditionFailingPeriodsArgs(
                    number_of_evaluation_periods=periods, min_failing_periods_to_alert=periods))]),
            actions=mon.ActionsArgs(action_groups=[a.action_group_id] if a.action_group_id is not None else []),
            **common, opts=child(self))
        self.register_outputs({})
