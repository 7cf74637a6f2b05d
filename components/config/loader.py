"""Load and validate the zone config from a stack YAML file (llz) or from Pulumi config (pulumi up)."""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Mapping, Sized
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from components.catalog import kubernetes as k8s_calendar
from components.config import limits
from components.config.checks import REGION_KEY, cross_checks
from components.config.errors import NAMESPACE, ConfigError, key_path, loc_path
from components.config.limits import count_message
from components.config.models import (
    EMAIL_PATTERN,
    GCP_PROJECT_PATTERN,
    KEY_PATTERN,
    ZONE_NAME_PATTERN,
    ZoneConfig,
)
from components.config.versions import version_warnings

PROVIDER_KEYS = ("aws:region", "gcp:region", "gcp:project", "azure-native:location")


Issue = tuple[str, str]

# Provider keys: the shape of a name, not its existence (whether a region exists is another check).
PROVIDER_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "aws:region": (re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d"),
                   "an AWS region name (e.g. us-east-1, eu-west-2, us-gov-west-1)"),
    "gcp:region": (re.compile(r"[a-z]+-[a-z]+\d"), "a GCP region name (e.g. us-central1, europe-west4)"),
    "gcp:project": (re.compile(GCP_PROJECT_PATTERN.strip("^$")),
                    "a GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter)"),
    "azure-native:location": (re.compile(r"[a-z0-9]+"), "an Azure location name (e.g. eastus, westeurope)"),
}


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, cut short: hostile values must not flood the output."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def provider_issues(provider: Mapping[str, Any]) -> list[Issue]:
    issues = []
    for key, (pattern, what) in PROVIDER_FORMATS.items():
        value = provider.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            issues.append((f"@{key}", f"must be a string, got {_kind(value)} {shown(value)}"))
        elif not pattern.fullmatch(value):
            issues.append((f"@{key}", f"{shown(value)} is not {what}"))
    return issues


def parse_zone(raw: Any, provider: Mapping[str, Any] | None = None, source: str = "",
               on: date | None = None, versions: bool = True, base_dir: Path | None = None) -> ZoneConfig:
    """Validate a raw ``llmops:zone`` value; raise ConfigError with every issue, never anything else.
    ``on``: the date support calendars are read on (default: ``catalog.kubernetes.today()``);
    ``versions=False`` skips the support-calendar check (``llz versions`` reports it instead);
    ``base_dir``: the directory of the stack file, which ``policy.baseline`` is relative to (None: not checked)."""
    provider = provider or {}
    if not isinstance(raw, Mapping):
        raise ConfigError([("", f"must be a mapping, got {_kind(raw)}")], source)
    issues = provider_issues(provider)
    bad_keys = {path for path, _ in issues}
    data = dict(raw)
    cloud = data.get("cloud")
    if isinstance(cloud, str) and cloud in REGION_KEY:
        if isinstance(data.get("region"), str):  # set in the zone itself rather than by the provider key
            pattern, what = PROVIDER_FORMATS[REGION_KEY[cloud]]
            if not pattern.fullmatch(data["region"]):
                issues.append(("region", f"{shown(data['region'])} is not {what}"))
        if f"@{REGION_KEY[cloud]}" not in bad_keys:
            data.setdefault("region", provider.get(REGION_KEY[cloud]))
        if cloud == "gcp" and "@gcp:project" not in bad_keys:
            data.setdefault("project", provider.get("gcp:project"))
    try:
        cfg = ZoneConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_unique(issues + validation_issues(exc)), source) from None
    try:
        when = on or k8s_calendar.today()
    except ValueError as exc:  # a malformed LLZ_TODAY
        raise ConfigError([("", str(exc))], source) from None
    issues += [(p, m) for p, m in cross_checks(cfg, when, versions) if p not in bad_keys]
    issues += policy_issues(cfg, base_dir)
    if issues:
        raise ConfigError(_unique(issues), source)
    return cfg


def _unique(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "null"}.get(type(value), type(value).__name__)


# --- pydantic errors -> key path and a message that says what to write ------------------------------------

def validation_issues(exc: ValidationError) -> list[Issue]:
    errors = exc.errors()
    paths = [loc_path(e["loc"]) for e in errors]
    issues = []
    for error, path in zip(errors, paths, strict=True):
        # a mapping given for `str | Model` (endpoints.*.model): the model member's errors say what is wrong
        if error["type"] == "string_type" and isinstance(error.get("input"), Mapping) and \
                sum(p == path or p.startswith(path + ".") for p in paths) > 1:
            continue
        issues.append((path, friendly_message(error)))
    return issues


_PATTERN_HINTS = {
    KEY_PATTERN: "must be a lowercase DNS label (a-z, 0-9 and -, starting with a letter) of at most 16 characters",
    ZONE_NAME_PATTERN: "must be a lowercase DNS label (a-z, 0-9 and -, starting with a letter) of 3-12 characters",
    EMAIL_PATTERN: "is not a valid email address",
    GCP_PROJECT_PATTERN: "is not a GCP project id (6-30 lowercase letters, digits and hyphens, starting with a letter)",
}
_NUMBER_TYPES = {"int_type": "a whole number", "float_type": "a number", "int_parsing": "a whole number",
                 "float_parsing": "a number", "int_from_float": "a whole number"}
_MAPPING_TYPES = ("model_type", "model_attributes_type", "dict_type")


