"""gcp mock outputs (filled in as the gcp components land)."""

from __future__ import annotations

from llz.mocks import CallFn, OutputFn

OUTPUTS: dict[str, OutputFn] = {}
CALLS: dict[str, CallFn] = {}
