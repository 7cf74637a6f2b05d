"""Cluster and node hardening: patching (auto-upgrade, release channels), node integrity (shielded nodes),
and the network defaults nothing may fall back on."""

from __future__ import annotations

from collections.abc import Iterator

from policies import tokens as t
from policies.base import PROD, Context, Resource, cis, resource_rule
from policies.values import differs, get, is_false, is_unknown, listed, not_true, unset

# --- GCP -------------------------------------------------------------------------------------------------------


@resource_rule(
    name="gcp-gke-node-auto-upgrade", scope="gcp", types=[t.GKE_NODE_POOL], severity="medium", enforcement=PROD,
    framework=cis("gke", "5.5.2 / 5.5.3"),
    description="GKE node pools repair and upgrade their nodes automatically.",
    remediation="Set management={auto_repair: True, auto_upgrade: True} (the provider default) on every pool.",
    config_path="gpuPools", properties=("management.autoRepair", "management.autoUpgrade"))
def gcp_node_auto_upgrade(r: Resource, ctx: Context) -> Iterator[str]:
    for key in ("autoRepair", "autoUpgrade"):
        if is_false(get(r.props, f"management.{key}")):
            yield f"management.{key} is false"


@resource_rule(
    name="gcp-gke-release-channel", scope="gcp", types=[t.GKE_CLUSTER], severity="medium", enforcement=PROD,
    framework=cis("gke", "5.5.4"),
    description="GKE clusters are enrolled in a release channel (REGULAR or STABLE), so patches arrive.",
    remediation="Set release_channel={channel: 'REGULAR'} (or 'STABLE' for prod).",
    config_path="cluster.kubernetesVersion", properties=("releaseChannel.channel",))
def gcp_release_channel(r: Resource, ctx: Context) -> Iterator[str]:
    channel = get(r.props, "releaseChannel.channel")
    if unset(channel) or differs(channel, "RAPID", "REGULAR", "STABLE", "EXTENDED"):
        yield f"releaseChannel.channel is {channel or 'not set'}"


@resource_rule(
    name="gcp-gke-shielded-nodes", scope="gcp", types=[t.GKE_CLUSTER, t.GKE_NODE_POOL], severity="medium",
    framework=cis("gke", "5.5.5 / 5.5.6 / 5.5.7"),
    description="GKE uses Shielded GKE nodes with Secure Boot and integrity monitoring.",
    remediation="Cluster: enable_shielded_nodes=True (default); node pools: node_config.shielded_instance_config="
                "{enable_secure_boot: True, enable_integrity_monitoring: True}.",
    config_path="gpuPools",
    properties=("enableShieldedNodes", "nodeConfig.shieldedInstanceConfig.enableSecureBoot",
                "nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring"))
def gcp_shielded(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.GKE_CLUSTER:
        if is_false(get(r.props, "enableShieldedNodes")):
            yield "enableShieldedNodes is false"
        return
    if not_true(get(r.props, "nodeConfig.shieldedInstanceConfig.enableSecureBoot")):
        yield "nodeConfig.shieldedInstanceConfig.enableSecureBoot is not true"
    if is_false(get(r.props, "nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring")):
        yield "nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring is false"


# --- Azure -----------------------------------------------------------------------------------------------------

@resource_rule(
    name="azure-aks-auto-upgrade", scope="azure", types=[t.AKS_CLUSTER], severity="medium", enforcement=PROD,
    description="AKS clusters follow an auto-upgrade channel for Kubernetes and for the node OS image.",
    remediation="Set auto_upgrade_profile={upgrade_channel: 'patch' (or 'stable'), node_os_upgrade_channel: "
                "'NodeImage' (or 'SecurityPatch')}.",
    config_path="cluster.kubernetesVersion",
    properties=("autoUpgradeProfile.upgradeChannel", "autoUpgradeProfile.nodeOSUpgradeChannel"))
def azure_auto_upgrade(r: Resource, ctx: Context) -> Iterator[str]:
    channel = get(r.props, "autoUpgradeProfile.upgradeChannel")
    if unset(channel) or differs(channel, "patch", "stable", "rapid", "node-image"):
        yield f"autoUpgradeProfile.upgradeChannel is {channel or 'not set'}"
    os_channel = get(r.props, "autoUpgradeProfile.nodeOSUpgradeChannel")
    if unset(os_channel) or differs(os_channel, "NodeImage", "SecurityPatch"):
        yield f"autoUpgradeProfile.nodeOSUpgradeChannel is {os_channel or 'not set'}"


# --- AWS -------------------------------------------------------------------------------------------------------

@resource_rule(
    name="aws-default-security-group-closed", scope="aws", types=["aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    severity="medium",
    description="The VPC's default security group allows no traffic, so nothing can fall back on it.",
    remediation="Manage aws.ec2.DefaultSecurityGroup with ingress=[] and egress=[].",
    properties=("ingress", "egress"))
def aws_default_sg(r: Resource, ctx: Context) -> Iterator[str]:
    for key in ("ingress", "egress"):
        rules = get(r.props, key, [])
        if not is_unknown(rules) and listed(rules):
            yield f"the default security group has {key} rules"
