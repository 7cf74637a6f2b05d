"""`llz preflight STACK`: live, read-only checks with the caller's AWS credentials before `pulumi up`.

- EC2 vCPU quotas of the instance families the zone launches (G/VT and P, on-demand and Spot; Standard for the
  system nodes) against maxNodes x vCPU of every pool, pools sized for endpoints included;
- instance type offerings per availability zone (DescribeInstanceTypeOfferings, location type
  availability-zone) against the zone's AZs (the first ``network.zones`` available, opt-in-free AZs, as the
  network component picks them);
- SageMaker "<instance> for endpoint usage" quotas against replicas.max of managed endpoints.

Each finding names the pool or endpoint and what to ask for. Exit 1 on a blocker, else 0. Only reads: the
calls are ec2:DescribeAvailabilityZones, ec2:DescribeInstanceTypeOfferings, servicequotas:GetServiceQuota,
servicequotas:GetAWSDefaultServiceQuota and servicequotas:ListServiceQuotas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.llz.console import console as make_console

if TYPE_CHECKING:  # hands the loaded config to sizing (the resolution step)
    from llmops_landing_zone.components.config import ZoneConfig

# EC2 vCPU quotas by instance family and purchase option (Service Quotas, service code "ec2").
QUOTAS: dict[tuple[str, str], tuple[str, str]] = {
    ("G", "on-demand"): ("L-DB2E81BA", "Running On-Demand G and VT instances"),
    ("P", "on-demand"): ("L-417A185B", "Running On-Demand P instances"),
    ("G", "spot"): ("L-3819A6DF", "All G and VT Spot Instance Requests"),
    ("P", "spot"): ("L-7212CCBC", "All P Spot Instance Requests"),
    ("Standard", "on-demand"): ("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances"),
}
# Family letters before the generation digit: g5 -> "g", inf2 -> "inf" (Inferentia has its own quota).
G_FAMILIES = {"g", "gr", "vt"}
STANDARD_FAMILIES = {"a", "c", "d", "h", "i", "im", "is", "m", "r", "t", "z"}


@dataclass(frozen=True)
class Finding:
    severity: str  # blocker | warning | ok
    check: str
    subject: str  # the pool(s) or endpoint
    message: str
    ask: str = ""  # what to request or change


@dataclass(frozen=True)
class Demand:
    subject: str  # "pool l4-serving" / "system nodes"
    instance_type: str
    vcpus: int  # at maxNodes
    capacity: str  # on-demand | spot


def family(instance_type: str) -> str | None:
    """The vCPU-quota family of an EC2 instance type (G/VT, P or Standard), None for others (Inf, Trn, X...)."""
    letters = re.match(r"[a-z]*", instance_type.split(".")[0]).group(0)  # type: ignore[union-attr]
    if letters in G_FAMILIES:
        return "G"
    if letters == "p":
        return "P"
    return "Standard" if letters in STANDARD_FAMILIES else None


def demands(cfg: ZoneConfig) -> list[Demand]:
    """vCPUs each pool (and the system node group) reaches at maxNodes."""
    found = []
    for key, pool in sizing.effective_pools(cfg).items():
        shape = sizing.pool_shape(cfg, key)
        found.append(Demand(f"pool {key}", shape.name, pool.max_nodes * shape.vcpu, pool.capacity))
    system = catalog.system_node("aws")
    found.append(Demand("system nodes", system.name, cfg.cluster.system_nodes.max_count * system.vcpu, "on-demand"))
    return found


def zone_azs(ec2: Any, cfg: ZoneConfig) -> list[str]:
    """The AZs the network component uses: the first N available zones that need no opt-in."""
    resp = ec2.describe_availability_zones(Filters=[
        {"Name": "state", "Values": ["available"]}, {"Name": "opt-in-status", "Values": ["opt-in-not-required"]}])
    names = sorted(z["ZoneName"] for z in resp["AvailabilityZones"] if z.get("ZoneType", "availability-zone")
                   == "availability-zone")
    return names[: cfg.network.zones]


def _quota_value(sq: Any, service: str, code: str) -> tuple[float | None, str]:
    from botocore.exceptions import ClientError

    try:
        return float(sq.get_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]), "applied"
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            return None, exc.response.get("Error", {}).get("Message", str(exc))
    try:
        return float(sq.get_aws_default_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]["Value"]), "default"
    except ClientError as exc:
        return None, exc.response.get("Error", {}).get("Message", str(exc))


def check_quotas(sq: Any, region: str, wants: list[Demand]) -> list[Finding]:
    by_quota: dict[tuple[str, str], list[Demand]] = {}
    findings = []
    for d in wants:
        fam = family(d.instance_type)
        key = (fam or "", d.capacity)
        if key not in QUOTAS:
            findings.append(Finding("warning", "vCPU quota", d.subject,
                                    f"{d.instance_type} ({d.capacity}) has no vCPU quota mapping here; check it by hand"))
            continue
        by_quota.setdefault(key, []).append(d)
    for key, users in sorted(by_quota.items()):
        code, name = QUOTAS[key]
        need = sum(d.vcpus for d in users)
        subject = ", ".join(d.subject for d in users)
        detail = " + ".join(f"{d.subject} {d.vcpus} ({d.instance_type})" for d in users)
        value, source = _quota_value(sq, "ec2", code)
        if value is None:
            findings.append(Finding("warning", "vCPU quota", subject,
                                    f"could not read {code} '{name}': {source}", f"check {code} in the console"))
        elif value < need:
            findings.append(Finding(
                "blocker", "vCPU quota", subject,
                f"{name} ({code}) is {value:g} vCPUs in {region}; at maxNodes the zone needs {need} ({detail})",
                f"request {code} >= {need}: aws service-quotas request-service-quota-increase --service-code ec2 "
                f"--quota-code {code} --desired-value {need} --region {region}"))
        else:
            findings.append(Finding("ok", "vCPU quota", subject,
                                    f"{name} ({code}) {value:g} vCPUs ({source}) >= {need} needed"))
    return findings


def check_offerings(ec2: Any, azs: list[str], wants: list[Demand]) -> list[Finding]:
    types = sorted({d.instance_type for d in wants})
    offered: dict[str, set[str]] = {t: set() for t in types}
    pages = ec2.get_paginator("describe_instance_type_offerings").paginate(
        LocationType="availability-zone", Filters=[{"Name": "instance-type", "Values": types}])
    for page in pages:
        for o in page["InstanceTypeOfferings"]:
            offered.setdefault(o["InstanceType"], set()).add(o["Location"])
    findings = []
    for d in wants:
        have = [az for az in azs if az in offered[d.instance_type]]
        missing = [az for az in azs if az not in offered[d.instance_type]]
        if not have:
            elsewhere = sorted(offered[d.instance_type])
            findings.append(Finding(
                "blocker", "AZ offering", d.subject,
                f"{d.instance_type} is offered in none of the zone's AZs ({', '.join(azs)})",
                f"pick a region or AZ count where it is offered ({', '.join(elsewhere) or 'not in this region'}), "
                "or another instance type for the pool"))
        elif missing:
            findings.append(Finding(
                "warning", "AZ offering", d.subject,
                f"{d.instance_type} is not offered in {', '.join(missing)}; nodes launch only in {', '.join(have)}",
                "accept the reduced spread, or change network.zones / the region"))
        else:
            findings.append(Finding("ok", "AZ offering", d.subject, f"{d.instance_type} offered in {', '.join(azs)}"))
    return findings


def check_sagemaker(sq: Any, region: str, cfg: ZoneConfig) -> list[Finding]:
    wanted: dict[str, list[tuple[str, int]]] = {}
    for key, ep in cfg.endpoints.items():
        if ep.runtime == "managed":
            wanted.setdefault(sizing.managed_shape(cfg, key).name, []).append((key, ep.replicas.max))
    if not wanted:
        return []
    quotas: dict[str, tuple[str, float]] = {}
    for page in sq.get_paginator("list_service_quotas").paginate(ServiceCode="sagemaker"):
        for q in page["Quotas"]:
            quotas[q["QuotaName"]] = (q["QuotaCode"], float(q["Value"]))
    findings = []
    for instance, users in sorted(wanted.items()):
        need = sum(n for _, n in users)
        subject = ", ".join(f"endpoint {k}" for k, _ in users)
        name = f"{instance} for endpoint usage"
        if name not in quotas:
            findings.append(Finding("warning", "SageMaker quota", subject, f"no quota named '{name}' was listed",
                                    "check SageMaker endpoint instance quotas in the console"))
            continue
        code, value = quotas[name]
        if value < need:
            findings.append(Finding(
                "blocker", "SageMaker quota", subject, f"'{name}' ({code}) is {value:g} in {region}; replicas.max "
                f"needs {need}", f"request {code} >= {need}: aws service-quotas request-service-quota-increase "
                f"--service-code sagemaker --quota-code {code} --desired-value {need} --region {region}"))
        else:
            findings.append(Finding("ok", "SageMaker quota", subject, f"'{name}' {value:g} >= {need} needed"))
    return findings


def run(cfg: ZoneConfig, session: Any) -> list[Finding]:
    region = cfg.region or ""
    ec2 = session.client("ec2", region_name=region)
    sq = session.client("service-quotas", region_name=region)
    wants = demands(cfg)
    azs = zone_azs(ec2, cfg)
    return [*check_quotas(sq, region, wants), *check_offerings(ec2, azs, wants), *check_sagemaker(sq, region, cfg)]


def report(stack: str, findings: list[Finding], console: Console) -> None:
    table = Table(title=f"preflight: {stack}")
    for col in ("result", "check", "subject", "finding", "what to ask for"):
        table.add_column(col, overflow="fold")
    colour = {"blocker": "red", "warning": "yellow", "ok": "green"}
    for f in sorted(findings, key=lambda f: (["blocker", "warning", "ok"].index(f.severity), f.check, f.subject)):
        table.add_row(f"[{colour[f.severity]}]{f.severity}[/]", f.check, f.subject, f.message, f.ask)
    console.print(table)
    blockers = sum(f.severity == "blocker" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    console.print(f"{blockers} blocker(s), {warnings} warning(s)")


NOT_CHECKED = 3  # no credentials or AWS unreachable: nothing was checked, which is not a blocker found


def main(stack: str, session: Any = None, console: Console | None = None) -> int:
    """Run the read-only checks for ``stack``: 1 on a blocker, 3 when AWS could not be asked, else 0."""
    from llmops_landing_zone.llz import offline

    console = console or make_console()
    name, _, cfg = offline.load(stack)
    if cfg.cloud != "aws":
        console.print(f"preflight covers AWS only for now: {name} is a {cfg.cloud} stack, nothing was checked")
        return 0
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = session or boto3.Session(region_name=cfg.region)
    try:
        findings = run(cfg, session)
    except (BotoCoreError, ClientError) as exc:
        console.print(f"[red]preflight could not check anything[/] (credentials or network): {exc}", highlight=False)
        return NOT_CHECKED
    report(name, findings, console)
    return 1 if any(f.severity == "blocker" for f in findings) else 0

