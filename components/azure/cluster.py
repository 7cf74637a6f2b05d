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
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure
import pulumi_kubernetes as k8s

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import ALL_METRICS, AzureContext, LogSink, diagnostics, grant
from llmops_landing_zone.components.azure.keys import Keys
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.config.models import ZoneConfig
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


def _tier(cfg: ZoneConfig) -> str:
    """Premium for Long-Term Support (https://learn.microsoft.com/azure/aks/long-term-support), Standard in
    prod for the uptime SLA, Free otherwise."""
    if cfg.cluster.extended_support:
        return "Premium"
    return "Standard" if cfg.is_prod else "Free"


def cluster_cidrs(vnet_cidr: str) -> tuple[str, str, str]:
    """(pod CIDR, service CIDR, DNS service IP) that overlap neither the VNet nor each other."""
    vnet = ipaddress.ip_network(vnet_cidr)
    pod = next(c for c in POD_CIDRS if not vnet.overlaps(ipaddress.ip_network(c)))
    service = next(c for c in SERVICE_CIDRS if not vnet.overlaps(ipaddress.ip_network(c))
                   and not ipaddress.ip_network(pod).overlaps(ipaddress.ip_network(c)))
    return pod, service, str(ipaddress.ip_network(service)[10])


def availability_zones(cfg: ZoneConfig) -> list[str]:
    return [str(z) for z in range(1, cfg.network.zones + 1)]


def kubeconfig_text(credentials: azure.containerservice.ListManagedClusterUserCredentialsResult) -> str:
    return base64.b64decode(credentials.kubeconfigs[0].value).decode()


@dataclass
class ClusterArgs:
    cfg: ZoneConfig
    ctx: AzureContext
    network: Network
    keys: Keys
    sink: LogSink


