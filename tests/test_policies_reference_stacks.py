"""Every reference stack in stacks/ passes the guardrail pack with zero mandatory violations (``llz check``
gates them all), planned in parallel processes as the CLI does."""

from __future__ import annotations

import pytest

from llmops_landing_zone.llz.check import check_plans, partition
from llmops_landing_zone.llz.offline import all_stacks
from llmops_landing_zone.llz.results import StackResult
from llmops_landing_zone.policies import registry

STACKS = all_stacks()


@pytest.fixture(scope="module")
def ordered() -> list[StackResult]:
    return check_plans(STACKS[::-1])  # reversed: shares are cut by cloud, results must come back as asked


@pytest.fixture(scope="module")
def results(ordered: list[StackResult]) -> dict[str, StackResult]:
    return {r.stack: r for r in ordered}


@pytest.mark.parametrize("stack", STACKS)
def test_reference_stack_passes_with_zero_mandatory_violations(results: dict[str, StackResult], stack: str) -> None:
    result = results[stack]
    assert result.errors == []
    assert [(v.policy, v.resource, v.message) for v in result.mandatory] == []
    assert result.passed


@pytest.mark.parametrize("stack", STACKS)
def test_the_pack_really_ran_over_the_stack(results: dict[str, StackResult], stack: str) -> None:
    result = results[stack]
    applicable = [r for r in registry.rules() if result.environment in r.environments]
    assert sorted(result.rules_run) == sorted(r.name for r in applicable)
    assert result.resources > 50 and result.plan_seconds > 0 and result.eval_seconds > 0
    assert result.cost is not None and result.cost["monthly_min_usd"] > 0


def test_results_come_back_in_the_order_asked(ordered: list[StackResult]) -> None:
    assert [r.stack for r in ordered] == STACKS[::-1]


def test_work_is_split_evenly_and_keeps_clouds_together() -> None:
    shares = partition(STACKS, 2)
    assert sorted(s for share in shares for s in share) == sorted(STACKS)
    assert max(len(s) for s in shares) - min(len(s) for s in shares) <= 1
    clouds = [{s.split("-")[0] for s in share} for share in shares]
    assert sum(len(c) for c in clouds) <= len({s.split("-")[0] for s in STACKS}) + len(shares) - 1
