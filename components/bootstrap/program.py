"""The bootstrap's Pulumi program (bootstrap/__main__.py), shared by ``pulumi up`` and the offline engine."""

from __future__ import annotations

import importlib

import pulumi
from llmops_landing_zone.components.bootstrap.config import BootstrapConfig, load_from_pulumi

TYPE = "llmops:index:Bootstrap"


class Bootstrap(pulumi.ComponentResource):
    """One cloud account's bootstrap; only the chosen cloud's module (and SDK) is imported."""

    def __init__(self, cfg: BootstrapConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, f"{cfg.name}-bootstrap", None, opts)
        cloud = importlib.import_module(f"llmops_landing_zone.components.bootstrap.{cfg.cloud}")
        self.outputs = cloud.build(cfg, self).exports()
        self.register_outputs(self.outputs)


def main(cfg: BootstrapConfig | None = None) -> Bootstrap:
    bootstrap = Bootstrap(cfg or load_from_pulumi())
    for key, value in bootstrap.outputs.items():
        pulumi.export(key, value)
    return bootstrap
