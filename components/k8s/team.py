"""TeamNamespace: one team's namespace with least-privilege RBAC, a GPU quota and default-deny networking.

- Namespace ``team-<team>`` enforcing the 'restricted' Pod Security Standard.
- Role + RoleBinding for the team's role (admin | developer | viewer): namespaced only (never a
  ClusterRoleBinding, never cluster-admin), explicit resources and verbs (never "*"), no ``bind``,
  ``escalate`` or ``impersonate``. Quotas, limit ranges and network policies are platform guardrails:
  every role can read them, none can change them.
- ResourceQuota: ``requests.nvidia.com/gpu`` capped at the team's GPU quota, plus CPU, memory, pods, and
  no LoadBalancer or NodePort Services (exposure goes through the shared ingress). A LimitRange gives
  containers default requests so the CPU/memory quota does not reject pods that omit them.
- NetworkPolicies: deny all ingress and egress, then allow cluster DNS, traffic inside the namespace, and
  traffic to and from the shared ingress namespace (the way in, and the way to the model endpoints).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net
from pulumi_kubernetes.rbac import v1 as rbac

from llmops_landing_zone.components.k8s.meta import (
    INGRESS_NAMESPACE,
    NAMESPACE_NAME_LABEL,
    labels,
    metadata,
    namespace_peer,
    pod_security_labels,
)
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE

TYPE = "llmops:k8s:TeamNamespace"
ROLES = ("admin", "developer", "viewer")
SUBJECT_KINDS = ("User", "Group", "ServiceAccount")
RBAC_GROUP = "rbac.authorization.k8s.io"
_KEY = re.compile(r"^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$")

READ = ["get", "list", "watch"]
WRITE = ["create", "update", "patch", "delete"]

# What each role may read: everything a team runs, never Secrets for viewers.
_READABLE: dict[str, list[str]] = {
    "": ["configmaps", "endpoints", "events", "limitranges", "persistentvolumeclaims", "pods", "pods/log",
         "resourcequotas", "serviceaccounts", "services"],
    "apps": ["daemonsets", "deployments", "replicasets", "statefulsets"],
    "batch": ["cronjobs", "jobs"],
    "autoscaling": ["horizontalpodautoscalers"],
    "policy": ["poddisruptionbudgets"],
    "networking.k8s.io": ["ingresses", "networkpolicies"],
    "discovery.k8s.io": ["endpointslices"],
    "events.k8s.io": ["events"],
}
# What developers change: their workloads. Secrets too: whoever can create a pod in the namespace can
# already read any Secret it mounts, so withholding them would only pretend. DaemonSets stay read-only
# (node-wide pods are the platform's).
_DEVELOPER_WRITES: dict[str, list[str]] = {
    "": ["configmaps", "persistentvolumeclaims", "pods", "secrets", "services"],
    "apps": ["deployments", "statefulsets"],
    "batch": ["cronjobs", "jobs"],
    "autoscaling": ["horizontalpodautoscalers"],
    "policy": ["poddisruptionbudgets"],
}
# Admins additionally run the namespace: identities, ingress routes and in-namespace RBAC (the API server's
# escalation check limits what they can grant to what they hold themselves).
_ADMIN_WRITES: dict[str, list[str]] = {
    "": ["serviceaccounts"],
    "networking.k8s.io": ["ingresses"],
    RBAC_GROUP: ["rolebindings", "roles"],
}


def _rules_for(groups: dict[str, list[str]], verbs: list[str]) -> list[dict[str, list[str]]]:
    return [{"apiGroups": [g], "resources": sorted(r), "verbs": list(verbs)} for g, r in groups.items()]


def role_rules(role: str) -> list[dict[str, list[str]]]:
    """The RBAC rules of a team role, as plain dicts (the same shape as the recorded Role's ``rules``)."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    readable = {g: list(r) for g, r in _READABLE.items()}
    if role == "viewer":
        return _rules_for(readable, READ)
    writes = {g: list(r) for g, r in _DEVELOPER_WRITES.items()}
    if role == "admin":
        for g, r in _ADMIN_WRITES.items():
            writes.setdefault(g, []).extend(r)
    readable[""] = sorted({*readable[""], "secrets"})
    readable[RBAC_GROUP] = ["rolebindings", "roles"] if role == "admin" else []
    rules = _rules_for({g: r for g, r in readable.items() if r}, READ)
    rules += _rules_for(writes, WRITE)
    rules += [
        # Debugging running workloads. "get" as well as "create": kubectl 1.30+ opens exec and port-forward
        # over WebSockets, which the API server authorizes as a GET.
        {"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["create", "get"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale", "statefulsets/scale"],
         "verbs": ["patch", "update"]},
    ]
    return rules


