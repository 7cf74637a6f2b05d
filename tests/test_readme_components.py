"""README "Use one component in your own program": each cloud's example runs as written, and the public API
of the cloud packages is what the examples import.

Each ```python block of the section is executed as a Pulumi program (``__main__``) under the offline engine,
then checked against what it registered: the GPU pool on the catalog shape the example names, joined to the
example's own cluster (on AWS: its Auto Scaling group tagged for that cluster's autoscaler) and the vLLM
Deployment scheduled onto that pool (node selector, GPU limit, tolerations), through the example's own
Kubernetes provider."""

from __future__ import annotations

import functools
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components.k8s.meta import SERVING_NAMESPACE
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, POOL_LABEL
from llmops_landing_zone.components.plan import PlannedResource
from llmops_landing_zone.components.resolve import PoolSpec, Resources
from llmops_landing_zone.llz import engine

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Use one component in your own program"
CLOUDS = ("aws", "gcp", "azure")
SDK = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "azure": "pulumi_azure_native"}
GCP_PROJECT = "my-ml-project"
# How the engine runs each example: the stack's region (and, on AWS, the provider's region config, which the
# example's kubeconfig reads), as `pulumi up` would pass them.
RUN: dict[str, dict[str, Any]] = {
    "aws": {"region": "us-east-1", "config": {"aws:region": "us-east-1"}},
    "gcp": {"region": "us-central1", "config": {"gcp:project": GCP_PROJECT}, "gcp_project": GCP_PROJECT},
    "azure": {"region": "eastus", "config": {}},
}
CA = "k8s.io/cluster-autoscaler"


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    assert readme.count(HEADING + "\n") == 1
    body = readme.split(HEADING + "\n", 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]


def _examples() -> dict[str, str]:
    """The section's python blocks by the cloud package each imports."""
    out: dict[str, str] = {}
    for block in re.findall(r"^```python\n(.*?)^```", _section(), flags=re.DOTALL | re.MULTILINE):
        (cloud,) = set(re.findall(r"^from llmops_landing_zone\.components\.(aws|gcp|azure) import", block, flags=re.MULTILINE))
        assert cloud not in out, f"two {cloud} examples"
        out[cloud] = block
    return out


EXAMPLES = _examples()


def _spec(code: str) -> PoolSpec:
    """The PoolSpec the example builds, rebuilt from its ``PoolSpec.of_shape(...)`` call."""
    m = re.search(r"PoolSpec\.of_shape\((.*?)\)\n", code, flags=re.DOTALL)
    assert m, "the example names its shape with PoolSpec.of_shape"
    return eval(f"PoolSpec.of_shape({m.group(1)})", {"PoolSpec": PoolSpec})  # the README's own literals


@functools.cache
def _run(cloud: str) -> tuple[str, PoolSpec, dict[str, list[PlannedResource]]]:
    """Run the cloud's example as a program's ``__main__.py``; what it registered, by type."""
    code = EXAMPLES[cloud]
    program = compile(code, f"README.md ({cloud} example)", "exec")
    run = lambda: exec(program, {"__name__": "__main__"})  # noqa: S102 - the README block, as __main__.py
    records, mocks = engine.run(run, stack="example", **RUN[cloud])
    assert not mocks.unmocked_calls
    by_type: dict[str, list[PlannedResource]] = {}
    for r in records:
        by_type.setdefault(r.type, []).append(r)
    return cloud, _spec(code), by_type


@pytest.fixture(params=CLOUDS)
def example(request: pytest.FixtureRequest) -> tuple[str, PoolSpec, dict[str, list[PlannedResource]]]:
    return _run(request.param)


def test_the_section_has_one_example_per_cloud() -> None:
    assert set(EXAMPLES) == set(CLOUDS)
    for cloud, code in EXAMPLES.items():
        assert f"from llmops_landing_zone.components.{cloud} import GpuPool, GpuPoolArgs, PoolSpec" in code
        assert "from llmops_landing_zone.components.k8s import" in code and "VllmEndpoint" in code
        assert "ZoneConfig" not in code and "llmops:zone" not in code  # resolved values in, no zone config
        lines = [line for line in code.splitlines() if line.strip()]
        assert len(lines) <= 45, f"the {cloud} example grew past a copyable size"


