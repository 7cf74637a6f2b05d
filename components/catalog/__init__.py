"""Dated catalog data: GPU models, GPU shapes per cloud, system node shapes, priced items and LLM architectures.

Every row carries its source and as-of date (see the CSV files under ``data/``); a figure that could not be
sourced says "assumption" in its source. Code never spells an instance type or a price: pools, endpoints,
sizing and cost all read them from here.

- ``shapes-<cloud>-<YYYY-MM-DD>.csv``: GPU shapes per service (``compute`` VMs for node pools, ``sagemaker``,
  ``vertex``, ``azureml`` managed endpoints). The newest file per cloud wins, so a price refresh only adds a file.
- ``items-<cloud>-<YYYY-MM-DD>.csv``: everything else the cost estimate prices (cluster fee, NAT, vector store
  units, logs, keys, the Spot discount assumption), newest file per cloud wins.
- ``kubernetes-<cloud>-<YYYY-MM-DD>.csv``: the cloud's Kubernetes support calendar (``catalog.kubernetes``),
  newest file per cloud wins.
- ``regions-<cloud>-<YYYY-MM-DD>.csv`` and ``offers-<cloud>-<YYYY-MM-DD>.csv``: the cloud's regions and which
  region offers which shape at what price (``catalog.regions``), newest file per cloud wins.
- ``system-nodes.csv``: the non-GPU node shape of each cloud's system pool (one row per cloud).
- ``usage-assumptions.csv``: usage volumes (log GB, stored GB...) for usage-billed resources, stated as such.
- ``local-disks.csv``: the VM-local disks of GPU shapes (cache and temp disk sizes, the disk throughput figure),
  where an ephemeral OS disk can live (``catalog.local_disk``); a shape without a row gets a managed disk.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
CLOUDS = ("aws", "gcp", "azure")
_DATED_FILE = re.compile(r"^(shapes|items|kubernetes|regions|offers)-(aws|gcp|azure)-(\d{4}-\d{2}-\d{2})\.csv$")


@dataclass(frozen=True)
class GpuModel:
    id: str
    memory_gib: float  # usable memory per GPU as the driver reports it, not the marketed GB
    fp8: bool  # FP8 tensor cores (Ada, Hopper); Ampere and Turing have none
    gke_accelerator: str  # Compute Engine accelerator type, "" where GCP does not sell it
    vertex_accelerator: str  # Vertex AI AcceleratorType enum name
    as_of: str
    source: str
    # Throughput inputs (components.throughput), sourced per row in ``perf_source`` (NVIDIA datasheets):
    memory_bandwidth_gbs: float = 0.0  # HBM/GDDR bandwidth, GB/s (10^9 bytes)
    bf16_tflops: float = 0.0  # dense (no sparsity) BF16 tensor-core TFLOPS; fp16 where the GPU has no bf16
    perf_source: str = ""

    @property
    def perf_is_assumption(self) -> bool:
        return "assumption" in self.perf_source.lower()


@dataclass(frozen=True)
class GpuShape:
    cloud: str
    service: str  # compute (VMs for node pools) | sagemaker | vertex | azureml (managed endpoints)
    name: str
    gpu: str
    gpus: int
    vcpu: int
    memory_gib: float
    usd_per_hour: float
    region: str
    as_of: str
    source: str

    @property
    def gpu_model(self) -> GpuModel:
        return gpu_models()[self.gpu]

    @property
    def gpu_memory_gib(self) -> float:
        return self.gpu_model.memory_gib * self.gpus

    @property
    def is_assumption(self) -> bool:
        return "assumption" in self.source.lower()


@dataclass(frozen=True)
class PriceItem:
    """A unit price the cost estimate needs besides GPU shapes (``item`` is the same key on every cloud)."""

    cloud: str
    item: str
    unit: str
    usd: float
    region: str
    as_of: str
    source: str

    @property
    def is_assumption(self) -> bool:
        return "assumption" in self.source.lower()


@dataclass(frozen=True)
class UsageAssumption:
    """Usage volume of a usage-billed resource at minimum and maximum scale: always an assumption."""

    key: str
    unit: str
    min: float
    max: float
    source: str


@dataclass(frozen=True)
class ModelArchitecture:
    id: str
    hf_name: str
    layers: int
    attention_heads: int
    kv_heads: int
    head_dim: int
    parameters: int
    max_context: int
    as_of: str = ""
    source: str = ""


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


_rows = read_rows


@cache
def gpu_models() -> dict[str, GpuModel]:
    return {
        r["id"]: GpuModel(r["id"], float(r["memory_gib"]), r["fp8"] == "true", r["gke_accelerator"],
                          r["vertex_accelerator"], r["as_of"], r["source"], float(r["memory_bandwidth_gbs"]),
                          float(r["bf16_tflops"]), r["perf_source"])
        for r in _rows(DATA_DIR / "gpus.csv")
    }


def dated_file(kind: str, cloud: str, data_dir: Path = DATA_DIR) -> Path:
    """The newest ``<kind>-<cloud>-<date>.csv`` (kind: shapes | items | kubernetes | regions | offers)."""
    found = sorted(
        (m.group(3), p) for p in data_dir.iterdir()
        if (m := _DATED_FILE.match(p.name)) and m.group(1) == kind and m.group(2) == cloud
    )
    if not found:
        raise FileNotFoundError(f"no {kind}-{cloud}-<date>.csv in {data_dir}")
    return found[-1][1]


def file_date(path: Path) -> date:
    """The date in a dated file's name."""
    m = _DATED_FILE.match(path.name)
    if m is None:
        raise ValueError(f"{path.name} is not a dated catalog file")
    return date.fromisoformat(m.group(3))


