"""Pulumi entry point: load the typed stack config and build one landing zone."""

from llmops_landing_zone.components.program import main

main()
