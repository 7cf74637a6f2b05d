"""How a zone's CIDR is carved, shared by config validation and every cloud's network module."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass

MIN_SUBNET_PREFIX = 24  # no subnet smaller than a /24: GPU nodes and private endpoints need room


@dataclass(frozen=True)
class SubnetPlan:
    private: list[str]  # one per zone: nodes, pods (AWS VPC CNI), private endpoints, databases
    public: list[str]  # one per zone: NAT gateways / load balancers only
    spare: list[str]  # reserved for later growth (e.g. GKE secondary ranges or AKS API subnet)


def plan_subnets(cidr: str, zones: int) -> SubnetPlan:
    """Split ``cidr`` into equal subnets: private per zone, public per zone, the rest kept spare."""
    net = ipaddress.ip_network(cidr)
    bits = math.ceil(math.log2(max(2 * zones, 2))) + 1  # keep half the space spare for growth
    new_prefix = net.prefixlen + bits
    subnets = [str(s) for s in net.subnets(new_prefix=new_prefix)]
    return SubnetPlan(private=subnets[:zones], public=subnets[zones:2 * zones], spare=subnets[2 * zones:])


def cidr_problem(cidr: str, zones: int) -> str | None:
    net = ipaddress.ip_network(cidr)
    if not net.is_private:
        return f"{cidr} is not a private (RFC 1918) range"
    bits = math.ceil(math.log2(max(2 * zones, 2))) + 1
    largest = MIN_SUBNET_PREFIX - bits
    if net.prefixlen > largest:
        return (f"{cidr} is too small for {zones} zone(s): it must be a /{largest} or larger to hold a private and "
                f"a public /{MIN_SUBNET_PREFIX} (or larger) subnet per zone with room to grow")
    return None
