"""GCP rules of the stack config (registered with components.config.registry; limits from limits.py, no provider
SDK imported)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic.alias_generators import to_camel

from llmops_landing_zone.components.config.checks import name_issues
from llmops_landing_zone.components.config.models import ZoneConfig, existing_issues
from llmops_landing_zone.components.config.registry import Issue, register
from llmops_landing_zone.components.gcp import limits
from llmops_landing_zone.components.gcp.names import NAME_RULES

GCP_LABEL = re.compile(r"^[a-z0-9_-]{0,63}$")


@register("gcp")
def names(cfg: ZoneConfig) -> Iterator[Issue]:
    yield from name_issues(cfg, NAME_RULES)


@register("gcp")
def limits_and_reserved_names(cfg: ZoneConfig) -> Iterator[Issue]:
    if problem := limits.cidr_problem(cfg.network.cidr):
        yield "network.cidr", problem
    if cfg.budget is not None and (problem := limits.budget_channels_problem(cfg.budget.notify.emails)):
        yield "budget.notify.emails", problem
    # gpuPools.system is refused for every cloud (components/config/checks.py); a vllm endpoint without a pool gets a pool of
    # its own key, so an endpoint named "system" would collide with the GKE system node pool too.
    sized = cfg.endpoints.get(limits.SYSTEM_POOL_KEY)
    if sized is not None and sized.runtime == "vllm" and sized.pool is None:
        yield f"endpoints.{limits.SYSTEM_POOL_KEY}.pool", limits.reserved_pool_problem()
    members = [m for t in cfg.teams.values() for m in t.members]
    if problem := limits.group_domains_problem(limits.group_domains(members)):
        yield "teams", problem


@register("gcp")
def labels(cfg: ZoneConfig) -> Iterator[Issue]:
    """Tags become GCP labels: stricter keys and values than AWS or Azure tags."""
    for key, value in cfg.tags.items():
        if not GCP_LABEL.match(key.lower()) or len(key) > 63:
            yield f"tags.{key}", "GCP label keys are at most 63 characters of a-z, 0-9, _ and -"
        elif len(value) > 63:
            yield f"tags.{key}", f"GCP label values are at most 63 characters; this one has {len(value)}"


NETWORK = re.compile(r"^(https://www\.googleapis\.com/compute/v1/)?projects/(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])"
                     r"/global/networks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
SUBNETWORK = re.compile(r"^(https://www\.googleapis\.com/compute/v1/)?projects/(?P<project>[a-z][a-z0-9-]{4,28}"
                        r"[a-z0-9])/regions/(?P<region>[a-z0-9-]+)/subnetworks/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
RESOURCE_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")  # RFC 1035 names: ranges, addresses
GKE_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")
LOCATION = re.compile(r"^[a-z]+-[a-z]+[0-9]+(-[a-z])?$")


@register("gcp")
def existing(cfg: ZoneConfig) -> Iterator[Issue]:
    """network.existing (network, subnetwork, the pods/services range names) and cluster.existing (name,
    location): complete, GCP-only, well-formed, in the zone's project and region (Shared VPC is not supported)."""
    net, cluster = cfg.network.existing, cfg.cluster.existing
    yield from existing_issues(net, cluster, "gcp",
                               ("network", "subnetwork", "pods_range_name", "services_range_name"), ("name",))
    if net is not None:
        path = "network.existing"
        if net.network is not None:
            if not (m := NETWORK.match(net.network)):
                yield f"{path}.network", f"'{net.network}' is not a network self-link (projects/<p>/global/networks/<n>)"
            elif m["project"] != cfg.project:
                yield f"{path}.network", (f"is in project {m['project']}, not the zone's project {cfg.project} "
                                          "(Shared VPC host networks are not supported yet)")
        if net.subnetwork is not None:
            if not (m := SUBNETWORK.match(net.subnetwork)):
                yield (f"{path}.subnetwork", (f"'{net.subnetwork}' is not a subnetwork self-link "
                       "(projects/<p>/regions/<r>/subnetworks/<n>)"))
            elif m["region"] != cfg.region:
                yield f"{path}.subnetwork", f"is in region {m['region']}, not the zone's region {cfg.region}"
            elif m["project"] != cfg.project:
                yield f"{path}.subnetwork", f"is in project {m['project']}, not the zone's project {cfg.project}"
        for field_name in ("pods_range_name", "services_range_name", "services_access_range_name"):
            value = getattr(net, field_name)
            if value is not None and not RESOURCE_NAME.match(value):
                yield f"{path}.{to_camel(field_name)}", f"'{value}' is not a GCP resource name"
        if net.pods_range_name is not None and net.pods_range_name == net.services_range_name:
            yield f"{path}.servicesRangeName", "must differ from podsRangeName"
        if net.services_access_range_name is None:
            for key, store in cfg.vector_stores.items():
                if store.engine == "alloydb":
                    yield (f"{path}.servicesAccessRangeName", (f"is required: vectorStores.{key} (alloydb) "
                           "connects through the network's private services access range"))
                    break
    if cluster is not None:
        if cluster.name is not None and not GKE_NAME.match(cluster.name):
            yield "cluster.existing.name", f"'{cluster.name}' is not a GKE cluster name"
        if cluster.location is not None and not LOCATION.match(cluster.location):
            yield "cluster.existing.location", f"'{cluster.location}' is not a GCP region or zone"


