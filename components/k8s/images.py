"""Pinned container images of the in-cluster layer, each with its source, release date and support window.

A digest makes the image immutable (a re-pushed tag cannot change what runs). No registry is reachable from
where this code is written, so a digest is only pinned when at least two independent public sources record
the same tag -> digest mapping; each source is named below. Images without such a pair are pinned by tag,
pulled with imagePullPolicy Always, and their checkov digest check is skipped for those objects only
(tests/checkov_k8s_skips.yaml). Bump a version by changing tag AND digest together (`crane digest
<repo>:<tag>` or `docker buildx imagetools inspect <repo>:<tag>` prints the index digest), then the dates.

Support windows: none of these projects publishes an end-of-support date per release; each fixes bugs and
CVEs only in new releases. The window is therefore this project's refresh policy, stated per image
(``window``), and ``llz versions`` reports an image past ``refresh_by`` as out of support. The Cluster
Autoscaler is the exception: its release line is supported as long as the Kubernetes minor it matches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

# Refresh policy (days after the release): vLLM ships about monthly and its serving performance and model
# support move with each release; NVIDIA's node agents ship about quarterly with each GPU Operator line.
VLLM_REFRESH_DAYS = 120
NVIDIA_AGENT_REFRESH_DAYS = 180


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str
    digest: str | None = None  # multi-arch index digest ("sha256:...")
    source: str = ""
    released: date | None = None
    refresh_days: int | None = None  # the support window: refresh within this many days of the release

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}" + (f"@{self.digest}" if self.digest else "")

    @property
    def version(self) -> str:
        """The recommended-label value (label values are at most 63 characters)."""
        return self.tag[:63]

    @property
    def refresh_by(self) -> date | None:
        if self.released is None or self.refresh_days is None:
            return None
        return self.released + timedelta(days=self.refresh_days)


# NVIDIA device plugin v0.20.1 (2026-09-22): NVIDIA/k8s-device-plugin #2057 ("update k8s-device-plugin to
# 0.20.1", cherry-picked to release-0.20 on 2026-09-22); NVIDIA/aicr's image list pins the same tag beside
# GPU Operator v26.7.1. Tag only: no public record of its digest was found.
DEVICE_PLUGIN = Image(
    "nvcr.io/nvidia/k8s-device-plugin", "v0.20.1",
    source="NVIDIA/k8s-device-plugin #2057 (2026-09-22); NVIDIA/aicr GPU Operator v26.7.1 image list",
    released=date(2026, 9, 22), refresh_days=NVIDIA_AGENT_REFRESH_DAYS,
)

# DCGM exporter 4.6.0 (DCGM 4.8.3), 2026-07-14: NVIDIA/dcgm-exporter #711 ("release 4.6.0-4.8.3"); the
# repository's Makefile publishes -ubuntu22.04, -ubi9 and -distroless variants. This release renamed the
# metrics label ``Hostname`` to ``hostname`` (dcgm-exporter release notes, #655): queries use the new name.
# Tag only: no two independent sources for its digest.
DCGM_EXPORTER = Image(
    "nvcr.io/nvidia/k8s/dcgm-exporter", "4.6.0-4.8.3-ubuntu22.04",
    source="NVIDIA/dcgm-exporter #711 (2026-07-14); docs.nvidia.com dcgm-exporter release notes",
    released=date(2026, 7, 14), refresh_days=NVIDIA_AGENT_REFRESH_DAYS,
)

# vLLM OpenAI-compatible server v0.31.0 (2026-10-04/05, the newest image tag any public source pins; PyPI
# lists later wheels, but no public pin of a later image was found). Since v0.20 the unsuffixed images are
# built on CUDA 13.0 (vllm-project/vllm #39878), which needs an NVIDIA driver of branch 580 or newer; the
# ``-cu129`` variants run on older drivers. The index digest is pinned in six public files of different
# projects (Dockerfiles, tests, READMEs), one of them noting it matches Docker Hub's manifest list.
VLLM = Image(
    "docker.io/vllm/vllm-openai", "v0.31.0",
    "sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
    source="public Dockerfiles, tests and READMEs pinning the v0.31.0 manifest list",
    released=date(2026, 10, 5), refresh_days=VLLM_REFRESH_DAYS,
)
# The CUDA 12.9 build of the same release, for nodes whose driver is older than 580 (CUDA 12.x runs on
# drivers from 525 through minor-version compatibility: docs.nvidia.com/deploy/cuda-compatibility). Tag
# only (one source for its digest). Several public reports say v0.31.0-cu129 fails to import torchcodec
# (it links libnvrtc.so.13): no cloud below needs it today; check that before choosing it.
VLLM_CUDA12 = Image(
    "docker.io/vllm/vllm-openai", "v0.31.0-cu129",
    source="vLLM release images (-cu129 variant), pinned in several public manifests",
    released=date(2026, 10, 5), refresh_days=VLLM_REFRESH_DAYS,
)
# The zone's Azure deploy runner (components/azure/runner.py): myoung34/docker-github-actions-runner, an
# Ubuntu 24.04 image of GitHub's actions/runner 2.337.0 whose entrypoint registers with a GitHub App's
# credentials (APP_ID, APP_PRIVATE_KEY) and, with EPHEMERAL, takes one job and exits. The tag was seen pinned in
# public Dockerfiles on 2026-12-02; its own release date was not re-read, so the refresh clock runs from then.
# Tag only: no two independent sources for its digest.
DEPLOY_RUNNER = Image(
    "docker.io/myoung34/github-runner", "2.337.0-ubuntu-noble",
    source="github.com/myoung34/docker-github-actions-runner (tag 2.337.0-ubuntu-noble, pinned in public "
           "Dockerfiles as of 2026-12-02)",
    released=date(2026, 12, 2), refresh_days=90,  # GitHub refuses runners more than ~30 days behind a release
)
# kubelogin, the AKS kubeconfig's exec plugin, which the Azure cluster pass installs on the runner
# (.github/workflows/deploy-stack.yml installs this version; tests/test_workflows.py holds them equal). A release
# binary, not an image: Azure/kubelogin v0.2.19, tagged 2026-06-23.
KUBELOGIN = Image(
    "github.com/Azure/kubelogin", "v0.2.19", source="Azure/kubelogin tag v0.2.19 (2026-06-23)",
    released=date(2026, 6, 23), refresh_days=365,
)
CUDA13_MIN_DRIVER = 580  # NVIDIA CUDA 13.0 release notes: driver >= 580 on Linux


@dataclass(frozen=True)
class GpuDriver:
    """The NVIDIA driver branch a cloud's GPU node image installs for the zone's pools."""

    cloud: str
    branch: int
    where: str
    source: str


# Each cloud's driver, as the zone configures its GPU nodes (AMI type, GKE driver version, AKS driver).
GPU_DRIVERS = {
    "aws": GpuDriver("aws", 580, "EKS AL2023_x86_64_NVIDIA AMI",
                     "awslabs/amazon-eks-ami #2509 (2025-11-10: 580 is the default branch); #2768 (2026-09-21: "
                     "AMIs from v20260917 carry 580 and 595 and pick one per instance type)"),
    "gcp": GpuDriver("gcp", 580, "GKE gpu_driver_version LATEST (components/gcp/gpu_pool.py)",
                     "rapidsai/deployment #659 (2026: LATEST installs a driver newer than 580.65); one source, "
                     "check cloud.google.com/kubernetes-engine/docs/how-to/gpus#installing_drivers"),
    "azure": GpuDriver("azure", 580, "AKS managed NVIDIA driver, Ubuntu GPU node image",
                       "Azure/AgentBaker #8811 (merged 2026-07-01: aks-gpu-cuda-lts 580.159.04, the R580 LTS "
                       "branch supported through 2028-08)"),
}


def vllm_image(cloud: str) -> Image:
    """The vLLM build whose CUDA runs on the driver the cloud's GPU nodes carry."""
    return VLLM if GPU_DRIVERS[cloud].branch >= CUDA13_MIN_DRIVER else VLLM_CUDA12


