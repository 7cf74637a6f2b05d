"""One source of truth, two runners: CrossGuard policies for ``pulumi preview --policy-pack policies`` and the
offline evaluator behind ``llz check``, both built from the same ``Rule`` records.

Per-stack settings (environment, enforcement overrides, suppressions, baseline) reach the pack through its
config (``--policy-pack-config``; ``llz.check.pack_config`` writes it from the stack file) and reach the
offline evaluator as a ``Settings`` object; both resolve them with the same code below.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmops_landing_zone.policies import base
from llmops_landing_zone.policies.base import (
    ADVISORY,
    DISABLED,
    ENVIRONMENTS,
    LEVELS,
    MANDATORY,
    RULES,
    Context,
    Resource,
    Rule,
    Stack,
    environment_of,
    matches,
)
from llmops_landing_zone.policies.rules import (  # noqa: F401 - importing a rules module registers its rules
    encryption,
    finops,
    gateway,
    gpu,
    hardening,
    identity,
    kubernetes,
    logging,
    network,
    observability,
    releases,
    stateful,
    tagging,
)

PACK_NAME = "llmops-guardrails"

# Config properties every policy accepts (set by llz.check.pack_config); declared so the CLI's schema check
# of --policy-pack-config passes.
COMMON_CONFIG: dict[str, dict[str, Any]] = {
    "environment": {"type": "string", "enum": list(ENVIRONMENTS),
                    "description": "zone environment; default: the resource's llmops-environment tag"},
    "suppressions": {"type": "array", "description": "accepted violations of this policy",
                     "items": {"type": "object", "properties": {"resource": {"type": "string"},
                                                                "reason": {"type": "string"}}}},
    "baseline": {"type": "array", "items": {"type": "string"}, "description": "URNs whose violations predate"},
}


def rules() -> list[Rule]:
    return list(RULES)


def rule_named(name: str) -> Rule:
    for rule in RULES:
        if rule.name == name:
            return rule
    raise KeyError(name)


@dataclass(frozen=True)
class Suppression:
    policy: str  # a policy name, or "*" / a pattern over policy names
    resource: str  # fnmatch pattern over resource names
    reason: str


@dataclass
class Settings:
    """What one stack's config says about the pack."""

    environment: str
    enforcement: Mapping[str, str] = field(default_factory=dict)  # policy name (or "all") -> level
    suppressions: list[Suppression] = field(default_factory=list)
    baseline: set[tuple[str, str]] = field(default_factory=set)  # (policy, urn)
    baseline_source: str = ""
    rule_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def level(self, rule: Rule) -> str:
        if rule.name in self.enforcement:
            return self.enforcement[rule.name]
        if "all" in self.enforcement:
            return self.enforcement["all"]
        return rule.level(self.environment)

    def suppressed_by(self, rule: Rule, resource_name: str) -> str | None:
        for s in self.suppressions:
            if matches(s.policy, rule.name) and matches(s.resource, resource_name):
                return s.reason
        return None

    def baselined(self, rule: Rule, urn: str | None) -> bool:
        return (rule.name, urn or "") in self.baseline

    def config_for(self, rule: Rule) -> dict[str, Any]:
        return {**rule.defaults(), **self.rule_config.get(rule.name, {})}


@dataclass
class Finding:
    rule: Rule
    urn: str | None
    resource: str  # resource name ("" for stack-wide findings)
    message: str
    level: str  # effective enforcement level
    suppressed_by: str | None = None
    baselined: bool = False

    @property
    def blocking(self) -> bool:
        return self.level == MANDATORY and self.suppressed_by is None and not self.baselined


@dataclass
class Evaluation:
    findings: list[Finding]
    seconds: float  # time spent in rule evaluation
    rules_run: list[Rule]


