"""The deploy workflow's stack matrix: stacks/Pulumi.<stack>.yaml -> one JSON list per environment.

Runs on a bare hosted runner (standard library only), so it reads the few keys it needs with patterns rather
than a YAML parser; `llz validate` has already held every stack file to the schema on the PR.
Environment: ONLY (one stack name, optional), COMMAND (up or drift). Prints GitHub step outputs.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ENVIRONMENTS = ("dev", "staging", "prod")
REGION_KEYS = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}


def stack_row(path: Path) -> dict[str, str] | None:
    text = path.read_text()
    cloud = re.search(r"^\s+cloud:\s*(aws|gcp|azure)\s*$", text, re.M)
    env = re.search(r"^\s+environment:\s*(dev|staging|prod)\s*$", text, re.M)
    if not cloud or not env:
        return None
    region = re.search(rf"^\s+{re.escape(REGION_KEYS[cloud.group(1)])}:\s*([a-z0-9-]+)\s*$", text, re.M)
    return {"stack": path.name[len("Pulumi."):-len(".yaml")], "cloud": cloud.group(1),
            "environment": env.group(1), "region": region.group(1) if region else ""}


def main(root: Path, only: str, command: str) -> list[str]:
    if command not in ("up", "drift"):
        raise SystemExit(f"COMMAND must be up or drift, not {command!r}")
    rows = [r for p in sorted((root / "stacks").glob("Pulumi.*.yaml")) if (r := stack_row(p))]
    if only:
        rows = [r for r in rows if r["stack"] == only]
        if not rows:
            raise SystemExit(f"no stack named {only!r} under stacks/")
    out = [f"{env}={json.dumps([r for r in rows if r['environment'] == env])}" for env in ENVIRONMENTS]
    return [*out, f"command={command}"]


if __name__ == "__main__":
    here = Path(__file__).resolve().parents[2]
    print("\n".join(main(here, os.environ.get("ONLY", ""), os.environ.get("COMMAND", "up") or "up")))
    sys.exit(0)
