"""Azure rules of the stack config (registered with components.config.registry; limits from names.py, registry.py
and limits.py, no provider SDK imported)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic.alias_generators import to_camel

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure import registry as model_registry
from llmops_landing_zone.components.azure.limits import MAX_VECTOR_DIMENSIONS
from llmops_landing_zone.components.config.checks import RESERVED_POOL_KEYS, VECTOR_ENGINES, name_issues
from llmops_landing_zone.components.config.models import ZoneConfig, existing_issues
from llmops_landing_zone.components.config.registry import Issue, register


@register("azure")
def name_limits(cfg: ZoneConfig) -> Iterator[Issue]:
    yield from name_issues(cfg, names.NAME_RULES)


@register("azure")
def agent_pool_names(cfg: ZoneConfig) -> Iterator[Issue]:
    """AKS agent pool names are the keys without hyphens: two keys that render alike (``a100-x``, ``a100x``), or
    one that renders to the system pool's name (``sys-tem``), would collide. Pools sized for a vLLM endpoint
    without a pool are named after the endpoint. (Length: ``names``; the key ``system`` itself: the generic
    pool check.)"""
    keys = {k: f"gpuPools.{k}" for k in cfg.gpu_pools}
    keys.update({k: f"endpoints.{k}" for k, ep in cfg.endpoints.items()
                 if ep.runtime == "vllm" and ep.pool is None and k not in cfg.gpu_pools})
    seen: dict[str, str] = {}
    for key, path in keys.items():
        rendered = names.AGENT_POOL.render(cfg.name, key)
        if rendered == names.SYSTEM_POOL and key not in RESERVED_POOL_KEYS:
            yield path, f"the AKS agent pool name '{rendered}' is the zone's system pool; choose another key"
        elif rendered in seen:
            yield path, f"the AKS agent pool name '{rendered}' is also the name of {seen[rendered]}; rename one"
        seen.setdefault(rendered, path)


@register("azure")
def services(cfg: ZoneConfig) -> Iterator[Issue]:
    """Names, models, dimensions and receivers the Azure services accept."""
    limit = MAX_VECTOR_DIMENSIONS
    if "--" in cfg.name:
        yield "name", "Azure Key Vault names may not contain consecutive hyphens"
    for key, ep in cfg.endpoints.items():
        if ep.runtime != "managed":
            continue
        if problem := names.ML_ENDPOINT.problem(cfg.name, key):
            yield f"endpoints.{key}", problem
        if model_registry.registry_model(ep.model, ep.precision) is None:
            offered = ", ".join(f"{m} ({p})" for m, p in sorted(model_registry.AZUREML_MODELS))
            model = ep.model if isinstance(ep.model, str) else ep.model.name
            yield f"endpoints.{key}.model", (
                f"managed endpoints on Azure deploy an Azure ML model catalog entry; none for {model} at "
                f"{ep.precision} (offered: {offered}); use runtime: vllm for other models")
        c = ep.canary
        if c is not None and model_registry.registry_model(c.model, c.precision or ep.precision) is None:
            model = c.model if isinstance(c.model, str) else c.model.name
            yield f"endpoints.{key}.canary.model", (
                f"a managed canary on Azure deploys an Azure ML model catalog entry too; none for {model} at "
                f"{c.precision or ep.precision}")
        if c is not None and c.checkpoint is not None:
            yield f"endpoints.{key}.canary.checkpoint", (
                "Azure ML deployments load the registry model's own weights; a checkpoint applies to runtime: vllm")
    for key, store in cfg.vector_stores.items():
        if store.engine in VECTOR_ENGINES["azure"] and store.dimensions > limit:
            yield f"vectorStores.{key}.dimensions", (
                f"{store.engine} vector indexes take at most {limit} dimensions, not {store.dimensions}")
    for key, team in cfg.teams.items():
        lowered = [m.lower() for m in team.members]
        for i, member in enumerate(lowered):
            if member in lowered[:i]:
                yield f"teams.{key}.members.{i}", f"'{team.members[i]}' is listed twice"
    if cfg.budget is not None and not cfg.budget.notify.emails:
        yield "budget.notify.emails", "Azure budget alerts need at least one email receiver for the action group"


SUBNET_ID = re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\w.()]{1,90}/providers/"
                       r"Microsoft\.Network/virtualNetworks/[-\w.]{2,64}/subnets/[-\w.]{1,80}$", re.ASCII)
RESOURCE_GROUP = re.compile(r"^[-\w.()]{1,90}$", re.ASCII)
AKS_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$")


@register("azure")
def existing(cfg: ZoneConfig) -> Iterator[Issue]:
    """network.existing (nodes, private-endpoint and API server subnet ids) and cluster.existing (name,
    resourceGroup): complete, Azure-only, well-formed, the subnets of one VNet."""
    net, cluster = cfg.network.existing, cfg.cluster.existing
    required = ("nodes_subnet_id", "endpoints_subnet_id") + (() if cluster else ("api_server_subnet_id",))
    yield from existing_issues(net, cluster, "azure", required, ("name", "resource_group"))
    if net is not None:
        vnets = set()
        for field_name in ("nodes_subnet_id", "endpoints_subnet_id", "api_server_subnet_id"):
            value = getattr(net, field_name)
            if value is None:
                continue
            if not SUBNET_ID.match(value):
                yield (f"network.existing.{to_camel(field_name)}", ("is not a subnet resource id (/subscriptions/<id>/"
                       "resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)"))
            else:
                vnets.add(value.split("/subnets/")[0].lower())
        if len(vnets) > 1:
            yield "network.existing", "the subnets must belong to one virtual network"
        if net.nodes_subnet_id and net.nodes_subnet_id in (net.endpoints_subnet_id, net.api_server_subnet_id):
            yield "network.existing.nodesSubnetId", "must differ from the endpoints and API server subnets"
    if cluster is not None:
        if cluster.name is not None and not AKS_NAME.match(cluster.name):
            yield "cluster.existing.name", f"'{cluster.name}' is not an AKS cluster name"
        if cluster.resource_group is not None and not RESOURCE_GROUP.match(cluster.resource_group):
            yield "cluster.existing.resourceGroup", f"'{cluster.resource_group}' is not a resource group name"


@register("azure", stage="warn")
def managed_node_disks(cfg: ZoneConfig) -> Iterator[Issue]:
    """A GPU pool whose node disk does not fit its VM's local disk gets a managed OS disk instead of an ephemeral
    one (``os_disk``): slower image unpack on every new node, and a disk billed per node. A warning: the stack
    stays valid."""
    from llmops_landing_zone.components import resolve
    from llmops_landing_zone.components.azure.os_disk import os_disk

    for key, spec in resolve.pools(cfg).items():
        if (disk := os_disk(key, spec.shape, spec.disk_size_gb)).fallback:
            yield f"gpuPools.{key}.diskSizeGb", disk.fallback
