"""Cluster: a private AKS cluster with Entra ID and Azure RBAC, KMS etcd encryption with the zone's Key Vault
key, workload identity, automatic upgrades, Azure CNI overlay with Cilium network policy, CMK node disks and a
small system pool; plus the Kubernetes provider the in-cluster layer uses.

Private cluster and KMS with a private key vault both rest on API Server VNet Integration: the API server gets
an internal IP in the delegated ``aks-apiserver`` subnet, and KMS reaches the vault's private endpoint from
there (Konnectivity no longer supports private key vaults for new subscriptions).
https://learn.microsoft.com/azure/aks/api-server-vnet-integration
https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure
import pulumi_kubernetes as k8s

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import ALL_METRICS, AzureContext, LogSink, diagnostics, grant
from llmops_landing_zone.components.common import child, stateful, tagged
from llmops_landing_zone.components.naming import name

TYPE = "llmops:azure:Cluster"
# Overlay pod and service ranges: three disjoint families, so any private VNet range (inside one of 10/8,
# 172.16/12, 192.168/16) overlaps at most one candidate of each list.
POD_CIDRS = ("10.244.0.0/16", "172.28.0.0/16", "192.168.0.0/17")
SERVICE_CIDRS = ("10.0.0.0/16", "172.29.0.0/16", "192.168.128.0/17")
# Control-plane logs kept for audit: kube-audit-admin (writes only; kube-audit adds every read at many times
# the volume), Entra ID authentication (guard), and the control-plane components.
# https://learn.microsoft.com/azure/aks/monitor-aks-reference
AKS_LOG_CATEGORIES = ("kube-audit-admin", "guard", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                      "cluster-autoscaler")


def tier(extended_support: bool, uptime_sla: bool) -> str:
    """Premium for Long-Term Support (https://learn.microsoft.com/azure/aks/long-term-support), Standard for the
    uptime SLA (prod), Free otherwise."""
    if extended_support:
        return "Premium"
    return "Standard" if uptime_sla else "Free"


def cluster_cidrs(vnet_cidr: str | Sequence[str]) -> tuple[str, str, str]:
    """(pod CIDR, service CIDR, DNS service IP) that overlap neither the VNet's address space nor each other."""
    space = [ipaddress.ip_network(c) for c in ([vnet_cidr] if isinstance(vnet_cidr, str) else vnet_cidr)]

    def free(c: str) -> bool:
        return not any(v.overlaps(ipaddress.ip_network(c)) for v in space)

    pod = next(c for c in POD_CIDRS if free(c))
    service = next(c for c in SERVICE_CIDRS if free(c)
                   and not ipaddress.ip_network(pod).overlaps(ipaddress.ip_network(c)))
    return pod, service, str(ipaddress.ip_network(service)[10])


def availability_zones(zones: int) -> list[str]:
    return [str(z) for z in range(1, zones + 1)]


def kubeconfig_text(credentials: azure.containerservice.ListManagedClusterUserCredentialsResult) -> str:
    return base64.b64decode(credentials.kubeconfigs[0].value).decode()


@dataclass
class ClusterArgs:
    """The AKS cluster as plain values and other resources' outputs: ``resource_group_name`` holds it; the
    nodes join ``nodes_subnet_id`` and the API server ``api_server_subnet_id`` (VNet integration) of
    ``vnet_id``, whose ``address_prefixes`` the pod and service CIDRs avoid; ``outbound_type`` is
    userAssignedNATGateway when the nodes subnet has a NAT gateway. KMS uses ``kms_key_id`` (versioned key URI
    of ``kms_key_resource_id``) in ``vault_id``; node disks use ``disk_encryption_set_id``. ``sink`` receives
    the control-plane logs (the diagnostics hook)."""

    prefix: str
    ctx: AzureContext
    resource_group_name: pulumi.Input[str]
    vnet_id: pulumi.Input[str]
    nodes_subnet_id: pulumi.Input[str]
    api_server_subnet_id: pulumi.Input[str]
    address_prefixes: Sequence[str]
    vault_id: pulumi.Input[str]
    kms_key_id: pulumi.Input[str]
    kms_key_resource_id: pulumi.Input[str]
    disk_encryption_set_id: pulumi.Input[str]
    kubernetes_version: str
    sink: LogSink | None = None
    outbound_type: str = "userAssignedNATGateway"
    extended_support: bool = False
    uptime_sla: bool = False
    public_endpoint: bool = False
    authorized_networks: Sequence[str] = ()
    system_node_count: int = 2
    system_node_max_count: int = 4
    zones: int = 3
    protect: bool = False
    # The monitoring add-on (Azure Monitor Agent, Entra ID auth) sending container logs to this workspace; what
    # it collects is a data collection rule's (components/azure/gateway_logs.py: the AI gateway's namespace only).
    container_logs_workspace_id: pulumi.Input[str] | None = None
    managed_prometheus: bool = False  # the AKS metrics profile: Azure Monitor managed Prometheus collects
    tags: dict[str, str] = field(default_factory=dict)


class Cluster(pulumi.ComponentResource):
    def __init__(self, name_: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, args.tags))
        ctx, z = args.ctx, args.prefix
        rg = args.resource_group_name
        self.cluster_name = names.AKS_CLUSTER.render(z)

        # A user-assigned control-plane identity: KMS needs its key permissions before the cluster exists
        # (a system-assigned identity would only appear with the cluster).
        self.identity = azure.managedidentity.UserAssignedIdentity(
            name(z, "aks-id"), resource_name_=name(z, "aks"), resource_group_name=rg,
            location=ctx.location, opts=child(self))
        principal = self.identity.principal_id
        self.grants = [
            # Joins nodes and the API server to the BYO subnets and attaches the NAT gateway.
            grant(name(z, "aks-network"), ctx, scope=args.vnet_id, role="Network Contributor",
                  principal_id=principal, parent=self),
            # KMS: encrypt/decrypt with the etcd key; Key Vault Contributor lets AKS set up the private link
            # to a vault without public access (AKS KMS docs, "private key vault").
            grant(name(z, "aks-kms-crypto"), ctx, scope=args.kms_key_resource_id, role="Key Vault Crypto User",
                  principal_id=principal, parent=self),
            grant(name(z, "aks-kms-vault"), ctx, scope=args.vault_id, role="Key Vault Contributor",
                  principal_id=principal, parent=self),
            # Node disks reference the disk encryption set.
            grant(name(z, "aks-des"), ctx, scope=args.disk_encryption_set_id, role="Reader",
                  principal_id=principal, parent=self),
        ]

        pod_cidr, service_cidr, dns_ip = cluster_cidrs(args.address_prefixes)
        system = catalog.system_node("azure")
        public = args.public_endpoint
        api_access: dict = {"enable_private_cluster": not public, "enable_vnet_integration": True,
                            "subnet_id": args.api_server_subnet_id}
        if public:
            api_access["authorized_ip_ranges"] = list(args.authorized_networks)
        else:
            api_access["enable_private_cluster_public_fqdn"] = False
        self.cluster = azure.containerservice.ManagedCluster(
            name(z, "aks"), resource_name_=self.cluster_name, resource_group_name=rg, location=ctx.location,
            dns_prefix=z, kubernetes_version=args.kubernetes_version,
            node_resource_group=names.AKS_NODE_RESOURCE_GROUP.render(z),
            # Nobody edits the AKS-managed node resource group by hand.
            node_resource_group_profile={"restriction_level": "ReadOnly"},
            # Standard: uptime SLA. Long-Term Support (cluster.extendedSupport) needs the Premium tier.
            sku={"name": "Base", "tier": tier(args.extended_support, args.uptime_sla)},
            support_plan="AKSLongTermSupport" if args.extended_support else "KubernetesOfficial",
            identity={"type": "UserAssigned", "user_assigned_identities": [self.identity.id]},
            enable_rbac=True,
            aad_profile={"managed": True, "enable_azure_rbac": True, "tenant_id": ctx.tenant_id},
            disable_local_accounts=True,
            oidc_issuer_profile={"enabled": True},
            security_profile={
                "workload_identity": {"enabled": True},
                "azure_key_vault_kms": {"enabled": True, "key_id": args.kms_key_id,
                                        "key_vault_network_access": "Private",
                                        "key_vault_resource_id": args.vault_id},
                "image_cleaner": {"enabled": True, "interval_hours": 168},
            },
            # The minor version stays what config pins; AKS applies its patches and node image updates.
            auto_upgrade_profile={"upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage"},
            api_server_access_profile=api_access,
            network_profile={
                "network_plugin": "azure", "network_plugin_mode": "overlay",
                "network_dataplane": "cilium", "network_policy": "cilium",
                "pod_cidr": pod_cidr, "service_cidr": service_cidr, "dns_service_ip": dns_ip,
                "outbound_type": args.outbound_type, "load_balancer_sku": "standard",
            },
            disk_encryption_set_id=args.disk_encryption_set_id,
            addon_profiles={"azurepolicy": {"enabled": True}, **({"omsagent": {"enabled": True, "config": {
                "logAnalyticsWorkspaceResourceID": args.container_logs_workspace_id, "useAADAuth": "true"}}}
                if args.container_logs_workspace_id is not None else {})},
            # Managed Prometheus collection (ama-metrics), when observability is on (components/azure/monitoring.py).
            **({"azure_monitor_profile": {"metrics": {"enabled": True}}} if args.managed_prometheus else {}),
            auto_scaler_profile={"expander": "least-waste", "balance_similar_node_groups": "true",
                                 "scale_down_unneeded_time": "10m"},  # idle GPU nodes go quickly
            agent_pool_profiles=[{
                "name": names.SYSTEM_POOL, "mode": "System", "type": "VirtualMachineScaleSets",
                "vm_size": system.name, "os_type": "Linux", "os_sku": "AzureLinux",
                "os_disk_type": "Managed", "os_disk_size_gb": 128,
                "enable_auto_scaling": True, "count": args.system_node_count,
                "min_count": args.system_node_count, "max_count": args.system_node_max_count,
                "availability_zones": availability_zones(args.zones), "vnet_subnet_id": args.nodes_subnet_id,
                "enable_encryption_at_host": True, "upgrade_settings": {"max_surge": "33%"},
            }],
            # Protected and retained in prod: a replacement would recreate the cluster and every workload on it.
            # No CanNotDelete lock: it would also cover the cluster's agent pools and the role assignments scoped
            # to it, so removing a GPU pool or a team member would fail.
            opts=stateful(args.protect, self, depends_on=self.grants))

        # The identity running `pulumi up` needs Kubernetes rights to create the in-cluster objects: local
        # accounts are off, so it is an Azure RBAC role on the cluster (its type, user or CI principal, varies).
        self.deployer_grant = grant(
            name(z, "aks-deployer"), ctx, scope=self.cluster.id,
            role="Azure Kubernetes Service RBAC Cluster Admin", principal_id=ctx.deployer_object_id, parent=self,
            principal_type=None)
        if args.sink is not None:
            diagnostics(name(z, "aks-diag"), z, resource_id=self.cluster.id, sink=args.sink, parent=self,
                               logs=[{"category": c, "enabled": True} for c in AKS_LOG_CATEGORIES],
                               metrics=ALL_METRICS)

        # Entra ID kubeconfig (exec format: kubelogin on PATH, AAD_LOGIN_METHOD=azurecli or workloadidentity).
        credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=rg, resource_name=self.cluster.name, format="exec")
        self.kubeconfig = pulumi.Output.secret(credentials.apply(kubeconfig_text))
        self.provider = k8s.Provider(
            name(z, "k8s"), kubeconfig=self.kubeconfig, enable_server_side_apply=True,
            opts=child(self, depends_on=[self.deployer_grant]))
        self.oidc_issuer_url: pulumi.Output[str] = self.cluster.oidc_issuer_profile.apply(
            lambda p: p.issuer_url if p else "")
        self.register_outputs({"clusterId": self.cluster.id, "oidcIssuerUrl": self.oidc_issuer_url})


