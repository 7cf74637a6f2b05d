"""The result model of ``llz check``: what the guardrail pack found in one stack. The reports (SARIF,
Markdown, JUnit) read it; ``llz.check`` produces it. Its own module, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmops_landing_zone.policies.base import MANDATORY


@dataclass
class Violation:
    policy: str
    enforcement: str  # effective level: mandatory | advisory
    severity: str
    urn: str | None
    message: str
    suppressed_by: str | None = None  # the suppression's reason, or "baseline <file>"
    resource: str = ""  # the resource's logical name ("" for stack-wide findings)
    baselined: bool = False

    @property
    def blocking(self) -> bool:
        return self.enforcement == MANDATORY and self.suppressed_by is None


@dataclass
class StackResult:
    stack: str
    path: str  # the stack file, relative to the project root where possible
    cloud: str = ""
    environment: str = ""
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # config errors (key path: message) or a program failure
    resources: int = 0
    rules_run: list[str] = field(default_factory=list)
    plan_seconds: float = 0.0
    eval_seconds: float = 0.0  # time spent in rule evaluation only
    cost: dict[str, Any] | None = None  # monthly_min_usd, monthly_max_usd, unpriced, budget_usd

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.blocking]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.suppressed_by is None and not v.blocking]

    @property
    def suppressed(self) -> list[Violation]:
        return [v for v in self.violations if v.suppressed_by is not None]

    @property
    def passed(self) -> bool:
        return not self.errors and not self.mandatory
