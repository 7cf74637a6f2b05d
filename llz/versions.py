"""``llz versions``: everything the stacks pin, with its support window, judged on today's date.

Per cloud of the stacks asked for: the Kubernetes minor each stack uses (the cloud's support calendar), the
Cluster Autoscaler line (supported as long as its minor), the container images the cloud deploys (a refresh
window from their release date, components/k8s/images.py), the GPU driver branch the nodes carry, and the
provider SDKs (the installed release against the range pyproject.toml allows). Anything past its window is
``out of support`` (exit 1); within ``WARN_DAYS`` of its end, ``ending soon``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib import metadata

from packaging.requirements import Requirement
from rich.console import Console
from rich.table import Table

from llmops_landing_zone.components.catalog import kubernetes as k8s
from llmops_landing_zone.components.config.deploy import runner_enabled
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.llz.console import console as make_console

if TYPE_CHECKING:  # reads each loaded stack's Kubernetes version pin
    from llmops_landing_zone.components.config import ZoneConfig

OK, SOON, ENDED, UNKNOWN = "supported", "ending soon", "out of support", "no window"
# What each cloud's zone deploys in the cluster (tests/test_versions.py checks this against the plans).
NODE_AGENTS = {"aws": (images.DEVICE_PLUGIN, images.DCGM_EXPORTER),
               "gcp": (),  # GKE runs its own device plugin and managed DCGM
               "azure": (images.DEVICE_PLUGIN, images.DCGM_EXPORTER)}
# Installed by the zone when observability is on (components/<cloud>/monitoring.py).
OBSERVABILITY_CHARTS = (images.KEDA_CHART,)
OBSERVABILITY_IMAGES = {"aws": (images.PROMETHEUS,), "gcp": (), "azure": ()}  # AWS: the remote-writing agent
# Installed by the zone when the AI gateway is on (components/k8s/gateway.py), on every cloud.
GATEWAY_CHARTS = images.GATEWAY_CHARTS
GATEWAY_IMAGES = (images.GATEWAY_REDIS,)
# The gateway's access-record shipper where the cloud ships no container logs itself (components/k8s/gateway_logs.py).
GATEWAY_CLOUD_IMAGES = {"aws": (images.GATEWAY_LOG_SHIPPER,), "gcp": (), "azure": ()}
# The deploy runner's own pins where the zone builds the runner image's environment (components/azure/runner.py
# and the workflow's kubelogin step); AWS runs CodeBuild's managed image, which AWS patches in place.
DEPLOY_RUNNER_IMAGES = {"aws": (), "gcp": (), "azure": (images.DEPLOY_RUNNER, images.KUBELOGIN)}
PROVIDER_SDKS = {"aws": ("pulumi-aws",), "gcp": ("pulumi-gcp",), "azure": ("pulumi-azure-native",)}
COMMON_SDKS = ("pulumi", "pulumi-kubernetes", "pulumi-policy", "pulumi-random", "pulumiverse-grafana")


@dataclass
class Pin:
    cloud: str
    kind: str  # kubernetes | image | chart | runner | driver | sdk
    name: str
    version: str
    stacks: list[str] = field(default_factory=list)
    released: str | None = None
    end: str | None = None  # end of the window the stack relies on
    status: str = UNKNOWN
    days_left: int | None = None
    note: str = ""
    source: str = ""


def _judge(pin: Pin, end: date | None, on: date) -> Pin:
    if end is None:
        return pin
    pin.end, pin.days_left = end.isoformat(), (end - on).days
    pin.status = ENDED if end < on else SOON if k8s.ending_soon(end, on) else OK
    return pin


def kubernetes_pins(cloud: str, configs: dict[str, ZoneConfig], on: date) -> list[Pin]:
    by_version: dict[tuple[str, bool], list[str]] = {}
    for stack, cfg in configs.items():
        by_version.setdefault((cfg.cluster.kubernetes_version, cfg.cluster.extended_support), []).append(stack)
    pins = []
    for (minor, extended), stacks in sorted(by_version.items()):
        row = k8s.calendar(cloud).get(minor)
        pin = Pin(cloud, "kubernetes", f"Kubernetes ({k8s.SERVICE[cloud]})", minor, stacks)
        relied: date | None = None
        if row is None:
            pin.status, pin.note = ENDED, "not in the support calendar"
        else:
            pin.released, pin.source = row.released.isoformat(), row.source
            relied = row.end_of_support if extended else row.end_of_standard
            pin.note = (f"standard to {row.end_of_standard}"
                        + (f", extended to {row.end_of_extended}" if row.end_of_extended else "")
                        + ("; extended support opted in" if extended else ""))
            _judge(pin, relied, on)
        pins.append(pin)
        if cloud == "aws" and minor in images.CLUSTER_AUTOSCALER_TAGS:  # EKS runs the zone's autoscaler
            ca = images.cluster_autoscaler(minor)
            pins.append(_judge(Pin(cloud, "image", "Cluster Autoscaler", ca.ref, stacks,
                                   note=f"release line of Kubernetes {minor}; tag only", source=ca.source),
                               relied, on))
    return pins


def image_pin(cloud: str, image: images.Image, name: str, stacks: list[str], on: date) -> Pin:
    note = f"refresh within {image.refresh_days} days of release" if image.refresh_days else ""
    pin = Pin(cloud, "image", name, image.ref, stacks, image.released.isoformat() if image.released else None,
              note=note + ("; pinned by digest" if image.digest else "; tag only"), source=image.source)
    return _judge(pin, image.refresh_by, on)


def chart_pin(cloud: str, chart: images.Chart, stacks: list[str], on: date) -> Pin:
    note = f"Helm chart; refresh within {chart.refresh_days} days of release" if chart.refresh_days else "Helm chart"
    pin = Pin(cloud, "chart", chart.name, chart.ref, stacks, chart.released.isoformat() if chart.released else None,
              note=note, source=chart.source)
    return _judge(pin, chart.refresh_by, on)


def sdk_pin(cloud: str, dist: str, stacks: list[str]) -> Pin:
    wanted = _required().get(dist)
    try:
        installed = metadata.version(dist)
    except metadata.PackageNotFoundError:
        installed = "not installed"
    pin = Pin(cloud, "sdk", dist, installed, stacks, note=f"pyproject range {wanted or 'unpinned'}; "
              "no published end of support", source="pyproject.toml")
    if wanted is not None and installed != "not installed" and not wanted.contains(installed, prereleases=True):
        pin.status, pin.note = ENDED, f"outside the range {wanted} this release is tested with"
    return pin


def _required() -> dict[str, object]:
    reqs = metadata.requires("llmops-landing-zone") or []
    out = {}
    for raw in reqs:
        req = Requirement(raw)
        if req.marker is None:
            out[req.name] = req.specifier
    return out


def collect(configs: dict[str, ZoneConfig], on: date) -> list[Pin]:
    pins: list[Pin] = []
    by_cloud: dict[str, dict[str, ZoneConfig]] = {}
    for stack, cfg in configs.items():
        by_cloud.setdefault(cfg.cloud, {})[stack] = cfg
    for cloud in k8s.CLOUDS:
        stacks = by_cloud.get(cloud)
        if not stacks:
            continue
        names = sorted(stacks)
        pins += kubernetes_pins(cloud, stacks, on)
        serving = [s for s, c in stacks.items() if any(e.runtime == "vllm" for e in c.endpoints.values())]
        if serving:
            pins.append(image_pin(cloud, images.vllm_image(cloud), "vLLM", sorted(serving), on))
        for img in NODE_AGENTS[cloud]:
            pins.append(image_pin(cloud, img, img.repository.rsplit("/", 1)[-1], names, on))
        observed = sorted(s for s, c in stacks.items() if c.observability.enabled)
        if observed:
            pins += [chart_pin(cloud, c, observed, on) for c in OBSERVABILITY_CHARTS]
            pins += [image_pin(cloud, i, i.repository.rsplit("/", 1)[-1], observed, on)
                     for i in OBSERVABILITY_IMAGES[cloud]]
        gated = sorted(s for s, c in stacks.items() if c.gateway.enabled)
        if gated:
            pins += [chart_pin(cloud, c, gated, on) for c in GATEWAY_CHARTS]
            pins += [image_pin(cloud, i, i.repository.rsplit("/", 1)[-1], gated, on) for i in (*GATEWAY_IMAGES, *GATEWAY_CLOUD_IMAGES[cloud])]
        deploying = sorted(s for s, c in stacks.items() if runner_enabled(c))
        if deploying:
            for i in DEPLOY_RUNNER_IMAGES[cloud]:  # not in the cluster: kind "runner", not "image"
                pin = image_pin(cloud, i, i.repository.rsplit("/", 1)[-1], deploying, on)
                pin.kind = "runner"
                pins.append(pin)
        drv = images.GPU_DRIVERS[cloud]
        pins.append(Pin(cloud, "driver", "NVIDIA driver", f"R{drv.branch}", names, note=drv.where,
                        source=drv.source))
        pins += [sdk_pin(cloud, d, names) for d in PROVIDER_SDKS[cloud]]
    pins += [sdk_pin("all", d, sorted(configs)) for d in COMMON_SDKS]
    return pins


def calendars(clouds: set[str], on: date) -> dict[str, dict[str, object]]:
    out = {}
    for cloud in sorted(clouds):
        recorded = k8s.as_of(cloud)
        age = (on - recorded).days
        out[cloud] = {"asOf": recorded.isoformat(), "ageDays": age, "stale": age > k8s.STALE_DAYS}
    return out


def report(configs: dict[str, ZoneConfig], on: date) -> dict[str, object]:
    pins = collect(configs, on)
    return {"date": on.isoformat(), "calendars": calendars({c.cloud for c in configs.values()}, on),
            "pins": [asdict(p) for p in pins], "outOfSupport": sum(p.status == ENDED for p in pins)}


STYLE = {OK: "green", SOON: "yellow", ENDED: "bold red", UNKNOWN: "dim"}


def print_report(data: dict[str, object], console: Console) -> None:
    table = Table(title=f"Pinned versions on {data['date']}", show_lines=False)
    for col in ("cloud", "item", "version", "stacks", "released", "supported to", "status", "notes"):
        table.add_column(col, overflow="fold")
    for p in data["pins"]:  # type: ignore[attr-defined]
        left = f" ({p['days_left']} d)" if p["days_left"] is not None and p["status"] != ENDED else ""
        shown = p["version"].split("@")[0].rsplit("/", 1)[-1]  # image name:tag; the digest is in --json
        table.add_row(p["cloud"], p["name"], shown, ", ".join(p["stacks"]), p["released"] or "",
                      p["end"] or "", f"[{STYLE[p['status']]}]{p['status']}{left}[/]", p["note"])
    console.print(table)
    for cloud, cal in data["calendars"].items():  # type: ignore[attr-defined]
        if cal["stale"]:
            console.print(f"[yellow]the {cloud} support calendar is {cal['ageDays']} days old (recorded "
                          f"{cal['asOf']}): refresh it (README, 'Keeping versions current')[/]")
    console.print(f"{data['outOfSupport']} pin(s) out of support")


def main(configs: dict[str, ZoneConfig], as_json: bool, console: Console | None = None) -> int:
    data = report(configs, k8s.today())
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        print_report(data, console or make_console())
    return 1 if data["outOfSupport"] else 0