EXISTING_TYPE = "llmops:azure:ExistingCluster"


@dataclass
class ExistingClusterArgs:
    """An AKS cluster the user owns, by name and resource group. It must have the OIDC issuer and workload
    identity enabled and Entra ID with Azure RBAC; the deployer needs a Kubernetes admin role on it."""

    prefix: str
    ctx: AzureContext
    cluster_name: str
    resource_group_name: str


class ExistingCluster(pulumi.ComponentResource):
    """The same outputs as ``Cluster`` for a cluster that exists (managedClusters read): ``cluster`` is the
    lookup (id, name, private FQDN), the kubeconfig comes from its user credentials. It creates nothing but the
    Kubernetes provider: no identity, grants or diagnostics, which are the cluster owner's."""

    def __init__(self, name_: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EXISTING_TYPE, name_, None, opts)
        z = args.prefix
        self.cluster_name = args.cluster_name
        self.resource_group_name = args.resource_group_name
        self.cluster = azure.containerservice.get_managed_cluster_output(
            resource_group_name=args.resource_group_name, resource_name=args.cluster_name)
        credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name, resource_name=args.cluster_name, format="exec")
        self.kubeconfig = pulumi.Output.secret(credentials.apply(kubeconfig_text))
        self.provider = k8s.Provider(name(z, "k8s"), kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                     opts=child(self))
        self.oidc_issuer_url: pulumi.Output[str] = self.cluster.oidc_issuer_profile.apply(
            lambda p: p.issuer_url if p else "")
        self.register_outputs({"clusterId": self.cluster.id, "oidcIssuerUrl": self.oidc_issuer_url})
