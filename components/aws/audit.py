"""Audit: a multi-region CloudTrail trail writing to a WORM bucket and to CloudWatch Logs.

- Trail: every region, global service events, log file validation (CIS AWS 3.1, 3.2), encrypted with the
  audit CMK (CIS 3.5), management events plus S3 object-level (data) events on the model bucket, so every
  read or write of model weights is attributable.
- Bucket: Object Lock with a default retention of ``audit.retentionDays`` (COMPLIANCE when
  ``audit.immutable``: nobody, root included, can delete or shorten it; GOVERNANCE otherwise), versioning,
  public access blocked, TLS only, and a bucket policy that lets only this trail write, only under
  ``AWSLogs/<account>/``. A lifecycle rule expires objects once the lock has run out, so storage stops
  growing without ever deleting a locked version.
- Log group: CloudWatch Logs copy for metric filters and alarms, KMS-encrypted, same retention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.base import (
    AwsContext,
    Statement,
    document,
    log_group,
    private_bucket,
    service_trust,
    statement,
)
from components.aws.names import TRAIL
from components.common import child, stateful
from components.config.models import ZoneConfig

TYPE = "llmops:aws:Audit"
ARCHIVE_AFTER_DAYS = 90  # Glacier Instant Retrieval has a 90-day minimum; only worth it for long retention


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


@dataclass
class AuditArgs:
    cfg: ZoneConfig
    ctx: AwsContext
    key_arn: pulumi.Input[str]
    model_bucket_arn: str  # data events are recorded for it


class Audit(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    bucket: aws.s3.Bucket

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        cfg, ctx = args.cfg, args.ctx
        z = cfg.name
        trail_name = TRAIL.render(z)
        trail_arn = ctx.arn("cloudtrail", f"trail/{trail_name}")
        days = cfg.audit.retention_days

        store = private_bucket(f"{z}-audit", f"{z}-audit-{ctx.account_id}-{ctx.region}", cfg, ctx,
                               args.key_arn, self, object_lock=True,
                               extra_statements=trail_bucket_statements(ctx, trail_arn))
        self.bucket = store.bucket
        versioning = store.versioning
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{z}-audit-lock", bucket=self.bucket.id, object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": "COMPLIANCE" if cfg.audit.immutable else "GOVERNANCE",
                                        "days": days}},
            opts=stateful(cfg, self, depends_on=[versioning]))
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
        group = log_group(f"{z}-trail", group_name, cfg, ctx, args.key_arn, self)
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
            kms_key_id=args.key_arn,
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
            opts=stateful(cfg, self, depends_on=[*store.safeguards, lock, role_policy]))
        self.register_outputs({"trailArn": self.trail.arn, "bucket": self.bucket.id})
