"""Serving: the model bucket, vLLM endpoints on GKE and managed endpoints on Vertex AI.

``vllm`` endpoints run through the Kubernetes layer. Each gets its own Google service account, bound to its
Kubernetes ServiceAccount through Workload Identity (``roles/iam.workloadIdentityUser`` for exactly
``<project>.svc.id.goog[llm-serving/<endpoint>]``), that may only read objects of the zone's model bucket.
vLLM streams the weights from ``gs://<bucket>/<Hugging Face repo id>`` (copy a checkpoint there once with
``gcloud storage cp -r``); no Hugging Face token ever reaches the cluster.

``managed`` endpoints run on Vertex AI online prediction. Where the model is in Model Garden, the provider's
Model Garden deployment resource creates the endpoint and deploys the model on it, privately through Private
Service Connect (a PSC endpoint is created in the zone's VPC). That API has no encryption spec, so those
endpoints use Google-managed encryption. Other models get an ``AiEndpoint`` that is private (PSC) and CMEK
encrypted; Pulumi cannot deploy a model onto it (``deployed_models`` is output-only in the Vertex API), so the
ML pipeline deploys with the Vertex SDK (``Endpoint.deploy``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.config.models import ArchitectureConfig, EndpointConfig, ZoneConfig
from llmops_landing_zone.components.gcp.keys import DATA, Keys
from llmops_landing_zone.components.gcp.names import ENDPOINT_SERVICE_ACCOUNT
from llmops_landing_zone.components.gcp.network import Network
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.k8s import VllmEndpoint, VllmEndpointArgs, images, service_account_name
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling

BUCKET_TYPE = "llmops:gcp:ModelBucket"
VLLM_TYPE = "llmops:gcp:VllmService"
VERTEX_TYPE = "llmops:gcp:VertexEndpoint"
WI_ANNOTATION = "iam.gke.io/gcp-service-account"

# Model Garden publisher models per (catalog model, precision): the publisher's own checkpoints, deployed at
# the precision they ship in. Source: Vertex AI docs, "Get batch predictions for self-deployed models",
# supported models (publishers/<publisher>/models/<model>@<version>), read 2026-11.
MODEL_GARDEN = {
    ("llama-3.1-8b", "bf16"): "publishers/meta/models/llama3_1@llama-3.1-8b-instruct",
    ("llama-3.1-70b", "bf16"): "publishers/meta/models/llama3_1@llama-3.1-70b-instruct",
    ("llama-3.1-405b", "fp8"): "publishers/meta/models/llama3_1@llama-3.1-405b-instruct-fp8",
    ("mistral-7b", "bf16"): "publishers/mistral-ai/models/mistral@mistral-7b-instruct-v0.1",
}


def garden_model(ep: EndpointConfig) -> str | None:
    return None if isinstance(ep.model, ArchitectureConfig) else MODEL_GARDEN.get((ep.model, ep.precision))


def bucket_name(cfg: ZoneConfig) -> str:
    """Bucket names are global: the project id keeps the zone's name unique (at most 30 + 1 + 12 + 7 = 50)."""
    return f"{cfg.project}-{cfg.name}-models"


def service_account_email(cfg: ZoneConfig, key: str) -> str:
    return f"{ENDPOINT_SERVICE_ACCOUNT.render(cfg.name, key)}@{cfg.project}.iam.gserviceaccount.com"


