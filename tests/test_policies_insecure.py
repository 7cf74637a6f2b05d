"""The deliberately insecure stack triggers exactly the expected rules, and nothing else.

tests/fixtures/Pulumi.insecure.yaml supplies what config can express (public API endpoint, no budget, a dev
GPU pool that never scales to zero); tests/fixtures/insecure-plan-mutations.json injects into the recorded plan
what the secure-by-default components never produce, each mutation naming the rules it must trigger.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.check import evaluate_timed
from llmops_landing_zone.llz.results import StackResult, Violation

FIXTURES = Path(__file__).parent / "fixtures"
STACK = FIXTURES / "Pulumi.insecure.yaml"
MUTATIONS: list[dict[str, Any]] = json.loads((FIXTURES / "insecure-plan-mutations.json").read_text())

# (policy, resource name) the stack file alone must trigger; "" = stack-wide finding.
FROM_CONFIG = {
    ("aws-eks-private-endpoint", "insecure-eks"),  # cluster.publicEndpoint open to 0.0.0.0/0
    ("budget-for-gpu-capacity", ""),  # GPU pool and a SageMaker GPU endpoint, no budget
    ("serving-alerts-routed", "insecure-serving-rules"),  # no budget: the serving alerts have nowhere to go
    ("dev-gpu-scale-to-zero", "insecure-l4-serving"),  # minNodes: 1 in dev
}


def _target(m: dict[str, Any]) -> str:
    return m.get("on") or (m.get("edit") or m.get("add") or m.get("remove"))["name"]


FROM_PLAN = {(policy, _target(m)) for m in MUTATIONS for policy in m["expect"]}


def _set(inputs: dict[str, Any], path: str, value: Any, delete: bool = False) -> None:
    cur = inputs
    steps = path.split(".")
    for step in steps[:-1]:
        cur = cur.setdefault(step, {})
    if delete:
        cur.pop(steps[-1])
    else:
        cur[steps[-1]] = value


def mutate(plan: Plan, mutations: list[dict[str, Any]]) -> Plan:
    out = copy.deepcopy(plan)
    for m in mutations:
        if "add" in m:
            spec = m["add"]
            parent = next(r.urn for r in out.resources if r.type == "llmops:index:LandingZone")
            out.resources.append(PlannedResource(
                urn=f"urn:pulumi:{out.stack}::llmops-landing-zone::{spec['type']}::{spec['name']}", type=spec["type"],
                name=spec["name"], parent=parent, custom=True, inputs=copy.deepcopy(spec["inputs"])))
            continue
        key = m.get("edit") or m["remove"]
        matches = [r for r in out.resources if r.type == key["type"] and r.name == key["name"]]
        assert len(matches) == 1, f"mutation target {key} not in the plan (the zone changed?)"
        if "remove" in m:
            out.resources.remove(matches[0])
            continue
        for path, value in m.get("set", {}).items():
            _set(matches[0].inputs, path, value)
        for path in m.get("delete", []):
            _set(matches[0].inputs, path, None, delete=True)
    return out


@pytest.fixture(scope="module")
def recorded() -> tuple[Plan, Any, Path]:
    _, path, cfg = offline.load(STACK)
    return offline.plan(path), cfg, path


def findings(plan: Plan, cfg: Any, path: Path) -> list[Violation]:
    return evaluate_timed(plan, cfg, path)[0]


def pairs(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.policy, v.resource) for v in violations}


def test_the_stack_file_alone_triggers_exactly_the_config_driven_rules(recorded: tuple) -> None:
    plan, cfg, path = recorded
    assert pairs(findings(plan, cfg, path)) == FROM_CONFIG


def test_the_insecure_stack_triggers_exactly_the_expected_rules(recorded: tuple) -> None:
    plan, cfg, path = recorded
    found = findings(mutate(plan, MUTATIONS), cfg, path)
    assert pairs(found) == FROM_CONFIG | FROM_PLAN
    assert len(found) == len(FROM_CONFIG | FROM_PLAN), "one finding per rule and resource"


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m["why"][:50] for m in MUTATIONS])
def test_each_mutation_alone_triggers_its_rules(recorded: tuple, mutation: dict[str, Any]) -> None:
    plan, cfg, path = recorded
    new = pairs(findings(mutate(plan, [mutation]), cfg, path)) - FROM_CONFIG
    assert new == {(p, _target(mutation)) for p in mutation["expect"]}


def test_the_insecure_stack_fails_the_check_and_dev_advice_stays_advisory(recorded: tuple) -> None:
    plan, cfg, path = recorded
    found = findings(mutate(plan, MUTATIONS), cfg, path)
    levels = {v.policy: v.enforcement for v in found}
    assert levels.pop("dev-gpu-scale-to-zero") == "advisory"
    assert set(levels.values()) == {"mandatory"}  # security controls gate dev too
    result = StackResult("insecure", str(STACK), "aws", "dev", violations=found)
    assert not result.passed and len(result.mandatory) == len(found) - 1


def test_suppressing_and_baselining_the_findings_makes_the_stack_pass(recorded: tuple, tmp_path: Path) -> None:
    """An existing stack adopting the pack: baseline what is there, see only what is new."""
    plan, cfg, path = recorded
    mutated = mutate(plan, MUTATIONS)
    current = findings(mutated, cfg, path)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps([{"policy": v.policy, "urn": v.urn or ""} for v in current]))
    adopted = cfg.model_copy(deep=True)
    adopted.policy.baseline = str(baseline)
    again = findings(mutated, adopted, path)
    assert again and all(v.baselined and v.suppressed_by == "baseline baseline.json" for v in again)
    assert StackResult("insecure", str(STACK), violations=again).passed
    # a new violation after adoption is reported
    later = mutate(mutated, [{"edit": {"type": "aws:cloudtrail/trail:Trail", "name": "insecure-trail"},
                              "set": {"enableLogFileValidation": False}}])
    fresh = [v for v in findings(later, adopted, path) if not v.baselined]
    assert [(v.policy, v.resource, v.enforcement) for v in fresh] == [
        ("aws-cloudtrail-log-validation", "insecure-trail", "mandatory")]