def mirrored(image: Image, repository: str) -> Image:
    """The same image (tag and digest) pulled from a registry mirror's ``repository``: a pull-through cache
    copies the manifest unchanged, so the digest pin still holds."""
    return replace(image, repository=repository, source=f"{image.source}; pulled through {repository}")


# Cluster Autoscaler: one release line per Kubernetes minor, and the line must match the control plane's
# minor (kubernetes/autoscaler cluster-autoscaler/README.md, "Releases"). Tags only: no two independent
# public records of their digests were found; the Deployment pulls with imagePullPolicy Always and its
# checkov digest check is skipped for that one object (tests/checkov_k8s_skips.yaml). Every 1.28+ build
# reads EKS Pod Identity credentials (aws-sdk-go >= 1.48.7: kubernetes/autoscaler #6379 and its backports).
# Recorded on the date below; each tag appears in both sources named next to it. A line is supported as
# long as its Kubernetes minor is (components/catalog/data/kubernetes-<cloud>-<date>.csv).
CLUSTER_AUTOSCALER_REPOSITORY = "registry.k8s.io/autoscaling/cluster-autoscaler"
CLUSTER_AUTOSCALER_AS_OF = "2026-12-02"
_KUBEONE = "kubermatic/kubeone pkg/templates/images/images.go"
_CONSTELLATION = "edgelesssys/constellation internal/versions/versions.go"
_DSS_EKS = "Dataiku DSS EKS plugin fallback tag list (dku_utils)"
_UPSTREAM = ("kubernetes/autoscaler tag cluster-autoscaler-{v} (2026-07-22, version/version.go); its GitHub "
             "release notes list the registry.k8s.io image (2026-07-23)")
