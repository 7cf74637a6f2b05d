"""Network: the zone's resource group, VNet, subnets, NSGs, NAT gateway, private DNS zones and private endpoints.

Azure subnets span every availability zone of the region, so the per-zone private subnets of the shared plan
collapse into one node subnet (``private[0]``); node pools are spread over zones by ``availabilityZones``.
The other subnets come from the plan's spare blocks: ``spare[0]`` holds every private endpoint, and the
first /28 of ``spare[1]`` is the AKS API server subnet (API Server VNet Integration, required for KMS with a
private key vault). Public subnets are not needed: egress uses the NAT gateway, ingress stays internal.

With ``existing`` (a VNet the user owns, ``network.existing``) the component creates no VNet, subnet, NSG,
NAT gateway or flow of diagnostics for them: those are the network owner's. It still creates the zone's resource
group (for the zone's own resources) and the private DNS zones of its private endpoints, linked to the existing
VNet; the private endpoints go in the supplied endpoints subnet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import ALL_LOGS, ALL_METRICS, AzureContext, LogSink, diagnostics
from llmops_landing_zone.components.common import child, stateful, tagged
from llmops_landing_zone.components.naming import name
from llmops_landing_zone.components.network_plan import plan_subnets

TYPE = "llmops:azure:Network"
API_SERVER_PREFIX = 28  # minimum size of the API server subnet (AKS API Server VNet Integration docs)
# The deploy runner's Container Apps environment: a workload-profiles environment needs a /27 or larger
# infrastructure subnet of its own, delegated to Microsoft.App/environments
# (learn.microsoft.com/azure/container-apps/custom-virtual-networks, "Subnet").
RUNNER_PREFIX = 27

# Private DNS zone of each private-link sub-resource (public Azure cloud).
# https://learn.microsoft.com/azure/private-link/private-endpoint-dns
PRIVATE_DNS_ZONES: dict[str, tuple[str, ...]] = {
    "vault": ("privatelink.vaultcore.azure.net",),
    "registry": ("privatelink.azurecr.io",),
    "blob": ("privatelink.blob.core.windows.net",),
    "searchService": ("privatelink.search.windows.net",),
    "Sql": ("privatelink.documents.azure.com",),
    "amlworkspace": ("privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"),
    # An Azure Monitor Private Link Scope: its global and per-workspace endpoints, the agents' solution packs
    # (blob). learn.microsoft.com/azure/azure-monitor/logs/private-link-configure, "Review your DNS settings".
    "azuremonitor": ("privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
                     "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
                     "privatelink.blob.core.windows.net"),
    # An Azure Monitor workspace's query endpoint, per region
    # (learn.microsoft.com/azure/azure-monitor/essentials/azure-monitor-workspace-private-endpoint).
    "prometheusMetrics": ("privatelink.{region}.prometheus.monitor.azure.com",),
    "grafana": ("privatelink.grafana.azure.com",),
}
# Ports clients use through private endpoints: HTTPS, plus Cosmos DB direct mode (10250-10256).
PRIVATE_ENDPOINT_PORTS = ["443", "10250-10256"]


def private_dns_zones(group_id: str, location: str) -> list[str]:
    """The private DNS zones of a private-link sub-resource in ``location`` (some zones name the region)."""
    return [z.format(region=location) for z in PRIVATE_DNS_ZONES[group_id]]


def subnet_layout(cidr: str, zones: int) -> dict[str, str]:
    """The subnets of the VNet, carved from the shared plan (see the module docstring): the deploy runner's
    /27 is the second /27 of ``spare[1]``, after the /27 that holds the API server's /28. It is reserved in
    every zone and created only with the runner (``runner_subnet``)."""
    plan = plan_subnets(cidr, zones)
    api = next(ipaddress.ip_network(plan.spare[1]).subnets(new_prefix=API_SERVER_PREFIX))
    runner = list(ipaddress.ip_network(plan.spare[1]).subnets(new_prefix=RUNNER_PREFIX))[1]
    return {"nodes": plan.private[0], "endpoints": plan.spare[0], "apiserver": str(api), "runner": str(runner)}


def vnet_of(subnet_id: str) -> str:
    """The VNet resource id of a subnet resource id."""
    return subnet_id.split("/subnets/")[0]


@dataclass(frozen=True)
class ExistingVnet:
    """Subnets of a VNet the user owns (resource ids): nodes, private endpoints and, for a cluster the zone
    creates, the subnet delegated to the AKS API server."""

    nodes_subnet_id: str
    endpoints_subnet_id: str
    api_server_subnet_id: str | None = None


@dataclass
class NetworkArgs:
    """``prefix`` names every resource; ``cidr`` is carved by ``subnet_layout`` for ``zones`` zones, unless
    ``existing`` names the subnets to use; ``protect`` protects and retains the resource group."""

    prefix: str
    ctx: AzureContext
    cidr: str = "10.40.0.0/16"
    zones: int = 3
    protect: bool = False
    existing: ExistingVnet | None = None
    runner_subnet: bool = False  # the deploy runner's Container Apps subnet (components/azure/runner.py)
    tags: dict[str, str] = field(default_factory=dict)


class Network(pulumi.ComponentResource):
    """Resource group, VNet and subnets, NSGs, NAT egress, and the private DNS zones private endpoints use."""

    def __init__(self, name_: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        self.prefix, self.ctx = z, ctx
        own = child(self)
        self.resource_group_name = name(z, "rg")
        # Protected and retained in prod like every stateful resource: deleting the group deletes everything in
        # it. No CanNotDelete lock on the group itself: it would also block deleting any resource inside
        # (a removed GPU pool, a replaced role assignment), so the locks sit on the stateful resources instead.
        self.resource_group = azure.resources.ResourceGroup(
            name(z, "rg"), resource_group_name=self.resource_group_name, location=ctx.location,
            opts=stateful(args.protect, self))
        rg = self.resource_group.name
        self.resource_group_id = ctx.resource_group_id(self.resource_group_name)
        self._dns_zones: dict[str, azure.privatedns.PrivateZone] = {}
        self._links: dict[str, azure.privatedns.VirtualNetworkLink] = {}
        self.existing = args.existing
        if args.existing is not None:
            self._attach(args.existing)
            return
        layout = subnet_layout(args.cidr, args.zones)
        self.layout = layout
        self.address_prefixes = [args.cidr]
        self.nat_egress = True

        self.vnet = azure.network.VirtualNetwork(
            name(z, "vnet"), virtual_network_name=name(z, "vnet"), resource_group_name=rg,
            location=ctx.location, address_space={"address_prefixes": [args.cidr]}, opts=own)

        # Egress: one NAT gateway on the node subnet (AKS outboundType userAssignedNATGateway). Standard NAT
        # gateways are zonal resources and a subnet takes one, so network.natPerZone cannot add more here.
        self.egress_ip = azure.network.PublicIPAddress(
            name(z, "nat-ip"), public_ip_address_name=name(z, "nat-ip"), resource_group_name=rg,
            location=ctx.location, sku={"name": "Standard", "tier": "Regional"},
            public_ip_allocation_method="Static", public_ip_address_version="IPv4", opts=own)
        self.nat = azure.network.NatGateway(
            name(z, "nat"), nat_gateway_name=name(z, "nat"), resource_group_name=rg,
            location=ctx.location, sku={"name": "Standard"}, idle_timeout_in_minutes=4,
            public_ip_addresses=[{"id": self.egress_ip.id}], opts=own)

        # Nodes: the platform default rules (VNet and load balancer in, Internet in denied) are what AKS needs;
        # the NSG exists so flows are logged and so later rules have a home.
        self.nodes_nsg = azure.network.NetworkSecurityGroup(
            name(z, "nodes-nsg"), network_security_group_name=name(z, "nodes-nsg"),
            resource_group_name=rg, location=ctx.location, opts=own)
        # Private endpoints: only the VNet may reach them, and only on the service ports.
        self.endpoints_nsg = azure.network.NetworkSecurityGroup(
            name(z, "endpoints-nsg"), network_security_group_name=name(z, "endpoints-nsg"),
            resource_group_name=rg, location=ctx.location,
            security_rules=[
                {"name": "allow-vnet-to-private-endpoints", "priority": 100, "direction": "Inbound",
                 "access": "Allow", "protocol": "Tcp", "source_address_prefix": "VirtualNetwork",
                 "source_port_range": "*", "destination_address_prefix": layout["endpoints"],
                 "destination_port_ranges": PRIVATE_ENDPOINT_PORTS},
                {"name": "deny-all-other-inbound", "priority": 4096, "direction": "Inbound", "access": "Deny",
                 "protocol": "*", "source_address_prefix": "*", "source_port_range": "*",
                 "destination_address_prefix": "*", "destination_port_range": "*"},
            ], opts=own)

        # Subnets are separate resources, created one after another: Azure rejects concurrent subnet writes on
        # one VNet (AnotherOperationInProgress). No subnet gets default outbound access (retired for new VNets).
        self.nodes_subnet = azure.network.Subnet(
            name(z, "nodes"), subnet_name="nodes", virtual_network_name=self.vnet.name,
            resource_group_name=rg, address_prefix=layout["nodes"], default_outbound_access=False,
            network_security_group={"id": self.nodes_nsg.id}, nat_gateway={"id": self.nat.id}, opts=own)
        self.endpoints_subnet = azure.network.Subnet(
            name(z, "endpoints"), subnet_name="private-endpoints", virtual_network_name=self.vnet.name,
            resource_group_name=rg, address_prefix=layout["endpoints"], default_outbound_access=False,
            network_security_group={"id": self.endpoints_nsg.id},
            private_endpoint_network_policies="Enabled",  # so the NSG above applies to private endpoints
            opts=child(self, depends_on=[self.nodes_subnet]))
        self.api_subnet = azure.network.Subnet(
            name(z, "apiserver"), subnet_name="aks-apiserver", virtual_network_name=self.vnet.name,
            resource_group_name=rg, address_prefix=layout["apiserver"], default_outbound_access=False,
            delegations=[{"name": "aks-apiserver", "service_name": "Microsoft.ContainerService/managedClusters"}],
            opts=child(self, depends_on=[self.endpoints_subnet]))
        # The deploy runner's Container Apps environment: its own subnet, delegated, egress through the NAT
        # (GitHub, package registries, Azure APIs); NSG defaults (VNet in, Internet in denied) suffice.
        self.runner_nsg: azure.network.NetworkSecurityGroup | None = None
        self.runner_subnet: azure.network.Subnet | None = None
        if args.runner_subnet:
            self.runner_nsg = azure.network.NetworkSecurityGroup(
                name(z, "runner-nsg"), network_security_group_name=name(z, "runner-nsg"),
                resource_group_name=rg, location=ctx.location, opts=own)
            self.runner_subnet = azure.network.Subnet(
                name(z, "runner"), subnet_name="deploy-runner", virtual_network_name=self.vnet.name,
                resource_group_name=rg, address_prefix=layout["runner"], default_outbound_access=False,
                network_security_group={"id": self.runner_nsg.id}, nat_gateway={"id": self.nat.id},
                delegations=[{"name": "container-apps", "service_name": "Microsoft.App/environments"}],
                opts=child(self, depends_on=[self.api_subnet]))

        self.vnet_id: pulumi.Input[str] = self.vnet.id
        self.nodes_subnet_id: pulumi.Input[str] = self.nodes_subnet.id
        self.endpoints_subnet_id: pulumi.Input[str] = self.endpoints_subnet.id
        self.api_subnet_id: pulumi.Input[str] | None = self.api_subnet.id
        self.register_outputs({"vnetId": self.vnet.id, "nodesSubnetId": self.nodes_subnet.id})

    def _attach(self, existing: ExistingVnet) -> None:
        """Use the supplied subnets; look up the VNet's address space (pod and service CIDRs must not overlap
        it) and whether the nodes subnet has a NAT gateway (the cluster's outbound type)."""
        self.vnet_id = vnet_of(existing.nodes_subnet_id)
        self.nodes_subnet_id = existing.nodes_subnet_id
        self.endpoints_subnet_id = existing.endpoints_subnet_id
        self.api_subnet_id = existing.api_server_subnet_id
        parts = self.vnet_id.split("/")  # /subscriptions/<s>/resourceGroups/<rg>/providers/.../virtualNetworks/<n>
        vnet = azure.network.get_virtual_network(resource_group_name=parts[4], virtual_network_name=parts[-1])
        self.address_prefixes = list(vnet.address_space.address_prefixes if vnet.address_space else [])
        nodes = azure.network.get_subnet(resource_group_name=parts[4], virtual_network_name=parts[-1],
                                         subnet_name=existing.nodes_subnet_id.rsplit("/", 1)[-1])
        self.nat_egress = nodes.nat_gateway is not None
        self.layout = {"nodes": existing.nodes_subnet_id, "endpoints": existing.endpoints_subnet_id,
                       **({"apiserver": existing.api_server_subnet_id} if existing.api_server_subnet_id else {})}
        self.register_outputs({"vnetId": self.vnet_id, "nodesSubnetId": self.nodes_subnet_id})

    # --- private DNS and private endpoints ------------------------------------------------------------------

    def dns_zone(self, zone_name: str) -> azure.privatedns.PrivateZone:
        """The private DNS zone, created on first use and linked to the VNet (one per zone per VNet)."""
        if zone_name not in self._dns_zones:
            key = zone_name.removeprefix("privatelink.").replace(".", "-")
            zone = azure.privatedns.PrivateZone(
                name(self.prefix, "dns", key), private_zone_name=zone_name,
                resource_group_name=self.resource_group.name, location="global", opts=child(self))
            self._links[zone_name] = azure.privatedns.VirtualNetworkLink(
                name(self.prefix, "dns", key, "link"), virtual_network_link_name=name(self.prefix, "vnet"),
                private_zone_name=zone.name, resource_group_name=self.resource_group.name, location="global",
                virtual_network={"id": self.vnet_id}, registration_enabled=False, opts=child(self))
            self._dns_zones[zone_name] = zone
        return self._dns_zones[zone_name]

    def private_endpoint(self, logical: str, *, target_id: pulumi.Input[str], group_id: str,
                         parent: pulumi.Resource, depends_on: Sequence[pulumi.Resource] = ()
                         ) -> azure.network.PrivateEndpoint:
        """A private endpoint in the endpoints subnet for one sub-resource (``group_id``) of ``target_id``,
        registered in the matching private DNS zones so the service's public name resolves privately."""
        zone_names = private_dns_zones(group_id, self.ctx.location)
        zones = [self.dns_zone(z) for z in zone_names]
        endpoint = azure.network.PrivateEndpoint(
            logical, private_endpoint_name=logical, resource_group_name=self.resource_group.name,
            location=self.ctx.location, subnet={"id": self.endpoints_subnet_id},
            custom_network_interface_name=f"{logical}-nic",
            private_link_service_connections=[{"name": logical, "private_link_service_id": target_id,
                                               "group_ids": [group_id]}],
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)))
        azure.network.PrivateDnsZoneGroup(
            f"{logical}-dns", private_dns_zone_group_name="default", private_endpoint_name=endpoint.name,
            resource_group_name=self.resource_group.name,
            private_dns_zone_configs=[{"name": z.removeprefix("privatelink.").replace(".", "-"),
                                       "private_dns_zone_id": zone.id}
                                      for z, zone in zip(zone_names, zones, strict=True)],
            opts=pulumi.ResourceOptions(parent=parent))
        return endpoint

    # --- audit ------------------------------------------------------------------------------------------

    def enable_diagnostics(self, sink: LogSink) -> None:
        """Logs of the network's resources; called once the audit sink exists (the sink itself needs the
        network and the keys, so the network is built before it). An existing VNet's are its owner's."""
        if self.existing is not None:
            return
        z = self.prefix
        diagnostics(name(z, "vnet-diag"), z, resource_id=self.vnet.id, sink=sink, parent=self,
                           metrics=ALL_METRICS)
        diagnostics(name(z, "nat-ip-diag"), z, resource_id=self.egress_ip.id, sink=sink, parent=self,
                           metrics=ALL_METRICS)
        nsgs = [("nodes", self.nodes_nsg), ("endpoints", self.endpoints_nsg)]
        for key, nsg in nsgs + ([("runner", self.runner_nsg)] if self.runner_nsg is not None else []):
            # NSGs have logs (rule events and counters) but no metrics.
            diagnostics(name(z, key, "nsg-diag"), z, resource_id=nsg.id, sink=sink, parent=self,
                               logs=ALL_LOGS)
