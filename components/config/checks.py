"""Cross-field rules of the stack config. Each returns issues as (key path, message); all run, all report.

The rules here hold on every cloud. Cloud-specific rules live with their cloud (``components/<cloud>/checks.py``)
and the sizing fit check with sizing; they register themselves (``components.config.registry``), so this
package imports no cloud and no sizing code.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterator
from datetime import date

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.catalog import kubernetes as k8s_calendar
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.components.config.deploy import deploy_issues
from llmops_landing_zone.components.config.models import ZoneConfig, canary_key
from llmops_landing_zone.components.config.registry import Check, Issue, registered
from llmops_landing_zone.components.config.versions import version_issues
from llmops_landing_zone.components.naming import NameRule
from llmops_landing_zone.components.network_plan import cidr_problem

VECTOR_ENGINES = {
    "aws": ("opensearch-serverless", "aurora-pgvector"),
    "gcp": ("vertex-vector-search", "alloydb"),
    "azure": ("ai-search", "cosmosdb"),
}
REGION_KEY = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}
CLOUD_ARTICLE = {"aws": "an AWS", "gcp": "a GCP", "azure": "an Azure"}

PRINCIPALS: dict[str, tuple[re.Pattern[str], str]] = {
    "aws": (re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$"),
            "an IAM role or user ARN (arn:aws:iam::<12-digit account>:role/<name>)"),
    "gcp": (re.compile(r"^(user|group|serviceAccount):[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"),
            "an IAM member (user:, group: or serviceAccount: followed by an email)"),
    "azure": (re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
              "an Entra ID object id (GUID) of a user or group"),
}


RESERVED_POOL_KEYS = ("system",)  # the cluster's own node pool is named <zone>-system on every cloud


def _gpu_pools(cfg: ZoneConfig) -> Iterator[Issue]:
    offered = catalog.gpus_offered(cfg.cloud)
    for key, pool in cfg.gpu_pools.items():
        path = f"gpuPools.{key}"
        if key in RESERVED_POOL_KEYS:
            yield path, f"'{key}' is reserved for the cluster's system node pool; choose another name"
        if pool.min_nodes > pool.max_nodes:
            yield f"{path}.minNodes", f"minNodes ({pool.min_nodes}) must not exceed maxNodes ({pool.max_nodes})"
        if pool.gpu not in offered:
            yield f"{path}.gpu", f"GPU '{pool.gpu}' is not offered on {cfg.cloud}; choose one of {', '.join(offered)}"
            continue
        if pool.instance_type is not None:
            shape = catalog.shape_named(cfg.cloud, pool.instance_type)
            if shape is None:
                yield f"{path}.instanceType", f"'{pool.instance_type}' is not a {cfg.cloud} GPU shape in the catalog"
            elif (shape.gpu, shape.gpus) != (pool.gpu, pool.gpus_per_node):
                yield (f"{path}.instanceType", (f"'{shape.name}' has {shape.gpus} x {shape.gpu}, but the pool asks "
                       f"for {pool.gpus_per_node} x {pool.gpu}"))
        elif catalog.shape_for(cfg.cloud, pool.gpu, pool.gpus_per_node) is None:
            counts = ", ".join(str(n) for n in catalog.gpu_counts(cfg.cloud, pool.gpu))
            yield (f"{path}.gpusPerNode", (f"no {cfg.cloud} shape in the catalog has {pool.gpus_per_node} x "
                   f"{pool.gpu}; shapes exist with {counts} GPU(s) per node"))


def _endpoints(cfg: ZoneConfig) -> Iterator[Issue]:
    models = catalog.model_architectures()
    for key, ep in cfg.endpoints.items():
        path = f"endpoints.{key}"
        if isinstance(ep.model, str):
            arch = models.get(ep.model)
            if arch is None:
                yield (f"{path}.model", (f"unknown model '{ep.model}'; use a catalog id ({', '.join(sorted(models))}) "
                       "or an explicit architecture"))
            elif ep.max_context > arch.max_context:
                yield f"{path}.maxContext", f"{ep.max_context} exceeds the model's maximum of {arch.max_context}"
        elif ep.max_context > ep.model.max_context:
            yield f"{path}.maxContext", f"{ep.max_context} exceeds the model's maximum of {ep.model.max_context}"
        if ep.replicas.min > ep.replicas.max:
            yield f"{path}.replicas.min", f"min ({ep.replicas.min}) must not exceed max ({ep.replicas.max})"
        if ep.runtime == "managed":
            if ep.pool is not None:
                yield f"{path}.pool", "a managed endpoint runs on the cloud's serving instances, not on a pool"
            if ep.replicas.min < 1:
                yield f"{path}.replicas.min", "managed endpoints cannot scale to zero; use at least 1"
        else:
            if ep.instance_type is not None:
                yield f"{path}.instanceType", "instanceType applies to managed endpoints; vllm endpoints use a pool"
            if ep.pool is not None and ep.pool not in cfg.gpu_pools:
                known = ", ".join(sorted(cfg.gpu_pools)) or "none defined"
                yield f"{path}.pool", f"pool '{ep.pool}' is not defined under gpuPools (defined: {known})"


def _canaries(cfg: ZoneConfig) -> Iterator[Issue]:
    """A canary names a model that exists and holds the endpoint's context, differs from what the endpoint
    serves, and leaves its objects' name (<key>-canary) free. Whether it fits is sizing's fit check; what a
    cloud cannot do (mirror on Vertex AI) is that cloud's check."""
    models = catalog.model_architectures()
    for key, ep in cfg.endpoints.items():
        c, path = ep.canary, f"endpoints.{key}.canary"
        if c is None:
            continue
        if canary_key(key) in cfg.endpoints:
            yield path, (f"the canary's objects are named '{canary_key(key)}', which is also an endpoint's key; "
                         "rename that endpoint")
        if isinstance(c.model, str):
            arch = models.get(c.model)
            if arch is None:
                yield (f"{path}.model", (f"unknown model '{c.model}'; use a catalog id ({', '.join(sorted(models))}) "
                       "or an explicit architecture"))
                continue
            context = arch.max_context
        else:
            context = c.model.max_context
        if ep.max_context > context:
            yield f"{path}.model", (f"the canary serves the endpoint's maxContext ({ep.max_context}), which exceeds "
                                    f"its model's maximum of {context}")
        same_model = (c.model == ep.model and c.checkpoint is None
                      and (c.precision or ep.precision) == ep.precision)
        if same_model:
            yield f"{path}.model", ("the canary serves the same model, weights and precision as the endpoint; give "
                                    "it another model, a checkpoint or a precision")
        if c.replicas is not None:
            if c.replicas.min > c.replicas.max:
                yield f"{path}.replicas.min", f"min ({c.replicas.min}) must not exceed max ({c.replicas.max})"
            if ep.runtime == "managed" and c.replicas.min < 1:
                yield f"{path}.replicas.min", "a managed canary cannot scale to zero; use at least 1"


