"""Usage metering into the audit store (issue 15 item 3): on every cloud, the AI gateway proxies' access records
(team, model, status, token counts; components/k8s/gateway_routes.py) reach the zone's audit store, and nothing
else travels with them.

- GCP (components/gcp/gateway_logs.py): a log sink whose filter names the cluster, ``ingress``, the proxies'
  Envoy container and stdout, into the audit bucket.
- Azure (components/azure/gateway_logs.py): a Container Insights data collection rule, ContainerLogV2 only,
  ``ingress`` only, into the audit workspace through the Private Link Scope's endpoint; the AKS monitoring add-on.
- AWS (components/aws/gateway_logs.py, components/k8s/gateway_logs.py): an audit-keyed log group, a Pod Identity
  role writing only that group, and a Fluent Bit DaemonSet tailing only the proxies' files, valid Kubernetes.
- Each is priced with the gateway-access usage assumption.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components import finops, tokens
from llmops_landing_zone.components.aws.base import retention_days
from llmops_landing_zone.components.catalog import usage
from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.components.finops.model import ACCESS_LOG_USAGE
from llmops_landing_zone.components.k8s import gateway as ai_gateway
from llmops_landing_zone.components.k8s import gateway_logs as shipper
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import manifests, offline

ROOT = Path(__file__).resolve().parent.parent
STACKS = ("aws-dev", "aws-prod", "gcp-dev", "gcp-prod", "azure-dev", "azure-prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: offline.plan(s) for s in STACKS}


def named(plan: Plan, type_: str, name: str) -> PlannedResource:
    found = [r for r in plan.of_type(type_) if r.name == name]
    assert len(found) == 1, (type_, name, [r.name for r in plan.of_type(type_)])
    return found[0]


# --- GCP ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["gcp-dev", "gcp-prod"])
def test_gcp_sink_copies_only_the_proxies_stdout_into_the_audit_bucket(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    sink = named(plan, tokens.GCP_LOG_SINK, f"{cfg.name}-gateway-access")
    audit_sink = named(plan, tokens.GCP_LOG_SINK, f"{cfg.name}-audit")
    bucket = named(plan, tokens.GCP_LOG_BUCKET, f"{cfg.name}-audit")
    cluster = plan.one(tokens.GKE_CLUSTER)
    clauses = sink.inputs["filter"].split(" AND ")
    assert clauses == [
        'resource.type="k8s_container"',
        f'resource.labels.cluster_name="{cluster.inputs["name"]}"',
        f'resource.labels.namespace_name="{ai_gateway.NAMESPACE}"',
        f'resource.labels.container_name="{ai_gateway.PROXY_CONTAINER}"',
        f'logName="projects/{cfg.project}/logs/stdout"',
    ]
    # the same destination as the audit logs: the CMEK bucket, locked in prod; its own sink, so the audit
    # sink's filter (audit logs only) is unchanged
    assert sink.inputs["destination"] == audit_sink.inputs["destination"]
    assert sink.inputs["destination"].endswith(f"/buckets/{bucket.inputs['bucketId']}")
    assert audit_sink.inputs["filter"] == 'logName:"cloudaudit.googleapis.com"'
    assert bucket.urn in sink.dependencies and bucket.inputs["cmekSettings"]["kmsKeyName"]
    assert bucket.inputs["locked"] is (cfg.environment == "prod")
    # GKE ships the containers' stdout to Cloud Logging at all (the sink's source)
    assert "WORKLOADS" in cluster.inputs["loggingConfig"]["enableComponents"]


# --- Azure -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["azure-dev", "azure-prod"])
def test_azure_rule_collects_container_logs_of_ingress_only_into_the_audit_workspace(
        stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    z = cfg.name
    dcr = named(plan, tokens.AZURE_DATA_COLLECTION_RULE, f"{z}-gateway-access-dcr")
    workspace = named(plan, tokens.LOG_ANALYTICS_WORKSPACE, f"{z}-logs")
    dce = named(plan, tokens.AZURE_DATA_COLLECTION_ENDPOINT, f"{z}-prometheus-dce")
    [extension] = dcr.inputs["dataSources"]["extensions"]
    assert set(dcr.inputs["dataSources"]) == {"extensions"}  # no syslog, performance or Prometheus source
    assert extension["extensionName"] == "ContainerInsights"
    assert extension["streams"] == ["Microsoft-ContainerLogV2"]
    assert extension["extensionSettings"]["dataCollectionSettings"] == {
        "interval": "1m", "namespaceFilteringMode": "Include", "namespaces": [ai_gateway.NAMESPACE],
        "enableContainerLogV2": True}
    [destination] = dcr.inputs["destinations"]["logAnalytics"]
    assert dcr.inputs["dataFlows"] == [{"streams": ["Microsoft-ContainerLogV2"], "destinations": [destination["name"]]}]
    assert workspace.urn in dcr.dependencies and destination["workspaceResourceId"].endswith(
        f"/workspaces/{workspace.inputs['workspaceName']}")
    # ingestion through the endpoint in the zone's Private Link Scope (the workspace refuses public ingestion)
    assert workspace.inputs["publicNetworkAccessForIngestion"] == "Disabled"
    assert dce.urn in dcr.dependencies
    scoped = {r.inputs["linkedResourceId"] for r in plan.of_type("azure-native:monitor:PrivateLinkScopedResource")}
    assert dcr.inputs["dataCollectionEndpointId"] in scoped and destination["workspaceResourceId"] in scoped
    assert any(r.urn in dcr.dependencies for r in plan.of_type("azure-native:network:PrivateEndpoint"))
    # the add-on reads the rule associated under this name; the endpoint association already exists
    cluster = plan.one(tokens.AKS_CLUSTER)
    assoc = {r.inputs["associationName"]: r for r in plan.of_type(tokens.AZURE_DATA_COLLECTION_RULE_ASSOCIATION)}
    assert dcr.urn in assoc["ContainerInsightsExtension"].dependencies
    assert assoc["ContainerInsightsExtension"].inputs["resourceUri"] == assoc["configurationAccessEndpoint"].inputs[
        "resourceUri"]
    addon = cluster.inputs["addonProfiles"]["omsagent"]
    assert addon == {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": destination["workspaceResourceId"],
                                                 "useAADAuth": "true"}}


def test_azure_without_observability_has_no_agent_and_no_rule() -> None:
    """No Private Link Scope, no private path into the audit workspace: no agent is turned on for nothing."""
    config = yaml.safe_load((ROOT / "stacks" / "Pulumi.azure-dev.yaml").read_text())["config"]
    zone = copy.deepcopy(config["llmops:zone"])
    zone["observability"] = {"enabled": False}
    plan = offline.plan_config(parse_zone(zone, config))
    assert not [r for r in plan.of_type(tokens.AZURE_DATA_COLLECTION_RULE) if "gateway-access" in r.name]
    cluster = plan.one(tokens.AKS_CLUSTER)
    assert "omsagent" not in cluster.inputs["addonProfiles"]


# --- AWS ---------------------------------------------------------------------------------------------------
def _shipper_objects(plan: Plan) -> dict[str, dict[str, Any]]:
    return {manifests.object_id(m): m for m in manifests.manifests(plan)
            if m["metadata"].get("namespace") == shipper.NAMESPACE or m["metadata"]["name"] == shipper.NAMESPACE}


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_aws_log_group_role_and_association(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    z = cfg.name
    group = named(plan, tokens.LOG_GROUP, f"{z}-gateway-access")
    audit_key = named(plan, "aws:kms/key:Key", f"{z}-audit-key")
    assert group.inputs["name"] == f"/aws/containers/{z}-gateway-access"
    assert group.inputs["kmsKeyId"] and audit_key.urn in group.dependencies
    assert group.inputs["retentionInDays"] == retention_days(cfg.audit.retention_days)
    assert group.protect is (cfg.environment == "prod") and group.retainOnDelete is group.protect

    role = named(plan, tokens.IAM_ROLE, f"{z}-gateway-logs")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "pods.eks.amazonaws.com"}]
    assert trust[0]["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(f":cluster/{z}")
    [policy] = [r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == f"{z}-gateway-logs"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert statements == [{
        "Sid": "WriteGatewayAccessLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:{cfg.region}:123456789012:log-group:{group.inputs['name']}:log-stream:*"}]

    association = named(plan, tokens.AWS_EKS_POD_IDENTITY_ASSOCIATION, f"{z}-gateway-logs")
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (shipper.NAMESPACE, shipper.APP)
    assert role.urn in association.dependencies and policy.urn in association.dependencies


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_aws_daemon_set_tails_only_the_proxies_and_writes_only_the_group(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    objects = _shipper_objects(plan)
    ds = objects[f"DaemonSet.{shipper.NAMESPACE}.{shipper.APP}"]
    pod = ds["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert pod["serviceAccountName"] == shipper.APP and pod["automountServiceAccountToken"] is False
    assert pod["nodeSelector"]  # the system nodes, where the proxies run
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["logs"]["readOnly"] is True and mounts["config"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["logs"]["hostPath"]["path"] == "/var/log"
    sec = container["securityContext"]
    assert sec["readOnlyRootFilesystem"] and not sec["allowPrivilegeEscalation"] and sec["capabilities"]["drop"] == ["ALL"]
    assert container["image"].startswith("public.ecr.aws/aws-observability/aws-for-fluent-bit:")
    [ns] = [m for m in objects.values() if m["kind"] == "Namespace"]
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"  # host paths

    conf = objects[f"ConfigMap.{shipper.NAMESPACE}.{shipper.APP}"]["data"]["fluent-bit.conf"]
    settings = [line.split(None, 1) for line in conf.splitlines() if line.startswith("    ")]
    values: dict[str, list[str]] = {}
    for key, value in settings:
        values.setdefault(key, []).append(value.strip())
    assert values["Path"] == [f"/var/log/containers/*_{ai_gateway.NAMESPACE}_{ai_gateway.PROXY_CONTAINER}-*.log"]
    assert values["Regex"] == ["stream ^stdout$"]  # Envoy's own messages (stderr) stay out
    assert values["Reserve_Data"] == ["Off"]  # only the access line's own fields are kept
    assert values["log_group_name"] == [f"/aws/containers/{cfg.name}-gateway-access"]
    assert values["region"] == [cfg.region] and values["auto_create_group"] == ["Off"]
    assert [v for k, v in settings if k == "Name"] == ["tail", "grep", "parser", "cloudwatch_logs"]


def test_aws_shipper_objects_validate_against_kubernetes(plans: dict[str, Plan]) -> None:
    from k8s_validation import assert_k8s_valid

    from llmops_landing_zone.components.plan import Plan as P

    plan = plans["aws-prod"]
    _, _, cfg = offline.load("aws-prod")
    ours = [r for r in plan.resources if "gateway-log-shipper" in r.urn]
    assert {r.type for r in ours} >= {tokens.K8S_DAEMON_SET, tokens.K8S_CONFIG_MAP, tokens.K8S_SERVICE_ACCOUNT,
                                       tokens.K8S_NAMESPACE}
    assert assert_k8s_valid(P(stack=plan.stack, cloud="aws", environment="prod", resources=ours),
                            cfg.cluster.kubernetes_version) == []


def test_only_aws_runs_a_shipper(plans: dict[str, Plan]) -> None:
    """GKE and AKS collect container logs with their own agents; a second agent would send the lines twice."""
    for stack in ("gcp-prod", "azure-prod"):
        assert not [r for r in plans[stack].resources if "gateway-log-shipper" in r.urn]


# --- cost ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("stack", "type_", "suffix"), [
    ("aws-prod", tokens.LOG_GROUP, "gateway-access"), ("gcp-prod", tokens.GCP_LOG_SINK, "gateway-access"),
    ("azure-prod", tokens.AZURE_DATA_COLLECTION_RULE, "gateway-access-dcr")])
def test_access_records_are_priced_with_their_own_usage_assumption(stack: str, type_: str, suffix: str,
                                                                    plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    r = named(plan, type_, f"acme-llm-{suffix}")
    est = finops.estimate(plan)
    [item] = [i for i in est.items if i.urn == r.urn]
    u = usage(ACCESS_LOG_USAGE)
    assert not item.free and item.monthly_min_usd > 0
    assert item.monthly_max_usd == pytest.approx(item.monthly_min_usd * u.max / u.min, abs=0.01 * u.max / u.min)
    assert f"{u.min:g}-{u.max:g} GB/month (usage assumption)" in item.basis
