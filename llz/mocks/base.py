"""What every cloud's mock table shares: the context a mock output function gets, the fake account ids."""

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
