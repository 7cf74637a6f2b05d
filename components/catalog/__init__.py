"""Dated catalog data: GPU models, GPU shapes per cloud and LLM architectures.

Every row carries its source and as-of date (see the CSV files under ``data/``). Code never spells an
instance type: pools, endpoints, sizing and cost all read their shapes from here. Shape files are named
``shapes-<cloud>-<YYYY-MM-DD>.csv``; the newest file per cloud wins, so a price refresh only adds a file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
CLOUDS = ("aws", "gcp", "azure")
_SHAPE_FILE = re.compile(r"^shapes-(aws|gcp|azure)-(\d{4}-\d{2}-\d{2})\.csv$")


@dataclass(frozen=True)
class GpuModel:
    id: str
    memory_gib: float  # usable memory per GPU as the driver reports it, not the marketed GB
    fp8: bool  # FP8 tensor cores (Ada, Hopper); Ampere and Turing have none
    gke_accelerator: str  # Compute Engine accelerator type, "" where GCP does not sell it
    vertex_accelerator: str  # Vertex AI AcceleratorType enum name
    as_of: str
    source: str


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


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@cache
def gpu_models() -> dict[str, GpuModel]:
    return {
        r["id"]: GpuModel(r["id"], float(r["memory_gib"]), r["fp8"] == "true", r["gke_accelerator"],
                          r["vertex_accelerator"], r["as_of"], r["source"])
        for r in _rows(DATA_DIR / "gpus.csv")
    }


def shape_file(cloud: str, data_dir: Path = DATA_DIR) -> Path:
    """The newest dated shape file of a cloud."""
    found = sorted(
        (m.group(2), p) for p in data_dir.iterdir() if (m := _SHAPE_FILE.match(p.name)) and m.group(1) == cloud
    )
    if not found:
        raise FileNotFoundError(f"no shapes-{cloud}-<date>.csv in {data_dir}")
    return found[-1][1]


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


def gpus_offered(cloud: str, service: str = "compute") -> list[str]:
    return sorted({s.gpu for s in shapes(cloud, service)})


def gpu_counts(cloud: str, gpu: str, service: str = "compute") -> list[int]:
    return sorted({s.gpus for s in shapes(cloud, service) if s.gpu == gpu})


def shape_for(cloud: str, gpu: str, gpus: int, service: str = "compute") -> GpuShape | None:
    """Cheapest shape of a cloud with exactly ``gpus`` GPUs of model ``gpu``."""
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
