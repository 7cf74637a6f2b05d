"""Kubernetes mock outputs: what the API server adds to an object once it is created.

Every object gets server-set metadata (uid, resourceVersion, creationTimestamp, generation, and the
namespace default for namespaced kinds); Services get a ClusterIP from the service CIDR, Namespaces an
Active phase, workloads and autoscalers an initial status. Values derive from the resource's name, so a
plan is identical run to run.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from typing import Any

from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz.mocks.base import CallFn, MockContext, OutputFn

CREATED = "2026-11-01T00:00:00Z"
SERVICE_CIDR = ipaddress.ip_network("172.20.0.0/16")  # EKS' default service range; any private /16 would do
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PriorityClass", "StorageClass",
                  "CustomResourceDefinition", "PersistentVolume", "RuntimeClass"}


def _kind(ctx: MockContext) -> str:
    return ctx.type.rsplit(":", 1)[-1]


def _metadata(ctx: MockContext) -> dict[str, Any]:
    meta = dict(ctx.inputs.get("metadata") or {})
    digest = hashlib.sha256(f"{ctx.type}/{ctx.name}".encode()).digest()
    meta.setdefault("name", ctx.name)
    if _kind(ctx) not in CLUSTER_SCOPED:
        meta.setdefault("namespace", "default")
    meta.update(uid=str(uuid.UUID(bytes=digest[:16], version=4)), resourceVersion=str(1000 + digest[16]),
                creationTimestamp=CREATED, generation=1)
    return meta


def _object(ctx: MockContext) -> dict[str, Any]:
    return {"metadata": _metadata(ctx)}


def _namespace(ctx: MockContext) -> dict[str, Any]:
    meta = _metadata(ctx)
    # The API server labels every namespace with its own name (NetworkPolicies select on it).
    meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": meta["name"]}
    return {"metadata": meta, "status": {"phase": "Active"}}


def _service(ctx: MockContext) -> dict[str, Any]:
    spec = dict(ctx.inputs.get("spec") or {})
    if spec.get("type", "ClusterIP") != "ExternalName" and spec.get("clusterIP") != "None":
        seed = int.from_bytes(hashlib.sha256(ctx.name.encode()).digest()[:2], "big")
        offset = seed % (SERVICE_CIDR.num_addresses - 20)
        ip = str(SERVICE_CIDR.network_address + 10 + offset)  # .1-.9 are kept for the API server and DNS
        spec.update(clusterIP=ip, clusterIPs=[ip])
    return {"metadata": _metadata(ctx), "spec": spec, "status": {"loadBalancer": {}}}


def _deployment(ctx: MockContext) -> dict[str, Any]:
    return {"metadata": _metadata(ctx),
            "status": {"observedGeneration": 1, "replicas": 0, "readyReplicas": 0}}


def _daemonset(ctx: MockContext) -> dict[str, Any]:
    return {"metadata": _metadata(ctx), "status": {"observedGeneration": 1, "currentNumberScheduled": 0,
                                                  "desiredNumberScheduled": 0, "numberReady": 0,
                                                  "numberMisscheduled": 0}}


def _hpa(ctx: MockContext) -> dict[str, Any]:
    spec = ctx.inputs.get("spec") or {}
    return {"metadata": _metadata(ctx),
            "status": {"currentReplicas": 0, "desiredReplicas": spec.get("minReplicas", 1)}}


def _quota(ctx: MockContext) -> dict[str, Any]:
    hard = (ctx.inputs.get("spec") or {}).get("hard") or {}
    return {"metadata": _metadata(ctx), "status": {"hard": hard, "used": {k: "0" for k in hard}}}


OUTPUTS: dict[str, OutputFn] = {
    tokens.K8S_NAMESPACE: _namespace,
    tokens.K8S_SERVICE: _service,
    tokens.K8S_SERVICE_ACCOUNT: _object,
    tokens.K8S_RESOURCE_QUOTA: _quota,
    tokens.K8S_LIMIT_RANGE: _object,
    tokens.K8S_CONFIG_MAP: _object,
    tokens.K8S_SECRET: _object,
    tokens.K8S_DEPLOYMENT: _deployment,
    tokens.K8S_DAEMON_SET: _daemonset,
    tokens.K8S_HPA: _hpa,
    tokens.K8S_PDB: _object,
    tokens.K8S_NETWORK_POLICY: _object,
    tokens.K8S_ROLE: _object,
    tokens.K8S_ROLE_BINDING: _object,
    tokens.K8S_CLUSTER_ROLE: _object,
    tokens.K8S_CLUSTER_ROLE_BINDING: _object,
    tokens.K8S_STORAGE_CLASS: _object,
}
CALLS: dict[str, CallFn] = {}