@dataclass
class TeamNamespaceArgs:
    team: str
    role: str  # admin | developer | viewer
    gpu_quota: int
    # RBAC subjects, e.g. {"kind": "Group", "name": "llmops:ml", "apiGroup": "rbac.authorization.k8s.io"}
    subjects: list[dict[str, Any]]
    # --- optional, with defaults -------------------------------------------------------------------------
    cpu_quota: str | None = None  # requests.cpu; default 8 + 24 per GPU (the vCPU per GPU of 8-GPU shapes)
    memory_quota: str | None = None  # requests.memory; default 32Gi + 96Gi per GPU
    pods_quota: int = 100
    pvc_quota: int = 20
    labels: dict[str, str] = field(default_factory=dict)  # extra namespace labels (e.g. cost allocation)

    @property
    def namespace(self) -> str:
        return f"team-{self.team}"

    def problems(self) -> list[str]:
        out = []
        if not _KEY.match(self.team):
            out.append(f"team {self.team!r} must be a lowercase DNS label of at most 42 characters")
        if self.role not in ROLES:
            out.append(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.gpu_quota < 0:
            out.append("gpu_quota must not be negative")
        for i, s in enumerate(self.subjects):
            kind, subject_name = s.get("kind"), s.get("name")
            if kind not in SUBJECT_KINDS or not subject_name:
                out.append(f"subjects[{i}] needs kind in {SUBJECT_KINDS} and a name")
            elif kind == "ServiceAccount" and not s.get("namespace"):
                out.append(f"subjects[{i}]: a ServiceAccount subject needs its namespace")
        return out


def default_cpu_quota(gpus: int) -> str:
    return str(8 + 24 * gpus)


def default_memory_quota(gpus: int) -> str:
    return f"{32 + 96 * gpus}Gi"


def _quantity_times_two(q: str) -> str:
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", q)
    return f"{int(m.group(1)) * 2}{m.group(2)}" if m else q


class TeamNamespace(pulumi.ComponentResource):
    """A team's namespace: Namespace, Role, RoleBinding, ResourceQuota, LimitRange, NetworkPolicies."""

    def __init__(self, name: str, args: TeamNamespaceArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        if problems := args.problems():
            raise ValueError(f"TeamNamespace {name!r}: " + "; ".join(problems))
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)

        def lbl(component: str) -> dict[str, str]:
            return labels(a.namespace, a.team, component, extra={"llmops.io/team": a.team})

        self.namespace = core.Namespace(
            f"{name}-ns",
            metadata=metadata(a.namespace,
                              {**a.labels, **lbl("namespace"), **pod_security_labels("restricted")}),
            opts=child)
        ns = self.namespace.metadata.name  # every child waits for the namespace

        role_name = f"team-{a.role}"
        self.role = rbac.Role(
            f"{name}-role", metadata=metadata(role_name, lbl("rbac"), ns),
            rules=[rbac.PolicyRuleArgs(api_groups=r["apiGroups"], resources=r["resources"], verbs=r["verbs"])
                   for r in role_rules(a.role)],
            opts=child)
        self.role_binding = rbac.RoleBinding(
            f"{name}-rolebinding", metadata=metadata(role_name, lbl("rbac"), ns),
            role_ref=rbac.RoleRefArgs(api_group=RBAC_GROUP, kind="Role", name=self.role.metadata.name),
            subjects=[rbac.SubjectArgs(kind=s["kind"], name=s["name"], api_group=s.get("apiGroup"),
                                              namespace=s.get("namespace")) for s in a.subjects],
            opts=child)

        cpu = a.cpu_quota or default_cpu_quota(a.gpu_quota)
        memory = a.memory_quota or default_memory_quota(a.gpu_quota)
        self.quota = core.ResourceQuota(
            f"{name}-quota", metadata=metadata("team-quota", lbl("quota"), ns),
            spec=core.ResourceQuotaSpecArgs(hard={
                # Extended resources can only be quota'd on requests (they are never overcommitted).
                f"requests.{GPU_RESOURCE}": str(a.gpu_quota),
                "requests.cpu": cpu, "limits.cpu": _quantity_times_two(cpu),
                "requests.memory": memory, "limits.memory": _quantity_times_two(memory),
                "pods": str(a.pods_quota), "persistentvolumeclaims": str(a.pvc_quota),
                "services.loadbalancers": "0", "services.nodeports": "0",
            }),
            opts=child)
        self.limit_range = core.LimitRange(
            f"{name}-limits", metadata=metadata("team-defaults", lbl("quota"), ns),
            spec=core.LimitRangeSpecArgs(limits=[core.LimitRangeItemArgs(
                type="Container",
                default_request={"cpu": "100m", "memory": "256Mi"},
                default={"cpu": "1", "memory": "1Gi"})]),
            opts=child)

        everything = metav1.LabelSelectorArgs()
        self.network_policies = [
            net.NetworkPolicy(
                f"{name}-default-deny", metadata=metadata("default-deny", lbl("network-policy"), ns),
                spec=net.NetworkPolicySpecArgs(pod_selector=everything,
                                                             policy_types=["Ingress", "Egress"]),
                opts=child),
            net.NetworkPolicy(
                f"{name}-allow-dns", metadata=metadata("allow-dns", lbl("network-policy"), ns),
                spec=net.NetworkPolicySpecArgs(
                    pod_selector=everything, policy_types=["Egress"],
                    egress=[net.NetworkPolicyEgressRuleArgs(
                        to=[
                            # CoreDNS / kube-dns carry k8s-app=kube-dns on EKS, GKE and AKS.
                            net.NetworkPolicyPeerArgs(
                                namespace_selector=metav1.LabelSelectorArgs(
                                    match_labels={NAMESPACE_NAME_LABEL: "kube-system"}),
                                pod_selector=metav1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"})),
                            # NodeLocal DNSCache answers on this link-local address where it is enabled.
                            net.NetworkPolicyPeerArgs(
                                ip_block=net.IPBlockArgs(cidr="169.254.20.10/32")),
                        ],
                        ports=[net.NetworkPolicyPortArgs(port=53, protocol="UDP"),
                               net.NetworkPolicyPortArgs(port=53, protocol="TCP")])]),
                opts=child),
            net.NetworkPolicy(
                f"{name}-allow-namespace",
                metadata=metadata("allow-namespace-and-ingress", lbl("network-policy"), ns),
                spec=net.NetworkPolicySpecArgs(
                    pod_selector=everything, policy_types=["Ingress", "Egress"],
                    ingress=[net.NetworkPolicyIngressRuleArgs(
                        from_=[namespace_peer(a.namespace), namespace_peer(INGRESS_NAMESPACE)])],
                    egress=[net.NetworkPolicyEgressRuleArgs(
                        to=[namespace_peer(a.namespace), namespace_peer(INGRESS_NAMESPACE)])]),
                opts=child),
        ]
        self.namespace_name = a.namespace
        self.register_outputs({"namespace": a.namespace, "role": role_name, "gpuQuota": a.gpu_quota})
