"""ClusterAutoscaler: the Kubernetes Cluster Autoscaler (kubernetes/autoscaler) for clusters whose cloud has
no built-in node autoscaler (EKS managed node groups; GKE and AKS scale their pools themselves).

Objects, all named ``cluster-autoscaler`` in ``kube-system`` (the names the upstream manifest uses, which its
RBAC ``resourceNames`` depend on): ServiceAccount (the cloud's workload identity binds to it), ClusterRole +
ClusterRoleBinding, Role + RoleBinding, Deployment, PodDisruptionBudget and NetworkPolicy.

RBAC follows upstream's AWS auto-discovery example (cluster-autoscaler/cloudprovider/aws/examples/
cluster-autoscaler-autodiscover.yaml), with one narrowing: upstream grants Lease create/get/update
cluster-wide, but the leader-election Lease lives in kube-system, so those rules sit in the namespaced Role.
Upstream's hostPath mount of the node's CA bundle is left out: the image (distroless/static) carries its own
certificates, and the pod stays free of host paths.

The cloud part (``cloud_provider``, node-group discovery, credentials env) comes in through the args; the
image follows the control plane's Kubernetes minor (components.k8s.images.cluster_autoscaler).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net
from pulumi_kubernetes.policy import v1 as policy
from pulumi_kubernetes.rbac import v1 as rbac

from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import (
    labels,
    metadata,
    restricted_container_security,
    restricted_pod_security,
    selector_labels,
    toleration_args,
)

TYPE = "llmops:k8s:ClusterAutoscaler"
APP = "cluster-autoscaler"  # every object's name; the Lease and status ConfigMap names below derive from it
NAMESPACE = "kube-system"
PORT = 8085  # --address: Prometheus metrics and /health-check
RBAC_GROUP = "rbac.authorization.k8s.io"
READ = ["watch", "list", "get"]
EXPANDERS = ("least-waste", "least-nodes", "most-pods", "priority", "random", "price", "grpc")
_DURATION = re.compile(r"^(\d+h)?(\d+m)?(\d+s)?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# ClusterRole: upstream's rules (see the module docstring), cluster-scoped reads the scheduling simulation
# needs, node updates (taints while draining), evictions and status writes, and nothing on Secrets.
CLUSTER_RULES: list[dict[str, list[str]]] = [
    {"apiGroups": [""], "resources": ["events", "endpoints"], "verbs": ["create", "patch"]},
    {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["update"]},
    {"apiGroups": [""], "resources": ["endpoints"], "resourceNames": [APP], "verbs": ["get", "update"]},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["watch", "list", "get", "update"]},
    {"apiGroups": [""], "resources": ["namespaces", "pods", "services", "replicationcontrollers",
                                      "persistentvolumeclaims", "persistentvolumes"], "verbs": READ},
    {"apiGroups": ["extensions"], "resources": ["replicasets", "daemonsets"], "verbs": READ},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["watch", "list"]},
    {"apiGroups": ["apps"], "resources": ["statefulsets", "replicasets", "daemonsets"], "verbs": READ},
    {"apiGroups": ["resource.k8s.io"], "resources": ["deviceclasses", "resourceslices", "resourceclaims"],
     "verbs": READ},
    {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses", "csinodes", "csidrivers",
                                                    "csistoragecapacities", "volumeattachments"],
     "verbs": READ},
    {"apiGroups": ["batch", "extensions"], "resources": ["jobs"], "verbs": ["get", "list", "watch", "patch"]},
]
# Role in kube-system: the status and priority-expander ConfigMaps, and the leader-election Lease.
NAMESPACE_RULES: list[dict[str, list[str]]] = [
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "list", "watch"]},
    {"apiGroups": [""], "resources": ["configmaps"],
     "resourceNames": [f"{APP}-status", f"{APP}-priority-expander"],
     "verbs": ["delete", "get", "update", "watch"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": [APP],
     "verbs": ["get", "update"]},
]

# EKS Pod Identity agent (link-local, on every node): where the AWS SDK fetches the pod's credentials
# (docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html). Harmless to allow on other clouds.
POD_IDENTITY_AGENT = ("169.254.170.23/32", "fd00:ec2::23/128")
DNS_SELECTOR = {"k8s-app": "kube-dns"}  # CoreDNS on EKS, GKE (kube-dns) and AKS


@dataclass
class ClusterAutoscalerArgs:
    cloud_provider: str  # --cloud-provider, e.g. "aws"
    kubernetes_version: str  # the control plane's; picks the matching release line
    node_group_discovery: list[str]  # --node-group-auto-discovery values, e.g. "asg:tag=k1,k2"
    node_selector: dict[str, str]  # where it runs: the labels the system node pool sets
    tolerations: list[dict[str, str]] = field(default_factory=list)  # the system pool's taints, if any
    env: dict[str, str] = field(default_factory=dict)  # e.g. AWS_REGION
    service_account_annotations: dict[str, str] = field(default_factory=dict)  # IRSA / GKE WI style bindings
    expander: str = "least-waste"
    scale_down_unneeded_time: str = "10m"  # how long a node stays unneeded before it is removed
    scale_down_delay_after_add: str = "10m"  # no scale-down this soon after a scale-up
    replicas: int = 1  # more than one: standbys wait on the leader-election Lease
    extra_args: list[str] = field(default_factory=list)
    image: images.Image | None = None  # default: images.cluster_autoscaler(kubernetes_version)
    # What the pods need before the first one is created, e.g. the cloud's workload-identity binding: EKS Pod
    # Identity's webhook injects credentials only into pods created after the association exists.
    depends_on: list[pulumi.Resource] = field(default_factory=list)
    cpu: str = "100m"  # upstream's figures, fine for clusters of a few dozen nodes
    memory: str = "600Mi"

    def resolved_image(self) -> images.Image:
        return self.image or images.cluster_autoscaler(self.kubernetes_version)

    def problems(self) -> list[str]:
        out = []
        if not re.fullmatch(r"[a-z0-9-]+", self.cloud_provider):
            out.append(f"cloud_provider {self.cloud_provider!r} is not a provider name")
        if not self.node_group_discovery:
            out.append("node_group_discovery needs at least one discovery spec")
        if self.expander not in EXPANDERS:
            out.append(f"expander {self.expander!r} is not one of {', '.join(EXPANDERS)}")
        for key, value in (("scale_down_unneeded_time", self.scale_down_unneeded_time),
                           ("scale_down_delay_after_add", self.scale_down_delay_after_add)):
            if not value or not _DURATION.fullmatch(value):
                out.append(f"{key} {value!r} is not a duration such as 10m or 1h30m")
        if self.replicas < 1:
            out.append("replicas must be at least 1")
        if not self.node_selector:
            out.append("node_selector must pin the autoscaler to the system node pool")
        out += [f"env name {k!r} is not a valid variable name" for k in self.env if not _ENV_NAME.match(k)]
        try:
            self.resolved_image()
        except ValueError as exc:
            out.append(str(exc))
        return out


def autoscaler_args(a: ClusterAutoscalerArgs) -> list[str]:
    """Command-line flags (cluster-autoscaler/FAQ.md, "What are the parameters to CA?")."""
    return [
        f"--cloud-provider={a.cloud_provider}",
        *[f"--node-group-auto-discovery={d}" for d in a.node_group_discovery],
        # Pools differ by their pool label, so none are "similar"; when a pool is ever split per zone the
        # halves stay balanced.
        "--balance-similar-node-groups",
        # System nodes run only kube-system pods (CoreDNS, this autoscaler); with the default (true) none of
        # them could ever be removed, so the system pool would only grow.
        "--skip-nodes-with-system-pods=false",
        # vLLM's emptyDir holds a cache of weights re-streamed from object storage: it must not pin a costly
        # GPU node. Moves are still bounded by each endpoint's PodDisruptionBudget.
        "--skip-nodes-with-local-storage=false",
        f"--expander={a.expander}",
        f"--scale-down-unneeded-time={a.scale_down_unneeded_time}",
        f"--scale-down-delay-after-add={a.scale_down_delay_after_add}",
        f"--address=:{PORT}",
        "--v=2",  # one line per scale-up/-down decision, without per-loop simulation noise
        *a.extra_args,
    ]


def _rules(rules: list[dict[str, list[str]]]) -> list[rbac.PolicyRuleArgs]:
    return [rbac.PolicyRuleArgs(api_groups=r["apiGroups"], resources=r["resources"], verbs=r["verbs"],
                                resource_names=r.get("resourceNames")) for r in rules]


class ClusterAutoscaler(pulumi.ComponentResource):
    """Cluster Autoscaler Deployment with its RBAC, disruption budget and network policy in kube-system."""

    def __init__(self, name: str, args: ClusterAutoscalerArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        if problems := args.problems():
            raise ValueError(f"ClusterAutoscaler {name!r}: " + "; ".join(problems))
        super().__init__(TYPE, name, None, opts)
        a = args
        img = a.resolved_image()
        child = pulumi.ResourceOptions(parent=self)
        lbls = labels(APP, name, "autoscaler", img.version)
        select = selector_labels(APP, name)

        # The autoscaler talks to the API server, so (unlike the serving pods) it keeps its token.
        self.service_account = core.ServiceAccount(
            f"{name}-sa", metadata=metadata(APP, lbls, NAMESPACE,
                                            annotations=dict(a.service_account_annotations)),
            opts=child)
        subject = rbac.SubjectArgs(kind="ServiceAccount", name=APP, namespace=NAMESPACE)
        self.cluster_role = rbac.ClusterRole(f"{name}-clusterrole", metadata=metadata(APP, lbls),
                                             rules=_rules(CLUSTER_RULES), opts=child)
        self.cluster_role_binding = rbac.ClusterRoleBinding(
            f"{name}-clusterrolebinding", metadata=metadata(APP, lbls),
            role_ref=rbac.RoleRefArgs(api_group=RBAC_GROUP, kind="ClusterRole",
                                      name=self.cluster_role.metadata.name),
            subjects=[subject], opts=child)
        self.role = rbac.Role(f"{name}-role", metadata=metadata(APP, lbls, NAMESPACE),
                              rules=_rules(NAMESPACE_RULES), opts=child)
        self.role_binding = rbac.RoleBinding(
            f"{name}-rolebinding", metadata=metadata(APP, lbls, NAMESPACE),
            role_ref=rbac.RoleRefArgs(api_group=RBAC_GROUP, kind="Role", name=self.role.metadata.name),
            subjects=[subject], opts=child)

        self.deployment = apps.Deployment(
            f"{name}-deploy", metadata=metadata(APP, lbls, NAMESPACE),
            spec=self._deployment_spec(a, img, lbls, select),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[
                self.service_account, self.cluster_role_binding, self.role_binding, *a.depends_on]))

        # maxUnavailable (not minAvailable): a single replica must never block a system node drain or upgrade.
        self.pdb = policy.PodDisruptionBudget(
            f"{name}-pdb", metadata=metadata(APP, lbls, NAMESPACE),
            spec=policy.PodDisruptionBudgetSpecArgs(
                max_unavailable=1, selector=metav1.LabelSelectorArgs(match_labels=select),
                unhealthy_pod_eviction_policy="AlwaysAllow"),
            opts=child)

        # In: metrics and health on PORT only (scrapers and the kubelet's probes). Out: DNS, the Pod Identity
        # agent, and HTTPS (the API server and the cloud's APIs, through VPC endpoints or NAT).
        self.network_policy = net.NetworkPolicy(
            f"{name}-netpol", metadata=metadata(APP, lbls, NAMESPACE),
            spec=net.NetworkPolicySpecArgs(
                pod_selector=metav1.LabelSelectorArgs(match_labels=select),
                policy_types=["Ingress", "Egress"],
                ingress=[net.NetworkPolicyIngressRuleArgs(
                    ports=[net.NetworkPolicyPortArgs(port=PORT, protocol="TCP")])],
                egress=[
                    net.NetworkPolicyEgressRuleArgs(
                        to=[net.NetworkPolicyPeerArgs(
                            namespace_selector=metav1.LabelSelectorArgs(
                                match_labels={"kubernetes.io/metadata.name": NAMESPACE}),
                            pod_selector=metav1.LabelSelectorArgs(match_labels=DNS_SELECTOR))],
                        ports=[net.NetworkPolicyPortArgs(port=53, protocol=p) for p in ("UDP", "TCP")]),
                    net.NetworkPolicyEgressRuleArgs(
                        to=[net.NetworkPolicyPeerArgs(ip_block=net.IPBlockArgs(cidr=c))
                            for c in POD_IDENTITY_AGENT],
                        ports=[net.NetworkPolicyPortArgs(port=80, protocol="TCP")]),
                    net.NetworkPolicyEgressRuleArgs(
                        ports=[net.NetworkPolicyPortArgs(port=443, protocol="TCP")]),
                ]),
            opts=child)

        self.image = img
        self.args = autoscaler_args(a)
        self.register_outputs({"image": img.ref, "serviceAccount": APP, "namespace": NAMESPACE})

    def _deployment_spec(self, a: ClusterAutoscalerArgs, img: images.Image, lbls: dict[str, str],
                         select: dict[str, str]) -> apps.DeploymentSpecArgs:
        health = core.HTTPGetActionArgs(path="/health-check", port="http")
        container = core.ContainerArgs(
            name=APP, image=img.ref,
            # A digest is immutable, so the cached copy is the right one; a tag is re-checked on every start.
            image_pull_policy="IfNotPresent" if img.digest else "Always",
            command=["/cluster-autoscaler"], args=autoscaler_args(a),
            env=[core.EnvVarArgs(name=k, value=v) for k, v in a.env.items()] or None,
            ports=[core.ContainerPortArgs(name="http", container_port=PORT, protocol="TCP")],
            # Requests equal limits (Guaranteed QoS): the autoscaler is the last pod to starve on a busy node.
            resources=core.ResourceRequirementsArgs(requests={"cpu": a.cpu, "memory": a.memory},
                                                    limits={"cpu": a.cpu, "memory": a.memory}),
            # /health-check fails once the main loop has been inactive or failing too long (--max-inactivity,
            # --max-failing-time); a standby replica reports healthy while it waits for the Lease.
            liveness_probe=core.ProbeArgs(http_get=health, initial_delay_seconds=30, period_seconds=10,
                                          timeout_seconds=5, failure_threshold=3),
            readiness_probe=core.ProbeArgs(http_get=health, period_seconds=10, timeout_seconds=5,
                                           failure_threshold=3),
            security_context=restricted_container_security(read_only_root=True),
        )
        return apps.DeploymentSpecArgs(
            replicas=a.replicas,
            selector=metav1.LabelSelectorArgs(match_labels=select),
            revision_history_limit=3,
            template=core.PodTemplateSpecArgs(
                metadata=metav1.ObjectMetaArgs(
                    labels=lbls,
                    annotations={
                        "prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                        # Never drain the node the autoscaler runs on to save it (upstream FAQ).
                        "cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
                    }),
                spec=core.PodSpecArgs(
                    service_account_name=self.service_account.metadata.name,
                    priority_class_name="system-cluster-critical",
                    node_selector=dict(a.node_selector),
                    tolerations=toleration_args(a.tolerations) or None,
                    affinity=self._spread(select),
                    security_context=restricted_pod_security(),
                    containers=[container],
                ),
            ),
        )

    @staticmethod
    def _spread(select: dict[str, str]) -> core.AffinityArgs:
        # Standbys on other nodes, so losing one node does not take every replica with it.
        term = core.WeightedPodAffinityTermArgs(weight=100, pod_affinity_term=core.PodAffinityTermArgs(
            topology_key="kubernetes.io/hostname",
            label_selector=metav1.LabelSelectorArgs(match_labels=select)))
        return core.AffinityArgs(pod_anti_affinity=core.PodAntiAffinityArgs(
            preferred_during_scheduling_ignored_during_execution=[term]))
