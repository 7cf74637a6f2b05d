"""Run one policy without the Pulumi CLI, the way CrossGuard would (the reference's offline test recipe).

``crossguard_resource`` / ``crossguard_stack`` build the real ``ResourceValidationPolicy`` /
``StackValidationPolicy`` objects of the pack and call their ``validate`` with arguments wrapped exactly like
the analyzer wraps them (``unknown_checking_proxy``), so preview-time unknowns behave as under ``pulumi preview``.
``offline_resource`` / ``offline_stack`` run the same rule through the ``llz check`` evaluator. Tests use both
and compare: one source of truth, two runners.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.base import Resource, Stack

PROJECT = "llmops-landing-zone"


def urn(type_: str, name: str, stack: str = "test") -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=protect, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[],
                                 parent=None)


def _run(validate: Callable[..., Any], args: Any) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    result = validate(args, lambda message, urn=None: out.append((message, urn)))
    if inspect.isawaitable(result):
        asyncio.run(result)  # type: ignore[arg-type]
    return out


def policy_named(name: str, environment: str = "prod", estimator: Callable[[Stack], Any] | None = None) -> Any:
    return next(p for p in registry.build_policies(environment, estimator) if p.name == name)


def crossguard_resource(policy: str, type_: str, props: Mapping[str, Any], *, name: str = "r",
                        environment: str = "prod", config: Mapping[str, Any] | None = None,
                        protect: bool = False) -> list[str]:
    """Messages the CrossGuard policy reports for one resource (props may hold pulumi_policy unknowns)."""
    pol = policy_named(policy, environment)
    args = ResourceValidationArgs(type_, unknown_checking_proxy(dict(props)), urn(type_, name), name,
                                  options(protect), None, {"environment": environment, **(config or {})}, None)
    return [m for m, _ in _run(pol.validate, args)]


@dataclass
class Res:
    """A resource of a stack fixture."""

    type: str
    name: str
    props: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool | None = None
    depends_on: list[str] = field(default_factory=list)  # names of other resources in the fixture

    def urn(self, stack: str = "test") -> str:
        return urn(self.type, self.name, stack)


def crossguard_stack(policy: str, resources: Iterable[Res], *, environment: str = "prod",
                     config: Mapping[str, Any] | None = None,
                     estimator: Callable[[Stack], Any] | None = None) -> list[tuple[str, str | None]]:
    """(message, urn) pairs the CrossGuard stack policy reports (props wrapped like AnalyzeStack does)."""
    items = list(resources)
    by_name = {r.name: r for r in items}
    built: dict[str, PolicyResource] = {}
    for r in items:
        built[r.name] = PolicyResource(r.type, unknown_checking_proxy(dict(r.props)), r.urn(), r.name,
                                       options(r.protect), None, None, [], {})
    for r in items:
        built[r.name].dependencies.extend(built[d] for d in r.depends_on if d in by_name)
    pol = policy_named(policy, environment, estimator)
    args = StackValidationArgs(list(built.values()), {"environment": environment, **(config or {})}, None)
    return _run(pol.validate, args)


def stack_of(resources: Iterable[Res], environment: str = "prod",
             estimator: Callable[[Stack], Any] | None = None) -> Stack:
    items = list(resources)
    urns = {r.name: r.urn() for r in items}
    views = [Resource.of(r.type, r.name, r.urn(), r.props, protect=r.protect, retain_on_delete=r.retain_on_delete,
                         dependencies=tuple(urns[d] for d in r.depends_on if d in urns)) for r in items]
    return Stack("test", environment, views, estimator=estimator or (lambda _s: None))


def offline_findings(policy: str, resources: Iterable[Res], *, environment: str = "prod",
                     config: Mapping[str, Any] | None = None,
                     estimator: Callable[[Stack], Any] | None = None) -> list[registry.Finding]:
    settings = registry.Settings(environment, rule_config={policy: dict(config or {})})
    return registry.evaluate(stack_of(resources, environment, estimator), settings, only=[policy]).findings


def offline_resource(policy: str, type_: str, props: Mapping[str, Any], *, name: str = "r",
                     environment: str = "prod", config: Mapping[str, Any] | None = None, protect: bool = False,
                     retain_on_delete: bool | None = None) -> list[str]:
    res = Res(type_, name, dict(props), protect=protect, retain_on_delete=retain_on_delete)
    return [f.message for f in offline_findings(policy, [res], environment=environment, config=config)]
