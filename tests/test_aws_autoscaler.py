"""The EKS Cluster Autoscaler (components/aws/autoscaler.py + components/k8s/autoscaler.py), on the recorded
plans of aws-dev and aws-prod: the Pod Identity role and its policy, the ASG discovery tags of every node
group, and the in-cluster objects. Schema validation and checkov over the whole plan run in test_aws_zone.
"""

from __future__ import annotations

import json
import re

import pytest

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.aws import names
from llmops_landing_zone.components.aws.autoscaler import DISCOVERY_ACTIONS, SCALE_DOWN, SCALING_ACTIONS
from llmops_landing_zone.components.aws.cluster import SYSTEM_LABEL
from llmops_landing_zone.components.aws.gpu_pool import CA_ENABLED, discovery_tags, owner_tag
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.k8s import autoscaler as k8s_autoscaler
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.mocks import ACCOUNT_ID

REGION = "us-east-1"
CLUSTER = "acme-llm"
ROLE = names.AUTOSCALER_ROLE.render("acme-llm")
RBAC = "kubernetes:rbac.authorization.k8s.io/v1"


@pytest.fixture(scope="module")
def stacks() -> dict[str, tuple[ZoneConfig, Plan]]:
    out = {}
    for env in ("dev", "prod"):
        _, _, cfg = offline.load(f"aws-{env}")
        out[env] = (cfg, offline.plan(f"aws-{env}"))
    return out


def k8s_object(plan: Plan, kind: str) -> PlannedResource:
    """The autoscaler's object of one kind (every one is named cluster-autoscaler)."""
    found = [r for r in plan.resources if r.type.startswith("kubernetes:") and r.type.endswith(f":{kind}")
             and r.inputs["metadata"]["name"] == k8s_autoscaler.APP]
    assert len(found) == 1, (kind, [r.name for r in found])
    return found[0]


def pod_spec(plan: Plan) -> dict:
    return k8s_object(plan, "Deployment").inputs["spec"]["template"]["spec"]


def container(plan: Plan) -> dict:
    (c,) = pod_spec(plan)["containers"]
    return c


