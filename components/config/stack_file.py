"""Reading a stack file: a SafeLoader that refuses duplicate keys, alias bombs, deep nesting and oversized files
(the caps are components/config/limits.py), so a hostile or careless file is an error with a line, never a hang."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from llmops_landing_zone.components.config import limits
from llmops_landing_zone.components.config.errors import NAMESPACE, ConfigError

Issue = tuple[str, str]


# --- reading a stack file -------------------------------------------------------------------------------------

class _Refused(Exception):
    """A file-level reason to stop loading (nesting, aliases), with the line it was found at."""

    def __init__(self, message: str, mark: Any = None) -> None:
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        super().__init__(message + where)


_STR_TAG = "tag:yaml.org,2002:str"


class StackLoader(yaml.SafeLoader):
    """SafeLoader refusing what a stack file never needs: duplicate keys (YAML keeps the last one silently),
    nesting deeper than ``MAX_DEPTH``, more than ``MAX_ALIASES`` aliases and more than ``MAX_VALUES`` values
    (which also bounds the time spent: the pure-Python parser stops there). Keys are checked as each mapping is
    built, with the path of the mapping, so that a duplicate names its key path and both lines."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.path: list[Any] = []  # key path of the node being built
        self.duplicates: list[tuple[list[Any], int, int]] = []  # (key path, first line, second line)
        self.aliases = 0
        self.values = 0  # nodes built, aliases not counted

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > limits.MAX_ALIASES:
                raise _Refused(f"more than {limits.MAX_ALIASES} YAML aliases (*name)", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        self.values += 1
        if self.values > limits.MAX_VALUES:
            raise _Refused(f"more than {limits.MAX_VALUES} values (keys, items and scalars); a stack file has a few "
                           "hundred", self.peek_event().start_mark)
        if parent is None:
            return self._compose_checked(parent, index)
        if isinstance(index, yaml.ScalarNode):
            self.path.append(index.value)
        elif isinstance(index, int):
            self.path.append(index)
        else:
            self.path.append("?")  # a mapping key being built
        try:
            if len(self.path) > limits.MAX_DEPTH:
                raise _Refused(f"nested deeper than {limits.MAX_DEPTH} levels", self.peek_event().start_mark)
            return self._compose_checked(parent, index)
        finally:
            self.path.pop()

    def _compose_checked(self, parent: Any, index: Any) -> Any:
        node = super().compose_node(parent, index)
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key, _value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                name = key.value if key.tag == _STR_TAG else self.construct_object(key)
                try:
                    first = seen.get(name)
                    seen.setdefault(name, key.start_mark.line + 1)
                except TypeError:  # unhashable: the constructor refuses it later
                    continue
                if first is not None:
                    self.duplicates.append(([*self.path, key.value], first, key.start_mark.line + 1))
        return node


def _expansion(root: yaml.Node) -> tuple[int, int, int]:
    """(values after expanding every alias, distinct values, depth after expanding); refuses recursive aliases.
    Shared nodes are visited once, so a billion laughs costs a hundred steps, not a billion."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, bool] = {}  # False: being visited (an ancestor), True: done
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        kids = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                else node.value if isinstance(node, yaml.SequenceNode) else [])
        if leaving:
            size[id(node)] = 1 + sum(size[id(k)] for k in kids)
            depth[id(node)] = 1 + max((depth[id(k)] for k in kids), default=0)
            state[id(node)] = True
            continue
        if id(node) in state:
            if not state[id(node)]:
                raise _Refused("a YAML alias refers to a value that contains it (a recursive alias)", node.start_mark)
            continue
        state[id(node)] = False
        stack.append((node, True))
        stack.extend((k, False) for k in kids if not state.get(id(k), False))
    return size[id(root)], len(size), depth[id(root)]


def load_yaml(text: str) -> tuple[Any, list[tuple[list[Any], int, int]]]:
    """Parse one YAML document with the caps of ``limits``; returns it and its duplicate keys."""
    loader = StackLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        if loader.aliases:
            expanded, distinct, depth = _expansion(node)
            if expanded - distinct > limits.MAX_ALIAS_EXPANSION:
                raise _Refused(f"YAML aliases expand to {expanded - distinct} values, more than the "
                               f"{limits.MAX_ALIAS_EXPANSION} allowed (an alias bomb?); write the values out")
            if depth > limits.MAX_DEPTH + 1:  # the root itself counts 1
                raise _Refused(f"YAML aliases nest the values deeper than {limits.MAX_DEPTH} levels")
        return loader.construct_document(node), loader.duplicates
    finally:
        loader.dispose()


def _duplicate_issue(parts: list[Any], first: int, second: int, where: str) -> Issue:
    message = f"duplicate key (lines {first} and {second}); YAML would silently keep only the last value"
    if len(parts) >= 3 and parts[:2] == ["config", NAMESPACE]:
        return ".".join(str(p) for p in parts[2:]), message
    if len(parts) == 2 and parts[0] == "config":
        return f"@{parts[1]}", message
    return where, f"duplicate key '{'.'.join(str(p) for p in parts)}' (lines {first} and {second})"


def read_stack_file(path: Path) -> dict[str, Any]:
    """The ``config:`` mapping of a Pulumi.<stack>.yaml file; a file that cannot be read or parsed, or that breaks
    the caps of ``limits``, raises ConfigError naming the file (or the key path of a duplicate key)."""
    where = f"@{path}"

    def refuse(message: str) -> ConfigError:
        return ConfigError([(where, message)], str(path))

    try:
        if path.is_dir():
            raise refuse("is a directory, not a stack file")
        with path.open("rb") as fh:
            data = fh.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise refuse("stack file not found") from None
    except (OSError, ValueError) as exc:
        raise refuse(f"cannot read the stack file: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise refuse(f"larger than {limits.MAX_FILE_BYTES // 1024} KiB; a stack file is a few KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        doc, duplicates = load_yaml(text)
    except _Refused as exc:
        raise refuse(str(exc)) from None
    except yaml.YAMLError as exc:
        raise refuse(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise refuse(f"nested deeper than {limits.MAX_DEPTH} levels") from None
    if duplicates:
        raise ConfigError([_duplicate_issue(*d, where) for d in sorted(duplicates, key=lambda d: d[1:])], str(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise refuse("expected a top-level 'config:' mapping")
    return doc["config"]
