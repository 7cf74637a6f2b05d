"""Mock outputs of providers that compute values locally (pulumi_random): deterministic, derived from the name,
so a plan is identical run to run and no real secret is ever produced offline."""

from __future__ import annotations

import hashlib
from typing import Any

from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz.mocks.base import CallFn, MockContext, OutputFn


def _password(ctx: MockContext) -> dict[str, Any]:
    length = int(ctx.inputs.get("length", 32))
    seed = hashlib.sha256(f"offline/{ctx.name}".encode()).hexdigest()
    return {**ctx.inputs, "result": (seed * (length // len(seed) + 1))[:length]}


OUTPUTS: dict[str, OutputFn] = {tokens.RANDOM_PASSWORD: _password}
CALLS: dict[str, CallFn] = {}
