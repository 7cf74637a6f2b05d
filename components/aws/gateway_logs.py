"""GatewayAccessLogs (AWS): the AI gateway's access records (one JSON line per request: team, model, status, token
counts; never a prompt or completion, components/k8s/gateway_routes.py) kept in CloudWatch Logs with the audit logs.

- The log group ``/aws/containers/<zone>-gateway-access``, encrypted with the audit key and kept
  ``audit.retentionDays`` (components/aws/base.py ``log_group``; protected in prod like the zone's other logs).
- A role for EKS Pod Identity, trusted only by this account's cluster, allowed ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on this log group alone (Service Authorization Reference, CloudWatch Logs: both take
  the log group's streams as their resource), associated with the shipper's ServiceAccount.
- In the cluster: the Fluent Bit DaemonSet of components/k8s/gateway_logs.py, reading only the proxies' files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, LogRetention, Statement, document, log_group
from llmops_landing_zone.components.aws.base import pod_identity_trust, statement
from llmops_landing_zone.components.aws.names import GATEWAY_LOGS_ROLE
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import gateway_logs as shipper

TYPE = "llmops:aws:GatewayAccessLogs"
WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]


def log_group_name(zone: str) -> str:
    return f"/aws/containers/{zone}-gateway-access"


def policy_statements(ctx: AwsContext, group: str) -> list[Statement]:
    return [statement("WriteGatewayAccessLogs", WRITE_ACTIONS, ctx.arn("logs", f"log-group:{group}:log-stream:*"))]


@dataclass
class GatewayAccessLogsArgs:
    name: str  # the zone's name
    ctx: AwsContext
    cluster_name: pulumi.Input[str]  # the EKS cluster (the association belongs to it)
    cluster_arn: str  # trusted by the role (aws:SourceArn)
    k8s_provider: pulumi.ProviderResource
    key_arn: pulumi.Input[str]  # the audit key
    retention: LogRetention
    source_namespace: str  # where the proxies run
    source_container: str  # their Envoy container
    node_selector: dict[str, str] = field(default_factory=dict)  # the system nodes, where the proxies run
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # in-cluster: the cluster's add-ons


class GatewayAccessLogs(pulumi.ComponentResource):
    group: aws.cloudwatch.LogGroup
    role: aws.iam.Role

    def __init__(self, name_: str, args: GatewayAccessLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a, ctx, z = args, args.ctx, args.name
        group_name = log_group_name(z)
        self.group = log_group(f"{z}-gateway-access", group_name, a.retention, ctx, a.key_arn, self)
        role_name = GATEWAY_LOGS_ROLE.render(z)
        self.role = aws.iam.Role(
            role_name, name=role_name, description=f"{z}: ships the AI gateway's access records (EKS Pod Identity)",
            assume_role_policy=pod_identity_trust(ctx, a.cluster_arn),
            opts=child(self))
        policy = aws.iam.RolePolicy(role_name, name="write-gateway-access-logs", role=self.role.id,
                                    policy=document(*policy_statements(ctx, group_name)), opts=child(self))
        self.association = aws.eks.PodIdentityAssociation(
            role_name, cluster_name=a.cluster_name, namespace=shipper.NAMESPACE, service_account=shipper.APP,
            role_arn=self.role.arn, opts=child(self, depends_on=[policy]))
        self.shipper = shipper.GatewayLogShipper(f"{z}-gateway-log-shipper", shipper.GatewayLogShipperArgs(
            region=ctx.region, log_group=self.group.name, source_namespace=a.source_namespace,
            source_container=a.source_container, node_selector=dict(a.node_selector),
            depends_on=[self.association, self.group]),
            pulumi.ResourceOptions(parent=self, provider=a.k8s_provider, depends_on=a.depends_on or None))
        self.register_outputs({"logGroup": self.group.name, "roleArn": self.role.arn})
