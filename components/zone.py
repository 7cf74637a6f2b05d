"""LandingZone: the provider-neutral entry point. Dispatches to exactly one cloud's builder.

Each cloud package exposes ``build(zone, cfg) -> dict`` in ``components/<cloud>/zone.py``; only that cloud's
SDK is imported, which keeps ``llz`` and ``pulumi up`` fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import pulumi

from llmops_landing_zone.components.common import auto_tagging, zone_tags

if TYPE_CHECKING:  # the entry step: it hands the loaded config to the cloud's zone.py, the one reader
    from llmops_landing_zone.components.config.models import ZoneConfig

TYPE = "llmops:index:LandingZone"

# Stack outputs every cloud provides under the same name (a cloud adds its own extras beside them):
# region, network and cluster ids, GPU pool names, the model and audit stores, endpoints and vector stores.
COMMON_OUTPUTS = ("region", "networkId", "clusterName", "clusterEndpoint", "gpuPools", "modelStore",
                  "servingEndpoints", "managedEndpoints", "vectorStores", "auditStore")
BUDGET_OUTPUT = "budgetName"


class LandingZone(pulumi.ComponentResource):
    outputs: dict[str, Any]

    def __init__(self, cfg: ZoneConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        # The tagging transformation on the zone is inherited by every resource below it.
        own = pulumi.ResourceOptions(transformations=[auto_tagging(zone_tags(cfg.name, cfg.environment, cfg.tags))])
        super().__init__(TYPE, cfg.name, None, pulumi.ResourceOptions.merge(opts, own))
        self.config = cfg
        build = import_module(f"llmops_landing_zone.components.{cfg.cloud}.zone").build
        self.outputs = build(self, cfg)
        expected = [*COMMON_OUTPUTS, *([BUDGET_OUTPUT] if cfg.budget else [])]
        if missing := [k for k in expected if k not in self.outputs]:
            raise TypeError(f"components/{cfg.cloud}/zone.py build() lacks the common outputs {missing}")
        self.register_outputs(self.outputs)
