"""Canary, A/B and shadow releases (issue 15, item 4): the config refuses what no runtime can do (with key paths),
each cloud's plan shows the split the config asks for, and adding, promoting or removing a canary leaves every URN
of the endpoint's stable objects where it was."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.components.config.errors import ConfigError
from llmops_landing_zone.components.gcp.serving import CANARY_LABEL, deployed_model_id
from llmops_landing_zone.components.k8s.vllm import CANARY_MODE, CANARY_OF, CANARY_WEIGHT, canary_service_name
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline

STACKS = Path(__file__).resolve().parent.parent / "stacks"
Raw = dict[str, Any]
DEPLOYMENT, SERVICE = "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"
SM_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ML_ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
ML_DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
VERTEX = "gcp:vertex/aiEndpoint:AiEndpoint"


def raw(cloud: str) -> tuple[Raw, Raw]:
    config = yaml.safe_load((STACKS / f"Pulumi.{cloud}-prod.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def parsed(cloud: str, mutate: Callable[[Raw], None]) -> Any:
    zone, provider = raw(cloud)
    mutate(zone)
    return parse_zone(zone, provider)


def plan_of(cloud: str, mutate: Callable[[Raw], None]) -> Plan:
    return offline.plan_config(parsed(cloud, mutate), stack=f"{cloud}-prod")


def issues(cloud: str, mutate: Callable[[Raw], None]) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        parsed(cloud, mutate)
    return dict(err.value.issues)


def one(plan: Plan, type_: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.of_type(type_) if r.name == name]
    return found


# --- config: what is refused, with its key path -----------------------------------------------------------

def _canary(endpoint: str, **block: Any) -> Callable[[Raw], None]:
    def edit(z: Raw) -> None:
        z["endpoints"][endpoint]["canary"] = block
    return edit


@pytest.mark.parametrize("weight", [0, 51, 100])
def test_a_weight_outside_1_to_50_is_refused(weight: int) -> None:
    found = issues("aws", _canary("chat", model="mistral-7b", weight=weight))
    assert "1..50" in found["endpoints.chat.canary.weight"]


def test_mirror_on_a_vertex_managed_endpoint_is_refused_and_says_why() -> None:
    def edit(z: Raw) -> None:
        z["endpoints"]["assist"] = {"model": "llama-3.1-8b", "precision": "fp16", "runtime": "managed",
                                    "replicas": {"min": 1, "max": 2},
                                    "canary": {"model": "mistral-7b", "precision": "fp16", "mirror": True}}
    found = issues("gcp", edit)
    assert "no mirroring" in found["endpoints.assist.canary.mirror"]


def test_a_canary_on_a_model_garden_deployment_is_refused() -> None:
    found = issues("gcp", _canary("summarize", model="llama-3.1-8b", weight=10))
    assert "Model Garden" in found["endpoints.summarize.canary"]


def test_other_invalid_canaries_are_refused_with_their_key_paths() -> None:
    assert "unknown model" in issues("aws", _canary("chat", model="gpt-9"))["endpoints.chat.canary.model"]
    assert "same model" in issues("aws", _canary("chat", model="llama-3.1-8b"))["endpoints.chat.canary.model"]
    short = {"name": "acme/short-ctx-7b", "layers": 32, "attentionHeads": 32, "kvHeads": 8, "headDim": 128,
             "parameters": 7_000_000_000, "maxContext": 4096}
    assert "exceeds" in issues("aws", _canary("chat", model=short))["endpoints.chat.canary.model"]
    found = issues("aws", _canary("chat", model="mistral-7b", replicas={"min": 3, "max": 1}))
    assert "must not exceed" in found["endpoints.chat.canary.replicas.min"]
    found = issues("aws", _canary("summarize", model="llama-3.1-8b", replicas={"min": 0, "max": 1}))
    assert "cannot scale to zero" in found["endpoints.summarize.canary.replicas.min"]
    found = issues("azure", _canary("summarize", model="qwen2.5-72b"))
    assert "Azure ML model catalog" in found["endpoints.summarize.canary.model"]
    found = issues("azure", _canary("summarize", model="llama-3.1-8b", checkpoint="fine-tunes/x"))
    assert "registry model" in found["endpoints.summarize.canary.checkpoint"]

    def clash(z: Raw) -> None:
        z["endpoints"]["chat-canary"] = copy.deepcopy(z["endpoints"]["chat"])
        z["endpoints"]["chat-canary"].pop("canary", None)
    assert "also an endpoint's key" in issues("aws", clash)["endpoints.chat.canary"]


def test_a_canary_that_does_not_fit_the_pool_or_the_pool_capacity_is_refused() -> None:
    found = issues("aws", _canary("chat", model="llama-3.1-70b"))  # 70B on one L4
    assert "endpoint's pool 'l4-serving'" in found["endpoints.chat.canary.model"]
    found = issues("aws", _canary("reasoning", model="qwen2.5-72b"))  # 2 x 8 + 1 x 8 GPUs on 2 H100 nodes
    assert "reasoning.canary: 1 x 8 GPU(s)" in found["gpuPools.h100-serving.maxNodes"]


def test_the_cli_refuses_a_bad_canary_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys
    doc = yaml.safe_load((STACKS / "Pulumi.aws-prod.yaml").read_text())
    doc["config"]["llmops:zone"]["endpoints"]["chat"]["canary"]["weight"] = 75
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    run = subprocess.run([sys.executable, "-m", "llmops_landing_zone.llz.cli", "validate", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "llmops:zone.endpoints.chat.canary.weight" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


# --- plans: the split matches the config on every runtime -------------------------------------------------------

@pytest.fixture(scope="module")
def prod() -> dict[str, Plan]:
    return {cloud: offline.plan(f"{cloud}-prod") for cloud in ("aws", "gcp", "azure")}


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_the_vllm_canary_has_its_own_objects_with_disjoint_selectors(prod: dict[str, Plan], cloud: str) -> None:
    plan = prod[cloud]
    by_name = {(r.type, r.inputs["metadata"]["name"]): r for r in plan.resources
               if r.type.startswith("kubernetes:") and isinstance(r.inputs.get("metadata"), dict)
               and r.inputs["metadata"].get("name") in ("chat", "chat-canary")}
    stable_svc, canary_svc = by_name[(SERVICE, "chat")], by_name[(SERVICE, canary_service_name("chat"))]
    canary = by_name[(DEPLOYMENT, "chat-canary")]
    stable = by_name[(DEPLOYMENT, "chat")]
    # disjoint: neither Service selects the other's pods
    canary_pods = canary.inputs["spec"]["template"]["metadata"]["labels"]
    stable_pods = stable.inputs["spec"]["template"]["metadata"]["labels"]
    assert not stable_svc.inputs["spec"]["selector"].items() <= canary_pods.items()
    assert not canary_svc.inputs["spec"]["selector"].items() <= stable_pods.items()
    assert canary_svc.inputs["spec"]["selector"].items() <= canary_pods.items()
    assert canary_pods["llmops.io/track"] == "canary"
    for r in (canary, canary_svc):
        notes = r.inputs["metadata"]["annotations"]
        assert (notes[CANARY_OF], notes[CANARY_WEIGHT], notes[CANARY_MODE]) == ("chat", "10", "weighted")
    args = canary.inputs["spec"]["template"]["spec"]["containers"][0]["args"]
    names = args[args.index("--served-model-name") + 1:args.index("--port")]
    assert names == ["llama-3.1-8b", "mistral-7b"]  # the endpoint's name (what the gateway routes) and its own
    assert any("mistral" in a.lower() for a in args[:1])  # the canary's weights
    for kind in ("kubernetes:policy/v1:PodDisruptionBudget", "kubernetes:keda.sh/v1alpha1:ScaledObject"):
        assert {"chat", "chat-canary"} <= {r.inputs["metadata"]["name"] for r in plan.of_type(kind)}, kind


def test_sagemaker_shadow_variant_samples_the_configured_share(prod: dict[str, Plan]) -> None:
    config = one(prod["aws"], SM_CONFIG, "acme-llm-summarize").inputs
    (main,) = config["productionVariants"]
    (shadow,) = config["shadowProductionVariants"]
    assert (main["variantName"], shadow["variantName"]) == ("AllTraffic", "Canary")
    assert shadow["initialVariantWeight"] / main["initialVariantWeight"] == pytest.approx(0.20)
    assert shadow["instanceType"] == main["instanceType"]
    targets = {r.name for r in prod["aws"].of_type("aws:appautoscaling/target:Target")}
    assert {"acme-llm-summarize", "acme-llm-summarize-canary"} <= targets


def test_sagemaker_weighted_canary_is_a_second_production_variant() -> None:
    plan = plan_of("aws", _canary("summarize", model="llama-3.1-8b", weight=30))
    variants = one(plan, SM_CONFIG, "acme-llm-summarize").inputs["productionVariants"]
    assert [(v["variantName"], v["initialVariantWeight"]) for v in variants] == [("AllTraffic", 70.0),
                                                                                 ("Canary", 30.0)]
    assert "shadowProductionVariants" not in one(plan, SM_CONFIG, "acme-llm-summarize").inputs


def test_azure_ml_mirrors_the_configured_share_to_a_canary_deployment(prod: dict[str, Plan]) -> None:
    plan = prod["azure"]
    endpoint = one(plan, ML_ENDPOINT, "acme-llm-summarize-online")
    assert endpoint.inputs["properties"]["traffic"] == {"primary": 100}
    assert endpoint.inputs["properties"]["mirrorTraffic"] == {"canary": 20}
    canary = one(plan, ML_DEPLOYMENT, "acme-llm-summarize-canary-deployment")
    assert canary.inputs["deploymentName"] == "canary"
    assert canary.urn in endpoint.dependencies  # traffic is set once the deployment exists


def test_azure_ml_weighted_canary_splits_traffic() -> None:
    plan = plan_of("azure", _canary("summarize", model="llama-3.1-8b", weight=25))
    traffic = one(plan, ML_ENDPOINT, "acme-llm-summarize-online").inputs["properties"]
    assert traffic["traffic"] == {"primary": 75, "canary": 25}
    assert "mirrorTraffic" not in traffic


def test_vertex_splits_traffic_between_the_two_deployed_models() -> None:
    def edit(z: Raw) -> None:
        z["endpoints"]["assist"] = {"model": "llama-3.1-8b", "precision": "fp16", "runtime": "managed",
                                    "replicas": {"min": 1, "max": 2},
                                    "canary": {"model": "mistral-7b", "precision": "fp16", "weight": 25}}
    plan = plan_of("gcp", edit)
    endpoint = one(plan, VERTEX, "acme-llm-assist").inputs
    project = raw("gcp")[1]["gcp:project"]
    stable, canary = (deployed_model_id(project, "acme-llm", k) for k in ("assist", "assist-canary"))
    assert json.loads(endpoint["trafficSplit"]) == {stable: 75, canary: 25}
    assert endpoint["labels"][CANARY_LABEL] == canary


def test_the_cost_estimate_includes_the_canaries() -> None:
    from llmops_landing_zone.components import finops
    base = finops.estimate(plan_of("aws", _remove_canaries))
    with_canaries = finops.estimate(offline.plan("aws-prod"))
    assert with_canaries.monthly_min_usd > base.monthly_min_usd  # the shadow variant and the canary replica


# --- URN stability: add, promote, remove ------------------------------------------------------------------------

def _remove_canaries(z: Raw) -> None:
    for ep in z["endpoints"].values():
        ep.pop("canary", None)


def _promote(z: Raw) -> None:
    for ep in z["endpoints"].values():
        canary = ep.pop("canary", None)
        if canary:
            ep["model"] = canary["model"]


def _canary_urn(urn: str) -> bool:
    return "canary" in urn.rsplit("::", 1)[-1] or "-canary" in urn


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_adding_promoting_and_removing_a_canary_keeps_every_stable_urn(prod: dict[str, Plan], cloud: str) -> None:
    without = plan_of(cloud, _remove_canaries).urns
    with_canary = prod[cloud].urns
    promoted = plan_of(cloud, _promote).urns
    added = with_canary - without
    assert added and all(_canary_urn(u) for u in added), sorted(u for u in added if not _canary_urn(u))
    assert without <= with_canary  # adding: nothing stable moves
    assert promoted == without  # promoting = removing the block + the new model: the stable URNs, nothing else
