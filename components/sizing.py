"""GPU memory sizing (issue: FinOps and GPU right-sizing). Placeholder until the sizing module lands."""

from __future__ import annotations


def config_issues(cfg):  # noqa: ANN001, ANN201
    return []