# Prod API server allow-lists: no single network wider than a /8, and no set of networks that together admit
# more than a /8's worth of public addresses (0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0 in two halves).
AUTHORIZED_MIN_PREFIX = 8
AUTHORIZED_MAX_PUBLIC = 2 ** 24
# IPv4 ranges that are not publicly routable (IANA special-purpose registry): they do not count as public.
_NON_PUBLIC_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/3")]  # 224/4 multicast + 240/4 reserved


def public_addresses(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    """How many publicly routable addresses a network holds (IPv6: every global address counts)."""
    if net.version == 6:
        return 0 if not net.is_global else net.num_addresses
    total = net.num_addresses
    for reserved in _NON_PUBLIC_V4:  # disjoint blocks: subtract each overlap once
        if net.overlaps(reserved):
            total -= min(net.num_addresses, reserved.num_addresses)
    return total


def _authorized_networks(nets: list[str]) -> Iterator[Issue]:
    parsed = [ipaddress.ip_network(c, strict=False) for c in nets]
    for i, net in enumerate(parsed):
        if net.prefixlen == 0:
            yield f"cluster.authorizedNetworks.{i}", f"{nets[i]} opens the API server to the internet; not allowed in prod"
        elif net.version == 4 and net.prefixlen < AUTHORIZED_MIN_PREFIX:
            yield (f"cluster.authorizedNetworks.{i}",
                   (f"{nets[i]} is wider than a /{AUTHORIZED_MIN_PREFIX} ({net.num_addresses:,} addresses); "
                    "list the networks that need the API server, not allowed in prod"))
    by_version: dict[int, list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]]] = {}
    for i, net in enumerate(parsed):
        by_version.setdefault(net.version, []).append((i, net))
    for indexed in by_version.values():
        collapsed = list(ipaddress.collapse_addresses(n for _, n in indexed))  # overlaps counted once
        public = sum(public_addresses(n) for n in collapsed)
        if public > AUTHORIZED_MAX_PUBLIC and len(indexed) > 1:
            # reported on the widest entry, naming the whole set
            i, _ = max(indexed, key=lambda item: public_addresses(item[1]))
            listed = ", ".join(nets[j] for j, _ in indexed)
            yield (f"cluster.authorizedNetworks.{i}",
                   (f"together the authorized networks ({listed}) admit {public:,} public addresses, more than "
                    f"{AUTHORIZED_MAX_PUBLIC:,} (a /{AUTHORIZED_MIN_PREFIX}); not allowed in prod"))


