"""The one public config contract: typed models, validation with key paths, loading."""

from llmops_landing_zone.components.config.errors import ConfigError
from llmops_landing_zone.components.config.loader import load_from_pulumi, load_stack_file, parse_zone, read_stack_file, warnings
from llmops_landing_zone.components.config.models import (
    ArchitectureConfig,
    BudgetConfig,
    EndpointConfig,
    GpuPoolConfig,
    TeamConfig,
    VectorStoreConfig,
    ZoneConfig,
)

__all__ = [
    "ArchitectureConfig", "BudgetConfig", "ConfigError", "EndpointConfig", "GpuPoolConfig", "TeamConfig",
    "VectorStoreConfig", "ZoneConfig", "load_from_pulumi", "load_stack_file", "parse_zone", "read_stack_file", "warnings",
]
