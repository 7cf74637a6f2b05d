"""ClusterAddons: the platform namespaces and the GPU node agents every cloud's cluster needs.

- Namespaces ``gpu-system`` (node agents), ``llm-serving`` (vLLM endpoints) and ``ingress`` (the shared
  gateway), each with Pod Security Admission labels.
- NVIDIA device plugin DaemonSet: advertises ``nvidia.com/gpu`` on GPU nodes (EKS and AKS do not install
  it; reference 3.2/3.4). GKE installs its own plugin: pass ``device_plugin=False`` there.
- DCGM exporter DaemonSet + Service: per-GPU and per-pod utilisation, memory and power metrics on :9400.

Both DaemonSets run only on GPU nodes: their node affinity and tolerations are derived from the pools'
``PoolScheduling`` objects (the same objects the cloud pools take their labels and taints from).
"""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net

from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import (
    GPU_NAMESPACE,
    INGRESS_NAMESPACE,
    SERVING_NAMESPACE,
    SKIP_AWAIT,
    labels,
    metadata,
    pod_security_labels,
    selector_labels,
    toleration_args,
)
from llmops_landing_zone.components.k8s.scheduling import PoolScheduling, node_affinity_terms, tolerations_for

TYPE = "llmops:k8s:ClusterAddons"
DEVICE_PLUGIN = "nvidia-device-plugin"
DCGM_EXPORTER = "dcgm-exporter"
DCGM_PORT = 9400
PLUGIN_DIR = "/var/lib/kubelet/device-plugins"  # kubelet's device-plugin registration socket directory
POD_RESOURCES_DIR = "/var/lib/kubelet/pod-resources"  # kubelet's PodResources API socket

# Pod Security level per platform namespace. gpu-system must be 'privileged': both agents mount kubelet
# host paths (device-plugins socket dir, pod-resources socket), which 'baseline' forbids. The shared
# gateway gets 'baseline' (controllers such as ingress-nginx need NET_BIND_SERVICE and differ in what
# they set) and a 'restricted' warning so drift is visible; model serving is 'restricted'.
NAMESPACE_SECURITY = {
    GPU_NAMESPACE: ("privileged", "privileged"),
    SERVING_NAMESPACE: ("restricted", "restricted"),
    INGRESS_NAMESPACE: ("baseline", "restricted"),
}

# GKE admits pods with the system-node-critical priority class outside kube-system only in namespaces
# holding a ResourceQuota scoped to that class (NVIDIA GPU Operator, "Getting started on GKE"). It is a
# permission, not a cap: two agent pods per GPU node stay far below it. Harmless on EKS and AKS.
CRITICAL_PODS_QUOTA = 1000


def _node_affinity(pools: list[PoolScheduling]) -> core.AffinityArgs:
    terms = [
        core.NodeSelectorTermArgs(match_expressions=[
            core.NodeSelectorRequirementArgs(key=e["key"], operator=e["operator"], values=e["values"])
            for e in term["matchExpressions"]
        ])
        for term in node_affinity_terms(pools)
    ]
    return core.AffinityArgs(node_affinity=core.NodeAffinityArgs(
        required_during_scheduling_ignored_during_execution=core.NodeSelectorArgs(node_selector_terms=terms)))