def shape_file(cloud: str, data_dir: Path = DATA_DIR) -> Path:
    """The newest dated shape file of a cloud."""
    return dated_file("shapes", cloud, data_dir)


def clear_caches() -> None:
    """Forget loaded files (after ``llz prices refresh`` wrote a newer one)."""
    for fn in (gpu_models, shapes, services, system_nodes, items, usage_assumptions, model_architectures,
               local_disks):
        fn.cache_clear()
    for clear in CACHE_CLEARERS:
        clear()


CACHE_CLEARERS: list = []  # submodules' caches (catalog.regions adds its own; catalog imports no submodule)


@cache
def shapes(cloud: str, service: str = "compute") -> tuple[GpuShape, ...]:
    rows = _rows(shape_file(cloud))
    return tuple(
        GpuShape(cloud, r["service"], r["name"], r["gpu"], int(r["gpus"]), int(r["vcpu"]), float(r["memory_gib"]),
                 float(r["usd_per_hour"]), r["region"], r["as_of"], r["source"])
        for r in rows
        if r["service"] == service
    )


def shape_named(cloud: str, name: str, service: str = "compute") -> GpuShape | None:
    return next((s for s in shapes(cloud, service) if s.name == name), None)


@cache
def services(cloud: str) -> tuple[str, ...]:
    """Services with GPU shapes in a cloud's shape file (compute first)."""
    found = {r["service"] for r in _rows(shape_file(cloud))}
    return tuple(sorted(found, key=lambda s: (s != "compute", s)))


def gpus_offered(cloud: str, service: str = "compute") -> list[str]:
    return sorted({s.gpu for s in shapes(cloud, service)})


def gpu_counts(cloud: str, gpu: str, service: str = "compute") -> list[int]:
    return sorted({s.gpus for s in shapes(cloud, service) if s.gpu == gpu})


def shape_for(cloud: str, gpu: str, gpus: int, service: str = "compute") -> GpuShape | None:
    """Cheapest shape of a cloud with exactly ``gpus`` GPUs of model ``gpu`` (``regions.shape_for``: in a region)."""
    fits = [s for s in shapes(cloud, service) if s.gpu == gpu and s.gpus == gpus]
    return min(fits, key=lambda s: s.usd_per_hour) if fits else None


@cache
def model_architectures() -> dict[str, ModelArchitecture]:
    return {
        r["id"]: ModelArchitecture(r["id"], r["hf_name"], int(r["layers"]), int(r["attention_heads"]),
                                   int(r["kv_heads"]), int(r["head_dim"]), int(r["parameters"]),
                                   int(r["max_context"]), r["as_of"], r["source"])
        for r in _rows(DATA_DIR / "models.csv")
    }


