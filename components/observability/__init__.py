"""Serving observability: metric names of the pinned releases, SLO targets and Prometheus rules as data.

Rules are generated and validated here (tests/test_slo_rules.py); components/<cloud>/monitoring.py collects the
metrics into each cloud's managed Prometheus, deploys the rules there and scales vLLM endpoints with KEDA on
the triggers of ``scaling``; ``dashboards`` is the serving dashboard's model (rendered by ``grafana`` and per cloud
by components/<cloud>/dashboards.py).
"""

from llmops_landing_zone.components.observability.rules import EndpointRules, Labels, rule_file, rule_groups
from llmops_landing_zone.components.observability.slo import SloTargets, targets

__all__ = ["EndpointRules", "Labels", "SloTargets", "rule_file", "rule_groups", "targets"]
