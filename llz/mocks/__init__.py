"""Realistic outputs for resources and invokes under the mock runtime, so dependent code runs offline.

Each cloud keeps its own table in a sibling module (``OUTPUTS``: type token -> fn(MockContext) -> dict,
``CALLS``: invoke token -> fn(args, region) -> dict). Anything not in a table gets the generic outputs:
its inputs echoed back plus an id (and an ARN on AWS), which is what most dependent code needs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ACCOUNT_ID = "123456789012"
GCP_PROJECT_NUMBER = "123456789012"
AZURE_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
AZURE_TENANT = "11111111-1111-1111-1111-111111111111"


@dataclass
class MockContext:
    type: str
    name: str
    inputs: dict[str, Any]
    region: str
    project: str  # GCP project id, or "" elsewhere

    @property
    def module(self) -> str:  # "aws:eks/cluster:Cluster" -> "eks"
        return self.type.split(":")[1].split("/")[0]

    def digest(self, n: int = 8) -> str:
        return hashlib.sha256(f"{self.type}/{self.name}".encode()).hexdigest()[:n]


OutputFn = Callable[[MockContext], dict[str, Any]]
CallFn = Callable[[dict[str, Any], str], dict[str, Any]]


def tables() -> tuple[dict[str, OutputFn], dict[str, CallFn]]:
    from llz.mocks import aws, azure, gcp, k8s

    outputs: dict[str, OutputFn] = {}
    calls: dict[str, CallFn] = {}
    for mod in (aws, gcp, azure, k8s):
        outputs.update(mod.OUTPUTS)
        calls.update(mod.CALLS)
    return outputs, calls
