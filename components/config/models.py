"""The stack config contract (namespace ``llmops``, key ``zone``): pydantic v2 models, camelCase in YAML.

Field-level rules live on the fields; rules that relate several fields live in ``checks.py`` so that all
of them are reported at once, each with its key path. Environment-driven defaults (``None`` here) are
resolved by ``ZoneConfig.resolve_defaults``: prod is locked down, dev relaxes only cost-related defaults.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from llmops_landing_zone.components.config import limits

Cloud = Literal["aws", "gcp", "azure"]
Environment = Literal["dev", "staging", "prod"]
Precision = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
TeamRole = Literal["admin", "developer", "viewer"]

# Map keys become parts of resource names and URNs: DNS labels, short enough for every cloud once prefixed.
KEY_PATTERN = r"^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$"
ZONE_NAME_PATTERN = r"^[a-z][a-z0-9-]{1,10}[a-z0-9]$"
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
TAG_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,62}$"
GCP_PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"


def _cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not a valid IPv4 CIDR block ({exc})") from None
    if net.version != 4:
        raise ValueError("must be an IPv4 CIDR block")
    return str(net)


def _model_name(value: str) -> str:
    if ".." in value or value.startswith("/"):
        raise ValueError("must not contain '..' or start with '/' (it becomes part of the model URI)")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
Key = Annotated[str, Field(pattern=KEY_PATTERN)]


# Numbers and booleans are strict (StrictInt, StrictBool, float fields with strict=True): YAML's true/false never
# pass as 1/0 nor 1/"yes" as true, "3" is not 3;
# a float field still takes an integer. Collections are capped (components/config/limits.py).


class Model(BaseModel):
    """Base: camelCase aliases, unknown keys rejected (a typo must not silently become a default)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=False)


def _for(cloud: str, description: str) -> dict:
    """A field of one cloud's ``existing`` block: its cloud is recorded in the schema, and ``foreign_fields``
    reads it so that each cloud's checks refuse the others' fields."""
    return {"default": None, "description": f"{cloud.upper() if cloud != 'azure' else 'Azure'}: {description}",
            "json_schema_extra": {"cloud": cloud}}


class _Existing(Model):
    def foreign_fields(self, cloud: str) -> list[tuple[str, str]]:
        """(camelCase key, owning cloud) of each field set here that belongs to another cloud."""
        out = []
        for field_name in sorted(self.model_fields_set):
            info = type(self).model_fields[field_name]
            owner = (info.json_schema_extra or {}).get("cloud")  # type: ignore[union-attr]
            if owner not in (None, cloud) and getattr(self, field_name) is not None:
                out.append((to_camel(field_name), str(owner)))
        return out


class ExistingNetworkConfig(_Existing):
    """Ids of a network the user owns: the zone attaches to it instead of creating one (bring your own network).

    Each cloud reads its own fields and its checks.py refuses the others' and any missing one, with the key path.
    """

    # AWS (components/aws/checks.py). The VPC's CIDR and the subnets' zones are looked up.
    vpc_id: str | None = Field(max_length=64, **_for("aws", "id of the VPC (vpc-...)"))
    private_subnet_ids: list[Annotated[str, Field(max_length=64)]] | None = Field(
        max_length=16, **_for("aws", "private subnets for nodes, endpoints and databases, one or more per zone; "
                                     "they need a route to ECR, STS and S3 (VPC endpoints or NAT)"))

    # GCP (components/gcp/checks.py)
    network: str | None = Field(max_length=512, **_for("gcp", "self-link of the VPC network"))
    subnetwork: str | None = Field(max_length=512, **_for(
        "gcp", "self-link of the node subnetwork, in the zone's region"))
    pods_range_name: str | None = Field(max_length=512, **_for(
        "gcp", "the subnetwork's secondary range for pods"))
    services_range_name: str | None = Field(max_length=512, **_for(
        "gcp", "the subnetwork's secondary range for services"))
    services_access_range_name: str | None = Field(max_length=512, **_for(
        "gcp", "the network's private services access range (global address), required for alloydb stores"))

    # Azure (components/azure/checks.py). The zone keeps its own resource group for what it creates.
    nodes_subnet_id: str | None = Field(max_length=512, **_for(
        "azure", "subnet of the AKS nodes (resource id); it brings its own egress (NAT gateway or firewall)"))
    endpoints_subnet_id: str | None = Field(max_length=512, **_for(
        "azure", "subnet of the zone's private endpoints (resource id)"))
    api_server_subnet_id: str | None = Field(max_length=512, **_for(
        "azure", "subnet delegated to Microsoft.ContainerService/managedClusters for the AKS API server "
                 "(API Server VNet Integration); required unless cluster.existing"))


