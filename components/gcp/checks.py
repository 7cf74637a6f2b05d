"""GCP rules of the stack config (registered with components.config.registry; limits from limits.py, no provider
SDK imported)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_landing_zone.components.config.checks import name_issues
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.config.registry import Issue, register
from llmops_landing_zone.components.gcp import limits
from llmops_landing_zone.components.gcp.names import NAME_RULES

GCP_LABEL = re.compile(r"^[a-z0-9_-]{0,63}$")


@register("gcp")
def names(cfg: ZoneConfig) -> Iterator[Issue]:
    yield from name_issues(cfg, NAME_RULES)


@register("gcp")
def limits_and_reserved_names(cfg: ZoneConfig) -> Iterator[Issue]:
    if problem := limits.cidr_problem(cfg.network.cidr):
        yield "network.cidr", problem
    if cfg.budget is not None and (problem := limits.budget_channels_problem(cfg.budget.notify.emails)):
        yield "budget.notify.emails", problem
    # gpuPools.system is refused for every cloud (components/config/checks.py); a vllm endpoint without a pool gets a pool of
    # its own key, so an endpoint named "system" would collide with the GKE system node pool too.
    sized = cfg.endpoints.get(limits.SYSTEM_POOL_KEY)
    if sized is not None and sized.runtime == "vllm" and sized.pool is None:
        yield f"endpoints.{limits.SYSTEM_POOL_KEY}.pool", limits.reserved_pool_problem()
    members = [m for t in cfg.teams.values() for m in t.members]
    if problem := limits.group_domains_problem(limits.group_domains(members)):
        yield "teams", problem


@register("gcp")
def labels(cfg: ZoneConfig) -> Iterator[Issue]:
    """Tags become GCP labels: stricter keys and values than AWS or Azure tags."""
    for key, value in cfg.tags.items():
        if not GCP_LABEL.match(key.lower()) or len(key) > 63:
            yield f"tags.{key}", "GCP label keys are at most 63 characters of a-z, 0-9, _ and -"
        elif len(value) > 63:
            yield f"tags.{key}", f"GCP label values are at most 63 characters; this one has {len(value)}"
