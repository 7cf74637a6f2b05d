"""Load and validate the zone config from a stack YAML file (llz) or from Pulumi config (pulumi up)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from llmops_landing_zone.components.catalog import kubernetes as k8s_calendar
from llmops_landing_zone.components.config import limits
from llmops_landing_zone.components.config.checks import REGION_KEY, cross_checks
from llmops_landing_zone.components.config.errors import NAMESPACE, ConfigError, key_path
from llmops_landing_zone.components.config.messages import kind, shown, validation_issues
from llmops_landing_zone.components.config.registry import registered_warnings
from llmops_landing_zone.components.config.models import (
    GCP_PROJECT_PATTERN,
    ZoneConfig,
)
from llmops_landing_zone.components.config.stack_file import read_stack_file
from llmops_landing_zone.components.config.deploy import deploy_warnings
from llmops_landing_zone.components.config.versions import version_warnings

PROVIDER_KEYS = ("aws:region", "gcp:region", "gcp:project", "azure-native:location")


Issue = tuple[str, str]

# Provider keys: the shape of a name, not its existence (whether a region exists is another check).
PROVIDER_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "aws:region": (re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d"),
                   "an AWS region name (e.g. us-east-1, eu-west-2, us-gov-west-1)"),
    "gcp:region": (re.compile(r"[a-z]+-[a-z]+\d+"), "a GCP region name (e.g. us-central1, europe-west10)"),
    "gcp:project": (re.compile(GCP_PROJECT_PATTERN.strip("^$")),
                    "a GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter)"),
    "azure-native:location": (re.compile(r"[a-z0-9]+"), "an Azure location name (e.g. eastus, westeurope)"),
}


def provider_issues(provider: Mapping[str, Any]) -> list[Issue]:
    issues = []
    for key, (pattern, what) in PROVIDER_FORMATS.items():
        value = provider.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            issues.append((f"@{key}", f"must be a string, got {kind(value)} {shown(value)}"))
        elif not pattern.fullmatch(value):
            issues.append((f"@{key}", f"{shown(value)} is not {what}"))
    return issues


def parse_zone(raw: Any, provider: Mapping[str, Any] | None = None, source: str = "",
               on: date | None = None, versions: bool = True, base_dir: Path | None = None) -> ZoneConfig:
    """Validate a raw ``llmops:zone`` value; raise ConfigError with every issue, never anything else.
    ``on``: the date support calendars are read on (default: ``catalog.kubernetes.today()``);
    ``versions=False`` skips the support-calendar check (``llz versions`` reports it instead);
    ``base_dir``: the directory of the stack file, which ``policy.baseline`` is relative to (None: not checked)."""
    provider = provider or {}
    if not isinstance(raw, Mapping):
        raise ConfigError([("", f"must be a mapping, got {kind(raw)}")], source)
    issues = provider_issues(provider)
    bad_keys = {path for path, _ in issues}
    data = dict(raw)
    cloud = data.get("cloud")
    if isinstance(cloud, str) and cloud in REGION_KEY:
        if isinstance(data.get("region"), str):  # set in the zone itself rather than by the provider key
            pattern, what = PROVIDER_FORMATS[REGION_KEY[cloud]]
            if not pattern.fullmatch(data["region"]):
                issues.append(("region", f"{shown(data['region'])} is not {what}"))
        if f"@{REGION_KEY[cloud]}" not in bad_keys:
            data.setdefault("region", provider.get(REGION_KEY[cloud]))
        if cloud == "gcp" and "@gcp:project" not in bad_keys:
            data.setdefault("project", provider.get("gcp:project"))
    try:
        cfg = ZoneConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_unique(issues + validation_issues(exc)), source) from None
    try:
        when = on or k8s_calendar.today()
    except ValueError as exc:  # a malformed LLZ_TODAY
        raise ConfigError([("", str(exc))], source) from None
    issues += [(p, m) for p, m in cross_checks(cfg, when, versions) if p not in bad_keys]
    issues += policy_issues(cfg, base_dir)
    if issues:
        raise ConfigError(_unique(issues), source)
    return cfg


def _unique(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


# --- policy settings: the baseline file ---------------------------------------------------------------------

def policy_issues(cfg: ZoneConfig, base_dir: Path | None = None) -> list[Issue]:
    """Given the stack file's directory, a ``policy.baseline`` that is not a baseline file as ``llz policy
    baseline`` writes it. (Policy names are checked by the pack itself: policies/config_checks.py.)"""
    issues: list[Issue] = []
    if cfg.policy.baseline and base_dir is not None and (
            problem := baseline_problem(Path(cfg.policy.baseline), base_dir)):
        issues.append(("policy.baseline", problem))
    return issues


BASELINE_FORMAT = 'a JSON list of {"policy": ..., "urn": ...} objects, as `llz policy baseline` writes'


def baseline_problem(name: Path, base_dir: Path) -> str | None:
    """Why ``name`` (relative to the stack file's directory) is not a baseline file; None when it is one."""
    path = name if name.is_absolute() else base_dir / name
    try:
        if path.is_dir():
            return f"{path} is a directory, not a baseline file ({BASELINE_FORMAT})"
        with path.open("rb") as fh:
            data = fh.read(limits.MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        return f"baseline file {path} not found"
    except (OSError, ValueError) as exc:
        return f"cannot read baseline file {path}: {getattr(exc, 'strerror', None) or exc}"
    if len(data) > limits.MAX_BASELINE_BYTES:
        return f"baseline file {path} is larger than {limits.MAX_BASELINE_BYTES // 1024 // 1024} MiB"
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"{path} is not a baseline file: not JSON; expected {BASELINE_FORMAT}"
    if not isinstance(doc, list) or not all(
            isinstance(e, dict) and isinstance(e.get("policy"), str) and isinstance(e.get("urn"), str) for e in doc):
        return f"{path} is not a baseline file: expected {BASELINE_FORMAT}"
    return None


def warnings(cfg: ZoneConfig, on: date | None = None) -> list[str]:
    """Findings that do not stop the stack (support ending soon; registered warnings such as a managed endpoint
    the cost estimate cannot price), as ``key path: message`` lines."""
    found = [*version_warnings(cfg, on or k8s_calendar.today()), *deploy_warnings(cfg)]
    for check in registered_warnings(cfg.cloud):
        found.extend(check(cfg))
    return [f"{key_path(p)}: {m}" for p, m in found]


def load_stack_file(path: Path, versions: bool = True) -> ZoneConfig:
    config = read_stack_file(path)
    if NAMESPACE not in config:
        raise ConfigError([("", f"missing; add '{NAMESPACE}:' under config:")], str(path))
    return parse_zone(config[NAMESPACE], config, str(path), versions=versions, base_dir=path.parent)


def load_from_pulumi() -> ZoneConfig:
    """Inside a Pulumi program: read ``llmops:zone`` and the provider keys; a bad config stops the program
    with every issue listed (pulumi.RunError prints no traceback) before any resource is registered."""
    import pulumi

    raw = pulumi.Config("llmops").get_object("zone")
    provider = {}
    for key in PROVIDER_KEYS:
        ns, name = key.split(":")
        if (value := pulumi.Config(ns).get(name)) is not None:
            provider[key] = value
    try:
        cfg = parse_zone(raw if raw is not None else {}, provider, "pulumi config")
    except ConfigError as exc:
        raise pulumi.RunError("invalid stack config:\n" + "\n".join(exc.lines)) from None
    for line in warnings(cfg):
        pulumi.log.warn(line)
    return cfg


def pulumi_config_values(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file config as the Pulumi engine passes it to a program: objects as JSON strings."""
    return {str(k): v if isinstance(v, str) else json.dumps(v, default=str) for k, v in config.items()}
