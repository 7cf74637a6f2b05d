"""``python -m llmops_landing_zone.components.bootstrap validate bootstrap/Pulumi.<cloud>.yaml``: check a bootstrap
stack file offline. Exit 0 when valid, 2 with every issue (each naming its key path) when not."""

from __future__ import annotations

import sys
from pathlib import Path

from llmops_landing_zone.components.bootstrap.config import load_bootstrap_file
from llmops_landing_zone.components.config.errors import ConfigError

USAGE = "usage: python -m llmops_landing_zone.components.bootstrap validate bootstrap/Pulumi.<cloud>.yaml"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "validate":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        cfg = load_bootstrap_file(Path(argv[1]))
    except ConfigError as exc:
        print("\n".join(exc.lines), file=sys.stderr)
        return 2
    print(f"{argv[1]}: valid {cfg.cloud} bootstrap '{cfg.name}' in {cfg.region} for {cfg.repository}, "
          f"environments {', '.join(cfg.environments)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
