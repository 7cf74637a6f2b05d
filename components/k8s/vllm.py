"""VllmEndpoint: one model served by vLLM's OpenAI-compatible server on a GPU pool.

The component takes an ``EndpointSpec`` (components/resolve.py: model, precision, context, tensor-parallel
size, replicas, the replica's CPU, memory and model cache from its pool's shape, and the scheduler limits sizing
chose) and the pool's ``PoolScheduling`` (its cloud ``GpuPool(...).scheduling``); it decides nothing about
sizing itself. Objects (all named after the endpoint key, in the serving namespace): ServiceAccount (the cloud's
workload identity binds to it), Deployment, ClusterIP Service, HorizontalPodAutoscaler, PodDisruptionBudget and
a NetworkPolicy admitting traffic only from the endpoint's own namespace and the shared ingress namespace.
Scheduling (node selector, tolerations) is derived from the pool's ``PoolScheduling``, never retyped.

Precision: ``--dtype`` and ``--quantization`` are chosen so the loaded weights match what sizing assumes
(fp8 and int8 1 byte, int4 half a byte per parameter); see ``_precision_args`` for the rule per checkpoint.
``--kv-cache-dtype fp8`` is passed only when the endpoint asks for it (sizing then counts 1 byte per KV element).

Batching: ``concurrency`` is the number of sequences sizing guarantees at full context; the scheduler limits
``--max-num-seqs`` and ``--max-num-batched-tokens`` are the spec's ``batch`` (components.sizing.batch: the KV
capacity at a typical request size), so a replica batches as many typical requests as its cache holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.autoscaling import v2 as hpa
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net
from pulumi_kubernetes.policy import v1 as policy

from llmops_landing_zone.components import coldstart
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import (
    INGRESS_NAMESPACE,
    SKIP_AWAIT,
    labels,
    metadata,
    namespace_peer,
    restricted_container_security,
    restricted_pod_security,
    selector_labels,
    toleration_args,
)
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, PoolScheduling
from llmops_landing_zone.components.config.models import MAX_CANARY_WEIGHT, canary_key
from llmops_landing_zone.components.resolve import CanarySpec, EndpointSpec

TYPE = "llmops:k8s:VllmEndpoint"
APP = "vllm"
PORT = 8000
MODEL_DIR = "/models"
GPU_MEMORY_UTILIZATION = 0.9  # vLLM's default budget; sizing (reference 2.1) assumes the same fraction

# --dtype per precision. Weight quantisation is a separate flag (see _precision_args).
DTYPE = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16",
         "fp8": "auto", "int8": "auto", "int4": "auto"}
# Object-store URIs vLLM streams straight into GPU memory with the Run:ai Model Streamer
# (https://docs.vllm.ai/en/stable/models/extensions/runai_model_streamer/). az:// needs vLLM with the
# streamer's Azure backend (vllm-project/vllm#34614) and AZURE_STORAGE_ACCOUNT_NAME in ``env``.
STREAMED_SCHEMES = ("s3://", "gs://", "az://")
_HF_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Quantisation marker: "use what the checkpoint's config.json declares" (AWQ, GPTQ, compressed-tensors).
FROM_CHECKPOINT = "checkpoint"
# In-flight weight quantisation of a bf16 checkpoint, per precision. int4: bitsandbytes quantises the bf16
# weights to 4 bits while loading (docs.vllm.ai, "BitsAndBytes"). int8 has none: vLLM's 8-bit paths (W8A8,
# bitsandbytes 8-bit) need a pre-quantised checkpoint.
IN_FLIGHT = {"fp8": "fp8", "int4": "bitsandbytes"}
KV_CACHE_DTYPES = ("auto", "fp8")  # --kv-cache-dtype values the zone uses (components.sizing.KV_CACHE_DTYPES)


# A canary's Deployment and Service say what they are, for the gateway's routes and the guardrail releases
# (policies/rules/releases.py): the endpoint they belong to, the share of its requests and the mode.
CANARY_OF = "llmops.io/canary-of"
CANARY_WEIGHT = "llmops.io/canary-weight"
CANARY_MODE = "llmops.io/canary-mode"  # weighted | mirror
TRACK_LABEL = "llmops.io/track"  # stable | canary on the pods: dashboards compare the two


def canary_service_name(endpoint: str) -> str:
    """The Service of an endpoint's canary (``<endpoint>-canary`` in the serving namespace): the gateway's
    weighted or mirrored backend next to the endpoint's own Service (named ``endpoint``)."""
    return canary_key(endpoint)


