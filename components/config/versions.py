"""``cluster.kubernetesVersion`` against the cloud's support calendar (``components.catalog.kubernetes``).

Errors stop the stack; warnings are printed by ``llz validate``/``preview`` and logged under ``pulumi up``.

- Not in the calendar, not yet released, or past all support: error, naming the dates and what the cloud
  creates today.
- Past standard support, within extended support (EKS extended, GKE Extended channel, AKS LTS): the stack
  must opt in with ``cluster.extendedSupport: true`` (it costs more) in prod; elsewhere a warning on EKS,
  which still creates the cluster, and an error on GKE and AKS, which create such a version only in their
  extended offering.
- GKE: the version must be offered by the release channel the zone sets (STABLE in prod, REGULAR otherwise,
  EXTENDED with the opt-in).
- Within ``WARN_DAYS`` of the end of the support the stack relies on: a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from llmops_landing_zone.components.catalog import kubernetes as k8s
from llmops_landing_zone.components.catalog.kubernetes import EXTENDED_NAME, SERVICE, Phase
from llmops_landing_zone.components.config.models import ZoneConfig

Issue = tuple[str, str]
PATH = "cluster.kubernetesVersion"
OPT_IN = "cluster.extendedSupport"


def gke_channel(cfg: ZoneConfig) -> str:
    """The GKE release channel of the zone (one place: the cluster component and the checks read it)."""
    if cfg.cluster.extended_support:
        return "EXTENDED"
    return "STABLE" if cfg.is_prod else "REGULAR"


def _creates(cfg: ZoneConfig, on: date) -> str:
    channel = gke_channel(cfg) if cfg.cloud == "gcp" else None
    where = f" in the {channel} channel" if channel else ""
    return f"{SERVICE[cfg.cloud]} creates{where}: {k8s.describe_creatable(cfg.cloud, on, channel)}"


def version_issues(cfg: ZoneConfig, on: date) -> Iterator[Issue]:
    minor, svc = cfg.cluster.kubernetes_version, SERVICE[cfg.cloud]
    row = k8s.calendar(cfg.cloud).get(minor)
    if row is None:
        yield PATH, (f"Kubernetes {minor} is not in the {svc} support calendar (recorded "
                     f"{k8s.as_of(cfg.cloud)}); {_creates(cfg, on)}")
        return
    phase = row.phase(on)
    if phase is Phase.PREVIEW:
        yield PATH, f"{svc} offers Kubernetes {minor} from {row.released}; {_creates(cfg, on)}"
        return
    if phase is Phase.ENDED:
        ended = (f"{svc} support for Kubernetes {minor} ended on {row.end_of_support}"
                 + (f" (standard support on {row.end_of_standard})" if row.end_of_extended else ""))
        yield PATH, f"{ended}; {svc} no longer creates it. {_creates(cfg, on)}"
        return
    opted = cfg.cluster.extended_support
    if opted and row.end_of_extended is None:
        yield OPT_IN, f"{svc} offers no extended support for Kubernetes {minor}; remove the key or change version"
    if phase is Phase.EXTENDED and not opted:
        since = (f"Kubernetes {minor} left standard support on {svc} on {row.end_of_standard} and is in "
                 f"{EXTENDED_NAME[cfg.cloud]} until {row.end_of_extended}")
        if cfg.is_prod or cfg.cloud != "aws":
            yield PATH, (f"{since}: set {OPT_IN}: true to accept its cost, or use a version in standard "
                         f"support. {_creates(cfg, on)}")
            return
    if cfg.cloud == "gcp":
        channel = gke_channel(cfg)
        if channel not in row.channels:
            offered = " or ".join(row.channels) or "no channel"
            yield PATH, (f"the zone's GKE release channel is {channel} ({_channel_reason(cfg)}), which does not "
                         f"offer {minor} to new clusters ({offered} does, as of {row.as_of}); "
                         f"{_creates(cfg, on)}")


def _channel_reason(cfg: ZoneConfig) -> str:
    if cfg.cluster.extended_support:
        return f"{OPT_IN} is true"
    return "prod" if cfg.is_prod else f"{cfg.environment}"


def version_warnings(cfg: ZoneConfig, on: date) -> Iterator[Issue]:
    """Support that ends soon, or an EKS dev/staging stack in extended support without the opt-in."""
    minor, svc = cfg.cluster.kubernetes_version, SERVICE[cfg.cloud]
    row = k8s.calendar(cfg.cloud).get(minor)
    if row is None or not row.creatable(on):
        return
    opted = cfg.cluster.extended_support
    if row.phase(on) is Phase.EXTENDED and not opted:
        yield PATH, (f"Kubernetes {minor} left standard support on {svc} on {row.end_of_standard}; with the "
                     f"STANDARD upgrade policy EKS upgrades the cluster to the next minor. Upgrade, or set "
                     f"{OPT_IN}: true to keep {minor} until {row.end_of_extended} at the extended-support fee")
        return
    end, what = ((row.end_of_support, "extended support") if opted and row.end_of_extended
                 else (row.end_of_standard, "standard support"))
    if k8s.ending_soon(end, on):
        days = (end - on).days
        newer = [s.minor for s in k8s.creatable(cfg.cloud, on) if k8s.minor_key(s.minor) > k8s.minor_key(minor)
                 and s.phase(on) is Phase.STANDARD]
        target = f"plan the upgrade to {newer[0]}" if newer else "plan the upgrade"
        yield PATH, f"{what} for Kubernetes {minor} on {svc} ends on {end} (in {days} days); {target}"
