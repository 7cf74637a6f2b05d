"""Network: the zone's VPC, private by default.

Per availability zone a private subnet (nodes, pods through the VPC CNI, endpoints, databases) and a small
public subnet that only holds a NAT gateway and internet-facing load balancers. Prod gets a NAT per zone so
one zone's outage does not cut egress for the others; dev shares one NAT. AWS APIs the nodes call all the
time (ECR, STS, CloudWatch Logs, S3) are reached through VPC endpoints, so image pulls and credentials stay
off the NAT. VPC flow logs go to a log group encrypted with the audit key.

``ExistingNetwork`` attaches a zone to a VPC the user owns (``network.existing``): it creates nothing of the
network itself (no subnets, NAT, route tables, flow logs, nor the shared VPC endpoints, which are the network
owner's: a second private-DNS interface endpoint for a service is refused in a VPC that has one). It looks up
the VPC's CIDR and the S3 prefix list, and creates only what the zone alone uses: the OpenSearch Serverless
VPC endpoint of private collections and its security group.
"""

from __future__ import annotations


from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import (
    AwsContext,
    LogRetention,
    document,
    log_group,
    service_trust,
    statement,
)
from llmops_landing_zone.components.aws.names import OPENSEARCH_VPC_ENDPOINT
from llmops_landing_zone.components.common import child, tagged
from llmops_landing_zone.components.network_plan import plan_subnets

TYPE = "llmops:aws:Network"
# Interface endpoints every zone needs: image pulls (ECR API + Docker registry), Pod Identity / IRSA
# credentials (STS) and log shipping (CloudWatch Logs).
BASE_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "sts", "logs")


def service_prefix(ctx: AwsContext) -> str:
    """Reverse-DNS prefix of VPC endpoint service names (and of the S3 prefix list) in the partition."""
    return "cn.com.amazonaws" if ctx.partition == "aws-cn" else "com.amazonaws"


