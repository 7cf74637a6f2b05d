"""Serving: the zone's model bucket, vLLM endpoints on the cluster and managed SageMaker endpoints.

Model weights live in one private bucket per zone, under ``<Hugging Face repo id>/`` (stage them once, e.g.
``huggingface-cli download <repo> --local-dir m && aws s3 sync m s3://<bucket>/<repo>/``). Both runtimes read
them from there, inside the VPC through the S3 gateway endpoint: no Hugging Face token and no internet
egress at serving time. The bucket is versioned; overwritten or deleted versions expire after 30 days and
incomplete multipart uploads are aborted after 7.

- ``vllm``: the in-cluster VllmEndpoint (components.k8s) streams the weights from S3 (Run:ai Model
  Streamer). Its ServiceAccount is bound by an EKS Pod Identity association to the zone's serving role,
  which can read the model bucket and nothing else that holds data.
- ``managed``: a SageMaker real-time endpoint running the Hugging Face TGI deep-learning container, network
  isolated (the container has no network at all; SageMaker copies the weights in from S3 first), in the
  private subnets, its ML volume encrypted with the data CMK, scaled by Application Auto Scaling on
  concurrent requests per instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.aws.base import (
    AwsContext,
    LogRetention,
    Statement,
    document_of,
    log_group,
    private_bucket,
    pod_identity_trust,
    service_trust,
    statement,
)
from llmops_landing_zone.components.aws.gpu_pool import GpuPool
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import VllmEndpoint, VllmEndpointArgs, canary_args, images, service_account_name
from llmops_landing_zone.components.resolve import EndpointSpec

# Hugging Face TGI deep-learning container for SageMaker (LLM serving), pinned:
# huggingface-pytorch-tgi-inference:2.4.0-tgi3.0.1-gpu-py311-cu124-ubuntu22.04-v2.0, pushed 2025-01-09
# (huggingface hub-docs docs/sagemaker/tgi.md; aws/deep-learning-containers available_images.md).
# Image URI pattern: <registry account>.dkr.ecr.<region>.<dns suffix>/<repository>:<tag>; the registry account
# per region is the one sagemaker-python-sdk lists (src/sagemaker/image_uri_config/huggingface-llm.json).
TGI_REPOSITORY = "huggingface-pytorch-tgi-inference"
TGI_TAG = "2.4.0-tgi3.0.1-gpu-py311-cu124-ubuntu22.04-v2.0"
DLC_DEFAULT_ACCOUNT = "763104351884"
DLC_ACCOUNTS = {
    "af-south-1": "626614931356", "ap-east-1": "871362719292", "ap-northeast-3": "364406365360",
    "ap-south-2": "772153158452", "ap-southeast-3": "907027046896", "ap-southeast-4": "457447274322",
    "ca-west-1": "204538143572", "cn-north-1": "727897471807", "cn-northwest-1": "727897471807",
    "eu-central-2": "380420809688", "eu-south-1": "692866216735", "eu-south-2": "503227376785",
    "il-central-1": "780543022126", "me-central-1": "914824155844", "me-south-1": "217643126080",
    "us-gov-east-1": "446045086412", "us-gov-west-1": "442386744353",
}
VARIANT = "AllTraffic"  # the endpoint's own variant (its name predates canaries: scaling targets name it)
CANARY_VARIANT = "Canary"  # the canary's production variant, or its shadow variant with mirror
# TGI's --dtype accepts float16 and bfloat16; fp8 is a load-time quantisation; a pre-quantised int8/int4
# checkpoint (an explicit architecture) declares its method (AWQ, GPTQ...) in config.json, which TGI reads.
TGI_PRECISION = {"bf16": {"DTYPE": "bfloat16"}, "fp16": {"DTYPE": "float16"}, "fp8": {"QUANTIZE": "fp8"},
                 "fp32": {}, "int8": {}, "int4": {}}
# A catalog model's checkpoint is the publisher's bf16 one: for int8/int4 TGI quantises it while loading, from
# the local copy SageMaker makes of the S3 prefix (launcher --quantize: bitsandbytes is 8-bit, bitsandbytes-nf4
# 4-bit), so the weights take the memory sizing assumed (components/sizing.py WEIGHT_BYTES).
TGI_IN_FLIGHT = {"int8": {"QUANTIZE": "bitsandbytes"}, "int4": {"QUANTIZE": "bitsandbytes-nf4"}}
# Model bucket lifecycle: noncurrent (overwritten or deleted) versions live 30 days, as on GCP; incomplete
# multipart uploads (an interrupted `aws s3 sync` of a large checkpoint) are aborted after 7 days.
NONCURRENT_DAYS, ABORT_UPLOADS_DAYS = 30, 7
SCALE_AT = 0.8  # scale out when a replica holds 80% of the concurrent requests it was sized for
# Weights are copied in and loaded before the health check passes: allow for large models.
DOWNLOAD_TIMEOUT_S, STARTUP_TIMEOUT_S = 3600, 1800


def tgi_image(ctx: AwsContext) -> tuple[str, str]:
    """(image URI, ECR repository ARN) of the pinned TGI container in the zone's region."""
    account = DLC_ACCOUNTS.get(ctx.region, DLC_DEFAULT_ACCOUNT)
    uri = f"{account}.dkr.ecr.{ctx.region}.{ctx.dns_suffix}/{TGI_REPOSITORY}:{TGI_TAG}"
    return uri, f"arn:{ctx.partition}:ecr:{ctx.region}:{account}:repository/{TGI_REPOSITORY}"