@dataclass(frozen=True)
class Release:
    """What makes a VllmEndpoint the canary of ``endpoint``: it also answers to the endpoint's served name, so a
    request routed (or mirrored) to it by the gateway is accepted unchanged."""

    endpoint: str  # the stable endpoint's key
    served_name: str  # the stable endpoint's served name
    weight: int
    mirror: bool

    @property
    def annotations(self) -> dict[str, str]:
        return {CANARY_OF: self.endpoint, CANARY_WEIGHT: str(self.weight),
                CANARY_MODE: "mirror" if self.mirror else "weighted"}


@dataclass
class VllmEndpointArgs:
    spec: EndpointSpec  # the endpoint, resolved (components/resolve.py); its key names every object
    scheduling: PoolScheduling  # the node contract of spec.pool: its cloud GpuPool's ``scheduling``
    namespace: str
    # Where vLLM loads the weights from: default the Hugging Face repo id (spec.model_path); a cloud's serving
    # passes its model store's URI (s3:// | gs:// | az://) of the same path.
    model_uri: str | None = None
    service_account_annotations: dict[str, str] = field(default_factory=dict)
    pod_labels: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    # --- optional, with defaults -------------------------------------------------------------------------
    service_account_name: str | None = None  # default: the endpoint key
    quantization: str | None = None  # default per precision; FROM_CHECKPOINT or a vLLM method name overrides
    hf_token_secret: str | None = None  # Secret (key "token") for gated Hugging Face models; a file
    allow_from_namespaces: list[str] = field(default_factory=list)  # e.g. a monitoring namespace
    target_cpu: str = "1500m"  # HPA: average CPU per replica (see the HPA below)
    queue_target: int | None = None  # HPA on waiting requests instead; needs a custom-metrics adapter
    queue_metric: str = "vllm:num_requests_waiting"  # the name the cluster's metrics adapter serves it under
    hpa: bool = True  # False when another autoscaler owns the Deployment's scale (a KEDA ScaledObject)
    image: images.Image = images.VLLM  # clouds pass images.vllm_image(cloud): the build their driver runs
    # Cold start (components/coldstart.py). Streamed models only: RUNAI_STREAMER_CONCURRENCY per rank (default:
    # what fills the node's bandwidth to object storage), and whether a compile cache is restored first.
    streamer_concurrency: int | None = None
    compile_cache: bool = True
    release: Release | None = None  # set on a canary's args (canary_args)

    @property
    def model(self) -> str:
        """The model vLLM serves: its store URI, else the Hugging Face repo id."""
        return self.model_uri or self.spec.model_path

    @property
    def streamed(self) -> bool:
        return self.model.startswith(STREAMED_SCHEMES)

    @property
    def sharded(self) -> bool:
        """Tensor-parallel ranks each stream only their shard (``runai_streamer_sharded``) of a checkpoint
        re-saved per rank (see ``weights_uri``). Not with in-flight quantisation: the shards hold the weights as
        the engine keeps them, and re-quantising them at load is not a path vLLM documents."""
        return self.streamed and self.spec.gpus > 1 and self.quantization_method == FROM_CHECKPOINT

    @property
    def num_seqs(self) -> int:
        """``--max-num-seqs``: the spec's batch, else the concurrency sizing guarantees."""
        return self.spec.batch.max_num_seqs if self.spec.batch else self.spec.concurrency

    @property
    def max_num_batched_tokens(self) -> int | None:
        """``--max-num-batched-tokens``: the spec's batch, else vLLM's default."""
        return self.spec.batch.max_num_batched_tokens if self.spec.batch else None

    @property
    def sa_name(self) -> str:
        return self.service_account_name or service_account_name(self.spec.key)

    @property
    def quantization_method(self) -> str:
        """``--quantization``: the explicit ``quantization``, else fp8 online, else for a catalog (bf16)
        checkpoint the in-flight method of the precision, else FROM_CHECKPOINT (config.json declares it)."""
        s = self.spec
        if self.quantization is not None:
            return self.quantization
        if s.precision == "fp8" or (s.precision in IN_FLIGHT and s.catalog_checkpoint):
            return IN_FLIGHT[s.precision]
        return FROM_CHECKPOINT

    def problems(self) -> list[str]:
        s, pool = self.spec, self.spec.pool
        if s.runtime != "vllm" or pool is None or s.resources is None:
            return [f"endpoint {s.key!r} is not a vLLM endpoint on a pool (runtime {s.runtime!r}); build its "
                    "spec with EndpointSpec.vllm"]
        out = []
        if not _DNS_1035.match(s.key):
            out.append(f"endpoint {s.key!r} must be a DNS-1035 label (it names a Service)")
        if (self.scheduling.pool, self.scheduling.instance_type) != (pool.key, pool.shape.name):
            out.append(f"scheduling is pool {self.scheduling.pool!r}'s ({self.scheduling.instance_type}), but the "
                       f"endpoint runs on pool {pool.key!r} ({pool.shape.name}): pass that pool's scheduling")
        if s.precision not in DTYPE:
            out.append(f"precision {s.precision!r} is not one of {', '.join(DTYPE)}")
        if not (self.model.startswith(STREAMED_SCHEMES) or _HF_REPO.match(self.model)):
            out.append(f"model {self.model!r} is neither a Hugging Face repo id "
                       "nor an s3://, gs:// or az:// URI")
        if not 1 <= s.gpus <= pool.gpus_per_node:
            out.append(f"gpus={s.gpus} must be between 1 and the {pool.gpus_per_node} GPUs of a node "
                       f"of pool {pool.key!r} (tensor parallelism does not span nodes)")
        if s.max_context < 1 or s.concurrency < 1:
            out.append("max_context and concurrency must be positive")
        if s.replicas_min < 0 or s.replicas_max < max(1, s.replicas_min):
            out.append(f"replicas {s.replicas_min}..{s.replicas_max}: "
                       "need 0 <= min <= max and max >= 1")
        if not re.fullmatch(r"\d+m|\d+(\.\d+)?", self.target_cpu):
            out.append(f"target_cpu {self.target_cpu!r} is not a CPU quantity")
        if self.num_seqs < s.concurrency:
            out.append(f"max_num_seqs={self.num_seqs} is below concurrency={s.concurrency}, the number of "
                       "sequences the replica is sized for")
        if self.max_num_batched_tokens is not None and self.max_num_batched_tokens < self.num_seqs:
            out.append(f"max_num_batched_tokens={self.max_num_batched_tokens} must be at least max-num-seqs "
                       f"({self.num_seqs})")
        if s.kv_cache_dtype not in KV_CACHE_DTYPES:
            out.append(f"kv_cache_dtype {s.kv_cache_dtype!r} is not one of {', '.join(KV_CACHE_DTYPES)}")
        elif s.kv_cache_dtype == "fp8" and not pool.shape.gpu_model.fp8:
            out.append(f"kv_cache_dtype fp8 needs a GPU with FP8; {pool.gpu} (pool {pool.key!r}) has none")
        if self.queue_target is not None and self.queue_target < 1:
            out.append("queue_target must be at least 1 waiting request per replica")
        if self.release is not None and not 1 <= self.release.weight <= MAX_CANARY_WEIGHT:
            out.append(f"canary weight {self.release.weight} is outside 1..{MAX_CANARY_WEIGHT}")
        out += [f"env name {k!r} is not a valid variable name" for k in self.env if not _ENV_NAME.match(k)]
        if s.precision == "int8" and self.quantization is None and s.catalog_checkpoint:
            out.append(f"int8 with {s.model_path!r}: a catalog model's checkpoint is bf16 and vLLM has no in-flight "
                       "int8 quantisation; use fp8, or an int8 pre-quantised checkpoint")
        if self.quantization_method == "bitsandbytes" and self.model.startswith(STREAMED_SCHEMES):
            # --quantization bitsandbytes switches vLLM to its bitsandbytes loader, which reads a local directory
            # or the Hugging Face Hub, never the Run:ai streamer (vllm-project/vllm#22882).
            out.append(f"bitsandbytes cannot load {self.model!r}: its loader does not stream from object "
                       "storage; use a Hugging Face repo id, fp8, or a 4-bit pre-quantised checkpoint")
        return out


