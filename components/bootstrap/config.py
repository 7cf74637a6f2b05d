"""The bootstrap stack's config (namespace ``llmops``, key ``bootstrap``; camelCase in YAML): what the one-off
``bootstrap/`` project needs to create a state backend, a secrets key and the CI identities of one cloud account.

A bad value stops the program before anything is registered, every issue at once, each naming its key path
(``llmops:bootstrap.repository: ...``), like the zone's own config (components/config).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from llmops_landing_zone.components.config.errors import ConfigError, loc_path
from llmops_landing_zone.components.config.loader import provider_issues
from llmops_landing_zone.components.config.messages import friendly_message, shown
from llmops_landing_zone.components.config.models import (
    GCP_PROJECT_PATTERN,
    KEY_PATTERN,
    ZONE_NAME_PATTERN,
    Cloud,
)
from llmops_landing_zone.components.config.stack_file import read_stack_file
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator
from pydantic.alias_generators import to_camel

NAMESPACE = "llmops:bootstrap"
# The provider key each cloud's region (location) comes from, as in the zone's stack files.
REGION_KEY = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}
# GitHub: owner (user or organisation, at most 39 characters) / repository name (letters, digits, '.', '_', '-').
REPOSITORY_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$"
Environment = Annotated[str, Field(pattern=KEY_PATTERN)]
ZoneName = Annotated[str, Field(pattern=ZONE_NAME_PATTERN)]


class BootstrapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)

    cloud: Cloud
    name: str = Field(pattern=ZONE_NAME_PATTERN, description=(
        "prefix of the bootstrap's resource names and of the zones its deploy identities may manage, 3-12 chars"))
    region: str | None = Field(None, description="filled from aws:region, gcp:region or azure-native:location")
    project: str | None = Field(None, pattern=GCP_PROJECT_PATTERN, description="GCP project id; from gcp:project")
    repository: str = Field(pattern=REPOSITORY_PATTERN, description="the GitHub repository that deploys: owner/repo")
    environments: list[Environment] = Field(min_length=1, max_length=10, description=(
        "GitHub environments allowed to deploy; each gets its own deploy identity"))
    protect: StrictBool = Field(True, description="protect + retainOnDelete on the state store and the keys")
    zones: list[ZoneName] | None = Field(None, min_length=1, max_length=10, description=(
        "the zones (llmops:zone.name) deployed into this account, each beginning with name; GCP: the deployer may "
        "grant exactly their custom roles. Default: [name]"))

    @field_validator("environments")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if dups := sorted({e for e in value if value.count(e) > 1}):
            raise ValueError(f"lists {', '.join(dups)} more than once")
        return value

    @property
    def zone_names(self) -> list[str]:
        return list(self.zones or [self.name])

    @property
    def owner(self) -> str:
        return self.repository.split("/")[0]


def key_path(path: str) -> str:
    return f"{NAMESPACE}.{path}" if path else NAMESPACE


def _issues(exc: ValidationError) -> list[tuple[str, str]]:
    fields = [f.alias or n for n, f in BootstrapConfig.model_fields.items()]
    out = []
    for error in exc.errors():
        path = loc_path(error["loc"])
        if error["type"] == "extra_forbidden":
            word = str(error["loc"][-1])
            close = [f for f in fields if f.startswith(word)] or difflib.get_close_matches(word, fields, n=1, cutoff=0.6)
            message = "unknown key" + (f"; did you mean {close[0]}?" if close else f" (valid keys: {', '.join(fields)})")
        elif (error.get("ctx") or {}).get("pattern") == REPOSITORY_PATTERN:
            message = f"{shown(error.get('input'))} is not a GitHub repository: write owner/repo (e.g. acme/llm-zone)"
        else:
            message = friendly_message(error)
        out.append((f"@{key_path(path)}", message))
    return out


def parse_bootstrap(raw: Any, provider: Mapping[str, Any] | None = None, source: str = "") -> BootstrapConfig:
    """Validate a raw ``llmops:bootstrap`` value (plus the provider keys); ConfigError with every issue."""
    provider = provider or {}
    if not isinstance(raw, Mapping):
        raise ConfigError([(f"@{NAMESPACE}", "must be a mapping with cloud, name, repository and environments")],
                          source)
    issues = provider_issues(provider)
    data = dict(raw)
    cloud = data.get("cloud")
    if isinstance(cloud, str) and cloud in REGION_KEY:
        data.setdefault("region", provider.get(REGION_KEY[cloud]))
        if cloud == "gcp":
            data.setdefault("project", provider.get("gcp:project"))
    try:
        cfg = BootstrapConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(issues + _issues(exc), source) from None
    if not cfg.region:
        where = f"set {REGION_KEY[cfg.cloud]} or {key_path('region')}"
        issues.append((f"@{REGION_KEY[cfg.cloud]}", f"missing; the {cfg.cloud} bootstrap needs a region ({where})"))
    issues += [(f"@{key_path(f'zones.{i}')}", (f"'{zone}' does not begin with '{cfg.name}': the deploy identities "
                                                f"reach only resources named {cfg.name}*"))
               for i, zone in enumerate(cfg.zones or []) if not zone.startswith(cfg.name)]
    if cfg.cloud == "gcp":  # a service account id is 6-30 characters: <name>-deploy-<environment>
        too_long = "is longer than the 30 characters of a GCP service account id; shorten the environment or name"
        issues += [(f"@{key_path(f'environments.{i}')}", f"'{cfg.name}-deploy-{env}' {too_long}")
                   for i, env in enumerate(cfg.environments) if len(f"{cfg.name}-deploy-{env}") > 30]
    if cfg.cloud == "gcp" and not cfg.project:
        issues.append(("@gcp:project", "missing; the gcp bootstrap needs the project id (set gcp:project)"))
    if issues:
        raise ConfigError(issues, source)
    return cfg


def load_bootstrap_file(path: Path) -> BootstrapConfig:
    config = read_stack_file(path)
    if NAMESPACE not in config:
        raise ConfigError([(f"@{NAMESPACE}", f"missing; add '{NAMESPACE}:' under config:")], str(path))
    return parse_bootstrap(config[NAMESPACE], config, str(path))


def load_from_pulumi() -> BootstrapConfig:
    """Inside ``pulumi up``: a bad config stops the program (pulumi.RunError, no traceback) before any resource
    is registered."""
    import pulumi

    ns, key = NAMESPACE.split(":")
    raw = pulumi.Config(ns).get_object(key)
    provider = {}
    for full in (*REGION_KEY.values(), "gcp:project"):
        pkg, name = full.split(":")
        if (value := pulumi.Config(pkg).get(name)) is not None:
            provider[full] = value
    try:
        return parse_bootstrap(raw if raw is not None else {}, provider, "pulumi config")
    except ConfigError as exc:
        raise pulumi.RunError("invalid bootstrap config:\n" + "\n".join(exc.lines)) from None
