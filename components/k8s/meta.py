"""Shared in-cluster conventions: namespaces, recommended labels, the restricted security context.

Every object carries the Kubernetes recommended labels
(https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/); selectors use only the
immutable pair ``name`` + ``instance`` so a version bump never changes a Deployment's selector.
"""

from __future__ import annotations

from typing import Any

from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net

PART_OF = "llmops-landing-zone"
MANAGED_BY = "pulumi"

GPU_NAMESPACE = "gpu-system"
SERVING_NAMESPACE = "llm-serving"
INGRESS_NAMESPACE = "ingress"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace (1.22+)

# A UID above 10000 cannot collide with a host user (checkov CKV_K8S_40); the images we run as non-root
# (vLLM) have no user of their own, so the UID is ours to choose.
NON_ROOT_UID = 10001

# The Pulumi Kubernetes provider waits for a Service to have ready endpoints; a serving Service in front of
# a parked (0 replica) or still-loading Deployment would fail `pulumi up` after 10 minutes. Readiness is
# awaited on the Deployment instead. https://www.pulumi.com/registry/packages/kubernetes/api-docs/core/v1/service/
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


def selector_labels(name: str, instance: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance}


def labels(name: str, instance: str, component: str, version: str | None = None,
           extra: dict[str, str] | None = None) -> dict[str, str]:
    out = {
        **(extra or {}),
        **selector_labels(name, instance),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }
    if version:
        out["app.kubernetes.io/version"] = version
    return out


def metadata(name: str, lbls: dict[str, str], namespace: Any = None,
             annotations: dict[str, str] | None = None) -> metav1.ObjectMetaArgs:
    """Explicit names everywhere: no Pulumi auto-naming suffix, so in-cluster names are stable and known to
    the clouds' workload-identity bindings before anything is created."""
    return metav1.ObjectMetaArgs(name=name, namespace=namespace, labels=lbls, annotations=annotations or None)


def pod_security_labels(level: str, warn: str | None = None) -> dict[str, str]:
    """Pod Security Admission labels (https://kubernetes.io/docs/concepts/security/pod-security-admission/)."""
    warn = warn or level
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": warn,
        "pod-security.kubernetes.io/warn": warn,
    }


def restricted_pod_security() -> core.PodSecurityContextArgs:
    """Pod-level context meeting the 'restricted' Pod Security Standard."""
    return core.PodSecurityContextArgs(
        run_as_non_root=True, run_as_user=NON_ROOT_UID, run_as_group=NON_ROOT_UID, fs_group=NON_ROOT_UID,
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def restricted_container_security(read_only_root: bool = True) -> core.SecurityContextArgs:
    return core.SecurityContextArgs(
        run_as_non_root=True, run_as_user=NON_ROOT_UID, run_as_group=NON_ROOT_UID,
        allow_privilege_escalation=False, privileged=False, read_only_root_filesystem=read_only_root,
        capabilities=core.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def toleration_args(tolerations: list[dict[str, str]]) -> list[core.TolerationArgs]:
    return [core.TolerationArgs(key=t.get("key"), operator=t.get("operator"), value=t.get("value"),
                                       effect=t.get("effect")) for t in tolerations]


def namespace_peer(namespace: str) -> net.NetworkPolicyPeerArgs:
    """A NetworkPolicy peer selecting every pod of one namespace by its immutable name label."""
    return net.NetworkPolicyPeerArgs(
        namespace_selector=metav1.LabelSelectorArgs(match_labels={NAMESPACE_NAME_LABEL: namespace}))