def canary_args(stable: VllmEndpointArgs, canary: CanarySpec, model_uri: str | None = None,
                **changes: object) -> VllmEndpointArgs:
    """The args of an endpoint's canary: the stable endpoint's (namespace, image, env, scaling choice) with the
    canary's spec, weights (``model_uri``: its store URI), ServiceAccount (``<endpoint>-canary``, which the
    cloud binds to the same identity) and release; ``changes`` override further fields."""
    return replace(stable, spec=canary.spec, model_uri=model_uri,
                   service_account_name=service_account_name(canary.key),
                   pod_labels={**stable.pod_labels, TRACK_LABEL: "canary"},
                   release=Release(stable.spec.key, stable.spec.served_name, canary.weight, canary.mirror),
                   **changes)  # type: ignore[arg-type]


def service_account_name(endpoint: str) -> str:
    """The ServiceAccount an endpoint runs as (``llm-serving/<endpoint>``), known before anything is created
    so a cloud can write its workload-identity trust (IRSA, GKE WI, Azure WI) first."""
    return endpoint


def _precision_args(precision: str, method: str) -> list[str]:
    """Weight precision as vLLM flags, so that the weights take the memory sizing (components.sizing
    WEIGHT_BYTES) assumes:

    - fp8: vLLM quantises bf16/fp16 weights to FP8 at load (dynamic per-tensor scales; FP8 tensor cores on
      Ada/Hopper, weight-only Marlin kernels on Ampere);
    - int4 on a catalog model (bf16 checkpoint): bitsandbytes quantises the weights to 4 bits at load. Its
      loader cannot stream from object storage, so the zone, which streams every catalog model from its
      bucket, refuses int4 on catalog models at config validation (components.sizing);
    - int8 on a catalog model: refused (VllmEndpointArgs.problems, and config validation): vLLM has no
      in-flight int8 path, and loading the bf16 checkpoint would need twice the memory sized;
    - int8/int4 on any other checkpoint (an explicit architecture in the stack config): a pre-quantised
      checkpoint (AWQ, GPTQ, compressed-tensors W8A8/W4A16) whose config.json declares the method.

    ``quantization`` on the endpoint args names a method explicitly (or FROM_CHECKPOINT)."""
    out = ["--dtype", DTYPE[precision]]
    if method != FROM_CHECKPOINT:
        out += ["--quantization", method]
    return out


