"""Per-stack pack settings: enforcement per environment and its overrides, suppressions (shown, never blocking),
the baseline, the pack config for `pulumi preview --policy-pack-config`, and the policy metadata itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz.check import evaluate, pack_config, policy_issues, settings_for
from llmops_landing_zone.llz.results import Violation
from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies import tokens as t
from llmops_landing_zone.policies.base import ENVIRONMENTS, SEVERITIES
from llmops_landing_zone.policies.testing import crossguard_resource

URN = "urn:pulumi:t::llmops-landing-zone::llmops:index:LandingZone$aws:kms/key:Key::{}"


def cfg(environment: str = "prod", **policy: Any) -> ZoneConfig:
    return ZoneConfig.model_validate({"name": "acme-llm", "cloud": "aws", "environment": environment,
                                      "region": "us-east-1", "policy": policy})


def plan(environment: str = "prod") -> Plan:
    """Two KMS keys without rotation, unprotected: two rules, two resources."""
    keys = [PlannedResource(urn=URN.format(n), type=t.KMS_KEY, name=n, parent=None, custom=True,
                            inputs={"enableKeyRotation": False}) for n in ("acme-llm-data-key", "acme-llm-audit-key")]
    return Plan(stack="t", cloud="aws", environment=environment, resources=keys)


def by(violations: list[Violation], policy: str) -> dict[str, Violation]:
    return {v.resource: v for v in violations if v.policy == policy}


def test_levels_follow_the_environment() -> None:
    prod = by(evaluate(plan(), cfg("prod")), "stateful-protected-in-prod")
    assert {v.enforcement for v in prod.values()} == {"mandatory"}
    assert by(evaluate(plan("dev"), cfg("dev")), "stateful-protected-in-prod") == {}  # prod-only rule
    retention = registry.rule_named("aws-log-group-retention")
    assert [retention.level(e) for e in ENVIRONMENTS] == ["advisory", "mandatory", "mandatory"]
    assert [registry.rule_named("aws-kms-key-rotation").level(e) for e in ENVIRONMENTS] == ["mandatory"] * 3


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"aws-kms-key-rotation": "advisory"}, {"aws-kms-key-rotation": "advisory",
                                            "stateful-protected-in-prod": "mandatory"}),
    ({"all": "advisory"}, {"aws-kms-key-rotation": "advisory", "stateful-protected-in-prod": "advisory"}),
    ({"all": "advisory", "stateful-protected-in-prod": "mandatory"},
     {"aws-kms-key-rotation": "advisory", "stateful-protected-in-prod": "mandatory"}),
    ({"aws-kms-key-rotation": "disabled"}, {"stateful-protected-in-prod": "mandatory"}),
])
def test_enforcement_overrides(overrides: dict[str, str], expected: dict[str, str]) -> None:
    found = evaluate(plan(), cfg(enforcement=overrides))
    assert {v.policy: v.enforcement for v in found} == expected


def test_suppressions_mark_findings_with_their_reason_and_never_block() -> None:
    reason = "data key rotation is handled by the HSM-backed custom key store"
    found = evaluate(plan(), cfg(suppressions=[{"policy": "aws-kms-key-rotation", "resource": "*-data-key",
                                                "reason": reason}]))
    rotation = by(found, "aws-kms-key-rotation")
    assert rotation["acme-llm-data-key"].suppressed_by == reason and not rotation["acme-llm-data-key"].blocking
    assert rotation["acme-llm-audit-key"].suppressed_by is None and rotation["acme-llm-audit-key"].blocking
    # the suppressed finding is still reported (every report shows it): 2 rotation findings, and per key the
    # stateful rule's protect and retainOnDelete findings
    assert len(found) == 6 and sum(1 for v in found if v.suppressed_by) == 1


def test_a_suppression_may_name_policies_by_pattern() -> None:
    found = evaluate(plan(), cfg(suppressions=[{"policy": "*", "resource": "acme-llm-audit-key",
                                                "reason": "sandbox key, destroyed after the game day"}]))
    assert {(v.policy, v.resource) for v in found if v.suppressed_by} == {
        ("aws-kms-key-rotation", "acme-llm-audit-key"), ("stateful-protected-in-prod", "acme-llm-audit-key")}


def test_suppressions_need_a_reason() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="reason"):
        cfg(suppressions=[{"policy": "aws-kms-key-rotation", "resource": "*", "reason": "ok"}])


def test_baseline_accepts_existing_findings_only(tmp_path: Path) -> None:
    baseline = tmp_path / "acme-baseline.json"
    baseline.write_text(json.dumps([{"policy": "aws-kms-key-rotation", "urn": URN.format("acme-llm-data-key")}]))
    found = evaluate(plan(), cfg(baseline=str(baseline)))
    rotation = by(found, "aws-kms-key-rotation")
    assert rotation["acme-llm-data-key"].baselined
    assert rotation["acme-llm-data-key"].suppressed_by == "baseline acme-baseline.json"
    assert not rotation["acme-llm-data-key"].blocking
    assert rotation["acme-llm-audit-key"].blocking and not rotation["acme-llm-audit-key"].baselined


def test_baseline_path_is_relative_to_the_stack_file_directory(tmp_path: Path) -> None:
    (tmp_path / "accepted.json").write_text(json.dumps([{"policy": "aws-kms-key-rotation", "urn": "u"}]))
    settings = settings_for(cfg(baseline="accepted.json"), tmp_path / "Pulumi.x.yaml")
    assert settings.baseline == {("aws-kms-key-rotation", "u")}


def test_policy_config_errors_name_their_key_path(tmp_path: Path) -> None:
    bad = cfg(enforcement={"aws-kms-rotation": "advisory"},
              suppressions=[{"policy": "no-such-*", "resource": "*", "reason": "a reason long enough"}],
              baseline="missing.json")
    issues = dict(policy_issues(bad, tmp_path / "Pulumi.x.yaml"))
    assert issues["policy.enforcement.aws-kms-rotation"] == "unknown policy 'aws-kms-rotation'"
    assert "matches no policy" in issues["policy.suppressions.0.policy"]
    assert "not found" in issues["policy.baseline"]
    (tmp_path / "missing.json").write_text('{"not": "a list"}')
    assert "not valid" in dict(policy_issues(bad, tmp_path / "Pulumi.x.yaml"))["policy.baseline"]


def test_pack_config_carries_levels_suppressions_and_baseline_to_crossguard(tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps([{"policy": "aws-kms-key-rotation", "urn": URN.format("acme-llm-audit-key")}]))
    settings = settings_for(cfg("dev", enforcement={"aws-log-group-retention": "disabled"},
                                suppressions=[{"policy": "aws-kms-key-rotation", "resource": "*-data-key",
                                               "reason": "rotated by the custom key store"}],
                                baseline=str(baseline)))
    config = registry.pack_config(settings)
    assert set(config) == {r.name for r in registry.rules()}
    assert config["aws-log-group-retention"]["enforcementLevel"] == "disabled"
    assert config["k8s-container-resources"]["enforcementLevel"] == "advisory"  # PROD preset in dev
    rotation = config["aws-kms-key-rotation"]
    assert rotation["environment"] == "dev"
    assert rotation["suppressions"] == [{"resource": "*-data-key", "reason": "rotated by the custom key store"}]
    assert rotation["baseline"] == [URN.format("acme-llm-audit-key")]
    # the CrossGuard policy honours the same config: suppressed and baselined resources are not reported
    props = {"enableKeyRotation": False}
    extra = {k: v for k, v in rotation.items() if k != "enforcementLevel"}
    assert crossguard_resource("aws-kms-key-rotation", t.KMS_KEY, props, name="acme-llm-data-key", config=extra) == []
    assert crossguard_resource("aws-kms-key-rotation", t.KMS_KEY, props, name="acme-llm-other-key", config=extra)


def test_pack_config_of_a_reference_stack() -> None:
    config = pack_config("aws-dev")
    assert config["dev-gpu-scale-to-zero"] == {"enforcementLevel": "advisory", "environment": "dev"}
    assert config["budget-covers-minimum-cost"]["enforcementLevel"] == "advisory"
    assert pack_config("aws-prod")["budget-covers-minimum-cost"]["enforcementLevel"] == "mandatory"


def test_pack_environment_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLZ_ENVIRONMENT", raising=False)
    monkeypatch.setenv("PULUMI_STACK", "gcp-dev")
    assert registry.pack_environment() == "dev"
    monkeypatch.setenv("LLZ_ENVIRONMENT", "staging")
    assert registry.pack_environment() == "staging"
    monkeypatch.delenv("LLZ_ENVIRONMENT")
    monkeypatch.setenv("PULUMI_STACK", "sandbox")
    assert registry.pack_environment() == "prod"  # unknown: the strictest


def test_resource_environment_from_tags_or_stack_name_under_the_real_cli() -> None:
    """Without pack config, a policy finds the environment on the resource's llmops-environment tag, else in
    the stack name of its URN."""
    from llmops_landing_zone.policies.base import Resource, environment_of

    tagged = Resource("aws:kms/key:Key", "k", "urn:pulumi:x::p::aws:kms/key:Key::k",
                      {"tags": {"llmops-environment": "dev"}})
    assert environment_of(tagged) == "dev"
    named = Resource("aws:kms/key:Key", "k", "urn:pulumi:gcp-staging::p::aws:kms/key:Key::k", {})
    assert environment_of(named) == "staging"
    assert environment_of(named, "prod") == "prod"


def test_every_policy_carries_complete_metadata() -> None:
    policies = {p.name: p for p in registry.build_policies("prod")}
    rules = registry.rules()
    assert len(policies) == len(rules) >= 45
    for rule in rules:
        pol = policies[rule.name]
        assert pol.description and pol.remediation_steps and pol.severity.value in SEVERITIES
        assert pol.url == rule.url and rule.url.endswith(f"README.md#policy-{rule.name}")
        assert pol.enforcement_level.value == rule.level("prod")
        assert {"environment", "suppressions", "baseline"} <= set(pol.config_schema.properties)
        assert rule.environments and set(rule.enforcement) == set(ENVIRONMENTS)
        if rule.framework:
            assert pol.framework.name.startswith("CIS") and pol.framework.reference


def test_counts_per_cloud_and_scope() -> None:
    rules = registry.rules()
    scope = {s: sum(1 for r in rules if r.scope == s) for s in ("aws", "gcp", "azure", "kubernetes")}
    assert min(scope["aws"], scope["gcp"], scope["azure"]) >= 10 and scope["kubernetes"] >= 8
    assert sum(1 for r in rules if r.concern == "finops") >= 5


# The 22 CIS controls of the reference (shared/reference/policy-controls.md, section 4) and the rule covering each.
CIS_CONTROLS = {
    1: ("aws-cloudtrail-enabled", "3.1"), 2: ("aws-cloudtrail-log-validation", "3.2"),
    3: ("aws-cloudtrail-kms", "3.5"), 4: ("aws-kms-key-rotation", "3.6"),
    5: ("aws-s3-public-access-block", "2.1.4"), 6: ("aws-ebs-encryption", "5.1.1"),
    7: ("aws-imdsv2-required", "5.7"), 8: ("aws-iam-no-admin-policy", "1.15"),
    9: ("aws-eks-control-plane-logging", "2.1.1"), 10: ("aws-eks-secrets-encryption", "5.3.1"),
    11: ("aws-eks-private-endpoint", "5.4.1 / 5.4.2"), 12: ("k8s-no-cluster-admin-binding", "4.1.1"),
    13: ("gcp-gke-private-cluster", "5.6.4 / 5.6.5"), 14: ("gcp-gke-authorized-networks", "5.6.3"),
    15: ("gcp-gke-workload-identity", "5.2.2 / 5.4.1"), 16: ("gcp-gke-node-service-account", "5.2.1"),
    17: ("gcp-gke-node-auto-upgrade", "5.5.2 / 5.5.3"), 18: ("gcp-gke-shielded-nodes", "5.5.5 / 5.5.6 / 5.5.7"),
    19: ("gcp-gke-secrets-encryption", "5.3.1"), 20: ("gcp-gke-logging", "5.7.1"),
    21: ("azure-aks-private-api", "5.4.1 / 5.4.2"), 22: ("azure-activity-log-export", "6.1.1.1"),
}
CIS_COMPANIONS = {  # second halves of multi-part controls
    17: ("gcp-gke-release-channel", "5.5.4"), 19: ("gcp-gke-boot-disk-cmek", "5.9.2"),
    20: ("gcp-audit-logging", "2.1"), 21: ("azure-aks-entra-rbac", "5.5.2"),
    22: ("azure-storage-private", "9.3.2.2"),
}


@pytest.mark.parametrize("number", sorted(CIS_CONTROLS))
def test_every_cis_control_of_the_reference_is_covered(number: int) -> None:
    for name, reference in [CIS_CONTROLS[number], *([CIS_COMPANIONS[number]] if number in CIS_COMPANIONS else [])]:
        rule = registry.rule_named(name)
        assert rule.framework is not None and rule.framework.reference == reference
    if number == 22:
        assert registry.rule_named("azure-keyvault-purge-protection").framework.reference == "8.3.5"
    if number == 21:
        assert registry.rule_named("azure-aks-kms-secrets").framework.reference == "5.3.1"
