"""Managed endpoints' latency and error alerts on their cloud's own metrics, routed to the budget's channel
(components/observability/managed.py, components/<cloud>/endpoint_alerts.py)."""

from __future__ import annotations

import pytest

from llmops_landing_zone.components import sizing, tokens
from llmops_landing_zone.components.azure.endpoint_alerts import metric_window
from llmops_landing_zone.components.finops import estimate
from llmops_landing_zone.components.observability.managed import BURN_RATE, OUTPUT_TOKENS, ManagedAlerts, managed_alerts
from llmops_landing_zone.components.observability.slo import SloTargets, targets
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline


@pytest.fixture(scope="module")
def aws_prod() -> Plan:
    return offline.plan("aws-prod")


def _managed(stack: str) -> dict[str, ManagedAlerts]:
    _, _, cfg = offline.load(stack)
    return managed_alerts(cfg.endpoints, cfg.observability.enabled)


def test_thresholds_follow_the_slo() -> None:
    t = ManagedAlerts.of("x", SloTargets(ttft_p95_seconds=1.0, itl_p95_seconds=0.05, availability=0.999,
                                         max_waiting=4))
    assert t.latency_p95_seconds == pytest.approx(1.0 + 0.05 * OUTPUT_TOKENS)
    assert t.error_ratio == pytest.approx(BURN_RATE * 0.001)
    _, _, cfg = offline.load("aws-prod")
    assert managed_alerts(cfg.endpoints, enabled=False) == {}
    for key, alerts in _managed("aws-prod").items():
        ep = cfg.endpoints[key]
        assert ep.runtime == "managed"
        assert alerts == ManagedAlerts.of(key, targets(ep, sizing.architecture(ep.model).parameters))


def test_sagemaker_alarms_per_variant_to_the_budget_topic(aws_prod: Plan) -> None:
    expected = _managed("aws-prod")
    assert expected, "aws-prod has a managed endpoint"
    (topic,) = [r for r in aws_prod.of_type(tokens.AWS_SNS_TOPIC) if r.name.endswith("-budget-alerts")]
    alarms = {r.inputs["name"]: r.inputs for r in aws_prod.of_type(tokens.AWS_METRIC_ALARM)}
    for key, t in expected.items():
        latency = alarms[f"acme-llm-{key}-latency-p95"]
        dims = {"EndpointName": f"acme-llm-{key}", "VariantName": "AllTraffic"}
        assert (latency["namespace"], latency["metricName"], latency["extendedStatistic"]) == (
            "AWS/SageMaker", "ModelLatency", "p95")
        assert latency["dimensions"] == dims
        assert latency["threshold"] == pytest.approx(t.latency_p95_seconds * 1e6)  # microseconds
        errors = alarms[f"acme-llm-{key}-error-ratio"]
        assert errors["threshold"] == pytest.approx(t.error_ratio)
        metrics = {q["id"]: q["metric"] for q in errors["metricQueries"] if "metric" in q}
        assert metrics["errors"]["metricName"] == "Invocation5XXErrors"
        assert metrics["requests"]["metricName"] == "Invocations"
        assert all(m["dimensions"] == dims for m in metrics.values())
        (ratio,) = [q for q in errors["metricQueries"] if q.get("returnData")]
        assert "errors / requests" in ratio["expression"]
        for alarm in (latency, errors):
            assert alarm["alarmActions"] == [f"arn:aws:sns:us-east-1:123456789012:{topic.inputs['name']}"]
            assert alarm["treatMissingData"] == "notBreaching"
    # CloudWatch may use the key of the budget's encrypted topic (and publish to it)
    (key,) = [r for r in aws_prod.of_type(tokens.KMS_KEY) if r.name.endswith("-budget-alerts-key")]
    assert "cloudwatch.amazonaws.com" in str(key.inputs["policy"])


