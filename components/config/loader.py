"""Load and validate the zone config from a stack YAML file (llz) or from Pulumi config (pulumi up)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from components.catalog import kubernetes as k8s_calendar
from components.config.checks import REGION_KEY, cross_checks
from components.config.errors import NAMESPACE, ConfigError, key_path, loc_path
from components.config.models import EMAIL_PATTERN, KEY_PATTERN, ZONE_NAME_PATTERN, ZoneConfig
from components.config.versions import version_warnings

PROVIDER_KEYS = ("aws:region", "gcp:region", "gcp:project", "azure-native:location")


def parse_zone(raw: Any, provider: Mapping[str, Any] | None = None, source: str = "",
               on: date | None = None, versions: bool = True) -> ZoneConfig:
    """Validate a raw ``llmops:zone`` value; raise ConfigError with every issue, never anything else.
    ``on``: the date support calendars are read on (default: ``catalog.kubernetes.today()``);
    ``versions=False`` skips the support-calendar check (``llz versions`` reports it instead)."""
    provider = provider or {}
    if not isinstance(raw, Mapping):
        raise ConfigError([("", f"must be a mapping, got {type(raw).__name__}")], source)
    data = dict(raw)
    cloud = data.get("cloud")
    if isinstance(cloud, str) and cloud in REGION_KEY:
        data.setdefault("region", provider.get(REGION_KEY[cloud]))
        if cloud == "gcp":
            data.setdefault("project", provider.get("gcp:project"))
    try:
        cfg = ZoneConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([(loc_path(e["loc"]), friendly_message(e)) for e in exc.errors()], source) from None
    try:
        when = on or k8s_calendar.today()
    except ValueError as exc:  # a malformed LLZ_TODAY
        raise ConfigError([("", str(exc))], source) from None
    issues = cross_checks(cfg, when, versions)
    if issues:
        raise ConfigError(issues, source)
    return cfg


_PATTERN_HINTS = {
    KEY_PATTERN: "must be a lowercase DNS label (a-z, 0-9 and -, starting with a letter) of at most 16 characters",
    ZONE_NAME_PATTERN: "must be a lowercase DNS label (a-z, 0-9 and -, starting with a letter) of 3-12 characters",
    EMAIL_PATTERN: "is not a valid email address",
}


def friendly_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, with regexes replaced by what they mean and map keys called keys."""
    msg = _PATTERN_HINTS.get((error.get("ctx") or {}).get("pattern", ""), error["msg"])
    return f"the key {msg}" if error["loc"] and error["loc"][-1] == "[key]" else msg


def read_stack_file(path: Path) -> dict[str, Any]:
    """The ``config:`` mapping of a Pulumi.<stack>.yaml file."""
    try:
        doc = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError([("@" + str(path), "stack file not found")], str(path)) from None
    except yaml.YAMLError as exc:
        raise ConfigError([("@" + str(path), f"not valid YAML: {exc}")], str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise ConfigError([("@" + str(path), "expected a top-level 'config:' mapping")], str(path))
    return doc["config"]


def warnings(cfg: ZoneConfig, on: date | None = None) -> list[str]:
    """Findings that do not stop the stack (support ending soon), as ``key path: message`` lines."""
    return [f"{key_path(p)}: {m}" for p, m in version_warnings(cfg, on or k8s_calendar.today())]


def load_stack_file(path: Path, versions: bool = True) -> ZoneConfig:
    config = read_stack_file(path)
    if NAMESPACE not in config:
        raise ConfigError([("", f"missing; add '{NAMESPACE}:' under config:")], str(path))
    return parse_zone(config[NAMESPACE], config, str(path), versions=versions)


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
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
