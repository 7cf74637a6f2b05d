"""Network: the zone's VPC with one regional subnet, private by default.

GCP subnets are regional, so one subnet serves every zone: nodes take its primary range, pods and services
its secondary ranges (VPC-native GKE). Nodes have no external IPs; they reach the internet through Cloud NAT
(a regional managed service, so ``network.natPerZone`` has no GCP counterpart) and Google APIs through
Private Google Access. A private services access range peers the VPC with Google's managed databases.

Firewall: explicit deny-all rules for ingress and egress at the lowest priority (logged), then narrow
allows: anything inside the zone's CIDR, Google's load-balancer health checks, and HTTPS out (Google APIs,
container registries and model hubs through NAT).

Address plan (``gcp_ranges``) on top of ``plan_subnets``: nodes take the first private subnet and services
the first "public" one (GCP needs no public subnet: Cloud NAT and load balancers live outside subnets).
``plan_subnets`` always keeps the upper half of the CIDR spare; GKE's pods take the first half of it (a
quarter of the CIDR), private services access the next eighth, and the last eighth stays spare. The GKE
control plane needs no range of ours: new private clusters reach it through Private Service Connect, with
an address from the node subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child, tagged
from llmops_landing_zone.components.gcp.keys import ApiDependencies
from llmops_landing_zone.components.gcp.project import GcpContext
from llmops_landing_zone.components.naming import name
from llmops_landing_zone.components.network_plan import plan_subnets

TYPE = "llmops:gcp:Network"
PODS_RANGE = "pods"
SERVICES_RANGE = "services"
# Google Front End ranges that send load-balancer health checks
# (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges).
HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")


@dataclass(frozen=True)
class GcpRanges:
    nodes: str
    services: str
    pods: str
    services_access: str  # private services access (VPC peering with Google-managed services)


def gcp_ranges(cidr: str, zones: int) -> GcpRanges:
    plan = plan_subnets(cidr, zones)
    net = ipaddress.ip_network(cidr)
    _, upper = net.subnets(prefixlen_diff=1)
    used = [ipaddress.ip_network(s) for s in plan.private + plan.public]
    assert not any(s.overlaps(upper) for s in used), "plan_subnets keeps the upper half spare"
    pods, managed = upper.subnets(prefixlen_diff=1)
    services_access, _spare = managed.subnets(prefixlen_diff=1)
    return GcpRanges(plan.private[0], plan.public[0], str(pods), str(services_access))


@dataclass
class NetworkArgs:
    """``prefix`` names every resource; ``cidr`` is carved by ``gcp_ranges`` for ``zones`` zones; ``services``
    are the project's enabled APIs (compute, servicenetworking) the network waits for."""

    prefix: str
    ctx: GcpContext
    services: ApiDependencies
    cidr: str
    zones: int
    labels: dict[str, str] = field(default_factory=dict)


