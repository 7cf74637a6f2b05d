"""The cost diff between two estimates (``llz cost --against``): what a change adds, removes and moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmops_landing_zone.components.finops.model import CostEstimate, CostItem


class MonthlyDelta:
    """The monthly cost change of anything with an optional ``before`` and ``after`` that carry
    ``monthly_min_usd`` / ``monthly_max_usd`` (a resource's cost item, a component of the change graph)."""

    before: Any
    after: Any

    @property
    def delta_min(self) -> float:
        return (self.after.monthly_min_usd if self.after else 0.0) - (self.before.monthly_min_usd if self.before else 0.0)

    @property
    def delta_max(self) -> float:
        return (self.after.monthly_max_usd if self.after else 0.0) - (self.before.monthly_max_usd if self.before else 0.0)


@dataclass(frozen=True)
class Change(MonthlyDelta):
    identity: str
    type: str
    name: str
    before: CostItem | None
    after: CostItem | None


@dataclass
class CostDiff:
    before: CostEstimate
    after: CostEstimate
    added: list[Change]
    removed: list[Change]
    changed: list[Change]

    @property
    def delta_min(self) -> float:
        return round(self.after.monthly_min_usd - self.before.monthly_min_usd, 2)

    @property
    def delta_max(self) -> float:
        return round(self.after.monthly_max_usd - self.before.monthly_max_usd, 2)


def diff(a: CostEstimate, b: CostEstimate) -> CostDiff:
    """What changes from ``a`` (the baseline) to ``b``; resources match by type + URN without the stack."""
    before = {i.identity: i for i in a.items}
    after = {i.identity: i for i in b.items}
    added = [Change(k, i.type, i.name, None, i) for k, i in after.items() if k not in before]
    removed = [Change(k, i.type, i.name, i, None) for k, i in before.items() if k not in after]
    changed = []
    for k in before.keys() & after.keys():
        x, y = before[k], after[k]
        if (x.priced, round(x.monthly_min_usd, 2), round(x.monthly_max_usd, 2)) != \
                (y.priced, round(y.monthly_min_usd, 2), round(y.monthly_max_usd, 2)):
            changed.append(Change(k, y.type, y.name, x, y))

    def order(changes: list[Change]) -> list[Change]:
        return sorted(changes, key=lambda c: (-abs(c.delta_max), c.identity))

    return CostDiff(a, b, order(added), order(removed), order(changed))
