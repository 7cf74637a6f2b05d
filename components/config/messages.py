"""Messages of a bad stack config: pydantic errors turned into key paths and words that say what to write."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping, Sized
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from llmops_landing_zone.components.config.errors import loc_path
from llmops_landing_zone.components.config.limits import count_message
from llmops_landing_zone.components.config.models import (
    EMAIL_PATTERN,
    GCP_PROJECT_PATTERN,
    KEY_PATTERN,
    ZONE_NAME_PATTERN,
    ZoneConfig,
)

Issue = tuple[str, str]


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, cut short: hostile values must not flood the output."""
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def kind(value: Any) -> str:
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
    loc, etype, ctx = error["loc"], error["type"], error.get("ctx") or {}
    value = error.get("input")
    msg = _PATTERN_HINTS.get(ctx.get("pattern", ""), error["msg"])
    last = loc[-1] if loc else ""
    if etype == "extra_forbidden":
        msg = "unknown key" + _suggestion(str(last), _keys_at(loc[:-1]))
    elif etype in _NUMBER_TYPES and isinstance(value, bool):
        msg = f"expected {_NUMBER_TYPES[etype]}, got {str(value).lower()}"
    elif etype in _NUMBER_TYPES and isinstance(value, str):
        msg = f"expected {_NUMBER_TYPES[etype]}, got the string {shown(value)}"
    elif etype in _NUMBER_TYPES:
        msg = f"expected {_NUMBER_TYPES[etype]}, got {kind(value)}"
    elif etype == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        msg = f"expected a string, got the number {value!r}; quote it"
        if last == "kubernetesVersion":
            msg = (f'expected a quoted version, got the number {value!r}: YAML reads an unquoted 1.30 as 1.3; '
                   f'write kubernetesVersion: "1.35" (with quotes)')
    elif etype in _MAPPING_TYPES:
        msg = f"must be a mapping, got {kind(value)}"
    elif etype == "too_long" and (count := count_message(str(last), len(value) if isinstance(value, Sized) else None)):
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