def evaluate(stack: Stack, settings: Settings, only: Iterable[str] | None = None) -> Evaluation:
    """Run every enabled rule over ``stack`` (the offline runner). Resource rules see each resource of their
    types; stack rules see the stack. Suppressions and the baseline mark findings, never drop them."""
    started = time.perf_counter()
    wanted = set(only) if only is not None else None
    by_type: dict[str, list[Rule]] = defaultdict(list)
    stack_rules: list[Rule] = []
    run: list[Rule] = []
    for rule in RULES:
        if wanted is not None and rule.name not in wanted:
            continue
        if settings.level(rule) == DISABLED or settings.environment not in rule.environments:
            continue
        run.append(rule)
        if rule.kind == "stack":
            stack_rules.append(rule)
        else:
            for t in rule.types:
                by_type[t].append(rule)
    contexts = {rule.name: Context(settings.environment, settings.config_for(rule)) for rule in run}
    findings: list[Finding] = []

    def add(rule: Rule, urn: str | None, name: str, message: str) -> None:
        findings.append(Finding(rule, urn, name, message, settings.level(rule),
                                settings.suppressed_by(rule, name), settings.baselined(rule, urn)))

    for res in stack.resources:
        for rule in by_type.get(res.type, ()):
            for message in rule.check(res, contexts[rule.name]) or ():
                add(rule, res.urn, res.name, message)
    for rule in stack_rules:
        for message, urn in rule.check(stack, contexts[rule.name]) or ():
            target = stack.by_urn(urn) if urn else None
            add(rule, urn, target.name if target else "", message)
    return Evaluation(findings, time.perf_counter() - started, run)


# --- the CrossGuard side -----------------------------------------------------------------------------------

def settings_from_pack_config(rule: Rule, config: Mapping[str, Any] | None, resource: Resource | None,
                              default_env: str | None = None) -> tuple[Settings, dict[str, Any]]:
    """Per-policy pack config (``{"environment", "suppressions", "baseline", <rule props>}``) as Settings."""
    cfg = {**rule.defaults(), **dict(config or {})}
    env = environment_of(resource, cfg.get("environment") or default_env)
    sup = [Suppression(rule.name, str(s.get("resource", "*")), str(s.get("reason", "")))
           for s in cfg.get("suppressions") or () if isinstance(s, Mapping)]
    baseline = {(rule.name, str(u)) for u in cfg.get("baseline") or ()}
    return Settings(env, {}, sup, baseline), cfg


def _resource_validator(rule: Rule) -> Callable[..., None]:
    types = frozenset(rule.types)

    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        if args.resource_type not in types:
            return
        opts = args.opts
        res = Resource.of(args.resource_type, args.name, args.urn, args.props,
                          protect=getattr(opts, "protect", None), parent=getattr(opts, "parent", None))
        settings, cfg = settings_from_pack_config(rule, args.get_config(), res)
        if settings.environment not in rule.environments:
            return
        for message in rule.check(res, Context(settings.environment, cfg)) or ():
            if settings.suppressed_by(rule, res.name) is None and not settings.baselined(rule, res.urn):
                report_violation(message, None)

    validate.__name__ = f"validate_{rule.name.replace('-', '_')}"
    return validate


def stack_from_policy_resources(resources: Iterable[Any], environment: str | None = None,
                                estimator: Callable[[Stack], Any] | None = None) -> Stack:
    """StackValidationArgs.resources (PolicyResource, props are outputs) as a Stack view."""
    views = []
    for r in resources:
        opts = r.opts
        views.append(Resource.of(r.resource_type, r.name, r.urn, r.props, protect=getattr(opts, "protect", None),
                                 parent=r.parent.urn if r.parent is not None else getattr(opts, "parent", None),
                                 dependencies=tuple(d.urn for d in r.dependencies)))
    first = next((v for v in views if v.tags), views[0] if views else None)
    return Stack(first.stack if first else "", environment_of(first, environment), views,
                 estimator=estimator or default_estimator)


