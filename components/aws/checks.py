"""AWS rules of the stack config (registered with components.config.registry; no provider SDK imported)."""

from __future__ import annotations

from collections.abc import Iterator

from llmops_landing_zone.components.aws.names import NAME_RULES
from llmops_landing_zone.components.config.checks import name_issues
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.config.registry import Issue, register
from llmops_landing_zone.components.k8s.images import CLUSTER_AUTOSCALER_TAGS


@register("aws")
def names(cfg: ZoneConfig) -> Iterator[Issue]:
    yield from name_issues(cfg, NAME_RULES)


@register("aws")
def autoscaler_line(cfg: ZoneConfig) -> Iterator[Issue]:
    """EKS runs our Cluster Autoscaler, whose release line must match the cluster's minor version."""
    if cfg.cluster.kubernetes_version not in CLUSTER_AUTOSCALER_TAGS:
        yield ("cluster.kubernetesVersion", (f"no Cluster Autoscaler release is recorded for "
               f"{cfg.cluster.kubernetes_version}; recorded: {', '.join(CLUSTER_AUTOSCALER_TAGS)}"))
