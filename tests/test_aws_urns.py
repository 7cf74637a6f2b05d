"""URN stability of the AWS zone: growing the config only adds resources; every existing URN stays as it was.

Baseline is the aws-prod config; each variant is a deep copy with one change, validated like a stack file,
then planned with the same program (llz.offline.plan_config).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from llmops_landing_zone.components.config.checks import cross_checks
from llmops_landing_zone.components.config.models import EndpointConfig, GpuPoolConfig, ReplicasConfig, TeamConfig, ZoneConfig
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline


@pytest.fixture(scope="module")
def baseline_cfg() -> ZoneConfig:
    return offline.load("aws-prod")[2]


@pytest.fixture(scope="module")
def baseline(baseline_cfg: ZoneConfig) -> Plan:
    return offline.plan_config(baseline_cfg)


def add_pool(cfg: ZoneConfig) -> None:
    cfg.gpu_pools["l40s-batch"] = GpuPoolConfig(gpu="L40S", gpus_per_node=1, min_nodes=0, max_nodes=2)


def add_vllm_endpoint(cfg: ZoneConfig) -> None:
    # No pool named: sizing adds a pool for it (keyed by the endpoint), so this also grows the pools.
    cfg.endpoints["assistant"] = EndpointConfig(
        model="mistral-7b",
        precision="bf16",
        max_context=4096,
        concurrency=2,
        runtime="vllm",
        replicas=ReplicasConfig(min=1, max=2),
    )


def add_managed_endpoint(cfg: ZoneConfig) -> None:
    cfg.endpoints["classify"] = EndpointConfig(
        model="llama-3.1-8b",
        precision="bf16",
        max_context=4096,
        concurrency=4,
        runtime="managed",
        replicas=ReplicasConfig(min=1, max=2),
    )


def add_team(cfg: ZoneConfig) -> None:
    cfg.teams["support"] = TeamConfig(
        role="viewer", members=["arn:aws:iam::123456789012:role/support"], gpu_quota=0
    )


def raise_max_nodes(cfg: ZoneConfig) -> None:
    cfg.gpu_pools["l4-serving"].max_nodes += 4


VARIANTS: dict[str, tuple[Callable[[ZoneConfig], None], set[str]]] = {
    # change -> resource types that must appear in the plan's new URNs
    "add a pool": (
        add_pool,
        {"llmops:aws:GpuPool", "aws:eks/nodeGroup:NodeGroup", "aws:autoscaling/tag:Tag"},
    ),
    "add a vLLM endpoint": (
        add_vllm_endpoint,
        {
            "llmops:k8s:VllmEndpoint",
            "llmops:aws:GpuPool",
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        },
    ),
    "add a managed endpoint": (
        add_managed_endpoint,
        {"llmops:aws:ManagedEndpoint", "aws:sagemaker/endpoint:Endpoint"},
    ),
    "add a team": (add_team, {"llmops:aws:TeamAccess", "aws:eks/accessEntry:AccessEntry"}),
    "raise maxNodes": (raise_max_nodes, set()),
}


@pytest.mark.parametrize("change", list(VARIANTS))
def test_growing_the_config_keeps_every_existing_urn(
    change: str, baseline_cfg: ZoneConfig, baseline: Plan
) -> None:
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


def test_max_nodes_changes_only_the_pool_bounds(baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    cfg = baseline_cfg.model_copy(deep=True)
    raise_max_nodes(cfg)
    variant = offline.plan_config(cfg)
    changed = [r.name for r in variant.resources if r.inputs != baseline.by_urn(r.urn).inputs]
    assert changed == ["acme-llm-l4-serving"]
    assert (
        variant.one("aws:eks/nodeGroup:NodeGroup", "acme-llm-l4-serving").inputs["scalingConfig"]["maxSize"]
        == baseline_cfg.gpu_pools["l4-serving"].max_nodes + 4
    )


def test_plans_are_deterministic(baseline_cfg: ZoneConfig, baseline: Plan) -> None:
    """Same config, same plan: names, ids and ARNs derive from the config, never from chance (registration
    order may differ: Pulumi registers concurrently)."""
    again = offline.plan_config(baseline_cfg.model_copy(deep=True))
    assert {r.urn: r.inputs for r in again.resources} == {r.urn: r.inputs for r in baseline.resources}
