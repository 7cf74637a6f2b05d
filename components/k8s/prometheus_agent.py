"""PrometheusAgent: an in-cluster Prometheus in agent mode that scrapes the serving signals and remote-writes them.

Used where the cloud's managed Prometheus has no in-cluster collector of its own (EKS: Amazon Managed Service
for Prometheus). An in-cluster agent rather than AMP's managed scraper: the scraper reaches pods from network
interfaces outside the cluster, which the zone's NetworkPolicies (vLLM admits its own namespace, ``ingress``
and the named scraper namespace; the DCGM exporter admits in-cluster pods) would have to open to the VPC's
address ranges, and on EKS those are the pods' own addresses too.

Scrape jobs (``scrape_config``): vLLM pods (``/metrics`` on their ``http`` port), the DCGM exporter (with
``honor_labels``, keeping the namespace and pod of the workload a GPU is allocated to), kube-state-metrics
(``honor_labels``: its namespace and pod labels describe the object, not the exporter). Every target gets
``namespace`` and ``pod`` from Kubernetes service discovery: the labels the rules and scalers select on
(components.observability.rules). Agent mode keeps only a write-ahead log (no local queries, no rules):
the managed Prometheus evaluates the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import hashlib

import pulumi
import yaml
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net
from pulumi_kubernetes.rbac import v1 as rbac

from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import (
    labels,
    metadata,
    pod_security_labels,
    restricted_container_security,
    restricted_pod_security,
    selector_labels,
)

TYPE = "llmops:k8s:PrometheusAgent"
APP = "prometheus-agent"
NAMESPACE = "monitoring"
PORT = 9090
SCRAPE_INTERVAL = "30s"
CONFIG_DIR = "/etc/prometheus"
DATA_DIR = "/prometheus"


@dataclass(frozen=True)
class ScrapeTarget:
    """Pods scraped by one job: selected by their ``app.kubernetes.io/name`` and a named container port."""

    job: str
    app: str
    port: str
    namespaces: tuple[str, ...] = ()  # empty: every namespace
    honor_labels: bool = False


def _job(t: ScrapeTarget) -> dict[str, Any]:
    sd: dict[str, Any] = {"role": "pod"}
    if t.namespaces:
        sd["namespaces"] = {"names": list(t.namespaces)}
    return {
        "job_name": t.job, "honor_labels": t.honor_labels, "metrics_path": "/metrics",
        "kubernetes_sd_configs": [sd],
        "relabel_configs": [
            {"source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"], "regex": t.app,
             "action": "keep"},
            {"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": t.port, "action": "keep"},
            {"source_labels": ["__meta_kubernetes_pod_phase"], "regex": "Running", "action": "keep"},
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            {"source_labels": ["__meta_kubernetes_pod_node_name"], "target_label": "node"},
        ],
    }


def scrape_config(targets: list[ScrapeTarget], remote_write_url: str, region: str,
                  external_labels: dict[str, str]) -> dict[str, Any]:
    """prometheus.yml of the agent: the jobs and one SigV4-signed remote write (the pod's Pod Identity)."""
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "scrape_timeout": "10s", "external_labels": external_labels},
        "scrape_configs": [_job(t) for t in targets],
        "remote_write": [{"url": remote_write_url, "sigv4": {"region": region},
                          "queue_config": {"max_samples_per_send": 1000, "max_shards": 50,
                                           "capacity": 2500}}],
    }


@dataclass
class PrometheusAgentArgs:
    targets: list[ScrapeTarget]
    remote_write_url: pulumi.Input[str]
    region: str
    external_labels: dict[str, str] = field(default_factory=dict)  # e.g. cluster=<name>
    node_selector: dict[str, str] = field(default_factory=dict)
    image: images.Image = images.PROMETHEUS
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the Pod Identity association


