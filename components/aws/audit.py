"""Audit: a multi-region CloudTrail trail writing to a WORM bucket and to CloudWatch Logs.

- Trail: every region, global service events, log file validation (CIS AWS 3.1, 3.2), encrypted with the
  audit CMK (CIS 3.5), management events plus S3 object-level (data) events on the model bucket, so every
  read or write of model weights is attributable.
- Bucket: Object Lock with a default retention of ``audit.retentionDays`` (COMPLIANCE when
  ``audit.immutable``: nobody, root included, can delete or shorten it; GOVERNANCE otherwise), versioning,
  public access blocked, TLS only, and a bucket policy that lets only this trail write, only under
  ``AWSLogs/<account>/``. A lifecycle rule expires objects once the lock has run out, so storage stops
  growing without ever deleting a locked version.
- Access-log bucket: S3 server access logging of the trail bucket (CIS AWS 3.6), so every
  read, listing or delete attempt on the audit logs is itself recorded. It is a dedicated bucket: versioned,
  public access blocked, owner-enforced object ownership (no ACLs), TLS only. S3 delivers access logs as the
  ``logging.s3.amazonaws.com`` service principal, admitted by a bucket policy limited to this account and the
  trail bucket (aws:SourceAccount, aws:SourceArn) and to its prefix. Default encryption is SSE-S3 because S3
  server access logging does not support SSE-KMS destinations, and Object Lock is not allowed on them either
  (docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html). It does not log into
  itself (that would loop), and its objects expire with the audit retention.
- Log group: CloudWatch Logs copy for metric filters and alarms, KMS-encrypted, same retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import (
    AwsContext,
    LogRetention,
    Statement,
    document,
    log_group,
    private_bucket,
    service_trust,
    statement,
)
from llmops_landing_zone.components.aws.names import TRAIL
from llmops_landing_zone.components.common import child, stateful

TYPE = "llmops:aws:Audit"
ARCHIVE_AFTER_DAYS = 90  # Glacier Instant Retrieval has a 90-day minimum; only worth it for long retention
ACCESS_LOG_PREFIX = "audit-bucket/"  # where the trail bucket's server access logs land in the access-log bucket


def trail_bucket_statements(ctx: AwsContext, trail_arn: str) -> Callable[[str], list[Statement]]:
    """CloudTrail's bucket policy (docs.aws.amazon.com/awscloudtrail/latest/userguide/
    create-s3-bucket-policy-for-cloudtrail.html), scoped to this trail with aws:SourceArn."""
    def build(bucket_arn: str) -> list[Statement]:
        principal = {"Service": ctx.service("cloudtrail")}
        return [
            statement("CloudTrailAclCheck", "s3:GetBucketAcl", bucket_arn, principal=principal,
                      condition={"StringEquals": {"aws:SourceArn": trail_arn}}),
            statement("CloudTrailWrite", "s3:PutObject", f"{bucket_arn}/AWSLogs/{ctx.account_id}/*",
                      principal=principal,
                      condition={"StringEquals": {"aws:SourceArn": trail_arn,
                                                  "s3:x-amz-acl": "bucket-owner-full-control"}}),
        ]
    return build


def access_log_statements(ctx: AwsContext, source_bucket_arn: str) -> Callable[[str], list[Statement]]:
    """Bucket-policy log delivery for S3 server access logs (the only way with BucketOwnerEnforced: no log
    delivery ACL), scoped to the source bucket and this account
    (docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general)."""
    def build(bucket_arn: str) -> list[Statement]:
        return [statement("S3ServerAccessLogsPolicy", "s3:PutObject", f"{bucket_arn}/{ACCESS_LOG_PREFIX}*",
                          principal={"Service": ctx.service("logging.s3")},
                          condition={"ArnLike": {"aws:SourceArn": source_bucket_arn},
                                     "StringEquals": {"aws:SourceAccount": ctx.account_id}})]
    return build


def access_log_bucket(logical: str, bucket_name: str, ctx: AwsContext, parent: pulumi.Resource,
                      source_bucket_arn: str, *, retention_days: int,
                      protect: bool) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
    """The destination of S3 server access logs: ``base.private_bucket`` with SSE-S3 (S3 supports neither
    SSE-KMS nor Object Lock on a server access log destination), expiring logs with the audit retention."""
    store = private_bucket(logical, bucket_name, protect, ctx, None, parent,
                           extra_statements=access_log_statements(ctx, source_bucket_arn))
    lifecycle = aws.s3.BucketLifecycleConfiguration(
        f"{logical}-lifecycle", bucket=store.bucket.id,
        rules=[{"id": "expire-after-retention", "status": "Enabled", "filter": {"prefix": ""},
                "expiration": {"days": retention_days},
                "noncurrent_version_expiration": {"noncurrent_days": 30},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}],
        opts=child(parent, depends_on=[store.versioning]))
    return store.bucket, [*store.safeguards, lifecycle]


@dataclass
class AuditArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: AwsContext
    encryption_key: pulumi.Input[str]  # the audit CMK's ARN: trail, bucket and log group
    model_bucket_arn: str  # data events are recorded for it
    retention_days: int = 365  # audit.retentionDays: Object Lock, lifecycle and log group retention
    immutable: bool = True  # Object Lock COMPLIANCE (nobody can shorten it) rather than GOVERNANCE
    protect: bool = True  # protect + retainOnDelete on the buckets, the lock, the log group and the trail


class Audit(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    bucket: aws.s3.Bucket
    access_log_bucket: aws.s3.Bucket
    access_logging: aws.s3.BucketLogging

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, z, days, protect = args.ctx, args.name, args.retention_days, args.protect
        trail_name = TRAIL.render(z)
        trail_arn = ctx.arn("cloudtrail", f"trail/{trail_name}")

        store = private_bucket(f"{z}-audit", f"{z}-audit-{ctx.account_id}-{ctx.region}", protect, ctx,
                               args.encryption_key, self, object_lock=True,
                               extra_statements=trail_bucket_statements(ctx, trail_arn))
        self.bucket = store.bucket
        versioning = store.versioning
        # Server access logs of the trail bucket go to a bucket of their own (which logs nowhere).
        logs_name = f"{z}-access-logs-{ctx.account_id}-{ctx.region}"
        self.access_log_bucket, log_safeguards = access_log_bucket(
            f"{z}-access-logs", logs_name, ctx, self, store.arn, retention_days=days, protect=protect)
        self.access_logging = aws.s3.BucketLogging(
            f"{z}-audit-access-logging", bucket=self.bucket.id, target_bucket=self.access_log_bucket.id,
            target_prefix=ACCESS_LOG_PREFIX,
            target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}},
            opts=child(self, depends_on=log_safeguards))
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{z}-audit-lock", bucket=self.bucket.id, object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": "COMPLIANCE" if args.immutable else "GOVERNANCE",
                                        "days": days}},
            opts=stateful(protect, self, depends_on=[versioning]))
        rule: dict[str, Any] = {
            "id": "expire-after-retention", "status": "Enabled", "filter": {"prefix": ""},
            "expiration": {"days": days},
            # A version only becomes noncurrent at expiry, when its lock has already run out.
            "noncurrent_version_expiration": {"noncurrent_days": 1},
            "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        }
        if days > 2 * ARCHIVE_AFTER_DAYS:
            rule["transitions"] = [{"days": ARCHIVE_AFTER_DAYS, "storage_class": "GLACIER_IR"}]
        aws.s3.BucketLifecycleConfiguration(f"{z}-audit-lifecycle", bucket=self.bucket.id, rules=[rule],
                                            opts=child(self, depends_on=[versioning]))

        group_name = f"/aws/cloudtrail/{trail_name}"
        group = log_group(f"{z}-trail", group_name, LogRetention(z, days, protect), ctx, args.encryption_key, self)
        group_arn = ctx.arn("logs", f"log-group:{group_name}")
        # CloudTrail's documented delivery role: create streams and put events in this group only
        # (docs.aws.amazon.com/awscloudtrail/latest/userguide/
        # cloudtrail-required-policy-for-cloudwatch-logs.html).
        # Confused-deputy guard: only this account's trail may have CloudTrail assume the role
        # (docs.aws.amazon.com/awscloudtrail/latest/userguide/cross-service-confused-deputy-prevention.html).
        trust = service_trust(ctx, "cloudtrail", condition={
            "StringEquals": {"aws:SourceAccount": ctx.account_id},
            "ArnLike": {"aws:SourceArn": trail_arn}})
        role = aws.iam.Role(f"{z}-trail-logs", name=f"{z}-trail-logs", assume_role_policy=trust,
                            opts=child(self))
        streams = f"{group_arn}:log-stream:{ctx.account_id}_CloudTrail_*"
        role_policy = aws.iam.RolePolicy(
            f"{z}-trail-logs", name="deliver-to-cloudwatch-logs", role=role.id,
            policy=document(statement("CreateTrailStreams", "logs:CreateLogStream", streams),
                            statement("PutTrailEvents", "logs:PutLogEvents", streams)),
            opts=child(self))

        self.trail = aws.cloudtrail.Trail(
            f"{z}-trail", name=trail_name, s3_bucket_name=self.bucket.id, is_multi_region_trail=True,
            include_global_service_events=True, enable_log_file_validation=True, enable_logging=True,
            kms_key_id=args.encryption_key,
            cloud_watch_logs_group_arn=group.arn.apply(lambda arn: f"{arn}:*"),  # the API wants the :* suffix
            cloud_watch_logs_role_arn=role.arn,
            advanced_event_selectors=[
                {"name": "Management events",
                 "field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]},
                {"name": "Model bucket object access",
                 "field_selectors": [{"field": "eventCategory", "equals": ["Data"]},
                                     {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                                     {"field": "resources.ARN",
                                      "starts_withs": [f"{args.model_bucket_arn}/"]}]},
            ],
            opts=stateful(protect, self, depends_on=[*store.safeguards, lock, role_policy]))
        self.register_outputs({"trailArn": self.trail.arn, "bucket": self.bucket.id,
                               "accessLogBucket": self.access_log_bucket.id})
