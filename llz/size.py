"""`llz size`: every GPU shape that holds a model, per cloud and service, cheapest first (components.sizing)."""

from __future__ import annotations

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


def main(model: str | ArchitectureConfig, precision: str, context: int, concurrency: int,
         cloud: str | None = None, console: Console | None = None) -> int:
    """Print the feasible shapes per cloud; 0 when at least one fits, 2 when none does or the input is bad."""
    console = console or make_console()
    try:
        arch = sizing.architecture(model)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]", highlight=False)
        return 2
    problems = []
    if precision not in sizing.WEIGHT_BYTES:
        problems.append(f"precision must be one of {', '.join(sizing.WEIGHT_BYTES)}, not '{precision}'")
    if context < 1 or concurrency < 1:
        problems.append("context and concurrency must be at least 1")
    elif context > arch.max_context:
        problems.append(f"context {context} exceeds {arch.id}'s maximum of {arch.max_context}")
    if cloud is not None and cloud not in catalog.CLOUDS:
        problems.append(f"cloud must be one of {', '.join(catalog.CLOUDS)}, not '{cloud}'")
    if problems:
        for p in problems:
            console.print(f"[red]{p}[/]", highlight=False)
        return 2

    w = sizing.Workload(arch, precision, context, concurrency)
    console.print(w.describe(), highlight=False)
    console.print(f"usable memory = {sizing.GPU_MEMORY_UTILIZATION:g} x GPU memory; tensor parallel over a power of "
                  f"two GPUs in one node dividing {arch.attention_heads} attention heads"
                  + ("; fp8 only on GPUs with FP8 tensor cores" if precision in sizing.NEEDS_FP8 else ""),
                  highlight=False)
    any_fit = False
    for c in [cloud] if cloud else list(catalog.CLOUDS):
        fits = sorted((f for svc in catalog.services(c) for f in sizing.feasible(w, c, svc)),
                      key=lambda f: (f.shape.usd_per_hour, f.shape.service != "compute", f.shape.name))
        if fits:
            any_fit = True
            console.print(fits_table(c, fits))
        else:
            console.print(f"[yellow]{c}: nothing fits[/]; largest shape: {sizing.largest_offer(c)}", highlight=False)
    if not any_fit:
        console.print(f"[red]no shape fits[/]: {w.describe()}; per GPU at the largest tensor-parallel size of 8: "
                      f"{w.need_per_gpu_gib(8):.1f} GiB. Lower the precision, context or concurrency.", highlight=False)
        return 2
    return 0
