"""AWS bootstrap: the S3 state bucket, the KMS keys for state and for ``awskms://`` secrets, and the CI roles
GitHub Actions assumes through the account's GitHub OIDC provider.

State: Pulumi's DIY S3 backend (``pulumi login s3://...``) keeps each stack's checkpoint, history and backups as
objects, and locks a stack during an update with a lock object under ``.pulumi/locks/`` in the same bucket (no
DynamoDB table; https://www.pulumi.com/docs/iac/concepts/state-and-backends/). Versioning keeps every earlier
checkpoint recoverable; noncurrent versions expire after ``NONCURRENT_DAYS``.

Roles (path ``/pulumi-bootstrap/``, outside every ARN pattern of the deployer policy, so a deploy can never edit
its own role, the state bucket or the keys):
- ``<name>-preview``: pull requests of the repository (``repo:<owner/repo>:pull_request``); reads state, writes
  lock objects, decrypts secrets, and views (never reads data in) the account.
- ``<name>-deploy-<env>``: only jobs running in GitHub environment ``<env>``
  (``repo:<owner/repo>:environment:<env>``); the deployer policy (data/aws-deployer-policy.json) plus state and
  secrets access.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from llmops_landing_zone.components.aws.base import (
    AwsContext,
    Statement,
    deny_insecure_transport,
    document,
    statement,
)
from llmops_landing_zone.components.aws.keys import DELETION_WINDOW_DAYS, USE_ACTIONS, admin_statement
from llmops_landing_zone.components.common import stateful
from llmops_landing_zone.components.bootstrap.common import (
    GITHUB_ISSUER,
    GITHUB_ISSUER_HOST,
    LOCKS_PREFIX,
    BootstrapOutputs,
    data,
    environment_subject,
    pull_request_subject,
)
from llmops_landing_zone.components.bootstrap.config import BootstrapConfig

STATE_TYPE = "llmops:aws:StateBackend"
SECRETS_TYPE = "llmops:aws:SecretsKey"
CI_TYPE = "llmops:aws:CiAccess"

ROLE_PATH = "/pulumi-bootstrap/"
NONCURRENT_DAYS = 90
STS_AUDIENCE = "sts.amazonaws.com"
POLICY_FILE = "aws-deployer-policy.json"
MAX_MANAGED_POLICY_CHARS = 6144  # IAM quota: a managed policy document, whitespace not counted
# A first deploy (EKS control plane, GPU node groups, Aurora) outlasts the default one-hour session.
DEPLOY_SESSION_SECONDS = 2 * 3600
# Lists and describes, never object or secret contents: what a refreshing preview reads.
VIEW_ONLY = "job-function/ViewOnlyAccess"


def names(prefix: str, account_id: str, region: str) -> dict[str, str]:
    """Names of the bootstrap's own resources: all begin ``pulumi-`` (bucket, aliases) or live under
    ``ROLE_PATH`` (roles, policies), which no ``<prefix>*`` pattern of the deployer policy matches."""
    return {"bucket": f"pulumi-state-{prefix}-{account_id}-{region}", "state_alias": f"alias/pulumi-state-{prefix}",
            "secrets_alias": f"alias/pulumi-secrets-{prefix}"}


def deployer_policy(ctx: AwsContext, prefix: str) -> dict:
    """data/aws-deployer-policy.json with the account, region, partition and zone name prefix filled in."""
    text = json.dumps(data(POLICY_FILE))
    for key, value in {"Partition": ctx.partition, "Account": ctx.account_id, "Region": ctx.region,
                       "Prefix": prefix}.items():
        text = text.replace("${" + key + "}", value)
    assert "${" not in text, "unknown placeholder in " + POLICY_FILE
    return json.loads(text)


def policy_chunks(doc: dict) -> list[str]:
    """The policy as few managed-policy documents as fit IAM's size quota, statements in file order."""
    chunks: list[list[Statement]] = [[]]
    for s in doc["Statement"]:
        if chunks[-1] and _size(document(*chunks[-1], s)) > MAX_MANAGED_POLICY_CHARS:
            chunks.append([])
        chunks[-1].append(s)
    out = [document(*c) for c in chunks]
    assert all(_size(d) <= MAX_MANAGED_POLICY_CHARS for d in out), "one statement exceeds a managed policy"
    return out


def _size(doc: str) -> int:
    return len(re.sub(r"\s", "", doc))


