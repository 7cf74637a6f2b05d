"""ServingDashboards (AWS): a private Amazon Managed Grafana workspace showing the zone's AMP workspace, with the
zone's serving dashboard (components/observability/dashboards.py) in it.

- Workspace: AWS IAM Identity Center sign-in (``AWS_SSO``), current account only, encrypted with the zone's data
  key, Grafana 10.4. Private: its outbound traffic leaves through ENIs in the zone's private subnets (VPC
  configuration, a security group allowing HTTPS to the VPC only, where the AMP interface endpoint answers) and
  its network access control admits requests only through the zone's ``grafana-workspace`` interface endpoint
  (private DNS): nobody reaches it from the internet.
- Data: a customer-managed role (trusted by grafana.amazonaws.com for this account) allowed the AMP query
  actions on the zone's workspace only; the Prometheus data source signs its queries with it (SigV4).
- The dashboard gets into Grafana over the Grafana HTTP API: a workspace service account (Admin: it creates the
  data source) and a token, a ``pulumiverse_grafana`` provider on the workspace URL, one data source and one
  dashboard (Grafana JSON from grafana-foundation-sdk). The workspace answers only inside the VPC, so these
  API objects are created by the deploy workflow's cluster pass, from the runner in the VPC
  (components/deploy_path.py counts the Grafana provider with the Kubernetes ones).

Who may sign in: assign IAM Identity Center users or groups to the workspace (console, or
``aws grafana update-permissions``); the zone's config names IAM roles, not Identity Center ids, so it assigns
nobody. The service account token lives ``TOKEN_SECONDS`` (the service's maximum, 30 days): a deploy later than
that replaces it first (``pulumi up --replace`` on the token).
Sources: docs.aws.amazon.com/grafana/latest/userguide/AMG-configure-vpc.html (VPC configuration),
AMG-configure-nac.html (network access control), service-accounts.html, AMP-onboard-query-standalone-grafana.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, document, service_trust, statement
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.observability.grafana import grafana_objects

TYPE = "llmops:aws:ServingDashboards"
GRAFANA_VERSION = "10.4"
QUERY_ACTIONS = ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"]
TOKEN_SECONDS = 2_592_000  # 30 days, the most the service allows


@dataclass
class ServingDashboardsArgs:
    ctx: AwsContext
    prefix: str  # the zone's name
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Input[str]]  # the zone's private subnets (at least two zones)
    grafana_endpoint_id: pulumi.Input[str]  # the zone's grafana-workspace interface endpoint
    key_arn: pulumi.Input[str]  # encrypts the workspace
    prometheus_arn: pulumi.Input[str]  # the AMP workspace
    prometheus_endpoint: pulumi.Input[str]  # its query URL base (…/workspaces/<id>/)
    dashboard_json: str  # components.observability.grafana.grafana_json(...)
    tags: dict[str, str] = field(default_factory=dict)


class ServingDashboards(pulumi.ComponentResource):
    workspace: aws.grafana.Workspace

    def __init__(self, name: str, args: ServingDashboardsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a, ctx, z = args, args.ctx, args.prefix
        role = aws.iam.Role(
            f"{z}-grafana", name=f"{z}-grafana", description=f"{z}: Amazon Managed Grafana reads serving metrics",
            assume_role_policy=service_trust(ctx, "grafana", condition={
                "StringEquals": {"aws:SourceAccount": ctx.account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{ctx.partition}:grafana:{ctx.region}:{ctx.account_id}:/workspaces/*"}}),
            tags=a.tags, opts=child(self))
        policy = aws.iam.RolePolicy(
            f"{z}-grafana", name="serving-metrics", role=role.id,
            policy=pulumi.Output.from_input(a.prometheus_arn).apply(
                lambda arn: document(statement("QueryServingMetrics", QUERY_ACTIONS, arn))),
            opts=child(self))
        sg = aws.ec2.SecurityGroup(
            f"{z}-grafana", name=f"{z}-grafana", vpc_id=a.vpc_id,
            description="Amazon Managed Grafana: HTTPS to the VPC's endpoints only",
            ingress=[],
            egress=[{"description": "HTTPS to the VPC (AMP interface endpoint)", "protocol": "tcp", "from_port": 443,
                     "to_port": 443, "cidr_blocks": [a.vpc_cidr]}],
            tags=a.tags, opts=child(self))
        self.workspace = aws.grafana.Workspace(
            f"{z}-grafana", name=f"{z}-serving", description=f"{z}: LLM serving dashboards",
            account_access_type="CURRENT_ACCOUNT", authentication_providers=["AWS_SSO"],
            permission_type="CUSTOMER_MANAGED", role_arn=role.arn, data_sources=["PROMETHEUS"],
            grafana_version=GRAFANA_VERSION, kms_key_id=a.key_arn,
            vpc_configuration={"security_group_ids": [sg.id], "subnet_ids": a.subnet_ids},
            network_access_control={"prefix_list_ids": [], "vpce_ids": [a.grafana_endpoint_id]},
            tags=a.tags, opts=child(self, depends_on=[policy]))

        account = aws.grafana.WorkspaceServiceAccount(
            f"{z}-grafana-deployer", name="llz-deployer", grafana_role="ADMIN", workspace_id=self.workspace.id,
            opts=child(self))
        token = aws.grafana.WorkspaceServiceAccountToken(
            f"{z}-grafana-deployer", name="llz-deployer", seconds_to_live=TOKEN_SECONDS,
            service_account_id=account.service_account_id, workspace_id=self.workspace.id, opts=child(self))
        self.url = self.workspace.endpoint.apply(lambda e: f"https://{e}")
        self.provider, self.data_source, self.dashboard = grafana_objects(
            self, z, self.url, token.key, data_source_args(ctx.region, a.prometheus_endpoint), a.dashboard_json)
        self.register_outputs({"grafanaUrl": self.url, "workspaceId": self.workspace.id})


def data_source_args(region: str, endpoint: pulumi.Input[str]) -> dict[str, object]:
    """Grafana's Prometheus data source on AMP, SigV4-signed with the workspace's role (``ec2_iam_role``: the
    credentials of the environment Grafana runs in, the workspace role on Amazon Managed Grafana)."""
    return {
        "type": "prometheus",
        "url": pulumi.Output.from_input(endpoint).apply(lambda e: e.rstrip("/")),
        "json_data_encoded": pulumi.Output.json_dumps({
            "httpMethod": "POST", "sigV4Auth": True, "sigV4AuthType": "ec2_iam_role", "sigV4Region": region}),
    }