def _network(cfg: ZoneConfig) -> Iterator[Issue]:
    if problem := cidr_problem(cfg.network.cidr, cfg.network.zones):
        yield "network.cidr", problem
    nets = cfg.cluster.authorized_networks
    if cfg.is_prod:
        yield from _authorized_networks(list(nets))
    if cfg.cluster.public_endpoint and not nets:
        # Never an implicit 0.0.0.0/0: dev may list it explicitly, prod may not (above).
        yield "cluster.publicEndpoint", "a public API endpoint needs cluster.authorizedNetworks (the CIDRs allowed)"
    system = cfg.cluster.system_nodes
    if system.count > system.max_count:
        yield "cluster.systemNodes.count", f"count ({system.count}) must not exceed maxCount ({system.max_count})"


def _vector_stores(cfg: ZoneConfig) -> Iterator[Issue]:
    offered = VECTOR_ENGINES[cfg.cloud]
    for key, store in cfg.vector_stores.items():
        if store.engine not in offered:
            yield (f"vectorStores.{key}.engine", (f"engine '{store.engine}' is not offered on {cfg.cloud}; "
                   f"choose {' or '.join(offered)}"))


def _teams(cfg: ZoneConfig) -> Iterator[Issue]:
    pattern, what = PRINCIPALS[cfg.cloud]
    for key, team in cfg.teams.items():
        for i, member in enumerate(team.members):
            if not pattern.match(member):
                yield f"teams.{key}.members.{i}", f"'{member}' is not {what}"


