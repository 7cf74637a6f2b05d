"""Shared AWS building blocks: the account context, IAM policy documents as JSON, encrypted log groups
and private buckets. Every AWS entity module uses these, so a policy statement or a bucket safeguard is
written once.

Policy documents are plain JSON built here (``json.dumps``), never ``aws.iam.get_policy_document``
invokes: offline plans then hold the complete document, and the tests lint every one with parliament.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.common import stateful

Statement = dict[str, Any]


# --- account context ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AwsContext:
    """Where the zone is deployed: resolved once per program (three read-only invokes)."""

    account_id: str
    region: str
    partition: str
    dns_suffix: str
    zones: tuple[str, ...]  # availability zone names the network spans, in order

    @classmethod
    def lookup(cls, region: str, zones: int) -> AwsContext:
        """The account and the first ``zones`` regular availability zones of ``region``."""
        ident = aws.get_caller_identity()
        part = aws.get_partition()
        # Only regular AZs: Local/Wavelength Zones are opt-in and lack GPU shapes and most endpoints.
        azs = aws.get_availability_zones(
            state="available", filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}])
        names = list(azs.names)
        if len(names) < zones:
            raise ValueError(f"region {region} offers {len(names)} availability zones; "
                             f"network.zones asks for {zones}")
        return cls(ident.account_id, region, part.partition, part.dns_suffix, tuple(names[:zones]))

    @property
    def root(self) -> str:
        """The account principal: delegates to IAM policies of the account's own principals."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def service(self, name: str) -> str:
        """Service principal, e.g. ``service("eks")`` -> ``eks.amazonaws.com``."""
        return f"{name}.{self.dns_suffix}"

    def via(self, service: str) -> str:
        """Value of ``kms:ViaService`` for a regional service endpoint."""
        return f"{service}.{self.region}.{self.dns_suffix}"

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account_id if account else ''}:{resource}")

    def managed_policy(self, name: str) -> str:
        return f"arn:{self.partition}:iam::aws:policy/{name}"


# --- IAM policy documents -----------------------------------------------------------------------------------

# Where IAM policy documents appear in a plan (engine input names), for the policy pack and the tests.
IAM_POLICY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
}


def statement(sid: str, actions: Sequence[str] | str, resources: Sequence[str] | str | None = None, *,
              principal: dict[str, Any] | None = None, condition: dict[str, Any] | None = None,
              effect: str = "Allow") -> Statement:
    """One policy statement; Sids are alphanumeric (IAM grammar) and ``resources=None`` leaves Resource out
    (trust policies)."""
    assert sid.isalnum(), sid
    stmt: Statement = {"Sid": sid, "Effect": effect}
    if principal is not None:
        stmt["Principal"] = principal
    stmt["Action"] = list(actions) if not isinstance(actions, str) else actions
    if resources is not None:
        stmt["Resource"] = list(resources) if not isinstance(resources, str) else resources
    if condition:
        stmt["Condition"] = condition
    return stmt


def document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=False)


def document_of(build: Callable[..., Sequence[Statement]], *inputs: Any) -> pulumi.Output[str]:
    """A policy document whose statements need resolved outputs (ARNs, ids): ``build(*values)``."""
    return pulumi.Output.all(*inputs).apply(lambda values: document(*build(*values)))


def service_trust(ctx: AwsContext, service: str, *, actions: Sequence[str] = ("sts:AssumeRole",),
                  condition: dict[str, Any] | None = None) -> str:
    """Trust policy for an AWS service principal; pass the confused-deputy condition the service documents."""
    return document(statement("TrustService", list(actions), principal={"Service": ctx.service(service)},
                              condition=condition))