@dataclass
class NetworkArgs:
    """What the network needs, as plain values: ``prefix`` names every resource, ``zones`` are availability
    zone names (one private and one public subnet each), ``flow_log_key_arn`` encrypts the flow-log group."""

    prefix: str
    ctx: AwsContext
    cidr: str
    zones: Sequence[str]
    flow_log_key_arn: pulumi.Input[str]
    nat_per_zone: bool = True
    log_retention_days: int = 365
    protect: bool = False  # protect + retain the flow-log group
    extra_interface_endpoints: list[str] = field(default_factory=list)  # e.g. "sagemaker.runtime"
    opensearch_endpoint: bool = False  # an OpenSearch Serverless VPC endpoint for private collections
    tags: dict[str, str] = field(default_factory=dict)


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]
    public_subnets: list[aws.ec2.Subnet]
    nat_gateways: list[aws.ec2.NatGateway]
    endpoint_security_group: aws.ec2.SecurityGroup
    opensearch_endpoint: aws.opensearch.ServerlessVpcEndpoint | None

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        plan = plan_subnets(args.cidr, len(args.zones))
        self.cidr = args.cidr
        self.zones = list(args.zones)

        self.vpc = aws.ec2.Vpc(f"{z}-vpc", cidr_block=args.cidr, enable_dns_support=True,
                               enable_dns_hostnames=True,  # private endpoint DNS and EKS need both
                               tags={"Name": f"{z}-vpc"}, opts=child(self))
        # CIS AWS 5.5: the default security group allows nothing, so nothing can fall back on it.
        aws.ec2.DefaultSecurityGroup(f"{z}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags={"Name": f"{z}-default-deny"}, opts=child(self))
        igw = aws.ec2.InternetGateway(f"{z}-igw", vpc_id=self.vpc.id, tags={"Name": f"{z}-igw"},
                                      opts=child(self))

        self.private_subnets, self.public_subnets = [], []
        for az, private_cidr, public_cidr in zip(self.zones, plan.private, plan.public, strict=True):
            self.private_subnets.append(aws.ec2.Subnet(
                f"{z}-private-{az}", vpc_id=self.vpc.id, availability_zone=az, cidr_block=private_cidr,
                map_public_ip_on_launch=False,
                # internal load balancers (AWS Load Balancer Controller subnet discovery)
                tags={"Name": f"{z}-private-{az}", "kubernetes.io/role/internal-elb": "1"}, opts=child(self)))
            self.public_subnets.append(aws.ec2.Subnet(
                f"{z}-public-{az}", vpc_id=self.vpc.id, availability_zone=az, cidr_block=public_cidr,
                map_public_ip_on_launch=False,  # no public IP unless asked for (the NAT has an EIP)
                tags={"Name": f"{z}-public-{az}", "kubernetes.io/role/elb": "1"}, opts=child(self)))

        public_rt = aws.ec2.RouteTable(f"{z}-public-rt", vpc_id=self.vpc.id, tags={"Name": f"{z}-public"},
                                       opts=child(self))
        aws.ec2.Route(f"{z}-public-default", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=child(self))
        for az, subnet in zip(self.zones, self.public_subnets, strict=True):
            aws.ec2.RouteTableAssociation(f"{z}-public-{az}", subnet_id=subnet.id,
                                          route_table_id=public_rt.id, opts=child(self))

        nat_zones = self.zones if args.nat_per_zone else self.zones[:1]
        self.nat_gateways = []
        for az, subnet in zip(nat_zones, self.public_subnets, strict=False):
            eip = aws.ec2.Eip(f"{z}-nat-{az}", domain="vpc", tags={"Name": f"{z}-nat-{az}"}, opts=child(self))
            self.nat_gateways.append(aws.ec2.NatGateway(
                f"{z}-nat-{az}", allocation_id=eip.id, subnet_id=subnet.id, connectivity_type="public",
                tags={"Name": f"{z}-nat-{az}"}, opts=child(self, depends_on=[igw])))

        self.private_route_tables = []
        for i, (az, subnet) in enumerate(zip(self.zones, self.private_subnets, strict=True)):
            rt = aws.ec2.RouteTable(f"{z}-private-{az}", vpc_id=self.vpc.id,
                                    tags={"Name": f"{z}-private-{az}"}, opts=child(self))
            nat = self.nat_gateways[i] if args.nat_per_zone else self.nat_gateways[0]
            aws.ec2.Route(f"{z}-private-{az}-default", route_table_id=rt.id,
                          destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id, opts=child(self))
            aws.ec2.RouteTableAssociation(f"{z}-private-{az}", subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=child(self))
            self.private_route_tables.append(rt)

        prefix = service_prefix(ctx)
        # S3 through a gateway endpoint: free, and model weights never cross the NAT.
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{z}-s3", vpc_id=self.vpc.id, service_name=f"{prefix}.{ctx.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in self.private_route_tables],
            tags={"Name": f"{z}-s3"}, opts=child(self))

        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{z}-endpoints", name=f"{z}-endpoints", vpc_id=self.vpc.id,
            description="HTTPS from inside the VPC to its interface endpoints",
            ingress=[{"description": "HTTPS from the VPC", "protocol": "tcp", "from_port": 443,
                      "to_port": 443, "cidr_blocks": [args.cidr]}],
            egress=[],  # endpoints answer; they never open connections
            opts=child(self))
        self.interface_endpoints = {}
        for svc in [*BASE_INTERFACE_ENDPOINTS, *args.extra_interface_endpoints]:
            self.interface_endpoints[svc] = aws.ec2.VpcEndpoint(
                f"{z}-{svc.replace('.', '-')}", vpc_id=self.vpc.id,
                service_name=f"{prefix}.{ctx.region}.{svc}", vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[self.endpoint_security_group.id], tags={"Name": f"{z}-{svc}"},
                opts=child(self))

        # OpenSearch Serverless has its own VPC endpoint type (created through the aoss API, not EC2).
        self.opensearch_endpoint = aws.opensearch.ServerlessVpcEndpoint(
            f"{z}-aoss", name=OPENSEARCH_VPC_ENDPOINT.render(z), vpc_id=self.vpc.id,
            subnet_ids=[s.id for s in self.private_subnets],
            security_group_ids=[self.endpoint_security_group.id],
            opts=child(self)) if args.opensearch_endpoint else None

        self._flow_logs(args)
        self.register_outputs({"vpcId": self.vpc.id, "privateSubnetIds": self.private_subnet_ids})

    @property
    def private_subnet_ids(self) -> list[pulumi.Output[str]]:
        return [s.id for s in self.private_subnets]

    @property
    def vpc_id(self) -> pulumi.Output[str]:
        return self.vpc.id

    @property
    def s3_prefix_list_id(self) -> pulumi.Output[str]:
        """The S3 prefix list (from the zone's gateway endpoint), for security group egress rules."""
        return self.s3_endpoint.prefix_list_id

    @property
    def opensearch_endpoint_id(self) -> pulumi.Output[str] | None:
        return self.opensearch_endpoint.id if self.opensearch_endpoint else None

    def _flow_logs(self, args: NetworkArgs) -> None:
        ctx, z = args.ctx, args.prefix
        group_name = f"/aws/vpc/{z}-flow-logs"
        group = log_group(f"{z}-flow-logs", group_name, LogRetention(z, args.log_retention_days, args.protect), ctx,
                          args.flow_log_key_arn, self)
        group_arn = ctx.arn("logs", f"log-group:{group_name}")
        # Confused-deputy guard documented for flow logs
        # (docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
        role = aws.iam.Role(
            f"{z}-flow-logs", name=f"{z}-flow-logs",
            assume_role_policy=service_trust(ctx, "vpc-flow-logs", condition={
                "StringEquals": {"aws:SourceAccount": ctx.account_id},
                "ArnLike": {"aws:SourceArn": ctx.arn("ec2", "vpc-flow-log/*")}}),
            opts=child(self))
        aws.iam.RolePolicy(
            f"{z}-flow-logs", name="deliver-flow-logs", role=role.id,
            policy=document(statement("DeliverFlowLogs", ["logs:CreateLogStream", "logs:PutLogEvents",
                                                          "logs:DescribeLogStreams"],
                                      [group_arn, f"{group_arn}:*"])),
            opts=child(self))
        self.flow_log = aws.ec2.FlowLog(
            f"{z}-vpc", vpc_id=self.vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
            log_destination=group.arn, iam_role_arn=role.arn, max_aggregation_interval=60,
            tags={"Name": f"{z}-vpc-flow-logs"}, opts=child(self))