@register("gcp", stage="warn")
def unpriceable_endpoints(cfg: ZoneConfig) -> Iterator[Issue]:
    """A managed endpoint for a model outside Model Garden plans an empty Vertex AI endpoint (the ML pipeline
    deploys the model): the estimate cannot price it, so validation says so (the advisory guardrail
    cost-estimate-complete says it again on the plan). A warning: the stack stays valid."""
    from llmops_landing_zone.components.gcp.serving import MODEL_GARDEN

    for key, ep in cfg.endpoints.items():
        if ep.runtime == "managed" and (not isinstance(ep.model, str) or (ep.model, ep.precision) not in MODEL_GARDEN):
            yield (f"endpoints.{key}.model", (
                "not in Model Garden at this precision: the zone creates an empty Vertex AI endpoint and the ML "
                "pipeline deploys the model, so the cost estimate cannot price it (guardrail "
                "cost-estimate-complete); budget for it by hand: machine $/h (llz size --cloud gcp) x replicas x "
                "730 h on top of budget.monthlyLimitUsd"))


@register("gcp")
def canaries(cfg: ZoneConfig) -> Iterator[Issue]:
    """Vertex AI splits an endpoint's traffic between deployed models but cannot mirror it, and a Model Garden
    deployment owns its endpoint with one model: a managed canary needs an endpoint the ML pipeline deploys to."""
    from llmops_landing_zone.components.gcp.serving import MODEL_GARDEN

    for key, ep in cfg.endpoints.items():
        c, path = ep.canary, f"endpoints.{key}.canary"
        if c is None or ep.runtime != "managed":
            continue
        if c.mirror:
            yield f"{path}.mirror", ("Vertex AI endpoints split traffic between deployed models but have no "
                                     "mirroring (shadow) mode; use mirror: false for a weighted canary, or run the "
                                     "endpoint on vllm, whose gateway mirrors")
        if isinstance(ep.model, str) and (ep.model, ep.precision) in MODEL_GARDEN:
            yield path, (f"{ep.model} ({ep.precision}) is a Model Garden deployment, which creates its own endpoint "
                         "with one deployed model, so no traffic split can be declared on it; run the endpoint on "
                         "vllm for a canary")
        if c.checkpoint is not None:
            yield f"{path}.checkpoint", ("the ML pipeline deploys the models of a Vertex AI endpoint; a checkpoint "
                                         "applies to runtime: vllm")
