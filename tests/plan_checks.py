"""Checks on recorded plans shared by the per-cloud tests."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.plan import Plan

ROOT = Path(__file__).resolve().parent.parent


def stack_zone(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A reference stack's ``llmops:zone`` (a copy a test may change) and its whole config (provider keys)."""
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def config_errors(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    """The lines of the ConfigError ``zone`` must raise (the test fails if it parses)."""
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return info.value.lines


def snake_case_keys(value: object, path: str, maps: Iterable[str]) -> list[str]:
    """Paths of snake_case keys in nested inputs: arguments the SDK did not map to engine names (a
    union-typed input given as a dict, a typo) that the real provider would reject or drop. Keys listed in
    ``maps`` hold user-chosen keys (tags, labels, env vars) and are not descended into."""
    maps = set(maps)
    bad: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if "_" in k:
                bad.append(f"{path}.{k}")
            if k not in maps:
                bad += snake_case_keys(v, f"{path}.{k}", maps)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            bad += snake_case_keys(v, f"{path}[{i}]", maps)
    return bad


def assert_engine_names_only(plans: Iterable[Plan], prefix: str, maps: Iterable[str]) -> None:
    for plan in plans:
        for r in plan.resources:
            if r.type.startswith(prefix):
                bad = snake_case_keys(r.inputs, r.name, maps)
                assert not bad, (r.type, bad)
