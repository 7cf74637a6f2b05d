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
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
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
    cfg: ZoneConfig
    ctx: GcpContext
    services: ProjectServices


class Network(pulumi.ComponentResource):
    vpc: gcp.compute.Network
    subnet: gcp.compute.Subnetwork
    ranges: GcpRanges
    services_access: gcp.servicenetworking.Connection
    services_access_range: gcp.compute.GlobalAddress

    def __init__(self, name_: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        cfg, ctx = args.cfg, args.ctx
        z = cfg.name
        self.ranges = r = gcp_ranges(cfg.network.cidr, cfg.network.zones)
        self.cidr = cfg.network.cidr
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

        self.firewalls = self._firewalls(cfg, ctx)

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

    def _firewalls(self, cfg: ZoneConfig, ctx: GcpContext) -> list[gcp.compute.Firewall]:
        z = cfg.name
        log = {"metadata": "INCLUDE_ALL_METADATA"}
        rules = [
            # (suffix, direction, priority, allow or deny, ranges, ports/protocol)
            ("deny-all-ingress", "INGRESS", 65534, "denies", ["0.0.0.0/0"], [{"protocol": "all"}]),
            ("deny-all-egress", "EGRESS", 65534, "denies", ["0.0.0.0/0"], [{"protocol": "all"}]),
            # Nodes, pods, services, the control plane's PSC address, peered managed services: in the CIDR.
            ("allow-internal-ingress", "INGRESS", 1000, "allows", [cfg.network.cidr], [{"protocol": "all"}]),
            ("allow-internal-egress", "EGRESS", 1000, "allows", [cfg.network.cidr], [{"protocol": "all"}]),
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