class PrometheusAgent(pulumi.ComponentResource):
    """Namespace ``monitoring``: ServiceAccount, read-only ClusterRole for discovery, ConfigMap, Deployment and
    a NetworkPolicy that denies all ingress (the agent is never scraped or queried)."""

    def __init__(self, name: str, args: PrometheusAgentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)
        lbls = labels(APP, APP, "metrics-collector", a.image.version)
        select = selector_labels(APP, APP)
        self.namespace = core.Namespace(
            f"{name}-ns", metadata=metadata(NAMESPACE, {**labels(NAMESPACE, name, "namespace"),
                                                         **pod_security_labels("restricted")}), opts=child)
        ns = self.namespace.metadata.name
        self.service_account = core.ServiceAccount(
            f"{name}-sa", metadata=metadata(APP, lbls, ns), automount_service_account_token=True, opts=child)
        role = rbac.ClusterRole(
            f"{name}-discovery", metadata=metadata(f"llz-{APP}", lbls),
            rules=[rbac.PolicyRuleArgs(api_groups=[""], resources=["pods"], verbs=["get", "list", "watch"])],
            opts=child)
        rbac.ClusterRoleBinding(
            f"{name}-discovery", metadata=metadata(f"llz-{APP}", lbls),
            role_ref=rbac.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                      name=role.metadata.name),
            subjects=[rbac.SubjectArgs(kind="ServiceAccount", name=APP, namespace=NAMESPACE)], opts=child)
        config = pulumi.Output.from_input(a.remote_write_url).apply(lambda url: yaml.safe_dump(
            scrape_config(a.targets, url, a.region, a.external_labels), sort_keys=False))
        self.config = core.ConfigMap(f"{name}-config", metadata=metadata(APP, lbls, ns),
                                     data={"prometheus.yml": config}, opts=child)
        net.NetworkPolicy(
            f"{name}-deny-ingress", metadata=metadata(APP, lbls, ns),
            spec=net.NetworkPolicySpecArgs(pod_selector=metav1.LabelSelectorArgs(match_labels=select),
                                           policy_types=["Ingress"]),
            opts=child)
        probe = core.ProbeArgs(http_get=core.HTTPGetActionArgs(path="/-/ready", port=PORT),
                               period_seconds=15, failure_threshold=4)
        container = core.ContainerArgs(
            name=APP, image=a.image.ref, image_pull_policy="IfNotPresent" if a.image.digest else "Always",
            args=["--agent", f"--config.file={CONFIG_DIR}/prometheus.yml", f"--storage.agent.path={DATA_DIR}",
                  f"--web.listen-address=:{PORT}"],
            ports=[core.ContainerPortArgs(name="http", container_port=PORT, protocol="TCP")],
            readiness_probe=probe,
            liveness_probe=core.ProbeArgs(http_get=core.HTTPGetActionArgs(path="/-/healthy", port=PORT),
                                          period_seconds=30, failure_threshold=4),
            resources=core.ResourceRequirementsArgs(requests={"cpu": "100m", "memory": "256Mi"},
                                                    limits={"cpu": "1", "memory": "1Gi"}),
            security_context=restricted_container_security(),
            volume_mounts=[core.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
                           core.VolumeMountArgs(name="wal", mount_path=DATA_DIR)])
        self.deployment = apps.Deployment(
            f"{name}-deploy", metadata=metadata(APP, lbls, ns),
            spec=apps.DeploymentSpecArgs(
                replicas=1, selector=metav1.LabelSelectorArgs(match_labels=select),
                # One agent at a time: two would send every sample twice.
                strategy=apps.DeploymentStrategyArgs(type="Recreate"),
                template=core.PodTemplateSpecArgs(
                    metadata=metav1.ObjectMetaArgs(labels=lbls, annotations={
                        # A new config restarts the agent (it reads the file at start).
                        "llmops.io/config-hash": config.apply(
                            lambda c: hashlib.sha256(c.encode()).hexdigest()[:16])}),
                    spec=core.PodSpecArgs(
                        service_account_name=APP, security_context=restricted_pod_security(),
                        node_selector=a.node_selector or None, containers=[container],
                        volumes=[core.VolumeArgs(name="config", config_map=core.ConfigMapVolumeSourceArgs(
                                     name=self.config.metadata.name)),
                                 core.VolumeArgs(name="wal", empty_dir=core.EmptyDirVolumeSourceArgs(
                                     size_limit="2Gi"))]))),
            opts=pulumi.ResourceOptions(parent=self, depends_on=a.depends_on or None))
        self.register_outputs({"image": a.image.ref})