def vllm_args(a: VllmEndpointArgs) -> list[str]:
    """Arguments of ``vllm serve`` (the model first). V1-engine defaults are kept: prefix caching and chunked
    prefill are on, request logging is off (docs.vllm.ai, engine arguments)."""
    s = a.spec
    # A canary answers to the endpoint's name first (what clients sent, echoed in responses) and its own.
    names = [a.release.served_name, s.served_name] if a.release else [s.served_name]
    out = [a.model, "--served-model-name", *dict.fromkeys(names), "--port", str(PORT),
           "--tensor-parallel-size", str(s.gpus), "--max-model-len", str(s.max_context),
           "--max-num-seqs", str(a.num_seqs)]
    if a.max_num_batched_tokens is not None:
        out += ["--max-num-batched-tokens", str(a.max_num_batched_tokens)]
    out += [*_precision_args(s.precision, a.quantization_method)]
    if s.kv_cache_dtype != "auto":
        out += ["--kv-cache-dtype", s.kv_cache_dtype]
    out += ["--gpu-memory-utilization", str(GPU_MEMORY_UTILIZATION)]
    if a.streamed:
        out[0] = weights_uri(a)
        out += ["--load-format", coldstart.SHARDED_FORMAT if a.sharded else "runai_streamer"]
    return out


