"""Preview-time unknowns over real plans: on the first `pulumi preview` of a zone, every value computed by
another resource (key ARNs, ids, endpoints) is unknown. Take each prod reference plan, make one property of one
resource unknown at a time (top-level and second-level keys), and run every applicable CrossGuard policy, as the
analyzer would (props wrapped in unknown_checking_proxy): no policy may raise, and an unknown may only ever
remove a violation, never add one."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.testing import options

STACKS = [s for s in offline.all_stacks() if s.endswith("prod")]


def _variants(props: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for key, value in props.items():
        out.append((key, {**props, key: UNKNOWN_STRING_VALUE}))
        if isinstance(value, dict):
            for sub in value:
                changed = copy.deepcopy(props)
                changed[key][sub] = UNKNOWN_STRING_VALUE
                out.append((f"{key}.{sub}", changed))
    return out


def _run(policy: Any, args: Any) -> set[str]:
    found: set[str] = set()
    policy.validate(args, lambda message, urn=None: found.add(f"{message}@{urn}"))
    return found


def _resource_args(r: PlannedResource, props: dict[str, Any], environment: str) -> ResourceValidationArgs:
    return ResourceValidationArgs(r.type, unknown_checking_proxy(props), r.urn, r.name, options(r.protect), None,
                                  {"environment": environment}, None)


@pytest.fixture(scope="module", params=STACKS)
def plan(request: pytest.FixtureRequest) -> Plan:
    return offline.plan(request.param)


def test_resource_policies_survive_unknowns(plan: Plan) -> None:
    policies = [p for p in registry.build_policies(plan.environment) if registry.rule_named(p.name).kind == "resource"]
    by_type: dict[str, list[Any]] = {}
    for p in policies:
        for typ in registry.rule_named(p.name).types:
            by_type.setdefault(typ, []).append(p)
    checked = 0
    for r in plan.resources:
        for policy in by_type.get(r.type, []):
            known = _run(policy, _resource_args(r, r.inputs, plan.environment))
            for path, props in _variants(r.inputs):
                found = _run(policy, _resource_args(r, props, plan.environment))
                assert found <= known, (policy.name, r.name, path, found - known)
                checked += 1
    assert checked > 300


def _stack_args(resources: list[PolicyResource], environment: str) -> StackValidationArgs:
    return StackValidationArgs(resources, {"environment": environment}, None)


def _policy_resources(plan: Plan) -> list[PolicyResource]:
    built = {}
    for r in plan.resources:
        if not r.is_provider:
            built[r.urn] = PolicyResource(r.type, unknown_checking_proxy(r.inputs), r.urn, r.name, options(r.protect),
                                          None, None, [], {})
    for r in plan.resources:
        if r.urn in built:
            built[r.urn].dependencies.extend(built[d] for d in r.dependencies if d in built)
    return list(built.values())


def test_stack_policies_survive_unknowns(plan: Plan) -> None:
    """Top-level keys only here (every stack policy re-reads the whole stack per variant)."""
    fixed = lambda _stack: None  # budget coverage is exercised with its own fakes
    policies = [p for p in registry.build_policies(plan.environment, estimator=fixed)
                if registry.rule_named(p.name).kind == "stack"]
    base = _policy_resources(plan)
    inputs = {r.urn: r.inputs for r in plan.resources}
    baseline = {p.name: _run(p, _stack_args(base, plan.environment)) for p in policies}
    checked = 0
    for policy in policies:
        types = set(registry.rule_named(policy.name).types)
        for i, res in enumerate(base):
            if res.resource_type not in types:
                continue
            for key in inputs[res.urn]:
                raw = {**inputs[res.urn], key: UNKNOWN_STRING_VALUE}
                swapped = PolicyResource(res.resource_type, unknown_checking_proxy(raw), res.urn, res.name, res.opts,
                                         None, None, res.dependencies, {})
                resources = [*base[:i], swapped, *base[i + 1:]]
                found = _run(policy, _stack_args(resources, plan.environment))
                assert found <= baseline[policy.name], (policy.name, res.name, key, found - baseline[policy.name])
                checked += 1
    assert checked > 50