def _stack_validator(rule: Rule, estimator: Callable[[Stack], Any] | None) -> Callable[..., None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        config = args.get_config() or {}
        stack = stack_from_policy_resources(args.resources, config.get("environment"), estimator)
        settings, cfg = settings_from_pack_config(rule, config, None, stack.environment)
        if settings.environment not in rule.environments:
            return
        for message, urn in rule.check(stack, Context(settings.environment, cfg)) or ():
            target = stack.by_urn(urn) if urn else None
            name = target.name if target else ""
            if settings.suppressed_by(rule, name) is None and not settings.baselined(rule, urn):
                report_violation(message, urn)

    validate.__name__ = f"validate_{rule.name.replace('-', '_')}"
    return validate


def default_estimator(stack: Stack) -> Any:
    """The FinOps estimate (``components.finops.estimate(plan)``) of the stack."""
    from llmops_landing_zone.components.finops import estimate

    plan = stack.plan if stack.plan is not None else plan_view(stack)
    return estimate(plan)


def plan_view(stack: Stack) -> Any:
    """A Plan built from what CrossGuard shows a stack policy (outputs), so the cost estimate that reads
    ``plan.resources[*].inputs`` runs the same under ``pulumi preview`` as offline."""
    from llmops_landing_zone.components.plan import Plan, PlannedResource
    from llmops_landing_zone.policies.values import UNKNOWN

    def unwrap(v: Any) -> Any:
        if v is UNKNOWN:
            return "<computed>"
        if isinstance(v, dict):
            return {k: unwrap(x) for k, x in v.items()}
        if isinstance(v, list):
            return [unwrap(x) for x in v]
        return v

    resources = [PlannedResource(urn=r.urn, type=r.type, name=r.name, parent=r.parent, custom=True,
                                 inputs=unwrap(r.props), protect=bool(r.protect),
                                 dependencies=list(r.dependencies)) for r in stack.resources]
    return Plan(stack=stack.name, cloud=stack.cloud or "", environment=stack.environment, resources=resources)


def pack_environment() -> str:
    """Environment whose default enforcement levels the pack is built with: $LLZ_ENVIRONMENT, else the
    suffix of $PULUMI_STACK, else prod. Per-policy levels from --policy-pack-config still win."""
    env = os.environ.get("LLZ_ENVIRONMENT", "")
    if env in ENVIRONMENTS:
        return env
    stack = os.environ.get("PULUMI_STACK", "")
    return next((e for e in ENVIRONMENTS if stack.endswith(e)), "prod")


def build_policies(environment: str | None = None, estimator: Callable[[Stack], Any] | None = None) -> list[Any]:
    """The CrossGuard policy objects (cheap; building the PolicyPack is what starts a server). ``estimator``
    replaces the cost estimate of the budget-coverage rules (tests)."""
    from pulumi_policy import (
        EnforcementLevel,
        PolicyComplianceFramework,
        PolicyConfigSchema,
        ResourceValidationPolicy,
        Severity,
        StackValidationPolicy,
    )

    env = environment or pack_environment()
    policies: list[Any] = []
    for rule in RULES:
        common = {
            "name": rule.name,
            "description": rule.description,
            "enforcement_level": EnforcementLevel(rule.level(env)),
            "config_schema": PolicyConfigSchema(properties={**COMMON_CONFIG, **{k: dict(v) for k, v in
                                                                                 rule.config.items()}}),
            "severity": Severity(rule.severity),
            "framework": PolicyComplianceFramework(name=rule.framework.name, version=rule.framework.version,
                                                   reference=rule.framework.reference)
            if rule.framework else None,
            "tags": [rule.scope, rule.concern],
            "remediation_steps": rule.remediation,
            "url": rule.url,
        }
        if rule.kind == "resource":
            policies.append(ResourceValidationPolicy(validate=_resource_validator(rule), **common))
        else:
            policies.append(StackValidationPolicy(validate=_stack_validator(rule, estimator), **common))
    return policies


def pack_config(settings: Settings) -> dict[str, Any]:
    """The ``--policy-pack-config`` JSON for one stack: effective levels, environment, suppressions, baseline."""
    out: dict[str, Any] = {}
    for rule in RULES:
        entry: dict[str, Any] = {"enforcementLevel": settings.level(rule), "environment": settings.environment}
        sup = [{"resource": s.resource, "reason": s.reason} for s in settings.suppressions
               if matches(s.policy, rule.name)]
        if sup:
            entry["suppressions"] = sup
        urns = sorted(u for p, u in settings.baseline if p == rule.name)
        if urns:
            entry["baseline"] = urns
        entry.update(settings.rule_config.get(rule.name, {}))
        out[rule.name] = entry
    return out


__all__ = ["ADVISORY", "DISABLED", "LEVELS", "MANDATORY", "PACK_NAME", "Evaluation", "Finding", "Settings",
           "Suppression", "base", "build_policies", "evaluate", "pack_config", "rule_named", "rules"]
