"""Stack resolution and offline planning: stack YAML -> validated config -> recorded plan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from llmops_landing_zone.components.config import ConfigError, load_stack_file, read_stack_file
from llmops_landing_zone.components.config.loader import pulumi_config_values
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import engine

if TYPE_CHECKING:  # loads the config and hands it to the program; reads only stack identity (cloud, region)
    from llmops_landing_zone.components.config import ZoneConfig


def project_root() -> Path:
    """The directory holding Pulumi.yaml: from $LLZ_ROOT, the working directory upwards, or this checkout."""
    if env := os.environ.get("LLZ_ROOT"):
        return Path(env)
    for here in [Path.cwd(), *Path.cwd().parents]:
        if (here / "Pulumi.yaml").exists() and (here / "stacks").is_dir():
            return here
    return Path(__file__).resolve().parent.parent


def stacks_dir() -> Path:
    return project_root() / "stacks"


def resolve_stack(stack: str | Path) -> tuple[str, Path]:
    """A stack name under stacks/ or a path to a Pulumi.<name>.yaml file -> (name, path). ConfigError (naming
    STACK) when it is neither: empty, or not a usable path."""
    if not str(stack).strip():
        raise ConfigError([("@STACK", "is empty; give a stack name under stacks/ or a path to Pulumi.<name>.yaml")])
    path = Path(stack)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte
        raise ConfigError([("@STACK", f"not a usable stack name or path: {getattr(exc, 'strerror', None) or exc}")],
                          str(stack)[:80]) from None
    if path.suffix in (".yaml", ".yml") or exists:
        name = path.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
        return name, path
    return str(stack), stacks_dir() / f"Pulumi.{stack}.yaml"


def all_stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stacks_dir().glob("Pulumi.*.yaml"))


def load(stack: str | Path, versions: bool = True) -> tuple[str, Path, ZoneConfig]:
    name, path = resolve_stack(stack)
    return name, path, load_stack_file(path, versions)


def plan(stack: str | Path, cache: bool | None = None) -> Plan:
    """Validate the stack (ConfigError on a bad config, before anything is registered) and record its plan.
    Validation runs on every call; the planning step after it is reused from the plan cache (llz/cache.py) when
    the code, the stack file, the SDKs and the date are unchanged. ``cache=False`` (``--no-cache``) or
    ``$LLZ_NO_CACHE`` plans afresh (and does not write the cache)."""
    name, path, cfg = load(stack)
    return plan_loaded(name, path, cfg, cache)


def plan_loaded(name: str, path: Path, cfg: ZoneConfig, cache: bool | None = None) -> Plan:
    """``plan`` of a stack already validated by ``load`` (``llz check`` loads it first for its own checks)."""
    from llmops_landing_zone.components.catalog import kubernetes as k8s_calendar
    from llmops_landing_zone.llz import cache as plans

    stack_bytes = path.read_bytes()
    config = pulumi_config_values(read_stack_file(path))
    use = plans.enabled(cache)
    digest = plans.key(name, stack_bytes, config, k8s_calendar.today().isoformat()) if use else ""
    if use and (cached := plans.load(digest)) is not None:
        return cached
    fresh = _run(name, cfg, config)
    if use:
        plans.store(digest, fresh)
    return fresh


def _run(name: str, cfg: ZoneConfig, config: dict[str, str]) -> Plan:
    from llmops_landing_zone.components.program import main

    records, _ = engine.run(lambda: main(cfg), stack=name, config=config, region=cfg.region or "",
                            gcp_project=cfg.project or "")
    return Plan(stack=name, cloud=cfg.cloud, environment=cfg.environment, resources=records,
                region=cfg.region or "")


def plan_config(cfg: ZoneConfig, stack: str = "test") -> Plan:
    """Plan an in-memory config (tests, benchmarks): the same program, no file."""
    from llmops_landing_zone.components.program import main

    config = {"llmops:zone": cfg.model_dump_json(by_alias=True, exclude_none=True)}
    records, _ = engine.run(lambda: main(cfg), stack=stack, config=config, region=cfg.region or "",
                            gcp_project=cfg.project or "")
    return Plan(stack=stack, cloud=cfg.cloud, environment=cfg.environment, resources=records,
                region=cfg.region or "")
