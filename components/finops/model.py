"""The cost model: priced items, the estimate, the pricing context and the helpers every cloud's rules share.

Monthly cost of a recorded plan at minimum and maximum scale, and the diff between two plans.

Every custom resource of the plan gets one ``CostItem``: priced from its type and inputs (instance types,
node-group scaling, replica counts, OCU/ACU ranges, retention...) with the dated catalog's unit prices, or
"free" (basis "no charge: ...") when the cloud does not bill the resource itself, or *not priced* (``priced``
False, listed in ``unpriced`` with the reason) when the catalog has no price for it or the plan does not say
what will run on it. Nothing unknown is ever silently zero: totals cover priced items only and say so
(``complete``).

A GPU pool's minimum is never below what the minimum replicas of the GPU workloads scheduled on it need: the
Deployments of the plan that request ``nvidia.com/gpu`` and select the pool by its ``llmops.io/pool`` node
label, with the replica range of their HorizontalPodAutoscaler (or their fixed ``replicas``). Replica GPU
counts are powers of two dividing the node's GPU count, so replicas pack exactly: nodes needed =
ceil(sum of replicas x GPUs per replica / GPUs per node). Usage-billed resources (logs, buckets, NAT data) are priced with the stated usage assumptions of
``components/catalog/data/usage-assumptions.csv``. A month is 730 hours.

GPU and node shapes are priced in the plan's own region (``catalog.regions``: the offers file's row for the shape
and region). A shape the region does not offer, or offers without a sourced price, is *not priced* with that
reason: the reference region's price is never borrowed. A price the catalog derived from another region (its
``confidence`` says ``derived``) is used and flagged as an approximation. Other unit prices (cluster fee, NAT,
storage, logs...) are the reference region's (us-east-1, us-central1, eastus) and the estimate says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmops_landing_zone.components import catalog, tokens
from llmops_landing_zone.components.catalog import kubernetes as k8s_calendar
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.components.plan import Plan, PlannedResource

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
    approximate: bool = False  # priced with a derived (not listed) regional price

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
    reference_region: str = ""  # the region of the non-shape unit prices (cluster fee, NAT, storage...)
    region: str = ""  # the region GPU and node shapes are priced in (the plan's, else the reference region)
    monthly_min_usd: float = field(init=False)
    monthly_max_usd: float = field(init=False)

    def __post_init__(self) -> None:
        self.monthly_min_usd = round(sum(i.monthly_min_usd for i in self.items if i.priced), 2)
        self.monthly_max_usd = round(sum(i.monthly_max_usd for i in self.items if i.priced), 2)

    @property
    def unpriced(self) -> list[CostItem]:
        return [i for i in self.items if not i.priced]

    @property
    def complete(self) -> bool:
        """Every item priced: the totals are the whole cost, not a lower bound."""
        return not self.unpriced

    @property
    def approximate(self) -> list[CostItem]:
        """Items priced with a derived regional price (another region's price times a stated factor)."""
        return [i for i in self.items if i.priced and i.approximate]

    @property
    def region_note(self) -> str:
        """How the regions of the prices differ, for people ("" when everything is the reference region's)."""
        if self.region == self.reference_region:
            return ""
        return (f"GPU and node shapes at {self.region} prices; other unit prices (cluster fee, NAT, storage, logs) "
                f"at {self.reference_region} list prices, the catalog has no {self.region} rows for them")

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
    approximate: bool = False


@dataclass(frozen=True)
class ShapePrice:
    """A shape's hourly price in the priced region, and how to say where it comes from."""

    usd_per_hour: float
    spot_usd_per_hour: float | None
    where: str  # " in us-west-2" (+ " (derived: ...)" for an approximation)
    approximate: bool


@dataclass(frozen=True)
class Unpriced:
    reason: str


Result = Price | Unpriced
Rule = Callable[[PlannedResource, "Ctx"], Result]

POOL_LABEL = "llmops.io/pool"  # components.k8s.scheduling.POOL_LABEL (finops imports no SDK code)
GPU_RESOURCE = "nvidia.com/gpu"
HPA_TYPES = (tokens.K8S_HPA, tokens.K8S_HPA_V1)


@dataclass(frozen=True)
class PoolWorkload:
    """A GPU Deployment pinned to a pool: its replica range and the GPUs each replica requests."""

    name: str
    min_replicas: float
    max_replicas: float
    gpus: float


def free(why: str) -> Price:
    return Price(0.0, 0.0, f"no charge: {why}")


class Ctx:
    """What a rule may look at: the plan (for related resources) and the cloud's catalog."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cloud = plan.cloud
        self.on = k8s_calendar.today()  # the day support phases (extended-support fees) are judged on
        known = self.cloud in catalog.CLOUDS
        self.reference_region = regions.reference_region(self.cloud) if known else ""
        # A plan without a region (a plan JSON of an older release, CrossGuard's view) is priced in the reference
        # region, and each shape's basis says that the region was not known.
        self.region = plan.region or self.reference_region
        self.region_known = bool(plan.region)
        self._by_urn = {r.urn: r for r in plan.resources}
        self._workloads: dict[str, list[PoolWorkload]] | None = None

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

    def pool_workloads(self, pool: str) -> list[PoolWorkload]:
        """GPU Deployments whose pods select ``pool`` (``llmops.io/pool``), with their replica ranges."""
        if self._workloads is None:
            self._workloads = _pool_workloads(self.plan)
        return self._workloads.get(pool, [])

    def replica_floor(self, pool: str, gpus_per_node: int) -> tuple[int, str]:
        """Nodes the minimum replicas on ``pool`` need, and which replicas those are ("1 replica(s) of chat")."""
        loads = [w for w in self.pool_workloads(pool) if w.min_replicas > 0]
        if not loads or gpus_per_node <= 0:
            return 0, ""
        gpus = sum(w.min_replicas * w.gpus for w in loads)
        return math.ceil(gpus / gpus_per_node), ", ".join(f"{w.min_replicas:g} replica(s) of {w.name}" for w in loads)

    def spot(self, spot: bool, shape: ShapePrice | None = None) -> tuple[float, str]:
        """Factor on the on-demand price and its caption: the region's Spot price where the catalog has one,
        else the cloud's assumed Spot discount."""
        if not spot:
            return 1.0, "on-demand"
        if shape is not None and shape.spot_usd_per_hour is not None and shape.usd_per_hour > 0:
            return shape.spot_usd_per_hour / shape.usd_per_hour, f"Spot at {usd(shape.spot_usd_per_hour)}/h"
        d = catalog.spot_discount(self.cloud)
        return 1.0 - d, f"Spot at an assumed {d:.0%} discount"

    def shape_price(self, name: str, service: str = "compute") -> ShapePrice | Unpriced:
        """The hourly price of shape ``name`` in the priced region, or why there is none (never another
        region's price)."""
        o = regions.offer(self.cloud, name, self.region, service)
        if o is None:
            where = regions.nearest(self.cloud, self.region, regions.offering(self.cloud, name, service))
            return Unpriced(f"{name} is not offered in {self.region} as far as the catalog knows"
                            + (f" (offered in {', '.join(where)})" if where else ""))
        if o.usd_per_hour is None:
            return Unpriced(f"{name} has no sourced price in {self.region} (offers file {o.as_of}); the "
                            f"{self.reference_region} price is not used in its place")
        where = f" in {self.region}" if self.region_known else f" in {self.region} (the plan names no region)"
        if o.approximate:
            where += f" (derived: {o.source.rsplit('price: ', 1)[-1].split(',')[0]}; not a listed price)"
        return ShapePrice(o.usd_per_hour, o.spot_usd_per_hour, where, o.approximate)


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


def _gpu_request(pod: dict[str, Any]) -> float:
    """GPUs one pod requests: the ``nvidia.com/gpu`` limits (else requests) of its containers."""
    total = 0.0
    for c in pod.get("containers") or []:
        if isinstance(c, dict):
            res = c.get("resources") or {}
            total += num(get_path(res, "limits", GPU_RESOURCE, default=get_path(res, "requests", GPU_RESOURCE)))
    return total


def _pool_workloads(plan: Plan) -> dict[str, list[PoolWorkload]]:
    hpas: dict[tuple[str, str], dict[str, Any]] = {}
    for t in HPA_TYPES:
        for h in plan.of_type(t):
            ref = get_path(h.inputs, "spec", "scaleTargetRef", default={})
            if isinstance(ref, dict) and ref.get("kind", "Deployment") == "Deployment":
                ns = get_path(h.inputs, "metadata", "namespace", default="default")
                hpas[(str(ns), str(ref.get("name")))] = get_path(h.inputs, "spec", default={})
    # A KEDA ScaledObject owns the HPA it creates: its replica bounds (KEDA's defaults: 0 and 100).
    for so in plan.of_type(tokens.K8S_KEDA_SCALED_OBJECT):
        spec = get_path(so.inputs, "spec", default={})
        ref = get_path(spec, "scaleTargetRef", default={})
        if isinstance(ref, dict) and ref.get("kind", "Deployment") == "Deployment":
            ns = get_path(so.inputs, "metadata", "namespace", default="default")
            low = num(spec.get("minReplicaCount"), 0.0)
            hpas[(str(ns), str(ref.get("name")))] = {"minReplicas": low,
                                                     "maxReplicas": num(spec.get("maxReplicaCount"), 100.0)}
    found: dict[str, list[PoolWorkload]] = {}
    for d in plan.of_type(tokens.K8S_DEPLOYMENT):
        spec = get_path(d.inputs, "spec", default={})
        pod = get_path(spec, "template", "spec", default={})
        pool = get_path(pod, "nodeSelector", POOL_LABEL) if isinstance(pod, dict) else None
        gpus = _gpu_request(pod) if isinstance(pod, dict) else 0.0
        if not isinstance(pool, str) or gpus <= 0:
            continue
        name = str(get_path(d.inputs, "metadata", "name", default=d.name))
        ns = str(get_path(d.inputs, "metadata", "namespace", default="default"))
        label = get_path(spec, "template", "metadata", "labels", "llmops.io/endpoint")
        hpa = hpas.get((ns, name))
        if hpa is not None:  # the HPA owns the replica count (minReplicas defaults to 1)
            low = num(hpa.get("minReplicas"), 1.0)
            high = max(num(hpa.get("maxReplicas"), low), low)
        else:
            low = high = num(spec.get("replicas") if isinstance(spec, dict) else None, 1.0)
        found.setdefault(pool, []).append(PoolWorkload(str(label) if isinstance(label, str) else name,
                                                       low, high, gpus))
    return found


def usd(x: float) -> str:
    """Money with cents, unit prices below $1 with up to four decimals ($0.045, $0.0112)."""
    return f"${x:,.2f}" if x >= 1 or round(x, 2) == x else f"${x:.4f}".rstrip("0")


def per_node(shape_price: float, factor: float, disk_gb: float, disk_price: float) -> float:
    return shape_price * factor * HOURS_PER_MONTH + disk_gb * disk_price


def nodes_price(r: PlannedResource, ctx: Ctx, instance: str | None, low: float, high: float, spot: bool,
           disk_gb: float, what: str, labels: Any = None) -> Result:
    """Nodes of one instance type between ``low`` and ``high``: instance hours (Spot-discounted) + disks.

    ``labels``: the pool's node labels. With a ``llmops.io/pool`` label, the minimum is at least the nodes the
    minimum replicas of the pool's GPU workloads need, and the maximum (the autoscaler's bound) never below it.
    """
    if not instance or instance == "<computed>":
        return Unpriced(f"{what}: instance type unknown at plan time")
    shape = catalog.shape_named(ctx.cloud, instance) or catalog.system_shape(ctx.cloud, instance)
    if shape is None:
        return Unpriced(f"{what}: instance type '{instance}' is not in the {ctx.cloud} catalog")
    priced = ctx.shape_price(instance, "compute" if isinstance(shape, catalog.GpuShape) else regions.SYSTEM)
    if isinstance(priced, Unpriced):
        return Unpriced(f"{what}: {priced.reason}")
    floor = ""
    pool = labels.get(POOL_LABEL) if isinstance(labels, dict) else None
    if isinstance(pool, str):
        need, which = ctx.replica_floor(pool, getattr(shape, "gpus", 0))
        if need > low:
            floor = f"min {need:g} node{'s' if need != 1 else ''} for {which} (pool minimum {low:g}); "
            low, high = float(need), max(high, float(need))
    factor, cap = ctx.spot(spot, priced)
    disk = ctx.unit("disk-gb-month")
    each = per_node(priced.usd_per_hour, factor, disk_gb, disk)
    basis = (f"{what}: {floor}{low:g}-{high:g} x {instance} at {usd(priced.usd_per_hour)}/h{priced.where} {cap}"
             f" + {disk_gb:g} GB disk at {usd(disk)}/GB-month each")
    return Price(low * each, high * each, basis, priced.approximate)


def usage_priced(ctx: Ctx, usage_key: str, unit_key: str, what: str) -> Price:
    u = ctx.usage(usage_key)
    price = ctx.unit(unit_key)
    return Price(u.min * price, u.max * price,
                 f"{what}: {u.min:g}-{u.max:g} {u.unit} (usage assumption) x {usd(ctx.unit(unit_key))}")


# The AI gateway's access records (usage metering): their own volume, one JSON line per request.
ACCESS_LOG_USAGE = "gateway-access-log-gb-month"


def logs_price(ctx: Ctx, retention_days: float | None, included_days: float, what: str,
               usage_key: str = "log-gb-month") -> Price:
    """Log ingestion per month plus the steady-state stored volume beyond the included retention."""
    u = ctx.usage(usage_key)
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


PROMETHEUS_BYTES_PER_SAMPLE = 2.0  # compressed sample size managed Prometheus stores (order of magnitude)


def prometheus_price(ctx: Ctx, what: str, retention_days: float | None = None) -> Price:
    """Managed Prometheus: samples ingested a month and, where the cloud bills storage, what the retention
    keeps (the ``serving-metric-samples-10m`` usage assumption)."""
    u = ctx.usage("serving-metric-samples-10m")
    ingest = ctx.unit("prometheus-samples-10m")
    per_10m, basis = ingest, f"{usd(ingest)} per 10M samples"
    if retention_days is not None:
        gb_per_10m = 1e7 * PROMETHEUS_BYTES_PER_SAMPLE / 1e9 * retention_days / DAYS_PER_MONTH
        store = ctx.unit("prometheus-storage-gb-month")
        per_10m += gb_per_10m * store
        basis += f" + {retention_days:g} days kept at {usd(store)}/GB-month"
    return Price(u.min * per_10m, u.max * per_10m,
                 f"{what}: {u.min:g}-{u.max:g} x 10M samples/month (usage assumption) x ({basis}); queries "
                 "(rules, autoscaler) not counted")
