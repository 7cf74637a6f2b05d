"""The Pulumi program, shared by ``pulumi up`` (via __main__.py) and the offline engine (``llz preview``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from llmops_landing_zone.components.config import load_from_pulumi
from llmops_landing_zone.components.zone import LandingZone

if TYPE_CHECKING:  # passed along to LandingZone, never read here
    from llmops_landing_zone.components.config import ZoneConfig


def main(cfg: ZoneConfig | None = None) -> LandingZone:
    zone = LandingZone(cfg or load_from_pulumi())
    for key, value in zone.outputs.items():
        pulumi.export(key, value)
    return zone
