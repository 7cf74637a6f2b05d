"""Pulumi entry point of the bootstrap project: read the typed config, build one cloud account's bootstrap."""

from llmops_landing_zone.components.bootstrap.program import main

main()
