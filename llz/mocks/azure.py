"""azure mock outputs (filled in as the azure components land)."""

from __future__ import annotations

from llz.mocks import CallFn, OutputFn

OUTPUTS: dict[str, OutputFn] = {}
CALLS: dict[str, CallFn] = {}
