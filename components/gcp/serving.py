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
import json
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.k8s import VllmEndpoint, VllmEndpointArgs, canary_args, images, service_account_name
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling
from llmops_landing_zone.components.resolve import EndpointSpec

BUCKET_TYPE = "llmops:gcp:ModelBucket"
VLLM_TYPE = "llmops:gcp:VllmService"
VERTEX_TYPE = "llmops:gcp:VertexEndpoint"
WI_ANNOTATION = "iam.gke.io/gcp-service-account"
CANARY_LABEL = "llmops-canary-model"  # the Vertex AI endpoint's label naming its canary's deployed model id

# Model Garden publisher models per (catalog model, precision): the publisher's own checkpoints, deployed at
# the precision they ship in. Source: Vertex AI docs, "Get batch predictions for self-deployed models",
# supported models (publishers/<publisher>/models/<model>@<version>), read 2026-11.
MODEL_GARDEN = {
    ("llama-3.1-8b", "bf16"): "publishers/meta/models/llama3_1@llama-3.1-8b-instruct",
    ("llama-3.1-70b", "bf16"): "publishers/meta/models/llama3_1@llama-3.1-70b-instruct",
    ("llama-3.1-405b", "fp8"): "publishers/meta/models/llama3_1@llama-3.1-405b-instruct-fp8",
    ("mistral-7b", "bf16"): "publishers/mistral-ai/models/mistral@mistral-7b-instruct-v0.1",
}


def garden_model(spec: EndpointSpec) -> str | None:
    """The Model Garden publisher model of a catalog model at its precision, or None (deployed by the pipeline)."""
    return MODEL_GARDEN.get((spec.model_id, spec.precision)) if spec.from_catalog else None


def deployed_model_id(project: str, zone: str, key: str) -> str:
    """The id the ML pipeline deploys an endpoint's model (or canary, key ``<endpoint>-canary``) under
    (``DeployedModel.id``: at most 10 digits): a stable digest, so the endpoint's traffic split can name it."""
    return numeric_endpoint_id(project, zone, f"deployed/{key}")


def traffic_split(project: str, zone: str, spec: EndpointSpec) -> dict[str, int]:
    """Percent of the endpoint's requests per deployed model id: the endpoint's and its canary's (Vertex AI
    splits traffic between deployed models and has no mirror; config validation refuses it)."""
    assert spec.canary is not None and not spec.canary.mirror, "a weighted canary"
    return {deployed_model_id(project, zone, spec.key): spec.canary.stable_weight,
            deployed_model_id(project, zone, spec.canary.key): spec.canary.weight}


def bucket_name(project: str, zone: str) -> str:
    """Bucket names are global: the project id keeps the zone's name unique (at most 30 + 1 + 12 + 7 = 50)."""
    return f"{project}-{zone}-models"