def flag(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def minutes(duration: str) -> float:
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert m and duration
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 60 + mi + s / 60


# --- components and wiring ----------------------------------------------------------------------------------


def test_one_autoscaler_per_zone_with_its_kubernetes_part(stacks: dict) -> None:
    for _, plan in stacks.values():
        (aws_part,) = plan.of_type("llmops:aws:ClusterAutoscaler")
        (k8s_part,) = plan.of_type("llmops:k8s:ClusterAutoscaler")
        assert aws_part.parent == plan.one("llmops:index:LandingZone").urn
        assert k8s_part.parent == aws_part.urn
        kinds = {r.type.rsplit(":", 1)[-1] for r in plan.resources if r.parent == k8s_part.urn}
        assert kinds == {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
                         "Deployment", "PodDisruptionBudget", "NetworkPolicy"}
        for r in plan.resources:
            if r.parent == k8s_part.urn:
                meta = r.inputs["metadata"]
                assert meta["name"] == "cluster-autoscaler"
                assert meta.get("namespace", "kube-system") == "kube-system"  # cluster-scoped: no namespace


def test_it_starts_after_the_node_groups_and_the_pod_identity_association(stacks: dict) -> None:
    for _, plan in stacks.values():
        k8s_part = plan.one("llmops:k8s:ClusterAutoscaler")
        assoc = plan.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", ROLE)
        groups = {r.urn for r in plan.of_type("aws:eks/nodeGroup:NodeGroup")}
        assert groups | {assoc.urn} <= set(k8s_part.dependencies)
        # the pods themselves wait for the association: its webhook only mutates pods created after it
        assert assoc.urn in k8s_object(plan, "Deployment").dependencies


# --- IAM ----------------------------------------------------------------------------------------------------


def test_role_is_assumable_only_by_pod_identity_of_this_cluster(stacks: dict) -> None:
    for _, plan in stacks.values():
        role = plan.one("aws:iam/role:Role", ROLE).inputs
        assert role["name"] == ROLE
        (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert set(trust["Action"]) == {"sts:AssumeRole", "sts:TagSession"}
        assert trust["Condition"] == {
            "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
            "ArnEquals": {"aws:SourceArn": f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/{CLUSTER}"},
        }


def test_policy_is_the_readme_least_privilege_set_with_scaling_bound_to_owned_groups(stacks: dict) -> None:
    for _, plan in stacks.values():
        doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", ROLE).inputs["policy"])
        stmts = {s["Sid"]: s for s in doc["Statement"]}
        assert set(stmts) == {"DiscoverNodeGroups", "ReadManagedNodeGroups", "ScaleClusterNodeGroups"}
        assert all(s["Effect"] == "Allow" for s in stmts.values())
        discover = stmts["DiscoverNodeGroups"]
        assert set(discover["Action"]) == set(DISCOVERY_ACTIONS) and discover["Resource"] == "*"
        assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in discover["Action"])
        assert "Condition" not in discover
        read = stmts["ReadManagedNodeGroups"]
        assert read["Action"] == "eks:DescribeNodegroup"
        assert read["Resource"] == f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:nodegroup/{CLUSTER}/*"
        scale = stmts["ScaleClusterNodeGroups"]
        assert set(scale["Action"]) == set(SCALING_ACTIONS) == {
            "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
        assert scale["Condition"] == {
            "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}}
        # every mutating action is conditioned on the ownership tag
        mutating = [a for s in stmts.values() for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                         else s["Action"])
                    if not a.split(":")[1].startswith(("Describe", "Get"))]
        assert set(mutating) == set(SCALING_ACTIONS)


def test_pod_identity_binds_the_role_to_the_autoscaler_service_account(stacks: dict) -> None:
    for _, plan in stacks.values():
        assoc = plan.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", ROLE)
        assert {k: v for k, v in assoc.inputs.items() if k != "tags"} == {
            "clusterName": CLUSTER, "namespace": "kube-system", "serviceAccount": "cluster-autoscaler",
            "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE}",
        }
        assert plan.one("aws:iam/rolePolicy:RolePolicy", ROLE).urn in assoc.dependencies
        sa = k8s_object(plan, "ServiceAccount").inputs
        assert sa["metadata"]["namespace"] == "kube-system"
        assert not (sa["metadata"].get("annotations") or {})  # Pod Identity needs no IRSA annotation
        assert sa.get("automountServiceAccountToken") is not False  # a controller needs its API token
        assert pod_spec(plan)["serviceAccountName"] == "cluster-autoscaler"


# --- ASG tags -----------------------------------------------------------------------------------------------


def _asg_tags(plan: Plan, group: PlannedResource) -> dict[str, str]:
    return {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in plan.of_type("aws:autoscaling/tag:Tag")
            if group.urn in t.dependencies}


def test_every_node_group_asg_carries_the_discovery_tags(stacks: dict) -> None:
    for cfg, plan in stacks.values():
        groups = plan.of_type("aws:eks/nodeGroup:NodeGroup")
        gpu = {names.NODE_GROUP.render(cfg.name, k) for k in sizing.effective_pools(cfg)}
        assert {g.name for g in groups} == gpu | {"acme-llm-system"}
        for g in groups:
            tags = _asg_tags(plan, g)
            assert discovery_tags(CLUSTER).items() <= tags.items(), g.name
            assert tags[CA_ENABLED] == "true" and tags[owner_tag(CLUSTER)] == "owned"
        # the system group scales between count and maxCount (no scale-from-zero template needed)
        system = plan.one("aws:eks/nodeGroup:NodeGroup", "acme-llm-system")
        assert _asg_tags(plan, system) == discovery_tags(CLUSTER)


def test_discovery_flag_iam_condition_and_asg_tags_name_the_same_keys(stacks: dict) -> None:
    for _, plan in stacks.values():
        spec = flag(container(plan)["args"], "node-group-auto-discovery")
        assert spec == f"asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/{CLUSTER}"
        keys = spec.removeprefix("asg:tag=").split(",")
        assert set(keys) == set(discovery_tags(CLUSTER))
        doc = json.loads(plan.one("aws:iam/rolePolicy:RolePolicy", ROLE).inputs["policy"])
        (cond,) = [s["Condition"]["StringEquals"] for s in doc["Statement"] if "Condition" in s]
        assert cond == {f"aws:ResourceTag/{owner_tag(CLUSTER)}": discovery_tags(CLUSTER)[owner_tag(CLUSTER)]}


# --- the Deployment -----------------------------------------------------------------------------------------


def test_image_follows_the_control_plane_minor(stacks: dict) -> None:
    for cfg, plan in stacks.values():
        image = container(plan)["image"]
        repo, tag = image.rsplit(":", 1)
        assert repo == "registry.k8s.io/autoscaling/cluster-autoscaler"
        assert re.fullmatch(rf"v{re.escape(cfg.cluster.kubernetes_version)}\.\d+", tag), image
        assert container(plan)["imagePullPolicy"] == "Always"  # tag only: re-checked on every start
        labels = k8s_object(plan, "Deployment").inputs["metadata"]["labels"]
        assert labels["app.kubernetes.io/version"] == tag


def test_args_for_aws_and_gpu_cost(stacks: dict) -> None:
    dev, prod = stacks["dev"][1], stacks["prod"][1]
    for plan in (dev, prod):
        args = container(plan)["args"]
        assert container(plan)["command"] == ["/cluster-autoscaler"]
        assert {"--cloud-provider=aws", "--balance-similar-node-groups",
                "--skip-nodes-with-system-pods=false", "--expander=least-waste",
                f"--address=:{k8s_autoscaler.PORT}"} <= set(args)
        assert not [a for a in args if a.startswith("--nodes=")]  # discovery only (aws README)
    dev_idle = minutes(flag(container(dev)["args"], "scale-down-unneeded-time"))
    prod_idle = minutes(flag(container(prod)["args"], "scale-down-unneeded-time"))
    assert dev_idle < prod_idle  # idle GPU nodes go sooner in dev
    assert flag(container(dev)["args"], "scale-down-unneeded-time") == SCALE_DOWN["dev"][0]
    assert flag(container(prod)["args"], "scale-down-unneeded-time") == SCALE_DOWN["prod"][0]
    assert k8s_object(dev, "Deployment").inputs["spec"]["replicas"] == 1
    assert k8s_object(prod, "Deployment").inputs["spec"]["replicas"] == 2


def test_region_from_env_and_no_static_credentials(stacks: dict) -> None:
    for _, plan in stacks.values():
        env = {e["name"]: e.get("value") for e in container(plan).get("env") or []}
        assert env == {"AWS_REGION": REGION}
        assert not pod_spec(plan).get("volumes")  # no host paths, no mounted keys


def test_pod_is_hardened_and_guaranteed(stacks: dict) -> None:
    for _, plan in stacks.values():
        spec, c = pod_spec(plan), container(plan)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 10000
        assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["privileged"] is False and sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        res = c["resources"]
        assert res["requests"] == res["limits"] and set(res["requests"]) == {"cpu", "memory"}
        assert not {"hostNetwork", "hostPID", "hostIPC"} & set(spec)


def test_probes_hit_the_health_port(stacks: dict) -> None:
    for _, plan in stacks.values():
        c = container(plan)
        (port,) = c["ports"]
        assert port == {"name": "http", "containerPort": k8s_autoscaler.PORT, "protocol": "TCP"}
        for probe in ("livenessProbe", "readinessProbe"):
            assert c[probe]["httpGet"] == {"path": "/health-check", "port": "http"}


def test_runs_on_the_system_node_group_as_a_critical_pod(stacks: dict) -> None:
    for _, plan in stacks.values():
        spec = pod_spec(plan)
        system = plan.one("aws:eks/nodeGroup:NodeGroup", "acme-llm-system").inputs
        # derived from what the system node group sets: its labels, and no taints to tolerate
        assert spec["nodeSelector"] == system["labels"] == SYSTEM_LABEL
        assert "taints" not in system and not spec.get("tolerations")
        assert spec["priorityClassName"] == "system-cluster-critical"
        template = k8s_object(plan, "Deployment").inputs["spec"]["template"]["metadata"]
        assert template["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"] == "false"
        # never on a GPU node: the selector matches no GPU pool's labels
        for g in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
            if g.name != "acme-llm-system":
                assert not SYSTEM_LABEL.items() <= (g.inputs.get("labels") or {}).items()


# --- RBAC ---------------------------------------------------------------------------------------------------


def _rules(r: PlannedResource) -> list[dict]:
    return [{k: v for k, v in rule.items()} for rule in r.inputs["rules"]]


def test_cluster_role_is_upstreams_without_wildcards_or_secrets(stacks: dict) -> None:
    for _, plan in stacks.values():
        rules = _rules(k8s_object(plan, "ClusterRole"))
        assert rules == k8s_autoscaler.CLUSTER_RULES
        for rule in rules:
            assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
            assert "secrets" not in rule["resources"]
            assert not {"bind", "escalate", "impersonate"} & set(rule["verbs"])
        writes = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]
                  if set(rule["verbs"]) - {"get", "list", "watch"}}
        assert writes == {("", "events"), ("", "endpoints"), ("", "pods/eviction"), ("", "pods/status"),
                          ("", "nodes"), ("batch", "jobs"), ("extensions", "jobs")}
        # Leases sit in the namespaced Role, not cluster-wide
        assert not [r for r in rules if "leases" in r["resources"]]


def test_bindings_name_the_service_account_and_never_cluster_admin(stacks: dict) -> None:
    subject = [{"kind": "ServiceAccount", "name": "cluster-autoscaler", "namespace": "kube-system"}]
    for _, plan in stacks.values():
        crb = k8s_object(plan, "ClusterRoleBinding").inputs
        assert crb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "cluster-autoscaler"}
        assert crb["subjects"] == subject
        rb = k8s_object(plan, "RoleBinding").inputs
        assert rb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                 "name": "cluster-autoscaler"}
        assert rb["subjects"] == subject and rb["metadata"]["namespace"] == "kube-system"
        assert not [b for b in plan.of_type(f"{RBAC}:ClusterRoleBinding")
                    if b.inputs["roleRef"]["name"] == "cluster-admin"]


def test_role_covers_status_configmaps_and_the_leader_lease(stacks: dict) -> None:
    for _, plan in stacks.values():
        role = k8s_object(plan, "Role").inputs
        assert role["metadata"]["namespace"] == "kube-system"
        rules = role["rules"]
        assert rules == k8s_autoscaler.NAMESPACE_RULES
        named = {(rule["resources"][0], n) for rule in rules for n in rule.get("resourceNames", [])}
        assert named == {("configmaps", "cluster-autoscaler-status"),
                         ("configmaps", "cluster-autoscaler-priority-expander"),
                         ("leases", "cluster-autoscaler")}


# --- disruption and network ---------------------------------------------------------------------------------


def test_pdb_and_network_policy_select_the_autoscaler_pods(stacks: dict) -> None:
    for _, plan in stacks.values():
        pod_labels = k8s_object(plan, "Deployment").inputs["spec"]["template"]["metadata"]["labels"]
        pdb = k8s_object(plan, "PodDisruptionBudget").inputs["spec"]
        assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
        assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()
        np = k8s_object(plan, "NetworkPolicy").inputs["spec"]
        assert np["podSelector"]["matchLabels"].items() <= pod_labels.items()
        assert set(np["policyTypes"]) == {"Ingress", "Egress"}
        (ingress,) = np["ingress"]
        assert ingress["ports"] == [{"port": k8s_autoscaler.PORT, "protocol": "TCP"}]
        egress_ports = {(p["port"], p["protocol"]) for rule in np["egress"] for p in rule["ports"]}
        assert egress_ports == {(53, "UDP"), (53, "TCP"), (80, "TCP"), (443, "TCP")}
        agent = next(rule for rule in np["egress"] if rule["ports"][0]["port"] == 80)
        assert {p["ipBlock"]["cidr"] for p in agent["to"]} == {"169.254.170.23/32", "fd00:ec2::23/128"}


# --- other configs ------------------------------------------------------------------------------------------


def test_zone_without_gpu_pools_still_autoscales_its_system_nodes() -> None:
    from llmops_landing_zone.components.config import parse_zone

    cfg = parse_zone({"name": "mini", "cloud": "aws", "environment": "staging",
                      "network": {"cidr": "10.60.0.0/16", "zones": 1},
                      "cluster": {"kubernetesVersion": "1.33"}}, {"aws:region": "eu-west-1"})
    plan = offline.plan_config(cfg)
    assert not plan.of_type("llmops:aws:GpuPool")
    tags = {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in plan.of_type("aws:autoscaling/tag:Tag")}
    assert tags == discovery_tags("mini")
    args = container(plan)["args"]
    assert flag(args, "node-group-auto-discovery") == (
        "asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/mini")
    assert flag(args, "scale-down-unneeded-time") == SCALE_DOWN["staging"][0]
    assert container(plan)["image"].endswith(f":{images.CLUSTER_AUTOSCALER_TAGS['1.33'][0]}")
    assert container(plan)["env"] == [{"name": "AWS_REGION", "value": "eu-west-1"}]


def test_every_recorded_release_line_matches_its_minor() -> None:
    assert images.CLUSTER_AUTOSCALER_TAGS, "no release recorded"
    for minor, (tag, source) in images.CLUSTER_AUTOSCALER_TAGS.items():
        assert re.fullmatch(rf"v{re.escape(minor)}\.\d+", tag), (minor, tag)
        assert source
        img = images.cluster_autoscaler(f"{minor}.7")
        assert img.ref == f"{images.CLUSTER_AUTOSCALER_REPOSITORY}:{tag}" and img.digest is None
    # the versions the config accepts today and the stacks use are covered
    assert {"1.31"} <= set(images.CLUSTER_AUTOSCALER_TAGS)
    assert images.kubernetes_minor("v1.31.4-eks-a1b2") == "1.31"


def test_an_unrecorded_minor_is_refused_with_a_pointer_to_the_mapping() -> None:
    with pytest.raises(ValueError, match=r"Kubernetes 1\.99.*components/k8s/images\.py"):
        images.cluster_autoscaler("1.99")
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        images.kubernetes_minor("latest")


@pytest.mark.parametrize(("change", "message"), [
    ({"expander": "cheapest"}, "expander"),
    ({"scale_down_unneeded_time": "ten minutes"}, "scale_down_unneeded_time"),
    ({"replicas": 0}, "replicas"),
    ({"node_selector": {}}, "node_selector"),
    ({"node_group_discovery": []}, "node_group_discovery"),
    ({"kubernetes_version": "1.99"}, "Kubernetes 1.99"),
    ({"env": {"AWS-REGION": "x"}}, "env name"),
])
def test_bad_autoscaler_args_are_refused(change: dict, message: str) -> None:
    base = {"cloud_provider": "aws", "kubernetes_version": "1.31", "node_group_discovery": ["asg:tag=a,b"],
            "node_selector": {"llmops.io/role": "system"}}
    args = k8s_autoscaler.ClusterAutoscalerArgs(**{**base, **change})
    assert any(message in p for p in args.problems()), args.problems()
    assert k8s_autoscaler.ClusterAutoscalerArgs(**base).problems() == []