def model_uri(bucket: str, path: str) -> str:
    """The S3 prefix of a checkpoint in the model bucket; the trailing slash keeps a repo id from also matching a
    sibling whose name extends it (``Llama-3.1-8B`` and ``Llama-3.1-8B-Instruct``)."""
    return f"s3://{bucket}/{path}/"


def ml_instance_type(shape: catalog.GpuShape) -> str:
    """SageMaker instance type of a catalog shape (compute shapes lack the ``ml.`` prefix)."""
    return shape.name if shape.name.startswith("ml.") else f"ml.{shape.name}"


def model_read_statements(ctx: AwsContext, bucket_arn: str, key_arn: str,
                          prefix: str = "", *more: str) -> list[Statement]:
    """Read the model bucket (optionally one prefix, or several: a canary's weights too) and decrypt its
    objects, through S3 only."""
    prefixes = [prefix, *more] if prefix else []
    listing = statement("ListModels", "s3:ListBucket", bucket_arn,
                        condition={"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}} if prefix else None)
    objects = [f"{bucket_arn}/{p}*" for p in prefixes] if prefix else f"{bucket_arn}/*"
    return [
        listing,
        statement("ReadModels", "s3:GetObject", objects[0] if len(objects) == 1 else objects),
        statement("DecryptModels", "kms:Decrypt", key_arn,
                  condition={"StringEquals": {"kms:ViaService": ctx.via("s3")}}),
    ]


# --- the bucket ---------------------------------------------------------------------------------------------

@dataclass
class ModelBucketArgs:
    prefix: str  # the zone's name: the bucket is <prefix>-models-<account>-<region>
    ctx: AwsContext
    key_arn: pulumi.Input[str]  # the CMK encrypting the checkpoints
    protect: bool = False  # protect + retainOnDelete (prod): checkpoints are user data


class ModelBucket(pulumi.ComponentResource):
    def __init__(self, name: str, args: ModelBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("llmops:aws:ModelBucket", name, None, opts)
        z, ctx = args.prefix, args.ctx
        # Bucket names are global: account and region make the deterministic name unique.
        store = private_bucket(f"{z}-models", f"{z}-models-{ctx.account_id}-{ctx.region}", args.protect, ctx,
                               args.key_arn, self)
        self.bucket, self.name, self.arn = store.bucket, store.name, store.arn
        # Versioning keeps every overwritten or deleted checkpoint: expire those after NONCURRENT_DAYS (as the
        # GCS bucket does) and drop uploads that never completed, so storage does not grow without bound.
        aws.s3.BucketLifecycleConfiguration(
            f"{z}-models-lifecycle", bucket=self.bucket.id,
            rules=[{"id": "expire-old-versions", "status": "Enabled", "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_UPLOADS_DAYS}}],
            opts=child(self, depends_on=[store.versioning]))
        self.safeguards = store.safeguards
        self.register_outputs({"bucket": self.name})


# --- vLLM on the cluster ------------------------------------------------------------------------------------

@dataclass
class ServingArgs:
    specs: dict[str, EndpointSpec]  # the vLLM endpoints, by key (components/resolve.py)
    pools: dict[str, GpuPool]  # the pools they run on, by pool key: scheduling and node group
    prefix: str  # the zone's name: the role is <prefix>-serving, each endpoint's objects <prefix>-<key>
    ctx: AwsContext
    cluster_name: pulumi.Input[str]
    cluster_arn: str
    model_store: str  # the model bucket's name: vLLM streams s3://<model_store>/<spec.model_path>/
    model_store_id: str  # the model bucket's ARN: what the serving role may read
    data_key_arn: pulumi.Input[str]  # the CMK the bucket's objects are encrypted with
    namespace: str
    k8s_provider: pulumi.ProviderResource
    collections: list[str] = field(default_factory=list)  # OpenSearch collections the serving role may read
    # The in-cluster metrics collector's namespace when the zone collects serving metrics: KEDA then owns the
    # replica count (no CPU HPA) and the collector may reach the pods. None: CPU HPA, no scraper admitted.
    metrics_namespace: str | None = None
    # Before every endpoint's pods: the bucket's safeguards, the in-cluster add-ons (namespaces).
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    vllm_image: images.Image | None = None  # the mirror's copy (components/<cloud>/mirror.py); None: upstream


class Serving(pulumi.ComponentResource):
    """The zone's serving identity and its vLLM endpoints."""

    role: aws.iam.Role
    endpoints: dict[str, VllmEndpoint]

    def __init__(self, name: str, args: ServingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("llmops:aws:Serving", name, None, opts)
        ctx, z = args.ctx, args.prefix
        self.role = aws.iam.Role(
            f"{z}-serving", name=f"{z}-serving", description=f"{z}: vLLM endpoints (EKS Pod Identity)",
            assume_role_policy=pod_identity_trust(ctx, args.cluster_arn),
            opts=child(self))

        def statements(key_arn: str) -> list[Statement]:
            stmts = model_read_statements(ctx, args.model_store_id, key_arn)
            if args.collections:
                # Retrieval for RAG: the collections' data access policies admit this role read-only.
                stmts.append(statement("ReadVectorCollections", "aoss:APIAccessAll",
                                       ctx.arn("aoss", "collection/*"),
                                       condition={"StringEquals": {"aoss:collection": args.collections}}))
            return stmts

        policy = aws.iam.RolePolicy(f"{z}-serving", name="read-models", role=self.role.id,
                                    policy=document_of(statements, args.data_key_arn), opts=child(self))

        self.endpoints = {}
        self.canaries: dict[str, VllmEndpoint] = {}  # by the stable endpoint's key
        for key, spec in args.specs.items():
            assert spec.pool is not None, f"endpoint {key!r}: Serving runs vLLM endpoints (EndpointSpec.vllm)"
            pool = args.pools[spec.pool.key]
            sa = service_account_name(key)
            assoc = aws.eks.PodIdentityAssociation(
                f"{z}-{key}", cluster_name=args.cluster_name, namespace=args.namespace,
                service_account=sa,
                role_arn=self.role.arn, opts=child(self, depends_on=[policy]))
            vllm = VllmEndpointArgs(
                spec=spec, scheduling=pool.scheduling, namespace=args.namespace,
                model_uri=model_uri(args.model_store, spec.model_path), service_account_name=sa,
                # Region for the S3 client of the model streamer (Pod Identity supplies the credentials).
                env={"AWS_REGION": ctx.region, "AWS_DEFAULT_REGION": ctx.region},
                pod_labels={"llmops.io/endpoint": key},
                image=args.vllm_image or images.vllm_image("aws"),
                hpa=args.metrics_namespace is None,
                allow_from_namespaces=[args.metrics_namespace] if args.metrics_namespace else [])
            self.endpoints[key] = VllmEndpoint(
                f"{z}-{key}", vllm,
                pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                       depends_on=[assoc, pool.node_group, *args.depends_on]))
            if spec.canary is not None:
                # The canary: its own ServiceAccount, associated with the same serving role, and its own
                # Deployment, Service, scaler and PDB on the endpoint's pool (components.k8s.vllm.canary_args).
                c = spec.canary
                canary_assoc = aws.eks.PodIdentityAssociation(
                    f"{z}-{c.key}", cluster_name=args.cluster_name, namespace=args.namespace,
                    service_account=service_account_name(c.key), role_arn=self.role.arn,
                    opts=child(self, depends_on=[policy]))
                self.canaries[key] = VllmEndpoint(
                    f"{z}-{c.key}", canary_args(vllm, c, model_uri(args.model_store, c.spec.model_path)),
                    pulumi.ResourceOptions(parent=self, provider=args.k8s_provider,
                                           depends_on=[canary_assoc, pool.node_group, *args.depends_on]))
        self.register_outputs({"roleArn": self.role.arn,
                               "endpoints": {k: e.url for k, e in self.endpoints.items()}})


# --- SageMaker ----------------------------------------------------------------------------------------------

@dataclass
class ManagedEndpointArgs:
    spec: EndpointSpec  # a managed endpoint (components/resolve.py): its SageMaker shape, TP size, replicas
    name: str  # the SageMaker endpoint's name (the zone renders components.aws.names.SAGEMAKER_ENDPOINT)
    prefix: str  # the zone's name: logical names are <prefix>-<key>[-...]
    ctx: AwsContext
    model_store: str  # the model bucket's name: SageMaker copies s3://<model_store>/<spec.model_path>/ in
    model_store_id: str  # the model bucket's ARN
    data_key_arn: pulumi.Input[str]  # the bucket's CMK, also the ML volume's
    log_key_arn: pulumi.Input[str]  # the CMK of the endpoint's log group (the zone's audit key)
    log_retention_days: int  # rounded up to a value CloudWatch Logs accepts
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: list[pulumi.Output[str]]
    s3_prefix_list_id: pulumi.Input[str]  # the S3 gateway endpoint's prefix list
    protect: bool = True  # the log group is protected and retained on delete
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before the model: the bucket's safeguards


def container_environment(spec: EndpointSpec) -> dict[str, str]:
    """TGI settings (huggingface.co/docs/text-generation-inference/reference/launcher)."""
    # Leave an eighth of the context (at least one token) for generated tokens.
    max_input = max(1, spec.max_context - max(1, spec.max_context // 8))
    return {
        "HF_MODEL_ID": "/opt/ml/model",  # where SageMaker places the S3 prefix
        "SM_NUM_GPUS": str(spec.gpus),
        "MAX_TOTAL_TOKENS": str(spec.max_context), "MAX_INPUT_TOKENS": str(max_input),
        "MAX_CONCURRENT_REQUESTS": str(spec.concurrency),
        "MESSAGES_API_ENABLED": "true",  # OpenAI-compatible /v1/chat/completions, like the vLLM endpoints
        **(TGI_IN_FLIGHT[spec.precision] if spec.precision in TGI_IN_FLIGHT and spec.catalog_checkpoint
           else TGI_PRECISION[spec.precision]),
    }


class ManagedEndpoint(pulumi.ComponentResource):
    endpoint: aws.sagemaker.Endpoint

    def __init__(self, name: str, args: ManagedEndpointArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("llmops:aws:ManagedEndpoint", name, None, opts)
        spec, ctx, z, endpoint_name = args.spec, args.ctx, args.prefix, args.name
        key, hf, shape, canary = spec.key, spec.model_path, spec.shape, spec.canary
        assert shape is not None, "a managed EndpointSpec has its SageMaker shape"
        image, repository_arn = tgi_image(ctx)
        instance_type = ml_instance_type(shape)
        env = container_environment(spec)
        group_name = f"/aws/sagemaker/Endpoints/{endpoint_name}"
        group_arn = ctx.arn("logs", f"log-group:{group_name}")
        logs = log_group(f"{z}-{key}-endpoint", group_name, LogRetention(z, args.log_retention_days, args.protect),
                         ctx, args.log_key_arn, self)

        role_name = f"{z}-{key}-sagemaker"
        # Confused-deputy guard: SageMaker may assume the role only on behalf of this account's SageMaker
        # resources in this region (docs.aws.amazon.com/sagemaker/latest/dg/security-confused-deputy-prevention.html).
        trust = service_trust(ctx, "sagemaker", condition={
            "StringEquals": {"aws:SourceAccount": ctx.account_id},
            "ArnLike": {"aws:SourceArn": ctx.arn("sagemaker", "*")}})
        role = aws.iam.Role(role_name, name=role_name, description=f"{z}: SageMaker endpoint {key}",
                            assume_role_policy=trust, opts=child(self))
        vpc_arn = pulumi.Output.from_input(args.vpc_id).apply(lambda vpc: ctx.arn("ec2", f"vpc/{vpc}"))

        def statements(key_arn: str, vpc: str) -> list[Statement]:
            return [
                *model_read_statements(ctx, args.model_store_id, key_arn, f"{hf}/",
                                       *([f"{canary.spec.model_path}/"] if canary else [])),
                statement("EcrLogin", "ecr:GetAuthorizationToken", "*"),  # account-wide by design
                statement("PullServingImage", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                               "ecr:BatchCheckLayerAvailability"], repository_arn),
                statement("WriteEndpointLogs", ["logs:CreateLogStream", "logs:PutLogEvents",
                                                "logs:DescribeLogStreams"], [group_arn, f"{group_arn}:*"]),
                # Private networking: SageMaker attaches ENIs in the zone's VPC
                # (docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html). Describe calls take no resource.
                statement("DescribeNetwork", ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
                                              "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
                                              "ec2:DescribeSecurityGroups"], "*"),
                statement("ManageEnisInZoneVpc",
                          ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
                           "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"], "*",
                          condition={"ArnEquals": {"ec2:Vpc": vpc}}),
            ]

        role_policy = aws.iam.RolePolicy(role_name, name="serve-model", role=role.id,
                                         policy=document_of(statements, args.data_key_arn, vpc_arn),
                                         opts=child(self))

        sg = aws.ec2.SecurityGroup(
            role_name, name=role_name, vpc_id=args.vpc_id,
            description=f"SageMaker endpoint {endpoint_name}: HTTPS out to S3 and the VPC endpoints only",
            ingress=[],  # invocations arrive through the SageMaker runtime API, never on these ENIs
            egress=[{"description": "S3 gateway endpoint", "protocol": "tcp", "from_port": 443,
                     "to_port": 443, "prefix_list_ids": [args.s3_prefix_list_id]},
                    {"description": "Interface endpoints", "protocol": "tcp", "from_port": 443,
                     "to_port": 443, "cidr_blocks": [args.vpc_cidr]}],
            opts=child(self))

        # SageMaker models and endpoint configurations are immutable. Their names carry a digest of what
        # they are made of, so a change creates the new pair before the endpoint switches over (blue/green)
        # and the old pair is deleted afterwards; the same config always yields the same names. The network
        # settings stand for the subnets and security group (outputs, unknown before deployment).
        made_of: dict[str, Any] = {"image": image, "env": env, "model": hf, "instance": instance_type,
                                   "initial": spec.replicas_min, "role": role_name, "region": ctx.region,
                                   "network": [args.vpc_cidr, len(args.subnet_ids)],
                                   "timeouts": [DOWNLOAD_TIMEOUT_S, STARTUP_TIMEOUT_S]}
        digest = hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()[:8]
        def sagemaker_model(logical: str, of: EndpointSpec, digest: str) -> aws.sagemaker.Model:
            return aws.sagemaker.Model(
                logical, name=f"{endpoint_name}-{digest}", execution_role_arn=role.arn,
                enable_network_isolation=True,
                vpc_config={"subnets": args.subnet_ids, "security_group_ids": [sg.id]},
                primary_container={
                    "image": image, "mode": "SingleModel", "environment": container_environment(of),
                    "model_data_source": {"s3_data_sources": [{"s3_uri": model_uri(args.model_store, of.model_path),
                                                               "s3_data_type": "S3Prefix",
                                                               "compression_type": "None"}]},
                },
                opts=child(self, depends_on=[role_policy, *args.depends_on]))

        def variant(name: str, model_name: pulumi.Output[str], count: int,
                    weight: float | None = None) -> dict[str, Any]:
            return {"variant_name": name, "model_name": model_name, "instance_type": instance_type,
                    "initial_instance_count": count,
                    **({"initial_variant_weight": weight} if weight is not None else {}),
                    "model_data_download_timeout_in_seconds": DOWNLOAD_TIMEOUT_S,
                    "container_startup_health_check_timeout_in_seconds": STARTUP_TIMEOUT_S}

        model = sagemaker_model(f"{z}-{key}", spec, digest)
        variants: dict[str, Any] = {"production_variants": [variant(VARIANT, model.name, spec.replicas_min)]}
        config_digest = digest
        self.canary_model = None
        if canary is not None:
            # The canary's own model (named by its own digest) on the endpoint's instance type. Weighted: two
            # production variants whose weights are the percentages (SageMaker splits requests in proportion
            # to the weights). Mirror: a shadow variant, which receives a copy of the sampled share of the
            # requests while only the production variant answers; the share is the shadow weight over the
            # production weight (docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html).
            canary_made_of = {**made_of, "env": container_environment(canary.spec), "model": canary.spec.model_path,
                              "initial": canary.spec.replicas_min}
            canary_digest = hashlib.sha256(json.dumps(canary_made_of, sort_keys=True).encode()).hexdigest()[:8]
            self.canary_model = sagemaker_model(f"{z}-{canary.key}", canary.spec, canary_digest)
            second = variant(CANARY_VARIANT, self.canary_model.name, canary.spec.replicas_min,
                             canary.weight / 100 if canary.mirror else float(canary.weight))
            if canary.mirror:
                variants = {"production_variants": [variant(VARIANT, model.name, spec.replicas_min, 1.0)],
                            "shadow_production_variants": [second]}
            else:
                variants["production_variants"] = [
                    variant(VARIANT, model.name, spec.replicas_min, float(canary.stable_weight)), second]
            release = {"canary": canary_digest, "weight": canary.weight, "mirror": canary.mirror}
            config_digest = hashlib.sha256(json.dumps([digest, release], sort_keys=True).encode()).hexdigest()[:8]
        config = aws.sagemaker.EndpointConfiguration(
            f"{z}-{key}", name=f"{endpoint_name}-{config_digest}", kms_key_arn=args.data_key_arn, **variants,
            opts=child(self))
        self.endpoint = aws.sagemaker.Endpoint(
            f"{z}-{key}", name=endpoint_name, endpoint_config_name=config.name,
            opts=child(self, depends_on=[logs]))

        # Application Auto Scaling keeps replicas.min..max instances of each variant, tracking concurrent
        # requests per instance (high-resolution metric, docs.aws.amazon.com/sagemaker/latest/dg/
        # endpoint-auto-scaling-add-code-define.html).
        self._scale(f"{z}-{key}", f"{endpoint_name}-concurrency", VARIANT, spec)
        if canary is not None:
            self._scale(f"{z}-{canary.key}", f"{endpoint_name}-canary", CANARY_VARIANT, canary.spec)
        self.instance_type = instance_type
        self.register_outputs({"endpointName": self.endpoint.name, "instanceType": instance_type})

    def _scale(self, logical: str, policy_name: str, variant: str, spec: EndpointSpec) -> None:
        target = aws.appautoscaling.Target(
            logical, service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            resource_id=self.endpoint.name.apply(lambda n: f"endpoint/{n}/variant/{variant}"),
            min_capacity=spec.replicas_min, max_capacity=spec.replicas_max, opts=child(self))
        aws.appautoscaling.Policy(
            logical, name=policy_name, policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace, scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": max(1.0, round(spec.concurrency * SCALE_AT, 1)),
                "predefined_metric_specification": {
                    "predefined_metric_type": "SageMakerVariantConcurrentRequestsPerModelHighResolution"},
                "scale_out_cooldown": 60, "scale_in_cooldown": 600,
            },
            opts=child(self))