def github_trust(provider_arn: str, subject: str) -> str:
    """Trust for one GitHub subject through the OIDC provider: the audience and the exact subject."""
    return document(statement("GitHubActions", "sts:AssumeRoleWithWebIdentity", principal={"Federated": provider_arn},
                              condition={"StringEquals": {f"{GITHUB_ISSUER_HOST}:aud": STS_AUDIENCE,
                                                          f"{GITHUB_ISSUER_HOST}:sub": subject}}))


def state_access(bucket_arn: str, state_key_arn: str, secrets_key_arn: str, *, write: bool) -> str:
    """Object access to the state bucket and use of the two keys: full for a deploy role; for preview, reads plus
    the lock objects a preview writes and removes."""
    objects = f"{bucket_arn}/*" if write else f"{bucket_arn}/{LOCKS_PREFIX}*"
    return document(
        statement("ListState", ["s3:ListBucket", "s3:GetBucketLocation"], bucket_arn),
        statement("ReadState", "s3:GetObject", f"{bucket_arn}/*"),
        statement("WriteState" if write else "WriteLocks", ["s3:PutObject", "s3:DeleteObject"], objects),
        statement("StateKey", ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], state_key_arn),
        statement("SecretsKey", ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"] if write else
                  ["kms:Decrypt", "kms:DescribeKey"], secrets_key_arn),
    )


@dataclass
class StateBackendArgs:
    ctx: AwsContext
    prefix: str
    protect: bool


class StateBackend(pulumi.ComponentResource):
    """The state bucket and its CMK: versioned, SSE-KMS with a bucket key, public access blocked, ACLs off, TLS
    only, old versions expired."""

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(STATE_TYPE, name, None, opts)
        ctx, n = args.ctx, names(args.prefix, args.ctx.account_id, args.ctx.region)
        self.key = aws.kms.Key(
            f"{name}-key", description=f"{args.prefix}: Pulumi state bucket", enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS, policy=document(
                admin_statement(ctx),
                statement("UseThroughS3", USE_ACTIONS, "*", principal={"AWS": ctx.root},
                          condition={"StringEquals": {"kms:ViaService": ctx.via("s3"),
                                                      "kms:CallerAccount": ctx.account_id}})),
            opts=stateful(args.protect, self))
        aws.kms.Alias(f"{name}-key-alias", name=n["state_alias"], target_key_id=self.key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))
        self.bucket_name = n["bucket"]
        self.bucket_arn = f"arn:{ctx.partition}:s3:::{self.bucket_name}"
        self.bucket = aws.s3.Bucket(name, bucket=self.bucket_name, opts=stateful(args.protect, self))
        own = pulumi.ResourceOptions(parent=self)
        guards = [
            aws.s3.BucketPublicAccessBlock(f"{name}-public-access", bucket=self.bucket.id, block_public_acls=True,
                                           block_public_policy=True, ignore_public_acls=True,
                                           restrict_public_buckets=True, opts=own),
            aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=self.bucket.id,
                                           rule={"object_ownership": "BucketOwnerEnforced"}, opts=own),
        ]
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=self.bucket.id, rules=[{
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                            "kms_master_key_id": self.key.arn},
                "bucket_key_enabled": True}], opts=own)
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"}, opts=own)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=self.bucket.id, rules=[{
                "id": "expire-old-checkpoints", "status": "Enabled", "filter": {},
                "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]))
        aws.s3.BucketPolicy(f"{name}-policy", bucket=self.bucket.id,
                            policy=document(deny_insecure_transport(self.bucket_arn)),
                            opts=pulumi.ResourceOptions(parent=self, depends_on=guards))
        self.register_outputs({"bucket": self.bucket_name})


@dataclass
class SecretsKeyArgs:
    ctx: AwsContext
    prefix: str
    protect: bool


class SecretsKey(pulumi.ComponentResource):
    """The CMK behind ``awskms://``: Pulumi encrypts each stack's data key with it, so a secret in a stack file
    is readable only by a principal allowed to Decrypt with this key."""

    def __init__(self, name: str, args: SecretsKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SECRETS_TYPE, name, None, opts)
        ctx = args.ctx
        self.alias_name = names(args.prefix, ctx.account_id, ctx.region)["secrets_alias"]
        self.key = aws.kms.Key(
            name, description=f"{args.prefix}: Pulumi secrets provider (awskms://)", enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS, policy=document(
                admin_statement(ctx),
                # Direct calls from the account's principals whose IAM policy allows it (the CI roles, the admin).
                statement("UseByAccountPrincipals", ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"], "*",
                          principal={"AWS": ctx.root},
                          condition={"StringEquals": {"kms:CallerAccount": ctx.account_id}})),
            opts=stateful(args.protect, self))
        aws.kms.Alias(f"{name}-alias", name=self.alias_name, target_key_id=self.key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))
        self.provider_url = f"awskms://{self.alias_name}?region={ctx.region}"
        self.register_outputs({"secretsProvider": self.provider_url})


