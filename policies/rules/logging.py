"""Audit logging: trails, control-plane logs, cloud audit logs, activity logs, retention."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import ADVICE, PROD, Context, Resource, Stack, cis, resource_rule, stack_rule
from llmops_landing_zone.policies.values import differs, get, is_false, is_true, is_unknown, listed, not_true, number, unset

# --- AWS -------------------------------------------------------------------------------------------------------


@stack_rule(
    name="aws-cloudtrail-enabled", scope="aws", types=[t.CLOUDTRAIL], severity="high",
    framework=cis("aws", "3.1"),
    description="Every AWS stack that builds a zone records API activity with a multi-region CloudTrail trail.",
    remediation="Keep the zone's audit component: one multi-region trail with log file validation, encrypted "
                "with the audit key, delivering to the private audit bucket.",
    config_path="audit")
def aws_cloudtrail_enabled(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if stack.cloud != "aws" or not stack.of_type(t.EKS_CLUSTER):
        return  # only stacks that build a zone (a cluster) are expected to own a trail
    multi = [get(tr.props, "isMultiRegionTrail") for tr in stack.of_type(t.CLOUDTRAIL)]
    if not any(is_unknown(v) or is_true(v) for v in multi):
        yield "the stack has no multi-region CloudTrail trail", None


@resource_rule(
    name="aws-cloudtrail-multi-region", scope="aws", types=[t.CLOUDTRAIL], severity="high",
    framework=cis("aws", "3.1"),
    description="CloudTrail trails cover every region, include global service events and are logging.",
    remediation="Set is_multi_region_trail=True, include_global_service_events=True and leave enable_logging on.",
    config_path="audit",
    properties=("isMultiRegionTrail", "includeGlobalServiceEvents", "enableLogging"))
def aws_trail_multi_region(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "isMultiRegionTrail")):
        yield "isMultiRegionTrail is not true: activity in other regions goes unrecorded"
    if is_false(get(r.props, "includeGlobalServiceEvents")):
        yield "includeGlobalServiceEvents is false: IAM and STS events go unrecorded"
    if is_false(get(r.props, "enableLogging")):
        yield "enableLogging is false: the trail is stopped"


@resource_rule(
    name="aws-cloudtrail-log-validation", scope="aws", types=[t.CLOUDTRAIL], severity="medium",
    framework=cis("aws", "3.2"),
    description="CloudTrail log file integrity validation is on (tampering with audit logs is detectable).",
    remediation="Set enable_log_file_validation=True on the trail.",
    config_path="audit", properties=("enableLogFileValidation",))
def aws_trail_validation(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "enableLogFileValidation")):
        yield "enableLogFileValidation is not true"


EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@resource_rule(
    name="aws-eks-control-plane-logging", scope="aws", types=[t.EKS_CLUSTER], severity="medium",
    framework=cis("eks", "2.1.1"),
    description="EKS sends all control-plane logs (api, audit, authenticator, controllerManager, scheduler) to "
                "CloudWatch Logs.",
    remediation="Set enabled_cluster_log_types=['api', 'audit', 'authenticator', 'controllerManager', "
                "'scheduler'] and create the /aws/eks/<cluster>/cluster log group first (encrypted, retained).",
    config_path="cluster", properties=("enabledClusterLogTypes",))
def aws_eks_logging(r: Resource, ctx: Context) -> Iterator[str]:
    types = get(r.props, "enabledClusterLogTypes", [])
    if is_unknown(types) or any(is_unknown(x) for x in listed(types)):
        return
    missing = [x for x in EKS_LOG_TYPES if x not in listed(types)]
    if missing:
        yield f"enabledClusterLogTypes is missing {', '.join(missing)}"


@resource_rule(
    name="aws-log-group-retention", scope="aws", types=[t.LOG_GROUP], severity="medium", enforcement=PROD,
    description="CloudWatch log groups (flow logs, control plane, endpoints) are encrypted with the audit key "
                "and kept at least the configured number of days.",
    remediation="Use components.aws.base.log_group (kms_key_id=<audit key>, retention_in_days from "
                "audit.retentionDays).",
    config_path="audit.retentionDays",
    config={"minimumRetentionDays": {"type": "integer", "default": 90, "minimum": 1,
                                     "description": "shortest acceptable retention"}},
    properties=("kmsKeyId", "retentionInDays"))
def aws_log_retention(r: Resource, ctx: Context) -> Iterator[str]:
    if unset(get(r.props, "kmsKeyId")):
        yield "kmsKeyId is not set: logs are encrypted with a service key only"
    days = number(get(r.props, "retentionInDays"))
    minimum = ctx.config.get("minimumRetentionDays", 90)
    if days is not None and 0 < days < minimum:
        yield f"retentionInDays is {days:g}, below the {minimum}-day minimum"


@stack_rule(
    name="aws-vpc-flow-logs", scope="aws", types=[t.AWS_VPC, t.AWS_FLOW_LOG], severity="medium",
    description="Every VPC of the zone records flow logs (ALL traffic) for incident response.",
    remediation="Create an aws.ec2.FlowLog with traffic_type='ALL' for the VPC, delivered to an encrypted log "
                "group.")
def aws_flow_logs(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    logs = stack.of_type(t.AWS_FLOW_LOG)
    for vpc in stack.of_type(t.AWS_VPC):
        own = [fl for fl in logs if vpc.urn in fl.dependencies]
        if not own:
            yield "the VPC has no flow log", vpc.urn
        elif all(differs(get(fl.props, "trafficType", "ALL"), "ALL") for fl in own):
            yield "the VPC's flow logs record only part of the traffic (trafficType is not ALL)", vpc.urn


# --- GCP -------------------------------------------------------------------------------------------------------

@resource_rule(
    name="gcp-gke-logging", scope="gcp", types=[t.GKE_CLUSTER], severity="medium", framework=cis("gke", "5.7.1"),
    description="GKE sends system and workload logs to Cloud Logging and metrics to Cloud Monitoring.",
    remediation="Leave logging_service/monitoring_service at their defaults (never 'none') and keep "
                "logging_config.enable_components with SYSTEM_COMPONENTS and WORKLOADS.",
    config_path="cluster",
    properties=("loggingService", "monitoringService", "loggingConfig.enableComponents"))
def gcp_gke_logging(r: Resource, ctx: Context) -> Iterator[str]:
    for key in ("loggingService", "monitoringService"):
        if get(r.props, key) == "none":
            yield f"{key} is 'none'"
    components = get(r.props, "loggingConfig.enableComponents")
    if not is_unknown(components) and components is not None:
        missing = [c for c in ("SYSTEM_COMPONENTS", "WORKLOADS") if c not in listed(components)]
        if missing:
            yield f"loggingConfig.enableComponents is missing {', '.join(missing)}"


AUDIT_LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
AUDITED_SERVICES = ("aiplatform.googleapis.com", "storage.googleapis.com")


@stack_rule(
    name="gcp-audit-logging", scope="gcp", types=[t.GCP_AUDIT_CONFIG], severity="high", framework=cis("gcp", "2.1"),
    description="Data Access audit logs (ADMIN_READ, DATA_READ, DATA_WRITE) are on for Vertex AI and Cloud "
                "Storage (or for allServices) in the zone's project.",
    remediation="Create gcp.projects.IAMAuditConfig for 'allServices' (or aiplatform.googleapis.com and "
                "storage.googleapis.com) with audit_log_configs for ADMIN_READ, DATA_READ and DATA_WRITE.",
    config_path="audit")
def gcp_audit_logging(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if stack.cloud != "gcp" or not stack.of_type(t.GKE_CLUSTER):
        return
    covered: dict[str, set[str]] = {}
    for cfg in stack.of_type(t.GCP_AUDIT_CONFIG):
        service = get(cfg.props, "service")
        if is_unknown(service):
            return
        kinds = {get(c, "logType") for c in listed(get(cfg.props, "auditLogConfigs", []))}
        if any(is_unknown(k) for k in kinds):
            return
        covered.setdefault(str(service), set()).update(k for k in kinds if isinstance(k, str))
    everything = covered.get("allServices", set())
    for service in AUDITED_SERVICES:
        missing = [k for k in AUDIT_LOG_TYPES if k not in everything | covered.get(service, set())]
        if missing:
            yield f"{service} has no {', '.join(missing)} audit logs", None


# --- Azure -----------------------------------------------------------------------------------------------------

_SUBSCRIPTION_SCOPE = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/?$")


@stack_rule(
    name="azure-activity-log-export", scope="azure",
    types=[t.DIAGNOSTIC_SETTING, t.SUBSCRIPTION_DIAGNOSTIC_SETTING], severity="high",
    framework=cis("azure", "6.1.1.1"),
    description="The subscription's Activity Log is exported by a diagnostic setting (Administrative, Security, "
                "Policy and Alert categories) to the zone's audit workspace or storage.",
    remediation="Create azure-native:monitor:SubscriptionDiagnosticSetting (or a DiagnosticSetting with "
                "resource_uri='/subscriptions/<id>') with logs for Administrative, Security, Policy and Alert.",
    config_path="audit")
def azure_activity_log(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if stack.cloud != "azure" or not stack.of_type(t.AKS_CLUSTER):
        return
    for ds in stack.of_type(t.SUBSCRIPTION_DIAGNOSTIC_SETTING, t.DIAGNOSTIC_SETTING):
        uri = get(ds.props, "resourceUri")
        if ds.type == t.SUBSCRIPTION_DIAGNOSTIC_SETTING or is_unknown(uri) or \
                (isinstance(uri, str) and _SUBSCRIPTION_SCOPE.match(uri)):
            return
    yield "no diagnostic setting exports the subscription's Activity Log", None


@stack_rule(
    name="azure-aks-audit-logs", scope="azure", types=[t.AKS_CLUSTER, t.DIAGNOSTIC_SETTING], severity="medium",
    description="AKS control-plane audit logs (kube-audit or kube-audit-admin) go to the zone's Log Analytics "
                "workspace through a diagnostic setting on the cluster.",
    remediation="Create azure-native:monitor:DiagnosticSetting with resource_uri=<cluster id> and logs "
                "[{category: 'kube-audit-admin', enabled: True}, ...] to the audit workspace.",
    config_path="cluster")
def azure_aks_audit(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    settings = stack.of_type(t.DIAGNOSTIC_SETTING)
    for cluster in stack.of_type(t.AKS_CLUSTER):
        ok = False
        for ds in settings:
            uri = get(ds.props, "resourceUri")
            if cluster.urn not in ds.dependencies and not (isinstance(uri, str) and "managedClusters" in uri):
                continue
            for log in listed(get(ds.props, "logs", [])):
                if is_unknown(log):
                    ok = True
                    continue
                category = get(log, "category") or get(log, "categoryGroup")
                if is_unknown(category) or (category in ("kube-audit", "kube-audit-admin", "audit", "allLogs")
                                            and not is_false(get(log, "enabled", True))):
                    ok = True
        if not ok:
            yield "the cluster's audit logs are not exported (no diagnostic setting with kube-audit)", cluster.urn


# --- all clouds ------------------------------------------------------------------------------------------------

def _aws_trail_locked(stack: Stack) -> Iterator[tuple[str, str | None]]:
    locks = {get(lk.props, "bucket"): lk for lk in stack.of_type(t.AWS_S3_OBJECT_LOCK)}
    for trail in stack.of_type(t.CLOUDTRAIL):
        bucket = get(trail.props, "s3BucketName")
        if is_unknown(bucket) or any(is_unknown(b) for b in locks):
            continue
        lock = locks.get(bucket)
        mode = get(lock.props, "rule.defaultRetention.mode") if lock else None
        if lock is None or mode is None:
            yield f"the trail's bucket {bucket} has no S3 Object Lock default retention", trail.urn


def _gcp_audit_locked(stack: Stack) -> Iterator[tuple[str, str | None]]:
    buckets = stack.of_type(t.GCP_LOG_BUCKET)
    if not stack.of_type(t.GKE_CLUSTER):
        return
    if not any(is_unknown(get(b.props, "locked")) or get(b.props, "locked") is True for b in buckets):
        yield "no locked Cloud Logging bucket keeps the audit logs (locked: true)", None


def _azure_audit_locked(stack: Stack) -> Iterator[tuple[str, str | None]]:
    if not stack.of_type(t.AKS_CLUSTER):
        return
    for setting in stack.of_type(t.SUBSCRIPTION_DIAGNOSTIC_SETTING, t.DIAGNOSTIC_SETTING):
        target = get(setting.props, "storageAccountId")
        if setting.type == t.DIAGNOSTIC_SETTING or target is None:
            continue
        accounts = [a for a in stack.of_type(t.STORAGE_ACCOUNT) if a.urn in setting.dependencies]
        for account in accounts:
            worm = get(account.props, "immutableStorageWithVersioning", {})
            if is_unknown(worm):
                continue
            state = get(worm, "immutabilityPolicy.state")
            # Unlocked still refuses every change to written blobs; locking is the follow-up step that also
            # stops admins from shortening the policy (azure-audit-worm-locked advises it).
            if not_true(get(worm, "enabled")) or (not is_unknown(state) and state not in ("Locked", "Unlocked")):
                message = ("the activity-log storage account is not WORM (immutableStorageWithVersioning enabled "
                           f"with a time-based retention policy; state is {state or 'unset'})")
                yield message, account.urn


@stack_rule(
    name="audit-logs-immutable", scope="multi-cloud",
    types=[t.CLOUDTRAIL, t.AWS_S3_OBJECT_LOCK, t.GCP_LOG_BUCKET, t.STORAGE_ACCOUNT,
           t.SUBSCRIPTION_DIAGNOSTIC_SETTING],
    severity="high", enforcement=PROD, environments=("prod",),
    description="In prod, audit logs are write-once: S3 Object Lock on the trail bucket, a locked Cloud Logging "
                "bucket, a version-level immutability policy on the Azure audit storage account.",
    remediation="Keep audit.immutable (prod cannot opt out); the audit components then create the lock at "
                "creation time (it cannot be added to an existing S3 bucket or storage account later).",
    config_path="audit.immutable")
def audit_immutable(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    cloud = stack.cloud
    if cloud == "aws":
        yield from _aws_trail_locked(stack)
    elif cloud == "gcp":
        yield from _gcp_audit_locked(stack)
    elif cloud == "azure":
        yield from _azure_audit_locked(stack)


@resource_rule(
    name="azure-audit-worm-locked", scope="azure", types=[t.STORAGE_ACCOUNT], severity="low",
    enforcement=ADVICE, environments=("prod",),
    description="Advisory: a prod storage account with an immutability policy has it Locked, so not even an "
                "administrator can shorten or remove it (Azure accepts the lock only once the account exists).",
    remediation="After the first deployment set audit.lockImmutability: true in the stack file and deploy "
                "again; a Locked policy can never be unlocked.",
    config_path="audit.immutable", properties=("immutableStorageWithVersioning.immutabilityPolicy.state",))
def azure_worm_locked(r: Resource, ctx: Context) -> Iterator[str]:
    worm = get(r.props, "immutableStorageWithVersioning", {})
    if is_unknown(worm) or not is_true(get(worm, "enabled")):
        return
    if get(worm, "immutabilityPolicy.state") == "Unlocked":
        yield "the immutability policy is Unlocked: an administrator can still shorten or delete it"