class ExistingClusterConfig(_Existing):
    """A cluster the user owns: the zone adds its GPU pools and in-cluster layer to it instead of creating one.
    Requires ``network.existing`` (the cluster's network). Each cloud reads its own fields (see above)."""

    name: str | None = Field(None, max_length=512, description="name of the cluster (every cloud)")

    # AWS (components/aws/checks.py): the name is enough; endpoint, CA and OIDC issuer are looked up.

    # GCP (components/gcp/checks.py)
    location: str | None = Field(max_length=512, **_for(
        "gcp", "region or zone of the cluster (default: the zone's region)"))

    # Azure (components/azure/checks.py)
    resource_group: str | None = Field(max_length=512, **_for(
        "azure", "resource group of the AKS cluster"))


def existing_issues(network: ExistingNetworkConfig | None, cluster: ExistingClusterConfig | None, cloud: str,
                    network_fields: tuple[str, ...], cluster_fields: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Issues of ``network.existing`` / ``cluster.existing`` every cloud shares: a cluster needs its network,
    another cloud's fields are refused, and ``cloud``'s required fields (snake_case names) must be there. Each
    cloud's checks.py calls this and then checks its id formats."""
    if cluster is not None and network is None:
        yield "cluster.existing", ("requires network.existing: the zone's pools, endpoints and databases go in "
                                   "the existing cluster's network, so name that network too")
    for block, path, required in ((network, "network.existing", network_fields),
                                  (cluster, "cluster.existing", cluster_fields)):
        if block is None:
            continue
        for key, owner in block.foreign_fields(cloud):
            yield f"{path}.{key}", f"is a {owner} field; this is a {cloud} zone"
        for field_name in required:
            if getattr(block, field_name) in (None, []):
                yield f"{path}.{to_camel(field_name)}", f"is required on {cloud} with {path}"


class NetworkConfig(Model):
    existing: ExistingNetworkConfig | None = Field(None, description="attach to this network instead of creating one")
    cidr: Cidr = "10.40.0.0/16"
    zones: StrictInt = Field(3, ge=1, le=6, description="availability zones the network and node pools span")
    nat_per_zone: StrictBool | None = Field(None, description="one NAT gateway per zone (default: prod only)")


class SystemNodesConfig(Model):
    count: StrictInt = Field(2, ge=1, le=20)
    max_count: StrictInt = Field(4, ge=1, le=50)


class ClusterConfig(Model):
    existing: ExistingClusterConfig | None = Field(
        None, description="add GPU pools and the in-cluster layer to this cluster instead of creating one")
    # The minor only: each cloud applies patch releases itself. Checked against the cloud's support calendar
    # (components/catalog/data/kubernetes-<cloud>-<date>.csv) on the day of the run.
    kubernetes_version: str = Field("1.35", pattern=r"^1\.[0-9]{1,2}$",
                                    description="Kubernetes minor, e.g. \"1.35\"; must be creatable on the cloud today")
    extended_support: StrictBool = Field(
        False, description="accept paid support beyond standard support: EKS extended support ($0.60 instead of "
                           "$0.10 per cluster-hour), the GKE Extended channel, AKS Long-Term Support (Premium tier)")
    public_endpoint: StrictBool = False
    authorized_networks: list[Cidr] = Field(default_factory=list)
    system_nodes: SystemNodesConfig = Field(default_factory=SystemNodesConfig)


class GpuPoolConfig(Model):
    gpu: str = Field(description="GPU model id from the catalog, e.g. L4, A10G, L40S, A100-80GB, H100, H200")
    gpus_per_node: StrictInt = Field(1, ge=1, le=16)
    min_nodes: StrictInt = Field(0, ge=0, le=1000)
    max_nodes: StrictInt = Field(1, ge=1, le=1000)
    capacity: Literal["on-demand", "spot"] = "on-demand"
    instance_type: str | None = Field(None, description="explicit catalog shape; default: cheapest with gpusPerNode")
    disk_size_gb: StrictInt = Field(200, ge=50, le=4096)


class ArchitectureConfig(Model):
    """An explicit model architecture, for models not in the catalog (numbers from its config.json)."""

    name: Annotated[str, AfterValidator(_model_name)] = Field(pattern=r"^[A-Za-z0-9._/-]{1,128}$")
    layers: StrictInt = Field(ge=1, le=1024)
    attention_heads: StrictInt = Field(ge=1, le=1024)
    kv_heads: StrictInt = Field(ge=1, le=1024)
    head_dim: StrictInt = Field(ge=1, le=4096)
    parameters: StrictInt = Field(ge=1_000_000, le=10_000_000_000_000)
    max_context: StrictInt = Field(131072, ge=128, le=10_000_000)


class ReplicasConfig(Model):
    min: StrictInt = Field(1, ge=0, le=1000)
    max: StrictInt = Field(1, ge=1, le=1000)


class LoadConfig(Model):
    """The load an endpoint is expected to serve, for the cost per million tokens (components.finops.per_token)."""

    requests_per_second: float = Field(
        strict=True, gt=0, le=1_000_000, description="requests per second the endpoint is expected to serve")
    prompt_tokens: StrictInt = Field(ge=1, le=10_000_000, description="prompt tokens of a typical request")
    output_tokens: StrictInt = Field(ge=1, le=10_000_000, description="output tokens of a typical request")


class SloConfig(Model):
    """Serving SLO of a vLLM endpoint; every field defaults from the model's size and context
    (components/observability/slo.py documents the formula)."""

    ttft_p95_seconds: float | None = Field(
        None, strict=True, gt=0, le=600,
        description="95th percentile time to first token, seconds; default 0.5 + 0.25 x (maxContext / 8192) x "
                    "max(1, billions of parameters / 8), at most 60")
    itl_p95_seconds: float | None = Field(
        None, strict=True, gt=0, le=60,
        description="95th percentile inter-token latency, seconds; default 0.05 x max(1, sqrt(billions of "
                    "parameters / 8))")
    availability: float | None = Field(
        None, strict=True, ge=0.95, le=0.9999,
        description="share of requests finished without an abort or error over 30 days; default 0.995. At least "
                    "0.95 so that the fastest burn-rate alert (14.4 x the error budget) stays below 100%")
    max_waiting: StrictInt | None = Field(
        None, ge=1, le=100_000,
        description="requests waiting in one replica's queue (vllm:num_requests_waiting) tolerated for 5 "
                    "minutes; default: concurrency")


CANARY_SUFFIX = "-canary"  # a canary's objects are named <endpoint key>-canary (its own selectors and URNs)
MAX_CANARY_WEIGHT = 50  # a canary never takes the majority: past half, promote it (README "Canary releases")


def canary_key(endpoint: str) -> str:
    """The name of an endpoint's canary objects (Deployment, Service, variant, deployment), the same on every
    cloud."""
    return f"{endpoint}{CANARY_SUFFIX}"


class CanaryConfig(Model):
    """A second model released next to the endpoint's: it takes ``weight`` percent of the requests (A/B,
    canary), or with ``mirror`` receives a copy of that share whose answers are dropped (shadow). Promotion is
    a config change: its model becomes the endpoint's model and this block goes away."""

    model: str | ArchitectureConfig = Field(description="catalog id, or an explicit architecture (as the endpoint's)")
    checkpoint: Annotated[str, AfterValidator(_model_name)] | None = Field(
        None, pattern=r"^[A-Za-z0-9._/-]{1,256}$",
        description="path of the weights in the zone's model store (default: the model's Hugging Face repo id), "
                    "e.g. a fine-tune staged under fine-tunes/chat-v2")
    weight: StrictInt = Field(
        10, description="percent of the endpoint's requests the canary takes (mirror: percent copied to it), 1..50",
        json_schema_extra={"minimum": 1, "maximum": MAX_CANARY_WEIGHT})
    mirror: StrictBool = Field(
        False, description="shadow: copy weight percent of the requests to the canary and drop its answers "
                           "(not on Vertex AI managed endpoints)")
    precision: Precision | None = Field(None, description="default: the endpoint's precision")
    replicas: ReplicasConfig | None = Field(
        None, description="default: min 1, max the endpoint's replicas.max x weight% (at least 1)")

    @field_validator("weight")
    @classmethod
    def _weight(cls, weight: int) -> int:
        if not 1 <= weight <= MAX_CANARY_WEIGHT:
            raise ValueError(f"{weight} is outside 1..{MAX_CANARY_WEIGHT}: a canary takes at most half of the "
                             "traffic; to give it all, promote it (its model becomes the endpoint's model)")
        return weight


class EndpointConfig(Model):
    model: str | ArchitectureConfig
    precision: Precision = "bf16"
    max_context: StrictInt = Field(8192, ge=128, le=10_000_000)
    concurrency: StrictInt = Field(
        16, ge=1, le=4096, description="sequences the replica is sized to hold at maxContext (the sizing guarantee)")
    typical_tokens: StrictInt = Field(
        2048, ge=16, le=10_000_000,
        description="prompt + output tokens of a typical request (vLLM only): the replica batches as many of them "
                    "as its KV cache holds (--max-num-seqs, at most 256, never below concurrency); capped at "
                    "maxContext")
    kv_cache_dtype: Literal["auto", "fp8"] = Field(
        "auto", description="KV cache element type (vLLM only): auto = the model's compute dtype (16-bit, also "
                            "for fp8/int8/int4 weights; 32-bit for fp32), fp8 = 1 byte (--kv-cache-dtype fp8; "
                            "GPUs with FP8 only; check accuracy)")
    runtime: Literal["vllm", "managed"] = "vllm"
    pool: Key | None = Field(None, description="GPU pool to run on; default: a pool sized for the endpoint")
    replicas: ReplicasConfig = Field(default_factory=ReplicasConfig)
    exposure: Literal["internal", "public"] = "internal"
    instance_type: str | None = Field(None, description="managed runtime only: explicit catalog shape")
    load: LoadConfig | None = Field(
        None, description="expected load (requests/s, prompt and output tokens per request): `llz cost` prints the "
                          "replicas it needs and the cost per million output tokens; changes nothing deployed")
    slo: SloConfig | None = Field(
        None, description="vLLM only: serving SLO targets for the endpoint's alert rules (components/observability); "
                          "every field has a default derived from the model")
    canary: CanaryConfig | None = Field(
        None, description="a second model released next to this one (canary, A/B or shadow); on vLLM its own "
                          "Deployment and Service on the endpoint's pool, on managed runtimes a second variant, "
                          "deployed model or deployment on the endpoint")

    def canary_endpoint(self) -> EndpointConfig | None:
        """The canary as an endpoint of its own (its model, precision and replicas; everything else the
        endpoint's), for sizing, SLO rules and autoscaling; None without a canary."""
        c = self.canary
        if c is None:
            return None
        high = c.replicas.max if c.replicas else max(1, -(-self.replicas.max * c.weight // 100))
        low = c.replicas.min if c.replicas else min(1, high)
        return self.model_copy(update={
            "model": c.model, "precision": c.precision or self.precision, "canary": None, "load": None,
            "replicas": ReplicasConfig(min=low, max=high)})

    @field_validator("slo")
    @classmethod
    def _slo_needs_vllm(cls, slo: SloConfig | None, info: ValidationInfo) -> SloConfig | None:
        if slo is not None and info.data.get("runtime") == "managed":
            raise ValueError("slo applies to vLLM endpoints only (runtime: vllm); a managed endpoint is measured "
                             "by its cloud's own metrics")
        return slo

    @field_validator("load")
    @classmethod
    def _load_within_context(cls, load: LoadConfig | None, info: ValidationInfo) -> LoadConfig | None:
        context = info.data.get("max_context")  # absent when maxContext itself is invalid (reported there)
        if load is not None and isinstance(context, int) and load.prompt_tokens + load.output_tokens > context:
            raise ValueError(f"promptTokens + outputTokens ({load.prompt_tokens} + {load.output_tokens} = "
                             f"{load.prompt_tokens + load.output_tokens}) must not exceed maxContext ({context})")
        return load


def serving_workloads(endpoints: dict[str, EndpointConfig]) -> dict[str, EndpointConfig]:
    """Every endpoint and, keyed ``<endpoint>-canary``, every canary as an endpoint of its own: what SLO rules
    and autoscalers are written for."""
    out = {}
    for key, ep in endpoints.items():
        out[key] = ep
        if (canary := ep.canary_endpoint()) is not None:
            out[canary_key(key)] = canary
    return out


class VectorStoreConfig(Model):
    engine: Literal[
        "opensearch-serverless", "aurora-pgvector", "vertex-vector-search", "alloydb", "ai-search", "cosmosdb"
    ]
    dimensions: StrictInt = Field(ge=2, le=16000)
    metric: Literal["cosine", "dot-product", "euclidean"] = "cosine"


class RateLimit(Model):
    """Limits of a team at the AI gateway; a request over either gets HTTP 429."""

    tokens_per_minute: StrictInt | None = Field(
        None, ge=1, le=1_000_000_000, description="prompt + completion tokens per minute (counted from each "
                                                  "response's usage; the request that crosses the limit completes)")
    requests_per_minute: StrictInt | None = Field(None, ge=1, le=10_000_000, description="requests per minute")


class TeamLimits(RateLimit):
    """``teams.<name>.limits``: the team's limits over every model, and optionally per model."""

    models: dict[Key, RateLimit] = Field(
        default_factory=dict, max_length=limits.MAX_ENDPOINTS,
        description="per endpoint key: limits of the team on that model, counted on top of the team-wide ones")


class TeamConfig(Model):
    role: TeamRole
    members: list[str] = Field(default_factory=list, max_length=limits.MAX_TEAM_MEMBERS)
    gpu_quota: StrictInt = Field(4, ge=0, le=4096, description="nvidia.com/gpu requests the namespace may hold")
    models: list[Key] | None = Field(
        None, max_length=limits.MAX_ENDPOINTS,
        description="endpoint keys the team may call through the AI gateway; default: every vLLM endpoint of "
                    "the zone; [] for none")
    limits: TeamLimits | None = Field(
        None, description="tokens and requests per minute at the AI gateway (HTTP 429 beyond them)")


class GatewayTlsConfig(Model):
    certificate_secret: str = Field(
        pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
        description="name of a kubernetes.io/tls Secret in the gateway's namespace (ingress), e.g. issued by "
                    "cert-manager; the gateway's HTTPS listener serves it")


class GatewayConfig(Model):
    """The zone's AI gateway (Envoy Gateway + Envoy AI Gateway): one OpenAI-compatible entry routing by the
    request's ``model`` to the vLLM endpoints, with a key and limits per team (README, "AI gateway")."""

    enabled: StrictBool | None = Field(None, description="deploy the gateway (default: on when the zone has vLLM "
                                                         "endpoints)")
    exposure: Literal["internal", "public"] = Field(
        "internal", description="internal: a load balancer inside the network; public: an internet-facing one, "
                                "which needs tls and authentication")
    authentication: Literal["api-key", "none"] = Field(
        "api-key", description="api-key: every request carries a team's key (Authorization: Bearer <key>), kept "
                               "in the cloud's secret manager; none: no authentication (dev only, never public)")
    tls: GatewayTlsConfig | None = Field(None, description="HTTPS on the gateway's listener (required when public)")


class AuditConfig(Model):
    retention_days: StrictInt = Field(365, ge=1, le=3650)
    immutable: StrictBool | None = Field(None, description="WORM audit storage (default: prod only; prod cannot opt out)")
    lock_immutability: StrictBool = Field(
        False, description="Azure only: lock the audit WORM policy (irreversible). Azure creates immutability "
                           "policies unlocked, so set this after the first deployment and deploy again")


class NotifyConfig(Model):
    emails: list[Annotated[str, Field(pattern=EMAIL_PATTERN)]] = Field(default_factory=list)


class BudgetConfig(Model):
    monthly_limit_usd: float = Field(strict=True, gt=0, le=100_000_000)
    thresholds_percent: list[Annotated[float, Field(strict=True)]] = Field(default_factory=lambda: [50.0, 80.0, 100.0], min_length=1, max_length=5)
    forecast_alerts: StrictBool = True
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    billing_account: str | None = Field(None, pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")


class Suppression(Model):
    policy: str = Field(min_length=1)
    resource: str = Field("*", min_length=1, description="fnmatch pattern over resource names")
    reason: str = Field(min_length=10, description="why the violation is accepted; shown in every report")


class PolicySettings(Model):
    enforcement: dict[str, Literal["advisory", "mandatory", "disabled"]] = Field(default_factory=dict)
    suppressions: list[Suppression] = Field(default_factory=list, max_length=limits.MAX_SUPPRESSIONS)
    baseline: str | None = Field(None, description="baseline file (relative to stacks/) of accepted violations")


class GitHubAppConfig(Model):
    """The GitHub App the Azure deploy runner registers with; its private key is the zone Key Vault's secret
    ``deploy-runner-github-app-key`` (README, Deploying from CI)."""

    app_id: StrictInt = Field(..., ge=1, description="the GitHub App's id (its settings page, 'App ID')")
    installation_id: StrictInt = Field(..., ge=1, description="the app's installation id on the repository's "
                                       "owner (the installation's settings URL ends with it)")


class DeployConfig(Model):
    """How CI deploys a zone whose API server is private (components/deploy_path.py; README "Deploying from CI")."""

    repository: str | None = Field(
        None, pattern=r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$",
        description="GitHub owner/repo whose deploy workflow runs this stack; the deploy runner serves its jobs")
    runner: StrictBool | None = Field(
        None, description="a GitHub Actions runner inside the zone's network for the cluster pass (default: on "
                          "when the API server is private and repository is set; AWS and Azure)")
    state_store: str | None = Field(
        None, description="the Pulumi state backend (bootstrap output): the runner reads and writes the stack's "
                          "state there. AWS: the bucket ARN; Azure: the storage account's resource id")
    secrets_key: str | None = Field(
        None, description="the stack's secrets provider key (bootstrap output). AWS: the KMS key ARN; Azure: the "
                          "Key Vault key's resource id")
    github_app: GitHubAppConfig | None = Field(
        None, description="Azure: the GitHub App the runner registers with (AWS uses a CodeConnections "
                          "connection instead)")


class ObservabilityConfig(Model):
    """Serving observability of the zone: collection into the cloud's managed Prometheus, SLO and GPU rules
    routed to the budget's people, and KEDA autoscaling of vLLM endpoints (components/<cloud>/monitoring.py)."""

    enabled: StrictBool = Field(True, description="collect serving metrics, deploy SLO and GPU alert rules and "
                                "scale vLLM endpoints with KEDA (false: no collection, CPU HPA)")
    retention_days: StrictInt = Field(
        30, ge=1, le=3650, description="days the serving metrics are kept (AMP; GMP and Azure Monitor keep theirs)")
    grafana: StrictBool | None = Field(
        None, description="AWS and Azure: a private managed Grafana (Amazon Managed Grafana, Azure Managed Grafana) "
                          "with cloud-identity sign-in, the managed Prometheus as its data source and the zone's "
                          "serving dashboard. Default: on in staging and prod when observability is enabled. GCP "
                          "needs none: its serving dashboard is a Cloud Monitoring dashboard whenever observability "
                          "is enabled, so true is refused there")


class ZoneConfig(Model):
    name: str = Field(pattern=ZONE_NAME_PATTERN, description="prefix of every resource name, 3-12 chars")
    cloud: Cloud
    environment: Environment
    region: str | None = Field(None, description="filled from aws:region, gcp:region or azure-native:location")
    project: str | None = Field(None, pattern=GCP_PROJECT_PATTERN, description="GCP project id; filled from gcp:project")
    tags: dict[Annotated[str, Field(pattern=TAG_KEY_PATTERN)], Annotated[str, Field(max_length=256)]] = Field(
        default_factory=dict, max_length=limits.MAX_TAGS
    )
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    gpu_pools: dict[Key, GpuPoolConfig] = Field(default_factory=dict, max_length=limits.MAX_GPU_POOLS)
    endpoints: dict[Key, EndpointConfig] = Field(default_factory=dict, max_length=limits.MAX_ENDPOINTS)
    vector_stores: dict[Key, VectorStoreConfig] = Field(default_factory=dict, max_length=limits.MAX_VECTOR_STORES)
    teams: dict[Key, TeamConfig] = Field(default_factory=dict, max_length=limits.MAX_TEAMS)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    budget: BudgetConfig | None = None
    protect_stateful: StrictBool | None = Field(None, description="protect + retainOnDelete on stateful resources")
    deletion_protection: StrictBool | None = Field(None, description="cloud-side deletion protection on databases")
    policy: PolicySettings = Field(default_factory=PolicySettings)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    deploy: DeployConfig = Field(default_factory=DeployConfig)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)

    @model_validator(mode="after")
    def resolve_defaults(self) -> ZoneConfig:
        prod = self.environment == "prod"
        if self.network.nat_per_zone is None:
            self.network.nat_per_zone = prod
        if self.audit.immutable is None:
            self.audit.immutable = prod
        if self.protect_stateful is None:
            self.protect_stateful = prod
        if self.deletion_protection is None:
            self.deletion_protection = prod
        if self.observability.grafana is None:
            self.observability.grafana = (self.observability.enabled and self.cloud != "gcp"
                                          and self.environment in ("staging", "prod")
                                          and not (self.cloud == "aws" and self.network.existing is not None))
        if self.gateway.enabled is None:
            self.gateway.enabled = any(ep.runtime == "vllm" for ep in self.endpoints.values())
        return self

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"


def zone_schema() -> dict[str, Any]:
    """JSON Schema of ``llmops:zone`` (camelCase keys, as a stack file spells them), for ``llz schema``."""
    return ZoneConfig.model_json_schema(by_alias=True, mode="validation")