def numeric_endpoint_id(cfg: ZoneConfig, key: str) -> str:
    """Vertex endpoint ids are numeric (at most 10 digits, no leading zero): a stable digest of the key."""
    digest = int(hashlib.sha256(f"{cfg.project}/{cfg.name}/{key}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


class ModelBucket(pulumi.ComponentResource):
    """The zone's model checkpoints: CMEK, uniform access, public access prevention, versioning."""

    bucket: gcp.storage.Bucket

    def __init__(self, name_: str, cfg: ZoneConfig, ctx: GcpContext, keys: Keys, services: ProjectServices,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BUCKET_TYPE, name_, None, opts)
        self.name = bucket_name(cfg)
        self.bucket = gcp.storage.Bucket(
            f"{cfg.name}-models", name=self.name, project=ctx.project, location=ctx.region.upper(),
            storage_class="STANDARD", uniform_bucket_level_access=True, public_access_prevention="enforced",
            versioning={"enabled": True}, encryption={"default_kms_key_name": keys.key(DATA)},
            force_destroy=False,
            # Old checkpoint versions are kept 30 days after being replaced, then deleted.
            lifecycle_rules=[{"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": 30}}],
            opts=stateful(cfg, self, depends_on=[*keys.ready(DATA), *services.deps("storage")]))
        self.register_outputs({"name": self.name, "url": f"gs://{self.name}"})


@dataclass
class VllmServiceArgs:
    cfg: ZoneConfig
    ctx: GcpContext
    key: str
    endpoint: EndpointConfig
    pool: PoolScheduling
    bucket: ModelBucket
    cluster: pulumi.Resource  # the GKE cluster: its workload pool must exist before the WI binding
    namespace: str
    k8s_provider: pulumi.ProviderResource
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the node pool and the serving namespace
    vllm_image: images.Image | None = None  # the mirror's copy (components/<cloud>/mirror.py); None: upstream


class VllmService(pulumi.ComponentResource):
    """One vLLM endpoint: its Google identity (Workload Identity, read-only on the model bucket) and the
    in-cluster Deployment, Service, HPA, PDB and NetworkPolicy from the Kubernetes layer."""

    def __init__(self, name_: str, args: VllmServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VLLM_TYPE, name_, None, opts)
        cfg, ctx, key, ep = args.cfg, args.ctx, args.key, args.endpoint
        z = cfg.name
        self.service_account = gcp.serviceaccount.Account(
            f"{z}-ep-{key}", account_id=ENDPOINT_SERVICE_ACCOUNT.render(z, key), project=ctx.project,
            display_name=f"{z} vLLM endpoint {key}", opts=child(self))
        reader = gcp.storage.BucketIAMMember(
            f"{z}-ep-{key}-models", bucket=args.bucket.bucket.name, role="roles/storage.objectViewer",
            member=self.service_account.member, opts=child(self))
        ksa = service_account_name(key)
        workload_identity = gcp.serviceaccount.IAMMember(
            f"{z}-ep-{key}-wi", service_account_id=self.service_account.name,
            role="roles/iam.workloadIdentityUser",
            member=f"serviceAccount:{ctx.project}.svc.id.goog[{args.namespace}/{ksa}]",
            opts=child(self, depends_on=[args.cluster]))
        batch = sizing.vllm_batch(cfg, key)
        self.endpoint = VllmEndpoint(
            f"{z}-{key}",
            VllmEndpointArgs(
                endpoint=key, model=f"gs://{args.bucket.name}/{sizing.architecture(ep.model).hf_name}",
                served_model_name=sizing.served_name(ep.model), precision=ep.precision, max_context=ep.max_context,
                concurrency=ep.concurrency, gpus=sizing.replica_gpus(cfg, key),
                replicas_min=ep.replicas.min, replicas_max=ep.replicas.max, max_num_seqs=batch.max_num_seqs,
                max_num_batched_tokens=batch.max_num_batched_tokens, kv_cache_dtype=batch.kv_cache_dtype,
                pool=args.pool, namespace=args.namespace, service_account_name=ksa,
                service_account_annotations={WI_ANNOTATION: service_account_email(cfg, key)},
                image=args.vllm_image or images.vllm_image("gcp")),
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                        depends_on=[reader, workload_identity, *args.depends_on]))
        self.url = self.endpoint.url
        self.register_outputs({"serviceAccount": self.service_account.email, "url": self.url})


@dataclass
class VertexEndpointArgs:
    cfg: ZoneConfig
    ctx: GcpContext
    key: str
    endpoint: EndpointConfig
    network: Network
    keys: Keys
    services: ProjectServices


class VertexEndpoint(pulumi.ComponentResource):
    """A managed endpoint on Vertex AI: private (PSC) unless exposure is public."""

    resource: gcp.vertex.AiEndpointWithModelGardenDeployment | gcp.vertex.AiEndpoint

    def __init__(self, name_: str, args: VertexEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VERTEX_TYPE, name_, None, opts)
        cfg, ctx, key, ep = args.cfg, args.ctx, args.key, args.endpoint
        z = cfg.name
        shape = sizing.managed_shape(cfg, key)
        private = ep.exposure == "internal"
        network = args.network.vpc.name.apply(lambda n: f"projects/{ctx.project}/global/networks/{n}")
        psc = {"enable_private_service_connect": True, "project_allowlists": [ctx.project]}
        deps = args.services.deps("aiplatform")
        self.publisher_model = garden_model(ep)
        if self.publisher_model:
            self.resource = gcp.vertex.AiEndpointWithModelGardenDeployment(
                f"{z}-{key}", project=ctx.project, location=ctx.region,
                publisher_model_name=self.publisher_model,
                # Deploying a Model Garden model accepts its licence (e.g. the Llama 3.1 Community License):
                # naming the model in the stack config is that decision.
                model_config={"accept_eula": True, "model_display_name": f"{z}-{key}"},
                endpoint_config={
                    "endpoint_display_name": f"{z}-{key}",
                    **({"private_service_connect_config": {
                        **psc, "psc_automation_configs": {"project_id": ctx.project, "network": network}}}
                       if private else {"dedicated_endpoint_enabled": True}),
                },
                deploy_config={"dedicated_resources": {
                    "machine_spec": {"machine_type": shape.name,
                                     "accelerator_type": catalog.gpu_models()[shape.gpu].vertex_accelerator,
                                     "accelerator_count": shape.gpus},
                    "min_replica_count": ep.replicas.min, "max_replica_count": ep.replicas.max}},
                opts=child(self, depends_on=deps))
            endpoint = self.resource.endpoint
        else:
            self.resource = gcp.vertex.AiEndpoint(
                f"{z}-{key}", name=numeric_endpoint_id(cfg, key), display_name=f"{z}-{key}",
                description=f"{z} managed endpoint {key}; models are deployed by the ML pipeline",
                project=ctx.project, location=ctx.region, region=ctx.region,
                encryption_spec={"kms_key_name": args.keys.key(DATA)},
                **({"private_service_connect_config": {
                    **psc, "psc_automation_configs": [{"project_id": ctx.project, "network": network}]}}
                   if private else {"dedicated_endpoint_enabled": True}),
                opts=child(self, depends_on=[*deps, *args.keys.ready(DATA)]))
            endpoint = self.resource.id
        self.endpoint_id = endpoint
        self.register_outputs({"endpoint": endpoint, "machineType": shape.name,
                               "modelGarden": self.publisher_model or ""})
