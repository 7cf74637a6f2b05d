"""Each cloud's serving components are reusable: a program with its own cluster, bucket and Kubernetes provider
(plain provider resources, no landing zone, no ZoneConfig) serves a vLLM endpoint and a managed endpoint from
EndpointSpecs. Also the resolution step itself (components/resolve.py ``endpoints``): TP, GPUs per replica,
resources from the pool's shape, batch, managed shapes, on the reference stacks."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml
from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, POOL_LABEL
from llmops_landing_zone.components.plan import PlannedResource
from llmops_landing_zone.components.resolve import EndpointSpec, PoolSpec, Resources, endpoints
from llmops_landing_zone.llz import engine

STACKS = Path(__file__).resolve().parent.parent / "stacks"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


def _run(program, **run) -> dict[str, list[PlannedResource]]:
    records, mocks = engine.run(program, stack="standalone", **run)
    assert not mocks.unmocked_calls
    by_type: dict[str, list[PlannedResource]] = {}
    for r in records:
        by_type.setdefault(r.type, []).append(r)
    return by_type


def _args(deploy: PlannedResource) -> list[str]:
    (container,) = deploy.inputs["spec"]["template"]["spec"]["containers"]
    return container["args"]


def _flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


# --- resolution ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["aws-prod", "gcp-prod", "azure-prod"])
def test_endpoints_resolve_once_as_sizing_decides(stack: str) -> None:
    raw = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    cfg = parse_zone(raw["llmops:zone"], raw)
    specs = endpoints(cfg)
    assert set(specs) == set(cfg.endpoints)
    for key, spec in specs.items():
        ep = cfg.endpoints[key]
        assert (spec.runtime, spec.precision, spec.max_context, spec.replicas_min, spec.replicas_max) == (
            ep.runtime, ep.precision, ep.max_context, ep.replicas.min, ep.replicas.max)
        assert spec.served_name == sizing.served_name(ep.model)
        if spec.runtime == "vllm":
            assert spec.pool is not None and spec.pool.key == sizing.endpoint_pool(cfg, key)
            assert spec.gpus == sizing.replica_gpus(cfg, key) and spec.batch == sizing.vllm_batch(cfg, key)
            assert spec.resources == Resources.of_shape(spec.pool.shape, spec.gpus) and spec.shape is None
        else:
            assert spec.shape == sizing.managed_shape(cfg, key) and spec.pool is None and spec.resources is None
            assert spec.gpus == sizing.managed_replica_gpus(cfg, key)


def test_tensor_parallelism_and_resources_follow_the_shape() -> None:
    h100 = PoolSpec.of_shape("aws", "h100", "p5.48xlarge", 0, 2)
    small = EndpointSpec.vllm("chat", "llama-3.1-8b", h100, concurrency=8)
    big = EndpointSpec.vllm("reasoning", "llama-3.1-70b", h100, max_context=16384, concurrency=32)
    assert small.gpus == 1 and big.gpus == 8  # 70B bf16 at 16k x 32 needs all eight H100s
    assert small.resources is not None and big.resources is not None
    shape = h100.shape
    # A replica takes its GPU share of the node, less the node's headroom; the cache holds its GPUs' memory.
    assert int(big.resources.cpu) == int(shape.vcpu * 0.9 - 0.5)
    assert int(small.resources.cpu) <= int(big.resources.cpu) // 8
    assert int(small.resources.memory[:-2]) <= int(big.resources.memory[:-2]) // 8
    assert big.resources.model_cache == f"{round(shape.gpu_model.memory_gib * 8) + 20}Gi"
    with pytest.raises(ValueError, match="does not fit pool 'l4'"):
        EndpointSpec.vllm("x", "llama-3.1-70b", PoolSpec.of_shape("aws", "l4", "g6.xlarge", 0, 1))


def test_managed_spec_is_the_shapes_tp() -> None:
    shape = catalog.shape_named("gcp", "g2-standard-24", "vertex")
    assert shape is not None
    spec = EndpointSpec.managed("summarize", "mistral-7b", shape, max_context=8192, concurrency=16)
    assert spec.gpus == 2 and spec.from_catalog and spec.catalog_checkpoint
    assert spec.model_path == "mistralai/Mistral-7B-Instruct-v0.1"


# --- AWS ----------------------------------------------------------------------------------------------------

AWS_CTX = {"account_id": "123456789012", "region": "us-east-1", "partition": "aws",
           "dns_suffix": "amazonaws.com", "zones": ("us-east-1a", "us-east-1b")}


def _aws_program() -> None:
    import pulumi_aws as aws
    from llmops_landing_zone.components.aws import GpuPool, GpuPoolArgs
    from llmops_landing_zone.components.aws.base import AwsContext
    from llmops_landing_zone.components.aws.serving import (
        ManagedEndpoint,
        ManagedEndpointArgs,
        Serving,
        ServingArgs,
    )

    ctx = AwsContext(**AWS_CTX)
    key = aws.kms.Key("data", enable_key_rotation=True)
    bucket = aws.s3.Bucket("models", bucket="acme-models")
    pool_spec = PoolSpec.of_shape("aws", "l4", "g6.xlarge", 1, 2)
    pool = GpuPool("l4", GpuPoolArgs(pool_spec, name="acme-l4", cluster_name="acme", node_role_arn="arn:aws:iam::1:role/n",
                                     subnet_ids=["subnet-1", "subnet-2"], disk_key_arn=key.arn, tags={}))
    provider = k8s.Provider("acme", kubeconfig="{}")
    chat = EndpointSpec.vllm("chat", "llama-3.1-8b", pool_spec, concurrency=4, replicas_max=2)
    Serving("serving", ServingArgs(
        {"chat": chat}, {"l4": pool}, prefix="acme", ctx=ctx, cluster_name="acme",
        cluster_arn="arn:aws:eks:us-east-1:123456789012:cluster/acme", model_store="acme-models",
        model_store_id="arn:aws:s3:::acme-models", data_key_arn=key.arn, namespace="llm-serving",
        k8s_provider=provider, depends_on=[bucket]))
    shape = catalog.shape_named("aws", "ml.g6e.xlarge", "sagemaker")
    assert shape is not None
    ManagedEndpoint("summarize", ManagedEndpointArgs(
        EndpointSpec.managed("summarize", "mistral-7b", shape, replicas_max=2), "acme-summarize", prefix="acme",
        ctx=ctx, model_store="acme-models", model_store_id="arn:aws:s3:::acme-models", data_key_arn=key.arn,
        log_key_arn=key.arn, log_retention_days=90, vpc_id="vpc-1", vpc_cidr="10.0.0.0/16",
        subnet_ids=[pulumi.Output.from_input("subnet-1")], s3_prefix_list_id="pl-1", protect=False,
        depends_on=[bucket]))


def test_aws_serving_standalone() -> None:
    by_type = _run(_aws_program, config={"aws:region": "us-east-1"}, region="us-east-1")
    (deploy,) = by_type[DEPLOYMENT]
    args = _args(deploy)
    assert args[0] == "s3://acme-models/meta-llama/Llama-3.1-8B-Instruct/"
    assert _flag(args, "--tensor-parallel-size") == "1"
    assert deploy.inputs["spec"]["template"]["spec"]["nodeSelector"] == {POOL_LABEL: "l4"}
    (assoc,) = by_type["aws:eks/podIdentityAssociation:PodIdentityAssociation"]
    assert (assoc.inputs["clusterName"], assoc.inputs["serviceAccount"]) == ("acme", "chat")
    (model,) = by_type["aws:sagemaker/model:Model"]
    env = model.inputs["primaryContainer"]["environment"]
    assert env["SM_NUM_GPUS"] == "1" and env["HF_MODEL_ID"] == "/opt/ml/model"
    (config,) = by_type["aws:sagemaker/endpointConfiguration:EndpointConfiguration"]
    assert config.inputs["productionVariants"][0]["instanceType"] == "ml.g6e.xlarge"
    (logs,) = by_type["aws:cloudwatch/logGroup:LogGroup"]
    assert logs.inputs["name"] == "/aws/sagemaker/Endpoints/acme-summarize" and logs.inputs["retentionInDays"] == 90
    (target,) = by_type["aws:appautoscaling/target:Target"]
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 2)


# --- GCP ----------------------------------------------------------------------------------------------------

def _gcp_program() -> None:
    import pulumi_gcp as gcp
    from llmops_landing_zone.components.gcp import GpuPool, GpuPoolArgs
    from llmops_landing_zone.components.gcp.serving import (
        ModelBucket,
        ModelBucketArgs,
        VertexEndpoint,
        VertexEndpointArgs,
        VllmService,
        VllmServiceArgs,
    )

    cluster = gcp.container.Cluster("acme", name="acme", project="my-proj", location="us-central1",
                                    initial_node_count=1, remove_default_node_pool=True, deletion_protection=False)
    key = gcp.kms.CryptoKey("data", name="data", key_ring="projects/my-proj/locations/us-central1/keyRings/r")
    bucket = ModelBucket("models", ModelBucketArgs("my-proj-acme-models", "my-proj", "US-CENTRAL1", key.id,
                                                   protect=False))
    pool_spec = PoolSpec.of_shape("gcp", "l4", "g2-standard-8", 0, 2)
    pool = GpuPool("l4", GpuPoolArgs(pool_spec, name="acme-l4", cluster_name=cluster.id, project="my-proj",
                                     location="us-central1", service_account_id="acme-l4-nodes", disk_key=key.id))
    provider = k8s.Provider("acme", kubeconfig="{}")
    VllmService("chat", VllmServiceArgs(
        EndpointSpec.vllm("chat", "llama-3.1-8b", pool_spec, concurrency=4), pool.scheduling, prefix="acme",
        project="my-proj", service_account_id="acme-ep-chat", model_store=bucket.name,
        model_store_id=bucket.bucket.name, cluster=cluster, namespace="llm-serving", k8s_provider=provider,
        depends_on=[pool.node_pool]))
    shape = catalog.shape_named("gcp", "g2-standard-24", "vertex")
    assert shape is not None
    VertexEndpoint("summarize", VertexEndpointArgs(
        EndpointSpec.managed("summarize", "mistral-7b", shape), prefix="acme", endpoint_id="1234567890",
        project="my-proj", location="us-central1", network="acme-vpc", encryption_key=key.id))


def test_gcp_serving_standalone() -> None:
    by_type = _run(_gcp_program, config={"gcp:project": "my-proj"}, region="us-central1", gcp_project="my-proj")
    (deploy,) = by_type[DEPLOYMENT]
    args = _args(deploy)
    assert args[0] == "gs://my-proj-acme-models/meta-llama/Llama-3.1-8B-Instruct"
    (container,) = deploy.inputs["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["limits"][GPU_RESOURCE] == "1"
    assert "acme-ep-chat" in {r.inputs["accountId"] for r in by_type["gcp:serviceaccount/account:Account"]}
    (wi,) = by_type["gcp:serviceaccount/iAMMember:IAMMember"]
    assert wi.inputs["member"] == "serviceAccount:my-proj.svc.id.goog[llm-serving/chat]"
    (bucket,) = by_type["gcp:storage/bucket:Bucket"]
    assert bucket.inputs["name"] == "my-proj-acme-models" and bucket.inputs["publicAccessPrevention"] == "enforced"
    (garden,) = by_type["gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"]
    machine = garden.inputs["deployConfig"]["dedicatedResources"]["machineSpec"]
    assert (machine["machineType"], machine["acceleratorCount"]) == ("g2-standard-24", 2)  # the shape's GPUs
    assert garden.inputs["endpointConfig"]["privateServiceConnectConfig"]["enablePrivateServiceConnect"] is True


# --- Azure --------------------------------------------------------------------------------------------------

def _azure_program() -> None:
    import pulumi_azure_native as azure
    from llmops_landing_zone.components.azure import GpuPool, GpuPoolArgs
    from llmops_landing_zone.components.azure.base import AzureContext, LogSink
    from llmops_landing_zone.components.azure.serving import (
        ManagedEndpoint,
        ManagedEndpointArgs,
        VllmService,
        VllmServiceArgs,
    )

    ctx = AzureContext("00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002",
                       "00000000-0000-0000-0000-000000000003", "eastus")
    rg = azure.resources.ResourceGroup("acme", resource_group_name="acme", location="eastus")
    workspace = azure.operationalinsights.Workspace("logs", workspace_name="acme-logs", resource_group_name=rg.name,
                                                 location="eastus")
    pool_spec = PoolSpec.of_shape("azure", "a100", "Standard_NC24ads_A100_v4", 0, 2, spot=True)
    pool = GpuPool("a100", GpuPoolArgs(pool_spec, name="a100", cluster_name="acme", resource_group_name=rg.name,
                                       subnet_id="/subscriptions/s/nodes", kubernetes_version="1.35"))
    provider = k8s.Provider("acme", kubeconfig="{}")
    VllmService("chat", VllmServiceArgs(
        EndpointSpec.vllm("chat", "llama-3.1-8b", pool_spec), pool.scheduling, prefix="acme", ctx=ctx,
        resource_group=rg.name, oidc_issuer_url="https://oidc.example/acme", model_store="acmemodels",
        model_store_id="/subscriptions/s/storageAccounts/acmemodels/blobServices/default/containers/models",
        namespace="llm-serving", k8s_provider=provider, depends_on=[pool.agent_pool]))
    shape = catalog.shape_named("azure", "Standard_NC24ads_A100_v4", "azureml")
    assert shape is not None
    ManagedEndpoint("summarize", ManagedEndpointArgs(
        EndpointSpec.managed("summarize", "mistral-7b", shape, replicas_max=3), "acme-summarize", prefix="acme",
        ctx=ctx, resource_group=rg.name, workspace_name="acme-mlw", sink=LogSink(workspace.id, None)))


def test_azure_serving_standalone() -> None:
    by_type = _run(_azure_program, config={}, region="eastus")
    (deploy,) = by_type[DEPLOYMENT]
    pod = deploy.inputs["spec"]["template"]["spec"]
    assert _args(deploy)[0] == "az://models/meta-llama/Llama-3.1-8B-Instruct"
    (container,) = pod["containers"]
    assert {"name": "AZURE_STORAGE_ACCOUNT_NAME", "value": "acmemodels"} in container["env"]
    assert "kubernetes.azure.com/scalesetpriority" in {t["key"] for t in pod["tolerations"]}  # Spot pool
    (fic,) = by_type["azure-native:managedidentity:FederatedIdentityCredential"]
    assert fic.inputs["subject"] == "system:serviceaccount:llm-serving:chat"
    (online,) = by_type["azure-native:machinelearningservices:OnlineEndpoint"]
    assert online.inputs["endpointName"] == "acme-summarize"
    (deployment,) = by_type["azure-native:machinelearningservices:OnlineDeployment"]
    assert deployment.inputs["properties"]["instanceType"] == "Standard_NC24ads_A100_v4"
    (autoscale,) = by_type["azure-native:monitor:AutoscaleSetting"]
    assert autoscale.inputs["profiles"][0]["capacity"] == {"minimum": "1", "maximum": "3", "default": "1"}
    (diag,) = by_type["azure-native:monitor:DiagnosticSetting"]
    assert diag.inputs["name"] == "acme-audit"
