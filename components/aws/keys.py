"""Keys: the zone's customer-managed KMS keys, one per purpose, with rotation and least-privilege policies.

- cluster: EKS envelope encryption of Kubernetes secrets.
- audit: CloudTrail log files and every CloudWatch log group of the zone.
- data: model bucket, vector stores, SageMaker volumes, Secrets Manager and the GPU nodes' EBS root volumes.

Each key policy gives the account root the key *administration* actions only (no crypto use, so a broad IAM
policy elsewhere cannot decrypt zone data), then grants crypto use per service with conditions:
``kms:ViaService`` + ``kms:CallerAccount`` for use through a service, ``aws:SourceArn`` and an encryption
context for service principals. See
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html and
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, Statement, document, log_group_patterns, statement
from llmops_landing_zone.components.aws.names import TRAIL
from llmops_landing_zone.components.common import child, stateful, tagged

TYPE = "llmops:aws:Keys"

# The console's "key administrators" set: manage, rotate, schedule deletion; no Encrypt, Decrypt or
# GenerateDataKey.
ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
# Services that use the data key on a caller's behalf (ec2: EBS volumes of nodes and SageMaker instances).
DATA_SERVICES = ("s3", "rds", "sagemaker", "aoss", "secretsmanager", "ec2", "aps")  # aps: the metrics workspace
DELETION_WINDOW_DAYS = 30  # the maximum: a key scheduled for deletion by mistake can be recovered for a month


def admin_statement(ctx: AwsContext) -> Statement:
    return statement("KeyAdministration", ADMIN_ACTIONS, "*", principal={"AWS": ctx.root})


def cluster_key_policy(ctx: AwsContext) -> str:
    """EKS creates a grant for the cluster role when the cluster is created; the creating principal needs
    DescribeKey and CreateGrant through EKS (docs.aws.amazon.com/eks/latest/userguide/enable-kms.html)."""
    return document(
        admin_statement(ctx),
        statement("UseThroughEks", ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"], "*",
                  principal={"AWS": ctx.root},
                  condition={"StringEquals": {"kms:ViaService": ctx.via("eks"),
                                              "kms:CallerAccount": ctx.account_id}}),
    )


def audit_key_policy(ctx: AwsContext, prefix: str) -> str:
    trail_arn = ctx.arn("cloudtrail", f"trail/{TRAIL.render(prefix)}")
    any_trail = f"arn:{ctx.partition}:cloudtrail:*:{ctx.account_id}:trail/*"
    return document(
        admin_statement(ctx),
        # CloudWatch Logs encrypts only the zone's own log groups with this key
        # (docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). The documented
        # policy also lists kms:Describe*, which carries no encryption context and so could never match the
        # condition; encryption-context keys are strings, hence StringLike.
        statement("CloudWatchLogsUse",
                  ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "*",
                  principal={"Service": ctx.via("logs")},
                  condition={"StringLike": {
                      "kms:EncryptionContext:aws:logs:arn": log_group_patterns(ctx, prefix)}}),
        # CloudTrail encrypts log files for the zone's trail only
        # (docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
        statement("CloudTrailEncrypt", "kms:GenerateDataKey*", "*",
                  principal={"Service": ctx.service("cloudtrail")},
                  condition={"StringEquals": {"aws:SourceArn": trail_arn},
                             "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": any_trail}}),
        statement("CloudTrailDescribe", "kms:DescribeKey", "*",
                  principal={"Service": ctx.service("cloudtrail")},
                  condition={"StringEquals": {"aws:SourceArn": trail_arn}}),
        # Auditors of this account may read trail files (their IAM policy must allow it too).
        statement("ReadTrailLogs", ["kms:Decrypt", "kms:ReEncryptFrom"], "*", principal={"AWS": ctx.root},
                  condition={"StringEquals": {"kms:CallerAccount": ctx.account_id},
                             "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": any_trail}}),
    )


def data_key_policy(ctx: AwsContext) -> str:
    via = [ctx.via(s) for s in DATA_SERVICES]
    # Node groups launch instances through the Auto Scaling service-linked role, which needs the key for
    # encrypted EBS root volumes
    # (docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html).
    # The role exists once the account has had an Auto Scaling group; on a new account create it first
    # (aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com), or KMS rejects
    # the policy for naming an unknown principal.
    asg = (f"arn:{ctx.partition}:iam::{ctx.account_id}:role/aws-service-role/autoscaling.{ctx.dns_suffix}/"
           "AWSServiceRoleForAutoScaling")
    return document(
        admin_statement(ctx),
        statement("UseThroughZoneServices", USE_ACTIONS, "*", principal={"AWS": ctx.root},
                  condition={"StringEquals": {"kms:CallerAccount": ctx.account_id, "kms:ViaService": via}}),
        statement("GrantsForZoneServices", ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "*",
                  principal={"AWS": ctx.root},
                  condition={"StringEquals": {"kms:CallerAccount": ctx.account_id, "kms:ViaService": via},
                             "Bool": {"kms:GrantIsForAWSResource": "true"}}),
        statement("AutoScalingEbsUse", USE_ACTIONS, "*", principal={"AWS": asg}),
        statement("AutoScalingEbsGrants", "kms:CreateGrant", "*", principal={"AWS": asg},
                  condition={"Bool": {"kms:GrantIsForAWSResource": "true"}}),
    )


@dataclass
class KeysArgs:
    """``prefix`` names the keys, aliases and the trail the audit key serves; ``protect`` protects and retains
    the keys (prod)."""

    prefix: str
    ctx: AwsContext
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class Keys(pulumi.ComponentResource):
    cluster: aws.kms.Key
    audit: aws.kms.Key
    data: aws.kms.Key

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        self._args = args
        self.cluster = self._key("cluster", "EKS secrets envelope encryption", cluster_key_policy(ctx))
        self.audit = self._key("audit", "CloudTrail and CloudWatch Logs", audit_key_policy(ctx, z))
        self.data = self._key("data", "model weights, vector stores, endpoints, node volumes",
                              data_key_policy(ctx))
        # CIS AWS 5.1.1: new EBS volumes in the region are encrypted even outside the zone's launch templates.
        # An account setting, so destroying one zone must not switch it off for everyone else.
        self.ebs_default = aws.ebs.EncryptionByDefault(
            f"{z}-ebs-encryption-by-default", enabled=True, opts=child(self, retain_on_delete=True))
        self.register_outputs({"cluster": self.cluster.arn, "audit": self.audit.arn, "data": self.data.arn})

    def _key(self, purpose: str, description: str, policy: str) -> aws.kms.Key:
        z = self._args.prefix
        key = aws.kms.Key(
            f"{z}-{purpose}-key", description=f"{z}: {description}", enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS, policy=policy, opts=stateful(self._args.protect, self))
        aws.kms.Alias(f"{z}-{purpose}-alias", name=f"alias/{z}-{purpose}",
                      target_key_id=key.key_id, opts=child(self))
        return key
