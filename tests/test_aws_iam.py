"""Every IAM policy document of the AWS zone passes parliament with no finding of MEDIUM severity or higher,
and no document grants an unbounded action.

Documents: role trust policies, inline role policies, KMS key policies, S3 bucket and SNS topic policies
(components.aws.base.IAM_POLICY_INPUTS), from both AWS stacks.
"""

from __future__ import annotations

import json

import pytest
from parliament import analyze_policy_string, enhance_finding

from llmops_landing_zone.components.aws.base import IAM_POLICY_INPUTS
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline

SEVERITY = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}  # parliament's config.yaml levels


@pytest.fixture(scope="module")
def documents() -> list[tuple[str, str, dict]]:
    """(resource, field, document) for every policy document of both stacks."""
    out = []
    for stack in ("aws-dev", "aws-prod"):
        plan: Plan = offline.plan(stack)
        for r in plan.resources:
            for field in IAM_POLICY_INPUTS.get(r.type, ()):
                if r.inputs.get(field):
                    out.append(
                        (f"{stack}:{r.type.rsplit(':', 1)[-1]}:{r.name}", field, json.loads(r.inputs[field]))
                    )
    return out


def for_parliament(field: str, doc: dict, resource: str) -> dict:
    """Trust policies have no Resource element by IAM's grammar (the role is the resource), and parliament,
    written for identity policies, reports that as MALFORMED. We give each trust statement the role itself
    as Resource, so every other check (actions, principals, condition keys and types) still runs on it."""
    if field != "assumeRolePolicy":
        return doc
    role = resource.rsplit(":", 1)[-1]
    return {
        **doc,
        "Statement": [{**s, "Resource": f"arn:aws:iam::123456789012:role/{role}"} for s in doc["Statement"]],
    }


def test_all_kinds_of_documents_are_checked(documents: list) -> None:
    kinds = {(r.split(":")[1], f) for r, f, _ in documents}
    assert kinds == {
        ("Role", "assumeRolePolicy"),
        ("RolePolicy", "policy"),
        ("Key", "policy"),
        ("BucketPolicy", "policy"),
        ("TopicPolicy", "policy"),
    }
    assert len(documents) >= 35


def test_cluster_autoscaler_documents_are_linted(documents: list) -> None:
    """The autoscaler's trust and scaling policies are among the documents parliament checks below."""
    for stack in ("aws-dev", "aws-prod"):
        found = {f for r, f, _ in documents if r in (f"{stack}:Role:acme-llm-cluster-autoscaler",
                                                     f"{stack}:RolePolicy:acme-llm-cluster-autoscaler")}
        assert found == {"assumeRolePolicy", "policy"}


def test_parliament_finds_nothing_of_medium_severity_or_higher(documents: list) -> None:
    problems = []
    for resource, field, doc in documents:
        result = analyze_policy_string(json.dumps(for_parliament(field, doc, resource)))
        for finding in result.findings:
            finding = enhance_finding(finding)  # sets .severity from parliament's config
            assert finding.severity in SEVERITY, finding.severity
            if SEVERITY[finding.severity] >= SEVERITY["MEDIUM"]:
                problems.append(f"{resource} {field}: {finding.severity} {finding.issue} {finding.detail}")
    assert not problems, "\n".join(problems)


def test_parliament_would_catch_a_bad_document() -> None:
    """The check above is live: parliament rates these MEDIUM or higher."""
    bad = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            }
        ],
    }
    findings = [enhance_finding(f) for f in analyze_policy_string(json.dumps(bad)).findings]
    assert any(SEVERITY[f.severity] >= SEVERITY["MEDIUM"] for f in findings)


def _allows(doc: dict) -> list[dict]:
    return [s for s in doc["Statement"] if s["Effect"] == "Allow"]


def test_no_document_allows_everything(documents: list) -> None:
    """Never ``*:*`` (CIS AWS 1.16) and never a whole service (``s3:*``) in an Allow: wildcards only as
    suffixes of a verb family, as in ``kms:GenerateDataKey*``."""
    for resource, _, doc in documents:
        for s in _allows(doc):
            assert "NotAction" not in s and "NotResource" not in s, resource
            actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
            for a in actions:
                assert a not in ("*", "*:*") and not a.endswith(":*"), (resource, a)


# Read-only actions with no resource-level permissions (Service Authorization Reference), which IAM only
# accepts on ``Resource: *``: ECR login, EC2 and Auto Scaling describe calls, and the EC2 instance-type lookup
# the Cluster Autoscaler makes.
NO_RESOURCE_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchImportUpstreamImage", "ec2:GetInstanceTypesFromInstanceRequirements")  # parliament: no resource type for BatchImportUpstreamImage
NO_RESOURCE_PREFIXES = ("ec2:Describe", "autoscaling:Describe")


def test_identity_policies_name_their_resources(documents: list) -> None:
    """Inline role policies use ``Resource: *`` only for actions that take no resource (NO_RESOURCE_*) or
    with a condition that scopes them."""
    for resource, field, doc in documents:
        if ":RolePolicy:" not in resource:
            continue
        for s in _allows(doc):
            if s["Resource"] == "*" and "Condition" not in s:
                actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
                assert all(a in NO_RESOURCE_ACTIONS or a.startswith(NO_RESOURCE_PREFIXES) for a in actions), (
                    resource,
                    actions,
                )


def test_resource_policies_admit_only_named_principals(documents: list) -> None:
    """Bucket, topic and key policies: a ``*`` principal appears only in Deny statements (TLS guards)."""
    for resource, field, doc in documents:
        if field != "policy" or ":RolePolicy:" in resource:
            continue
        for s in _allows(doc):
            assert s["Principal"] not in ("*", {"AWS": "*"}), resource
