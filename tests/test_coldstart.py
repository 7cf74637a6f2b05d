"""Cold start (issue 12): the component model (components/coldstart.py) and the plan settings it reads: registry
mirrors, node disks, image streaming / parallel pull, sharded weight loads, streamer concurrency and the compile
cache on the vLLM Deployment."""

from __future__ import annotations

import base64

import pytest

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components import coldstart as cs
from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz import offline

STACKS = ("aws-prod", "gcp-prod", "azure-prod")


@pytest.fixture(scope="module")
def plans():
    return {s: offline.plan(s) for s in STACKS}


def _deployment(plan, endpoint):
    return next(r for r in plan.of_type(tokens.K8S_DEPLOYMENT) if r.inputs["metadata"]["name"] == endpoint)


def _vllm(plan, endpoint):
    return next(c for c in _deployment(plan, endpoint).inputs["spec"]["template"]["spec"]["containers"]
                if c["name"] == "vllm")


def test_model_matches_issue_baseline_and_is_monotonic():
    node = cs.NodeSettings(1000, True, "parallel", 1)
    serving = cs.ServingSettings(1, "runai_streamer", 15, True, 16_060)
    before = cs.estimate(*cs.today("aws", node, serving))
    assert 8.5 <= before.minutes <= 10.5  # issue 12: ~9 min for 8B on one L4
    after = cs.estimate(node, serving)
    assert after.total_s < before.total_s
    # each setting, turned off alone, makes the start slower
    for slower in (cs.NodeSettings(1000, False, "parallel", 1), cs.NodeSettings(125, True, "parallel", 1),
                   cs.NodeSettings(1000, True, "serial", 1)):
        assert cs.estimate(slower, serving).image_s > after.image_s
    assert cs.estimate(node, cs.ServingSettings(1, "runai_streamer", 15, False, 16_060)).engine_s > after.engine_s
    tp8 = cs.ServingSettings(8, cs.SHARDED_FORMAT, 7, True, 141_107)
    big = cs.NodeSettings(1000, True, "parallel", 8)
    assert cs.estimate(big, tp8).weights_s * 8 == pytest.approx(
        cs.estimate(big, cs.ServingSettings(8, "runai_streamer", 7, True, 141_107)).weights_s)
    with pytest.raises(ValueError, match="pull_mode"):
        cs.estimate(cs.NodeSettings(1000, True, "lazy", 1), serving)


def test_streamer_concurrency_fills_node_bandwidth():
    assert cs.streamer_concurrency(1, 1) * cs.PER_STREAM_MBPS >= cs.NODE_OBJECT_STORE_MBPS_SMALL
    assert cs.streamer_concurrency(8, 8) * 8 * cs.PER_STREAM_MBPS >= cs.NODE_OBJECT_STORE_MBPS_LARGE
    assert cs.streamer_concurrency(8, 8) < cs.DEFAULT_CONCURRENCY


@pytest.mark.parametrize("stack", ["aws-prod", "gcp-prod"])
def test_targets_met_from_plan_settings(plans, stack):
    plan = plans[stack]
    small = cs.estimate(*cs.settings_from_plan(plan, "chat"))  # llama-3.1-8b on one L4
    large = cs.estimate(*cs.settings_from_plan(plan, "reasoning"))  # llama-3.1-70b on 8 x H100
    assert small.minutes <= 4, small
    assert large.minutes <= 9, large


def test_azure_targets(plans):
    # 70B on 8 x H100 meets 9 minutes; 8B (on an A100: Azure has no L4 shape) does not meet 4 without artifact
    # streaming, which the installed SDK cannot configure: the gap is stated, not hidden.
    plan = plans["azure-prod"]
    assert cs.estimate(*cs.settings_from_plan(plan, "reasoning")).minutes <= 9
    node, serving = cs.settings_from_plan(plan, "chat")
    small = cs.estimate(node, serving)
    assert 4 < small.minutes < cs.estimate(*cs.today("azure", node, serving)).minutes
    # the ephemeral OS disk takes the disk out of the image step: what remains is the whole-image pull itself
    # (download from the mirror, then unpack at the serial rate), the floor without lazy or parallel pulls
    assert node.pull_mode == "serial" and node.disk_mbps >= cs.SERIAL_UNPACK_MBPS
    assert small.image_s == pytest.approx(cs.IMAGE_COMPRESSED_MB / cs.MIRROR_MBPS
                                          + cs.IMAGE_UNPACKED_MB / cs.SERIAL_UNPACK_MBPS)
    managed = cs.NodeSettings(cs.azure_os_disk_mbps("Managed", 1024, "Standard_NC24ads_A100_v4"), True, "serial", 1)
    assert cs.estimate(managed, serving).total_s - small.total_s == pytest.approx(
        cs.IMAGE_UNPACKED_MB / 200 - cs.IMAGE_UNPACKED_MB / 250)  # P30 (200 MB/s) before


