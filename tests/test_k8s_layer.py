"""The in-cluster layer (components/k8s): what it registers, checked on the recorded plan, by schema
(kubernetes-validate, Kubernetes 1.31) and by checkov against the committed skip list.

One program, planned once: a Kubernetes provider, ClusterAddons over a 1-GPU and an 8-GPU pool, a vLLM
endpoint on each, and a team namespace per role.
"""

from __future__ import annotations

import copy
import dataclasses
import subprocess
import sys

import pulumi
import pulumi_kubernetes as k8s
import pytest
from k8s_validation import (
    CheckovReport,
    assert_k8s_valid,
    assert_tolerations_match_taints,
    checkov_report,
    load_skips,
    schema_version,
)

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.k8s import (
    ClusterAddons,
    TeamNamespace,
    TeamNamespaceArgs,
    VllmEndpoint,
    VllmEndpointArgs,
    images,
)
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, POOL_LABEL, PoolScheduling, tolerates, tolerations_for
from llmops_landing_zone.components.k8s.team import READ, role_rules
from llmops_landing_zone.components.k8s.vllm import FROM_CHECKPOINT, vllm_args
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.components.resolve import EndpointSpec, PoolSpec, Resources
from llmops_landing_zone.llz import engine, manifests
from llmops_landing_zone.llz.mocks import MockContext
from llmops_landing_zone.llz.mocks.k8s import OUTPUTS

L4 = PoolScheduling.for_pool("aws", "l4-serving", "L4", 1, "g6.xlarge")
# GKE's taint value differs ("present"): a second cloud's pool shows the tolerations are derived, not typed.
H100 = PoolScheduling.for_pool("gcp", "h100-serving", "H100", 8, "a3-highgpu-8g",
                               extra_labels={"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"})
POOLS = [L4, H100]
# The endpoints, resolved from their pools' shapes (components/resolve.py): TP, resources and batch are sizing's.
CHAT = EndpointSpec.vllm("chat", "llama-3.1-8b", PoolSpec.of_shape("aws", "l4-serving", "g6.xlarge", 0, 4),
                         max_context=8192, concurrency=4, replicas_min=1, replicas_max=4)
BIG = EndpointSpec.vllm("big", "llama-3.1-405b", PoolSpec.of_shape("gcp", "h100-serving", "a3-highgpu-8g", 0, 2),
                        precision="fp8", max_context=16384, concurrency=16, replicas_min=0, replicas_max=2)
ROLE_ARN = "arn:aws:iam::123456789012:role/acme-llm-chat-vllm"
RBAC = "rbac.authorization.k8s.io"
TEAMS = {"research": ("developer", 4), "platform": ("admin", 8), "finance": ("viewer", 0)}
K8S_TYPES = "kubernetes:"


def chat_args() -> VllmEndpointArgs:
    return VllmEndpointArgs(
        spec=CHAT, scheduling=L4, namespace="llm-serving",
        service_account_annotations={"eks.amazonaws.com/role-arn": ROLE_ARN},
        pod_labels={"llmops.io/endpoint": "chat"}, env={"VLLM_LOGGING_LEVEL": "INFO"},
        hf_token_secret="hf-token")


def big_args() -> VllmEndpointArgs:
    return VllmEndpointArgs(
        spec=BIG, scheduling=H100, namespace="llm-serving", queue_target=4,
        model_uri="gs://acme-models/meta-llama/Llama-3.1-405B-Instruct")


def changed(args: VllmEndpointArgs, *, spec: dict | None = None, **fields: object) -> VllmEndpointArgs:
    """``args`` with some of its fields, and of its spec's, replaced."""
    return VllmEndpointArgs(**{**args.__dict__, "spec": dataclasses.replace(args.spec, **(spec or {})), **fields})


def program() -> None:
    provider = k8s.Provider("acme-k8s", kubeconfig="{}")
    addons = ClusterAddons("acme-addons", POOLS, pulumi.ResourceOptions(provider=provider))
    for args in (chat_args(), big_args()):
        assert args.namespace == addons.serving_namespace
        VllmEndpoint(f"acme-{args.spec.key}", args,
                     pulumi.ResourceOptions(provider=provider, depends_on=[addons]))
    for team, (role, gpus) in TEAMS.items():
        TeamNamespace(f"acme-{team}", TeamNamespaceArgs(
            team=team, role=role, gpu_quota=gpus,
            subjects=[{"kind": "Group", "name": f"llmops:{team}", "apiGroup": RBAC}]),
            pulumi.ResourceOptions(provider=provider))


