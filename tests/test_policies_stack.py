"""Every stack rule of the pack: a compliant stack fixture, failing variants (one change at a time), and the
properties it reads unknown during preview. Both runners (CrossGuard StackValidationPolicy, llz evaluator)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from llmops_landing_zone.policies import registry
from llmops_landing_zone.components import tokens as ct
from llmops_landing_zone.policies import tokens as t
from llmops_landing_zone.policies.testing import Res, crossguard_stack, offline_findings, stack_of

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
GPU_POOL = {"instanceTypes": ["g6.xlarge"], "amiType": "AL2023_x86_64_NVIDIA",
            "scalingConfig": {"minSize": 0, "maxSize": 2}}


@dataclass
class FakeEstimate:
    """The components.finops contract: ``monthly_min_usd``, ``monthly_max_usd``, ``items``."""

    monthly_min_usd: float
    monthly_max_usd: float
    items: list[Any] = field(default_factory=list)


def estimator(lo: float, hi: float) -> Callable[[Any], FakeEstimate]:
    return lambda _stack: FakeEstimate(lo, hi)


Change = Callable[[list[Res]], list[Res]]


def edit(name: str, path: str, value: Any) -> Change:
    def change(resources: list[Res]) -> list[Res]:
        out = copy.deepcopy(resources)
        for r in out:
            if r.name == name:
                cur = r.props
                steps = path.split(".")
                for step in steps[:-1]:
                    cur = cur[int(step)] if isinstance(cur, list) else cur.setdefault(step, {})
                if isinstance(cur, list):
                    cur[int(steps[-1])] = value
                else:
                    cur[steps[-1]] = value
        return out
    change.__name__ = f"{name}.{path}={value!r}"[:60]
    return change


def remove(name: str) -> Change:
    def change(resources: list[Res]) -> list[Res]:
        return [r for r in copy.deepcopy(resources) if r.name != name]
    change.__name__ = f"without {name}"
    return change


def add(res: Res) -> Change:
    def change(resources: list[Res]) -> list[Res]:
        return [*copy.deepcopy(resources), res]
    change.__name__ = f"plus {res.type.rsplit(':', 1)[-1]} {res.name}"
    return change


@dataclass
class StackCase:
    policy: str
    resources: list[Res]
    failing: list[Change]
    unknown: list[tuple[str, str]]  # (resource name, property path) the rule reads
    env: str = "prod"
    estimate: tuple[float, float] | str | None = None  # "real": the FinOps estimate of the stack's plan view
    id: str = ""


def deployment(labels: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"name": "chat", "namespace": "llm-serving", "labels": labels},
            "spec": {"selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "vllm"}]}}}}


TEAM = [
    Res(t.K8S_NAMESPACE, "team-a", {"metadata": {"name": "team-a"}}),
    Res(t.K8S_ROLE_BINDING, "team-a-rb", {"metadata": {"name": "developer", "namespace": "team-a"},
                                          "roleRef": {"kind": "Role", "name": "developer"},
                                          "subjects": [{"kind": "Group", "name": "llmops:a"}]}, depends_on=["team-a"]),
    Res(t.K8S_RESOURCE_QUOTA, "team-a-quota", {"metadata": {"name": "gpu", "namespace": "team-a"},
                                               "spec": {"hard": {"requests.nvidia.com/gpu": "4"}}},
        depends_on=["team-a"]),
    Res(t.K8S_NETWORK_POLICY, "team-a-deny", {"metadata": {"name": "default-deny", "namespace": "team-a"},
                                              "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
        depends_on=["team-a"]),
]
SERVING_LABELS = {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "chat"}

CASES: list[StackCase] = [
    StackCase("aws-cloudtrail-enabled",
              [Res(t.EKS_CLUSTER, "eks", {"name": "zone"}), Res(t.CLOUDTRAIL, "trail", {"isMultiRegionTrail": True})],
              [edit("trail", "isMultiRegionTrail", False), remove("trail")], [("trail", "isMultiRegionTrail")]),
    StackCase("aws-s3-bucket-private",
              [Res(t.S3_BUCKETS[0], "models", {"bucket": "zone-models"}),
               Res(t.S3_PUBLIC_ACCESS_BLOCK, "models-pab", {"bucket": "zone-models", "blockPublicAcls": True},
                   depends_on=["models"])],
              [remove("models-pab"), add(Res(t.S3_BUCKETS[0], "trail-logs", {"bucket": "zone-trail"}))],
              [("models-pab", "bucket"), ("models", "bucket")]),
    StackCase("aws-vpc-flow-logs",
              [Res("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.40.0.0/16"}),
               Res("aws:ec2/flowLog:FlowLog", "flow", {"trafficType": "ALL"}, depends_on=["vpc"])],
              [remove("flow"), edit("flow", "trafficType", "REJECT")], [("flow", "trafficType")]),
    StackCase("gcp-audit-logging",
              [Res(t.GKE_CLUSTER, "gke", {"name": "zone"}),
               *[Res(t.GCP_AUDIT_CONFIG, f"audit-{s.split('.')[0]}",
                     {"service": s, "auditLogConfigs": [{"logType": k} for k in ("ADMIN_READ", "DATA_READ",
                                                                                  "DATA_WRITE")]})
                 for s in ("aiplatform.googleapis.com", "storage.googleapis.com")]],
              [remove("audit-aiplatform"), edit("audit-storage", "auditLogConfigs", [{"logType": "ADMIN_READ"}])],
              [("audit-storage", "service"), ("audit-storage", "auditLogConfigs.1.logType")]),
    StackCase("azure-activity-log-export",
              [Res(t.AKS_CLUSTER, "aks", {}), Res(t.SUBSCRIPTION_DIAGNOSTIC_SETTING, "activity", {"name": "x"})],
              [remove("activity")], [("activity", "name")], id="subscription-setting"),
    StackCase("azure-activity-log-export",
              [Res(t.AKS_CLUSTER, "aks", {}), Res(t.DIAGNOSTIC_SETTING, "activity", {"resourceUri": SUB})],
              [edit("activity", "resourceUri", f"{SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/"
                                               "managedClusters/aks")],
              [("activity", "resourceUri")], id="diagnostic-setting"),
    StackCase("azure-aks-audit-logs",
              [Res(t.AKS_CLUSTER, "aks", {}),
               Res(t.DIAGNOSTIC_SETTING, "aks-diag", {"logs": [{"category": "kube-audit-admin", "enabled": True}]},
                   depends_on=["aks"])],
              [remove("aks-diag"), edit("aks-diag", "logs.0.category", "cluster-autoscaler"),
               edit("aks-diag", "logs.0.enabled", False)],
              [("aks-diag", "logs.0.category"), ("aks-diag", "logs")]),
    StackCase("audit-logs-immutable",
              [Res(t.CLOUDTRAIL, "trail", {"s3BucketName": "zone-audit"}),
               Res("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "lock",
                   {"bucket": "zone-audit", "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}}})],
              [remove("lock"), edit("lock", "bucket", "zone-models"), edit("lock", "rule", {})],
              [("trail", "s3BucketName"), ("lock", "bucket")], id="aws"),
    StackCase("audit-logs-immutable",
              [Res(t.GKE_CLUSTER, "gke", {}), Res(t.GCP_LOG_BUCKET, "audit", {"locked": True, "retentionDays": 365})],
              [edit("audit", "locked", False), remove("audit")], [("audit", "locked")], id="gcp"),
    StackCase("audit-logs-immutable",
              [Res(t.AKS_CLUSTER, "aks", {}),
               Res(t.STORAGE_ACCOUNT, "audit-store", {"immutableStorageWithVersioning": {
                   "enabled": True, "immutabilityPolicy": {"state": "Locked",
                                                           "immutabilityPeriodSinceCreationInDays": 365}}}),
               Res(t.SUBSCRIPTION_DIAGNOSTIC_SETTING, "activity", {"storageAccountId": "id"},
                   depends_on=["audit-store"])],
              [edit("audit-store", "immutableStorageWithVersioning.immutabilityPolicy.state", "Disabled"),
               edit("audit-store", "immutableStorageWithVersioning.enabled", False)],
              [("audit-store", "immutableStorageWithVersioning.immutabilityPolicy.state"),
               ("audit-store", "immutableStorageWithVersioning")], id="azure"),
    StackCase("k8s-no-cluster-admin-binding",
              [Res(t.K8S_CLUSTER_ROLE_BINDING, "readers", {"roleRef": {"kind": "ClusterRole", "name": "view"},
                                                           "subjects": [{"kind": "Group", "name": "llmops:a"}]})],
              [edit("readers", "roleRef.name", "cluster-admin"),
               add(Res(t.K8S_ROLE_BINDING, "team-admin", {"metadata": {"namespace": "team-a"},
                                                          "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                                                          "subjects": [{"kind": "Group", "name": "llmops:a"}]})),
               add(Res(t.EKS_ACCESS_POLICY, "team-eks-admin", {
                   "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                   "principalArn": "arn:aws:iam::123456789012:role/research", "accessScope": {"type": "cluster"}}))],
              [("readers", "roleRef.name"), ("readers", "subjects.0.name")]),
    StackCase("k8s-team-gpu-quota", TEAM,
              [edit("team-a-quota", "spec.hard", {"pods": "50"}), remove("team-a-quota")],
              [("team-a-quota", "spec.hard"), ("team-a", "metadata.name"), ("team-a-quota", "metadata.namespace")]),
    StackCase("k8s-namespace-default-deny", TEAM,
              [remove("team-a-deny"), edit("team-a-deny", "spec.podSelector", {"matchLabels": {"app": "x"}}),
               edit("team-a-deny", "spec.ingress", [{"from": [{"podSelector": {}}]}])],
              [("team-a-deny", "spec.podSelector"), ("team-a-deny", "spec"), ("team-a", "metadata.name")]),
    StackCase("k8s-serving-ingress-restricted",
              [Res(t.K8S_WORKLOADS[0], "chat", deployment(SERVING_LABELS)),
               Res(t.K8S_NETWORK_POLICY, "chat-np", {"metadata": {"name": "chat", "namespace": "llm-serving"},
                                                     "spec": {"podSelector": {"matchLabels": SERVING_LABELS},
                                                              "policyTypes": ["Ingress"]}})],
              [remove("chat-np"), edit("chat-np", "spec.podSelector.matchLabels", {"app": "other"}),
               edit("chat-np", "metadata.namespace", "default"), edit("chat-np", "spec.policyTypes", ["Egress"])],
              [("chat-np", "spec.podSelector"), ("chat-np", "metadata.namespace"), ("chat", "metadata.namespace"),
               ("chat-np", "spec.policyTypes")]),
    StackCase("budget-for-gpu-capacity",
              [Res(t.EKS_NODE_GROUP, "gpu", GPU_POOL), Res(t.AWS_BUDGET, "budget", {"limitAmount": "3000"})],
              [remove("budget")], [("gpu", "instanceTypes")], id="pool"),
    StackCase("budget-for-gpu-capacity",
              [Res(t.SAGEMAKER_ENDPOINT_CONFIG, "summarize", {"productionVariants": [{"instanceType": "ml.g6e.xlarge"}]}),
               Res(t.AWS_BUDGET, "budget", {"limitAmount": "3000"})],
              [remove("budget")], [("summarize", "productionVariants")], id="managed-endpoint"),
    StackCase("budget-covers-minimum-cost",
              [Res(t.AWS_BUDGET, "budget", {"limitAmount": "3000", "timeUnit": "MONTHLY"})],
              [edit("budget", "limitAmount", "1500"), edit("budget", "timeUnit", "QUARTERLY")],
              [("budget", "limitAmount")], estimate=(2000.0, 9000.0)),
    StackCase("budget-covers-maximum-cost",
              [Res(t.GCP_BUDGET, "budget", {"amount": {"specifiedAmount": {"units": "10000"}}})],
              [edit("budget", "amount.specifiedAmount.units", "8000")],
              [("budget", "amount.specifiedAmount.units"), ("budget", "amount")], estimate=(2000.0, 9000.0)),
    StackCase("cost-estimate-complete",
              [Res(t.VERTEX_MODEL_GARDEN, "summarize", {"deployConfig": {"dedicatedResources": {
                  "machineSpec": {"machineType": "g2-standard-24"}, "minReplicaCount": 1, "maxReplicaCount": 2}}}),
               Res(t.GCP_BUDGET, "budget", {"amount": {"specifiedAmount": {"units": "10000"}}})],
              [add(Res(t.VERTEX_ENDPOINT, "custom", {"displayName": "zone-custom"})),
               add(Res("gcp:compute/instance:Instance", "vm", {"machineType": "n2-standard-4"})),
               edit("summarize", "deployConfig.dedicatedResources.machineSpec.machineType", "x9-unknown-8g")],
              [], estimate="real"),
    StackCase("budget-early-warning",
              [Res(t.AWS_BUDGET, "budget", {"limitAmount": "3000", "notifications": [
                  {"threshold": 100, "thresholdType": "PERCENTAGE", "notificationType": "ACTUAL"},
                  {"threshold": 100, "thresholdType": "PERCENTAGE", "notificationType": "FORECASTED"}]})],
              [edit("budget", "notifications.1.notificationType", "ACTUAL"),
               edit("budget", "notifications.1.threshold", 120)],
              [("budget", "notifications.1.notificationType"), ("budget", "notifications.1.threshold"),
               ("budget", "notifications")], id="aws"),
    StackCase("budget-early-warning",
              [Res(t.AZURE_BUDGETS[0], "budget", {"amount": 3000, "notifications": {
                  "a50": {"enabled": True, "threshold": 50, "thresholdType": "Actual"},
                  "a100": {"enabled": True, "threshold": 100, "thresholdType": "Actual"}}})],
              [edit("budget", "notifications.a50.enabled", False), edit("budget", "notifications.a50.threshold", 100)],
              [("budget", "notifications.a50.threshold")], id="azure"),
    StackCase("serving-slo-alerts",
              [Res(t.K8S_WORKLOADS[0], "chat", deployment(SERVING_LABELS)),
               Res(ct.AWS_AMP_RULE_GROUP_NAMESPACE, "rules", {"data": 'groups: [{rules: [{record: x, expr: "sum(vllm:'
                   'num_requests_waiting{pod=~"chat-[a-z0-9]+-[a-z0-9]+"})"}]}]'})],
              [remove("rules"), edit("rules", "data", "groups: []")], [("rules", "data")], id="aws"),
    StackCase("serving-alerts-routed",
              [Res(ct.AWS_AMP_RULE_GROUP_NAMESPACE, "rules", {"data": "groups: []"}),
               Res(ct.AWS_AMP_ALERT_MANAGER_DEFINITION, "alerts",
                   {"definition": "alertmanager_config: {receivers: [{name: r, sns_configs: [{topic_arn: t}]}]}"})],
              [remove("alerts"), edit("alerts", "definition", "alertmanager_config: {}")],
              [("alerts", "definition")], id="aws"),
    StackCase("serving-alerts-routed",
              [Res(ct.GCP_ALERT_POLICY, "policy", {"displayName": "ttft", "notificationChannels": ["c1"]})],
              [edit("policy", "notificationChannels", [])], [("policy", "notificationChannels")], id="gcp"),
    StackCase("serving-alerts-routed",
              [Res(ct.AZURE_PROMETHEUS_RULE_GROUP, "group", {"rules": [
                  {"alert": "VllmTtftSlo", "actions": [{"actionGroupId": "ag"}]}]})],
              [edit("group", "rules", [{"alert": "VllmTtftSlo", "actions": []}])], [("group", "rules")], id="azure"),
    StackCase("gateway-authenticated",
              [Res(ct.K8S_AIGW_ROUTE, "route-chat", {"kind": "AIGatewayRoute", "metadata": {"name": "chat"}}),
               Res(ct.K8S_EG_SECURITY_POLICY, "auth-chat", {"spec": {
                   "targetRefs": [{"kind": "AIGatewayRoute", "name": "chat"}],
                   "apiKeyAuth": {"credentialRefs": [{"kind": "Secret", "name": "gateway-key-research"}]}}})],
              [remove("auth-chat"), edit("auth-chat", "spec.apiKeyAuth.credentialRefs", []),
               edit("auth-chat", "spec.targetRefs", [{"kind": "AIGatewayRoute", "name": "other"}]),
               add(Res(ct.K8S_HTTP_ROUTE, "httproute-x", {"kind": "HTTPRoute", "metadata": {"name": "x"}}))],
              [("auth-chat", "spec.apiKeyAuth.credentialRefs"), ("route-chat", "metadata.name"),
               ("auth-chat", "spec")]),
    StackCase("gateway-team-limits",
              [Res(ct.K8S_SECRET, "key-research", {"metadata": {"name": "gateway-key-research"}}),
               Res(ct.K8S_EG_BACKEND_TRAFFIC_POLICY, "limits", {"spec": {"rateLimit": {"global": {"rules": [
                   {"clientSelectors": [{"headers": [{"name": "x-llz-team", "type": "Exact", "value": "research"}]}],
                    "limit": {"requests": 600, "unit": "Minute"}}]}}}})],
              [remove("limits"), edit("limits", "spec.rateLimit.global.rules", []),
               add(Res(ct.K8S_SECRET, "key-platform", {"metadata": {"name": "gateway-key-platform"}}))],
              [("limits", "spec.rateLimit.global.rules"), ("key-research", "metadata.name")]),
]


def case_id(c: StackCase) -> str:
    return f"{c.policy}[{c.id}]" if c.id else c.policy


def run_both(c: StackCase, resources: list[Res]) -> list[str]:
    est = (registry.default_estimator if c.estimate == "real" else
           estimator(*c.estimate) if isinstance(c.estimate, tuple) else (lambda _s: None))
    offline = [(f.message, f.urn) for f in offline_findings(c.policy, resources, environment=c.env, estimator=est)]
    guard = crossguard_stack(c.policy, resources, environment=c.env, estimator=est)
    assert offline == guard
    return [m for m, _ in offline]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compliant_stack_passes(case: StackCase) -> None:
    assert run_both(case, case.resources) == []


FAILING = [(c, change) for c in CASES for change in c.failing]


@pytest.mark.parametrize("item", FAILING, ids=[f"{case_id(c)}:{ch.__name__}" for c, ch in FAILING])
def test_each_change_fails(item: tuple[StackCase, Change]) -> None:
    case, change = item
    assert run_both(case, change(case.resources))


UNKNOWN = [(c, name, path) for c in CASES for name, path in c.unknown]


@pytest.mark.parametrize("item", UNKNOWN, ids=[f"{case_id(c)}:{n}.{p}" for c, n, p in UNKNOWN])
def test_unknown_values_during_preview(item: tuple[StackCase, str, str]) -> None:
    case, name, path = item
    resources = edit(name, path, UNKNOWN_STRING_VALUE)(case.resources)
    assert run_both(case, resources) == []


def test_every_stack_rule_has_cases() -> None:
    names = {c.policy for c in CASES}
    missing = [r.name for r in registry.rules() if r.kind == "stack" and r.name not in names]
    assert not missing, f"stack rules without fixtures: {missing}"


def test_violations_point_at_the_offending_resource() -> None:
    resources = add(Res(t.S3_BUCKETS[0], "trail-logs", {"bucket": "zone-trail"}))(CASES[1].resources)
    found = crossguard_stack("aws-s3-bucket-private", resources)
    assert found == [("bucket has no public access block",
                      "urn:pulumi:test::llmops-landing-zone::aws:s3/bucket:Bucket::trail-logs")]


def test_an_account_wide_public_access_block_covers_every_bucket() -> None:
    resources = [Res(t.S3_BUCKETS[0], "models", {"bucket": "m"}),
                 Res(t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, "account", {"blockPublicAcls": True})]
    assert crossguard_stack("aws-s3-bucket-private", resources) == []


def test_allow_listed_subjects_may_hold_cluster_admin() -> None:
    binding = Res(t.K8S_CLUSTER_ROLE_BINDING, "break-glass", {
        "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "Group", "name": "llmops:break-glass"}]})
    assert crossguard_stack("k8s-no-cluster-admin-binding", [binding])
    assert crossguard_stack("k8s-no-cluster-admin-binding", [binding],
                            config={"allowedSubjects": ["llmops:break-glass"]}) == []


def test_gpu_free_stacks_need_no_budget_and_pools_scale_by_type() -> None:
    system = Res(t.EKS_NODE_GROUP, "system", {"instanceTypes": ["m7i.xlarge"]})
    assert crossguard_stack("budget-for-gpu-capacity", [system]) == []
    gcp = Res(t.GKE_NODE_POOL, "gpu", {"nodeConfig": {"machineType": "a3-highgpu-8g"}})
    assert crossguard_stack("budget-for-gpu-capacity", [gcp]) == [
        ("GPU capacity (gpu) without a budget on gcp", None)]
    azure = Res(t.AKS_AGENT_POOL, "gpu", {"vmSize": "Standard_NC40ads_H100_v5"})
    assert crossguard_stack("budget-for-gpu-capacity",
                            [azure, Res(t.AZURE_BUDGETS[0], "b", {"amount": 1000})]) == []


def test_budget_rules_without_an_estimate_stay_silent() -> None:
    """components.finops unavailable (or no fixed budget amount): coverage cannot be judged, so nothing is reported."""
    budget = Res(t.AWS_BUDGET, "budget", {"limitAmount": "10"})
    assert offline_findings("budget-covers-minimum-cost", [budget], estimator=lambda _s: None) == []
    assert offline_findings("budget-covers-minimum-cost", [Res(t.GCP_BUDGET, "b", {"amount": {
        "lastPeriodAmount": {}}})], estimator=estimator(100.0, 200.0)) == []


def test_budget_coverage_is_mandatory_in_prod_only() -> None:
    rule = registry.rule_named("budget-covers-minimum-cost")
    assert (rule.level("prod"), rule.level("staging"), rule.level("dev")) == ("mandatory", "advisory", "advisory")
    assert {registry.rule_named(n).level(e) for n in ("budget-covers-maximum-cost", "budget-early-warning")
            for e in ("dev", "staging", "prod")} == {"advisory"}


def test_budget_coverage_uses_the_real_cost_estimate_on_a_plan_view() -> None:
    """Under `pulumi preview`, the stack policy sees PolicyResources; the pack builds a Plan from them and
    calls components.finops.estimate, the same function llz check uses."""
    from llmops_landing_zone.components.finops import estimate

    pool = Res(t.EKS_NODE_GROUP, "gpu", {**GPU_POOL, "scalingConfig": {"minSize": 4, "maxSize": 8}})
    budget = Res(t.AWS_BUDGET, "budget", {"limitAmount": "100", "timeUnit": "MONTHLY"})
    expected = estimate(registry.plan_view(stack_of([pool, budget])))
    assert expected.monthly_min_usd > 100
    found = crossguard_stack("budget-covers-minimum-cost", [pool, budget])
    assert len(found) == 1 and f"${expected.monthly_min_usd:,.0f}/month" in found[0][0]
