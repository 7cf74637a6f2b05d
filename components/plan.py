"""The recorded plan: every resource registration of one program run, as in DESIGN.md's plan JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    protect: bool = False
    retainOnDelete: bool = False
    dependencies: list[str] = field(default_factory=list)
    provider: str | None = None
    aliases: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # dotted input paths Pulumi treats as secret

    def masked(self) -> dict[str, Any]:
        """The record as the plan JSON holds it: secret inputs replaced by "[secret]", as Pulumi shows them."""
        out = asdict(self)
        for path in self.secrets:
            _mask(out["inputs"], path.split("."))
        return out

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")


def _mask(value: Any, steps: list[str]) -> None:
    *head, last = steps
    for step in head:
        value = value[int(step)] if isinstance(value, list) else value.get(step)
        if value is None:
            return
    if isinstance(value, list):
        value[int(last)] = SECRET
    elif isinstance(value, dict) and last in value:
        value[last] = SECRET


SECRET = "[secret]"


@dataclass
class Plan:
    stack: str
    cloud: str
    environment: str
    resources: list[PlannedResource]
    policy: dict[str, Any] = field(default_factory=lambda: {"violations": []})
    cost: dict[str, Any] = field(default_factory=dict)
    region: str = ""  # the stack's region (aws:region, gcp:region, azure-native:location); "" when not known

    # --- queries used by tests, policies, cost and reports -------------------------------------------
    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_)]
            raise LookupError(f"expected one {type_} named {name!r}, found {len(found)} among {names}")
        return found[0]

    def by_urn(self, urn: str) -> PlannedResource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise LookupError(urn)

    def children(self, urn: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.parent == urn]

    def counts(self) -> Counter[str]:
        return Counter(r.type for r in self.resources if not r.is_provider)

    @property
    def urns(self) -> set[str]:
        return {r.urn for r in self.resources}

    # --- serialisation -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "cloud": self.cloud,
            "environment": self.environment,
            "region": self.region,
            # Sorted by URN: registration order varies between runs, recorded plans must diff cleanly.
            "resources": [r.masked() for r in sorted(self.resources, key=lambda r: r.urn)],
            "policy": self.policy,
            "cost": self.cost,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            stack=data["stack"], cloud=data["cloud"], environment=data["environment"],
            resources=[PlannedResource(**r) for r in data["resources"]],
            policy=data.get("policy", {"violations": []}), cost=data.get("cost", {}),
            region=data.get("region", ""),
        )

    @classmethod
    def load(cls, path: str) -> Plan:
        with open(path) as fh:
            return cls.from_dict(json.load(fh))
