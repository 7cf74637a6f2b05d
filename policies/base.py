"""Rule records and the views rules read: one record per rule, shared by the CrossGuard pack and ``llz check``.

A rule is a plain function plus a ``Rule`` record (name, description, severity, enforcement per environment,
framework reference, remediation, doc URL). Resource rules take a ``Resource`` and a ``Context`` and yield
messages; stack rules take a ``Stack`` and yield ``(message, urn or None)``. Neither knows whether it runs
under ``pulumi preview`` or offline: ``registry`` adapts both paths to these views.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from llmops_landing_zone.policies.values import plain

REPOSITORY = "https://github.com/llmops-landing-zone/llmops-landing-zone"
DOCS_URL = f"{REPOSITORY}/blob/main/README.md"

ENVIRONMENTS = ("dev", "staging", "prod")
MANDATORY, ADVISORY, DISABLED = "mandatory", "advisory", "disabled"
LEVELS = (ADVISORY, MANDATORY, DISABLED)
SEVERITIES = ("low", "medium", "high", "critical")

# Enforcement presets: security controls gate every environment; operational hygiene gates prod (and the
# staging environment that mirrors it) and advises in dev; advice never blocks.
ALWAYS = {"dev": MANDATORY, "staging": MANDATORY, "prod": MANDATORY}
PROD = {"dev": ADVISORY, "staging": MANDATORY, "prod": MANDATORY}
ADVICE = {"dev": ADVISORY, "staging": ADVISORY, "prod": ADVISORY}

ZONE_TAG = "llmops-zone"  # components.common.ZONE_TAG; duplicated so the pack imports no SDK code
ENV_TAG = "llmops-environment"


@dataclass(frozen=True)
class Framework:
    name: str
    version: str
    reference: str

    def __str__(self) -> str:
        return f"{self.name} {self.version} {self.reference}"


def cis(benchmark: str, reference: str) -> Framework:
    name, version = CIS_BENCHMARKS[benchmark]
    return Framework(name, version, reference)


# Benchmarks as the reference maps them (kube-bench configs for the Kubernetes services).
CIS_BENCHMARKS = {
    "aws": ("CIS AWS Foundations", "5.0.0"),
    "eks": ("CIS Amazon EKS", "1.8.0"),
    "gke": ("CIS Google GKE", "1.9.0"),
    "gcp": ("CIS Google Cloud Platform Foundations", "4.0.0"),
    "aks": ("CIS Azure AKS", "1.8"),
    "azure": ("CIS Microsoft Azure Foundations", "5.0.0"),
}


@dataclass(frozen=True)
class Rule:
    name: str
    kind: Literal["resource", "stack"]
    scope: str  # aws | gcp | azure | kubernetes | multi-cloud
    concern: str  # the rules module: encryption, network, identity, ...
    description: str
    severity: str
    remediation: str
    check: Callable[..., Iterable[Any]]
    types: tuple[str, ...] = ()  # resource rules: the type tokens they read
    enforcement: Mapping[str, str] = field(default_factory=lambda: dict(ALWAYS))
    environments: tuple[str, ...] = ENVIRONMENTS  # where the rule applies at all
    framework: Framework | None = None
    config_path: str | None = None  # the stack-config key a user edits to fix it (SARIF location)
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # JSON-schema per property
    properties: tuple[str, ...] = ()  # property paths the rule reads (documentation and unknown tests)

    @property
    def anchor(self) -> str:
        return f"policy-{self.name}"

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"

    def level(self, environment: str) -> str:
        return self.enforcement.get(environment, MANDATORY)

    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.config.items() if "default" in v}


@dataclass
class Resource:
    """One resource as rules see it: plain properties (UNKNOWN for preview-time unknowns)."""

    type: str
    name: str
    urn: str
    props: dict[str, Any]
    protect: bool | None = None
    retain_on_delete: bool | None = None  # not visible to CrossGuard; only the offline plan has it
    parent: str | None = None
    dependencies: tuple[str, ...] = ()

    @property
    def stack(self) -> str:
        """The stack name from the URN (urn:pulumi:<stack>::<project>::<type>::<name>)."""
        parts = self.urn.split("::")
        return parts[0].removeprefix("urn:pulumi:") if len(parts) > 2 else ""

    @property
    def tags(self) -> dict[str, Any]:
        for key in ("tags", "labels"):
            value = self.props.get(key)
            if isinstance(value, dict):
                return value
        return {}

    @classmethod
    def of(cls, type_: str, name: str, urn: str, props: Any, **kw: Any) -> Resource:
        return cls(type_, name, urn, plain(props) if props is not None else {}, **kw)


@dataclass
class Context:
    environment: str
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def prod(self) -> bool:
        return self.environment == "prod"


@dataclass
class Stack:
    """Every resource of one stack, for stack rules."""

    name: str
    environment: str
    resources: list[Resource]
    plan: Any = None  # the recorded Plan (components.plan) when evaluated offline
    estimator: Callable[[Stack], Any] | None = None  # cost estimate (components.finops contract), injectable
    _estimate: Any = field(default=None, init=False, repr=False)
    _estimated: bool = field(default=False, init=False, repr=False)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types]

    def by_urn(self, urn: str) -> Resource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def dependents(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if urn in r.dependencies]

    @property
    def cloud(self) -> str | None:
        for r in self.resources:
            prefix = r.type.split(":", 1)[0]
            if prefix in ("aws", "gcp", "azure-native"):
                return "azure" if prefix == "azure-native" else prefix
        return None

    def estimate(self) -> Any:
        """The cost estimate (``.monthly_min_usd``, ``.monthly_max_usd``, ``.items``) or None if unavailable."""
        if not self._estimated:
            self._estimated = True
            if self.estimator is not None:
                self._estimate = self.estimator(self)
        return self._estimate


ResourceCheck = Callable[[Resource, Context], Iterable[str]]
StackCheck = Callable[[Stack, Context], Iterable[tuple[str, str | None]]]

RULES: list[Rule] = []


def _register(rule: Rule) -> None:
    if any(r.name == rule.name for r in RULES):
        raise ValueError(f"duplicate policy name {rule.name}")
    if rule.severity not in SEVERITIES:
        raise ValueError(f"{rule.name}: severity {rule.severity!r}")
    RULES.append(rule)


def resource_rule(*, name: str, scope: str, types: Iterable[str], description: str, severity: str,
                  remediation: str, enforcement: Mapping[str, str] = ALWAYS,
                  environments: Iterable[str] = ENVIRONMENTS, framework: Framework | None = None,
                  config_path: str | None = None, config: Mapping[str, Mapping[str, Any]] | None = None,
                  properties: Iterable[str] = ()) -> Callable[[ResourceCheck], ResourceCheck]:
    def deco(fn: ResourceCheck) -> ResourceCheck:
        _register(Rule(name=name, kind="resource", scope=scope, concern=fn.__module__.rsplit(".", 1)[-1],
                       description=description, severity=severity, remediation=remediation, check=fn,
                       types=tuple(types), enforcement=dict(enforcement), environments=tuple(environments),
                       framework=framework, config_path=config_path, config=dict(config or {}),
                       properties=tuple(properties)))
        return fn
    return deco


def stack_rule(*, name: str, scope: str, description: str, severity: str, remediation: str,
               types: Iterable[str] = (), enforcement: Mapping[str, str] = ALWAYS,
               environments: Iterable[str] = ENVIRONMENTS, framework: Framework | None = None,
               config_path: str | None = None, config: Mapping[str, Mapping[str, Any]] | None = None,
               properties: Iterable[str] = ()) -> Callable[[StackCheck], StackCheck]:
    def deco(fn: StackCheck) -> StackCheck:
        _register(Rule(name=name, kind="stack", scope=scope, concern=fn.__module__.rsplit(".", 1)[-1],
                       description=description, severity=severity, remediation=remediation, check=fn,
                       types=tuple(types), enforcement=dict(enforcement), environments=tuple(environments),
                       framework=framework, config_path=config_path, config=dict(config or {}),
                       properties=tuple(properties)))
        return fn
    return deco


def matches(pattern: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern)


def environment_of(resource: Resource | None, configured: str | None = None) -> str:
    """The zone environment under the real CLI path: the pack config, else the zone's environment tag
    (every taggable cloud resource carries it), else the stack name suffix (aws-prod), else prod (strictest)."""
    if configured in ENVIRONMENTS:
        return configured  # type: ignore[return-value]
    if resource is not None:
        tag = resource.tags.get(ENV_TAG)
        if tag in ENVIRONMENTS:
            return tag
        for env in ENVIRONMENTS:
            if resource.stack.endswith(env):
                return env
    return "prod"