def test_azure_os_disk_throughput():
    # managed Premium SSD: the tier of the size (P30 200, P40 250 MB/s); ephemeral: the VM's documented disk limit
    assert cs.azure_os_disk_mbps("Managed", 1024, "Standard_NC24ads_A100_v4") == 200
    assert cs.azure_os_disk_mbps("Managed", 2048, "Standard_NC24ads_A100_v4") == 250
    assert cs.azure_os_disk_mbps("Ephemeral", 158, "Standard_NC24ads_A100_v4") == 1000
    assert cs.azure_os_disk_mbps("Ephemeral", 759, "Standard_ND96isr_H100_v5") == 612
    with pytest.raises(LookupError, match="Standard_NC4as_T4_v3"):
        cs.azure_os_disk_mbps("Ephemeral", 100, "Standard_NC4as_T4_v3")


def test_aws_mirror_and_disks(plans):
    plan = plans["aws-prod"]
    rule = plan.one(tokens.AWS_ECR_PULL_THROUGH_CACHE_RULE)
    assert rule.inputs["upstreamRegistryUrl"] == "registry-1.docker.io"
    secret = next(r for r in plan.of_type(tokens.AWS_SECRET) if r.inputs["name"].startswith("ecr-pullthroughcache/"))
    assert secret.inputs.get("kmsKeyId")
    assert _vllm(plan, "chat")["image"].startswith(f"123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                                                   f"{rule.inputs['ecrRepositoryPrefix']}/vllm/vllm-openai:")
    gpu_templates = [r for r in plan.of_type(tokens.EC2_LAUNCH_TEMPLATE) if "FastImagePull" in base64.b64decode(
        r.inputs.get("userData") or "").decode()]
    assert len(gpu_templates) == 2
    for lt in gpu_templates:
        ebs = lt.inputs["blockDeviceMappings"][0]["ebs"]
        assert (ebs["throughput"], ebs["iops"]) == (1000, 16000)
    h100 = max(gpu_templates, key=lambda r: r.inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"])
    assert h100.inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"] >= 640 + 41  # GPU memory + image


def test_gcp_mirror_and_node_pools(plans):
    plan = plans["gcp-prod"]
    repo = plan.one(tokens.GCP_ARTIFACT_REGISTRY_REPOSITORY)
    assert repo.inputs["mode"] == "REMOTE_REPOSITORY"
    assert repo.inputs["remoteRepositoryConfig"]["dockerRepository"]["publicRepository"] == "DOCKER_HUB"
    assert f"/{repo.inputs['repositoryId']}/vllm/vllm-openai:" in _vllm(plan, "chat")["image"]
    for np in plan.of_type(tokens.GKE_NODE_POOL):
        nc = np.inputs["nodeConfig"]
        if nc.get("guestAccelerators"):
            assert nc["gcfsConfig"] == {"enabled": True}
            assert nc["diskType"] == "pd-ssd"


def test_azure_mirror_and_pools(plans):
    plan = plans["azure-prod"]
    rule = plan.one(tokens.AZURE_ACR_CACHE_RULE)
    assert rule.inputs["sourceRepository"] == "docker.io/vllm/vllm-openai"
    acr = plan.one(tokens.AZURE_CONTAINER_REGISTRY)
    assert acr.inputs["sku"]["name"] == "Premium" and acr.inputs["publicNetworkAccess"] == "Disabled"
    assert _vllm(plan, "chat")["image"].startswith(f"{acr.inputs['registryName']}.azurecr.io/vllm/vllm-openai:")
    gpu = [r for r in plan.of_type(tokens.AKS_AGENT_POOL) if r.inputs.get("gpuProfile")]
    assert {r.inputs["vmSize"] for r in gpu} == {"Standard_NC24ads_A100_v4", "Standard_ND96isr_H100_v5"}
    for r in gpu:  # both reference shapes hold image + checkpoint + system on their local disk
        shape = catalog.shape_named("azure", r.inputs["vmSize"])
        assert r.inputs["osDiskType"] == "Ephemeral"
        assert r.inputs["osDiskSizeGB"] == cs.node_disk_gb(200, shape.gpu_memory_gib)
        assert r.inputs["osDiskSizeGB"] <= catalog.local_disk("azure", shape.name).ephemeral_os_gib
        assert r.inputs.get("kubeletDiskType", "OS") == "OS"  # containerd on the (local) OS disk


@pytest.mark.parametrize("stack", STACKS)
def test_vllm_deployment_cold_start_settings(plans, stack):
    plan = plans[stack]
    for endpoint, tp in (("chat", 1), ("reasoning", 8)):
        pod = _deployment(plan, endpoint).inputs["spec"]["template"]["spec"]
        c = _vllm(plan, endpoint)
        env = {e["name"]: e["value"] for e in c["env"]}
        assert int(env["RUNAI_STREAMER_CONCURRENCY"]) == cs.streamer_concurrency(tp, tp)
        fmt = c["args"][c["args"].index("--load-format") + 1]
        assert fmt == (cs.SHARDED_FORMAT if tp > 1 else "runai_streamer")
        assert c["args"][0].endswith(f"-sharded-tp{tp}/") == (tp > 1)
        init = {i["name"]: i for i in pod["initContainers"]}["compile-cache"]
        assert init["image"] == c["image"]
        uri = init["args"][0]
        assert "/vllm-compile-cache/v0.31.0/meta-llama/" in uri and uri.endswith(f"-tp{tp}/")
        assert {m["name"] for m in init["volumeMounts"]} <= {m["name"] for m in c["volumeMounts"]}
        assert env["VLLM_CACHE_ROOT"] == {e["name"]: e["value"] for e in init["env"]}["VLLM_CACHE_ROOT"]


def test_vllm_args_derive_cold_start_settings_from_the_spec():
    """Standalone VllmEndpointArgs: sharding, streamer concurrency and the compile-cache key come from the spec
    (tensor-parallel size, the pool's GPU and GPUs per node); a Hugging Face repo id gets none of them."""
    from llmops_landing_zone.components.k8s import vllm
    from llmops_landing_zone.components.aws.gpu_pool import scheduling
    from llmops_landing_zone.components.resolve import EndpointSpec, PoolSpec

    pool = PoolSpec.of_shape("aws", "h100", "p5.48xlarge", 0, 1)
    spec = EndpointSpec.vllm("big", "llama-3.1-70b", pool, max_context=32768, concurrency=32)
    sched = scheduling(pool)
    uri = f"s3://models/{spec.model_path}"
    a = vllm.VllmEndpointArgs(spec, sched, "serving", model_uri=uri, quantization=vllm.FROM_CHECKPOINT)
    assert spec.gpus > 1 and a.streamed and a.sharded
    args = vllm.vllm_args(a)
    assert args[0] == f"{uri}-sharded-tp{spec.gpus}/"
    assert args[args.index("--load-format") + 1] == cs.SHARDED_FORMAT
    assert vllm.compile_cache_uri(a) == (f"s3://models/vllm-compile-cache/{a.image.tag}/{spec.model_path}/"
                                         f"{pool.gpu.lower()}-tp{spec.gpus}/")
    assert cs.streamer_concurrency(pool.gpus_per_node, spec.gpus) < cs.DEFAULT_CONCURRENCY
    # in-flight quantisation keeps the full load; a Hugging Face repo id is neither streamed nor sharded
    fp8 = vllm.VllmEndpointArgs(EndpointSpec.vllm("big", "llama-3.1-70b", pool, precision="fp8"), sched, "serving",
                                model_uri=uri)
    assert fp8.streamed and not fp8.sharded and vllm.vllm_args(fp8)[0] == uri
    hf = vllm.VllmEndpointArgs(spec, sched, "serving")
    assert not hf.streamed and not hf.sharded and "--load-format" not in vllm.vllm_args(hf)
