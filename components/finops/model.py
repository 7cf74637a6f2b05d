"""The cost model: priced items, the estimate, the pricing context and the helpers every cloud's rules share.

Monthly cost of a recorded plan at minimum and maximum scale, and the diff between two plans.

Every custom resource of the plan gets one ``CostItem``: priced from its type and inputs (instance types,
node-group scaling, replica counts, OCU/ACU ranges, retention...) with the dated catalog's unit prices, or
"free" (basis "no charge: ...") when the cloud does not bill the resource itself, or *not priced* (``priced``
False, listed in ``unpriced`` with the reason) when the catalog has no price for it. Nothing unknown is ever
silently zero. Usage-billed resources (logs, buckets, NAT data) are priced with the stated usage assumptions of
``components/catalog/data/usage-assumptions.csv``. A month is 730 hours.

Prices are those of each cloud's reference region in the catalog (us-east-1, us-central1, eastus).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from components import catalog
from components.catalog import kubernetes as k8s_calendar
from components.plan import Plan, PlannedResource

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24


@dataclass(frozen=True)
class CostItem:
    urn: str
    type: str
    name: str
    monthly_min_usd: float
    monthly_max_usd: float
    basis: str
    priced: bool

    @property
    def identity(self) -> str:
        return identity(self.urn)

    @property
    def free(self) -> bool:
        return self.priced and self.basis.startswith("no charge")


@dataclass
class CostEstimate:
    stack: str
    cloud: str
    environment: str
    items: list[CostItem]
    reference_region: str = ""
    monthly_min_usd: float = field(init=False)
    monthly_max_usd: float = field(init=False)

    def __post_init__(self) -> None:
        self.monthly_min_usd = round(sum(i.monthly_min_usd for i in self.items if i.priced), 2)
        self.monthly_max_usd = round(sum(i.monthly_max_usd for i in self.items if i.priced), 2)

    @property
    def unpriced(self) -> list[CostItem]:
        return [i for i in self.items if not i.priced]

    @property
    def billed(self) -> list[CostItem]:
        """Priced items that cost something (free ones left out)."""
        return [i for i in self.items if i.priced and not i.free]


def identity(urn: str) -> str:
    """A resource's identity across stacks: its URN without ``urn:pulumi:<stack>::`` (type chain + name stay)."""
    return re.sub(r"^urn:pulumi:[^:]*::", "", urn)


# --- pricing context ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    min: float
    max: float
    basis: str


@dataclass(frozen=True)
class Unpriced:
    reason: str


Result = Price | Unpriced
Rule = Callable[[PlannedResource, "Ctx"], Result]


def free(why: str) -> Price:
    return Price(0.0, 0.0, f"no charge: {why}")