SHARD_SUFFIX = "-sharded-tp{tp}"  # sibling prefix: never listed with the original checkpoint's safetensors
COMPILE_CACHE_PREFIX = "vllm-compile-cache"


def _split_uri(model: str) -> tuple[str, str, str]:
    scheme, rest = model.split("://", 1)
    bucket, _, path = rest.partition("/")
    return scheme, bucket, path.strip("/")


def weights_uri(a: VllmEndpointArgs) -> str:
    """Where the replica reads its weights: the checkpoint, or for a sharded load its per-rank re-save written
    once by vLLM's examples/offline_inference/save_sharded_state.py (``--tensor-parallel-size`` = the replica's
    GPUs) to ``<checkpoint>-sharded-tp<N>/``."""
    if not a.sharded:
        return a.model
    return a.model.rstrip("/") + SHARD_SUFFIX.format(tp=a.spec.gpus) + "/"


def compile_cache_uri(a: VllmEndpointArgs) -> str:
    """Where the compile cache of this vLLM version, checkpoint, GPU model and tensor-parallel size is kept:
    ``<scheme>://<bucket>/vllm-compile-cache/<vLLM tag>/<checkpoint>/<GPU>-tp<N>/``. Each part of the key is in
    the path, so a new vLLM image or model reads an empty prefix (and compiles) rather than a stale cache; vLLM
    checks its own hash of the engine config on top."""
    scheme, bucket, path = _split_uri(a.model)
    return (f"{scheme}://{bucket}/{COMPILE_CACHE_PREFIX}/{a.image.tag}/{path}/"
            f"{a.spec.pool.gpu.lower()}-tp{a.spec.gpus}/")


# Restores a compile cache with the streamer the image already carries (runai_model_streamer.pull_files, the
# function vLLM itself pulls object-store model files with); no cache yet is not an error: vLLM compiles.
_RESTORE = ("import os, sys\nfrom runai_model_streamer import pull_files\ntry:\n"
            "    pull_files(sys.argv[1], os.environ['VLLM_CACHE_ROOT'])\n"
            "except Exception as e:\n    print('no compile cache restored:', e)\n")


def startup_failure_threshold(gpus: int) -> int:
    """Startup window in 10 s probes: image pull, weight download and load, CUDA-graph capture. Larger
    tensor-parallel replicas serve larger models: 25 minutes for one GPU, up to 60 for eight."""
    return 120 + 30 * gpus