def service_account_email(project: str, account_id: str) -> str:
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def numeric_endpoint_id(project: str, zone: str, key: str) -> str:
    """Vertex endpoint ids are numeric (at most 10 digits, no leading zero): a stable digest of the key."""
    digest = int(hashlib.sha256(f"{project}/{zone}/{key}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


@dataclass
class ModelBucketArgs:
    name: str  # the bucket's global name (the zone passes bucket_name(project, zone))
    project: str
    location: str  # a region or multi-region (the zone: its region, upper-cased)
    encryption_key: pulumi.Input[str]  # Cloud KMS key id of the default CMEK
    protect: bool = True  # protected and retained on delete (stateful: the checkpoints)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the key and its agent grant, the API


class ModelBucket(pulumi.ComponentResource):
    """The zone's model checkpoints: CMEK, uniform access, public access prevention, versioning."""

    bucket: gcp.storage.Bucket

    def __init__(self, name_: str, args: ModelBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(BUCKET_TYPE, name_, None, opts)
        self.name = args.name
        self.bucket = gcp.storage.Bucket(
            name_, name=self.name, project=args.project, location=args.location,
            storage_class="STANDARD", uniform_bucket_level_access=True, public_access_prevention="enforced",
            versioning={"enabled": True}, encryption={"default_kms_key_name": args.encryption_key},
            force_destroy=False,
            # Old checkpoint versions are kept 30 days after being replaced, then deleted.
            lifecycle_rules=[{"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": 30}}],
            opts=stateful(args.protect, self, depends_on=args.depends_on))
        self.register_outputs({"name": self.name, "url": f"gs://{self.name}"})


@dataclass
class VllmServiceArgs:
    spec: EndpointSpec  # a vLLM endpoint (components/resolve.py)
    scheduling: PoolScheduling  # its pool's node contract: the GpuPool's ``scheduling``
    prefix: str  # the zone's name: logical names are <prefix>-<key>
    project: str
    service_account_id: str  # the endpoint's Google service account (6-30 chars); also its logical name
    model_store: str  # the model bucket's name: vLLM streams gs://<model_store>/<spec.model_path>
    model_store_id: pulumi.Input[str]  # the bucket the identity may read (its name as the bucket's output)
    cluster: pulumi.Resource  # the GKE cluster: its workload pool must exist before the WI binding
    namespace: str
    k8s_provider: pulumi.ProviderResource
    # The in-cluster metrics collector's namespace when the zone collects serving metrics: KEDA then owns the
    # replica count (no CPU HPA) and the collector may reach the pods. None: CPU HPA, no scraper admitted.
    metrics_namespace: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the node pool and the serving namespace
    vllm_image: images.Image | None = None  # the mirror's copy (components/<cloud>/mirror.py); None: upstream


class VllmService(pulumi.ComponentResource):
    """One vLLM endpoint: its Google identity (Workload Identity, read-only on the model bucket) and the
    in-cluster Deployment, Service, HPA, PDB and NetworkPolicy from the Kubernetes layer."""

    def __init__(self, name_: str, args: VllmServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VLLM_TYPE, name_, None, opts)
        spec, sa_id = args.spec, args.service_account_id
        self.service_account = gcp.serviceaccount.Account(
            sa_id, account_id=sa_id, project=args.project,
            display_name=f"{args.prefix} vLLM endpoint {spec.key}", opts=child(self))
        reader = gcp.storage.BucketIAMMember(
            f"{sa_id}-models", bucket=args.model_store_id, role="roles/storage.objectViewer",
            member=self.service_account.member, opts=child(self))
        ksa = service_account_name(spec.key)
        workload_identity = gcp.serviceaccount.IAMMember(
            f"{sa_id}-wi", service_account_id=self.service_account.name,
            role="roles/iam.workloadIdentityUser",
            member=f"serviceAccount:{args.project}.svc.id.goog[{args.namespace}/{ksa}]",
            opts=child(self, depends_on=[args.cluster]))
        vllm = VllmEndpointArgs(
            spec=spec, scheduling=args.scheduling, namespace=args.namespace,
            model_uri=f"gs://{args.model_store}/{spec.model_path}", service_account_name=ksa,
            service_account_annotations={WI_ANNOTATION: service_account_email(args.project, sa_id)},
            image=args.vllm_image or images.vllm_image("gcp"),
            hpa=args.metrics_namespace is None,
            allow_from_namespaces=[args.metrics_namespace] if args.metrics_namespace else [])
        self.endpoint = VllmEndpoint(
            f"{args.prefix}-{spec.key}", vllm,
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                        depends_on=[reader, workload_identity, *args.depends_on]))
        self.canary = None
        if spec.canary is not None:
            # The canary's own Kubernetes ServiceAccount acts as the endpoint's Google service account (it
            # reads the same bucket), with its own Deployment, Service, scaler and PDB on the endpoint's pool.
            c = spec.canary
            canary_ksa = service_account_name(c.key)
            canary_wi = gcp.serviceaccount.IAMMember(
                f"{sa_id}-wi-canary", service_account_id=self.service_account.name,
                role="roles/iam.workloadIdentityUser",
                member=f"serviceAccount:{args.project}.svc.id.goog[{args.namespace}/{canary_ksa}]",
                opts=child(self, depends_on=[args.cluster]))
            self.canary = VllmEndpoint(
                f"{args.prefix}-{c.key}", canary_args(vllm, c, f"gs://{args.model_store}/{c.spec.model_path}"),
                opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                            depends_on=[reader, canary_wi, *args.depends_on]))
        self.url = self.endpoint.url
        self.register_outputs({"serviceAccount": self.service_account.email, "url": self.url})