@pytest.fixture(scope="module")
def plan() -> Plan:
    records, _ = engine.run(program, stack="k8s-test", config={}, region="us-east-1")
    return Plan(stack="k8s-test", cloud="aws", environment="dev", resources=records)


@pytest.fixture(scope="module")
def objects(plan: Plan) -> dict[str, dict]:
    return {manifests.object_id(m): m for m in manifests.manifests(plan)}


@pytest.fixture(scope="module")
def checkov(plan: Plan) -> CheckovReport:  # the one checkov run of this module
    return checkov_report(plan)


def pod(objects: dict[str, dict], oid: str) -> dict:
    return objects[oid]["spec"]["template"]["spec"]


def container(objects: dict[str, dict], oid: str) -> dict:
    (c,) = pod(objects, oid)["containers"]
    return c


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


# --- what is registered -------------------------------------------------------------------------------------
def test_types_and_counts(plan: Plan) -> None:
    counts = plan.counts()
    assert counts["llmops:k8s:ClusterAddons"] == 1
    assert counts["llmops:k8s:VllmEndpoint"] == 2
    assert counts["llmops:k8s:TeamNamespace"] == 3
    assert counts["kubernetes:core/v1:Namespace"] == 3 + 3
    assert counts["kubernetes:apps/v1:DaemonSet"] == 2
    for kind in ("apps/v1:Deployment", "autoscaling/v2:HorizontalPodAutoscaler",
                 "policy/v1:PodDisruptionBudget"):
        assert counts[f"kubernetes:{kind}"] == 2
    assert counts["kubernetes:core/v1:Service"] == 2 + 1  # endpoints + DCGM metrics
    assert counts["kubernetes:core/v1:ServiceAccount"] == 2 + 2  # endpoints + the two GPU agents
    assert counts["kubernetes:rbac.authorization.k8s.io/v1:Role"] == 3
    assert counts["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"] == 3
    assert counts["kubernetes:core/v1:ResourceQuota"] == 3 + 1  # teams + GKE critical-pods permission
    # endpoints + teams (deny, DNS, namespace) + gpu-system (deny, metrics) + llm-serving default deny
    assert counts["kubernetes:networking.k8s.io/v1:NetworkPolicy"] == 2 + 3 * 3 + 2 + 1
    assert not [t for t in counts if "ClusterRole" in t]  # never cluster-wide RBAC


def test_every_object_uses_the_given_provider_and_has_recommended_labels(plan: Plan, objects: dict) -> None:
    k8s_resources = [r for r in plan.resources if r.type.startswith(K8S_TYPES)]
    assert len(k8s_resources) == len(objects) > 30
    assert {r.provider for r in k8s_resources} == {
        "urn:pulumi:k8s-test::llmops-landing-zone::pulumi:providers:kubernetes::acme-k8s"}
    for oid, m in objects.items():
        lbls = m["metadata"]["labels"]
        assert lbls["app.kubernetes.io/part-of"] == "llmops-landing-zone", oid
        assert lbls["app.kubernetes.io/managed-by"] == "pulumi", oid
        assert lbls["app.kubernetes.io/name"], oid
        template = (m.get("spec") or {}).get("template")
        if template:
            assert template["metadata"]["labels"]["app.kubernetes.io/part-of"] == "llmops-landing-zone", oid
    # Explicit names everywhere: nothing is left to Pulumi's random auto-naming.
    assert all(m["metadata"].get("name") for m in objects.values())


def test_namespaces_and_pod_security(objects: dict) -> None:
    enforce = {oid.split(".")[2]: m["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
               for oid, m in objects.items() if m["kind"] == "Namespace"}
    assert enforce == {"gpu-system": "privileged", "llm-serving": "restricted", "ingress": "baseline",
                       **{f"team-{t}": "restricted" for t in TEAMS}}


# --- GPU node agents ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("agent", ["nvidia-device-plugin", "dcgm-exporter"])
def test_gpu_agents_run_only_on_gpu_pools(objects: dict, agent: str) -> None:
    spec = pod(objects, f"DaemonSet.gpu-system.{agent}")
    required = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    terms = required["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": POOL_LABEL, "operator": "In", "values": [p.pool]}]}
                     for p in POOLS]
    assert spec["tolerations"] == [L4.tolerations()[0], H100.tolerations()[0]]
    assert {t["value"] for t in spec["tolerations"]} == {"true", "present"}  # derived per cloud
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == agent
    c = spec["containers"][0]
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert c["securityContext"]["privileged"] is False
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["resources"]["requests"] and c["resources"]["limits"]


