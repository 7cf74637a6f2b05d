"""Azure serving observability: the guardrail that Azure ML endpoint alerts reach an action group
(policies/rules/observability.py), with both runners (CrossGuard StackValidationPolicy, llz evaluator)."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.testing import Res, crossguard_stack, offline_findings

AG = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/actionGroups/budget"


def _routed(resources: list[Res]) -> list[str]:
    offline = [(f.message, f.urn) for f in offline_findings("serving-alerts-routed", resources)]
    assert offline == crossguard_stack("serving-alerts-routed", resources)
    return [m for m, _ in offline]


@pytest.mark.parametrize(("type_", "routed", "unrouted", "unknown"), [
    (t.AZURE_METRIC_ALERT, {"actions": [{"actionGroupId": AG}]}, {"actions": []},
     {"actions": UNKNOWN_STRING_VALUE}),
    (t.AZURE_SCHEDULED_QUERY_RULE, {"actions": {"actionGroups": [AG]}}, {"actions": {"actionGroups": []}},
     {"actions": {"actionGroups": UNKNOWN_STRING_VALUE}}),
])
def test_endpoint_alerts_need_an_action_group(type_: str, routed: dict, unrouted: dict, unknown: dict) -> None:
    props = {"ruleName": "zone-chat-latency-p95"}
    assert _routed([Res(type_, "alert", {**props, **routed})]) == []
    assert _routed([Res(type_, "alert", {**props, **unknown})]) == []  # known only at apply: nothing to judge
    assert _routed([Res(type_, "alert", {**props, **unrouted})]) == [
        "alert rule zone-chat-latency-p95 has no action group"]
    assert _routed([Res(type_, "alert", props)]) == ["alert rule zone-chat-latency-p95 has no action group"]