# --- priced items and usage assumptions -----------------------------------------------------------------


@cache
def items(cloud: str) -> dict[str, PriceItem]:
    return {
        r["item"]: PriceItem(cloud, r["item"], r["unit"], float(r["usd"]), r["region"], r["as_of"], r["source"])
        for r in _rows(dated_file("items", cloud))
    }


def item(cloud: str, key: str) -> PriceItem:
    found = items(cloud).get(key)
    if found is None:
        raise LookupError(f"no '{key}' row in {dated_file('items', cloud).name}")
    return found


def spot_discount(cloud: str) -> float:
    """Fraction off the on-demand price assumed for Spot capacity (a stated assumption row per cloud)."""
    return item(cloud, "spot-discount").usd


@cache
def usage_assumptions() -> dict[str, UsageAssumption]:
    return {
        r["key"]: UsageAssumption(r["key"], r["unit"], float(r["min"]), float(r["max"]), r["source"])
        for r in _rows(DATA_DIR / "usage-assumptions.csv")
    }


def usage(key: str) -> UsageAssumption:
    found = usage_assumptions().get(key)
    if found is None:
        raise LookupError(f"no '{key}' row in usage-assumptions.csv")
    return found


@dataclass(frozen=True)
class NodeShape:
    """A general-purpose (non-GPU) shape for a cluster's system nodes: CoreDNS, agents, controllers."""

    cloud: str
    name: str
    vcpu: int
    memory_gib: float
    usd_per_hour: float
    region: str
    as_of: str
    source: str


@cache
def system_nodes() -> dict[str, NodeShape]:
    return {
        r["cloud"]: NodeShape(r["cloud"], r["name"], int(r["vcpu"]), float(r["memory_gib"]),
                              float(r["usd_per_hour"]), r["region"], r["as_of"], r["source"])
        for r in _rows(DATA_DIR / "system-nodes.csv")
    }


def system_node(cloud: str) -> NodeShape:
    """The system node shape of a cloud (one row per cloud in ``data/system-nodes.csv``)."""
    try:
        return system_nodes()[cloud]
    except KeyError:
        raise KeyError(f"no system node shape for {cloud} in {DATA_DIR / 'system-nodes.csv'}") from None


def system_shape(cloud: str, name: str) -> NodeShape | None:
    """The system node shape of a cloud if it is called ``name`` (the cost estimate looks shapes up by name)."""
    shape = system_nodes().get(cloud)
    return shape if shape is not None and shape.name == name else None


# Largest ephemeral OS disk Azure places on a VM's local storage ("Max size of Ephemeral OS disk can be 2 TiB":
# learn.microsoft.com, "Frequently asked questions about Ephemeral OS disks").
EPHEMERAL_OS_MAX_GIB = 2048


@dataclass(frozen=True)
class LocalDisk:
    """A GPU shape's VM-local storage: the cache disk and the temp (resource) disk an ephemeral OS disk can be
    placed on, and the figure the cold-start model takes for its throughput (the VM's documented disk limit)."""

    cloud: str
    name: str
    cache_gib: int  # 0: none, or its size was not found (then it is not counted)
    temp_gib: int
    disk_mbps: float
    as_of: str
    source: str

    @property
    def ephemeral_os_gib(self) -> int:
        """Largest ephemeral OS disk: AKS places it on the cache disk, else on the temp disk (whichever fits;
        learn.microsoft.com "Storage options for applications in AKS", Ephemeral OS disk)."""
        return min(EPHEMERAL_OS_MAX_GIB, max(self.cache_gib, self.temp_gib))


@cache
def local_disks() -> dict[tuple[str, str], LocalDisk]:
    return {
        (r["cloud"], r["name"]): LocalDisk(r["cloud"], r["name"], int(r["cache_gib"]), int(r["temp_gib"]),
                                           float(r["disk_mbps"]), r["as_of"], r["source"])
        for r in _rows(DATA_DIR / "local-disks.csv")
    }


def local_disk(cloud: str, name: str) -> LocalDisk | None:
    """The local disks of a shape, None where the catalog has no sourced row."""
    return local_disks().get((cloud, name))
