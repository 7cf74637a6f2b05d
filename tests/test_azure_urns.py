"""URN stability of the Azure zone: growing the config only adds resources; every existing URN stays as it was.

Baseline is the azure-prod config; each variant is a deep copy with one change, validated like a stack file,
then planned with the same program (llz.offline.plan_config).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from llmops_landing_zone.components.config.checks import cross_checks
from llmops_landing_zone.components.config.models import (
    EndpointConfig,
    GpuPoolConfig,
    ReplicasConfig,
    TeamConfig,
    VectorStoreConfig,
    ZoneConfig,
)
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline

NEW_MEMBER = "0b7c9e42-5a1d-4f3e-8b26-9d4c1a7e5f03"


@pytest.fixture(scope="module")
def baseline_cfg() -> ZoneConfig:
    return offline.load("azure-prod")[2]


@pytest.fixture(scope="module")
def baseline(baseline_cfg: ZoneConfig) -> Plan:
    return offline.plan_config(baseline_cfg)


def add_pool(cfg: ZoneConfig) -> None:
    cfg.gpu_pools["t4-batch"] = GpuPoolConfig(gpu="T4", gpus_per_node=4, min_nodes=0, max_nodes=2, capacity="spot")


def add_vllm_endpoint(cfg: ZoneConfig) -> None:
    # No pool named: sizing adds a pool for it (keyed, and named in AKS, by the endpoint).
    cfg.endpoints["assistant"] = EndpointConfig(model="mistral-7b", precision="bf16", max_context=4096, concurrency=2,
                                                runtime="vllm", replicas=ReplicasConfig(min=1, max=2))


def add_managed_endpoint(cfg: ZoneConfig) -> None:
    cfg.endpoints["classify"] = EndpointConfig(model="llama-3.1-8b", precision="bf16", max_context=4096,
                                               concurrency=4, runtime="managed", replicas=ReplicasConfig(min=1, max=2))


def add_team(cfg: ZoneConfig) -> None:
    cfg.teams["support"] = TeamConfig(role="viewer", members=["5e8f0c2a-9b14-4d7e-a3c6-1f2b8d9e0a57"], gpu_quota=0)


def add_member(cfg: ZoneConfig) -> None:
    cfg.teams["research"].members.insert(0, NEW_MEMBER)  # first: position-keyed names would all shift


def add_vector_store(cfg: ZoneConfig) -> None:
    cfg.vector_stores["faq"] = VectorStoreConfig(engine="cosmosdb", dimensions=384, metric="cosine")


def raise_max_nodes(cfg: ZoneConfig) -> None:
    cfg.gpu_pools["a100-serving"].max_nodes += 4


ASSIGNMENTS = {"azure-native:authorization:RoleAssignment", "azure-native:cosmosdb:SqlResourceSqlRoleAssignment"}
VARIANTS: dict[str, tuple[Callable[[ZoneConfig], None], set[str]]] = {
    # change -> resource types that must appear among the plan's new URNs
    "add a pool": (add_pool, {"llmops:azure:GpuPool", "azure-native:containerservice:AgentPool"}),
    "add a vLLM endpoint": (add_vllm_endpoint, {
        "llmops:azure:VllmService", "llmops:k8s:VllmEndpoint", "llmops:azure:GpuPool",
        "azure-native:managedidentity:FederatedIdentityCredential"}),
    "add a managed endpoint": (add_managed_endpoint, {
        "llmops:azure:ManagedEndpoint", "azure-native:machinelearningservices:OnlineDeployment"}),
    "add a team": (add_team, {"llmops:azure:TeamAccess", "llmops:k8s:TeamNamespace", *ASSIGNMENTS}),
    "add a team member": (add_member, ASSIGNMENTS),
    "add a vector store": (add_vector_store, {"llmops:azure:CosmosVectorStore",
                                              "azure-native:cosmosdb:SqlResourceSqlContainer"}),
    "raise maxNodes": (raise_max_nodes, set()),
}


@pytest.mark.parametrize("change", list(VARIANTS))
def test_growing_the_config_keeps_every_existing_urn(change: str, baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    mutate, added_types = VARIANTS[change]
    cfg = baseline_cfg.model_copy(deep=True)
    mutate(cfg)
    assert cross_checks(cfg) == [], "the variant must be a valid config"
    variant = offline.plan_config(cfg)
    missing = baseline.urns - variant.urns
    assert not missing, f"{change} changed or removed URNs:\n" + "\n".join(sorted(missing))
    new = variant.urns - baseline.urns
    assert {variant.by_urn(u).type for u in new} >= added_types
    if not added_types:
        assert not new
    if change == "add a team member":
        assert {variant.by_urn(u).type for u in new} == ASSIGNMENTS
        assert all(NEW_MEMBER in variant.by_urn(u).name for u in new)


def test_a_new_member_changes_only_the_team_binding(baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    cfg = baseline_cfg.model_copy(deep=True)
    add_member(cfg)
    variant = offline.plan_config(cfg)
    changed = [r.name for r in variant.resources if r.urn in baseline.urns
               and r.inputs != baseline.by_urn(r.urn).inputs]
    assert changed == ["acme-llm-team-research-rolebinding"]


def test_max_nodes_changes_only_the_pool_bounds(baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    cfg = baseline_cfg.model_copy(deep=True)
    raise_max_nodes(cfg)
    variant = offline.plan_config(cfg)
    changed = [r.name for r in variant.resources if r.inputs != baseline.by_urn(r.urn).inputs]
    assert changed == ["acme-llm-pool-a100-serving"]
    assert variant.one("azure-native:containerservice:AgentPool", "acme-llm-pool-a100-serving").inputs[
        "maxCount"] == 12


def test_plans_are_deterministic(baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    """Same config, same plan: names, ids and role-assignment GUIDs derive from the config and the subscription,
    never from chance (registration order may differ: Pulumi registers concurrently)."""
    again = offline.plan_config(baseline_cfg.model_copy(deep=True))
    assert {r.urn: r.inputs for r in again.resources} == {r.urn: r.inputs for r in baseline.resources}
