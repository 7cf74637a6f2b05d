"""Deterministic resource names and the cloud name limits they must respect.

Names are ``<zone>-<key>-<purpose>`` with no random suffix, so URNs and physical names stay stable as
config grows. Each cloud module declares the names it builds as ``NameRule``s (``components/<cloud>/names.py``)
and builds them through ``NameRule.render``; config validation renders the same rules for every key and
reports the ones over the limit. One definition serves both, so the check cannot drift from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    kind: str  # what the cloud calls it, for the error message ("OpenSearch Serverless collection")
    template: str  # "{zone}-{key}" ; {zone} and {key} are the only fields
    max_len: int
    over: str | None = None  # config map whose keys fill {key} (camelCase, e.g. "vectorStores")
    alnum: bool = False  # lowercase letters and digits only (Azure storage accounts)
    min_len: int = 1
    engine: str | None = None  # vector-store rules: only stores of this engine get this name

    def render(self, zone: str, key: str = "") -> str:
        name = self.template.format(zone=zone, key=key)
        return re.sub(r"[^a-z0-9]", "", name.lower()) if self.alnum else name

    def problem(self, zone: str, key: str = "") -> str | None:
        name = self.render(zone, key)
        if len(name) > self.max_len:
            return (f"the {self.kind} name '{name}' is {len(name)} characters, over the limit of {self.max_len}; "
                    "choose a shorter name")
        if len(name) < self.min_len:
            return f"the {self.kind} name '{name}' is shorter than the minimum of {self.min_len} characters"
        return None


def name(zone: str, *parts: str) -> str:
    """Plain ``zone-part-part`` logical/physical name for resources without a tight limit."""
    return "-".join([zone, *[p for p in parts if p]])
