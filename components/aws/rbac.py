"""Team RBAC: per team an IAM role its members assume, mapped into the cluster as a Kubernetes group.

The chain is: member principal -> ``sts:AssumeRole`` on the team role -> EKS access entry putting the role in
the Kubernetes group ``llmops:<team>`` (no EKS access policy, so no cluster-wide rights) -> the team
namespace's RoleBinding for that group (components.k8s.TeamNamespace). The role's IAM policy is per team
role (viewer < developer < admin) and scoped to the zone's own resources; nothing is ``*:*``.

Only listed members may assume a team role. A team without members gets its namespace but no IAM role and no
access entry: nobody can reach it until members are listed (no fallback to the account root, which would
hand the team's rights to any principal of the account able to set a tag on itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, Statement, document, document_of, log_group_patterns, statement
from llmops_landing_zone.components.aws.names import TEAM_ROLE
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import TeamNamespace, TeamNamespaceArgs

TYPE = "llmops:aws:TeamAccess"
TEAM_TAG = "llmops-team"  # the team a role belongs to (a tag on the role, for inventory and cost reports)
RANK = {"viewer": 0, "developer": 1, "admin": 2}


def kubernetes_group(team: str) -> str:
    return f"llmops:{team}"


def trust_policy(members: list[str]) -> str:
    """The listed members by ARN, and nobody else. A team without members has no role at all (IAM refuses a
    trust policy without principals), see ``TeamAccess``."""
    if not members:
        raise ValueError("a team role needs at least one member to trust")
    return document(statement("TeamMembersAssume", "sts:AssumeRole", principal={"AWS": sorted(members)}))


@dataclass
class TeamPolicyInputs:
    """What a team's IAM policy may reach; ARNs only known after deployment come as outputs."""

    cluster_arn: pulumi.Input[str]
    model_bucket_arn: str
    data_key_arn: pulumi.Input[str]
    sagemaker_endpoints: list[str] = field(default_factory=list)  # endpoint names
    collections: list[str] = field(default_factory=list)  # OpenSearch collection names


def team_statements(ctx: AwsContext, zone: str, role: str, inputs: TeamPolicyInputs, cluster_arn: str,
                    data_key_arn: str) -> list[Statement]:
    rank = RANK[role]
    cluster_name = cluster_arn.rsplit("/", 1)[-1]
    stmts = [
        # See the cluster and its node groups (kubectl config, console); Kubernetes rights come from RBAC.
        statement("DescribeCluster", ["eks:DescribeCluster", "eks:ListNodegroups", "eks:ListAddons",
                                      "eks:AccessKubernetesApi"], cluster_arn),
        statement("DescribeNodegroups", ["eks:DescribeNodegroup", "eks:DescribeAddon"],
                  [ctx.arn("eks", f"nodegroup/{cluster_name}/*/*"),
                   ctx.arn("eks", f"addon/{cluster_name}/*/*")]),
        # Read the zone's logs (control plane, flow logs, database logs).
        statement("ReadZoneLogs", ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents",
                                   "logs:StartQuery"], log_group_patterns(ctx, zone)),
    ]
    if rank >= RANK["developer"]:
        bucket = inputs.model_bucket_arn
        stmts += [
            statement("ListModelBucket", "s3:ListBucket", bucket),
            statement("ReadModels", "s3:GetObject", f"{bucket}/*"),
            statement("DecryptModelsThroughS3", "kms:Decrypt", data_key_arn,
                      condition={"StringEquals": {"kms:ViaService": ctx.via("s3")}}),
        ]
        if inputs.sagemaker_endpoints:
            stmts.append(statement(
                "InvokeZoneEndpoints",
                ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
                [ctx.arn("sagemaker", f"endpoint/{name}") for name in inputs.sagemaker_endpoints]))
        if inputs.collections:
            # The collections' data access policies decide what each team may do inside them.
            stmts.append(statement("ZoneVectorCollections", "aoss:APIAccessAll",
                                   ctx.arn("aoss", "collection/*"),
                                   condition={"StringEquals": {"aoss:collection": inputs.collections}}))
    if rank >= RANK["admin"]:
        bucket = inputs.model_bucket_arn
        stmts += [
            # Stage and retire model weights; versioning keeps every overwritten object recoverable.
            statement("WriteModels", ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                      f"{bucket}/*"),
            statement("EncryptModelsThroughS3", ["kms:GenerateDataKey", "kms:Decrypt"], data_key_arn,
                      condition={"StringEquals": {"kms:ViaService": ctx.via("s3")}}),
            statement("InspectZoneEndpoints",
                      ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig",
                       "sagemaker:DescribeModel"],
                      [ctx.arn("sagemaker", f"{kind}/{zone}-*")
                       for kind in ("endpoint", "endpoint-config", "model")]),
        ]
    return stmts


@dataclass
class TeamAccessArgs:
    name: str  # the zone's name: prefix of the role and namespace component names
    ctx: AwsContext
    team: str  # the team's key: its role name, Kubernetes group and namespace
    role: str  # viewer | developer | admin
    cluster_name: pulumi.Input[str]
    policy: TeamPolicyInputs
    k8s_provider: pulumi.ProviderResource
    members: list[str] = field(default_factory=list)  # IAM principal ARNs; none: no role, nobody gets in
    gpu_quota: int = 4  # nvidia.com/gpu requests the team namespace may hold
    # What the team's namespace waits for in the cluster (the platform namespaces and policies). On the namespace,
    # not on the component: the team's IAM role must not depend on in-cluster objects, or the deploy workflow's
    # cloud pass would leave it to the runner (components/deploy_path.py).
    namespace_after: list[pulumi.Resource] = field(default_factory=list)


class TeamAccess(pulumi.ComponentResource):
    role: aws.iam.Role | None  # None for a team without members

    def __init__(self, name: str, args: TeamAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, z, key, role = args.ctx, args.name, args.team, args.role
        role_name = TEAM_ROLE.render(z, key)
        group = kubernetes_group(key)
        self.role = None
        after: list[pulumi.Resource] = []
        if args.members:
            self.role = aws.iam.Role(
                role_name, name=role_name, description=f"{z} team {key} ({role})",
                assume_role_policy=trust_policy(args.members), max_session_duration=3600,
                tags={TEAM_TAG: key}, opts=child(self))
            inputs = args.policy
            aws.iam.RolePolicy(
                role_name, name=f"{role}-access", role=self.role.id,
                policy=document_of(lambda cluster_arn, key_arn: team_statements(ctx, z, role, inputs,
                                                                                  cluster_arn, key_arn),
                                   inputs.cluster_arn, inputs.data_key_arn),
                opts=child(self))
            after.append(aws.eks.AccessEntry(
                role_name, cluster_name=args.cluster_name, principal_arn=self.role.arn, type="STANDARD",
                kubernetes_groups=[group], opts=child(self)))
        self.namespace = TeamNamespace(
            f"{z}-team-{key}",
            TeamNamespaceArgs(team=key, role=role, gpu_quota=args.gpu_quota,
                              subjects=[{"kind": "Group", "name": group,
                                         "apiGroup": "rbac.authorization.k8s.io"}]),
            pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=[*after, *args.namespace_after]))
        self.register_outputs({"roleArn": self.role.arn if self.role else None, "kubernetesGroup": group})
