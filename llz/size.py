"""`llz size`: every GPU shape that holds a model, per cloud and service, cheapest first (components.sizing)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from components import catalog, sizing
from components.config.models import ArchitectureConfig
from llz.console import console as make_console

HOURS_PER_MONTH = 730


def fits_table(cloud: str, fits: list[sizing.Fit]) -> Table:
    table = Table(title=f"{cloud}: {len(fits)} feasible shape(s), cheapest first")
    for col, justify in [("shape", "left"), ("service", "left"), ("GPUs", "left"), ("TP", "right"),
                         ("replicas/node", "right"), ("need/GPU GiB", "right"), ("usable/GPU GiB", "right"),
                         ("headroom GiB", "right"), ("$/h", "right"), ("$/month", "right"), ("price source", "left")]:
        # numbers never wrap; names fold instead of being cut to "p4d…"
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for f in fits:
        s = f.shape
        table.add_row(s.name, sizing.SERVICE_LABEL.get(s.service, s.service), f"{s.gpus} x {s.gpu}", str(f.tp),
                      str(f.replicas_per_node), f"{f.need_per_gpu_gib:.1f}", f"{f.usable_per_gpu_gib:.1f}",
                      f"{f.headroom_gib:.1f}", f"{s.usd_per_hour:,.2f}", f"{s.usd_per_hour * HOURS_PER_MONTH:,.0f}",
                      "assumption" if s.is_assumption else s.as_of)
    return table


def fit_json(f: sizing.Fit) -> dict[str, object]:
    s = f.shape
    return {"shape": s.name, "service": s.service, "gpu": s.gpu, "gpus": s.gpus, "tensorParallel": f.tp,
            "replicasPerNode": f.replicas_per_node, "needPerGpuGib": round(f.need_per_gpu_gib, 2),
            "usablePerGpuGib": round(f.usable_per_gpu_gib, 2), "headroomGib": round(f.headroom_gib, 2),
            "usdPerHour": s.usd_per_hour, "usdPerMonth": round(s.usd_per_hour * HOURS_PER_MONTH, 2),
            "priceAsOf": s.as_of, "priceSource": s.source}


def main(model: str | ArchitectureConfig, precision: str, context: int, concurrency: int,
         cloud: str | None = None, console: Console | None = None, as_json: bool = False) -> int:
    """Print the feasible shapes per cloud; 0 when at least one fits, 2 when none does or the input is bad.
    ``as_json``: {"workload", "clouds": {cloud: [fit, ...]}} or {"errors": [...]} on stdout instead."""
    console = console or make_console()
    problems = []
    try:
        arch = sizing.architecture(model)
    except KeyError as exc:
        arch, problems = None, [exc.args[0]]
    if precision not in sizing.WEIGHT_BYTES:
        problems.append(f"precision must be one of {', '.join(sizing.WEIGHT_BYTES)}, not '{precision}'")
    if context < 1 or concurrency < 1:
        problems.append("context and concurrency must be at least 1")
    elif arch is not None and context > arch.max_context:
        problems.append(f"context {context} exceeds {arch.id}'s maximum of {arch.max_context}")
    if cloud is not None and cloud not in catalog.CLOUDS:
        problems.append(f"cloud must be one of {', '.join(catalog.CLOUDS)}, not '{cloud}'")
    if problems or arch is None:
        if as_json:
            print(json.dumps({"errors": problems}, indent=2))
        for p in problems if not as_json else []:
            console.print(f"[red]{p}[/]", highlight=False)
        return 2

    w = sizing.Workload(arch, precision, context, concurrency)
    found = {c: sorted((f for svc in catalog.services(c) for f in sizing.feasible(w, c, svc)),
                       key=lambda f: (f.shape.usd_per_hour, f.shape.service != "compute", f.shape.name))
             for c in ([cloud] if cloud else list(catalog.CLOUDS))}
    if as_json:
        print(json.dumps({"workload": {"model": arch.id, "precision": precision, "context": context,
                                       "concurrency": concurrency, "describe": w.describe()},
                          "clouds": {c: [fit_json(f) for f in fits] for c, fits in found.items()}}, indent=2))
        return 0 if any(found.values()) else 2
    console.print(w.describe(), highlight=False)
    console.print(f"usable memory = {sizing.GPU_MEMORY_UTILIZATION:g} x GPU memory; tensor parallel over a power of "
                  f"two GPUs in one node dividing {arch.attention_heads} attention heads"
                  + ("; fp8 only on GPUs with FP8 tensor cores" if precision in sizing.NEEDS_FP8 else ""),
                  highlight=False)
    for c, fits in found.items():
        if fits:
            console.print(fits_table(c, fits))
        else:
            console.print(f"[yellow]{c}: nothing fits[/]; largest shape: {sizing.largest_offer(c)}", highlight=False)
    if not any(found.values()):
        console.print(f"[red]no shape fits[/]: {w.describe()}; per GPU at the largest tensor-parallel size of 8: "
                      f"{w.need_per_gpu_gib(8):.1f} GiB. Lower the precision, context or concurrency.", highlight=False)
        return 2
    return 0
