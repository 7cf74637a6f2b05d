"""The zone's deploy runner: a CodeBuild-hosted GitHub Actions runner inside the zone's private subnets.

The EKS API server of a prod zone is private, so the deploy workflow's cluster pass (components/deploy_path.py)
runs on this runner: a job with ``runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}``
starts a CodeBuild build in the VPC that registers as an ephemeral runner (AWS CodeBuild docs, "Self-hosted
GitHub Actions runners in AWS CodeBuild"). The build's role may only do the cluster pass: read and write the
stack's state, use its secrets key, describe the cluster and act in it through an EKS access entry. Cloud
resources are the hosted cloud pass's business (the deploy role from the bootstrap).

The GitHub connection is created PENDING: someone with admin rights on the GitHub organisation completes it
once in the console (Developer Tools > Connections) before the first cluster pass (README, Deploying from CI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import (
    AwsContext,
    LogRetention,
    Statement,
    document,
    document_of,
    log_group,
    statement,
)

# CodeBuild's curated Amazon Linux 2023 image (Python 3.11, Docker, AWS CLI); AWS patches it in place, so the
# tag is a line, not a release (docs.aws.amazon.com/codebuild/latest/userguide/ec2-compute-images.html).
TYPE = "llmops:aws:DeployRunner"

RUNNER_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM"  # 4 vCPU, 7 GB: the offline plan of a prod zone needs about 2 GB
# What a CodeBuild build in a VPC needs to attach its network interface (CodeBuild docs, "Allow CodeBuild
# access to AWS services required to create a VPC network interface").
VPC_DESCRIBE_ACTIONS = ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"]
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"


def runs_on(project: str) -> str:
    """The `runs-on` label of a workflow job that runs on this runner."""
    return f"codebuild-{project}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


@dataclass
class DeployRunnerArgs:
    name: str  # the CodeBuild project's name (and logical-name prefix)
    prefix: str  # the zone's name: the log group must match the audit key's log group patterns
    repository: str  # GitHub owner/repo whose workflow jobs the runner takes
    ctx: AwsContext  # account, region, partition (no config)
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # private subnets: the runner reaches the API server's private endpoint
    cluster_name: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]  # the EKS cluster security group guarding the endpoint
    encryption_key_arn: pulumi.Input[str]  # CMK for the build's logs and artifacts (the zone's audit key)
    log_group_name: str  # /aws/codebuild/<zone>-..., within the audit key's log group patterns
    log_retention_days: int
    state_bucket_arn: str  # the Pulumi state backend's bucket (bootstrap output)
    secrets_key_arn: str  # the stack's secrets provider key (awskms://)
    tags: dict[str, str] = field(default_factory=dict)
    protect: bool = False  # the log group is audit evidence in prod
    depends_on: list[pulumi.Resource] = field(default_factory=list)


def runner_statements(ctx: AwsContext, project: str, log_group_arn: str, connection_arn: str, cluster_arn: str,
                      state_bucket_arn: str, secrets_key_arn: str, encryption_key_arn: str,
                      subnet_arns: Sequence[str], security_group_arn: str) -> list[Statement]:
    """The runner role's whole permission set: the cluster pass, nothing of the cloud pass."""
    return [
        statement("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [log_group_arn, f"{log_group_arn}:*"]),
        statement("VpcDescribe", VPC_DESCRIBE_ACTIONS, "*"),
        statement("VpcInterfaces", ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
                  [ctx.arn("ec2", "network-interface/*"), *subnet_arns, security_group_arn]),
        statement("VpcInterfacePermission", "ec2:CreateNetworkInterfacePermission",
                  ctx.arn("ec2", "network-interface/*"),
                  condition={"StringEquals": {"ec2:AuthorizedService": ctx.service("codebuild")},
                             "ArnEquals": {"ec2:Subnet": list(subnet_arns)}}),
        statement("GitHubConnection", ["codeconnections:GetConnectionToken", "codeconnections:GetConnection",
                                       "codeconnections:UseConnection"], connection_arn),
        statement("StateList", "s3:ListBucket", state_bucket_arn),
        statement("StateObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], f"{state_bucket_arn}/*"),
        statement("StackSecrets", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], secrets_key_arn),
        statement("BuildEncryption", ["kms:Decrypt", "kms:GenerateDataKey"], encryption_key_arn),
        # `aws eks get-token` needs no permission; the kubeconfig and the program's lookups read the cluster
        statement("DescribeCluster", "eks:DescribeCluster", cluster_arn),
        statement("ProgramLookups", "ec2:DescribeAvailabilityZones", "*"),
        statement("Reports", ["codebuild:CreateReportGroup", "codebuild:CreateReport", "codebuild:UpdateReport",
                              "codebuild:BatchPutTestCases"], ctx.arn("codebuild", f"report-group/{project}-*")),
    ]


class DeployRunner(pulumi.ComponentResource):
    project: aws.codebuild.Project
    role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup
    connection: aws.codeconnections.Connection
    runs_on: str

    def __init__(self, name: str, args: DeployRunnerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, project = args.ctx, args.name
        own = pulumi.ResourceOptions(parent=self)
        self.runs_on = runs_on(project)
        # CodeConnections names are at most 32 characters
        self.connection = aws.codeconnections.Connection(
            f"{name}-github", name=f"{project}"[:32], provider_type="GitHub", tags=args.tags, opts=own)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", name=f"{project}-runner", vpc_id=args.vpc_id, description=f"{project}: deploy runner (egress only)",
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"],
                     "description": "GitHub, package registries and AWS APIs through the zone's NAT"}],
            tags={**args.tags, "Name": f"{project}-runner"}, opts=own)
        self.api_access = aws.vpc.SecurityGroupIngressRule(
            f"{name}-to-api", security_group_id=args.cluster_security_group_id,
            referenced_security_group_id=self.security_group.id, ip_protocol="tcp", from_port=443, to_port=443,
            description=f"{project}: the deploy runner reaches the private API server", opts=own)
        log_group_arn = ctx.arn("logs", f"log-group:{args.log_group_name}")
        self.log_group = log_group(f"{name}-logs", args.log_group_name,
                                   LogRetention(args.prefix, args.log_retention_days, args.protect), ctx,
                                   args.encryption_key_arn, self)
        self.role = aws.iam.Role(
            f"{name}-role", name=f"{project}-runner", tags=args.tags,
            assume_role_policy=document(statement(
                "TrustCodeBuild", "sts:AssumeRole", principal={"Service": ctx.service("codebuild")},
                # confused-deputy guard: only this account's project of this name
                condition={"StringEquals": {"aws:SourceAccount": ctx.account_id},
                           "ArnLike": {"aws:SourceArn": ctx.arn("codebuild", f"project/{project}")}})),
            opts=own)
        cluster_arn = pulumi.Output.from_input(args.cluster_name).apply(
            lambda c: ctx.arn("eks", f"cluster/{c}"))
        subnet_arns = pulumi.Output.all(*args.subnet_ids).apply(
            lambda ids: [ctx.arn("ec2", f"subnet/{i}") for i in ids])
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy", name="cluster-pass", role=self.role.id,
            policy=document_of(lambda conn, cluster, subnets, key, sg: runner_statements(
                ctx, project, log_group_arn, conn, cluster, args.state_bucket_arn, args.secrets_key_arn, key,
                subnets, ctx.arn("ec2", f"security-group/{sg}")), self.connection.arn, cluster_arn, subnet_arns,
                args.encryption_key_arn, self.security_group.id),
            opts=own)
        # In the cluster: admin, since the cluster pass creates namespaces, CRD-backed objects and RBAC
        self.access_entry = aws.eks.AccessEntry(
            f"{name}-access", cluster_name=args.cluster_name, principal_arn=self.role.arn, type="STANDARD",
            tags=args.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=args.depends_on))
        self.access_policy = aws.eks.AccessPolicyAssociation(
            f"{name}-admin", cluster_name=args.cluster_name, principal_arn=self.role.arn,
            policy_arn=f"arn:{ctx.partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}",
            access_scope={"type": "cluster"}, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.access_entry]))
        self.project = aws.codebuild.Project(
            f"{name}-project", name=project, description=f"GitHub Actions runner for {args.repository} in the "
            "zone's private subnets (the deploy workflow's cluster pass)",
            service_role=self.role.arn, encryption_key=args.encryption_key_arn, build_timeout=120,
            queued_timeout=60, artifacts={"type": "NO_ARTIFACTS"},
            environment={"compute_type": COMPUTE_TYPE, "image": RUNNER_IMAGE, "type": "LINUX_CONTAINER",
                         "image_pull_credentials_type": "CODEBUILD"},
            source={"type": "GITHUB", "location": f"https://github.com/{args.repository}.git",
                    "auth": {"type": "CODECONNECTIONS", "resource": self.connection.arn}},
            vpc_config={"vpc_id": args.vpc_id, "subnets": list(args.subnet_ids),
                        "security_group_ids": [self.security_group.id]},
            logs_config={"cloudwatch_logs": {"status": "ENABLED", "group_name": args.log_group_name},
                         "s3_logs": {"status": "DISABLED"}},
            tags=args.tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy, self.log_group]))
        # Builds start when GitHub queues a workflow job whose runs-on names this project
        self.webhook = aws.codebuild.Webhook(
            f"{name}-webhook", project_name=self.project.name, build_type="BUILD",
            filter_groups=[{"filters": [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"}]}], opts=own)
        self.register_outputs({"project": self.project.name, "runsOn": self.runs_on,
                               "connectionArn": self.connection.arn, "roleArn": self.role.arn})
