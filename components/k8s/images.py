"""Pinned container images of the in-cluster layer: a tag always, a digest where one could be sourced.

A digest makes the image immutable (a re-pushed tag cannot change what runs). No registry is reachable from
where this code is written, so a digest is only pinned when at least two independent public sources record
the same tag -> digest mapping; each source is named below. The DCGM exporter has no such pair yet: it is
pinned by tag, and its image-digest check is skipped for that one DaemonSet (tests/checkov_k8s_skips.yaml).
Bump a version by changing tag AND digest together (`crane digest <repo>:<tag>` or
`docker buildx imagetools inspect <repo>:<tag>` prints the index digest).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str
    digest: str | None = None  # multi-arch index digest ("sha256:...")
    source: str = ""

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")

    @property
    def version(self) -> str:
        """The recommended-label value (label values are at most 63 characters)."""
        return self.tag[:63]


# NVIDIA device plugin v0.17.0: kubernetes/minikube pins this digest in its nvidia-device-plugin addon
# (pkg/minikube/assets/addons.go); a public `kubectl get node -o json` image list shows the same digest
# under the v0.17.0 tag.
DEVICE_PLUGIN = Image(
    "nvcr.io/nvidia/k8s-device-plugin", "v0.17.0",
    "sha256:7089559ce6153018806857f5049085bae15b3bf6f1c8bd19d8b12f707d087dea",
    source="kubernetes/minikube addons.go; public node image list",
)

# DCGM exporter 4.2.3 (DCGM 4.1.3). Tag only: no two independent sources for its digest were found.
DCGM_EXPORTER = Image("nvcr.io/nvidia/k8s/dcgm-exporter", "4.2.3-4.1.3-ubuntu22.04",
                      source="NVIDIA/dcgm-exporter release tag")

# vLLM OpenAI-compatible server v0.17.1: three public repositories pin this digest, one of them a BuildKit
# log resolving docker.io/vllm/vllm-openai:v0.17.1 to it.
VLLM = Image(
    "docker.io/vllm/vllm-openai", "v0.17.1",
    "sha256:0dc46f74eb0e630675d83101dc66c6441c4475cceedcf9235ee42b87c3affd23",
    source="public Dockerfiles and a BuildKit resolve log",
)

# Cluster Autoscaler: one release line per Kubernetes minor, and the line must match the control plane's
# minor (kubernetes/autoscaler cluster-autoscaler/README.md, "Releases"). Tags only: the one public record
# of their digests found offline is a single project's renovate-managed file (edgelesssys/constellation
# internal/versions/versions.go), not two independent sources; the Deployment pulls with imagePullPolicy
# Always and its checkov digest check is skipped for that one object (tests/checkov_k8s_skips.yaml).
# Every 1.28+ build reads EKS Pod Identity credentials (aws-sdk-go >= 1.48.7: kubernetes/autoscaler #6379
# and its backports). Recorded on the date below; each tag appears in both sources named next to it.
CLUSTER_AUTOSCALER_REPOSITORY = "registry.k8s.io/autoscaling/cluster-autoscaler"
CLUSTER_AUTOSCALER_AS_OF = "2026-11-21"
_KUBEONE = "kubermatic/kubeone pkg/templates/images/images.go"
_CONSTELLATION = "edgelesssys/constellation internal/versions/versions.go"
_DSS_EKS = "Dataiku DSS EKS plugin fallback tag list (dku_utils)"
CLUSTER_AUTOSCALER_TAGS: dict[str, tuple[str, str]] = {
    "1.28": ("v1.28.6", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.29": ("v1.29.5", f"{_CONSTELLATION}; {_DSS_EKS}"),
    "1.30": ("v1.30.3", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.31": ("v1.31.2", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.32": ("v1.32.1", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.33": ("v1.33.0", "public EKS manifests and upgrade runbooks (several repositories)"),
    "1.34": ("v1.34.3", f"{_KUBEONE}; {_DSS_EKS}"),
    "1.35": ("v1.35.0", f"{_KUBEONE}; {_DSS_EKS}"),
}


def kubernetes_minor(version: str) -> str:
    """``"1.31"`` from ``"1.31"``, ``"1.31.4"`` or ``"v1.31.4-eks-..."``."""
    parts = version.removeprefix("v").split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValueError(f"not a Kubernetes version: {version!r}")
    return f"{int(parts[0])}.{int(parts[1])}"


def cluster_autoscaler(kubernetes_version: str) -> Image:
    """The Cluster Autoscaler image of the release line matching ``kubernetes_version``'s minor."""
    minor = kubernetes_minor(kubernetes_version)
    if minor not in CLUSTER_AUTOSCALER_TAGS:
        raise ValueError(
            f"no Cluster Autoscaler release is recorded for Kubernetes {minor} (recorded: "
            f"{', '.join(CLUSTER_AUTOSCALER_TAGS)}); add its tag to components/k8s/images.py")
    tag, source = CLUSTER_AUTOSCALER_TAGS[minor]
    return Image(CLUSTER_AUTOSCALER_REPOSITORY, tag, source=f"{source} (as of {CLUSTER_AUTOSCALER_AS_OF})")
