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
