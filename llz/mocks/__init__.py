"""Realistic outputs for resources and invokes under the mock runtime, so dependent code runs offline.

Each cloud keeps its own table in a sibling module (``OUTPUTS``: type token -> fn(MockContext) -> dict,
``CALLS``: invoke token -> fn(args, region) -> dict). Anything not in a table gets the generic outputs:
its inputs echoed back plus an id (and an ARN on AWS), which is what most dependent code needs.
"""

from __future__ import annotations

from llmops_landing_zone.llz.mocks.base import (
    ACCOUNT_ID,
    AZURE_SUBSCRIPTION,
    AZURE_TENANT,
    GCP_PROJECT_NUMBER,
    CallFn,
    MockContext,
    OutputFn,
)


def tables() -> tuple[dict[str, OutputFn], dict[str, CallFn]]:
    from llmops_landing_zone.llz.mocks import aws, azure, gcp, k8s, local

    outputs: dict[str, OutputFn] = {}
    calls: dict[str, CallFn] = {}
    for mod in (aws, gcp, azure, k8s, local):
        outputs.update(mod.OUTPUTS)
        calls.update(mod.CALLS)
    return outputs, calls


__all__ = ["ACCOUNT_ID", "AZURE_SUBSCRIPTION", "AZURE_TENANT", "GCP_PROJECT_NUMBER", "CallFn", "MockContext",
           "OutputFn", "tables"]
