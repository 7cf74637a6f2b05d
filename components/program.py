"""The Pulumi program, shared by ``pulumi up`` (via __main__.py) and the offline engine (``llz preview``)."""

from __future__ import annotations

import pulumi

from llmops_landing_zone.components.config import ZoneConfig, load_from_pulumi
from llmops_landing_zone.components.zone import LandingZone


def main(cfg: ZoneConfig | None = None) -> LandingZone:
    zone = LandingZone(cfg or load_from_pulumi())
    for key, value in zone.outputs.items():
        pulumi.export(key, value)
    return zone
