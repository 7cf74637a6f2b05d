"""GPU capacity: what counts as a GPU pool or endpoint on each cloud, and how GPU pools must be set up
(tainted, labelled for the serving selectors, autoscaled within bounds, on a GPU-ready image)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import Context, Resource, resource_rule
from llmops_landing_zone.policies.values import UNKNOWN, get, is_false, is_true, is_unknown, listed, number

GPU_TAINT_KEY = "nvidia.com/gpu"
POOL_LABEL = "llmops.io/pool"  # components.k8s.scheduling.POOL_LABEL (serving pods select on it)

# Instance families with NVIDIA GPUs (EC2 g*/p*, GCE a2/a3/a4/g2/g4, Azure N-series); the catalog's shapes
# are all covered, and so are shapes the catalog does not sell yet.
_AWS_GPU = re.compile(r"^(ml\.)?(p\d+\w*|g\d+\w*|gr\d+\w*)\.", re.IGNORECASE)
_GCP_GPU = re.compile(r"^(a2|a3|a4|g2|g4)-", re.IGNORECASE)
_AZURE_GPU = re.compile(r"^Standard_N[CDVG]", re.IGNORECASE)


@dataclass(frozen=True)
class PoolView:
    """A node pool on any cloud, in one vocabulary."""

    cloud: str
    gpu: bool | None  # None: unknown during preview
    machine: Any
    min_nodes: Any
    max_nodes: Any
    autoscaling: Any  # True / False / UNKNOWN
    taints: list[Any]  # (key, value, effect) with effect in Kubernetes spelling, or UNKNOWN
    labels: Any
    spot: Any


def _effect(effect: Any) -> Any:
    return {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}.get(
        effect, effect)


def _taints_from(items: Any) -> list[Any]:
    if is_unknown(items):
        return [UNKNOWN]
    out: list[Any] = []
    for x in listed(items):
        if isinstance(x, dict):
            out.append((x.get("key"), x.get("value"), _effect(x.get("effect"))))
        elif isinstance(x, str) and "=" in x and ":" in x:  # AKS "key=value:Effect"
            kv, _, effect = x.rpartition(":")
            key, _, value = kv.partition("=")
            out.append((key, value, effect))
        elif isinstance(x, str) and ":" in x:  # AKS "key:Effect"
            key, _, effect = x.rpartition(":")
            out.append((key, None, effect))
        else:
            out.append(UNKNOWN if is_unknown(x) else (None, None, None))
    return out


def pool_view(r: Resource) -> PoolView | None:
    p = r.props
    if r.type == t.EKS_NODE_GROUP:
        types = get(p, "instanceTypes", [])
        ami = get(p, "amiType", "")
        if is_unknown(types) or any(is_unknown(x) for x in listed(types)):
            gpu = True if isinstance(ami, str) and ("NVIDIA" in ami or "GPU" in ami) else None
        else:
            gpu = any(isinstance(x, str) and bool(_AWS_GPU.match(x)) for x in listed(types))
        return PoolView("aws", gpu, types, get(p, "scalingConfig.minSize"), get(p, "scalingConfig.maxSize"),
                        True, _taints_from(get(p, "taints", [])), get(p, "labels", {}),
                        get(p, "capacityType") == "SPOT")
    if r.type == t.GKE_NODE_POOL:
        machine = get(p, "nodeConfig.machineType", "")
        accel = get(p, "nodeConfig.guestAccelerators", [])
        if is_unknown(machine) or is_unknown(accel):
            gpu = None
        else:
            gpu = bool(listed(accel)) or bool(isinstance(machine, str) and _GCP_GPU.match(machine))
        auto = get(p, "autoscaling")
        mn = get(auto, "minNodeCount") if isinstance(auto, dict) else None
        mx = get(auto, "maxNodeCount") if isinstance(auto, dict) else None
        if isinstance(auto, dict) and mn is None and mx is None:
            mn, mx = get(auto, "totalMinNodeCount"), get(auto, "totalMaxNodeCount")
        autoscaling = UNKNOWN if is_unknown(auto) else isinstance(auto, dict)
        if not autoscaling:
            mn = mx = get(p, "nodeCount", get(p, "initialNodeCount"))
        spot = is_true(get(p, "nodeConfig.spot")) or is_true(get(p, "nodeConfig.preemptible"))
        return PoolView("gcp", gpu, machine, mn, mx, autoscaling, _taints_from(get(p, "nodeConfig.taints", [])),
                        get(p, "nodeConfig.labels", {}), spot)
    if r.type == t.AKS_AGENT_POOL:
        size = get(p, "vmSize", "")
        gpu = None if is_unknown(size) else bool(isinstance(size, str) and _AZURE_GPU.match(size))
        auto = get(p, "enableAutoScaling")
        autoscaling = UNKNOWN if is_unknown(auto) else is_true(auto)
        mn = get(p, "minCount") if autoscaling is True else get(p, "count")
        mx = get(p, "maxCount") if autoscaling is True else get(p, "count")
        return PoolView("azure", gpu, size, mn, mx, autoscaling, _taints_from(get(p, "nodeTaints", [])),
                        get(p, "nodeLabels", {}), get(p, "scaleSetPriority") == "Spot")
    return None


def is_gpu_pool(r: Resource) -> bool:
    view = pool_view(r)
    return bool(view and view.gpu)


def managed_gpu_endpoint(r: Resource) -> bool:
    """SageMaker endpoint configs, Vertex Model Garden deployments and Azure ML deployments on GPU shapes."""
    if r.type == t.SAGEMAKER_ENDPOINT_CONFIG:
        return any(isinstance(v, dict) and isinstance(v.get("instanceType"), str) and
                   bool(_AWS_GPU.match(v["instanceType"])) for v in listed(get(r.props, "productionVariants", [])))
    if r.type == t.VERTEX_MODEL_GARDEN:
        accel = get(r.props, "deployConfig.dedicatedResources.machineSpec.acceleratorType")
        return isinstance(accel, str) and accel.startswith("NVIDIA")
    if r.type == t.ML_ONLINE_DEPLOYMENT:
        size = get(r.props, "properties.instanceType") or get(r.props, "sku.name")
        return isinstance(size, str) and bool(_AZURE_GPU.match(size))
    return False


def gpu_capacity(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if (r.type in t.GPU_POOLS and is_gpu_pool(r)) or
            (r.type in t.MANAGED_GPU_ENDPOINTS and managed_gpu_endpoint(r))]


@resource_rule(
    name="gpu-pool-tainted", scope="multi-cloud", types=t.GPU_POOLS, severity="high",
    description="GPU node pools carry the nvidia.com/gpu NoSchedule taint, so only pods that ask for GPUs "
                "land on (and pay for) GPU nodes.",
    remediation="Taint the pool from its PoolScheduling (sched.taint.aws / .gcp / .azure); GKE adds the taint "
                "itself only when the cluster also has non-GPU pools, EKS and AKS never do.",
    config_path="gpuPools", properties=("taints", "nodeConfig.taints", "nodeTaints"))
def gpu_pool_tainted(r: Resource, ctx: Context) -> Iterator[str]:
    view = pool_view(r)
    if view is None or not view.gpu or any(is_unknown(x) for x in view.taints):
        return
    if not any(x[0] == GPU_TAINT_KEY and x[2] in ("NoSchedule", "NoExecute") for x in view.taints):
        yield f"GPU pool ({view.machine}) has no {GPU_TAINT_KEY}:NoSchedule taint"


@resource_rule(
    name="gpu-pool-labelled", scope="multi-cloud", types=t.GPU_POOLS, severity="medium",
    description=f"GPU node pools carry the {POOL_LABEL} node label that serving pods select on.",
    remediation="Set the pool's node labels from PoolScheduling.labels; never retype them.",
    config_path="gpuPools", properties=("labels", "nodeConfig.labels", "nodeLabels"))
def gpu_pool_labelled(r: Resource, ctx: Context) -> Iterator[str]:
    view = pool_view(r)
    if view is None or not view.gpu or is_unknown(view.labels):
        return
    if not isinstance(view.labels, dict) or POOL_LABEL not in view.labels:
        yield f"GPU pool has no {POOL_LABEL} label: serving pods cannot select it"


@resource_rule(
    name="gpu-pool-autoscaling", scope="multi-cloud", types=t.GPU_POOLS, severity="medium",
    description="GPU node pools autoscale between configured bounds, and the upper bound stays under the "
                "pack's per-pool cap.",
    remediation="Enable the pool autoscaler (GKE autoscaling block, AKS enable_auto_scaling) with minNodes/"
                "maxNodes from gpuPools.<pool>; raise the cap in the policy config when a pool must grow.",
    config={"maxNodesPerPool": {"type": "integer", "default": 64, "minimum": 1,
                                "description": "largest acceptable maxNodes of one GPU pool"}},
    config_path="gpuPools",
    properties=("scalingConfig.maxSize", "autoscaling.maxNodeCount", "enableAutoScaling", "maxCount"))
def gpu_pool_autoscaling(r: Resource, ctx: Context) -> Iterator[str]:
    view = pool_view(r)
    if view is None or not view.gpu or is_unknown(view.autoscaling):
        return
    if is_false(view.autoscaling):
        yield "GPU pool has a fixed size: it neither scales in when idle nor out under load"
        return
    cap = ctx.config.get("maxNodesPerPool", 64)
    mx = number(view.max_nodes)
    if not is_unknown(view.max_nodes) and mx is None:
        yield "GPU pool has no upper bound on its size"
    elif mx is not None and mx > cap:
        yield f"GPU pool may grow to {mx:g} nodes, above the cap of {cap}"


NVIDIA_AMIS = ("AL2023_x86_64_NVIDIA", "AL2023_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA",
               "BOTTLEROCKET_ARM_64_NVIDIA", "AL2_x86_64_GPU", "CUSTOM")


@resource_rule(
    name="aws-eks-gpu-ami", scope="aws", types=[t.EKS_NODE_GROUP], severity="high",
    description="EKS GPU node groups run an NVIDIA-accelerated AMI (driver and container toolkit included).",
    remediation="Set ami_type='AL2023_x86_64_NVIDIA' (or a Bottlerocket NVIDIA variant) on GPU node groups.",
    config_path="gpuPools", properties=("amiType",))
def aws_gpu_ami(r: Resource, ctx: Context) -> Iterator[str]:
    view = pool_view(r)
    ami = get(r.props, "amiType")
    if view is None or not view.gpu or is_unknown(ami):
        return
    if ami not in NVIDIA_AMIS:
        yield f"GPU node group uses amiType {ami or 'default (AL2023 standard, no NVIDIA driver)'}"
