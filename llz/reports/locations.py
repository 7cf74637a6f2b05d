"""Where in a stack file a finding comes from: the config key that produced the resource.

Resource names embed the config map key they come from (``<zone>-<key>-<purpose>``, DESIGN.md), so a
resource named ``acme-llm-l4-serving`` belongs to ``gpuPools.l4-serving``. Failing that, the rule's own
config key (``cluster.publicEndpoint``, ``budget``...) or its closest existing parent is used, and finally the
``llmops:zone`` key itself. Lines come from the YAML node tree, so comments and flow style do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

NAMESPACE = "llmops:zone"
KEYED_SECTIONS = ("gpuPools", "endpoints", "vectorStores", "teams")


@dataclass(frozen=True)
class Location:
    key: str  # config key path under llmops:zone ("" for the zone itself)
    line: int  # 1-based

    @property
    def label(self) -> str:
        return f"{NAMESPACE}.{self.key}" if self.key else NAMESPACE


def _index(node: yaml.Node, prefix: tuple[str, ...], out: dict[tuple[str, ...], int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                path = (*prefix, str(key_node.value))
                out[path] = key_node.start_mark.line + 1
                _index(value_node, path, out)


@lru_cache(maxsize=64)
def key_lines(path: str) -> dict[tuple[str, ...], int]:
    """Every mapping key of the stack file (paths start at the top: ("config", "llmops:zone", ...))."""
    try:
        root = yaml.compose(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return {}
    out: dict[tuple[str, ...], int] = {}
    if root is not None:
        _index(root, (), out)
    return out


def _zone_keys(path: str) -> dict[tuple[str, ...], int]:
    base = ("config", NAMESPACE)
    return {k[len(base):]: v for k, v in key_lines(path).items() if k[:len(base)] == base}


def _owner_key(name: str, keys: dict[tuple[str, ...], int], preferred: str | None) -> tuple[str, str] | None:
    """(section, key) of the config map entry whose key appears, hyphen-delimited, in the resource name."""
    found = []
    for path in keys:
        if len(path) == 2 and path[0] in KEYED_SECTIONS and re.search(rf"(^|-){re.escape(path[1])}(-|$)", name):
            found.append((path[0] == preferred, len(path[1]), path[0], path[1]))
    if not found:
        return None
    _, _, section, key = max(found)
    return section, key


def locate(stack_file: str, resource: str, config_path: str | None) -> Location:
    keys = _zone_keys(stack_file)
    preferred = config_path.split(".")[0] if config_path else None
    if resource:
        owner = _owner_key(resource, keys, preferred)
        if owner is not None:
            return Location(".".join(owner), keys[owner])
    if config_path:
        parts = tuple(config_path.split("."))
        for n in range(len(parts), 0, -1):
            if parts[:n] in keys:
                return Location(".".join(parts[:n]), keys[parts[:n]])
    line = key_lines(stack_file).get(("config", NAMESPACE), 1)
    return Location("", line)
