"""Cold start of a vLLM replica on a fresh GPU node, as four phases: node provision, image pull, weight load and
engine start (torch.compile and CUDA-graph capture included).

Every input is either a setting the plan configures (``NodeSettings`` and ``ServingSettings``, read from the
recorded plan by ``settings_from_plan``) or an assumption below, each with its source. The figures are an
estimate to compare configurations with, not a measurement: re-measure on a node before quoting them.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass

from llmops_landing_zone.components import catalog, tokens
from llmops_landing_zone.components.plan import Plan, PlannedResource

# --- assumptions (each sourced; change them here, never in a caller) -----------------------------------------
# vllm/vllm-openai v0.31.0: 12.6 GB compressed, 28.6 GB unpacked (issue 12, measured on a node).
IMAGE_COMPRESSED_MB = 12_600
IMAGE_UNPACKED_MB = 28_600
# Instance launch to a Ready node with its GPU driver and device plugin. Assumption (not measured here): one-GPU
# shapes boot in about 1.5 minutes, 8-GPU shapes (more devices to initialise, NVSwitch fabric) in about 2.5.
PROVISION_S_SMALL, PROVISION_S_LARGE = 90.0, 150.0
# Per-node download rate of the image. Docker Hub through a NAT gateway: assumption calibrated so that today's
# settings give issue 12's measured ~9 minutes for 8B on an L4. An in-region mirror over the private network
# (ECR, Artifact Registry, ACR): assumption, 250 MB/s per node.
PUBLIC_REGISTRY_MBPS = 80.0
MIRROR_MBPS = 250.0
# Unpacking: containerd decompresses and writes one layer at a time (assumption: 250 MB/s of unpacked data,
# gzip-bound); SOCI parallel pull/unpack (EKS AL2023 nodeadm FastImagePull) unpacks layers concurrently, limited by
# the disk (assumption: 800 MB/s on a 4-vCPU node). Lazy image streaming (GKE image streaming) starts the
# container after reading what it needs: assumption, 35% of the unpacked image (Python, torch, CUDA libraries)
# before the server process is up (GKE image streaming docs: "workloads initialize without waiting for the
# entire image to download").
SERIAL_UNPACK_MBPS = 250.0
PARALLEL_UNPACK_MBPS = 800.0
STREAMED_FRACTION = 0.35
# Run:ai Model Streamer: one connection to object storage reads about 80-100 MB/s (NVIDIA technical blog "Reducing
# Cold Start Latency for LLM Inference with NVIDIA Run:ai Model Streamer", 2025-09-16: 15 GB from S3 in 4.88 s at
# concurrency 32); its default concurrency is 16 (docs.vllm.ai, "Loading models with Run:ai Model Streamer").
# Per-node ceiling to object storage: assumption, 1.2 GB/s on one-GPU shapes (10 Gbps class NIC) and 4 GB/s on
# 8-GPU shapes.
PER_STREAM_MBPS = 80.0
DEFAULT_CONCURRENCY = 16
NODE_OBJECT_STORE_MBPS_SMALL, NODE_OBJECT_STORE_MBPS_LARGE = 1_200.0, 4_000.0
# Engine start: process and NCCL/allocator init, torch.compile (skipped on a cache hit: docs.vllm.ai "torch.compile
# integration": copying torch_compile_cache "saves a great amount of compilation time"), CUDA-graph capture (never
# cached). Assumptions: init 15 s; compile 45 s up to 13B parameters, 60 s above; 5 s to load a cached compile;
# graph capture 20 s on one GPU, 35 s tensor-parallel.
ENGINE_INIT_S = 15.0
COMPILE_S_SMALL, COMPILE_S_LARGE, COMPILE_CACHED_S = 45.0, 60.0, 5.0
GRAPHS_S_SINGLE, GRAPHS_S_PARALLEL = 20.0, 35.0

# --- what the plan sets -------------------------------------------------------------------------------------
SHARDED_FORMAT = "runai_streamer_sharded"
PULL_MODES = ("serial", "parallel", "streaming")
GCP_DISK_MBPS = {"pd-balanced": (140.0, 0.28), "pd-ssd": (240.0, 0.48)}  # baseline + per GB (Compute Engine
# "Persistent Disk performance" tables; assumption until re-read for the machine family)
GCP_DISK_CAP_MBPS = 1_200.0
# Azure Premium SSD v1 throughput per tier, by size (learn.microsoft.com, "Azure managed disk types").
AZURE_PREMIUM_MBPS = ((128, 100.0), (256, 125.0), (512, 150.0), (1024, 200.0), (2048, 250.0), (4096, 250.0))
# An ephemeral OS disk sits on the VM's cache or temp SSD, not bound by managed-disk tiers and "always capable of
# saturating the VM level limits" (Cluster API Provider Azure docs, "Ephemeral OS"). Microsoft publishes no local
# throughput for the GPU sizes: assumption, the VM's documented disk limit (catalog local-disks.csv ``disk_mbps``).
# With whole-image pulls the unpack rate (SERIAL_UNPACK_MBPS) binds well below it. Premium SSD v2 and Ultra
# disks cannot be OS disks, and AKS OS disks stop at P40 sizes, so 250 MB/s is the managed ceiling.
EBS_GP3_DEFAULT_MBPS = 125.0  # gp3 baseline when the launch template sets no throughput


# --- node disks -------------------------------------------------------------------------------------------
SYSTEM_DISK_GB = 30  # OS, kubelet, logs and the compile caches


def node_disk_gb(configured_gb: int, gpu_memory_gib: float) -> int:
    """GPU node disk: at least the image twice over (compressed layers and their unpacked copy coexist while
    pulling), a checkpoint as large as the node's GPU memory (a Hugging Face model is downloaded to disk before
    loading), and the system; never below what the stack configures."""
    need = math.ceil((IMAGE_COMPRESSED_MB + IMAGE_UNPACKED_MB) / 1000 + gpu_memory_gib * 1.074 + SYSTEM_DISK_GB)
    return max(configured_gb, need)


@dataclass(frozen=True)
class NodeSettings:
    disk_mbps: float  # node root/container disk write throughput
    mirror: bool  # the vLLM image comes from an in-region mirror
    pull_mode: str  # serial | parallel (SOCI parallel pull) | streaming (lazy image streaming)
    gpus_per_node: int


@dataclass(frozen=True)
class ServingSettings:
    tensor_parallel: int
    load_format: str  # runai_streamer | runai_streamer_sharded
    streamer_concurrency: int | None  # RUNAI_STREAMER_CONCURRENCY (per rank); None: the streamer's default
    compile_cache: bool  # a compile cache is restored before the engine starts
    weights_mb: float


@dataclass(frozen=True)
class Estimate:
    provision_s: float
    image_s: float
    weights_s: float
    engine_s: float

    @property
    def total_s(self) -> float:
        return self.provision_s + self.image_s + self.weights_s + self.engine_s

    @property
    def minutes(self) -> float:
        return self.total_s / 60


def _large(gpus_per_node: int) -> bool:
    return gpus_per_node > 4


def node_object_store_mbps(gpus_per_node: int) -> float:
    return NODE_OBJECT_STORE_MBPS_LARGE if _large(gpus_per_node) else NODE_OBJECT_STORE_MBPS_SMALL


def streamer_concurrency(gpus_per_node: int, tensor_parallel: int) -> int:
    """RUNAI_STREAMER_CONCURRENCY per rank that fills the node's bandwidth to object storage, no more (extra
    connections only add throttling)."""
    return max(1, math.ceil(node_object_store_mbps(gpus_per_node) / PER_STREAM_MBPS / tensor_parallel))


def image_seconds(node: NodeSettings) -> float:
    rate = MIRROR_MBPS if node.mirror else PUBLIC_REGISTRY_MBPS
    if node.pull_mode == "streaming":
        return IMAGE_UNPACKED_MB * STREAMED_FRACTION / rate
    download = IMAGE_COMPRESSED_MB / rate
    if node.pull_mode == "parallel":
        return max(download, IMAGE_UNPACKED_MB / min(node.disk_mbps, PARALLEL_UNPACK_MBPS))
    return download + IMAGE_UNPACKED_MB / min(node.disk_mbps, SERIAL_UNPACK_MBPS)


def weights_seconds(node: NodeSettings, serving: ServingSettings) -> float:
    tp = serving.tensor_parallel
    # Unsharded, every rank streams the whole checkpoint and keeps its slice; sharded, each reads its own.
    total = serving.weights_mb * (1 if serving.load_format == SHARDED_FORMAT else tp)
    per_rank = (serving.streamer_concurrency or DEFAULT_CONCURRENCY) * PER_STREAM_MBPS
    return total / min(node_object_store_mbps(node.gpus_per_node), per_rank * tp)


def engine_seconds(serving: ServingSettings) -> float:
    compile_s = COMPILE_CACHED_S if serving.compile_cache else (
        COMPILE_S_SMALL if serving.weights_mb <= 26_000 else COMPILE_S_LARGE)  # 13B parameters in bf16
    return ENGINE_INIT_S + compile_s + (GRAPHS_S_PARALLEL if serving.tensor_parallel > 1 else GRAPHS_S_SINGLE)


def estimate(node: NodeSettings, serving: ServingSettings) -> Estimate:
    if node.pull_mode not in PULL_MODES:
        raise ValueError(f"pull_mode {node.pull_mode!r} is not one of {', '.join(PULL_MODES)}")
    provision = PROVISION_S_LARGE if _large(node.gpus_per_node) else PROVISION_S_SMALL
    return Estimate(provision, image_seconds(node), weights_seconds(node, serving), engine_seconds(serving))


# Node disks before issue 12: gp3 at its baseline, 200 GB pd-balanced, a 200 GB Premium SSD (P15) OS disk.
TODAY_DISK_MBPS = {"aws": EBS_GP3_DEFAULT_MBPS, "gcp": 140.0 + 0.28 * 200, "azure": 125.0}


def today(cloud: str, node: NodeSettings, serving: ServingSettings) -> tuple[NodeSettings, ServingSettings]:
    """The settings issue 12 measured: Docker Hub through NAT, serial pull onto the default node disk, every
    rank streaming the whole checkpoint at the streamer's default concurrency, compile caches in an emptyDir."""
    return (NodeSettings(TODAY_DISK_MBPS[cloud], False, "serial", node.gpus_per_node),
            ServingSettings(serving.tensor_parallel, "runai_streamer", None, False, serving.weights_mb))