def test_device_plugin_and_dcgm_exporter_details(objects: dict) -> None:
    plugin = pod(objects, "DaemonSet.gpu-system.nvidia-device-plugin")
    c = plugin["containers"][0]
    assert c["image"] == images.DEVICE_PLUGIN.ref == "nvcr.io/nvidia/k8s-device-plugin:v0.20.1"
    assert c["imagePullPolicy"] == "Always"  # tag only: re-pulled, never a stale cached tag
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert "add" not in c["securityContext"]["capabilities"]
    assert plugin["priorityClassName"] == "system-node-critical"
    assert plugin["volumes"][0]["hostPath"]["path"] == "/var/lib/kubelet/device-plugins"
    quota = objects["ResourceQuota.gpu-system.critical-pods"]["spec"]
    assert quota["scopeSelector"]["matchExpressions"][0]["values"] == ["system-node-critical"]

    dcgm = container(objects, "DaemonSet.gpu-system.dcgm-exporter")
    assert dcgm["image"].startswith("nvcr.io/nvidia/k8s/dcgm-exporter:4.")
    assert dcgm["imagePullPolicy"] == "Always"  # tag without digest: re-checked on every start
    assert dcgm["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["SYS_ADMIN"]}
    assert dcgm["livenessProbe"]["httpGet"] == {"path": "/health", "port": 9400}
    assert dcgm["volumeMounts"] == [{"mountPath": "/var/lib/kubelet/pod-resources", "name": "pod-resources",
                                     "readOnly": True}]
    svc = objects["Service.gpu-system.dcgm-exporter"]
    ds = objects["DaemonSet.gpu-system.dcgm-exporter"]
    assert svc["spec"]["selector"] == ds["spec"]["selector"]["matchLabels"]
    deny = objects["NetworkPolicy.gpu-system.default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_no_gpu_pool_means_no_gpu_agents() -> None:
    def only_addons() -> None:
        ClusterAddons("bare", [], pulumi.ResourceOptions(provider=k8s.Provider("bare-k8s", kubeconfig="{}")))

    records, _ = engine.run(only_addons, stack="bare", config={}, region="")
    types = [r.type for r in records]
    assert types.count("kubernetes:core/v1:Namespace") == 3
    assert "kubernetes:apps/v1:DaemonSet" not in types


# --- vLLM endpoints -----------------------------------------------------------------------------------------
def test_vllm_args_follow_the_endpoint(objects: dict) -> None:
    chat = container(objects, "Deployment.llm-serving.chat")
    assert chat["command"] == ["vllm", "serve"]
    a = chat["args"]
    assert a[0] == "meta-llama/Llama-3.1-8B-Instruct"  # `vllm serve` takes the model as its argument
    assert flag(a, "--served-model-name") == "llama-3.1-8b"
    assert flag(a, "--tensor-parallel-size") == "1"
    assert flag(a, "--max-model-len") == "8192"
    assert CHAT.batch is not None
    assert flag(a, "--max-num-seqs") == str(CHAT.batch.max_num_seqs) == "16"  # the KV cache holds 16 x 2048 tokens
    assert flag(a, "--max-num-batched-tokens") == "2048"  # an L4: vLLM's latency default
    assert flag(a, "--dtype") == "bfloat16"
    assert flag(a, "--gpu-memory-utilization") == "0.9"
    assert "--quantization" not in a and "--load-format" not in a

    b = container(objects, "Deployment.llm-serving.big")["args"]
    assert flag(b, "--tensor-parallel-size") == "8"
    assert flag(b, "--dtype") == "auto" and flag(b, "--quantization") == "fp8"
    assert flag(b, "--load-format") == "runai_streamer"  # gs:// is streamed, not downloaded


def test_precision_mapping() -> None:
    def mapped(precision: str, quantization: str | None = None) -> list[str]:
        a = vllm_args(changed(chat_args(), spec={"precision": precision}, quantization=quantization))
        i = a.index("--dtype")
        return a[i:a.index("--gpu-memory-utilization")]

    assert mapped("fp32") == ["--dtype", "float32"]
    assert mapped("fp16") == ["--dtype", "float16"]
    assert mapped("fp8") == ["--dtype", "auto", "--quantization", "fp8"]
    # chat serves a catalog model (bf16 checkpoint): int4 is quantised in flight by bitsandbytes.
    assert mapped("int4") == ["--dtype", "auto", "--quantization", "bitsandbytes"]
    assert mapped("int4", "awq_marlin") == ["--dtype", "auto", "--quantization", "awq_marlin"]
    assert mapped("int8") == ["--dtype", "auto"]  # refused by problems() (test_int8_needs_a_prequantised_...)
    assert mapped("fp8", "checkpoint") == ["--dtype", "auto"]  # an FP8 checkpoint brings its own scales


def test_batch_and_kv_cache_flags() -> None:
    """--max-num-seqs comes from the spec's batch (sizing: KV capacity at a typical request), concurrency when a
    spec has none; --max-num-batched-tokens and --kv-cache-dtype only when given."""
    plain = vllm_args(changed(chat_args(), spec={"batch": None}))
    assert flag(plain, "--max-num-seqs") == "4"
    assert "--max-num-batched-tokens" not in plain and "--kv-cache-dtype" not in plain
    fp8_kv = EndpointSpec.vllm("chat", "llama-3.1-8b", CHAT.pool, concurrency=4, kv_cache_dtype="fp8")
    assert fp8_kv.batch is not None and CHAT.batch is not None
    assert fp8_kv.batch.max_num_seqs > CHAT.batch.max_num_seqs  # 1-byte KV elements: twice the tokens
    tuned = changed(chat_args(), spec={"batch": fp8_kv.batch, "kv_cache_dtype": "fp8"})
    assert tuned.problems() == []
    a = vllm_args(tuned)
    assert flag(a, "--max-num-seqs") == str(fp8_kv.batch.max_num_seqs)
    assert flag(a, "--kv-cache-dtype") == "fp8"
    assert a.index("--kv-cache-dtype") < a.index("--gpu-memory-utilization")
    bad = changed(chat_args(), spec={"batch": sizing.Batch(2, 1, 0, 2048, "auto"), "kv_cache_dtype": "int8"})
    problems = " ".join(bad.problems())
    assert "below concurrency" in problems and "at least max-num-seqs" in problems
    assert "kv_cache_dtype 'int8'" in problems
    a10g = PoolSpec.of_shape("aws", "a10g", "g5.xlarge", 0, 1)
    ampere = changed(chat_args(), spec={"pool": a10g, "kv_cache_dtype": "fp8"},
                     scheduling=PoolScheduling.for_pool("aws", "a10g", "A10G", 1, "g5.xlarge"))
    assert any("needs a GPU with FP8" in p for p in ampere.problems())


def test_scheduling_is_the_specs_pool() -> None:
    """The node selector and tolerations come from the scheduling of the pool the spec was sized on."""
    wrong = changed(chat_args(), scheduling=H100)
    assert any("pass that pool's scheduling" in p for p in wrong.problems())
    managed = changed(chat_args(), spec={"runtime": "managed", "pool": None, "resources": None})
    assert any("EndpointSpec.vllm" in p for p in managed.problems())


def test_int4_and_int8_follow_the_checkpoint() -> None:
    def args(model: str, precision: str, quantization: str | None = None) -> VllmEndpointArgs:
        # The spec says whether the weights are a catalog model's bf16 checkpoint (resolve: sizing's rule).
        catalog = model.rstrip("/").endswith(CHAT.model_path)
        return changed(chat_args(), spec={"precision": precision, "catalog_checkpoint": catalog},
                       model_uri=model, quantization=quantization)

    repo = CHAT.model_path  # a catalog model's bf16 checkpoint
    assert CHAT.catalog_checkpoint and repo == "meta-llama/Llama-3.1-8B-Instruct"
    assert args(repo, "int4").quantization_method == "bitsandbytes" and args(repo, "int4").problems() == []
    # bitsandbytes has its own loader, which does not stream from object storage (vllm-project/vllm#22882)
    assert any("bitsandbytes" in p for p in args(f"s3://b/{repo}/", "int4").problems())
    # no in-flight int8: a catalog checkpoint would load at 16 bits into memory sized for 8
    assert any("no in-flight int8" in p for p in args(repo, "int8").problems())
    assert args(repo, "int8", "checkpoint").problems() == []  # named explicitly: the user's call
    # a user checkpoint (explicit architecture) declares its method in config.json
    for precision in ("int4", "int8"):
        user = args("s3://b/acme/llama-8b-awq/", precision)
        assert user.quantization_method == FROM_CHECKPOINT and user.problems() == []
        assert "--quantization" not in vllm_args(user)


@pytest.mark.parametrize(("oid", "gpus"), [("Deployment.llm-serving.chat", "1"),
                                           ("Deployment.llm-serving.big", "8")])
def test_gpu_cpu_memory_requests_equal_limits(objects: dict, oid: str, gpus: str) -> None:
    res = container(objects, oid)["resources"]
    assert res["requests"] == res["limits"]  # Guaranteed QoS
    assert res["requests"][GPU_RESOURCE] == gpus
    assert set(res["requests"]) == {"cpu", "memory", GPU_RESOURCE}


def test_replica_resources_are_the_specs(objects: dict) -> None:
    """CPU, memory and the model cache come from the spec (its pool's shape); the component computes none."""
    for args in (chat_args(), big_args()):
        r = args.spec.resources
        assert r is not None
        oid = f"Deployment.llm-serving.{args.spec.key}"
        assert container(objects, oid)["resources"]["limits"] == {"cpu": r.cpu, "memory": r.memory,
                                                                   GPU_RESOURCE: str(args.spec.gpus)}
        cache = next(v for v in objects[oid]["spec"]["template"]["spec"]["volumes"] if v["name"] == "model-cache")
        assert cache["emptyDir"]["sizeLimit"] == r.model_cache
    assert CHAT.resources == Resources("3", "11Gi", "43Gi")  # g6.xlarge: 4 vCPU, 16 GiB, less node headroom


def test_probes(objects: dict) -> None:
    for oid, gpus in (("Deployment.llm-serving.chat", 1), ("Deployment.llm-serving.big", 8)):
        c = container(objects, oid)
        assert c["ports"] == [{"containerPort": 8000, "name": "http", "protocol": "TCP"}]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert c[probe]["httpGet"] == {"path": "/health", "port": "http"}, (oid, probe)
        # The startup window grows with the replica (bigger models load longer): 25 min for 1 GPU.
        assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] == 1200 + 300 * gpus
        assert objects[oid]["spec"]["progressDeadlineSeconds"] > 1200 + 300 * gpus


def test_security_context_and_writable_paths(objects: dict) -> None:
    for name in ("chat", "big"):
        spec = pod(objects, f"Deployment.llm-serving.{name}")
        psc = spec["securityContext"]
        assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 10000
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
        sc = spec["containers"][0]["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 10000
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False
        assert spec["enableServiceLinks"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        writable = [m for m in spec["containers"][0]["volumeMounts"] if not m.get("readOnly")]
        assert all("emptyDir" in volumes[m["name"]] for m in writable)  # read-only root, scratch on emptyDirs
        assert {m["mountPath"] for m in writable} >= {"/models", "/tmp"}
        assert volumes["model-cache"]["emptyDir"]["sizeLimit"].endswith("Gi")
        env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
        assert env["HF_HOME"].startswith("/models/") and env["HOME"] == "/tmp"


def test_shared_memory_only_for_tensor_parallel(objects: dict) -> None:
    chat = {v["name"]: v for v in pod(objects, "Deployment.llm-serving.chat")["volumes"]}
    big = {v["name"]: v for v in pod(objects, "Deployment.llm-serving.big")["volumes"]}
    assert "dshm" not in chat
    assert big["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "16Gi"}
    big_mounts = container(objects, "Deployment.llm-serving.big")["volumeMounts"]
    mounts = {m["name"]: m["mountPath"] for m in big_mounts}
    assert mounts["dshm"] == "/dev/shm"


def test_hf_token_is_a_file_not_an_env_var(objects: dict) -> None:
    spec = pod(objects, "Deployment.llm-serving.chat")
    env = {e["name"]: e for e in spec["containers"][0]["env"]}
    assert "HF_TOKEN" not in env and env["HF_TOKEN_PATH"]["value"] == "/var/run/secrets/huggingface/token"
    assert env["VLLM_LOGGING_LEVEL"]["value"] == "INFO"  # caller's env is passed through
    assert {v["name"]: v for v in spec["volumes"]}["hf-token"]["secret"]["secretName"] == "hf-token"


def test_scheduling_is_derived_from_the_pool(objects: dict, plan: Plan) -> None:
    for name, pool in (("chat", L4), ("big", H100)):
        spec = pod(objects, f"Deployment.llm-serving.{name}")
        assert spec["nodeSelector"] == pool.node_selector()
        assert spec["tolerations"] == pool.tolerations()
    placement = assert_tolerations_match_taints(plan, POOLS)
    assert placement == {
        "DaemonSet.gpu-system.nvidia-device-plugin": ["l4-serving", "h100-serving"],
        "DaemonSet.gpu-system.dcgm-exporter": ["l4-serving", "h100-serving"],
        "Deployment.llm-serving.chat": ["l4-serving"],
        "Deployment.llm-serving.big": ["h100-serving"],
    }


def test_toleration_drift_is_caught(plan: Plan) -> None:
    drifted = copy.deepcopy(plan)
    deploy = next(r for r in drifted.resources if r.name == "acme-big-deploy")
    deploy.inputs["spec"]["template"]["spec"]["tolerations"][0]["value"] = "true"  # retyped with AWS's value
    with pytest.raises(AssertionError, match="does not tolerate"):
        assert_tolerations_match_taints(drifted, POOLS)
    deploy.inputs["spec"]["template"]["spec"]["nodeSelector"] = {POOL_LABEL: "h100"}  # label drift
    with pytest.raises(AssertionError, match="matches no GPU pool"):
        assert_tolerations_match_taints(drifted, POOLS)


def test_toleration_matching_follows_kubernetes() -> None:
    taint = ("nvidia.com/gpu", "present", "NoSchedule")
    assert tolerates(H100.tolerations(), *taint)
    assert not tolerates(L4.tolerations(), *taint)  # value "true" does not match "present"
    assert tolerates([{"key": "nvidia.com/gpu", "operator": "Exists"}], *taint)  # any value, any effect
    assert tolerates([{"operator": "Exists"}], *taint)  # empty key + Exists tolerates everything
    assert not tolerates([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoExecute"}], *taint)
    assert tolerations_for([L4, L4, H100]) == [*L4.tolerations(), *H100.tolerations()]


def test_service_account_carries_workload_identity(objects: dict) -> None:
    sa = objects["ServiceAccount.llm-serving.chat"]
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE_ARN}
    assert sa["automountServiceAccountToken"] is False
    assert pod(objects, "Deployment.llm-serving.chat")["serviceAccountName"] == "chat"
    labels = objects["Deployment.llm-serving.chat"]["spec"]["template"]["metadata"]["labels"]
    assert labels["llmops.io/endpoint"] == "chat"


def test_service_selects_the_pods(objects: dict) -> None:
    for name in ("chat", "big"):
        svc = objects[f"Service.llm-serving.{name}"]
        assert svc["spec"]["type"] == "ClusterIP"
        assert svc["spec"]["ports"] == [{"appProtocol": "http", "name": "http", "port": 8000,
                                         "protocol": "TCP", "targetPort": "http"}]
        pod_labels = objects[f"Deployment.llm-serving.{name}"]["spec"]["template"]["metadata"]["labels"]
        assert svc["spec"]["selector"].items() <= pod_labels.items()
        # No await on endpoints: a parked or loading model must not fail `pulumi up`.
        assert svc["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}


def test_hpa_bounds_and_parked_endpoint(objects: dict) -> None:
    chat_hpa = objects["HorizontalPodAutoscaler.llm-serving.chat"]["spec"]
    assert (chat_hpa["minReplicas"], chat_hpa["maxReplicas"]) == (1, 4)
    assert chat_hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "chat"}
    # CPU as an absolute average (a utilisation target would never fire on an 8-GPU replica's request).
    assert chat_hpa["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "AverageValue", "averageValue": "1500m"}}}]
    assert "replicas" not in objects["Deployment.llm-serving.chat"]["spec"]  # owned by the HPA
    # replicas.min = 0: the Deployment is parked at 0, the HPA (min 1) stays dormant until it is woken.
    big_hpa = objects["HorizontalPodAutoscaler.llm-serving.big"]["spec"]
    assert (big_hpa["minReplicas"], big_hpa["maxReplicas"]) == (1, 2)
    assert objects["Deployment.llm-serving.big"]["spec"]["replicas"] == 0
    assert big_hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 300
    assert big_hpa["metrics"] == [{"type": "Pods", "pods": {
        "metric": {"name": "vllm:num_requests_waiting"},
        "target": {"type": "AverageValue", "averageValue": "4"}}}]


def test_pdb_never_blocks_a_drain(objects: dict) -> None:
    for name in ("chat", "big"):
        pdb = objects[f"PodDisruptionBudget.llm-serving.{name}"]["spec"]
        assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
        assert pdb["selector"] == objects[f"Deployment.llm-serving.{name}"]["spec"]["selector"]


def test_network_policy_admits_own_and_ingress_namespace_only(objects: dict) -> None:
    for name in ("chat", "big"):
        np = objects[f"NetworkPolicy.llm-serving.{name}"]["spec"]
        assert np["policyTypes"] == ["Ingress"]
        assert np["podSelector"] == objects[f"Deployment.llm-serving.{name}"]["spec"]["selector"]
        (rule,) = np["ingress"]
        assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}}
                                for ns in ("llm-serving", "ingress")]
        assert rule["ports"] == [{"port": 8000, "protocol": "TCP"}]


def test_endpoint_arguments_are_checked_before_anything_is_registered() -> None:
    bad = changed(chat_args(), spec={"gpus": 2, "precision": "fp4", "replicas_max": 0},
                  model_uri="https://example.com/model", env={"BAD-NAME": "x"}, target_cpu="lots", queue_target=0)
    problems = " | ".join(bad.problems())
    for expected in ("gpus=2", "precision 'fp4'", "replicas 1..0", "model 'https://", "BAD-NAME",
                     "target_cpu 'lots'", "queue_target"):
        assert expected in problems
    with pytest.raises(ValueError, match="tensor parallelism does not span nodes"):
        VllmEndpoint("x", bad)
    assert not chat_args().problems() and not big_args().problems()


# --- team namespaces ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("team", list(TEAMS))
def test_team_namespace(objects: dict, team: str) -> None:
    role, gpus = TEAMS[team]
    ns = f"team-{team}"
    assert f"Namespace.default.{ns}" in objects
    hard = objects[f"ResourceQuota.{ns}.team-quota"]["spec"]["hard"]
    assert hard[f"requests.{GPU_RESOURCE}"] == str(gpus)
    assert hard["services.loadbalancers"] == "0" and hard["services.nodeports"] == "0"
    assert {"requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods"} <= set(hard)
    assert objects[f"LimitRange.{ns}.team-defaults"]["spec"]["limits"][0]["defaultRequest"]
    binding = objects[f"RoleBinding.{ns}.team-{role}"]
    assert binding["roleRef"] == {"apiGroup": RBAC, "kind": "Role", "name": f"team-{role}"}
    assert binding["subjects"] == [{"apiGroup": RBAC, "kind": "Group", "name": f"llmops:{team}"}]
    assert objects[f"Role.{ns}.team-{role}"]["rules"] == role_rules(role)


@pytest.mark.parametrize("team", list(TEAMS))
def test_team_network_policies(objects: dict, team: str) -> None:
    ns = f"team-{team}"
    assert objects[f"NetworkPolicy.{ns}.default-deny"]["spec"] == {"podSelector": {},
                                                                   "policyTypes": ["Ingress", "Egress"]}
    (dns,) = objects[f"NetworkPolicy.{ns}.allow-dns"]["spec"]["egress"]
    assert sorted((p["protocol"], p["port"]) for p in dns["ports"]) == [("TCP", 53), ("UDP", 53)]
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    own = objects[f"NetworkPolicy.{ns}.allow-namespace-and-ingress"]["spec"]
    peers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": n}}}
             for n in (ns, "ingress")]
    assert own["ingress"] == [{"from": peers}] and own["egress"] == [{"to": peers}]


def test_roles_are_least_privilege(objects: dict) -> None:
    rules = {m["metadata"]["name"]: m["rules"] for m in objects.values() if m["kind"] == "Role"}
    assert set(rules) == {"team-admin", "team-developer", "team-viewer"}
    for name, rs in rules.items():
        for r in rs:  # no wildcard anywhere, no escalation verbs, no cluster-scoped resources
            assert "*" not in r["apiGroups"] + r["resources"] + r["verbs"], name
            assert not {"bind", "escalate", "impersonate"} & set(r["verbs"]), name
            cluster_scoped = {"namespaces", "nodes", "clusterroles", "clusterrolebindings"}
            assert not cluster_scoped & set(r["resources"]), name

    def grants(role: str, resource: str, verb: str) -> bool:
        return any(resource in r["resources"] and verb in r["verbs"] for r in rules[f"team-{role}"])

    assert all(set(r["verbs"]) <= set(READ) for r in rules["team-viewer"])
    assert not any("secrets" in r["resources"] for r in rules["team-viewer"])
    assert grants("viewer", "pods/log", "get") and not grants("viewer", "pods/exec", "create")
    assert grants("developer", "deployments", "create") and grants("developer", "pods/exec", "create")
    assert not grants("developer", "rolebindings", "create")
    assert not grants("developer", "serviceaccounts", "create")
    assert grants("admin", "rolebindings", "create") and grants("admin", "serviceaccounts", "create")
    for role in ("admin", "developer", "viewer"):  # guardrails are read-only for everyone
        for guarded in ("resourcequotas", "limitranges", "networkpolicies"):
            assert grants(role, guarded, "get") and not grants(role, guarded, "patch"), (role, guarded)
    assert not grants("developer", "daemonsets", "create")


def test_team_arguments_are_checked() -> None:
    bad = TeamNamespaceArgs(team="Research", role="owner", gpu_quota=-1,
                            subjects=[{"kind": "Robot", "name": "x"},
                                      {"kind": "ServiceAccount", "name": "ci"}])
    problems = " | ".join(bad.problems())
    for expected in ("team 'Research'", "role 'owner'", "gpu_quota", "subjects[0]",
                     "subjects[1]: a ServiceAccount"):
        assert expected in problems
    with pytest.raises(ValueError, match="role 'owner'"):
        role_rules("owner")


# --- schema, checkov, manifests, mocks -----------------------------------------------------------------
def test_kubernetes_schema_1_31(plan: Plan) -> None:
    assert schema_version("1.31") == "1.31.0"  # kubernetes-validate ships the exact 1.31 schema
    assert schema_version("1.31.4") == "1.31.0"
    assert assert_k8s_valid(plan, "1.31") == []  # no custom resources, every object checked strictly


def test_schema_validation_rejects_a_bad_object(plan: Plan) -> None:
    broken = copy.deepcopy(plan)
    deploy = next(r for r in broken.resources if r.type == "kubernetes:apps/v1:Deployment")
    deploy.inputs["spec"]["template"]["spec"]["containers"][0]["gpus"] = 1  # not a Container field
    with pytest.raises(AssertionError, match="gpus"):
        assert_k8s_valid(broken, "1.31")


def test_checkov_finds_nothing_beyond_the_skip_list(checkov: CheckovReport) -> None:
    assert checkov.failures == [], "\n".join(f"{f['check_id']} {f['resource']}: {f['check_name']}"
                                             for f in checkov.failures)
    assert checkov.passed > 300 and checkov.resources >= 30  # it really scanned the plan
    assert checkov.unused_skips == []  # every accepted finding still exists: no stale skip entries
    skipped = {(a["check_id"], a["resource"]) for a in checkov.accepted}
    assert all(r.startswith("DaemonSet.gpu-system.") for _, r in skipped)  # nothing of ours is waived


def test_skip_list_is_short_and_reasoned() -> None:
    skips = load_skips()
    assert 0 < len(skips) <= 10
    assert all(s.resources for s in skips)  # every accepted finding is scoped to named objects


def test_manifests_are_plain_kubernetes_objects(plan: Plan, objects: dict) -> None:
    deploy = objects["Deployment.llm-serving.chat"]
    assert list(deploy)[:3] == ["apiVersion", "kind", "metadata"]
    assert deploy["apiVersion"] == "apps/v1"
    assert isinstance(deploy["spec"]["revisionHistoryLimit"], int)  # engine floats restored
    assert objects["Role.team-research.team-developer"]["apiVersion"] == "rbac.authorization.k8s.io/v1"
    assert objects["Namespace.default.llm-serving"]["apiVersion"] == "v1"
    # Non-objects are left out: components, providers, Helm releases.
    helm = PlannedResource(urn="urn:x", type="kubernetes:helm.sh/v3:Release", name="r", parent=None,
                           custom=True, inputs={"chart": "x"})
    assert manifests.manifests([helm]) == []
    assert len(manifests.manifests(plan)) == len(objects)


def test_mock_outputs_are_what_the_api_server_adds() -> None:
    inputs = {"metadata": {"name": "chat", "namespace": "llm-serving"},
              "spec": {"type": "ClusterIP", "ports": []}}
    svc = OUTPUTS["kubernetes:core/v1:Service"](MockContext(
        "kubernetes:core/v1:Service", "acme-chat-svc", inputs, "us-east-1", ""))
    assert svc["spec"]["clusterIP"].startswith("172.20.") and svc["metadata"]["uid"]
    assert svc["metadata"]["namespace"] == "llm-serving"
    ns = OUTPUTS["kubernetes:core/v1:Namespace"](MockContext(
        "kubernetes:core/v1:Namespace", "acme-ns", {"metadata": {"name": "llm-serving"}}, "us-east-1", ""))
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "llm-serving"
    assert "namespace" not in ns["metadata"] and ns["status"]["phase"] == "Active"


def test_scheduling_module_does_not_load_the_kubernetes_sdk() -> None:
    code = "import sys, components.k8s.scheduling; print('pulumi_kubernetes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_serving_namespace_denies_ingress_by_default(plan: Plan) -> None:
    deny = plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "acme-addons-serving-default-deny-ingress")
    assert deny.inputs["metadata"]["namespace"] == "llm-serving"
    assert deny.inputs["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