def pod_identity_trust(ctx: AwsContext, cluster_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Trust policy of a role for EKS Pod Identity, guarded against confused deputies by account and cluster
    (docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html)."""
    return pulumi.Output.from_input(cluster_arn).apply(lambda arn: service_trust(
        ctx, "pods.eks", actions=["sts:AssumeRole", "sts:TagSession"],
        condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}, "ArnEquals": {"aws:SourceArn": arn}}))


def deny_insecure_transport(bucket_arn: str) -> Statement:
    """S3 TLS-only guard (Security Hub S3.5): refuse every request not made over TLS."""
    return statement("DenyInsecureTransport", "s3:*", [bucket_arn, f"{bucket_arn}/*"], principal={"AWS": "*"},
                     condition={"Bool": {"aws:SecureTransport": "false"}}, effect="Deny")


# --- CloudWatch log groups ----------------------------------------------------------------------------------

# The values CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy API).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)


def retention_days(days: int) -> int:
    """The smallest allowed retention that keeps logs at least ``days`` days."""
    return next(d for d in RETENTION_DAYS if d >= days)


def log_group_patterns(ctx: AwsContext, zone: str) -> list[str]:
    """ARN patterns of every log group a zone writes; the audit key lets CloudWatch Logs use it only for
    these (kms:EncryptionContext:aws:logs:arn). ``log_group`` refuses names outside them, so the key policy
    and the log groups cannot drift apart."""
    return [ctx.arn("logs", f"log-group:/aws/*/{zone}/*"), ctx.arn("logs", f"log-group:/aws/*/{zone}-*")]


@dataclass(frozen=True)
class LogRetention:
    """How the zone keeps every CloudWatch log group it writes: one value, built by zone.py."""

    zone: str  # the zone's name: log group names must match log_group_patterns(ctx, zone)
    days: int  # at least this long (audit.retentionDays), rounded up to a value CloudWatch accepts
    protect: bool  # protect + retainOnDelete, so prod logs survive a destroy


def log_group(logical: str, name: str, retention: LogRetention, ctx: AwsContext, key_arn: pulumi.Input[str],
              parent: pulumi.Resource, **opts: Any) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the audit key and kept as ``retention`` says."""
    arn = ctx.arn("logs", f"log-group:{name}")
    assert any(fnmatch.fnmatchcase(arn, p) for p in log_group_patterns(ctx, retention.zone)), name
    return aws.cloudwatch.LogGroup(
        logical, name=name, retention_in_days=retention_days(retention.days), kms_key_id=key_arn,
        opts=stateful(retention.protect, parent, **opts))


# --- private, encrypted buckets -----------------------------------------------------------------------------

@dataclass
class PrivateBucket:
    bucket: aws.s3.Bucket
    name: str
    arn: str
    versioning: aws.s3.BucketVersioning
    safeguards: list[pulumi.Resource] = field(default_factory=list)  # what the bucket's users should wait for


def private_bucket(logical: str, bucket_name: str, protect: bool, ctx: AwsContext,
                   key_arn: pulumi.Input[str] | None, parent: pulumi.Resource, *,
                   extra_statements: Callable[[str], list[Statement]] | None = None,
                   object_lock: bool = False) -> PrivateBucket:
    """An S3 bucket with every safeguard: SSE-KMS with the given CMK (bucket key on, to cut KMS calls),
    versioning, all four public-access blocks, owner-enforced object ownership (no ACLs) and a TLS-only
    bucket policy plus ``extra_statements(bucket_arn)``; ``protect`` protects and retains the bucket. Object Lock can only be enabled at creation.
    ``key_arn=None`` is SSE-S3, for the one bucket kind S3 refuses SSE-KMS on: a server access log destination."""
    arn = f"arn:{ctx.partition}:s3:::{bucket_name}"
    bucket = aws.s3.Bucket(logical, bucket=bucket_name, object_lock_enabled=object_lock or None,
                           opts=stateful(protect, parent))
    own = pulumi.ResourceOptions(parent=parent)
    pab = aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=own)
    ownership = aws.s3.BucketOwnershipControls(
        f"{logical}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=own)
    rule: dict = ({"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}} if key_arn is None
                  else {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                    "kms_master_key_id": key_arn},
                        "bucket_key_enabled": True})
    sse = aws.s3.BucketServerSideEncryptionConfiguration(f"{logical}-sse", bucket=bucket.id, rules=[rule], opts=own)
    versioning = aws.s3.BucketVersioning(
        f"{logical}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=own)
    statements = [deny_insecure_transport(arn), *(extra_statements(arn) if extra_statements else [])]
    # The policy goes on after the public-access block so S3 never sees a policy on an unguarded bucket.
    policy = aws.s3.BucketPolicy(f"{logical}-policy", bucket=bucket.id, policy=document(*statements),
                                 opts=pulumi.ResourceOptions(parent=parent, depends_on=[pab, ownership]))
    return PrivateBucket(bucket, bucket_name, arn, versioning, [pab, ownership, sse, versioning, policy])