def _root_agent_security(add: list[str] | None = None,
                         read_only_root: bool = True) -> core.SecurityContextArgs:
    """Node agents that must run as UID 0 (see the DaemonSets below for why): no privilege escalation, no
    privileged mode, every capability dropped except what the agent documents it needs."""
    return core.SecurityContextArgs(
        run_as_user=0, run_as_non_root=False, privileged=False, allow_privilege_escalation=False,
        read_only_root_filesystem=read_only_root,
        capabilities=core.CapabilitiesArgs(drop=["ALL"], add=add or None),
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def _pull_policy(image: images.Image) -> str:
    # A digest is immutable, so the cached copy is the right one; a tag is re-checked on every start.
    return "IfNotPresent" if image.digest else "Always"


class ClusterAddons(pulumi.ComponentResource):
    """Platform namespaces, NVIDIA device plugin and DCGM exporter for the GPU pools of one cluster."""

    def __init__(self, name: str, pools: list[PoolScheduling], opts: pulumi.ResourceOptions | None = None, *,
                 device_plugin: bool = True, dcgm_exporter: bool = True) -> None:
        super().__init__(TYPE, name, None, opts)
        self.pools = list(pools)
        self.namespaces: dict[str, core.Namespace] = {}
        for ns, (enforce, warn) in NAMESPACE_SECURITY.items():
            self.namespaces[ns] = core.Namespace(
                f"{name}-ns-{ns}",
                metadata=metadata(ns, {**labels(ns, name, "namespace"),
                                       **pod_security_labels(enforce, warn)}),
                opts=pulumi.ResourceOptions(parent=self),
            )
        gpu_ns = self.namespaces[GPU_NAMESPACE].metadata.name
        # Serving: ingress is denied unless an endpoint's own policy admits it (its namespace and `ingress`),
        # so a pod added to llm-serving without a policy is not reachable by default. Egress stays open: model
        # servers stream weights from object storage through the cloud's private endpoints.
        net.NetworkPolicy(
            f"{name}-serving-default-deny-ingress",
            metadata=metadata("default-deny-ingress", labels("default-deny-ingress", name, "network-policy"),
                              self.namespaces[SERVING_NAMESPACE].metadata.name),
            spec=net.NetworkPolicySpecArgs(pod_selector=metav1.LabelSelectorArgs(), policy_types=["Ingress"]),
            opts=pulumi.ResourceOptions(parent=self))
        self.device_plugin: apps.DaemonSet | None = None
        self.dcgm_exporter: apps.DaemonSet | None = None
        # Without a GPU pool there is no node to run on (and an empty node-affinity term list is invalid).
        if self.pools:
            self._gpu_system_network_policies(name, gpu_ns, dcgm_exporter)
            if device_plugin:
                self.device_plugin = self._device_plugin(name, gpu_ns)
            if dcgm_exporter:
                self.dcgm_exporter = self._dcgm_exporter(name, gpu_ns)
        self.register_outputs({
            "namespaces": list(self.namespaces),
            "gpuPools": [p.pool for p in self.pools],
        })

    # --- contract ---------------------------------------------------------------------------------------
    @property
    def serving_namespace(self) -> str:
        return SERVING_NAMESPACE

    @property
    def gpu_namespace(self) -> str:
        return GPU_NAMESPACE

    @property
    def ingress_namespace(self) -> str:
        return INGRESS_NAMESPACE

    # --- parts ------------------------------------------------------------------------------------------
    def _service_account(self, name: str, app: str, namespace: pulumi.Input[str]) -> core.ServiceAccount:
        # Neither agent talks to the API server (both use kubelet sockets), so no token is mounted.
        return core.ServiceAccount(
            f"{name}-{app}-sa", metadata=metadata(app, labels(app, name, "gpu-agent"), namespace),
            automount_service_account_token=False, opts=pulumi.ResourceOptions(parent=self))

    def _gpu_daemonset(self, name: str, app: str, namespace: pulumi.Input[str], lbls: dict[str, str],
                       sa: core.ServiceAccount, container: core.ContainerArgs, volume: core.VolumeArgs,
                       priority_class: str | None = None) -> apps.DaemonSet:
        """A node agent on every node of the GPU pools: affinity and tolerations derived from the pools,
        one node at a time on updates, the RuntimeDefault seccomp profile, one host-path volume."""
        return apps.DaemonSet(
            f"{name}-{app}",
            metadata=metadata(app, lbls, namespace),
            spec=apps.DaemonSetSpecArgs(
                selector=metav1.LabelSelectorArgs(match_labels=selector_labels(app, name)),
                update_strategy=apps.DaemonSetUpdateStrategyArgs(
                    type="RollingUpdate", rolling_update=apps.RollingUpdateDaemonSetArgs(max_unavailable=1)),
                template=core.PodTemplateSpecArgs(
                    metadata=metav1.ObjectMetaArgs(labels=lbls),
                    spec=core.PodSpecArgs(
                        service_account_name=sa.metadata.name, automount_service_account_token=False,
                        priority_class_name=priority_class,
                        affinity=_node_affinity(self.pools),
                        tolerations=toleration_args(tolerations_for(self.pools)),
                        security_context=core.PodSecurityContextArgs(
                            seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
                        containers=[container],
                        volumes=[volume],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _device_plugin(self, name: str, namespace: pulumi.Input[str]) -> apps.DaemonSet:
        img = images.DEVICE_PLUGIN
        lbls = labels(DEVICE_PLUGIN, name, "gpu-agent", img.version)
        sa = self._service_account(name, DEVICE_PLUGIN, namespace)
        # Critical-priority pods outside kube-system need this quota on GKE (see CRITICAL_PODS_QUOTA).
        core.ResourceQuota(
            f"{name}-gpu-critical-pods",
            metadata=metadata("critical-pods", labels("critical-pods", name, "quota"), namespace),
            spec=core.ResourceQuotaSpecArgs(
                hard={"pods": str(CRITICAL_PODS_QUOTA)},
                scope_selector=core.ScopeSelectorArgs(match_expressions=[
                    core.ScopedResourceSelectorRequirementArgs(
                        scope_name="PriorityClass", operator="In", values=["system-node-critical"])]),
            ),
            opts=pulumi.ResourceOptions(parent=self))
        # Runs as root: the plugin serves its gRPC socket from the kubelet's root-owned
        # /var/lib/kubelet/device-plugins directory and registers through kubelet.sock there. It keeps
        # nothing else: every capability is dropped, the root filesystem is read-only, no escalation.
        # No probes: the image is distroless with no health endpoint (the kubelet re-registers it on
        # restart). Upstream static manifest: NVIDIA/k8s-device-plugin deployments/static.
        container = core.ContainerArgs(
            name=DEVICE_PLUGIN, image=img.ref, image_pull_policy=_pull_policy(img),
            env=[
                # Fail (and be restarted with back-off) when NVML cannot initialise, e.g. while a node's
                # driver is still installing: upstream's "false" would idle without ever registering the
                # GPUs. It exists for nodes without GPUs, which this DaemonSet never lands on.
                core.EnvVarArgs(name="FAIL_ON_INIT_ERROR", value="true"),
                core.EnvVarArgs(name="MIG_STRATEGY", value="none"),
                core.EnvVarArgs(name="DEVICE_LIST_STRATEGY", value="envvar"),
            ],
            resources=core.ResourceRequirementsArgs(
                requests={"cpu": "50m", "memory": "64Mi"}, limits={"cpu": "200m", "memory": "256Mi"}),
            security_context=_root_agent_security(),
            volume_mounts=[core.VolumeMountArgs(name="device-plugin", mount_path=PLUGIN_DIR)],
        )
        # Evicting the plugin makes every GPU on the node unschedulable: system-node-critical.
        return self._gpu_daemonset(name, DEVICE_PLUGIN, namespace, lbls, sa, container,
                                   core.VolumeArgs(name="device-plugin", host_path=core.HostPathVolumeSourceArgs(
                                       path=PLUGIN_DIR, type="Directory")),
                                   priority_class="system-node-critical")

    def _dcgm_exporter(self, name: str, namespace: pulumi.Input[str]) -> apps.DaemonSet:
        img = images.DCGM_EXPORTER
        lbls = labels(DCGM_EXPORTER, name, "gpu-agent", img.version)
        sa = self._service_account(name, DCGM_EXPORTER, namespace)
        probe = core.ProbeArgs(
            http_get=core.HTTPGetActionArgs(path="/health", port=DCGM_PORT),
            initial_delay_seconds=45, period_seconds=10, timeout_seconds=5, failure_threshold=3)
        # Runs as root with CAP_SYS_ADMIN, as NVIDIA's own manifest does: root to connect to the kubelet's
        # root-owned pod-resources socket (per-pod GPU attribution), SYS_ADMIN for DCGM's profiling (DCP)
        # metrics such as tensor-core activity. All other capabilities are dropped and there is no
        # escalation. The root filesystem stays writable: the embedded DCGM host engine keeps runtime state
        # and logs in the image and NVIDIA documents no read-only mode.
        container = core.ContainerArgs(
            name=DCGM_EXPORTER, image=img.ref, image_pull_policy=_pull_policy(img),
            env=[
                core.EnvVarArgs(name="DCGM_EXPORTER_LISTEN", value=f":{DCGM_PORT}"),
                core.EnvVarArgs(name="DCGM_EXPORTER_KUBERNETES", value="true"),
            ],
            ports=[core.ContainerPortArgs(name="metrics", container_port=DCGM_PORT, protocol="TCP")],
            resources=core.ResourceRequirementsArgs(
                requests={"cpu": "100m", "memory": "512Mi"}, limits={"cpu": "1", "memory": "1Gi"}),
            liveness_probe=probe, readiness_probe=probe,
            security_context=_root_agent_security(add=["SYS_ADMIN"], read_only_root=False),
            volume_mounts=[core.VolumeMountArgs(
                name="pod-resources", mount_path=POD_RESOURCES_DIR, read_only=True)],
        )
        ds = self._gpu_daemonset(name, DCGM_EXPORTER, namespace, lbls, sa, container,
                                 core.VolumeArgs(name="pod-resources", host_path=core.HostPathVolumeSourceArgs(
                                     path=POD_RESOURCES_DIR, type="Directory")))
        # Scrape target for Prometheus; skipAwait because GPU pools may sit at zero nodes (no endpoints).
        core.Service(
            f"{name}-{DCGM_EXPORTER}-svc",
            metadata=metadata(DCGM_EXPORTER, labels(DCGM_EXPORTER, name, "gpu-agent", img.version), namespace,
                              annotations=SKIP_AWAIT),
            spec=core.ServiceSpecArgs(
                type="ClusterIP", selector=selector_labels(DCGM_EXPORTER, name),
                ports=[core.ServicePortArgs(name="metrics", port=DCGM_PORT, target_port="metrics",
                                                   protocol="TCP")]),
            opts=pulumi.ResourceOptions(parent=self))
        return ds

    def _gpu_system_network_policies(self, name: str, namespace: pulumi.Input[str], metrics: bool) -> None:
        """Neither agent needs the network (both speak to the kubelet over unix sockets): deny everything,
        then open only the DCGM metrics port to in-cluster scrapers."""
        net.NetworkPolicy(
            f"{name}-gpu-system-default-deny",
            metadata=metadata("default-deny", labels("default-deny", name, "network-policy"), namespace),
            spec=net.NetworkPolicySpecArgs(
                pod_selector=metav1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]),
            opts=pulumi.ResourceOptions(parent=self))
        if metrics:
            net.NetworkPolicy(
                f"{name}-gpu-system-allow-metrics",
                metadata=metadata("allow-dcgm-metrics", labels("allow-dcgm-metrics", name, "network-policy"),
                                  namespace),
                spec=net.NetworkPolicySpecArgs(
                    pod_selector=metav1.LabelSelectorArgs(match_labels=selector_labels(DCGM_EXPORTER, name)),
                    policy_types=["Ingress"],
                    ingress=[net.NetworkPolicyIngressRuleArgs(
                        from_=[net.NetworkPolicyPeerArgs(
                            namespace_selector=metav1.LabelSelectorArgs())],
                        ports=[net.NetworkPolicyPortArgs(port=DCGM_PORT, protocol="TCP")])]),
                opts=pulumi.ResourceOptions(parent=self))