def test_vertex_alert_policies_to_the_budget_channels() -> None:
    plan = offline.plan("gcp-prod")
    expected = _managed("gcp-prod")
    assert expected, "gcp-prod has a managed endpoint"
    channels = plan.of_type(tokens.GCP_NOTIFICATION_CHANNEL)  # the budget's
    assert channels
    policies = {r.name: r.inputs for r in plan.of_type(tokens.GCP_ALERT_POLICY)}
    for key, t in expected.items():
        latency = policies[f"acme-llm-{key}-latency"]["conditions"][0]["conditionThreshold"]
        assert "prediction/online/prediction_latencies" in latency["filter"]
        assert latency["aggregations"][0]["perSeriesAligner"] == "ALIGN_PERCENTILE_95"
        assert latency["thresholdValue"] == pytest.approx(t.latency_p95_seconds * 1000)  # milliseconds
        errors = policies[f"acme-llm-{key}-errors"]["conditions"][0]["conditionThreshold"]
        assert "prediction/online/error_count" in errors["filter"]
        assert "prediction/online/prediction_count" in errors["denominatorFilter"]
        assert errors["thresholdValue"] == pytest.approx(t.error_ratio)
        for cond in (latency, errors):
            assert 'resource.labels.endpoint_id = "' in cond["filter"] and "/" not in cond["filter"].split(
                'endpoint_id = "')[1]
        for name in (f"acme-llm-{key}-latency", f"acme-llm-{key}-errors"):
            assert len(policies[name]["notificationChannels"]) == len(channels)



def test_azure_ml_alerts_to_the_budget_action_group() -> None:
    plan = offline.plan("azure-prod")
    _, _, cfg = offline.load("azure-prod")
    expected = _managed("azure-prod")
    assert expected, "azure-prod has a managed endpoint"
    (group,) = plan.of_type(tokens.AZURE_ACTION_GROUP)  # the budget's
    (workspace,) = plan.of_type(tokens.LOG_ANALYTICS_WORKSPACE)  # the audit sink: the traffic log lands there
    endpoints = {r.name: r for r in plan.of_type(tokens.ML_ONLINE_ENDPOINT)}
    metric = {r.name: r for r in plan.of_type(tokens.AZURE_METRIC_ALERT)}
    logs = {r.name: r for r in plan.of_type(tokens.AZURE_SCHEDULED_QUERY_RULE)}
    assert len(metric) == len(logs) == len(expected)
    group_id = f"/actionGroups/{group.inputs['actionGroupName']}"
    for key, t in expected.items():
        endpoint = endpoints[f"acme-llm-{key}-online"]
        endpoint_name = endpoint.inputs["endpointName"]
        latency = metric[f"acme-llm-{key}-latency"]
        (crit,) = latency.inputs["criteria"]["allOf"]
        assert latency.inputs["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        assert (crit["metricNamespace"], crit["metricName"], crit["timeAggregation"], crit["operator"]) == (
            "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "RequestLatency_P95", "Average",
            "GreaterThan")
        assert crit["threshold"] == pytest.approx(t.latency_p95_seconds * 1000)  # milliseconds
        deployments = ["primary", *(["canary"] if cfg.endpoints[key].canary else [])]  # a canary is alerted too
        assert crit["dimensions"] == [{"name": "deployment", "operator": "Include", "values": deployments}]
        (scope,) = latency.inputs["scopes"]
        assert scope.endswith(f"/onlineEndpoints/{endpoint_name}") and endpoint.urn in latency.dependencies
        # Metric alert windows are a fixed set: 15 minutes is the smallest that covers the 10-minute "for"
        assert (latency.inputs["windowSize"], latency.inputs["evaluationFrequency"]) == ("PT15M", "PT5M")
        (action,) = latency.inputs["actions"]
        assert action["actionGroupId"].endswith(group_id) and group.urn in latency.dependencies

        errors = logs[f"acme-llm-{key}-errors"]
        assert errors.inputs["kind"] == "LogAlert"
        (scope,) = errors.inputs["scopes"]
        assert scope.endswith(f"/workspaces/{workspace.inputs['workspaceName']}")
        assert workspace.urn in errors.dependencies
        (cond,) = errors.inputs["criteria"]["allOf"]
        assert cond["query"].startswith("AmlOnlineEndpointTrafficLog\n")
        assert f'EndpointName == "{endpoint_name}"' in cond["query"]
        assert "toint(ResponseCode) >= 500" in cond["query"] and "toint(ModelStatusCode) >= 500" in cond["query"]
        assert (cond["metricMeasureColumn"], cond["operator"]) == ("ratio", "GreaterThan")
        assert cond["threshold"] == pytest.approx(t.error_ratio)
        # 5-minute windows, all three of the 15 minutes failing (the "for 15m" of the other clouds)
        assert (errors.inputs["windowSize"], errors.inputs["evaluationFrequency"]) == ("PT5M", "PT5M")
        assert cond["failingPeriods"] == {"numberOfEvaluationPeriods": 3, "minFailingPeriodsToAlert": 3}
        (ag,) = errors.inputs["actions"]["actionGroups"]
        assert ag.endswith(group_id)