@dataclass
class CiAccessArgs:
    ctx: AwsContext
    prefix: str
    repository: str
    environments: list[str]
    bucket_arn: str
    state_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]


class CiAccess(pulumi.ComponentResource):
    """The GitHub OIDC provider, the preview role and one deploy role per GitHub environment."""

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(CI_TYPE, name, None, opts)
        ctx, p = args.ctx, args.prefix
        own = pulumi.ResourceOptions(parent=self)
        # One per account and issuer URL; IAM trusts GitHub's certificate authority, so no thumbprint is needed
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html).
        self.provider = aws.iam.OpenIdConnectProvider(f"{name}-github", url=GITHUB_ISSUER,
                                                      client_id_lists=[STS_AUDIENCE], opts=own)
        keys = pulumi.Output.all(self.provider.arn, args.state_key_arn, args.secrets_key_arn)

        def trust(subject: str) -> pulumi.Output[str]:
            return self.provider.arn.apply(lambda arn: github_trust(arn, subject))

        self.preview = aws.iam.Role(
            f"{name}-preview", name=f"{p}-preview", path=ROLE_PATH,
            description=f"pulumi preview from pull requests of {args.repository}",
            assume_role_policy=trust(pull_request_subject(args.repository)),
            opts=own)
        aws.iam.RolePolicy(f"{name}-preview-state", role=self.preview.name, name="pulumi-state-read",
                           policy=keys.apply(lambda v: state_access(args.bucket_arn, v[1], v[2], write=False)),
                           opts=own)
        aws.iam.RolePolicyAttachment(f"{name}-preview-view", role=self.preview.name,
                                     policy_arn=ctx.managed_policy(VIEW_ONLY), opts=own)

        self.policies = [
            aws.iam.Policy(f"{name}-deployer-{i}", name=f"{p}-deployer-{i}", path=ROLE_PATH, policy=chunk,
                           description=f"{p} zone deployer ({POLICY_FILE}, part {i})", opts=own)
            for i, chunk in enumerate(policy_chunks(deployer_policy(ctx, p)), start=1)
        ]
        self.deploy: dict[str, aws.iam.Role] = {}
        for env in args.environments:
            role = aws.iam.Role(
                f"{name}-deploy-{env}", name=f"{p}-deploy-{env}", path=ROLE_PATH,
                description=f"pulumi up from GitHub environment {env} of {args.repository}",
                max_session_duration=DEPLOY_SESSION_SECONDS,
                assume_role_policy=trust(environment_subject(args.repository, env)),
                opts=own)
            aws.iam.RolePolicy(f"{name}-deploy-{env}-state", role=role.name, name="pulumi-state",
                               policy=keys.apply(lambda v: state_access(args.bucket_arn, v[1], v[2], write=True)),
                               opts=own)
            for i, policy in enumerate(self.policies, start=1):
                aws.iam.RolePolicyAttachment(f"{name}-deploy-{env}-deployer-{i}", role=role.name,
                                             policy_arn=policy.arn, opts=own)
            self.deploy[env] = role
        self.register_outputs({"preview": self.preview.arn, **{e: r.arn for e, r in self.deploy.items()}})


def build(cfg: BootstrapConfig, parent: pulumi.Resource) -> BootstrapOutputs:
    ident = aws.get_caller_identity()
    part = aws.get_partition()
    ctx = AwsContext(ident.account_id, cfg.region, part.partition, part.dns_suffix, ())
    opts = pulumi.ResourceOptions(parent=parent)
    state = StateBackend(f"{cfg.name}-state", StateBackendArgs(ctx, cfg.name, cfg.protect), opts)
    secrets = SecretsKey(f"{cfg.name}-secrets", SecretsKeyArgs(ctx, cfg.name, cfg.protect), opts)
    ci = CiAccess(f"{cfg.name}-ci", CiAccessArgs(ctx, cfg.name, cfg.repository, list(cfg.environments),
                                                 state.bucket_arn, state.key.arn, secrets.key.arn), opts)
    return BootstrapOutputs(
        backend_url=f"s3://{state.bucket_name}?region={ctx.region}",
        secrets_provider=secrets.provider_url,
        github_secrets={env: {"AWS_ROLE_ARN": role.arn, "AWS_REGION": ctx.region} for env, role in ci.deploy.items()},
        preview_secrets={"AWS_ROLE_ARN": ci.preview.arn, "AWS_REGION": ctx.region},
    )