def test_the_pool_is_the_named_shape_on_the_examples_cluster(example: tuple) -> None:
    cloud, spec, by_type = example
    if cloud == "aws":
        (eks,) = by_type["aws:eks/cluster:Cluster"]
        (group,) = [g for g in by_type["aws:eks/nodeGroup:NodeGroup"]
                    if g.inputs.get("labels", {}).get(POOL_LABEL) == spec.key]
        assert group.inputs["instanceTypes"] == [spec.shape.name]
        assert group.inputs["clusterName"] == eks.inputs["name"]
        assert eks.urn in group.dependencies  # named by a plain string: ordered by depends_on
        assert group.inputs["scalingConfig"]["minSize"] == spec.min_nodes
    elif cloud == "gcp":
        (cluster,) = by_type["gcp:container/cluster:Cluster"]
        (pool,) = [p for p in by_type["gcp:container/nodePool:NodePool"]
                   if p.inputs["nodeConfig"].get("labels", {}).get(POOL_LABEL) == spec.key]
        assert pool.inputs["nodeConfig"]["machineType"] == spec.shape.name
        assert pool.inputs["nodeConfig"]["guestAccelerators"][0]["count"] == spec.gpus_per_node
        assert pool.inputs["cluster"].endswith(f"/clusters/{cluster.inputs['name']}")  # the cluster's id
        assert pool.inputs["autoscaling"]["totalMaxNodeCount"] == spec.max_nodes
    else:
        (aks,) = by_type["azure-native:containerservice:ManagedCluster"]
        (pool,) = by_type["azure-native:containerservice:AgentPool"]
        assert pool.inputs["vmSize"] == spec.shape.name
        assert pool.inputs["resourceName"] == aks.inputs["resourceName"]
        assert pool.inputs["nodeLabels"][POOL_LABEL] == spec.key
        assert pool.inputs["scaleSetPriority"] == ("Spot" if spec.spot else "Regular")


def test_aws_asg_is_tagged_for_the_examples_cluster() -> None:
    _, _, by_type = _run("aws")
    (eks,) = by_type["aws:eks/cluster:Cluster"]
    tags = {t.inputs["tag"]["key"]: t.inputs["tag"]["value"] for t in by_type["aws:autoscaling/tag:Tag"]}
    owners = {k for k in tags if k.startswith(f"{CA}/") and not k.startswith(f"{CA}/node-template/")
              and k != f"{CA}/enabled"}
    assert owners == {f"{CA}/{eks.inputs['name']}"} and tags[f"{CA}/{eks.inputs['name']}"] == "owned"
    assert tags[f"{CA}/enabled"] == "true"


def test_the_endpoint_runs_on_the_pool(example: tuple) -> None:
    cloud, spec, by_type = example
    (deploy,) = by_type["kubernetes:apps/v1:Deployment"]
    (provider,) = by_type["pulumi:providers:kubernetes"]
    assert deploy.provider == provider.urn  # the example's own provider
    assert deploy.inputs["metadata"]["namespace"] == SERVING_NAMESPACE
    pod = deploy.inputs["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {POOL_LABEL: spec.key}
    (container,) = pod["containers"]
    gpus = int(container["resources"]["limits"][GPU_RESOURCE])
    assert 1 <= gpus <= spec.gpus_per_node
    # Sized once by EndpointSpec.vllm: the replica's share of the pool's shape, vLLM's TP the GPUs it requests.
    res = Resources.of_shape(spec.shape, gpus)
    assert container["resources"]["limits"] == {"cpu": res.cpu, "memory": res.memory, GPU_RESOURCE: str(gpus)}
    args = container["args"]
    assert args[args.index("--tensor-parallel-size") + 1] == str(gpus)
    tolerated = {t["key"] for t in pod["tolerations"]}
    assert GPU_RESOURCE in tolerated
    if cloud == "azure" and spec.spot:
        assert "kubernetes.azure.com/scalesetpriority" in tolerated  # AKS's own taint on Spot nodes
    from llmops_landing_zone.components.k8s.images import vllm_image

    assert container["image"] == vllm_image(cloud).ref


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_public_api_resolves(cloud: str) -> None:
    package = importlib.import_module(f"llmops_landing_zone.components.{cloud}")
    assert {"GpuPool", "GpuPoolArgs", "PoolSpec", "scheduling"} <= set(package.__all__)
    gpu_pool = importlib.import_module(f"llmops_landing_zone.components.{cloud}.gpu_pool")
    for name in package.__all__:
        assert getattr(package, name) is not None
    assert package.GpuPool is gpu_pool.GpuPool and package.scheduling is gpu_pool.scheduling
    assert package.PoolSpec is PoolSpec
    with pytest.raises(AttributeError):
        package.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("cloud", CLOUDS)
def test_config_checks_do_not_load_the_cloud_sdk(cloud: str) -> None:
    """Config validation imports ``components.<cloud>.checks``; the package's exports must stay lazy."""
    probe = (f"import sys, components.{cloud}.checks, components.{cloud}; "
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in "
             f"({SDK[cloud]!r}, 'pulumi_kubernetes')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