def test_azure_alerts_priced_per_time_series() -> None:
    """One series per deployment the alert watches (the endpoint's, and its canary's when it has one)."""
    items = {i.urn.rsplit("::", 1)[-1]: i for i in estimate(offline.plan("azure-prod")).items}
    _, _, cfg = offline.load("azure-prod")
    for key in _managed("azure-prod"):
        series = 2 if cfg.endpoints[key].canary else 1
        assert items[f"acme-llm-{key}-latency"].monthly_min_usd == pytest.approx(0.10 * series)
        assert items[f"acme-llm-{key}-errors"].monthly_min_usd == pytest.approx(1.50 * series)


def test_metric_alert_window_covers_the_for_duration() -> None:
    assert [metric_window(w) for w in ("1m", "5m", "10m", "15m", "45m", "2h")] == [
        "PT1M", "PT5M", "PT15M", "PT15M", "PT1H", "PT6H"]


def test_no_managed_endpoint_no_azure_alerts() -> None:
    assert not _managed("azure-dev")
    plan = offline.plan("azure-dev")
    assert not plan.of_type(tokens.AZURE_METRIC_ALERT) and not plan.of_type(tokens.AZURE_SCHEDULED_QUERY_RULE)


def test_a_managed_canary_is_held_to_its_endpoints_slo() -> None:
    """aws-prod and azure-prod shadow a managed endpoint: the canary's variant (SageMaker) or deployment (Azure ML)
    is alerted with the endpoint's thresholds, next to the endpoint's own alerts, whose names do not change."""
    from llmops_landing_zone.components.config.models import canary_key
    from llmops_landing_zone.llz import offline

    for stack in ("aws-prod", "azure-prod"):
        plan = offline.plan(stack)
        _, _, cfg = offline.load(stack)
        keys = [k for k, e in cfg.endpoints.items() if e.runtime == "managed" and e.canary]
        assert keys, stack
        for key in keys:
            if stack == "aws-prod":
                alarms = {r.inputs["name"]: r for r in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
                stable = alarms[f"{cfg.name}-{key}-latency-p95"]
                canary = alarms[f"{cfg.name}-{canary_key(key)}-latency-p95"]
                assert stable.inputs["dimensions"]["VariantName"] == "AllTraffic"
                assert canary.inputs["dimensions"]["VariantName"] == "Canary"
                assert canary.inputs["threshold"] == stable.inputs["threshold"]
                assert f"{cfg.name}-{canary_key(key)}-error-ratio" in alarms
            else:
                (latency,) = [r for r in plan.of_type("azure-native:monitor:MetricAlert") if key in r.name]
                dims = latency.inputs["criteria"]["allOf"][0]["dimensions"][0]
                assert dims["values"] == ["primary", "canary"]
