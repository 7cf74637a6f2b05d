"""Serving observability: metric names of the pinned releases, SLO targets and Prometheus rules as data.

First slice: rules are generated and validated (tests/test_slo_rules.py); collecting vLLM metrics into each
cloud's managed Prometheus, deploying the rules there, dashboards and autoscaling on LLM signals come later.
"""

from llmops_landing_zone.components.observability.rules import EndpointRules, Labels, rule_file, rule_groups
from llmops_landing_zone.components.observability.slo import SloTargets, targets

__all__ = ["EndpointRules", "Labels", "SloTargets", "rule_file", "rule_groups", "targets"]
