"""LandingZone: the provider-neutral entry point. Dispatches to exactly one cloud's builder.

Each cloud package exposes ``build(zone, cfg) -> dict`` in ``components/<cloud>/zone.py``; only that cloud's
SDK is imported, which keeps ``llz`` and ``pulumi up`` fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pulumi

from components.common import auto_tagging
from components.config.models import ZoneConfig

TYPE = "llmops:index:LandingZone"


class LandingZone(pulumi.ComponentResource):
    outputs: dict[str, Any]

    def __init__(self, cfg: ZoneConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        # The tagging transformation on the zone is inherited by every resource below it.
        own = pulumi.ResourceOptions(transformations=[auto_tagging(cfg)])
        super().__init__(TYPE, cfg.name, None, pulumi.ResourceOptions.merge(opts, own))
        self.config = cfg
        build = import_module(f"components.{cfg.cloud}.zone").build
        self.outputs = build(self, cfg)
        self.register_outputs(self.outputs)