class Cluster(pulumi.ComponentResource):
    def __init__(self, name_: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        cfg, ctx, network, keys, sink = args.cfg, args.ctx, args.network, args.keys, args.sink
        rg = network.resource_group.name
        self.cluster_name = names.AKS_CLUSTER.render(cfg.name)

        # A user-assigned control-plane identity: KMS needs its key permissions before the cluster exists
        # (a system-assigned identity would only appear with the cluster).
        self.identity = azure.managedidentity.UserAssignedIdentity(
            name(cfg.name, "aks-id"), resource_name_=name(cfg.name, "aks"), resource_group_name=rg,
            location=ctx.location, opts=child(self))
        principal = self.identity.principal_id
        self.grants = [
            # Joins nodes and the API server to the BYO subnets and attaches the NAT gateway.
            grant(name(cfg.name, "aks-network"), ctx, scope=network.vnet.id, role="Network Contributor",
                  principal_id=principal, parent=self),
            # KMS: encrypt/decrypt with the etcd key; Key Vault Contributor lets AKS set up the private link
            # to a vault without public access (AKS KMS docs, "private key vault").
            grant(name(cfg.name, "aks-kms-crypto"), ctx, scope=keys.keys["aks"].id, role="Key Vault Crypto User",
                  principal_id=principal, parent=self),
            grant(name(cfg.name, "aks-kms-vault"), ctx, scope=keys.vault.id, role="Key Vault Contributor",
                  principal_id=principal, parent=self),
            # Node disks reference the disk encryption set.
            grant(name(cfg.name, "aks-des"), ctx, scope=keys.disk_encryption_set.id, role="Reader",
                  principal_id=principal, parent=self),
        ]

        pod_cidr, service_cidr, dns_ip = cluster_cidrs(cfg.network.cidr)
        system = catalog.system_node("azure")
        public = cfg.cluster.public_endpoint
        api_access: dict = {"enable_private_cluster": not public, "enable_vnet_integration": True,
                            "subnet_id": network.api_subnet.id}
        if public:
            api_access["authorized_ip_ranges"] = list(cfg.cluster.authorized_networks)
        else:
            api_access["enable_private_cluster_public_fqdn"] = False
        self.cluster = azure.containerservice.ManagedCluster(
            name(cfg.name, "aks"), resource_name_=self.cluster_name, resource_group_name=rg, location=ctx.location,
            dns_prefix=cfg.name, kubernetes_version=cfg.cluster.kubernetes_version,
            node_resource_group=names.AKS_NODE_RESOURCE_GROUP.render(cfg.name),
            # Nobody edits the AKS-managed node resource group by hand.
            node_resource_group_profile={"restriction_level": "ReadOnly"},
            # Standard: uptime SLA. Long-Term Support (cluster.extendedSupport) needs the Premium tier.
            sku={"name": "Base", "tier": _tier(cfg)},
            support_plan="AKSLongTermSupport" if cfg.cluster.extended_support else "KubernetesOfficial",
            identity={"type": "UserAssigned", "user_assigned_identities": [self.identity.id]},
            enable_rbac=True,
            aad_profile={"managed": True, "enable_azure_rbac": True, "tenant_id": ctx.tenant_id},
            disable_local_accounts=True,
            oidc_issuer_profile={"enabled": True},
            security_profile={
                "workload_identity": {"enabled": True},
                "azure_key_vault_kms": {"enabled": True, "key_id": keys.keys["aks"].key_uri_with_version,
                                        "key_vault_network_access": "Private",
                                        "key_vault_resource_id": keys.vault.id},
                "image_cleaner": {"enabled": True, "interval_hours": 168},
            },
            # The minor version stays what config pins; AKS applies its patches and node image updates.
            auto_upgrade_profile={"upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage"},
            api_server_access_profile=api_access,
            network_profile={
                "network_plugin": "azure", "network_plugin_mode": "overlay",
                "network_dataplane": "cilium", "network_policy": "cilium",
                "pod_cidr": pod_cidr, "service_cidr": service_cidr, "dns_service_ip": dns_ip,
                "outbound_type": "userAssignedNATGateway", "load_balancer_sku": "standard",
            },
            disk_encryption_set_id=keys.disk_encryption_set.id,
            addon_profiles={"azurepolicy": {"enabled": True}},
            # Managed Prometheus collection (ama-metrics), when observability is on (components/azure/monitoring.py).
            **({"azure_monitor_profile": {"metrics": {"enabled": True}}} if cfg.observability.enabled else {}),
            auto_scaler_profile={"expander": "least-waste", "balance_similar_node_groups": "true",
                                 "scale_down_unneeded_time": "10m"},  # idle GPU nodes go quickly
            agent_pool_profiles=[{
                "name": names.SYSTEM_POOL, "mode": "System", "type": "VirtualMachineScaleSets",
                "vm_size": system.name, "os_type": "Linux", "os_sku": "AzureLinux",
                "os_disk_type": "Managed", "os_disk_size_gb": 128,
                "enable_auto_scaling": True, "count": cfg.cluster.system_nodes.count,
                "min_count": cfg.cluster.system_nodes.count, "max_count": cfg.cluster.system_nodes.max_count,
                "availability_zones": availability_zones(cfg), "vnet_subnet_id": network.nodes_subnet.id,
                "enable_encryption_at_host": True, "upgrade_settings": {"max_surge": "33%"},
            }],
            # Protected and retained in prod: a replacement would recreate the cluster and every workload on it.
            # No CanNotDelete lock: it would also cover the cluster's agent pools and the role assignments scoped
            # to it, so removing a GPU pool or a team member would fail.
            opts=stateful(cfg, self, depends_on=self.grants))

        # The identity running `pulumi up` needs Kubernetes rights to create the in-cluster objects: local
        # accounts are off, so it is an Azure RBAC role on the cluster (its type, user or CI principal, varies).
        self.deployer_grant = grant(
            name(cfg.name, "aks-deployer"), ctx, scope=self.cluster.id,
            role="Azure Kubernetes Service RBAC Cluster Admin", principal_id=ctx.deployer_object_id, parent=self,
            principal_type=None)
        diagnostics(name(cfg.name, "aks-diag"), cfg, resource_id=self.cluster.id, sink=sink, parent=self,
                    logs=[{"category": c, "enabled": True} for c in AKS_LOG_CATEGORIES], metrics=ALL_METRICS)

        # Entra ID kubeconfig (exec format: kubelogin on PATH, AAD_LOGIN_METHOD=azurecli or workloadidentity).
        credentials = azure.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=rg, resource_name=self.cluster.name, format="exec")
        self.kubeconfig = pulumi.Output.secret(credentials.apply(kubeconfig_text))
        self.provider = k8s.Provider(
            name(cfg.name, "k8s"), kubeconfig=self.kubeconfig, enable_server_side_apply=True,
            opts=child(self, depends_on=[self.deployer_grant]))
        self.oidc_issuer_url: pulumi.Output[str] = self.cluster.oidc_issuer_profile.apply(
            lambda p: p.issuer_url if p else "")
        self.register_outputs({"clusterId": self.cluster.id, "oidcIssuerUrl": self.oidc_issuer_url})
