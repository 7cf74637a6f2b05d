"""JSON Schema of a stack file, for editor completion (stacks/schema.json is this output)."""

from __future__ import annotations

import json
from typing import Any

from llmops_landing_zone.components.config.checks import REGION_KEY
from llmops_landing_zone.components.config.models import zone_schema


def stack_schema() -> dict[str, Any]:
    zone = zone_schema()
    defs = zone.pop("$defs", {})
    provider_keys = {key: {"type": "string", "description": f"{cloud} region"} for cloud, key in REGION_KEY.items()}
    provider_keys["gcp:project"] = {"type": "string", "description": "GCP project id"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "llmops-landing-zone stack file (Pulumi.<cloud>-<env>.yaml)",
        "type": "object",
        "properties": {
            "encryptionsalt": {"type": "string"},
            "secretsprovider": {"type": "string"},
            "config": {
                "type": "object",
                "properties": {"llmops:zone": zone, **provider_keys},
                "required": ["llmops:zone"],
            },
        },
        "required": ["config"],
        "$defs": defs,
    }


def schema_json() -> str:
    return json.dumps(stack_schema(), indent=2, sort_keys=True) + "\n"