def _gateway(cfg: ZoneConfig) -> Iterator[Issue]:
    """The AI gateway's exposure, and the teams' models and limits against the zone's endpoints."""
    gw = cfg.gateway
    vllm = [k for k, ep in cfg.endpoints.items() if ep.runtime == "vllm"]
    if gw.enabled and not vllm:
        yield "gateway.enabled", "the AI gateway routes to vLLM endpoints and the zone has none; remove the key"
    if gw.exposure == "public":
        if gw.tls is None:
            yield "gateway.tls", "a public gateway needs TLS: set tls.certificateSecret (a kubernetes.io/tls Secret)"
        if gw.authentication == "none":
            yield "gateway.authentication", "a public gateway must authenticate every request; use api-key"
    elif gw.authentication == "none" and cfg.is_prod:
        yield "gateway.authentication", "a prod gateway must authenticate every request; use api-key"
    for key, team in cfg.teams.items():
        allowed = vllm if team.models is None else team.models
        for i, model in enumerate(team.models or []):
            if model not in cfg.endpoints:
                yield (f"teams.{key}.models.{i}", f"'{model}' is not an endpoint of the zone (endpoints: "
                       f"{', '.join(sorted(cfg.endpoints)) or 'none'})")
            elif model not in vllm:
                yield (f"teams.{key}.models.{i}", f"'{model}' is a managed endpoint, reached through its cloud's "
                       "SDK and IAM, not the gateway; list vLLM endpoints only")
        if team.limits is None:
            continue
        if not gw.enabled:
            yield f"teams.{key}.limits", "limits are enforced by the AI gateway, which this zone does not deploy"
        if team.limits.tokens_per_minute is None and team.limits.requests_per_minute is None \
                and not team.limits.models:
            yield f"teams.{key}.limits", "set tokensPerMinute, requestsPerMinute or per-model limits (models)"
        for model, limit in team.limits.models.items():
            path = f"teams.{key}.limits.models.{model}"
            if model not in cfg.endpoints:
                yield path, f"'{model}' is not an endpoint of the zone"
            elif model not in allowed:
                yield path, f"the team may not call '{model}' (teams.{key}.models); add it there or remove this limit"
            if limit.tokens_per_minute is None and limit.requests_per_minute is None:
                yield path, "set tokensPerMinute or requestsPerMinute"


def _audit_and_budget(cfg: ZoneConfig) -> Iterator[Issue]:
    if cfg.is_prod and cfg.audit.immutable is False:
        yield "audit.immutable", "prod audit logs must be immutable; remove the key or set it to true"
    if cfg.audit.lock_immutability and (cfg.cloud != "azure" or not cfg.audit.immutable):
        yield "audit.lockImmutability", ("applies to Azure with audit.immutable only (AWS and GCP lock the audit "
                                         "storage in the first deployment)")
    if cfg.budget is None:
        return
    th = cfg.budget.thresholds_percent
    for i, value in enumerate(th):
        if not 1 <= value <= 200:
            yield f"budget.thresholdsPercent.{i}", f"{value:g} is outside 1..200"
    if any(b <= a for a, b in itertools.pairwise(th)):
        yield "budget.thresholdsPercent", "thresholds must be strictly ascending"
    if cfg.cloud == "gcp" and not cfg.budget.billing_account:
        yield "budget.billingAccount", "GCP budgets need the billing account id (XXXXXX-XXXXXX-XXXXXX)"
    if cfg.cloud != "gcp" and cfg.budget.billing_account:
        yield "budget.billingAccount", f"billingAccount applies to GCP only, not {cfg.cloud}"


def _observability(cfg: ZoneConfig) -> Iterator[Issue]:
    """Grafana shows the managed Prometheus: nothing to show without collection; GCP's dashboard is Cloud
    Monitoring's (always there with observability), a Grafana there would be a second, unmanaged one."""
    if not cfg.observability.grafana:
        return
    if cfg.cloud == "gcp":
        yield "observability.grafana", ("GCP needs no Grafana: the serving dashboard is a Cloud Monitoring dashboard "
                                        "whenever observability is enabled; remove the key")
    elif not cfg.observability.enabled:
        yield "observability.grafana", "needs observability.enabled: true (Grafana shows the collected metrics)"


def _placement(cfg: ZoneConfig) -> Iterator[Issue]:
    if not cfg.region:
        yield f"@{REGION_KEY[cfg.cloud]}", f"the {cfg.cloud} region is required (set {REGION_KEY[cfg.cloud]})"
    if cfg.cloud == "gcp" and not cfg.project:
        yield "@gcp:project", "the GCP project id is required (set gcp:project)"


def _near(cloud: str, region: str, candidates: set[str]) -> str:
    near = regions.nearest(cloud, region, sorted(candidates))
    return f"regions that offer it, nearest first: {', '.join(near)}" if near else "no region in the catalog offers it"


