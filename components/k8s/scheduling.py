"""How a GPU pool is scheduled onto: the one object both the cloud pool and the serving pods derive from.

A cloud's gpu_pool module builds a ``PoolScheduling`` from config and uses its ``labels`` and ``taint`` when
it creates the node pool; the serving layer takes the same object and derives tolerations and the node
selector from it. Nothing retypes a label or a taint, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GPU_RESOURCE = "nvidia.com/gpu"
POOL_LABEL = "llmops.io/pool"
GPU_LABEL = "llmops.io/gpu"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str = "NoSchedule"  # Kubernetes spelling; clouds convert with the helpers below

    @property
    def aws(self) -> dict[str, str]:  # EKS node group taint
        return {"key": self.key, "value": self.value, "effect": "NO_SCHEDULE"}

    @property
    def gcp(self) -> dict[str, str]:  # GKE node pool taint
        return {"key": self.key, "value": self.value, "effect": "NO_SCHEDULE"}

    @property
    def azure(self) -> str:  # AKS nodeTaints entry
        return f"{self.key}={self.value}:{self.effect}"

    def toleration(self) -> dict[str, str]:
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


# Taint values per cloud: GKE's own convention is "present"; EKS and AKS use "true" (reference 3.1).
GPU_TAINT_VALUE = {"aws": "true", "gcp": "present", "azure": "true"}


@dataclass(frozen=True)
class PoolScheduling:
    pool: str  # config key of the pool
    gpu: str  # catalog GPU model id
    gpus_per_node: int
    instance_type: str  # catalog shape the pool runs
    taint: Taint
    extra_labels: dict[str, str] = field(default_factory=dict)  # e.g. GKE's accelerator label
    # Taints the platform adds by itself (e.g. AKS on Spot nodes): tolerated by the pool's workloads but never
    # written into the pool's own taint list, since the cloud manages them.
    platform_taints: tuple[Taint, ...] = ()

    @classmethod
    def for_pool(cls, cloud: str, pool: str, gpu: str, gpus_per_node: int, instance_type: str,
                 extra_labels: dict[str, str] | None = None,
                 platform_taints: tuple[Taint, ...] = ()) -> PoolScheduling:
        return cls(pool, gpu, gpus_per_node, instance_type, Taint(GPU_RESOURCE, GPU_TAINT_VALUE[cloud]),
                   dict(extra_labels or {}), platform_taints)

    @property
    def labels(self) -> dict[str, str]:
        """Node labels the cloud puts on the pool's nodes."""
        return {POOL_LABEL: self.pool, GPU_LABEL: self.gpu, **self.extra_labels}

    def node_selector(self) -> dict[str, str]:
        return {POOL_LABEL: self.pool}

    def tolerations(self) -> list[dict[str, str]]:
        return [t.toleration() for t in (self.taint, *self.platform_taints)]


# --- derived selectors for workloads that span several pools (GPU DaemonSets) and the taint check ----------


def node_affinity_terms(pools: list[PoolScheduling]) -> list[dict[str, Any]]:
    """Required node-affinity terms (ORed) selecting the nodes of any of ``pools``: one term per pool, built
    from that pool's own node selector, so a DaemonSet lands exactly where a serving pod of the pool could."""
    terms = []
    for p in pools:
        term = {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}
                                     for k, v in sorted(p.node_selector().items())]}
        if term not in terms:
            terms.append(term)
    return terms


def tolerations_for(pools: list[PoolScheduling]) -> list[dict[str, str]]:
    """The union of the pools' tolerations, in pool order, without duplicates."""
    out: list[dict[str, str]] = []
    for p in pools:
        for t in p.tolerations():
            if t not in out:
                out.append(t)
    return out


def tolerates(tolerations: list[dict[str, Any]], key: str, value: str, effect: str) -> bool:
    """Kubernetes toleration matching (core/v1 Toleration.ToleratesTaint): an empty key with Exists matches
    every taint; an empty effect matches every effect; Exists ignores the value."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != effect:
            continue
        op = t.get("operator") or "Equal"
        if not t.get("key"):
            if op == "Exists":
                return True
            continue
        if t["key"] != key:
            continue
        if op == "Exists" or (t.get("value") or "") == value:
            return True
    return False