def friendly_message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, with regexes replaced by what they mean, map keys called keys, unknown keys matched to
    the closest valid one and no model class names."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx") or {}
    value = error.get("input")
    msg = _PATTERN_HINTS.get(ctx.get("pattern", ""), error["msg"])
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        msg = "unknown key" + _suggestion(str(last), _keys_at(loc[:-1]))
    elif kind in _NUMBER_TYPES and isinstance(value, bool):
        msg = f"expected {_NUMBER_TYPES[kind]}, got {str(value).lower()}"
    elif kind in _NUMBER_TYPES and isinstance(value, str):
        msg = f"expected {_NUMBER_TYPES[kind]}, got the string {shown(value)}"
    elif kind in _NUMBER_TYPES:
        msg = f"expected {_NUMBER_TYPES[kind]}, got {_kind(value)}"
    elif kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        msg = f"expected a string, got the number {value!r}; quote it"
        if last == "kubernetesVersion":
            msg = (f'expected a quoted version, got the number {value!r}: YAML reads an unquoted 1.30 as 1.3; '
                   f'write kubernetesVersion: "1.35" (with quotes)')
    elif kind in _MAPPING_TYPES:
        msg = f"must be a mapping, got {_kind(value)}"
    elif kind == "too_long" and (count := count_message(str(last), len(value) if isinstance(value, Sized) else None)):
        msg = count
    msg = re.sub(r"(dictionary|mapping) or instance of \w+", "mapping", msg).removeprefix("Value error, ")
    return f"the key {msg}" if loc and loc[-1] == "[key]" else msg


def _suggestion(word: str, valid: list[str]) -> str:
    if not valid:
        return ""
    lowered = {v.lower(): v for v in valid}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {lowered[close[0]]}?"
    return f" (valid keys: {', '.join(valid)})"


def _keys_at(loc: tuple) -> list[str]:
    """The camelCase keys of the model at ``loc`` (empty when ``loc`` does not lead to a model)."""
    tp: Any = ZoneConfig
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _strip(tp: Any) -> Any:
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp):
            rest = [a for a in get_args(tp) if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007 - built at runtime
        else:
            return tp


def _step(tp: Any, part: Any) -> Any:
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, f in tp.model_fields.items():
            if part in (f.alias, name):
                return f.annotation
        return None
    origin, args = get_origin(tp), get_args(tp)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    if origin in (Union, types.UnionType):  # pydantic tags union members with their class names
        return next((a for a in args if getattr(_strip(a), "__name__", None) == part), None)
    return None


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


# --- policy settings: the baseline file ---------------------------------------------------------------------

def policy_issues(cfg: ZoneConfig, base_dir: Path | None = None) -> list[Issue]:
    """Given the stack file's directory, a ``policy.baseline`` that is not a baseline file as ``llz policy
    baseline`` writes it. (Policy names are checked by the pack itself: policies/config_checks.py.)"""
    issues: list[Issue] = []
    if cfg.policy.baseline and base_dir is not None and (
            problem := baseline_problem(Path(cfg.policy.baseline), base_dir)):
        issues.append(("policy.baseline", problem))
    return issues


BASELINE_FORMAT = 'a JSON list of {"policy": ..., "urn": ...} objects, as `llz policy baseline` writes'


def baseline_problem(name: Path, base_dir: Path) -> str | None:
    """Why ``name`` (relative to the stack file's directory) is not a baseline file; None when it is one."""
    path = name if name.is_absolute() else base_dir / name
    try:
        if path.is_dir():
            return f"{path} is a directory, not a baseline file ({BASELINE_FORMAT})"
        with path.open("rb") as fh:
            data = fh.read(limits.MAX_BASELINE_BYTES + 1)
    except FileNotFoundError:
        return f"baseline file {path} not found"
    except (OSError, ValueError) as exc:
        return f"cannot read baseline file {path}: {getattr(exc, 'strerror', None) or exc}"
    if len(data) > limits.MAX_BASELINE_BYTES:
        return f"baseline file {path} is larger than {limits.MAX_BASELINE_BYTES // 1024 // 1024} MiB"
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"{path} is not a baseline file: not JSON; expected {BASELINE_FORMAT}"
    if not isinstance(doc, list) or not all(
            isinstance(e, dict) and isinstance(e.get("policy"), str) and isinstance(e.get("urn"), str) for e in doc):
        return f"{path} is not a baseline file: expected {BASELINE_FORMAT}"
    return None


def warnings(cfg: ZoneConfig, on: date | None = None) -> list[str]:
    """Findings that do not stop the stack (support ending soon), as ``key path: message`` lines."""
    return [f"{key_path(p)}: {m}" for p, m in version_warnings(cfg, on or k8s_calendar.today())]


def load_stack_file(path: Path, versions: bool = True) -> ZoneConfig:
    config = read_stack_file(path)
    if NAMESPACE not in config:
        raise ConfigError([("", f"missing; add '{NAMESPACE}:' under config:")], str(path))
    return parse_zone(config[NAMESPACE], config, str(path), versions=versions, base_dir=path.parent)


def load_from_pulumi() -> ZoneConfig:
    """Inside a Pulumi program: read ``llmops:zone`` and the provider keys; a bad config stops the program
    with every issue listed (pulumi.RunError prints no traceback) before any resource is registered."""
    import pulumi

    raw = pulumi.Config("llmops").get_object("zone")
    provider = {}
    for key in PROVIDER_KEYS:
        ns, name = key.split(":")
        if (value := pulumi.Config(ns).get(name)) is not None:
            provider[key] = value
    try:
        cfg = parse_zone(raw if raw is not None else {}, provider, "pulumi config")
    except ConfigError as exc:
        raise pulumi.RunError("invalid stack config:\n" + "\n".join(exc.lines)) from None
    for line in warnings(cfg):
        pulumi.log.warn(line)
    return cfg


def pulumi_config_values(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file config as the Pulumi engine passes it to a program: objects as JSON strings."""
    return {str(k): v if isinstance(v, str) else json.dumps(v, default=str) for k, v in config.items()}
