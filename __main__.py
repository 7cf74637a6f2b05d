"""Pulumi entry point: load the typed stack config and build one landing zone."""

from components.program import main

main()
