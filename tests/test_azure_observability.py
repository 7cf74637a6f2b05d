"""Azure serving observability: managed Prometheus reached over Private Link (components/azure/monitoring.py:
an Azure Monitor Private Link Scope for ingestion, the workspace's own private endpoint for queries), and the
guardrail that Azure ML endpoint alerts reach an action group (policies/rules/observability.py), with both
runners (CrossGuard StackValidationPolicy, llz evaluator)."""

from __future__ import annotations

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.components.azure.network import private_dns_zones
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
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


@pytest.fixture(scope="module", params=["azure-prod", "azure-dev"])
def plan(request: pytest.FixtureRequest) -> Plan:
    return offline.plan(request.param)


def _named(plan: Plan, type_: str, name: str) -> PlannedResource:
    (r,) = [r for r in plan.of_type(type_) if r.name == name]
    return r


def test_ingestion_goes_through_the_private_link_scope(plan: Plan) -> None:
    (scope,) = plan.of_type(t.AZURE_MONITOR_PRIVATE_LINK_SCOPE)
    assert scope.inputs["location"] == "global"
    assert scope.inputs["accessModeSettings"] == {"ingestionAccessMode": "PrivateOnly", "queryAccessMode": "PrivateOnly"}
    (dce,) = plan.of_type(t.AZURE_DATA_COLLECTION_ENDPOINT)
    assert dce.inputs["networkAcls"] == {"publicNetworkAccess": "Disabled"}
    (logs,) = plan.of_type(t.LOG_ANALYTICS_WORKSPACE)
    scoped = {r.inputs["linkedResourceId"].rsplit("/", 2)[-2]: r for r in plan.of_type(
        t.AZURE_MONITOR_PRIVATE_LINK_SCOPED_RESOURCE)}
    assert set(scoped) == {"dataCollectionEndpoints", "workspaces"}
    assert scoped["dataCollectionEndpoints"].inputs["linkedResourceId"].endswith(
        f"/dataCollectionEndpoints/{dce.inputs['dataCollectionEndpointName']}")
    assert scoped["workspaces"].inputs["linkedResourceId"].endswith(f"/workspaces/{logs.inputs['workspaceName']}")
    for r in scoped.values():
        assert r.inputs["kind"] == "Resource" and r.inputs["scopeName"] == scope.inputs["scopeName"]
        assert scope.urn in r.dependencies

    pe = _named(plan, t.AZURE_PRIVATE_ENDPOINT, "acme-llm-ampls-pe")
    (conn,) = pe.inputs["privateLinkServiceConnections"]
    assert conn["groupIds"] == ["azuremonitor"]
    assert conn["privateLinkServiceId"].endswith(f"/privateLinkScopes/{scope.inputs['scopeName']}")
    assert pe.inputs["subnet"]["id"].endswith("/subnets/private-endpoints")
    assert {r.urn for r in scoped.values()} <= set(pe.dependencies)  # scoped first: DNS records for both


def test_queries_go_through_the_workspace_private_endpoint(plan: Plan) -> None:
    (workspace,) = plan.of_type(t.AZURE_MONITOR_WORKSPACE)
    assert workspace.inputs["publicNetworkAccess"] == "Disabled"
    pe = _named(plan, t.AZURE_PRIVATE_ENDPOINT, "acme-llm-prometheus-pe")
    (conn,) = pe.inputs["privateLinkServiceConnections"]
    assert conn["groupIds"] == ["prometheusMetrics"]
    assert conn["privateLinkServiceId"].endswith(f"/accounts/{workspace.inputs['azureMonitorWorkspaceName']}")
    assert workspace.urn in pe.dependencies
    # KEDA and ama-metrics start only once both private endpoints (and their DNS) exist
    (keda,) = [r for r in plan.resources if r.type == "llmops:k8s:Keda"]
    assert pe.urn in keda.dependencies
    for monitor in plan.of_type(t.K8S_AZURE_POD_MONITOR):
        assert pe.urn in monitor.dependencies


def test_azure_monitor_dns_zones_are_linked_once(plan: Plan) -> None:
    zones = {r.inputs["privateZoneName"]: r for r in plan.of_type(t.AZURE_PRIVATE_ZONE)}
    assert len(zones) == len(plan.of_type(t.AZURE_PRIVATE_ZONE))  # the blob zone is shared, not duplicated
    wanted = {*private_dns_zones("azuremonitor", "eastus"), *private_dns_zones("prometheusMetrics", "eastus")}
    assert "privatelink.eastus.prometheus.monitor.azure.com" in wanted
    assert wanted <= set(zones)
    linked = {r.inputs["privateZoneName"] for r in plan.of_type(t.AZURE_PRIVATE_ZONE_VIRTUAL_NETWORK_LINK)}
    assert wanted <= linked
    groups = {r.inputs["privateEndpointName"]: r for r in plan.of_type(t.AZURE_PRIVATE_DNS_ZONE_GROUP)}
    ampls = [c["privateDnsZoneId"].rsplit("/", 1)[-1] for c in groups["acme-llm-ampls-pe"].inputs[
        "privateDnsZoneConfigs"]]
    assert ampls == private_dns_zones("azuremonitor", "eastus")


def test_private_link_resources_are_priced_or_free(plan: Plan) -> None:
    from llmops_landing_zone.components.finops import estimate

    items = {i.name: i for i in estimate(plan).items}
    for name in ("acme-llm-ampls", "acme-llm-ampls-pe", "acme-llm-prometheus-pe"):
        assert items[name].priced
    assert items["acme-llm-ampls-pe"].monthly_min_usd > 0
