"""FinOps scale: a GPU pool's minimum-scale cost covers the minimum replicas of the endpoints scheduled on it
(the pool's own minimum may be 0), on every cloud, from the plan alone; and what the estimate cannot price is
reported (never zero) by the estimate, `llz preview`, `llz cost` and an advisory guardrail.

Expected figures are computed here from the catalog's prices and the config, never from components.finops."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from llmops_landing_zone.components.azure.os_disk import os_disk as azure_os_disk
from llmops_landing_zone.components import coldstart, catalog, finops
from llmops_landing_zone.components.config import ZoneConfig, parse_zone
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import cost, offline
from llmops_landing_zone.llz import preview as render
from llmops_landing_zone.llz.check import evaluate

H = 730
ROOT = Path(__file__).resolve().parent.parent
NODE_TYPES = ("aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool", "azure-native:containerservice:AgentPool")
# The issue's case per cloud: one on-demand pool at minNodes 0, one vLLM endpoint with replicas.min 1 on it.
ISSUE = {"aws": ("aws-prod", "L40S", 4), "gcp": ("gcp-prod", "A100-80GB", 2), "azure": ("azure-prod", "A100-80GB", 4)}


def reference(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return raw, copy.deepcopy(raw["llmops:zone"])


def issue_config(cloud: str, replicas_min: int = 1, budget: float = 1000) -> ZoneConfig:
    stack, gpu, gpus = ISSUE[cloud]
    raw, zone = reference(stack)
    zone["gpuPools"] = {"serving": {"gpu": gpu, "gpusPerNode": gpus, "minNodes": 0, "maxNodes": 2,
                                    "capacity": "on-demand"}}
    chat = {**zone["endpoints"]["chat"], "pool": "serving", "replicas": {"min": replicas_min, "max": max(4, replicas_min)}}
    chat.pop("canary", None)  # the scenario is one endpoint alone on its pool
    zone["endpoints"] = {"chat": chat}
    zone["vectorStores"] = {}
    zone["budget"]["monthlyLimitUsd"] = budget
    return parse_zone(zone, raw)


def pool_item(est: finops.CostEstimate, key: str) -> finops.CostItem:
    (found,) = [i for i in est.items if i.type in NODE_TYPES and i.name.endswith(f"-{key}")]
    return found


def node_month(cloud: str, instance: str, disk_gb: float, spot: bool = False, planned: bool = False) -> float:
    """One node for a month: instance hours (Spot-discounted) + its disk, from the catalog."""
    factor = 1 - catalog.spot_discount(cloud) if spot else 1.0
    hourly = catalog.shape_named(cloud, instance).usd_per_hour  # type: ignore[union-attr]
    if planned:  # a pool the zone planned: its node disk is raised for cold start (issue 12)
        shape = catalog.shape_named(cloud, instance)
        if cloud == "azure":  # an ephemeral OS disk is in the VM price; a managed one is billed
            disk = azure_os_disk("pool", shape, int(disk_gb))  # type: ignore[arg-type]
            disk_gb = 0 if disk.type == "Ephemeral" else disk.size_gb
        else:
            disk_gb = coldstart.node_disk_gb(disk_gb, shape.gpu_memory_gib)  # type: ignore[union-attr]
    return hourly * factor * H + disk_gb * catalog.item(cloud, "disk-gb-month").usd


@pytest.mark.parametrize("cloud", sorted(ISSUE))
def test_min_replicas_set_the_minimum_of_a_pool_that_scales_to_zero(cloud: str) -> None:
    cfg = issue_config(cloud)
    plan = offline.plan_config(cfg)
    est = finops.estimate(plan)
    _, gpu, gpus = ISSUE[cloud]
    shape = catalog.shape_for(cloud, gpu, gpus)
    assert shape is not None
    pool = cfg.gpu_pools["serving"]
    assert pool.min_nodes == 0
    one_node = node_month(cloud, shape.name, pool.disk_size_gb, planned=True)
    item = pool_item(est, "serving")
    assert item.monthly_min_usd == pytest.approx(1 * one_node, abs=0.01)  # ceil(1 replica x 1 GPU / gpus) = 1
    assert item.monthly_max_usd == pytest.approx(2 * one_node, abs=0.01)  # the autoscaler's bound
    assert "min 1 node for 1 replica(s) of chat" in item.basis
    # the violation comes from the replica floor: without the pool, the zone costs less than the budget
    assert est.monthly_min_usd - item.monthly_min_usd < 1000 < est.monthly_min_usd
    found = [v for v in evaluate(plan, cfg) if v.policy == "budget-covers-minimum-cost"]
    assert [(v.enforcement, v.suppressed_by) for v in found] == [("mandatory", None)]
    assert f"${est.monthly_min_usd:,.0f}/month at minimum scale" in found[0].message


def test_replicas_pack_onto_multi_gpu_nodes() -> None:
    """Replicas of 1 GPU on 4-GPU nodes: 3 fit one node, 5 need two; the maximum never drops below."""
    for replicas, nodes in ((3, 1), (4, 1), (5, 2)):
        cfg = issue_config("aws", replicas_min=replicas, budget=100000)
        est = finops.estimate(offline.plan_config(cfg))
        one_node = node_month("aws", "g6e.12xlarge", cfg.gpu_pools["serving"].disk_size_gb, planned=True)
        item = pool_item(est, "serving")
        assert item.monthly_min_usd == pytest.approx(nodes * one_node, abs=0.01), replicas
        assert item.monthly_max_usd == pytest.approx(2 * one_node, abs=0.01)
        assert f"min {nodes} node{'s' if nodes > 1 else ''} for {replicas} replica(s) of chat" in item.basis


def test_aws_dev_minimum_reflects_its_endpoint_replica() -> None:
    _, _, cfg = offline.load("aws-dev")
    assert cfg.gpu_pools["l4-serving"].min_nodes == 0 and cfg.endpoints["chat"].replicas.min == 1
    est = finops.estimate(offline.plan("aws-dev"))
    item = pool_item(est, "l4-serving")
    spot_node = node_month("aws", "g6.xlarge", cfg.gpu_pools["l4-serving"].disk_size_gb, spot=True, planned=True)
    assert item.monthly_min_usd == pytest.approx(spot_node, abs=0.01)
    assert item.monthly_max_usd == pytest.approx(2 * spot_node, abs=0.01)
    assert item.basis.startswith("EKS nodes: min 1 node for 1 replica(s) of chat (pool minimum 0); 1-2 x g6.xlarge")


@pytest.mark.parametrize("stack", ["aws-dev", "gcp-dev", "azure-dev"])
def test_dev_reference_stacks_price_their_always_on_replica(stack: str) -> None:
    est = finops.estimate(offline.plan(stack))
    pools = [i for i in est.items if i.type in NODE_TYPES and "serving" in i.name]
    assert pools and all(i.monthly_min_usd > 0 and "replica(s) of chat" in i.basis for i in pools)


# --- the same from hand-built plans: fixed replicas, AKS agent pool profiles, several endpoints, no floor ------


def res(type_: str, name: str, inputs: dict[str, Any]) -> PlannedResource:
    return PlannedResource(urn=f"urn:pulumi:t::p::{type_}::{name}", type=type_, name=name, parent=None, custom=True,
                           inputs=inputs, dependencies=[])


def gpu_deployment(name: str, pool: str, gpus: int, replicas: int | None = None, ns: str = "llm-serving") -> PlannedResource:
    spec: dict[str, Any] = {"template": {"metadata": {"labels": {"llmops.io/endpoint": name}}, "spec": {
        "nodeSelector": {"llmops.io/pool": pool},
        "containers": [{"name": "vllm", "resources": {"limits": {"cpu": "3", "nvidia.com/gpu": str(gpus)}}}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return res("kubernetes:apps/v1:Deployment", f"{name}-deploy",
               {"metadata": {"name": name, "namespace": ns}, "spec": spec})


def hpa(name: str, low: int | None, high: int, ns: str = "llm-serving") -> PlannedResource:
    spec: dict[str, Any] = {"scaleTargetRef": {"kind": "Deployment", "name": name}, "maxReplicas": high}
    if low is not None:
        spec["minReplicas"] = low
    return res("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", f"{name}-hpa",
               {"metadata": {"name": name, "namespace": ns}, "spec": spec})


def items(cloud: str, *resources: PlannedResource) -> dict[str, finops.CostItem]:
    return {i.name: i for i in finops.estimate(Plan("t", cloud, "prod", list(resources))).items}


def test_fixed_replicas_and_several_endpoints_sum_their_gpus() -> None:
    pool = res("aws:eks/nodeGroup:NodeGroup", "pool", {
        "instanceTypes": ["g6.12xlarge"], "labels": {"llmops.io/pool": "shared"}, "diskSize": 100,
        "scalingConfig": {"minSize": 0, "maxSize": 1}})
    found = items("aws", pool, gpu_deployment("a", "shared", 2, replicas=2), gpu_deployment("b", "shared", 1),
                  hpa("b", 3, 6), gpu_deployment("elsewhere", "other", 4, replicas=5),
                  gpu_deployment("cpu-only", "shared", 0, replicas=9))
    node = node_month("aws", "g6.12xlarge", 100)
    # (2 x 2 + 3 x 1) GPUs / 4 per node = 7/4 -> 2 nodes; the maximum (1) is raised to the minimum
    assert (found["pool"].monthly_min_usd, found["pool"].monthly_max_usd) == (
        pytest.approx(2 * node, abs=0.01), pytest.approx(2 * node, abs=0.01))
    assert "min 2 nodes for 2 replica(s) of a, 3 replica(s) of b (pool minimum 0)" in found["pool"].basis


def test_an_hpa_without_min_replicas_keeps_one_and_a_higher_pool_minimum_wins() -> None:
    pool = res("gcp:container/nodePool:NodePool", "pool", {
        "nodeConfig": {"machineType": "g2-standard-4", "labels": {"llmops.io/pool": "l4"}, "diskSizeGb": 100},
        "autoscaling": {"totalMinNodeCount": 3, "totalMaxNodeCount": 5}})
    found = items("gcp", pool, gpu_deployment("chat", "l4", 1), hpa("chat", None, 4))
    node = node_month("gcp", "g2-standard-4", 100)
    assert found["pool"].monthly_min_usd == pytest.approx(3 * node, abs=0.01)  # 3 >= 1 replica: pool wins
    assert "replica" not in found["pool"].basis
    zero = res("gcp:container/nodePool:NodePool", "zero", {**pool.inputs, "autoscaling": {
        "totalMinNodeCount": 0, "totalMaxNodeCount": 5}})
    found = items("gcp", zero, gpu_deployment("chat", "l4", 1), hpa("chat", None, 4))
    assert found["zero"].monthly_min_usd == pytest.approx(node, abs=0.01)  # HPA minReplicas defaults to 1
    parked = items("gcp", zero, gpu_deployment("chat", "l4", 1), hpa("chat", 0, 4))
    assert parked["zero"].monthly_min_usd == 0  # an endpoint parked at 0 replicas keeps nothing running


def test_aks_agent_pool_profiles_and_agent_pools_see_their_replicas() -> None:
    a = {k: catalog.item("azure", k).usd for k in ("cluster-hour:Free", "disk-gb-month")}
    cluster = res("azure-native:containerservice:ManagedCluster", "aks", {"sku": {"tier": "Free"}, "agentPoolProfiles": [
        {"name": "gpu", "vmSize": "Standard_NC24ads_A100_v4", "enableAutoScaling": True, "minCount": 0, "maxCount": 3,
         "osDiskType": "Ephemeral", "nodeLabels": {"llmops.io/pool": "a100"}}]})
    pool = res("azure-native:containerservice:AgentPool", "pool", {
        "vmSize": "Standard_NC96ads_A100_v4", "enableAutoScaling": True, "minCount": 0, "maxCount": 2,
        "osDiskSizeGB": 128, "nodeLabels": {"llmops.io/pool": "big"}})
    found = items("azure", cluster, pool, gpu_deployment("chat", "a100", 1), hpa("chat", 2, 3),
                  gpu_deployment("reason", "big", 4), hpa("reason", 1, 2))
    small = catalog.shape_named("azure", "Standard_NC24ads_A100_v4").usd_per_hour * H  # type: ignore[union-attr]
    assert found["aks"].monthly_min_usd == pytest.approx(a["cluster-hour:Free"] * H + 2 * small, abs=0.01)
    assert "min 2 nodes for 2 replica(s) of chat" in found["aks"].basis
    big = node_month("azure", "Standard_NC96ads_A100_v4", 128)
    assert found["pool"].monthly_min_usd == pytest.approx(big, abs=0.01)


def test_a_preview_plan_view_with_unknowns_still_prices() -> None:
    """Under `pulumi preview` unknown values arrive as "<computed>": the floor falls back to one replica."""
    pool = res("aws:eks/nodeGroup:NodeGroup", "pool", {
        "instanceTypes": ["g6.xlarge"], "labels": "<computed>", "scalingConfig": {"minSize": 0, "maxSize": 2}})
    found = items("aws", pool, gpu_deployment("chat", "l4", 1), hpa("chat", 1, 2))
    assert found["pool"].priced and found["pool"].monthly_min_usd == 0  # labels unknown: no floor, no crash
    labelled = res("aws:eks/nodeGroup:NodeGroup", "pool", {**pool.inputs, "labels": {"llmops.io/pool": "l4"}})
    found = items("aws", labelled, gpu_deployment("chat", "l4", 1), hpa("chat", "<computed>", 2))  # type: ignore[arg-type]
    assert found["pool"].monthly_min_usd == pytest.approx(node_month("aws", "g6.xlarge", 20), abs=0.01)


# --- planned but unpriceable: a Vertex AI endpoint whose model the ML pipeline deploys -------------------------


@pytest.fixture(scope="module")
def vertex_outside_garden() -> tuple[ZoneConfig, Plan]:
    raw, zone = reference("gcp-prod")
    zone["endpoints"]["summarize"] = {**zone["endpoints"]["summarize"], "model": "llama-3.1-8b", "precision": "fp8"}
    cfg = parse_zone(zone, raw)
    return cfg, offline.plan_config(cfg, stack="gcp-prod")


def test_a_vertex_endpoint_outside_model_garden_is_not_priced(vertex_outside_garden: tuple[ZoneConfig, Plan]) -> None:
    _, plan = vertex_outside_garden
    assert plan.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    est = finops.estimate(plan)
    (item,) = est.unpriced
    assert item.type == "gcp:vertex/aiEndpoint:AiEndpoint" and not item.priced
    assert "deployed outside the plan" in item.basis
    assert not est.complete
    assert est.monthly_min_usd == round(sum(i.monthly_min_usd for i in est.items if i.priced), 2)
    assert finops.plan_cost_dict(est)["unpriced"] == [{"urn": item.urn, "type": item.type, "reason": item.basis}]


def test_unpriced_items_are_warned_about_in_preview_and_cost(vertex_outside_garden: tuple[ZoneConfig, Plan]) -> None:
    cfg, plan = vertex_outside_garden
    render.attach_policy_and_cost(plan, cfg)
    console = Console(record=True, width=400)
    render.print_preview(plan, console)
    text = console.export_text()
    assert "monthly cost: at least $" in text and "(1 resource(s) not priced)" in text
    assert "warning: not priced, not in the totals: acme-llm-summarize (gcp:vertex/aiEndpoint:AiEndpoint)" in text
    est = finops.estimate(plan)
    table = Console(record=True, width=400)
    table.print(cost.estimate_table(est))
    assert f"at least {est.monthly_min_usd:,.2f}" in table.export_text()
    assert cost.estimate_markdown(est).splitlines()[2].startswith("At least **")


def test_the_guardrail_reports_unpriced_items_as_advice(vertex_outside_garden: tuple[ZoneConfig, Plan]) -> None:
    cfg, plan = vertex_outside_garden
    found = [v for v in evaluate(plan, cfg) if v.policy == "cost-estimate-complete"]
    assert [(v.enforcement, v.urn.rsplit("::", 1)[-1]) for v in found] == [("advisory", "acme-llm-summarize")]
    assert "not in the cost totals" in found[0].message
    from llmops_landing_zone.policies import registry

    rule = registry.rule_named("cost-estimate-complete")
    assert {rule.level(e) for e in ("dev", "staging", "prod")} == {"advisory"}


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod", "gcp-dev", "gcp-prod", "azure-dev", "azure-prod"])
def test_reference_stacks_price_everything(stack: str) -> None:
    est = finops.estimate(offline.plan(stack))
    assert est.complete, [(i.name, i.basis) for i in est.unpriced]
    assert math.isfinite(est.monthly_min_usd)
