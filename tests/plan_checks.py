"""Checks on recorded plans shared by the per-cloud tests."""

from __future__ import annotations

from collections.abc import Iterable

from llmops_landing_zone.components.plan import Plan


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