class Ctx:
    """What a rule may look at: the plan (for related resources) and the cloud's catalog."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cloud = plan.cloud
        self.on = k8s_calendar.today()  # the day support phases (extended-support fees) are judged on
        self._by_urn = {r.urn: r for r in plan.resources}

    def unit(self, key: str) -> float:
        return catalog.item(self.cloud, key).usd

    def hourly(self, key: str, count: float = 1.0) -> float:
        return self.unit(key) * HOURS_PER_MONTH * count

    def usage(self, key: str) -> catalog.UsageAssumption:
        return catalog.usage(key)

    def dependencies(self, r: PlannedResource, type_: str) -> list[PlannedResource]:
        return [d for u in r.dependencies if (d := self._by_urn.get(u)) is not None and d.type == type_]

    def of_type(self, type_: str) -> list[PlannedResource]:
        return self.plan.of_type(type_)

    def referencing(self, r: PlannedResource, type_: str) -> list[PlannedResource]:
        """Resources of ``type_`` that depend on ``r``."""
        return [x for x in self.plan.of_type(type_) if r.urn in x.dependencies]

    def spot(self, spot: bool) -> tuple[float, str]:
        if not spot:
            return 1.0, "on-demand"
        d = catalog.spot_discount(self.cloud)
        return 1.0 - d, f"Spot at an assumed {d:.0%} discount"


def get_path(d: Any, *path: str | int, default: Any = None) -> Any:
    for p in path:
        if isinstance(d, dict) and isinstance(p, str):
            d = d.get(p)
        elif isinstance(d, list) and isinstance(p, int) and -len(d) <= p < len(d):
            d = d[p]
        else:
            return default
        if d is None:
            return default
    return d


def num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def usd(x: float) -> str:
    """Money with cents, unit prices below $1 with up to four decimals ($0.045, $0.0112)."""
    return f"${x:,.2f}" if x >= 1 or round(x, 2) == x else f"${x:.4f}".rstrip("0")


def per_node(shape_price: float, factor: float, disk_gb: float, disk_price: float) -> float:
    return shape_price * factor * HOURS_PER_MONTH + disk_gb * disk_price


def nodes_price(r: PlannedResource, ctx: Ctx, instance: str | None, low: float, high: float, spot: bool,
           disk_gb: float, what: str) -> Result:
    """Nodes of one instance type between ``low`` and ``high``: instance hours (Spot-discounted) + disks."""
    if not instance or instance == "<computed>":
        return Unpriced(f"{what}: instance type unknown at plan time")
    shape = catalog.shape_named(ctx.cloud, instance) or catalog.system_shape(ctx.cloud, instance)
    if shape is None:
        return Unpriced(f"{what}: instance type '{instance}' is not in the {ctx.cloud} catalog")
    factor, cap = ctx.spot(spot)
    disk = ctx.unit("disk-gb-month")
    each = per_node(shape.usd_per_hour, factor, disk_gb, disk)
    basis = (f"{what}: {low:g}-{high:g} x {instance} at {usd(shape.usd_per_hour)}/h {cap}"
             f" + {disk_gb:g} GB disk at {usd(disk)}/GB-month each")
    return Price(low * each, high * each, basis)


def usage_priced(ctx: Ctx, usage_key: str, unit_key: str, what: str) -> Price:
    u = ctx.usage(usage_key)
    price = ctx.unit(unit_key)
    return Price(u.min * price, u.max * price,
                 f"{what}: {u.min:g}-{u.max:g} {u.unit} (usage assumption) x {usd(ctx.unit(unit_key))}")


def logs_price(ctx: Ctx, retention_days: float | None, included_days: float, what: str) -> Price:
    """Log ingestion per month plus the steady-state stored volume beyond the included retention."""
    u = ctx.usage("log-gb-month")
    ingest, store = ctx.unit("log-ingest-gb"), ctx.unit("log-storage-gb-month")
    days = retention_days if retention_days and retention_days > 0 else 365.0
    stored_months = max(0.0, days - included_days) / DAYS_PER_MONTH
    per_gb = ingest + stored_months * store
    kept = f"{days:g} days retention" + ("" if retention_days else " (never expires: 1 year assumed)")
    return Price(u.min * per_gb, u.max * per_gb,
                 f"{what}: {u.min:g}-{u.max:g} GB/month (usage assumption) x ({usd(ingest)}/GB ingested + "
                 f"{stored_months:.1f} months stored at {usd(store)}/GB-month; {kept})")


# --- rules every cloud uses ---------------------------------------------------------------------------------


def cluster_fee(ctx: Ctx, version: Any, extended: bool, what: str) -> Price:
    """The management fee of a cluster, at the extended-support rate while an opted-in minor is past its
    standard support (EKS extended support, GKE Extended channel); AKS LTS is priced by its Premium tier."""
    row = k8s_calendar.calendar(ctx.cloud).get(str(version))
    key, note = "cluster-hour", ""
    if extended and row is not None:
        if row.phase(ctx.on) is k8s_calendar.Phase.EXTENDED:
            key, note = "cluster-hour-extended", f" (Kubernetes {version} is in extended support until {row.end_of_support})"
        else:
            later = ctx.unit("cluster-hour-extended")
            note = f" ({usd(later)}/h from {row.end_of_standard}, when {version} leaves standard support)"
    monthly = ctx.hourly(key)
    return Price(monthly, monthly, f"{what} {usd(ctx.unit(key))}/h x {HOURS_PER_MONTH} h{note}")

def nat_gateway(r: PlannedResource, ctx: Ctx) -> Result:
    hours = ctx.hourly("nat-gateway-hour")
    u = ctx.usage("nat-gb-month")
    gb = ctx.unit("nat-gateway-gb")
    return Price(hours + u.min * gb, hours + u.max * gb,
                 f"NAT gateway {usd(ctx.unit('nat-gateway-hour'))}/h x {HOURS_PER_MONTH} h + {u.min:g}-{u.max:g} "
                 f"GB/month processed (usage assumption) at {usd(gb)}/GB")

def public_ip(r: PlannedResource, ctx: Ctx) -> Result:
    return Price(ctx.hourly("public-ip-hour"), ctx.hourly("public-ip-hour"),
                 f"public IPv4 address {usd(ctx.unit('public-ip-hour'))}/h x {HOURS_PER_MONTH} h")

def endpoint_enis(r: PlannedResource, ctx: Ctx, what: str) -> Result:
    azs = len(r.inputs.get("subnetIds") or []) or 1
    cost = ctx.hourly("private-endpoint-hour", azs)
    return Price(cost, cost, f"{what}: {azs} AZ(s) x {usd(ctx.unit('private-endpoint-hour'))}/h x "
                 f"{HOURS_PER_MONTH} h (data processed not estimated)")

def object_store(what: str) -> Rule:
    return lambda r, ctx: usage_priced(ctx, "object-gb", "object-storage-gb-month", what)

def no_charge(why: str) -> Rule:
    return lambda r, ctx: free(why)

def fixed(key: str, what: str) -> Rule:
    return lambda r, ctx: Price(ctx.unit(key), ctx.unit(key), f"{what} {usd(ctx.unit(key))}/month")