@dataclass
class VertexEndpointArgs:
    spec: EndpointSpec  # a managed endpoint (components/resolve.py): its Vertex AI shape, replicas, exposure
    prefix: str  # the zone's name: the endpoint is displayed (and logically named) <prefix>-<key>
    endpoint_id: str  # numeric id of a pipeline-deployed endpoint (numeric_endpoint_id)
    project: str
    location: str  # the region
    network: pulumi.Input[str]  # the VPC's name: Private Service Connect endpoints are created in it
    encryption_key: pulumi.Input[str]  # Cloud KMS key id (CMEK) of a pipeline-deployed endpoint
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the Vertex AI API
    encryption_depends_on: list[pulumi.Resource] = field(default_factory=list)  # the key and its agent grant


class VertexEndpoint(pulumi.ComponentResource):
    """A managed endpoint on Vertex AI: private (PSC) unless exposure is public."""

    resource: gcp.vertex.AiEndpointWithModelGardenDeployment | gcp.vertex.AiEndpoint

    def __init__(self, name_: str, args: VertexEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VERTEX_TYPE, name_, None, opts)
        spec, project, shape = args.spec, args.project, args.spec.shape
        name = f"{args.prefix}-{spec.key}"
        assert shape is not None, "a managed EndpointSpec has its Vertex AI shape"
        private = spec.exposure == "internal"
        network = pulumi.Output.from_input(args.network).apply(lambda n: f"projects/{project}/global/networks/{n}")
        psc = {"enable_private_service_connect": True, "project_allowlists": [project]}
        self.publisher_model = garden_model(spec)
        if self.publisher_model:
            self.resource = gcp.vertex.AiEndpointWithModelGardenDeployment(
                name, project=project, location=args.location,
                publisher_model_name=self.publisher_model,
                # Deploying a Model Garden model accepts its licence (e.g. the Llama 3.1 Community License):
                # naming the model in the stack config is that decision.
                model_config={"accept_eula": True, "model_display_name": name},
                endpoint_config={
                    "endpoint_display_name": name,
                    **({"private_service_connect_config": {
                        **psc, "psc_automation_configs": {"project_id": project, "network": network}}}
                       if private else {"dedicated_endpoint_enabled": True}),
                },
                deploy_config={"dedicated_resources": {
                    "machine_spec": {"machine_type": shape.name,
                                     "accelerator_type": shape.gpu_model.vertex_accelerator,
                                     "accelerator_count": shape.gpus},
                    "min_replica_count": spec.replicas_min, "max_replica_count": spec.replicas_max}},
                opts=child(self, depends_on=args.depends_on))
            endpoint = self.resource.endpoint
        else:
            self.resource = gcp.vertex.AiEndpoint(
                name, name=args.endpoint_id, display_name=name,
                description=f"{args.prefix} managed endpoint {spec.key}; models are deployed by the ML pipeline",
                project=project, location=args.location, region=args.location,
                encryption_spec={"kms_key_name": args.encryption_key},
                # With a canary, Pulumi owns the split between the two models the pipeline deploys under
                # deployed_model_id(...): promotion and rollback are config changes, not pipeline runs.
                **({"traffic_split": json.dumps(traffic_split(project, args.prefix, spec), sort_keys=True),
                    # which of the two is the canary, for the guardrail canary-weight-capped
                    "labels": {CANARY_LABEL: deployed_model_id(project, args.prefix, spec.canary.key)}}
                   if spec.canary else {}),
                **({"private_service_connect_config": {
                    **psc, "psc_automation_configs": [{"project_id": project, "network": network}]}}
                   if private else {"dedicated_endpoint_enabled": True}),
                opts=child(self, depends_on=[*args.depends_on, *args.encryption_depends_on]))
            endpoint = self.resource.id
        self.endpoint_id = endpoint
        self.register_outputs({"endpoint": endpoint, "machineType": shape.name,
                               "modelGarden": self.publisher_model or ""})
