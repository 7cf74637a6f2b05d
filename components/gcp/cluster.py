"""Cluster: a private GKE Standard cluster and its small system node pool.

Private nodes always; the control plane's IP endpoint is private unless ``cluster.publicEndpoint`` asks for a
public one, and either way only the zone's CIDR plus ``cluster.authorizedNetworks`` may reach it (config
validation refuses 0.0.0.0/0 in prod). ``pulumi up`` reaches a private cluster through GKE's DNS-based
control-plane endpoint, which Google's front end guards with IAM (``container.clusters.connect``), so no IP
endpoint has to be opened for the deployer
(https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#dns-based_endpoint).

Workload Identity, shielded nodes, Dataplane V2 (enforces the NetworkPolicies the Kubernetes layer writes),
intranode visibility (same-node pod traffic passes through the VPC, so flow logs and firewall rules see it),
application-layer Secrets encryption with the zone's CMEK, Cloud Logging and Managed Prometheus on, a
release channel (STABLE in prod), Binary Authorization enforcement in prod, and Google Groups for RBAC when
teams name ``group:`` members. Node service accounts are dedicated, with the minimal roles Google documents
(https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa);
never the Compute Engine default service account.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.common import child, tagged
from llmops_landing_zone.components.gcp.limits import SYSTEM_POOL_KEY
from llmops_landing_zone.components.gcp.names import GKE_CLUSTER, SYSTEM_NODE_POOL, SYSTEM_NODE_SERVICE_ACCOUNT
from llmops_landing_zone.components.gcp.keys import ApiDependencies
from llmops_landing_zone.components.gcp.project import GcpContext

TYPE = "llmops:gcp:Cluster"
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
# Node VMs get the cloud-platform scope and IAM decides what the node service account may do (Google's
# recommendation); legacy scopes would only add a second, coarser permission system.
NODE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
IMAGE_TYPE = "COS_CONTAINERD"
SYSTEM_POOL_LABEL = {"llmops.io/pool": SYSTEM_POOL_KEY}


NodeIdentity = tuple[gcp.serviceaccount.Account, list[gcp.projects.IAMMember]]


def node_identity(parent: pulumi.Resource, logical: str, account_id: str, display: str, project: str,
                  deps: list[pulumi.Resource]) -> NodeIdentity:
    """A dedicated node service account with only the roles nodes need (logs, metrics, image pulls)."""
    sa = gcp.serviceaccount.Account(logical, account_id=account_id, display_name=display, project=project,
                                    opts=child(parent, depends_on=deps))
    grants = [gcp.projects.IAMMember(f"{logical}-{role.split('/')[1].replace('.', '-').lower()}",
                                     project=project, role=role, member=sa.member, opts=child(parent))
              for role in NODE_ROLES]
    return sa, grants


def secure_node_config(labels: dict[str, str], sa_email: pulumi.Input[str], boot_key: pulumi.Input[str],
                       pool: str) -> dict:
    """Settings every node of the zone shares: dedicated SA, GKE metadata server (Workload Identity, no
    node credentials for pods), shielded VM with secure boot, CMEK boot disk, COS, and ``labels`` (the zone's)
    on the VMs (a nested field the zone's auto-tagging cannot reach) plus the pool's, for cost attribution."""
    return {
        "resource_labels": {**labels, "llmops-pool": pool},
        "service_account": sa_email,
        "oauth_scopes": NODE_SCOPES,
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        "boot_disk_kms_key": boot_key,
        "image_type": IMAGE_TYPE,
        "metadata": {"disable-legacy-endpoints": "true"},
    }


def kubeconfig(name: str, server: pulumi.Input[str], ca: pulumi.Input[str] | None) -> pulumi.Output[str]:
    """A kubeconfig that authenticates through gke-gcloud-auth-plugin (Application Default Credentials);
    the DNS endpoint serves a publicly trusted certificate, so it needs no CA."""
    def render(args: list[str | None]) -> str:
        host, cert = args
        cluster = {"server": f"https://{host}"}
        if cert:
            cluster["certificate-authority-data"] = cert
        return json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": name,
            "clusters": [{"name": name, "cluster": cluster}],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "users": [{"name": name, "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin",
                "provideClusterInfo": True,
                "installHint": "gcloud components install gke-gcloud-auth-plugin"}}}],
        })
    return pulumi.Output.secret(pulumi.Output.all(server, ca).apply(render))


@dataclass
class ClusterArgs:
    """The GKE cluster as plain values and other resources' outputs: the network and subnetwork ids with the
    names of its pods and services secondary ranges; the CMEK key ids for Secrets (``secrets_key``) and boot
    disks (``disk_key``), and what must exist before they can be used (``key_dependencies``); ``zone_cidr``
    is admitted to the control plane with ``authorized_networks``. ``hardened`` (prod) adds control-plane
    logs, workload metrics and Binary Authorization enforcement; ``gpu_metrics`` turns on managed DCGM."""

    prefix: str
    ctx: GcpContext
    services: ApiDependencies
    network_id: pulumi.Input[str]
    subnetwork_id: pulumi.Input[str]
    pods_range_name: str
    services_range_name: str
    zone_cidr: pulumi.Input[str]
    secrets_key: pulumi.Input[str]
    disk_key: pulumi.Input[str]
    kubernetes_version: str
    release_channel: str = "REGULAR"
    key_dependencies: Sequence[pulumi.Resource] = ()
    public_endpoint: bool = False
    authorized_networks: Sequence[str] = ()
    system_node_count: int = 2
    system_node_max_count: int = 4
    zones: int = 3  # zones the node pools span (the system pool's initial count is per zone)
    hardened: bool = False
    gpu_metrics: bool = False
    security_group: str | None = None  # Google Groups for RBAC
    deletion_protection: bool = False
    labels: dict[str, str] = field(default_factory=dict)  # also on the nodes' VMs (node config labels)


class Cluster(pulumi.ComponentResource):
    cluster: gcp.container.Cluster
    system_pool: gcp.container.NodePool
    provider: k8s.Provider

    def __init__(self, name_: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, labels=args.labels))
        ctx, z = args.ctx, args.prefix
        self.name = GKE_CLUSTER.render(z)
        self.workload_pool = f"{ctx.project}.svc.id.goog"

        self.system_sa, system_grants = node_identity(
            self, f"{z}-system-nodes", SYSTEM_NODE_SERVICE_ACCOUNT.render(z), f"{z} GKE system nodes",
            ctx.project, args.services.deps("iam"))
        node_config = secure_node_config(args.labels, self.system_sa.email, args.disk_key, SYSTEM_POOL_KEY)

        authorized = [{"cidr_block": args.zone_cidr, "display_name": "zone network"}] + [
            {"cidr_block": c, "display_name": f"authorized-{i}"}
            for i, c in enumerate(args.authorized_networks)]
        prod = args.hardened
        control_plane = ["APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"] if prod else []
        logging = ["SYSTEM_COMPONENTS", "WORKLOADS", *control_plane]
        workloads = ["STORAGE", "POD", "DEPLOYMENT", "HPA"] if prod else []
        monitoring = ["SYSTEM_COMPONENTS", *control_plane, *workloads]
        # GPU metrics from GKE's managed DCGM (GKE 1.30+): GKE's GPU nodes have no NVIDIA container runtime to
        # give a self-managed DCGM exporter the driver libraries.
        if args.gpu_metrics and int(args.kubernetes_version.split(".")[1]) >= 30:
            monitoring.append("DCGM")
        group = args.security_group

        self.cluster = gcp.container.Cluster(
            f"{z}-gke", name=self.name, project=ctx.project, location=ctx.region, node_locations=ctx.zones,
            network=args.network_id, subnetwork=args.subnetwork_id,
            # GKE needs a default pool at creation; it is removed at once and the node pools below take over.
            # Its node config is still the secure one, so even those short-lived nodes never run as the
            # Compute Engine default service account.
            remove_default_node_pool=True, initial_node_count=1, node_config=node_config,
            # The channel must offer the version (config/versions.py checks it against the GKE calendar).
            release_channel={"channel": args.release_channel},
            min_master_version=args.kubernetes_version,
            workload_identity_config={"workload_pool": self.workload_pool},
            enable_shielded_nodes=True, enable_legacy_abac=False,
            database_encryption={"state": "ENCRYPTED", "key_name": args.secrets_key},
            private_cluster_config={"enable_private_nodes": True,
                                    "enable_private_endpoint": not args.public_endpoint,
                                    "master_global_access_config": {"enabled": True}},
            master_authorized_networks_config={"cidr_blocks": authorized,
                                               "gcp_public_cidrs_access_enabled": False,
                                               "private_endpoint_enforcement_enabled": True},
            # The IAM-guarded DNS endpoint is the deploy path of a private cluster (CI outside the VPC): every
            # request still needs Google credentials with container.* rights; see the README, GCP section.
            control_plane_endpoints_config={"dns_endpoint_config": {"allow_external_traffic": True}},
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            ip_allocation_policy={"cluster_secondary_range_name": args.pods_range_name,
                                  "services_secondary_range_name": args.services_range_name},
            datapath_provider="ADVANCED_DATAPATH", default_max_pods_per_node=64,
            # Pod-to-pod traffic on one node goes through the VPC too, so flow logs and firewall rules see it
            # (CIS GKE "Enable VPC Flow Logs and Intranode Visibility", checkov CKV_GCP_61); updated in place.
            enable_intranode_visibility=True,
            logging_config={"enable_components": logging},
            monitoring_config={"enable_components": monitoring, "managed_prometheus": {"enabled": True}},
            addons_config={
                "http_load_balancing": {"disabled": False},
                "horizontal_pod_autoscaling": {"disabled": False},
                "gce_persistent_disk_csi_driver_config": {"enabled": True},
                "gcs_fuse_csi_driver_config": {"enabled": True},  # pods may mount the model bucket
                "dns_cache_config": {"enabled": True},
            },
            security_posture_config={"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_BASIC"},
            binary_authorization={"evaluation_mode": "PROJECT_SINGLETON_POLICY_ENFORCE"} if prod else None,
            authenticator_groups_config={"security_group": group} if group else None,
            cost_management_config={"enabled": True},  # per-namespace cost allocation in the billing export
            maintenance_policy={"daily_maintenance_window": {"start_time": "03:00"}},
            deletion_protection=args.deletion_protection,
            # The node config only shapes the default pool GKE deletes right after creation; a later change
            # (e.g. a new zone tag) must not replace the cluster.
            opts=child(self, ignore_changes=["nodeConfig", "initialNodeCount"],
                       depends_on=[*args.services.deps("container"), *args.key_dependencies,
                                   *system_grants]))

        zones = args.zones
        self.system_pool = gcp.container.NodePool(
            f"{z}-{SYSTEM_POOL_KEY}", name=SYSTEM_NODE_POOL.render(z), project=ctx.project,
            location=ctx.region, cluster=self.cluster.id,
            initial_node_count=math.ceil(args.system_node_count / zones),  # per zone
            autoscaling={"total_min_node_count": args.system_node_count,
                         "total_max_node_count": args.system_node_max_count,
                         "location_policy": "BALANCED"},
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"strategy": "SURGE", "max_surge": 1, "max_unavailable": 0},
            node_config={**node_config, "machine_type": catalog.system_node("gcp").name,
                         "disk_type": "pd-balanced", "disk_size_gb": 100, "labels": SYSTEM_POOL_LABEL},
            # initialNodeCount forces a new pool: it sizes the pool at creation only. A later
            # systemNodes.count changes the autoscaling floor above, in place, and never replaces the pool.
            opts=child(self, ignore_changes=["initialNodeCount"]))

        endpoint = (self.cluster.endpoint if args.public_endpoint
                    else self.cluster.control_plane_endpoints_config.apply(
                        lambda c: c.dns_endpoint_config.endpoint))
        ca = self.cluster.master_auth.cluster_ca_certificate if args.public_endpoint else None
        self.kubeconfig = kubeconfig(f"gke_{ctx.project}_{ctx.region}_{self.name}", endpoint, ca)
        self.provider = k8s.Provider(f"{z}-gke", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                     opts=child(self, depends_on=[self.system_pool]))
        self.register_outputs({"name": self.cluster.name, "endpoint": endpoint})

    @property
    def cluster_id(self) -> pulumi.Output[str]:
        return self.cluster.id

    @property
    def endpoint(self) -> pulumi.Output[str]:
        return self.cluster.endpoint

    @property
    def cluster_name(self) -> pulumi.Output[str]:
        return self.cluster.name


EXISTING_TYPE = "llmops:gcp:ExistingCluster"


@dataclass
class ExistingClusterArgs:
    """A GKE Standard cluster the user owns, by name and location (region or zone), in the zone's project. It
    must have Workload Identity; the deployer needs container.* rights on it."""

    prefix: str
    ctx: GcpContext
    cluster_name: str
    location: str


class ExistingCluster(pulumi.ComponentResource):
    """The same outputs as ``Cluster`` for a cluster that exists (container.clusters.get): the kubeconfig goes
    through its DNS endpoint when it has one, its IP endpoint and CA otherwise. It creates nothing but the
    Kubernetes provider; ``cluster`` is this component, for what must wait for the cluster."""

    def __init__(self, name_: str, args: ExistingClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(EXISTING_TYPE, name_, None, opts)
        ctx, z = args.ctx, args.prefix
        info = gcp.container.get_cluster(name=args.cluster_name, location=args.location, project=ctx.project)
        self.name = self.cluster_name = args.cluster_name
        self.cluster = self
        self.cluster_id = f"projects/{ctx.project}/locations/{args.location}/clusters/{args.cluster_name}"
        self.workload_pool = f"{ctx.project}.svc.id.goog"
        self.endpoint: str = info.endpoint
        dns = [d.endpoint for c in info.control_plane_endpoints_configs for d in c.dns_endpoint_configs
               if d.endpoint]
        endpoint, ca = (dns[0], None) if dns else (info.endpoint, info.master_auths[0].cluster_ca_certificate)
        self.kubeconfig = kubeconfig(f"gke_{ctx.project}_{args.location}_{args.cluster_name}", endpoint, ca)
        self.provider = k8s.Provider(f"{z}-gke", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
                                     opts=child(self))
        self.register_outputs({"name": args.cluster_name, "endpoint": endpoint})
