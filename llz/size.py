"""`llz size`: every GPU shape that holds a model, per cloud and service, cheapest first (components.sizing).

With a load (``--load RPS:PROMPT:OUTPUT``) each shape also gets the replicas the load needs and its cost per
million output tokens (components.finops.per_token), and the shapes are ranked by that instead: the cheapest
shape by the hour is often not the cheapest per token.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.config.models import ArchitectureConfig
from llmops_landing_zone.components.finops.per_token import Load, PerToken, per_token
from llmops_landing_zone.llz.console import console as make_console

HOURS_PER_MONTH = 730


def parse_load(text: str) -> Load:
    """``RPS:PROMPT:OUTPUT`` (``2.5:1000:200``) -> Load; ValueError with what to write otherwise."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        rps, prompt, output = float(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"--load must be RPS:PROMPT:OUTPUT (requests/s, prompt tokens, output tokens per "
                         f"request), e.g. 2:1000:200, not '{text}'") from None
    if not rps > 0 or rps == float("inf"):
        raise ValueError(f"--load requests per second must be a number greater than 0, not {parts[0]}")
    if prompt < 1 or output < 1:
        raise ValueError(f"--load prompt and output tokens must be at least 1, not {prompt} and {output}")
    return Load(rps, prompt, output)


def shape_per_token(w: sizing.Workload, f: sizing.Fit, load: Load) -> PerToken:
    """One replica layout of ``w`` on a feasible shape under ``load``: TP = the fit's, batch = the
    ``--max-num-seqs`` sizing would configure (default typicalTokens), at least one replica, no maximum."""
    seqs = sizing.batch(w, f.shape.gpu_model, f.tp).max_num_seqs
    return per_token(w, f.shape, f.tp, seqs, load)


Row = tuple[sizing.Fit, PerToken | None]


def fits_table(cloud: str, rows: list[Row], load: Load | None = None) -> Table:
    order = "cheapest per million output tokens first" if load else "cheapest first"
    table = Table(title=f"{cloud}: {len(rows)} feasible shape(s), {order}"
                  + (f" ({load.describe()})" if load else ""))
    cols = [("shape", "left"), ("service", "left"), ("GPUs", "left"), ("TP", "right"), ("replicas/node", "right"),
            ("need/GPU GiB", "right"), ("usable/GPU GiB", "right"), ("headroom GiB", "right"), ("$/h", "right"),
            ("$/month", "right")]
    if load:
        cols += [("req/s/replica", "right"), ("replicas for load", "right"), ("$/1M out tokens", "right")]
    for col, justify in [*cols, ("price source", "left")]:
        # numbers never wrap; names fold instead of being cut to "p4d…"
        table.add_column(col, justify=justify, overflow="fold", no_wrap=justify == "right")  # type: ignore[arg-type]
    for f, pt in rows:
        s = f.shape
        cells = [s.name, sizing.SERVICE_LABEL.get(s.service, s.service), f"{s.gpus} x {s.gpu}", str(f.tp),
                 str(f.replicas_per_node), f"{f.need_per_gpu_gib:.1f}", f"{f.usable_per_gpu_gib:.1f}",
                 f"{f.headroom_gib:.1f}", f"{s.usd_per_hour:,.2f}", f"{s.usd_per_hour * HOURS_PER_MONTH:,.0f}"]
        if pt is not None:
            cells += [f"{pt.replica_requests_per_s:,.2f}", str(pt.replicas),
                      f"{pt.usd_per_million_output_tokens:,.2f}"]
        table.add_row(*cells, "assumption" if s.is_assumption else s.as_of)
    return table


def fit_json(f: sizing.Fit, pt: PerToken | None = None) -> dict[str, object]:
    s = f.shape
    out: dict[str, object] = {
        "shape": s.name, "service": s.service, "gpu": s.gpu, "gpus": s.gpus, "tensorParallel": f.tp,
        "replicasPerNode": f.replicas_per_node, "needPerGpuGib": round(f.need_per_gpu_gib, 2),
        "usablePerGpuGib": round(f.usable_per_gpu_gib, 2), "headroomGib": round(f.headroom_gib, 2),
        "usdPerHour": s.usd_per_hour, "usdPerMonth": round(s.usd_per_hour * HOURS_PER_MONTH, 2),
        "priceAsOf": s.as_of, "priceSource": s.source}
    if pt is not None:
        out["perToken"] = pt.to_json()
    return out