class Network(pulumi.ComponentResource):
    vpc: gcp.compute.Network
    subnet: gcp.compute.Subnetwork
    ranges: GcpRanges
    services_access: gcp.servicenetworking.Connection
    services_access_range: gcp.compute.GlobalAddress

    def __init__(self, name_: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, labels=args.labels))
        ctx, z = args.ctx, args.prefix
        self.ranges = r = gcp_ranges(args.cidr, args.zones)
        self.cidr = args.cidr
        compute = args.services.deps("compute")

        self.vpc = gcp.compute.Network(
            f"{z}-vpc", name=name(z, "vpc"), project=ctx.project, auto_create_subnetworks=False,
            routing_mode="REGIONAL", opts=child(self, depends_on=compute))
        self.subnet = gcp.compute.Subnetwork(
            f"{z}-nodes", name=name(z, "nodes"), project=ctx.project, region=ctx.region, network=self.vpc.id,
            ip_cidr_range=r.nodes, private_ip_google_access=True, stack_type="IPV4_ONLY",
            secondary_ip_ranges=[{"range_name": PODS_RANGE, "ip_cidr_range": r.pods},
                                 {"range_name": SERVICES_RANGE, "ip_cidr_range": r.services}],
            # VPC flow logs (CIS GCP 3.8): half the flows, all metadata, 5-second aggregation.
            log_config={"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5,
                        "metadata": "INCLUDE_ALL_METADATA"},
            opts=child(self))

        router = gcp.compute.Router(f"{z}-router", name=name(z, "router"), project=ctx.project,
                                    region=ctx.region, network=self.vpc.id, opts=child(self))
        self.nat = gcp.compute.RouterNat(
            f"{z}-nat", name=name(z, "nat"), project=ctx.project, region=ctx.region, router=router.name,
            nat_ip_allocate_option="AUTO_ONLY", source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[{"name": self.subnet.id, "source_ip_ranges_to_nats": ["ALL_IP_RANGES"]}],
            # Dynamic port allocation: a node pulling many image layers or model shards gets more ports.
            enable_dynamic_port_allocation=True, enable_endpoint_independent_mapping=False,
            min_ports_per_vm=64, max_ports_per_vm=4096,
            log_config={"enable": True, "filter": "ERRORS_ONLY"}, opts=child(self))

        self.firewalls = self._firewalls(z, ctx, args.cidr)

        # Private services access: one peering range for Google-managed services (AlloyDB).
        net = ipaddress.ip_network(r.services_access)
        self.services_access_range = gcp.compute.GlobalAddress(
            f"{z}-psa", name=name(z, "psa"), project=ctx.project, network=self.vpc.id, purpose="VPC_PEERING",
            address_type="INTERNAL", address=str(net.network_address), prefix_length=net.prefixlen,
            opts=child(self))
        self.services_access = gcp.servicenetworking.Connection(
            f"{z}-psa", network=self.vpc.id, service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[self.services_access_range.name],
            opts=child(self, depends_on=args.services.deps("servicenetworking")))

        self.register_outputs({"network": self.vpc.id, "subnet": self.subnet.id, "nodes": r.nodes,
                               "pods": r.pods, "services": r.services, "servicesAccess": r.services_access})

    def _firewalls(self, z: str, ctx: GcpContext, cidr: str) -> list[gcp.compute.Firewall]:
        log = {"metadata": "INCLUDE_ALL_METADATA"}
        rules = [
            # (suffix, direction, priority, allow or deny, ranges, ports/protocol)
            ("deny-all-ingress", "INGRESS", 65534, "denies", ["0.0.0.0/0"], [{"protocol": "all"}]),
            ("deny-all-egress", "EGRESS", 65534, "denies", ["0.0.0.0/0"], [{"protocol": "all"}]),
            # Nodes, pods, services, the control plane's PSC address, peered managed services: in the CIDR.
            ("allow-internal-ingress", "INGRESS", 1000, "allows", [cidr], [{"protocol": "all"}]),
            ("allow-internal-egress", "EGRESS", 1000, "allows", [cidr], [{"protocol": "all"}]),
            ("allow-health-checks", "INGRESS", 1000, "allows", list(HEALTH_CHECK_RANGES),
             [{"protocol": "tcp"}]),
            # Google APIs (Private Google Access), image registries and model hubs, all over TLS.
            ("allow-https-egress", "EGRESS", 1000, "allows", ["0.0.0.0/0"],
             [{"protocol": "tcp", "ports": ["443"]}]),
        ]
        out = []
        for suffix, direction, priority, kind, ranges, rules_ in rules:
            where = {"source_ranges": ranges} if direction == "INGRESS" else {"destination_ranges": ranges}
            out.append(gcp.compute.Firewall(
                f"{z}-{suffix}", name=name(z, suffix), project=ctx.project, network=self.vpc.id,
                direction=direction, priority=priority, log_config=log, **{kind: rules_}, **where,
                opts=child(self)))
        return out

    @property
    def network_id(self) -> pulumi.Output[str]:
        return self.vpc.id

    @property
    def subnet_id(self) -> pulumi.Output[str]:
        return self.subnet.id

    @property
    def pods_range_name(self) -> str:
        return PODS_RANGE

    @property
    def services_range_name(self) -> str:
        return SERVICES_RANGE


EXISTING_TYPE = "llmops:gcp:ExistingNetwork"


@dataclass
class ExistingNetworkArgs:
    """A VPC network the user owns, in the zone's project (self-links), its node subnetwork in the zone's region
    with secondary ranges for pods and services, and, for AlloyDB, the name of the network's private services
    access range (an allocated global address already connected to servicenetworking)."""

    prefix: str
    ctx: GcpContext
    network: str
    subnetwork: str
    pods_range_name: str
    services_range_name: str
    services_access_range_name: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


def _short_name(self_link: str) -> str:
    return self_link.rstrip("/").rsplit("/", 1)[-1]


class ExistingNetwork(pulumi.ComponentResource):
    """The same outputs as ``Network`` for a network that exists. It creates nothing: subnets, Cloud NAT,
    firewall rules, flow logs and private services access are the network owner's. ``vpc``, ``subnet`` and
    ``services_access_range`` are lookups (compute.networks.get, subnetworks.get, globalAddresses.get);
    ``services_access`` is this component, so what needs private services access waits for the lookups."""

    def __init__(self, name_: str, args: ExistingNetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EXISTING_TYPE, name_, None, tagged(opts, labels=args.labels))
        ctx = args.ctx
        self.vpc = gcp.compute.get_network_output(name=_short_name(args.network), project=ctx.project)
        self.subnet = gcp.compute.get_subnetwork_output(self_link=args.subnetwork)
        # The subnet's primary range: what the cluster's authorized networks admit as "the zone network".
        self.cidr: pulumi.Output[str] = self.subnet.ip_cidr_range
        self.pods_range_name = args.pods_range_name
        self.services_range_name = args.services_range_name
        self.services_access = self
        self.services_access_range = gcp.compute.get_global_address_output(
            name=args.services_access_range_name, project=ctx.project) if args.services_access_range_name else None
        self.register_outputs({"network": self.vpc.id, "subnet": self.subnet.id})

    @property
    def network_id(self) -> pulumi.Output[str]:
        return self.vpc.id

    @property
    def subnet_id(self) -> pulumi.Output[str]:
        return self.subnet.id
