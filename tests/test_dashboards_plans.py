"""Serving dashboards in the recorded plans (components/<cloud>/dashboards.py): each prod plan holds a private
managed Grafana (AWS, Azure) with the zone's dashboard, or a Cloud Monitoring dashboard (GCP), and the dashboard
it carries has the panels of every vLLM endpoint and pool, priced in the stack's region; bad Grafana settings
are refused with their key path and exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components import resolve, tokens
from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.observability import dashboards as d
from llmops_landing_zone.components.observability.grafana import DATASOURCE_UID
from llmops_landing_zone.components.observability.rules import slo_targets
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from plan_checks import stack_zone
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
PROD = ("aws-prod", "gcp-prod", "azure-prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: offline.plan(s) for s in (*PROD, "aws-dev", "azure-dev")}


def _one(p: Plan, type_: str) -> PlannedResource:
    (found,) = p.of_type(type_)
    return found


def _expected(stack: str) -> d.DashboardModel:
    _, _, cfg = offline.load(stack)
    scope = d.Scope(extra=f'cluster="{cfg.name}"') if cfg.cloud == "gcp" else d.Scope()
    return d.zone_dashboard(cfg.name, resolve.endpoints(cfg), cfg.cloud, cfg.region or "", slo_targets(cfg.endpoints),
                            scope)


def _vllm(stack: str) -> tuple[list[str], set[str]]:
    _, _, cfg = offline.load(stack)
    specs = resolve.endpoints(cfg)
    keys = [k for k, s in specs.items() if s.runtime == "vllm"]
    return keys, {specs[k].pool.key for k in keys if specs[k].pool}  # type: ignore[union-attr]


def _titles(stack: str) -> set[str]:
    keys, pools = _vllm(stack)
    assert keys and pools
    return {*(f"Endpoint {k} (pool {specs_pool})" for k, specs_pool in _endpoint_pools(stack)),
            *(f"GPU pool {p}" for p in pools)}


def _endpoint_pools(stack: str) -> list[tuple[str, str]]:
    """Every vLLM endpoint's row, and its canary's (the reference prod stacks release one on chat)."""
    _, _, cfg = offline.load(stack)
    return [(w.key, s.pool.key) for s in resolve.endpoints(cfg).values() if s.runtime == "vllm" and s.pool
            for w in (s, *([s.canary.spec] if s.canary else []))]


def test_aws_prod_grafana_is_private_with_identity_center_sign_in(plans: dict[str, Plan]) -> None:
    p = plans["aws-prod"]
    ws = _one(p, tokens.AWS_GRAFANA_WORKSPACE)
    assert ws.inputs["authenticationProviders"] == ["AWS_SSO"]
    assert ws.inputs["accountAccessType"] == "CURRENT_ACCOUNT"
    assert ws.inputs["permissionType"] == "CUSTOMER_MANAGED" and ws.inputs["dataSources"] == ["PROMETHEUS"]
    assert ws.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    # outbound through the private subnets (one per zone), inbound only through the zone's grafana-workspace endpoint
    private = {r.urn for r in p.of_type(tokens.AWS_SUBNET) if "private" in r.name}
    assert len(ws.inputs["vpcConfiguration"]["subnetIds"]) == len(private) == 3
    assert private <= set(ws.dependencies)
    (vpce,) = [r for r in p.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if r.inputs["serviceName"].endswith(
        ".grafana-workspace")]
    assert vpce.inputs["privateDnsEnabled"] is True and vpce.urn in ws.dependencies
    assert ws.inputs["networkAccessControl"]["prefixListIds"] == []
    assert len(ws.inputs["networkAccessControl"]["vpceIds"]) == 1
    (sg,) = [r for r in p.of_type("aws:ec2/securityGroup:SecurityGroup") if r.name.endswith("-grafana")]
    assert [e["cidrBlocks"] for e in sg.inputs["egress"]] == [["10.40.0.0/16"]] and not sg.inputs.get("ingress")
    # the workspace role may query the zone's AMP workspace only
    (policy,) = [r for r in p.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-grafana")]
    doc = json.loads(policy.inputs["policy"])
    (amp,) = [r for r in p.of_type(tokens.AWS_AMP_WORKSPACE)]
    assert len(doc["Statement"]) == 1 and doc["Statement"][0]["Resource"].startswith("arn:aws:aps:")
    assert doc["Statement"][0]["Resource"].endswith(":workspace/" + doc["Statement"][0]["Resource"].rsplit("/", 1)[-1])
    assert amp.urn in policy.dependencies
    assert all(a.startswith("aps:Get") or a == "aps:QueryMetrics" for s in doc["Statement"] for a in s["Action"])
    (role,) = [r for r in p.of_type("aws:iam/role:Role") if r.name.endswith("-grafana")]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "grafana.amazonaws.com"} and "aws:SourceAccount" in str(trust["Condition"])


def test_azure_prod_grafana_is_private_with_entra_and_the_prometheus_integration(plans: dict[str, Plan]) -> None:
    p = plans["azure-prod"]
    g = _one(p, tokens.AZURE_MANAGED_GRAFANA)
    props = g.inputs["properties"]
    assert props["publicNetworkAccess"] == "Disabled" and props["apiKey"] == "Disabled"
    assert props["zoneRedundancy"] == "Enabled" and g.inputs["sku"] == {"name": "Standard"}
    amw = _one(p, tokens.AZURE_MONITOR_WORKSPACE)
    (integration,) = props["grafanaIntegrations"]["azureMonitorWorkspaceIntegrations"]
    assert integration["azureMonitorWorkspaceResourceId"].endswith("/Microsoft.Monitor/accounts/acme-llm-prometheus")
    assert amw.urn in g.dependencies
    (pe,) = [r for r in p.of_type("azure-native:network:PrivateEndpoint") if r.name.endswith("grafana-pe")]
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["grafana"]
    assert pe.inputs["subnet"]["id"].endswith("/subnets/endpoints") or "endpoints" in pe.inputs["subnet"]["id"]
    assert any(r.inputs["privateZoneName"] == "privatelink.grafana.azure.com"
               for r in p.of_type("azure-native:privatedns:PrivateZone"))
    reader = next(r for r in p.of_type(tokens.AZURE_ROLE_ASSIGNMENT) if r.name.endswith("grafana-metrics"))
    assert reader.inputs["scope"] == integration["azureMonitorWorkspaceResourceId"]
    assert reader.inputs["roleDefinitionId"].endswith("b0d8363b-8ddd-447d-831f-62ca05bff136")  # Monitoring Data Reader


@pytest.mark.parametrize("stack", ["aws-prod", "azure-prod"])
def test_the_grafana_dashboard_has_every_endpoint_and_pool_and_goes_in_from_the_network(
        stack: str, plans: dict[str, Plan]) -> None:
    p = plans[stack]
    dash = _one(p, tokens.GRAFANA_DASHBOARD)
    doc = json.loads(dash.inputs["configJson"])
    assert {x["title"] for x in doc["panels"] if x["type"] == "row"} == _titles(stack)
    exprs = [t["expr"] for x in doc["panels"] if x["type"] == "timeseries" for t in x["targets"]]
    assert exprs == _expected(stack).exprs()
    for e in exprs:
        promql_parser.parse(e)
    source = _one(p, tokens.GRAFANA_DATA_SOURCE)
    assert source.inputs["uid"] == DATASOURCE_UID and source.inputs["type"] == "prometheus"
    auth = json.loads(source.inputs["jsonDataEncoded"])
    assert auth.get("sigV4Auth") is True if stack.startswith("aws") else auth["azureCredentials"] == {"authType": "msi"}
    # written through the grafana provider, which only the cluster pass (inside the network) configures
    assert dash.provider and "pulumi:providers:grafana" in dash.provider
    assert source.urn in dash.dependencies


def test_gcp_prod_has_a_cloud_monitoring_dashboard_scoped_to_its_cluster(plans: dict[str, Plan]) -> None:
    p = plans["gcp-prod"]
    doc = json.loads(_one(p, tokens.GCP_MONITORING_DASHBOARD).inputs["dashboardJson"])
    titles = {t["widget"]["title"] for t in doc["mosaicLayout"]["tiles"] if "collapsibleGroup" in t["widget"]}
    assert titles == _titles("gcp-prod")
    queries = [ds["timeSeriesQuery"]["prometheusQuery"] for t in doc["mosaicLayout"]["tiles"]
               if "xyChart" in t["widget"] for ds in t["widget"]["xyChart"]["dataSets"]]
    assert queries == _expected("gcp-prod").exprs()
    assert all('cluster="' in q for q in queries if not q.startswith("vector("))
    assert not p.of_type(tokens.AZURE_MANAGED_GRAFANA) and not p.of_type(tokens.AWS_GRAFANA_WORKSPACE)


@pytest.mark.parametrize("stack", ["aws-dev", "azure-dev"])
def test_dev_has_no_grafana_by_default(stack: str, plans: dict[str, Plan]) -> None:
    assert not plans[stack].of_type(tokens.GRAFANA_DASHBOARD)
    assert not plans[stack].of_type(tokens.AWS_GRAFANA_WORKSPACE) and not plans[stack].of_type(tokens.AZURE_MANAGED_GRAFANA)


# --- config --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "observability", "network", "fragment"), [
    ("gcp-prod", {"grafana": True}, None, "GCP needs no Grafana"),
    ("aws-prod", {"grafana": True, "enabled": False}, None, "needs observability.enabled"),
    ("azure-prod", {"grafana": True, "enabled": False}, None, "needs observability.enabled"),
    ("aws-prod", {"grafana": True}, {"existing": {"vpcId": "vpc-0123456789abcdef0",
                                                  "privateSubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]}},
     "grafana-workspace"),
])
def test_bad_grafana_settings_name_the_key(stack: str, observability: dict[str, Any], network: Any,
                                           fragment: str) -> None:
    zone, provider = stack_zone(stack)
    zone["observability"] = observability
    if network is not None:
        zone["network"] = network
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    assert any("observability.grafana" in line and fragment in line for line in info.value.lines), info.value.lines


@pytest.mark.parametrize(("stack", "environment", "expected"), [
    ("aws-prod", "staging", True), ("aws-prod", "dev", False), ("azure-prod", "prod", True), ("gcp-prod", "prod", False)])
def test_grafana_default(stack: str, environment: str, expected: bool) -> None:
    zone, provider = stack_zone(stack)
    zone["environment"] = environment
    zone.pop("observability", None)
    assert parse_zone(zone, provider).observability.grafana is expected


def test_cli_refuses_grafana_on_gcp_with_exit_2(tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "stacks" / "Pulumi.gcp-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["observability"] = {"grafana": True}
    f = tmp_path / "Pulumi.gcp-prod.yaml"
    f.write_text(yaml.safe_dump(doc))
    out = CliRunner().invoke(app, ["validate", str(f)])
    assert out.exit_code == 2, out.output
    assert "llmops:zone.observability.grafana" in out.output and "Traceback" not in out.output


def test_azure_grafana_reaches_the_private_workspace_through_a_managed_private_endpoint(plans: dict[str, Plan]) -> None:
    """The Azure Monitor workspace refuses public traffic; Grafana queries from Azure's network, so it needs its own
    managed private endpoint to the workspace, and the dashboard objects wait for it."""
    p = plans["azure-prod"]
    workspace = _one(p, "azure-native:monitor:AzureMonitorWorkspace")
    assert workspace.inputs["publicNetworkAccess"] == "Disabled"
    link = _one(p, tokens.AZURE_GRAFANA_MANAGED_PRIVATE_ENDPOINT)
    assert link.inputs["groupIds"] == ["prometheusMetrics"]
    assert link.inputs["privateLinkResourceId"].endswith(
        f"/Microsoft.Monitor/accounts/{workspace.inputs['azureMonitorWorkspaceName']}")
    host = link.inputs["privateLinkServiceUrl"]
    assert "://" not in host and "/" not in host and host.endswith(".prometheus.monitor.azure.com")
    # the Grafana API objects go through a provider that waits for the link (and the reader grant)
    provider = _one(p, "pulumi:providers:grafana")
    assert link.urn in provider.dependencies
    assert {r.provider for r in (_one(p, tokens.GRAFANA_DATA_SOURCE), _one(p, tokens.GRAFANA_DASHBOARD))
            } == {provider.urn}