CLUSTER_AUTOSCALER_TAGS: dict[str, tuple[str, str]] = {
    "1.28": ("v1.28.6", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.29": ("v1.29.5", f"{_CONSTELLATION}; {_DSS_EKS}"),
    "1.30": ("v1.30.3", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.31": ("v1.31.2", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.32": ("v1.32.1", f"{_KUBEONE}; {_CONSTELLATION}"),
    "1.33": ("v1.33.0", "public EKS manifests and upgrade runbooks (several repositories)"),
    "1.34": ("v1.34.3", f"{_KUBEONE}; {_DSS_EKS}"),
    "1.35": ("v1.35.2", _UPSTREAM.format(v="1.35.2")),
    "1.36": ("v1.36.1", _UPSTREAM.format(v="1.36.1")),
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


# --- Helm charts and the metrics agent of serving observability -------------------------------------------
OPERATOR_REFRESH_DAYS = 180  # KEDA ships a minor about every three months and supports the two newest


@dataclass(frozen=True)
class Chart:
    """A Helm chart pinned by version, with where it comes from and when that version was released."""

    name: str
    version: str
    repository: str
    source: str = ""
    released: date | None = None
    refresh_days: int | None = None

    @property
    def ref(self) -> str:
        return f"{self.repository}/{self.name}:{self.version}"

    @property
    def refresh_by(self) -> date | None:
        if self.released is None or self.refresh_days is None:
            return None
        return self.released + timedelta(days=self.refresh_days)


# KEDA 2.20.2 (2026-08-10): kedacore/keda CHANGELOG "v2.20.2" (newest release on main, 2026-08-20) and
# kedacore/keda-olm-operator #332; the kedacore/charts chart version equals the KEDA version.
KEDA_CHART = Chart(
    "keda", "2.20.2", "https://kedacore.github.io/charts",
    source="kedacore/keda CHANGELOG v2.20.2; kedacore/keda-olm-operator #332 (2026-08-10)",
    released=date(2026, 8, 10), refresh_days=OPERATOR_REFRESH_DAYS,
)

# Prometheus v3.13.2 (the v3.13 long-term-support line) in agent mode: the collector that remote-writes to
# Amazon Managed Service for Prometheus. The default of prometheus-operator's compatibility matrix
# (pkg/operator/defaults.go at 6adcebc, 2026-08-08); the release is on or before that date, which is recorded
# as its release date so the refresh policy errs early. Tag only (no two sources for its digest).
PROMETHEUS = Image(
    "quay.io/prometheus/prometheus", "v3.13.2",
    source="prometheus-operator pkg/operator/defaults.go (commit 6adcebc, 2026-08-08): default Prometheus",
    released=date(2026, 8, 8), refresh_days=OPERATOR_REFRESH_DAYS,
)

# --- The AI gateway (components/k8s/gateway.py) ----------------------------------------------------------
# Envoy Gateway v1.9.0 (tag 2026-08-15): the project supports each minor for 6 months after its release and
# publishes the end of life per line (site/content/en/news/releases/matrix.md at v1.9.0: v1.9 -> 2027-02-14,
# Kubernetes 1.33-1.36, Gateway API v1.6.1, Envoy v1.39.0); the refresh window is that date. OCI chart, same
# version as the release (README of charts/gateway-helm: oci://docker.io/envoyproxy/gateway-helm).
GATEWAY_EOL_DAYS = 183
ENVOY_GATEWAY_CHART = Chart(
    "gateway-helm", "v1.9.0", "oci://docker.io/envoyproxy",
    source="envoyproxy/gateway tag v1.9.0 (2026-08-15); release matrix: v1.9 end of life 2027-02-14",
    released=date(2026, 8, 15), refresh_days=GATEWAY_EOL_DAYS,
)
# Envoy AI Gateway v1.1.0 (tag 2026-08-21), built against Envoy Gateway v1.8.1 (go.mod) and tested with v1.8.1+
# (site/docs/compatibility.md); v1beta1 is its stable API since v1.0.0 (RELEASES.md). It publishes no end of
# life per release: the refresh window is this project's policy for operators. Two OCI charts of the same
# version: the CRDs first, then the controller (manifests/charts/ai-gateway-{crds-,}helm).
AI_GATEWAY_CRDS_CHART = Chart(
    "ai-gateway-crds-helm", "v1.1.0", "oci://docker.io/envoyproxy",
    source="envoyproxy/ai-gateway tag v1.1.0 (2026-08-21), manifests/charts/ai-gateway-crds-helm",
    released=date(2026, 8, 21), refresh_days=OPERATOR_REFRESH_DAYS,
)
AI_GATEWAY_CHART = Chart(
    "ai-gateway-helm", "v1.1.0", "oci://docker.io/envoyproxy",
    source="envoyproxy/ai-gateway tag v1.1.0 (2026-08-21), manifests/charts/ai-gateway-helm",
    released=date(2026, 8, 21), refresh_days=OPERATOR_REFRESH_DAYS,
)
# Redis for the global rate limit's counters (nothing else is stored; a restart only resets the current
# minute's counts). The tag Envoy AI Gateway v1.1.0 runs in its token rate-limit example
# (examples/token_ratelimit/redis.yaml); its own release date was not re-read, so the clock runs from the
# example's tag. Tag only: no two independent sources for its digest.
GATEWAY_REDIS = Image(
    "docker.io/library/redis", "8.2.4-alpine3.22",
    source="envoyproxy/ai-gateway v1.1.0 examples/token_ratelimit/redis.yaml (2026-08-21)",
    released=date(2026, 8, 21), refresh_days=OPERATOR_REFRESH_DAYS,
)
GATEWAY_CHARTS = (ENVOY_GATEWAY_CHART, AI_GATEWAY_CRDS_CHART, AI_GATEWAY_CHART)
# AWS for Fluent Bit 3.4.17: ships the gateway's access records to CloudWatch Logs on EKS
# (components/k8s/gateway_logs.py). The newest tag found pinned in public files (an ECS task definition, seen
# 2026-12-02; 3.4.15 is pinned by digest elsewhere). AWS publishes no end of support per version: it fixes bugs
# and CVEs only in new releases and asks users to pin a tag and follow AWS_FOR_FLUENT_BIT_STABLE_VERSION
# (aws/aws-for-fluent-bit README, "Guidance on consuming versions"). Its release date was not re-read, so the
# refresh clock runs from the day it was seen, with a short window for a log agent rebuilt for CVEs monthly.
# Tag only: no two independent sources for its digest.
GATEWAY_LOG_SHIPPER = Image(
    "public.ecr.aws/aws-observability/aws-for-fluent-bit", "3.4.17",
    source="aws/aws-for-fluent-bit release 3.4.17, pinned in public deployment files as of 2026-12-02",
    released=date(2026, 12, 2), refresh_days=90,
)
