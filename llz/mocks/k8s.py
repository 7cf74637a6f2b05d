"""k8s mock outputs (filled in as the k8s components land)."""

from __future__ import annotations

from llz.mocks import CallFn, OutputFn

OUTPUTS: dict[str, OutputFn] = {}
CALLS: dict[str, CallFn] = {}
