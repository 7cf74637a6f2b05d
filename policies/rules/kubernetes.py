"""Kubernetes objects of the zone: pod security, serving exposure, RBAC, team namespaces (quota, isolation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import PROD, Context, Resource, Stack, cis, resource_rule, stack_rule
from llmops_landing_zone.policies.values import UNKNOWN, get, is_false, is_true, is_unknown, listed, not_true

GPU = "nvidia.com/gpu"
SERVING_CONFIG = {"servingNamespaces": {"type": "array", "items": {"type": "string"}, "default": ["llm-serving"],
                                        "description": "namespaces that run model servers"}}
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")


def pod_spec(r: Resource) -> dict[str, Any] | None:
    """The pod spec of a workload (Pod: spec; controllers: spec.template.spec; CronJob not covered)."""
    spec = get(r.props, "spec") if r.type == t.K8S_POD else get(r.props, "spec.template.spec")
    return spec if isinstance(spec, dict) else None


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for key in ("initContainers", "containers") for c in listed(spec.get(key) or [])
            if isinstance(c, dict)]


def namespace(r: Resource) -> Any:
    return get(r.props, "metadata.namespace", "default")


def is_serving(r: Resource, ctx: Context) -> bool:
    ns = namespace(r)
    return is_unknown(ns) or ns in ctx.config.get("servingNamespaces", ["llm-serving"])


@resource_rule(
    name="k8s-no-privileged-containers", scope="kubernetes", types=t.K8S_WORKLOADS, severity="critical",
    description="No container runs privileged or escalates privileges, and no pod shares the node's network, "
                "PID or IPC namespace.",
    remediation="Set securityContext.privileged=false and allowPrivilegeEscalation=false on every container "
                "and leave hostNetwork/hostPID/hostIPC unset (components.k8s.meta.restricted_container_security).",
    properties=("spec.template.spec.containers.0.securityContext.privileged",
                "spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation",
                "spec.template.spec.hostNetwork", "spec.template.spec.hostPID", "spec.template.spec.hostIPC"))
def k8s_no_privileged(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None:
        return
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if is_true(spec.get(key)):
            yield f"{key} is true"
    for c in containers(spec):
        sc = c.get("securityContext") or {}
        if is_unknown(sc):
            continue
        if is_true(get(sc, "privileged")):
            yield f"container {c.get('name')} is privileged"
        if not_true(_negated(get(sc, "allowPrivilegeEscalation"))):
            yield f"container {c.get('name')} may escalate privileges (allowPrivilegeEscalation is not false)"


def _negated(value: Any) -> Any:
    """allowPrivilegeEscalation must be explicitly false: map false -> True, unknown stays unknown."""
    return UNKNOWN if is_unknown(value) else is_false(value)


@resource_rule(
    name="k8s-serving-pods-restricted", scope="kubernetes", types=t.K8S_WORKLOADS, severity="high",
    description="Model-serving pods meet the 'restricted' Pod Security Standard: non-root, all capabilities "
                "dropped, RuntimeDefault seccomp, no host paths.",
    remediation="Use components.k8s.meta.restricted_pod_security() and restricted_container_security(); keep "
                "model files on emptyDir or a PVC, never hostPath.",
    config=SERVING_CONFIG,
    properties=("spec.template.spec.securityContext.runAsNonRoot",
                "spec.template.spec.containers.0.securityContext.capabilities.drop",
                "spec.template.spec.securityContext.seccompProfile.type", "spec.template.spec.volumes"))
def k8s_serving_restricted(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None or is_unknown(namespace(r)) or not is_serving(r, ctx):
        return
    pod_sc = spec.get("securityContext") or {}
    if is_unknown(pod_sc):
        return
    for c in containers(spec):
        sc = c.get("securityContext") or {}
        if is_unknown(sc):
            continue
        name = c.get("name")
        non_root = get(sc, "runAsNonRoot", get(pod_sc, "runAsNonRoot"))
        if not_true(non_root):
            yield f"container {name} may run as root (runAsNonRoot is not true)"
        drop = get(sc, "capabilities.drop", [])
        if not is_unknown(drop) and "ALL" not in listed(drop) and UNKNOWN not in listed(drop):
            yield f"container {name} does not drop ALL capabilities"
        added = get(sc, "capabilities.add", [])
        if not is_unknown(added) and [c for c in listed(added) if not is_unknown(c)]:
            yield f"container {name} adds capabilities"
        seccomp = get(sc, "seccompProfile.type", get(pod_sc, "seccompProfile.type"))
        if not is_unknown(seccomp) and seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"container {name} has no RuntimeDefault seccomp profile"
    for v in listed(spec.get("volumes") or []):
        if isinstance(v, dict) and v.get("hostPath") is not None:
            yield f"volume {v.get('name')} mounts a host path"


@resource_rule(
    name="k8s-serving-no-loadbalancer", scope="kubernetes", types=[t.K8S_SERVICE], severity="critical",
    description="Model servers are never exposed through a LoadBalancer or NodePort Service; traffic enters "
                "through the zone's ingress namespace.",
    remediation="Keep the serving Service type ClusterIP and publish endpoints through the ingress gateway "
                "(endpoint exposure: public only adds an ingress route).",
    config=SERVING_CONFIG, config_path="endpoints", properties=("spec.type", "metadata.namespace"))
def k8s_serving_no_lb(r: Resource, ctx: Context) -> Iterator[str]:
    kind = get(r.props, "spec.type", "ClusterIP")
    if is_unknown(kind) or kind not in ("LoadBalancer", "NodePort"):
        return
    if is_serving(r, ctx) and not is_unknown(namespace(r)):
        yield f"a {kind} Service exposes the model server directly"


INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "Internal",
    "cloud.google.com/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
}


@resource_rule(
    name="k8s-loadbalancer-internal", scope="kubernetes", types=[t.K8S_SERVICE], severity="high",
    description="LoadBalancer Services get an internal load balancer unless the stack explicitly allows a "
                "public one (config allowPublic).",
    remediation="Annotate the Service for an internal load balancer (aws-load-balancer-scheme: internal, "
                "networking.gke.io/load-balancer-type: Internal, azure-load-balancer-internal: 'true').",
    config={"allowPublic": {"type": "boolean", "default": False,
                            "description": "accept internet-facing load balancers (public endpoints)"}},
    config_path="endpoints", properties=("spec.type", "metadata.annotations"))
def k8s_lb_internal(r: Resource, ctx: Context) -> Iterator[str]:
    if get(r.props, "spec.type") != "LoadBalancer" or ctx.config.get("allowPublic"):
        return
    annotations = get(r.props, "metadata.annotations", {})
    if is_unknown(annotations) or not isinstance(annotations, dict):
        return
    if not any(str(annotations.get(k, "")).lower() == v.lower() for k, v in INTERNAL_LB_ANNOTATIONS.items()):
        yield "the LoadBalancer Service is internet-facing (no internal load-balancer annotation)"


@resource_rule(
    name="k8s-gpu-pods-tolerate-taint", scope="kubernetes", types=t.K8S_WORKLOADS, severity="medium",
    description="Pods that request GPUs tolerate the GPU taint and select their pool, so they land on (and "
                "only on) GPU nodes.",
    remediation="Derive tolerations and nodeSelector from the pool's PoolScheduling (pool.tolerations(), "
                "pool.node_selector()); never retype them.",
    config_path="endpoints",
    properties=("spec.template.spec.tolerations", "spec.template.spec.nodeSelector"))
def k8s_gpu_tolerations(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None or not _requests_gpu(spec):
        return
    tolerations = spec.get("tolerations") or []
    if not is_unknown(tolerations) and not any(
            is_unknown(x) or (isinstance(x, dict) and (x.get("key") == GPU or
                                                       (x.get("operator") == "Exists" and not x.get("key"))))
            for x in listed(tolerations)):
        yield f"requests {GPU} but does not tolerate the {GPU} taint"
    selector = spec.get("nodeSelector")
    affinity = get(spec, "affinity.nodeAffinity")
    if not selector and not affinity:
        yield f"requests {GPU} but selects no pool (no nodeSelector or node affinity)"


def _requests_gpu(spec: dict[str, Any]) -> bool:
    for c in containers(spec):
        for part in ("limits", "requests"):
            res = get(c, f"resources.{part}", {})
            if isinstance(res, dict) and GPU in res:
                return True
    return False


@resource_rule(
    name="k8s-container-resources", scope="kubernetes", types=t.K8S_WORKLOADS, severity="medium",
    enforcement=PROD,
    description="Every container sets CPU and memory requests and a memory limit; GPU containers set "
                f"{GPU} as a limit.",
    remediation="Set resources.requests {cpu, memory} and resources.limits {memory} (and nvidia.com/gpu for GPU "
                "containers, which the device plugin only honours under limits).",
    properties=("spec.template.spec.containers.0.resources.requests",
                "spec.template.spec.containers.0.resources.limits"))
def k8s_resources(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None:
        return
    for c in listed(spec.get("containers") or []):
        if not isinstance(c, dict):
            continue
        res = c.get("resources") or {}
        if is_unknown(res):
            continue
        requests, limits = res.get("requests") or {}, res.get("limits") or {}
        if is_unknown(requests) or is_unknown(limits):
            continue
        missing = [f"requests.{k}" for k in ("cpu", "memory") if k not in requests]
        missing += ["limits.memory"] if "memory" not in limits else []
        if missing:
            yield f"container {c.get('name')} sets no {', '.join(missing)}"
        if GPU in requests and GPU not in limits:
            yield f"container {c.get('name')} requests {GPU} without a limit"


@resource_rule(
    name="k8s-image-pinned", scope="kubernetes", types=t.K8S_WORKLOADS, severity="medium",
    description="Container images are pinned to a version tag or digest, never ':latest' or untagged.",
    remediation="Reference images through components.k8s.images (repository:tag@sha256:digest).",
    properties=("spec.template.spec.containers.0.image",))
def k8s_image_pinned(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None:
        return
    for c in containers(spec):
        image = c.get("image")
        if not isinstance(image, str) or is_unknown(image) or "@sha256:" in image:
            continue
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            yield f"container {c.get('name')} uses an unpinned image ({image})"


@resource_rule(
    name="k8s-serving-service-account", scope="kubernetes", types=t.K8S_WORKLOADS, severity="medium",
    framework=cis("eks", "5.2.1"),
    description="Model servers run as their own ServiceAccount (the one the cloud's workload identity trusts) "
                "and do not mount a Kubernetes API token.",
    remediation="Set serviceAccountName to the endpoint's ServiceAccount and automountServiceAccountToken=false.",
    config=SERVING_CONFIG,
    properties=("spec.template.spec.serviceAccountName", "spec.template.spec.automountServiceAccountToken"))
def k8s_serving_sa(r: Resource, ctx: Context) -> Iterator[str]:
    spec = pod_spec(r)
    if spec is None or is_unknown(namespace(r)) or not is_serving(r, ctx):
        return
    sa = spec.get("serviceAccountName")
    if not is_unknown(sa) and sa in (None, "", "default"):
        yield "runs as the namespace's default ServiceAccount"
    if not_true(_negated(spec.get("automountServiceAccountToken"))):
        yield "mounts a Kubernetes API token (automountServiceAccountToken is not false)"


@resource_rule(
    name="k8s-rbac-no-wildcards", scope="kubernetes", types=t.K8S_ROLES, severity="high",
    framework=cis("eks", "4.1.3"),
    description="Roles and ClusterRoles name their verbs and resources; no '*' wildcards.",
    remediation="List the verbs and resources the role needs (team roles come from components.k8s).",
    properties=("rules",))
def k8s_rbac_wildcards(r: Resource, ctx: Context) -> Iterator[str]:
    if get(r.props, "aggregationRule") is not None:
        return
    for i, rule in enumerate(listed(get(r.props, "rules", []))):
        if not isinstance(rule, dict):
            continue
        for key in ("verbs", "resources"):  # apiGroups '*' with named resources names no new power
            if "*" in listed(rule.get(key)):
                yield f"rules[{i}].{key} contains '*'"


# --- stack rules ---------------------------------------------------------------------------------------------

def _ns_name(r: Resource) -> Any:
    return get(r.props, "metadata.name")


def _in_namespace(obj: Resource, ns: Resource) -> bool:
    """An object lives in ``ns`` by name, or (name unknown during preview) by depending on it."""
    name = _ns_name(ns)
    target = namespace(obj)
    if not is_unknown(target) and not is_unknown(name) and name is not None:
        return target == name
    return ns.urn in obj.dependencies


ADMIN_ROLES = ("cluster-admin",)
EKS_CLUSTER_ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# The zone's own deploy runner (components/aws/runner.py) is the deployer of the in-cluster layer, as the cluster
# creator is (EKS grants the creator admin itself): its grant is the deploy path, not a person's standing access.
DEPLOY_RUNNER_PARENT = "$llmops:aws:DeployRunner$"


@stack_rule(
    name="k8s-no-cluster-admin-binding", scope="kubernetes",
    types=[t.K8S_CLUSTER_ROLE_BINDING, t.K8S_ROLE_BINDING, t.EKS_ACCESS_POLICY], severity="critical",
    framework=cis("eks", "4.1.1"),
    description="Nobody is bound to cluster-admin (ClusterRoleBinding, RoleBinding or the EKS "
                "AmazonEKSClusterAdminPolicy access policy), except subjects the stack allow-lists and the "
                "zone's own deploy runner (the in-cluster layer's deployer).",
    remediation="Bind teams to their namespace role (teams.<team>.role: admin is namespace-admin); keep "
                "cluster-wide admin to break-glass principals listed in the policy config allowedSubjects.",
    config={"allowedSubjects": {"type": "array", "items": {"type": "string"}, "default": [],
                                "description": "subject names / principal ARNs that may hold cluster-admin"}},
    config_path="teams", properties=("roleRef.name", "subjects", "policyArn", "accessScope.type"))
def k8s_no_cluster_admin(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    allowed = set(ctx.config.get("allowedSubjects") or [])
    for rb in stack.of_type(t.K8S_CLUSTER_ROLE_BINDING, t.K8S_ROLE_BINDING):
        role = get(rb.props, "roleRef.name")
        if is_unknown(role) or role not in ADMIN_ROLES or get(rb.props, "roleRef.kind") != "ClusterRole":
            continue
        subjects = [s for s in listed(get(rb.props, "subjects", [])) if isinstance(s, dict)]
        names = [str(get(s, "name")) for s in subjects if not is_unknown(get(s, "name"))]
        offenders = [n for n in names if n not in allowed]
        if offenders or not subjects:
            yield f"binds {', '.join(offenders) or 'subjects'} to cluster-admin", rb.urn
    for assoc in stack.of_type(t.EKS_ACCESS_POLICY):
        if get(assoc.props, "policyArn") != EKS_CLUSTER_ADMIN or DEPLOY_RUNNER_PARENT in assoc.urn:
            continue
        principal = get(assoc.props, "principalArn")
        if is_unknown(principal) or principal in allowed:
            continue
        if get(assoc.props, "accessScope.type") in ("cluster", None):
            yield f"grants {principal} AmazonEKSClusterAdminPolicy on the whole cluster", assoc.urn


def team_namespaces(stack: Stack) -> list[Resource]:
    """Namespaces people work in: those with a RoleBinding to a User or Group subject."""
    out = []
    bindings = stack.of_type(t.K8S_ROLE_BINDING)
    for ns in stack.of_type(t.K8S_NAMESPACE):
        name = _ns_name(ns)
        if not is_unknown(name) and name in SYSTEM_NAMESPACES:
            continue
        for rb in bindings:
            kinds = {get(s, "kind") for s in listed(get(rb.props, "subjects", [])) if isinstance(s, dict)}
            if kinds & {"User", "Group"} and _in_namespace(rb, ns):
                out.append(ns)
                break
    return out


@stack_rule(
    name="k8s-team-gpu-quota", scope="kubernetes", types=[t.K8S_NAMESPACE, t.K8S_RESOURCE_QUOTA],
    severity="high", enforcement=PROD,
    description="Every team namespace has a ResourceQuota capping GPU requests (requests.nvidia.com/gpu).",
    remediation="Set teams.<team>.gpuQuota (the TeamNamespace component creates the quota); 0 forbids GPUs.",
    config_path="teams", properties=("spec.hard",))
def k8s_team_gpu_quota(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    quotas = stack.of_type(t.K8S_RESOURCE_QUOTA)
    for ns in team_namespaces(stack):
        hard = [get(q.props, "spec.hard", {}) for q in quotas if _in_namespace(q, ns)]
        if any(is_unknown(h) or (isinstance(h, dict) and (f"requests.{GPU}" in h or f"limits.{GPU}" in h))
               for h in hard):
            continue
        yield f"team namespace {_ns_name(ns)} has no GPU quota (requests.{GPU})", ns.urn


@stack_rule(
    name="k8s-namespace-default-deny", scope="kubernetes", types=[t.K8S_NAMESPACE, t.K8S_NETWORK_POLICY],
    severity="high",
    description="Team namespaces start from a default-deny ingress NetworkPolicy; allowed traffic is opened by "
                "explicit policies.",
    remediation="Add a NetworkPolicy with podSelector {} and policyTypes [Ingress] (and Egress) and no rules "
                "(the TeamNamespace component does).",
    config_path="teams", properties=("spec.podSelector", "spec.policyTypes", "spec.ingress"))
def k8s_default_deny(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    policies = stack.of_type(t.K8S_NETWORK_POLICY)
    for ns in team_namespaces(stack):
        if not any(_denies_all(p) for p in policies if _in_namespace(p, ns)):
            yield f"namespace {_ns_name(ns)} has no default-deny ingress NetworkPolicy", ns.urn


def _labels_match(selector: Any, labels: Any) -> bool:
    """A LabelSelector (matchLabels only; matchExpressions count as matching) selects pods with ``labels``."""
    if is_unknown(selector) or is_unknown(labels):
        return True
    match = get(selector, "matchLabels", {}) or {}
    if is_unknown(match) or get(selector, "matchExpressions"):
        return True
    labels = labels if isinstance(labels, dict) else {}
    return all(labels.get(k) == v for k, v in match.items())


@stack_rule(
    name="k8s-serving-ingress-restricted", scope="kubernetes", types=[*t.K8S_WORKLOADS, t.K8S_NETWORK_POLICY],
    severity="high", config=SERVING_CONFIG,
    description="Every model server's pods are selected by an ingress NetworkPolicy, so only the namespaces "
                "allowed to call the model (its own, the ingress gateway) can reach it.",
    remediation="Create the endpoint with VllmEndpoint (its NetworkPolicy admits the serving and ingress "
                "namespaces only), or add a default-deny policy to the serving namespace.",
    config_path="endpoints", properties=("spec.podSelector", "spec.policyTypes"))
def k8s_serving_ingress(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    serving = set(ctx.config.get("servingNamespaces", ["llm-serving"]))
    policies = [p for p in stack.of_type(t.K8S_NETWORK_POLICY)
                if is_unknown(get(p.props, "spec.policyTypes")) or
                "Ingress" in listed(get(p.props, "spec.policyTypes", ["Ingress"]))]
    for w in stack.of_type(*t.K8S_WORKLOADS):
        ns = namespace(w)
        if is_unknown(ns) or ns not in serving or pod_spec(w) is None:
            continue
        labels = get(w.props, "spec.template.metadata.labels", {})
        if not any(namespace(p) in (ns, UNKNOWN) and _labels_match(get(p.props, "spec.podSelector", {}), labels)
                   for p in policies):
            yield "no NetworkPolicy restricts ingress to the model server's pods", w.urn


def _denies_all(policy: Resource) -> bool:
    spec = get(policy.props, "spec", {})
    if is_unknown(spec):
        return True
    selector = get(spec, "podSelector", {})
    everyone = is_unknown(selector) or not (get(selector, "matchLabels") or get(selector, "matchExpressions"))
    types = listed(get(spec, "policyTypes", ["Ingress"]))
    return everyone and ("Ingress" in types or UNKNOWN in types) and not listed(get(spec, "ingress", []))
