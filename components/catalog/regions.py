"""Regions are data: the regions of each cloud, and which region offers which shape at what price.

- ``regions-<cloud>-<date>.csv``: every region of the cloud (name, location, geography, approximate coordinates
  of its metro area, used to list the *nearest* regions that offer a shape), newest file per cloud wins.
- ``offers-<cloud>-<date>.csv``: one row per (service, shape, region) the cloud offers: the zones where it
  matters (GCP accelerators are zonal), the on-demand and Spot USD per hour, a ``confidence`` and the source.
  An empty price means "offered, no sourced price": the estimate says so and never borrows another region's.

``confidence``: ``listed`` (read from the provider's price list or API, as ``llz prices refresh`` writes),
``recalled`` (the provider's public page as remembered, not re-read offline), ``derived`` (another region's
price times a stated factor: an approximation, flagged in the estimate), ``reference`` (the price lives in the
``shapes-<cloud>`` file, whose rows are the reference region's).

The reference region of a cloud is the region of its shapes file: every shape there is offered there at that
price, with or without an offers row.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from llmops_landing_zone.components import catalog

SYSTEM = "system"  # the offers service of the system (non-GPU) node shape
APPROXIMATE = ("derived",)  # confidences the estimate flags as approximations, not list prices


@dataclass(frozen=True)
class Region:
    cloud: str
    name: str
    location: str
    geography: str
    lat: float
    lon: float
    as_of: str
    source: str


@dataclass(frozen=True)
class Offer:
    """A shape offered in a region; ``usd_per_hour`` None: offered, but no sourced price."""

    cloud: str
    service: str
    name: str
    region: str
    zones: tuple[str, ...]
    usd_per_hour: float | None
    spot_usd_per_hour: float | None
    confidence: str
    as_of: str
    source: str

    @property
    def approximate(self) -> bool:
        return self.confidence in APPROXIMATE


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def regions(cloud: str) -> dict[str, Region]:
    rows = catalog.read_rows(catalog.dated_file("regions", cloud))
    return {r["region"]: Region(cloud, r["region"], r["location"], r["geography"], float(r["lat"]), float(r["lon"]),
                                r["as_of"], r["source"]) for r in rows}


def reference_region(cloud: str) -> str:
    """The region the shapes file prices (us-east-1, us-central1, eastus)."""
    return catalog.shapes(cloud)[0].region


def _reference_offer(cloud: str, service: str, name: str) -> Offer | None:
    if service == SYSTEM:
        node = catalog.system_nodes().get(cloud)
        if node is None or node.name != name:
            return None
        return Offer(cloud, service, name, node.region, (), node.usd_per_hour, None, "reference", node.as_of,
                     node.source)
    shape = catalog.shape_named(cloud, name, service)
    if shape is None:
        return None
    return Offer(cloud, service, name, shape.region, (), shape.usd_per_hour, None, "reference", shape.as_of,
                 shape.source)


@cache
def offers(cloud: str) -> dict[tuple[str, str, str], Offer]:
    """(service, shape, region) -> Offer: the offers file, with the reference region's prices filled from the
    shapes file (and every reference shape offered there)."""
    found: dict[tuple[str, str, str], Offer] = {}
    for r in catalog.read_rows(catalog.dated_file("offers", cloud)):
        zones = tuple(z for z in r["zones"].split(";") if z)
        found[(r["service"], r["name"], r["region"])] = Offer(
            cloud, r["service"], r["name"], r["region"], zones, _float(r["usd_per_hour"]),
            _float(r["spot_usd_per_hour"]), r["confidence"], r["as_of"], r["source"])
    services = [*catalog.services(cloud), SYSTEM]
    for service in services:
        names = ([catalog.system_nodes()[cloud].name] if service == SYSTEM and cloud in catalog.system_nodes()
                 else [s.name for s in catalog.shapes(cloud, service)] if service != SYSTEM else [])
        for name in names:
            ref = _reference_offer(cloud, service, name)
            if ref is None:
                continue
            key = (service, name, ref.region)
            row = found.get(key)
            if row is None or row.usd_per_hour is None:  # the shapes file holds the reference price
                found[key] = Offer(cloud, service, name, ref.region, row.zones if row else (), ref.usd_per_hour,
                                   row.spot_usd_per_hour if row else None, "reference", ref.as_of, ref.source)
    return found


def offer(cloud: str, name: str, region: str, service: str = "compute") -> Offer | None:
    """The offer of shape ``name`` in ``region``, or None when the region does not offer it (as far as the
    catalog knows)."""
    return offers(cloud).get((service, name, region))


def offering(cloud: str, name: str, service: str = "compute") -> list[str]:
    """Regions that offer shape ``name``."""
    return sorted(r for (s, n, r) in offers(cloud) if s == service and n == name)


def distance_km(a: Region, b: Region) -> float:
    """Great-circle distance between two regions' metro areas (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def nearest(cloud: str, region: str, candidates: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``candidates``, nearest to ``region`` first (candidates without coordinates last)."""
    known = regions(cloud)
    here = known.get(region)
    if here is None:
        return sorted(candidates)[:n]
    far = float("inf")
    return sorted(candidates, key=lambda c: (distance_km(here, known[c]) if c in known else far, c))[:n]


def similar_names(cloud: str, region: str, n: int = 3) -> list[str]:
    """Region names spelled like ``region`` (for an unknown region)."""
    return difflib.get_close_matches(region, sorted(regions(cloud)), n=n, cutoff=0.6)


def offered_in(region: str | None, candidates: list[catalog.GpuShape]) -> list[catalog.GpuShape]:
    """The shapes ``region`` offers (all of them for None, or for a region the catalog does not know)."""
    if not region or (candidates and region not in regions(candidates[0].cloud)):
        return list(candidates)
    return [s for s in candidates if offer(s.cloud, s.name, region, s.service) is not None]


def regional_usd(region: str | None) -> Callable[[catalog.GpuShape], float]:
    """Sort key: a shape's on-demand price in ``region`` where sourced, else its reference price."""
    def key(s: catalog.GpuShape) -> float:
        o = offer(s.cloud, s.name, region, s.service) if region else None
        return o.usd_per_hour if o is not None and o.usd_per_hour is not None else s.usd_per_hour
    return key


def shape_for(cloud: str, gpu: str, gpus: int, region: str | None, service: str = "compute") -> catalog.GpuShape | None:
    """Cheapest shape with exactly ``gpus`` x ``gpu`` that ``region`` offers (``catalog.shape_for`` if None)."""
    fits = offered_in(region, [s for s in catalog.shapes(cloud, service) if s.gpu == gpu and s.gpus == gpus])
    return min(fits, key=regional_usd(region)) if fits else None


def clear_caches() -> None:
    regions.cache_clear()
    offers.cache_clear()


catalog.CACHE_CLEARERS.append(clear_caches)
