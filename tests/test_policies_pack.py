"""The pack as the Pulumi CLI runs it: ``python -m pulumi.policy <engine> policies`` starts policies/__main__.py,
which builds the PolicyPack and serves the analyzer over gRPC. The test talks to that server the way the CLI
does (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack), without the CLI and without the cloud, then stops
the process it started."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE

from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies import tokens as t

ROOT = Path(__file__).resolve().parent.parent
URN = "urn:pulumi:aws-prod::llmops-landing-zone::{}::{}"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    env = {**os.environ, "LLZ_ENVIRONMENT": "prod", "PULUMI_STACK": "aws-prod"}
    proc = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "policies"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        assert line.isdigit(), f"the pack did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(channel).result(timeout=30)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=30)


def struct(data: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(data)
    return s


def analyze(stub: Any, type_: str, name: str, props: dict[str, Any]) -> list[Any]:
    request = pb.AnalyzeRequest(type=type_, name=name, urn=URN.format(type_, name), properties=struct(props),
                                options=pb.AnalyzerResourceOptions(protect=True))
    return list(stub.Analyze(request).diagnostics)


def test_the_pack_describes_every_policy(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "llmops-guardrails" and info.supportsConfig
    policies = {p.name: p for p in info.policies}
    assert set(policies) == {r.name for r in registry.rules()}
    eks = policies["aws-eks-private-endpoint"]
    assert eks.enforcementLevel == pb.MANDATORY and eks.severity == pb.POLICY_SEVERITY_HIGH
    assert eks.framework.reference == "5.4.1 / 5.4.2" and eks.url.endswith("#policy-aws-eks-private-endpoint")
    assert eks.remediation_steps and "environment" in eks.configSchema.properties
    assert policies["budget-for-gpu-capacity"].policy_type == pb.POLICY_TYPE_STACK
    assert policies["aws-log-group-retention"].enforcementLevel == pb.MANDATORY  # prod defaults


def test_analyze_reports_a_violation_with_severity_and_level(analyzer: Any) -> None:
    found = analyze(analyzer, t.KMS_KEY, "data-key", {"enableKeyRotation": False})
    rotation = [d for d in found if d.policyName == "aws-kms-key-rotation"]
    assert len(rotation) == 1 and rotation[0].enforcementLevel == pb.MANDATORY
    assert rotation[0].severity == pb.POLICY_SEVERITY_MEDIUM
    assert "enableKeyRotation is not true" in rotation[0].message
    assert analyze(analyzer, t.KMS_KEY, "data-key", {"enableKeyRotation": True}) == []


def test_unknown_values_during_preview_do_not_degrade_to_cannot_run(analyzer: Any) -> None:
    """A raise would surface as "can't run policy ... during preview"; the rules read unknowns safely."""
    found = analyze(analyzer, t.EKS_CLUSTER, "eks", {
        "vpcConfig": {"endpointPrivateAccess": UNKNOWN_BOOLEAN_VALUE, "endpointPublicAccess": False},
        "encryptionConfig": {"provider": {"keyArn": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}, "resources": ["secrets"]},
        "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        "tags": {"llmops-zone": "z", "llmops-environment": "prod"}})
    assert [(d.policyName, d.message) for d in found] == []


def test_stack_analysis_and_pack_config(analyzer: Any) -> None:
    pool = pb.AnalyzerResource(type=t.EKS_NODE_GROUP, name="gpu", urn=URN.format(t.EKS_NODE_GROUP, "gpu"),
                               properties=struct({"instanceTypes": ["p5.48xlarge"],
                                                  "scalingConfig": {"minSize": 0, "maxSize": 2}}))
    found = analyzer.AnalyzeStack(pb.AnalyzeStackRequest(resources=[pool])).diagnostics
    assert [d.policyName for d in found] == ["budget-for-gpu-capacity"]
    # per-stack config, as `llz.check pack-config` writes it: an advisory level and a suppression
    config = pb.ConfigureAnalyzerRequest()
    config.policyConfig["budget-for-gpu-capacity"].CopyFrom(pb.PolicyConfig(enforcementLevel=pb.ADVISORY))
    config.policyConfig["aws-kms-key-rotation"].CopyFrom(pb.PolicyConfig(
        enforcementLevel=pb.MANDATORY,
        properties=struct({"environment": "prod", "suppressions": [{"resource": "legacy-*", "reason": "migrating"}]})))
    analyzer.Configure(config)
    found = analyzer.AnalyzeStack(pb.AnalyzeStackRequest(resources=[pool])).diagnostics
    assert [(d.policyName, d.enforcementLevel) for d in found] == [("budget-for-gpu-capacity", pb.ADVISORY)]
    assert analyze(analyzer, t.KMS_KEY, "legacy-key", {"enableKeyRotation": False}) == []
    assert analyze(analyzer, t.KMS_KEY, "new-key", {"enableKeyRotation": False})
