"""Plain values for rules: resource properties with preview-time unknowns made explicit.

During ``pulumi preview`` CrossGuard wraps properties in ``pulumi_policy.proxy.unknown_checking_proxy``:
reading a value that is not known yet raises ``UnknownValueError``, and so do ``"k" in props`` and
``props.get("k")`` (``Mapping.__contains__`` calls ``__getitem__``). A raise aborts the whole policy for
that resource. Rules therefore never touch the proxy: ``plain()`` copies it once into dicts and lists with
the ``UNKNOWN`` sentinel in place of every unknown value (keys are listed with ``keys()``, which is safe),
and rules read that copy through ``get()``. The offline engine records unknowns as ``"<computed>"``;
they become ``UNKNOWN`` too, so both paths treat them the same way.

Rule convention: a value that is UNKNOWN is set to *something* the engine will compute (a key ARN, an
id); presence checks count it as present, equality checks skip it (no violation on a guess).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

OFFLINE_UNKNOWN = "<computed>"  # how llz.engine.jsonable records an unknown input
_SENTINELS = frozenset({UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                        UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE, OFFLINE_UNKNOWN})


class _Unknown:
    """A value the engine computes later. Truthy: it *is* set (presence checks pass); equality checks must
    test ``is_unknown`` first and skip, which the unknown-value tests enforce for every rule."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:  # noqa: PYI034 - a singleton, not a subclassable constructor
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
MISSING = object()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """A deep copy of ``value`` (a proxy, or plain data) as dicts/lists with UNKNOWN for unknown values."""
    if isinstance(value, str):
        return UNKNOWN if value in _SENTINELS else value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in list(value.keys()):
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        items: list[Any] = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def get(data: Any, path: str, default: Any = None) -> Any:
    """``get(props, "vpcConfig.endpointPublicAccess")``: the value, UNKNOWN when any step is unknown, or
    ``default`` when a step is missing or not a mapping. Integer steps index lists."""
    cur = data
    for step in path.split("."):
        if cur is UNKNOWN:
            return UNKNOWN
        if isinstance(cur, Mapping):
            if step not in cur:
                return default
            cur = cur[step]
        elif isinstance(cur, list) and step.isdigit():
            idx = int(step)
            if idx >= len(cur):
                return default
            cur = cur[idx]
        else:
            return default
    return default if cur is None else cur


def has(data: Any, path: str) -> bool:
    """The property is set (to a non-empty value or to something computed)."""
    value = get(data, path, MISSING)
    return value is UNKNOWN or (value is not MISSING and value not in ("", [], {}))


def is_true(value: Any) -> bool:
    """True, or the strings "true"/"True" some providers accept."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def listed(value: Any) -> list[Any]:
    """A list property as a list ([] when unset; a single UNKNOWN when the whole list is unknown)."""
    if value is UNKNOWN:
        return [UNKNOWN]
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def known(values: Iterable[Any]) -> list[Any]:
    return [v for v in values if v is not UNKNOWN]


def any_unknown(values: Iterable[Any]) -> bool:
    return any(v is UNKNOWN for v in values)


def json_doc(value: Any) -> Any:
    """A JSON policy document given as a string or as data; UNKNOWN if unknown, None if unreadable."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        try:
            return plain(json.loads(value))
        except ValueError:
            return None
    return value


def number(value: Any) -> float | None:
    """Numbers that providers pass as strings (AWS budget limitAmount) or numbers; None if not numeric."""
    if isinstance(value, bool) or value is UNKNOWN or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- predicates rules use: each is False for UNKNOWN, so a value computed at deploy time never violates ---------

def not_true(value: Any) -> bool:
    """Known and not true (unset counts as not true)."""
    return value is not UNKNOWN and not is_true(value)


def not_false(value: Any) -> bool:
    """Known and not explicitly false (unset counts: for settings whose provider default is on)."""
    return value is not UNKNOWN and not is_false(value)


def unset(value: Any) -> bool:
    """Known to be absent or empty."""
    return value is not UNKNOWN and value in (None, "", [], {})


def differs(value: Any, *allowed: Any) -> bool:
    """Known and not one of ``allowed`` (strings compared case-insensitively)."""
    if value is UNKNOWN:
        return False
    norm = value.lower() if isinstance(value, str) else value
    return all(norm != (a.lower() if isinstance(a, str) else a) for a in allowed)