EXISTING_TYPE = "llmops:aws:ExistingNetwork"


@dataclass
class ExistingNetworkArgs:
    """A VPC the user owns: its id and the private subnets the zone's nodes, endpoints and databases use."""

    prefix: str
    ctx: AwsContext
    vpc_id: str
    private_subnet_ids: Sequence[str]
    opensearch_endpoint: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class ExistingNetwork(pulumi.ComponentResource):
    """The same outputs as ``Network`` (vpc_id, cidr, zones, private_subnet_ids, s3_prefix_list_id,
    opensearch_endpoint_id) for a VPC that exists; see the module docstring for what it creates."""

    opensearch_endpoint: aws.opensearch.ServerlessVpcEndpoint | None

    def __init__(self, name: str, args: ExistingNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EXISTING_TYPE, name, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        self._service_prefix = f"{service_prefix(ctx)}.{ctx.region}"
        self.vpc_id = args.vpc_id
        # Read-only lookups (ec2:DescribeVpcs, DescribeSubnets): plain values, so the rest of the zone plans
        # the same way whether it created the network or not.
        self.cidr: str = aws.ec2.get_vpc(id=args.vpc_id).cidr_block
        subnets = [aws.ec2.get_subnet(id=s) for s in args.private_subnet_ids]
        self.zones = sorted({s.availability_zone for s in subnets})
        self.private_subnet_ids: list[str] = list(args.private_subnet_ids)
        self.opensearch_endpoint = None
        if args.opensearch_endpoint:
            self.endpoint_security_group = aws.ec2.SecurityGroup(
                f"{z}-endpoints", name=f"{z}-endpoints", vpc_id=args.vpc_id,
                description="HTTPS from inside the VPC to the zone's interface endpoints",
                ingress=[{"description": "HTTPS from the VPC", "protocol": "tcp", "from_port": 443,
                          "to_port": 443, "cidr_blocks": [self.cidr]}],
                egress=[], opts=child(self))
            self.opensearch_endpoint = aws.opensearch.ServerlessVpcEndpoint(
                f"{z}-aoss", name=OPENSEARCH_VPC_ENDPOINT.render(z), vpc_id=args.vpc_id,
                subnet_ids=self.private_subnet_ids, security_group_ids=[self.endpoint_security_group.id],
                opts=child(self))
        self.register_outputs({"vpcId": args.vpc_id, "privateSubnetIds": self.private_subnet_ids})

    @cached_property
    def s3_prefix_list_id(self) -> str:
        """The region's S3 prefix list (it exists with or without a gateway endpoint in the VPC)."""
        return aws.ec2.get_prefix_list(name=f"{self._service_prefix}.s3").id

    @property
    def opensearch_endpoint_id(self) -> pulumi.Output[str] | None:
        return self.opensearch_endpoint.id if self.opensearch_endpoint else None