def _region(cfg: ZoneConfig) -> Iterator[Issue]:
    """The region exists, and offers every configured pool's shape and every managed endpoint's instance type
    (``catalog.regions``: the dated regions and offers files)."""
    if not cfg.region:
        return
    key = f"@{REGION_KEY[cfg.cloud]}"
    known = regions.regions(cfg.cloud)
    if cfg.region not in known:
        like = regions.similar_names(cfg.cloud, cfg.region)
        hint = f"; did you mean {' or '.join(like)}?" if like else f" (the catalog lists {len(known)} {cfg.cloud} regions)"
        yield key, f"'{cfg.region}' is not {CLOUD_ARTICLE[cfg.cloud]} region{hint}"
        return
    offered = catalog.gpus_offered(cfg.cloud)
    for k, pool in cfg.gpu_pools.items():
        path = f"gpuPools.{k}"
        if pool.gpu not in offered:
            continue  # _gpu_pools reports it
        if pool.instance_type is not None:
            shape = catalog.shape_named(cfg.cloud, pool.instance_type)
            if shape is not None and regions.offer(cfg.cloud, shape.name, cfg.region) is None:
                yield (f"{path}.instanceType", f"{shape.name} is not offered in {cfg.region}; "
                       f"{_near(cfg.cloud, cfg.region, set(regions.offering(cfg.cloud, shape.name)))}")
            continue
        same = [s for s in catalog.shapes(cfg.cloud) if s.gpu == pool.gpu and s.gpus == pool.gpus_per_node]
        if same and regions.shape_for(cfg.cloud, pool.gpu, pool.gpus_per_node, cfg.region) is None:
            where = {r for s in same for r in regions.offering(cfg.cloud, s.name)}
            names = "/".join(s.name for s in same)
            yield (f"{path}.gpu", f"no {cfg.cloud} shape with {pool.gpus_per_node} x {pool.gpu} ({names}) is "
                   f"offered in {cfg.region}; {_near(cfg.cloud, cfg.region, where)}")
    managed = [s for s in catalog.services(cfg.cloud) if s != "compute"]
    for k, ep in cfg.endpoints.items():
        if ep.runtime != "managed" or not ep.instance_type or not managed:
            continue
        shape = catalog.shape_named(cfg.cloud, ep.instance_type, managed[0])
        if shape is not None and regions.offer(cfg.cloud, shape.name, cfg.region, managed[0]) is None:
            yield (f"endpoints.{k}.instanceType", f"{shape.name} ({managed[0]}) is not offered in {cfg.region}; "
                   f"{_near(cfg.cloud, cfg.region, set(regions.offering(cfg.cloud, shape.name, managed[0])))}")


def name_issues(cfg: ZoneConfig, rules: list[NameRule]) -> Iterator[Issue]:
    """Name limits of a cloud (its ``names.NAME_RULES``) for the zone name and every keyed map they cover."""
    for rule in rules:
        if rule.over is None:
            if problem := rule.problem(cfg.name):
                yield "name", problem
            continue
        for key, item in getattr(cfg, _snake(rule.over)).items():
            if rule.engine is not None and getattr(item, "engine", None) != rule.engine:
                continue
            if problem := rule.problem(cfg.name, key):
                yield f"{rule.over}.{key}", problem
        if rule.over == "gpuPools":  # pools sized for endpoints without one are named after the endpoint
            for key, ep in cfg.endpoints.items():
                if ep.runtime == "vllm" and ep.pool is None and (problem := rule.problem(cfg.name, key)):
                    yield f"endpoints.{key}", problem


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


CHECKS: list[Check] = [
    _placement, _region, _gpu_pools, _endpoints, _canaries, _network, _vector_stores, _teams, _gateway,
    _audit_and_budget, _observability, deploy_issues,
]


def cross_checks(cfg: ZoneConfig, on: date | None = None, versions: bool = True) -> list[Issue]:
    """Every cross-field issue; ``on`` is the date the Kubernetes version is judged on (default: today)."""
    issues: list[Issue] = list(version_issues(cfg, on or k8s_calendar.today())) if versions else []
    cloud_checks, fit_checks = registered(cfg.cloud)
    for check in [*CHECKS, *cloud_checks]:
        issues.extend(check(cfg))
    if not issues:  # the fit checks need consistent pools and models
        for check in fit_checks:
            issues.extend(check(cfg))
    return issues
