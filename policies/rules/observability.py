"""Serving observability guardrails: every vLLM endpoint has its SLO alert rules deployed, and every alert
reaches someone (components/<cloud>/monitoring.py deploys both; these rules catch a plan where either is lost).

An endpoint's rules are found by the pod selector they are written with (``pod=~"<endpoint>-..."``, components.
observability.rules.pod_selector) in the cloud's rule resources: an AMP rule groups namespace, GMP ClusterRules
and Cloud Monitoring PromQL alert policies, or Azure Prometheus rule groups.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import PROD, Context, Stack, stack_rule
from llmops_landing_zone.policies.values import get, is_unknown, listed

VLLM_NAME = ("app.kubernetes.io/name", "vllm")  # the label the Kubernetes layer puts on every vLLM Deployment
# Where each rule resource holds its PromQL
RULE_FIELDS = {t.AWS_AMP_RULE_GROUP_NAMESPACE: "data", t.K8S_GMP_CLUSTER_RULES: "spec",
               t.GCP_ALERT_POLICY: "conditions", t.AZURE_PROMETHEUS_RULE_GROUP: "rules"}
RULE_TYPES = tuple(RULE_FIELDS)
# Azure ML managed endpoints' alerts (components/azure/endpoint_alerts.py) and where each lists its action groups
AZURE_ALERT_ACTIONS = {t.AZURE_METRIC_ALERT: "actions", t.AZURE_SCHEDULED_QUERY_RULE: "actions.actionGroups"}
ROUTED_TYPES = (*RULE_TYPES, *AZURE_ALERT_ACTIONS)


def vllm_endpoints(stack: Stack) -> dict[str, str]:
    """Endpoint key -> URN of each vLLM Deployment."""
    out = {}
    for d in stack.of_type(t.K8S_DEPLOYMENT):
        labels = get(d.props, "metadata.labels", {}) or {}
        if isinstance(labels, dict) and labels.get(VLLM_NAME[0]) == VLLM_NAME[1]:
            key = labels.get("app.kubernetes.io/instance")
            if isinstance(key, str):
                out[key] = d.urn
    return out


@stack_rule(
    name="serving-slo-alerts", scope="multi-cloud", types=[t.K8S_DEPLOYMENT, *RULE_TYPES], severity="high",
    enforcement=PROD,
    description="Every vLLM endpoint has its SLO alert rules (latency, availability, saturation) deployed where "
                "the cloud evaluates them.",
    remediation="Keep observability.enabled: true (the default) so the zone deploys the rules; an endpoint "
                "added outside the zone needs rules of its own.",
    config_path="observability.enabled")
def serving_slo_alerts(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    endpoints = vllm_endpoints(stack)
    if not endpoints:
        return
    bodies = [get(r.props, RULE_FIELDS[r.type]) for r in stack.of_type(*RULE_TYPES)]
    if any(is_unknown(b) for b in bodies):
        return  # rules not known until apply: nothing to judge
    text = json.dumps(bodies, default=str)
    for key, urn in sorted(endpoints.items()):
        if f'pod=~\\"{key}-' not in text:
            yield f"vLLM endpoint {key} has no SLO alert rules deployed", urn


def _routes(stack: Stack) -> Iterator[tuple[str, str]]:
    """(problem, urn) for each place alerts are evaluated but sent nowhere."""
    namespaces = stack.of_type(t.AWS_AMP_RULE_GROUP_NAMESPACE)
    managers = stack.of_type(t.AWS_AMP_ALERT_MANAGER_DEFINITION)
    for ns in namespaces:
        definitions = [get(m.props, "definition") for m in managers]
        if not any(is_unknown(d) or "sns_configs" in str(d) for d in definitions):
            yield "AMP evaluates the serving alerts but no alert manager definition sends them to SNS", ns.urn
    for policy in stack.of_type(t.GCP_ALERT_POLICY):
        channels = get(policy.props, "notificationChannels")
        if not is_unknown(channels) and not listed(channels):
            yield f"alert policy {get(policy.props, 'displayName') or policy.name} has no notification channel", \
                policy.urn
    for group in stack.of_type(t.AZURE_PROMETHEUS_RULE_GROUP):
        for rule in listed(get(group.props, "rules", [])):
            if isinstance(rule, dict) and rule.get("alert") and not listed(rule.get("actions")):
                yield f"Prometheus rule group {group.name}: alert {rule['alert']} has no action group", group.urn
                break
    for type_, path in AZURE_ALERT_ACTIONS.items():
        for alert in stack.of_type(type_):
            actions = get(alert.props, path)
            if not is_unknown(actions) and not listed(actions):
                yield f"alert rule {get(alert.props, 'ruleName') or alert.name} has no action group", alert.urn


@stack_rule(
    name="serving-alerts-routed", scope="multi-cloud", types=ROUTED_TYPES, severity="high",
    description="Serving alerts reach someone: AMP's alert manager sends to an SNS topic, every Cloud Monitoring "
                "alert policy has a notification channel, every Azure Prometheus alert and Azure ML endpoint alert "
                "has an action group.",
    remediation="Configure budget.notify (the zone routes serving alerts to the budget's topic, channels or "
                "action group), or attach your own receiver.",
    config_path="budget.notify")
def serving_alerts_routed(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    yield from _routes(stack)