class VllmEndpoint(pulumi.ComponentResource):
    """A vLLM OpenAI-compatible endpoint: Deployment, Service, HPA, PDB, NetworkPolicy, ServiceAccount."""

    def __init__(self, name: str, args: VllmEndpointArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if problems := args.problems():
            raise ValueError(f"VllmEndpoint {name!r}: " + "; ".join(problems))
        super().__init__(TYPE, name, None, opts)
        a = args
        ns = a.namespace
        child = pulumi.ResourceOptions(parent=self)
        obj = a.spec.key
        lbls = labels(APP, obj, "model-server", a.image.version)
        select = selector_labels(APP, obj)

        self.service_account = core.ServiceAccount(
            f"{name}-sa",
            metadata=metadata(a.sa_name, lbls, ns, annotations=dict(a.service_account_annotations)),
            # The pod needs no Kubernetes API token; cloud workload identity injects its own projected token.
            automount_service_account_token=False,
            opts=child)

        # Pulumi does not pass a component's depends_on to its children; the pods are what must wait (e.g. for
        # an EKS Pod Identity association, which only reaches pods created after it exists), so pass it on.
        release = a.release.annotations if a.release else {}
        self.deployment = apps.Deployment(
            f"{name}-deploy",
            metadata=metadata(obj, lbls, ns, annotations={**self._await_annotations(a), **release}),
            spec=self._deployment_spec(a, lbls, select),
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None))

        self.service = core.Service(
            f"{name}-svc",
            metadata=metadata(obj, lbls, ns, annotations={**SKIP_AWAIT, **release}),
            spec=core.ServiceSpecArgs(
                type="ClusterIP", selector=select,
                ports=[core.ServicePortArgs(name="http", port=PORT, target_port="http", protocol="TCP",
                                            app_protocol="http")]),
            opts=child)

        # HPA minReplicas must be >= 1 (0 needs the alpha HPAScaleToZero gate). replicas.min = 0 therefore
        # parks the endpoint: the Deployment is created with 0 replicas, and the HPA (min 1) stays dormant,
        # because the HPA controller does not scale a target that has 0 replicas ("ScalingDisabled").
        # Scaling the Deployment to >= 1 (kubectl scale, or raising replicas.min) wakes it and autoscaling
        # resumes between 1 and max. GPU nodes of a parked endpoint scale to zero.
        self.hpa = None if not a.hpa else hpa.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=metadata(obj, lbls, ns),
            spec=hpa.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=hpa.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=self.deployment.metadata.name),
                min_replicas=max(1, a.spec.replicas_min),
                max_replicas=max(1, a.spec.replicas_min, a.spec.replicas_max),
                metrics=[self._metric(a)],
                # A GPU replica takes minutes to start and costs dollars per hour: add at once (up to two
                # a minute), remove one per 5 minutes after 10 quiet ones, so a lull keeps warm replicas.
                behavior=hpa.HorizontalPodAutoscalerBehaviorArgs(
                    scale_up=hpa.HPAScalingRulesArgs(
                        stabilization_window_seconds=0,
                        policies=[hpa.HPAScalingPolicyArgs(type="Pods", value=2, period_seconds=60)]),
                    scale_down=hpa.HPAScalingRulesArgs(
                        stabilization_window_seconds=600,
                        policies=[hpa.HPAScalingPolicyArgs(type="Pods", value=1, period_seconds=300)])),
            ),
            opts=child)

        # maxUnavailable (not minAvailable): a single-replica endpoint must not block GPU node drains and
        # scale-down forever. AlwaysAllow lets a replica stuck loading be evicted.
        self.pdb = policy.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=metadata(obj, lbls, ns),
            spec=policy.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=metav1.LabelSelectorArgs(match_labels=select),
                unhealthy_pod_eviction_policy="AlwaysAllow"),
            opts=child)

        sources = list(dict.fromkeys([ns, INGRESS_NAMESPACE, *a.allow_from_namespaces]))
        self.network_policy = net.NetworkPolicy(
            f"{name}-netpol",
            metadata=metadata(obj, lbls, ns),
            spec=net.NetworkPolicySpecArgs(
                pod_selector=metav1.LabelSelectorArgs(match_labels=select),
                policy_types=["Ingress"],
                ingress=[net.NetworkPolicyIngressRuleArgs(
                    from_=[namespace_peer(s) for s in sources],
                    ports=[net.NetworkPolicyPortArgs(port=PORT, protocol="TCP")])]),
            opts=child)

        self.service_account_name = a.sa_name
        self.service_name = obj
        self.url = f"http://{obj}.{ns}.svc.cluster.local:{PORT}/v1"
        self.register_outputs({"url": self.url, "serviceAccount": a.sa_name, "model": a.spec.served_name})

    # --- pieces -------------------------------------------------------------------------------------------
    @staticmethod
    def _metric(a: VllmEndpointArgs) -> hpa.MetricSpecArgs:
        """The HPA signal. Default: CPU, the one metric every managed cluster serves (metrics-server), as an
        absolute average per replica: vLLM's engine loop holds about one core while it has work and the API
        server adds tokenisation and streaming on top, so use grows with load whatever the replica's size (a
        utilisation target would never trigger on an 8-GPU replica's large CPU request). Better, when the
        cluster runs a custom-metrics adapter (Prometheus Adapter, GKE's Stackdriver adapter): the number of
        requests waiting for a batch slot, vLLM's own saturation signal."""
        if a.queue_target is not None:
            return hpa.MetricSpecArgs(type="Pods", pods=hpa.PodsMetricSourceArgs(
                metric=hpa.MetricIdentifierArgs(name=a.queue_metric),
                target=hpa.MetricTargetArgs(type="AverageValue", average_value=str(a.queue_target))))
        return hpa.MetricSpecArgs(type="Resource", resource=hpa.ResourceMetricSourceArgs(
            name="cpu", target=hpa.MetricTargetArgs(type="AverageValue", average_value=a.target_cpu)))

    @staticmethod
    def _progress_deadline(a: VllmEndpointArgs) -> int:
        # Startup window plus 15 minutes for the cluster autoscaler to bring up a GPU node.
        return startup_failure_threshold(a.spec.gpus) * 10 + 900

    def _await_annotations(self, a: VllmEndpointArgs) -> dict[str, str]:
        # `pulumi up` waits for the rollout; the default 10 minutes is shorter than a GPU cold start.
        return {"pulumi.com/timeoutSeconds": str(self._progress_deadline(a))}

    def _deployment_spec(self, a: VllmEndpointArgs, lbls: dict[str, str],
                         select: dict[str, str]) -> apps.DeploymentSpecArgs:
        s, r = a.spec, a.spec.resources
        assert r is not None  # problems() checked it
        cpu, memory, gpus = r.cpu, r.memory, str(s.gpus)
        resources = core.ResourceRequirementsArgs(
            requests={"cpu": cpu, "memory": memory, GPU_RESOURCE: gpus},
            limits={"cpu": cpu, "memory": memory, GPU_RESOURCE: gpus})
        health = core.HTTPGetActionArgs(path="/health", port="http")
        volumes = [
            core.VolumeArgs(name="model-cache", empty_dir=core.EmptyDirVolumeSourceArgs(
                size_limit=r.model_cache)),
            core.VolumeArgs(name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit="4Gi")),
        ]
        mounts = [core.VolumeMountArgs(name="model-cache", mount_path=MODEL_DIR),
                  core.VolumeMountArgs(name="tmp", mount_path="/tmp")]
        if s.gpus > 1:
            # NCCL moves tensor-parallel activations through /dev/shm; the runtime's 64 MiB default is far
            # too small. Memory-backed, so it counts against the container's memory limit.
            volumes.append(core.VolumeArgs(name="dshm", empty_dir=core.EmptyDirVolumeSourceArgs(
                medium="Memory", size_limit=f"{min(16, 2 * s.gpus)}Gi")))
            mounts.append(core.VolumeMountArgs(name="dshm", mount_path="/dev/shm"))
        env = {
            # The image has no user for our UID: getpass (used by torch.compile) falls back to $USER.
            "HOME": "/tmp", "USER": APP,
            "HF_HOME": f"{MODEL_DIR}/huggingface", "VLLM_CACHE_ROOT": f"{MODEL_DIR}/vllm",
            "TRITON_CACHE_DIR": f"{MODEL_DIR}/triton",
            "TORCHINDUCTOR_CACHE_DIR": f"{MODEL_DIR}/torchinductor",
            "XDG_CACHE_HOME": f"{MODEL_DIR}/cache", "XDG_CONFIG_HOME": "/tmp/.config",
            "NUMBA_CACHE_DIR": "/tmp/numba",
            "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1",  # no telemetry leaves a private landing zone
        }
        if a.hf_token_secret:
            # As a file, not an env var (checkov CKV_K8S_35): huggingface_hub reads HF_TOKEN_PATH.
            volumes.append(core.VolumeArgs(name="hf-token", secret=core.SecretVolumeSourceArgs(
                secret_name=a.hf_token_secret, default_mode=0o440)))
            mounts.append(core.VolumeMountArgs(name="hf-token", mount_path="/var/run/secrets/huggingface",
                                                      read_only=True))
            env["HF_TOKEN_PATH"] = "/var/run/secrets/huggingface/token"
        if a.streamed:
            env["RUNAI_STREAMER_CONCURRENCY"] = str(
                a.streamer_concurrency or coldstart.streamer_concurrency(s.pool.gpus_per_node, s.gpus))
        env.update(a.env)
        env_args = [core.EnvVarArgs(name=k, value=v) for k, v in env.items()]
        init = []
        if a.streamed and a.compile_cache:
            # torch.compile artifacts made once (README "Cold start") and kept next to the weights: a new node
            # loads them instead of compiling. CUDA graphs are captured at every start either way.
            init.append(core.ContainerArgs(
                name="compile-cache", image=a.image.ref,
                image_pull_policy="IfNotPresent" if a.image.digest else "Always",
                command=["python3", "-c", _RESTORE], args=[compile_cache_uri(a)], env=env_args,
                resources=core.ResourceRequirementsArgs(requests={"cpu": "1", "memory": "2Gi"},
                                                        limits={"cpu": "1", "memory": "2Gi"}),
                security_context=restricted_container_security(read_only_root=True),
                volume_mounts=[m for m in mounts if m.name in ("model-cache", "tmp")]))
        container = core.ContainerArgs(
            name=APP, image=a.image.ref, image_pull_policy="IfNotPresent" if a.image.digest else "Always",
            # The image's own entrypoint; `python3 -m vllm.entrypoints.openai.api_server` is deprecated
            # (vllm-project/vllm #42077).
            command=["vllm", "serve"], args=vllm_args(a),
            ports=[core.ContainerPortArgs(name="http", container_port=PORT, protocol="TCP")],
            env=env_args,
            resources=resources,
            startup_probe=core.ProbeArgs(http_get=health, period_seconds=10, timeout_seconds=5,
                                                failure_threshold=startup_failure_threshold(s.gpus)),
            readiness_probe=core.ProbeArgs(http_get=health, period_seconds=10, timeout_seconds=5,
                                                  failure_threshold=3),
            # /health answers from the engine loop; a long prefill can delay it, so allow a minute.
            liveness_probe=core.ProbeArgs(http_get=health, period_seconds=15, timeout_seconds=10,
                                                 failure_threshold=4),
            # Leave time for the Service endpoints to drop the pod before the server stops accepting.
            lifecycle=core.LifecycleArgs(pre_stop=core.LifecycleHandlerArgs(
                exec_=core.ExecActionArgs(command=["sleep", "10"]))),
            security_context=restricted_container_security(read_only_root=True),
            volume_mounts=mounts,
        )
        return apps.DeploymentSpecArgs(
            # With an HPA the replica count is the HPA's: leaving it out keeps `pulumi up` from resetting a
            # scaled-out endpoint to its minimum on every change. Only a parked endpoint pins 0 (see HPA).
            replicas=0 if s.replicas_min == 0 else None,
            selector=metav1.LabelSelectorArgs(match_labels=select),
            revision_history_limit=3,
            progress_deadline_seconds=self._progress_deadline(a),
            # Surge one replica, never drop below the current count: capacity holds during a rollout.
            strategy=apps.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=apps.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0)),
            template=core.PodTemplateSpecArgs(
                metadata=metav1.ObjectMetaArgs(
                    labels={**a.pod_labels, **lbls},
                    annotations={"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                                 "prometheus.io/path": "/metrics"}),
                spec=core.PodSpecArgs(
                    service_account_name=self.service_account.metadata.name,
                    automount_service_account_token=False,
                    # Service links would inject VLLM_PORT=tcp://... for a Service named "vllm", which vLLM
                    # reads as its own port setting and fails on.
                    enable_service_links=False,
                    node_selector=a.scheduling.node_selector(),
                    tolerations=toleration_args(a.scheduling.tolerations()),
                    topology_spread_constraints=[core.TopologySpreadConstraintArgs(
                        max_skew=1, topology_key="topology.kubernetes.io/zone",
                        when_unsatisfiable="ScheduleAnyway",
                        label_selector=metav1.LabelSelectorArgs(match_labels=select))],
                    security_context=restricted_pod_security(),
                    termination_grace_period_seconds=120,  # in-flight generations finish after SIGTERM
                    init_containers=init or None,
                    containers=[container],
                    volumes=volumes,
                ),
            ),
        )