# --- reading the settings from a recorded plan ----------------------------------------------------------------
DEPLOYMENT = tokens.K8S_DEPLOYMENT
POOL_LABEL = "llmops.io/pool"
BYTES_PER_PARAM = {"float32": 4, "float16": 2, "bfloat16": 2, "auto": 2}
QUANTIZED_BYTES = {"fp8": 1, "bitsandbytes": 0.5}


def _arg(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args else None


def serving_settings(deployment: PlannedResource) -> ServingSettings:
    pod = deployment.inputs["spec"]["template"]["spec"]
    c = next(c for c in pod["containers"] if c["name"] == "vllm")
    args = c["args"]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    model = re.sub(r"-sharded-tp\d+/?$", "/", args[0])  # a per-rank re-save names its checkpoint
    arch = next((m for m in catalog.model_architectures().values() if f"/{m.hf_name}/" in f"{model}/"), None)
    if arch is None:
        raise LookupError(f"{deployment.name}: model {model!r} is not a catalog checkpoint")
    quant = _arg(args, "--quantization")
    per_param = QUANTIZED_BYTES.get(quant or "", BYTES_PER_PARAM.get(_arg(args, "--dtype") or "auto", 2))
    conc = env.get("RUNAI_STREAMER_CONCURRENCY")
    return ServingSettings(
        tensor_parallel=int(_arg(args, "--tensor-parallel-size") or 1),
        load_format=_arg(args, "--load-format") or "auto",
        streamer_concurrency=int(conc) if conc else None,
        compile_cache=any(i["name"] == "compile-cache" for i in pod.get("initContainers") or []),
        weights_mb=arch.parameters * per_param / 1e6)


def _mirrored(plan: Plan, image: str) -> bool:
    host = image.split("/", 1)[0]
    if plan.cloud == "aws":
        prefixes = [r.inputs["ecrRepositoryPrefix"] for r in plan.of_type(tokens.AWS_ECR_PULL_THROUGH_CACHE_RULE)]
        return host.endswith(".amazonaws.com") and any(image.split("/")[1] == p for p in prefixes)
    if plan.cloud == "gcp":
        return host.endswith("-docker.pkg.dev") and any(
            r.inputs.get("mode") == "REMOTE_REPOSITORY" and image.split("/")[2] == r.inputs["repositoryId"]
            for r in plan.of_type(tokens.GCP_ARTIFACT_REGISTRY_REPOSITORY))
    targets = [r.inputs["targetRepository"] for r in plan.of_type(tokens.AZURE_ACR_CACHE_RULE)]
    return host.endswith(".azurecr.io") and image.split("/", 1)[1].split(":")[0].split("@")[0] in targets


def _aws_node(plan: Plan, pool: str) -> tuple[float, str, str]:
    group = next(r for r in plan.of_type(tokens.EKS_NODE_GROUP) if r.inputs["labels"].get(POOL_LABEL) == pool)
    lt = next(r for r in plan.of_type(tokens.EC2_LAUNCH_TEMPLATE)
              if r.inputs["name"] == group.inputs["nodeGroupName"])
    ebs = lt.inputs["blockDeviceMappings"][0]["ebs"]
    user_data = base64.b64decode(lt.inputs.get("userData") or "").decode()
    mode = "parallel" if "FastImagePull: true" in user_data else "serial"
    return float(ebs.get("throughput") or EBS_GP3_DEFAULT_MBPS), mode, group.inputs["instanceTypes"][0]


def _gcp_node(plan: Plan, pool: str) -> tuple[float, str, str]:
    np = next(r for r in plan.of_type(tokens.GKE_NODE_POOL)
              if r.inputs["nodeConfig"].get("labels", {}).get(POOL_LABEL) == pool)
    nc = np.inputs["nodeConfig"]
    base, per_gb = GCP_DISK_MBPS[nc["diskType"]]
    mbps = min(GCP_DISK_CAP_MBPS, base + per_gb * nc["diskSizeGb"])
    return mbps, "streaming" if (nc.get("gcfsConfig") or {}).get("enabled") else "serial", nc["machineType"]


def azure_os_disk_mbps(os_disk_type: str, size_gb: int, vm_size: str) -> float:
    """Write throughput of an AKS node's OS disk, where containerd unpacks images (kubeletDiskType OS)."""
    if os_disk_type == "Ephemeral":
        local = catalog.local_disk("azure", vm_size)
        if local is None:
            raise LookupError(f"{vm_size}: no local-disks.csv row for an ephemeral OS disk")
        return local.disk_mbps
    return next((m for gb, m in AZURE_PREMIUM_MBPS if size_gb <= gb), AZURE_PREMIUM_MBPS[-1][1])


def _azure_node(plan: Plan, pool: str) -> tuple[float, str, str]:
    ap = next(r for r in plan.of_type(tokens.AKS_AGENT_POOL)
              if r.inputs.get("nodeLabels", {}).get(POOL_LABEL) == pool)
    mbps = azure_os_disk_mbps(ap.inputs.get("osDiskType") or "Managed", ap.inputs["osDiskSizeGB"], ap.inputs["vmSize"])
    # AKS pulls whole images: artifact streaming (artifactStreamingProfile) is a preview property that the
    # installed pulumi-azure-native (AgentPool at API 2025-09-01) does not have.
    return mbps, "serial", ap.inputs["vmSize"]


_NODE_READERS = {"aws": _aws_node, "gcp": _gcp_node, "azure": _azure_node}


def settings_from_plan(plan: Plan, endpoint: str) -> tuple[NodeSettings, ServingSettings]:
    """The node and serving settings of one vLLM endpoint, as the plan records them."""
    dep = next(r for r in plan.of_type(DEPLOYMENT)
               if r.inputs["metadata"]["name"] == endpoint and r.inputs["metadata"].get("namespace") != "kube-system")
    pod = dep.inputs["spec"]["template"]["spec"]
    pool = pod["nodeSelector"][POOL_LABEL]
    disk, mode, shape_name = _NODE_READERS[plan.cloud](plan, pool)
    shape = catalog.shape_named(plan.cloud, shape_name)
    if shape is None:
        raise LookupError(f"pool {pool!r}: {shape_name!r} is not a catalog shape")
    image = next(c for c in pod["containers"] if c["name"] == "vllm")["image"]
    return NodeSettings(disk, _mirrored(plan, image), mode, shape.gpus), serving_settings(dep)
