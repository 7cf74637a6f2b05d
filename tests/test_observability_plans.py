"""Serving observability in the recorded plans of the reference stacks (components/<cloud>/monitoring.py):
collection into the cloud's managed Prometheus, the zone's rule groups routed to the budget's people, a KEDA
ScaledObject per vLLM endpoint (its queries valid PromQL) instead of the CPU HPA, and every custom resource
valid against the schema of its CRD (tests/crd_schemas, extracted from the upstream CRDs named in each file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import pytest
import yaml

from llmops_landing_zone.components.config.models import serving_workloads
from llmops_landing_zone.components import tokens
from llmops_landing_zone.components.observability import metrics as m
from llmops_landing_zone.components.observability import rule_file
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline

SCHEMAS = Path(__file__).with_name("crd_schemas")
# azmonitoring.coreos.com/v1 PodMonitor is the metrics add-on's copy of prometheus-operator's PodMonitor.
SCHEMA_OF = {("azmonitoring.coreos.com/v1", "PodMonitor"): "monitoring.coreos.com_v1_PodMonitor.json"}
CUSTOM = (tokens.K8S_KEDA_SCALED_OBJECT, tokens.K8S_KEDA_TRIGGER_AUTHENTICATION, tokens.K8S_GMP_POD_MONITORING,
          tokens.K8S_GMP_CLUSTER_RULES, tokens.K8S_AZURE_POD_MONITOR)
PROD = ("aws-prod", "gcp-prod", "azure-prod")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: offline.plan(s) for s in (*PROD, "aws-dev", "gcp-dev", "azure-dev")}


def _vllm_endpoints(stack: str) -> list[str]:
    _, _, cfg = offline.load(stack)
    return sorted(k for k, ep in serving_workloads(cfg.endpoints).items() if ep.runtime == "vllm")  # canaries too


def _one(plan: Plan, type_: str) -> PlannedResource:
    (r,) = plan.of_type(type_)
    return r


def _schema(api_version: str, kind: str) -> dict[str, Any]:
    file = SCHEMA_OF.get((api_version, kind)) or f"{api_version.replace('/', '_')}_{kind}.json"
    return json.loads((SCHEMAS / file).read_text())["schema"]


@pytest.mark.parametrize("stack", PROD)
def test_a_scaled_object_per_vllm_endpoint_and_no_cpu_hpa(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    scaled = {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in plan.of_type(tokens.K8S_KEDA_SCALED_OBJECT)}
    assert sorted(scaled) == _vllm_endpoints(stack)
    _, _, cfg = offline.load(stack)
    for key, spec in scaled.items():
        assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": key}
        assert spec["minReplicaCount"] == serving_workloads(cfg.endpoints)[key].replicas.min
        triggers = {t["name"]: t for t in spec["triggers"]}
        assert m.VLLM_WAITING in triggers["waiting"]["metadata"]["query"]
        for t in triggers.values():
            assert t["type"] == "prometheus" and t["authenticationRef"] == {"name": "managed-prometheus"}
            promql_parser.parse(t["metadata"]["query"])  # raises on invalid PromQL
            assert t["metadata"]["serverAddress"].startswith("https://")
            assert int(t["metadata"]["threshold"]) >= 1
    assert plan.of_type(tokens.K8S_HPA) == []  # KEDA owns each endpoint's HPA
    (release,) = [r for r in plan.of_type(tokens.K8S_HELM_RELEASE) if r.inputs["name"] == "keda"]  # + the gateway's
    assert (release.inputs["chart"], release.inputs["version"]) == ("keda", "2.20.2")


@pytest.mark.parametrize("stack", PROD)
def test_custom_resources_match_their_crd_schemas(stack: str, plans: dict[str, Plan]) -> None:
    found = [r for t in CUSTOM for r in plans[stack].of_type(t)]
    assert found
    for r in found:
        doc = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
        jsonschema.validate(doc, _schema(doc["apiVersion"], doc["kind"]))


def test_the_schemas_reject_a_broken_scaled_object() -> None:
    bad = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "x"},
           "spec": {"triggers": [{"type": "prometheus", "metadata": {}}]}}  # no scaleTargetRef
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _schema("keda.sh/v1alpha1", "ScaledObject"))


def test_aws_collects_into_an_encrypted_amp_workspace_and_alerts_the_budget_topic(plans: dict[str, Plan]) -> None:
    plan = plans["aws-prod"]
    _, _, cfg = offline.load("aws-prod")
    ws = _one(plan, tokens.AWS_AMP_WORKSPACE)
    assert ws.inputs["kmsKeyArn"] and ws.protect
    assert _one(plan, tokens.AWS_AMP_WORKSPACE_CONFIGURATION).inputs["retentionPeriodInDays"] == \
        cfg.observability.retention_days
    assert yaml.safe_load(_one(plan, tokens.AWS_AMP_RULE_GROUP_NAMESPACE).inputs["data"]) == rule_file(cfg.name, cfg.endpoints, cfg.observability.enabled)
    topic = _one(plan, tokens.AWS_SNS_TOPIC)
    definition = yaml.safe_load(yaml.safe_load(
        _one(plan, tokens.AWS_AMP_ALERT_MANAGER_DEFINITION).inputs["definition"])["alertmanager_config"])
    (receiver,) = definition["receivers"]
    assert receiver["sns_configs"][0]["topic_arn"] == f"arn:aws:sns:{cfg.region}:123456789012:{topic.inputs['name']}"
    policy = json.loads(_one(plan, "aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    assert "aps.amazonaws.com" in policy["Statement"][0]["Principal"]["Service"]
    # The agent scrapes vLLM, DCGM and kube-state-metrics and remote-writes to the workspace.
    (config,) = [r for r in plan.of_type(tokens.K8S_CONFIG_MAP) if r.inputs["metadata"]["name"] == "prometheus-agent"]
    prom = yaml.safe_load(config.inputs["data"]["prometheus.yml"])
    assert [j["job_name"] for j in prom["scrape_configs"]] == ["vllm", "dcgm-exporter", "kube-state-metrics",
                                                                "ai-gateway"]  # + the AI gateway's token usage
    assert prom["remote_write"][0]["url"].endswith("/api/v1/remote_write")
    assert any(a.inputs["addonName"] == "kube-state-metrics" for a in plan.of_type(tokens.AWS_EKS_ADDON))
    assert any(e.inputs["serviceName"].endswith(".aps-workspaces") for e in plan.of_type(tokens.AWS_VPC_ENDPOINT))
    # vLLM admits the agent's namespace.
    for np in plan.of_type(tokens.K8S_NETWORK_POLICY):
        if np.inputs["metadata"]["name"] in _vllm_endpoints("aws-prod"):
            peers = [p["namespaceSelector"]["matchLabels"] for p in np.inputs["spec"]["ingress"][0]["from"]]
            assert {"kubernetes.io/metadata.name": "monitoring"} in peers


def test_gcp_alert_policies_notify_the_budget_channels(plans: dict[str, Plan]) -> None:
    plan = plans["gcp-prod"]
    _, _, cfg = offline.load("gcp-prod")
    channels = plan.of_type(tokens.GCP_NOTIFICATION_CHANNEL)
    assert channels
    # the rule file's alerts (PromQL conditions); managed endpoints' policies: tests/test_managed_endpoint_alerts.py
    policies = [p for p in plan.of_type(tokens.GCP_ALERT_POLICY)
                if "conditionPrometheusQueryLanguage" in p.inputs["conditions"][0]]
    alerts = [r for g in rule_file(cfg.name, cfg.endpoints, cfg.observability.enabled)["groups"] for r in g["rules"] if "alert" in r]
    assert len(policies) == len(alerts)
    for p in policies:
        assert len(p.inputs["notificationChannels"]) == len(channels)
        promql_parser.parse(p.inputs["conditions"][0]["conditionPrometheusQueryLanguage"]["query"])
    records = [r["record"] for g in _one(plan, tokens.K8S_GMP_CLUSTER_RULES).inputs["spec"]["groups"]
               for r in g["rules"]]
    assert records and all(r.startswith("llz:") for r in records)
    assert {r.inputs["metadata"]["namespace"] for r in plan.of_type(tokens.K8S_GMP_POD_MONITORING)} == \
        {"llm-serving", "ingress"}  # vLLM, and the AI gateway's proxies


def test_azure_collects_into_a_monitor_workspace_and_alerts_the_budget_action_group(plans: dict[str, Plan]) -> None:
    plan = plans["azure-prod"]
    aks = _one(plan, tokens.AKS_CLUSTER)
    assert aks.inputs["azureMonitorProfile"] == {"metrics": {"enabled": True}}
    ws = _one(plan, tokens.AZURE_MONITOR_WORKSPACE)
    dcr = plan.one(tokens.AZURE_DATA_COLLECTION_RULE, "acme-llm-prometheus-dcr")  # gateway-access: its own test
    assert dcr.inputs["dataFlows"] == [{"destinations": ["MonitoringAccount1"], "streams": ["Microsoft-PrometheusMetrics"]}]
    assert ws.urn in dcr.dependencies
    assert {a.inputs["associationName"] for a in plan.of_type(tokens.AZURE_DATA_COLLECTION_RULE_ASSOCIATION)} == \
        {"ContainerInsightsMetricsExtension", "configurationAccessEndpoint",
         "ContainerInsightsExtension"}  # the last: the gateway's access records (tests/test_gateway_metering.py)
    group = _one(plan, tokens.AZURE_ACTION_GROUP)
    alerts = [r for g in plan.of_type(tokens.AZURE_PROMETHEUS_RULE_GROUP) for r in g.inputs["rules"] if "alert" in r]
    assert alerts and all(group.urn in g.dependencies for g in plan.of_type(tokens.AZURE_PROMETHEUS_RULE_GROUP))
    assert all(len(r["actions"]) == 1 for r in alerts)
    assert {p.inputs["metadata"]["namespace"] for p in plan.of_type(tokens.K8S_AZURE_POD_MONITOR)} == \
        {"llm-serving", "gpu-system", "ingress"}  # + the AI gateway's proxies


def test_observability_off_keeps_the_cpu_hpa_and_deploys_nothing_of_it() -> None:
    _, _, cfg = offline.load("aws-dev")
    off = cfg.model_copy(update={"observability": cfg.observability.model_copy(update={"enabled": False})})
    plan = offline.plan_config(off)
    assert plan.of_type(tokens.K8S_KEDA_SCALED_OBJECT) == [] and plan.of_type(tokens.AWS_AMP_WORKSPACE) == []
    hpas = plan.of_type(tokens.K8S_HPA)
    assert len(hpas) == len(_vllm_endpoints("aws-dev"))
    assert all(h.inputs["spec"]["metrics"][0]["resource"]["name"] == "cpu" for h in hpas)
