"""Kubernetes support calendars per cloud: which minors each cloud creates, and until when it supports them.

Data: ``data/kubernetes-<cloud>-<YYYY-MM-DD>.csv``, one row per minor, each with its source and as-of date;
the newest file per cloud wins (like the price catalog). Columns:

- ``released``: the date the cloud made the minor generally available (GKE: in the Regular channel);
- ``end_of_standard``: the last day of standard support (EKS standard, GKE standard, AKS community support);
- ``end_of_extended``: the last day of paid extended support (EKS extended support, GKE's Extended channel,
  AKS Long-Term Support on the Premium tier); empty where the cloud offers none for that minor;
- ``channels``: GKE only, the release channels that offer the minor for new clusters (space-separated).

"Today" is injectable: ``today()`` reads ``LLZ_TODAY`` (ISO date) so that tests, and a user asking "will this
stack still be creatable on that date", get the same answers on every day.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import cache

from llmops_landing_zone.components.catalog import CLOUDS, DATA_DIR, _rows, dated_file, file_date

TODAY_ENV = "LLZ_TODAY"
WARN_DAYS = 60  # a warning this many days before support (standard, or the opted-in extended) ends
STALE_DAYS = 90  # a calendar older than this is itself reported: clouds publish new minors every ~4 months
SERVICE = {"aws": "EKS", "gcp": "GKE", "azure": "AKS"}
# What each cloud calls its paid support beyond standard support.
EXTENDED_NAME = {"aws": "EKS extended support", "gcp": "the GKE Extended channel",
                 "azure": "AKS Long-Term Support (Premium tier)"}
GKE_CHANNELS = ("RAPID", "REGULAR", "STABLE", "EXTENDED")


def today() -> date:
    """The date support is judged on: ``$LLZ_TODAY`` when set (YYYY-MM-DD), else the machine's date."""
    raw = os.environ.get(TODAY_ENV)
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={raw!r} is not a date (YYYY-MM-DD)") from None


class Phase(str, Enum):
    PREVIEW = "not yet available"
    STANDARD = "standard support"
    EXTENDED = "extended support only"
    ENDED = "out of support"


@dataclass(frozen=True)
class MinorSupport:
    cloud: str
    minor: str
    released: date
    end_of_standard: date
    end_of_extended: date | None
    channels: tuple[str, ...]
    as_of: str
    source: str

    @property
    def end_of_support(self) -> date:
        return self.end_of_extended or self.end_of_standard

    def phase(self, on: date) -> Phase:
        if on < self.released:
            return Phase.PREVIEW
        if on <= self.end_of_standard:
            return Phase.STANDARD
        if on <= self.end_of_support:
            return Phase.EXTENDED
        return Phase.ENDED

    def creatable(self, on: date) -> bool:
        return self.phase(on) in (Phase.STANDARD, Phase.EXTENDED)

    def describe(self) -> str:
        ext = f", extended to {self.end_of_extended}" if self.end_of_extended else ", no extended support"
        return f"{self.minor} (standard to {self.end_of_standard}{ext})"


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def minor_key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


@cache
def calendar(cloud: str) -> dict[str, MinorSupport]:
    """Every minor of a cloud's newest calendar file, oldest first."""
    rows = _rows(dated_file("kubernetes", cloud))
    found = {
        r["minor"]: MinorSupport(cloud, r["minor"], date.fromisoformat(r["released"]),
                                 date.fromisoformat(r["end_of_standard"]), _date(r["end_of_extended"]),
                                 tuple(r["channels"].split()), r["as_of"], r["source"])
        for r in rows
    }
    return dict(sorted(found.items(), key=lambda kv: minor_key(kv[0])))


def as_of(cloud: str) -> date:
    """The date the newest calendar file of a cloud was recorded (the date in its name)."""
    return file_date(dated_file("kubernetes", cloud))


def creatable(cloud: str, on: date, channel: str | None = None) -> list[MinorSupport]:
    """Minors a new cluster can use on ``on`` (for GKE, in ``channel`` when given)."""
    return [s for s in calendar(cloud).values()
            if s.creatable(on) and (channel is None or channel in s.channels)]


def describe_creatable(cloud: str, on: date, channel: str | None = None) -> str:
    """What a new cluster can use on ``on``, standard support first: ``1.35 (to 2027-03-27), ...``. A GKE
    channel other than EXTENDED offers versions in standard support only."""
    rows = creatable(cloud, on, channel)
    standard = [s for s in rows if s.phase(on) is Phase.STANDARD]
    extended = [s for s in rows if s.phase(on) is Phase.EXTENDED and channel in (None, "EXTENDED")]
    parts = []
    if standard:
        parts.append("in standard support " + ", ".join(f"{s.minor} (to {s.end_of_standard})" for s in standard))
    if extended:
        parts.append("in extended support only " + ", ".join(f"{s.minor} (to {s.end_of_support})"
                                                            for s in extended))
    return "; ".join(parts) or "none recorded; refresh the calendar"


def ending_soon(end: date, on: date) -> bool:
    return on <= end < on + timedelta(days=WARN_DAYS + 1)


def clear_cache() -> None:
    calendar.cache_clear()


__all__ = [
    "CLOUDS",
    "DATA_DIR",
    "EXTENDED_NAME",
    "GKE_CHANNELS",
    "SERVICE",
    "STALE_DAYS",
    "TODAY_ENV",
    "WARN_DAYS",
    "MinorSupport",
    "Phase",
    "as_of",
    "calendar",
    "creatable",
    "describe_creatable",
    "ending_soon",
    "minor_key",
    "today",
]
