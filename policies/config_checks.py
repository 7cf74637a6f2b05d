"""The stack config's ``policy`` section names policies of this pack: unknown names are config errors. And the
advisory ``cost-estimate-complete`` is announced at validation: a GCP managed endpoint for a model outside Model
Garden plans an empty Vertex AI endpoint the estimate cannot price (a warning, the stack stays valid).

Registered with components.config.registry (entry point in pyproject.toml), so config validation checks names
against the pack without the config package importing it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from llmops_landing_zone.components.config.messages import shown
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.config.registry import EVERY_CLOUD, Issue, register
from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies.base import matches


@register("gcp", stage="warn")
def unpriceable_endpoints(cfg: ZoneConfig) -> Iterator[Issue]:
    from llmops_landing_zone.components.gcp.serving import garden_model

    for key, ep in cfg.endpoints.items():
        if ep.runtime == "managed" and garden_model(ep) is None:
            yield (f"endpoints.{key}.model", (
                "not in Model Garden at this precision: the zone creates an empty Vertex AI endpoint and the ML "
                "pipeline deploys the model, so the cost estimate cannot price it (guardrail "
                "cost-estimate-complete); budget for it by hand: machine $/h (llz size --cloud gcp) x replicas x "
                "730 h on top of budget.monthlyLimitUsd"))


@register(EVERY_CLOUD)
def policy_names(cfg: ZoneConfig) -> Iterator[Issue]:
    if not (cfg.policy.enforcement or cfg.policy.suppressions):
        return
    names = sorted(r.name for r in registry.rules())
    for name in cfg.policy.enforcement:
        if name != "all" and name not in names:
            yield f"policy.enforcement.{name}", f"unknown policy {shown(name)}{_close(name, names)}"
    for i, s in enumerate(cfg.policy.suppressions):
        if not any(matches(s.policy, n) for n in names):
            yield (f"policy.suppressions.{i}.policy",
                   f"{shown(s.policy)} matches no policy of the pack{_close(s.policy, names)}")


def _close(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    options = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else "".join(close)
    return f"; did you mean {options}?" if close else f" (none of its {len(names)} policies is close)"
