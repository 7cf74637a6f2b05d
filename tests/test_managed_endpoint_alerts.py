"""Managed endpoints' latency and error alerts on their cloud's own metrics, routed to the budget's channel
(components/observability/managed.py, components/<cloud>/endpoint_alerts.py)."""

from __future__ import annotations

import pytest

from llmops_landing_zone.components import sizing, tokens
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