def _hourly_order(f: sizing.Fit) -> tuple[float, bool, str]:
    return (f.shape.usd_per_hour, f.shape.service != "compute", f.shape.name)


def main(model: str | ArchitectureConfig, precision: str, context: int, concurrency: int,
         cloud: str | None = None, console: Console | None = None, as_json: bool = False,
         load: Load | str | None = None) -> int:
    """Print the feasible shapes per cloud; 0 when at least one fits, 2 when none does or the input is bad.
    ``as_json``: {"workload", "clouds": {cloud: [fit, ...]}} or {"errors": [...]} on stdout instead.
    ``load`` (a Load or ``RPS:PROMPT:OUTPUT``): add replicas and $/1M output tokens per shape and rank by them;
    the JSON then has ``workload.load`` and a ``perToken`` object per fit."""
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
    if isinstance(load, str):
        try:
            load = parse_load(load)
        except ValueError as exc:
            load = None
            problems.append(str(exc))
    if load is not None and load.prompt_tokens + load.output_tokens > context >= 1:
        problems.append(f"--load prompt + output tokens ({load.prompt_tokens} + {load.output_tokens}) must not exceed "
                        f"the context ({context}); raise --context")
    if cloud is not None and cloud not in catalog.CLOUDS:
        problems.append(f"cloud must be one of {', '.join(catalog.CLOUDS)}, not '{cloud}'")
    if problems or arch is None:
        if as_json:
            print(json.dumps({"errors": problems}, indent=2))
        for p in problems if not as_json else []:
            console.print(f"[red]{p}[/]", highlight=False)
        return 2

    w = sizing.Workload(arch, precision, context, concurrency)
    found: dict[str, list[Row]] = {}
    for c in [cloud] if cloud else list(catalog.CLOUDS):
        fits = sorted((f for svc in catalog.services(c) for f in sizing.feasible(w, c, svc)), key=_hourly_order)
        rows: list[Row] = [(f, shape_per_token(w, f, load) if load else None) for f in fits]
        if load:  # stable: equal $/1M keeps the hourly order
            rows.sort(key=lambda r: r[1].usd_per_million_output_tokens)  # type: ignore[union-attr]
        found[c] = rows
    if as_json:
        workload: dict[str, object] = {"model": arch.id, "precision": precision, "context": context,
                                       "concurrency": concurrency, "describe": w.describe()}
        if load:
            workload["load"] = {"requestsPerSecond": load.requests_per_s, "promptTokens": load.prompt_tokens,
                                "outputTokens": load.output_tokens}
        print(json.dumps({"workload": workload,
                          "clouds": {c: [fit_json(f, pt) for f, pt in rows] for c, rows in found.items()}}, indent=2))
        return 0 if any(found.values()) else 2
    console.print(w.describe(), highlight=False)
    console.print(f"usable memory = {sizing.GPU_MEMORY_UTILIZATION:g} x GPU memory; tensor parallel over a power of "
                  f"two GPUs in one node dividing {arch.attention_heads} attention heads"
                  + ("; fp8 only on GPUs with FP8 tensor cores" if precision in sizing.NEEDS_FP8 else ""),
                  highlight=False)
    if load:
        console.print(f"load: {load.describe()}; $/1M out tokens = replicas for load x (TP / GPUs) x $/h / output "
                      "tokens per hour x 1e6 (throughput: components/throughput.py roofline estimate; "
                      "components/finops/per_token.py states the assumptions)", highlight=False)
    for c, fits in found.items():
        if fits:
            console.print(fits_table(c, fits, load))
        else:
            console.print(f"[yellow]{c}: nothing fits[/]; largest shape: {sizing.largest_offer(c)}", highlight=False)
    if not any(found.values()):
        console.print(f"[red]no shape fits[/]: {w.describe()}; per GPU at the largest tensor-parallel size of 8: "
                      f"{w.need_per_gpu_gib(8):.1f} GiB. Lower the precision, context or concurrency.", highlight=False)
        return 2
    return 0
