"""Recorded plans of the six reference stacks, guarded: every URN with its type, options, dependencies, provider,
aliases and a digest of its inputs. A refactoring must leave them identical; a change that means to alter a
plan regenerates them (``LLZ_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_plan_snapshots.py``)
and says so in its commit message, so the diff of tests/snapshots/ is the review of what changed."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("LLZ_UPDATE_SNAPSHOTS") == "1"


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


FIELDS = ("inputs", "dependencies", "provider", "aliases", "parent")


def snapshot(plan: Plan) -> dict[str, dict[str, Any]]:
    """One short record per URN: options as they are, everything else as a digest (the file stays small)."""
    out = {}
    for r in sorted(plan.to_dict()["resources"], key=lambda r: r["urn"]):
        out[r["urn"]] = {"protect": r["protect"], "retainOnDelete": r["retainOnDelete"],
                         **{f: digest(r[f]) for f in FIELDS}}
    return out


def dump(snap: dict[str, dict[str, Any]]) -> str:
    """One line per resource, so a changed resource is one changed line in the diff."""
    lines = [f"{json.dumps(urn)}: {json.dumps(rec, sort_keys=True)}" for urn, rec in snap.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


@pytest.mark.parametrize("stack", offline.all_stacks())
def test_reference_plan_matches_its_snapshot(stack: str) -> None:
    path = SNAPSHOTS / f"{stack}.json"
    current = snapshot(offline.plan(stack))
    if UPDATE or not path.exists():
        path.write_text(dump(current))
        if not UPDATE:
            pytest.fail(f"{path.name} did not exist and was written; commit it")
    recorded = json.loads(path.read_text())
    gone = sorted(set(recorded) - set(current))
    added = sorted(set(current) - set(recorded))
    changed = {urn: sorted(k for k in current[urn] if current[urn][k] != recorded[urn].get(k))
               for urn in set(current) & set(recorded) if current[urn] != recorded[urn]}
    assert not (gone or added or changed), (
        f"{stack}: the plan changed (regenerate with LLZ_UPDATE_SNAPSHOTS=1 if that is intended)\n"
        f"removed: {gone}\nadded: {added}\nchanged: {json.dumps(changed, indent=1, sort_keys=True)}")
