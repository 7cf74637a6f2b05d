"""Cluster and node hardening: patching (auto-upgrade, release channels), node integrity (shielded nodes),
and the network defaults nothing may fall back on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.components.catalog import kubernetes as k8s_calendar
from llmops_landing_zone.policies.base import ADVICE, PROD, Context, Resource, cis, resource_rule
from llmops_landing_zone.policies.values import UNKNOWN, differs, get, is_false, is_unknown, listed, not_true, unset

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
    name="aws-default-security-group-closed", scope="aws", types=[t.AWS_DEFAULT_SECURITY_GROUP],
    severity="medium",
    description="The VPC's default security group allows no traffic, so nothing can fall back on it.",
    remediation="Manage aws.ec2.DefaultSecurityGroup with ingress=[] and egress=[].",
    properties=("ingress", "egress"))
def aws_default_sg(r: Resource, ctx: Context) -> Iterator[str]:
    for key in ("ingress", "egress"):
        rules = get(r.props, key, [])
        if not is_unknown(rules) and listed(rules):
            yield f"the default security group has {key} rules"


# --- every cloud -----------------------------------------------------------------------------------------------

# Where each cloud's cluster states its minor version and its opt-in to paid support beyond standard support.
_VERSION = {t.EKS_CLUSTER: ("aws", "version"), t.GKE_CLUSTER: ("gcp", "minMasterVersion"),
            t.AKS_CLUSTER: ("azure", "kubernetesVersion")}


def _extended_opt_in(r: Resource) -> Any:
    """True, False, or UNKNOWN during a preview that has not resolved the value yet."""
    if r.type == t.EKS_CLUSTER:
        value, expected = get(r.props, "upgradePolicy.supportType", "EXTENDED"), "EXTENDED"  # the API default
    elif r.type == t.GKE_CLUSTER:
        value, expected = get(r.props, "releaseChannel.channel"), "EXTENDED"
    else:
        value, expected = get(r.props, "supportPlan"), "AKSLongTermSupport"
    return UNKNOWN if is_unknown(value) else value == expected


@resource_rule(
    name="kubernetes-version-supported", scope="multi-cloud", types=list(_VERSION), severity="medium",
    enforcement=ADVICE,
    description="The cluster's Kubernetes minor is in the cloud's standard support (or in extended support the "
                "stack opted into) and stays there for more than 60 days, per the dated support calendar.",
    remediation="Move cluster.kubernetesVersion to a minor in standard support (`llz versions` lists the "
                "windows); set cluster.extendedSupport: true only to accept the extended-support fee.",
    config_path="cluster.kubernetesVersion",
    properties=("version", "minMasterVersion", "kubernetesVersion", "upgradePolicy.supportType",
                "releaseChannel.channel", "supportPlan"))
def kubernetes_version_supported(r: Resource, ctx: Context) -> Iterator[str]:
    cloud, key = _VERSION[r.type]
    version = get(r.props, key)
    if is_unknown(version) or not isinstance(version, str):
        return
    minor = ".".join(version.removeprefix("v").split(".")[:2])
    on, svc = k8s_calendar.today(), k8s_calendar.SERVICE[cloud]
    row = k8s_calendar.calendar(cloud).get(minor)
    if row is None:
        yield f"Kubernetes {minor} is not in the {svc} support calendar"
        return
    phase = row.phase(on)
    if phase in (k8s_calendar.Phase.ENDED, k8s_calendar.Phase.PREVIEW):
        yield f"Kubernetes {minor} is {phase.value} on {svc} on {on}"
    elif phase is k8s_calendar.Phase.EXTENDED and is_unknown(opted := _extended_opt_in(r)):
        return
    elif phase is k8s_calendar.Phase.EXTENDED and not opted:
        yield f"Kubernetes {minor} left standard support on {svc} on {row.end_of_standard}"
    else:
        end = row.end_of_support if phase is k8s_calendar.Phase.EXTENDED else row.end_of_standard
        if k8s_calendar.ending_soon(end, on):
            yield f"{phase.value} for Kubernetes {minor} on {svc} ends on {end}, in {(end - on).days} days"
