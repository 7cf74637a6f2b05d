"""Azure config validation: every Azure-specific rule rejects a bad stack with its key path, before anything is
registered; the Azure name rules render exactly the names the components build."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.registry import AZUREML_MODELS
from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.naming import NameRule

STACKS = Path(__file__).resolve().parent.parent / "stacks"
MEMBER = "3f2a9c1e-7b4d-4e8a-9c61-2d5f8b0a1e34"


def raw(stack: str = "azure-prod") -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def errors(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return info.value.lines


def errors_or_none(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    try:
        parse_zone(zone, provider)
    except ConfigError as exc:
        return exc.lines
    return []


def test_both_azure_stacks_are_valid() -> None:
    for stack in ("azure-dev", "azure-prod"):
        cfg = parse_zone(*raw(stack))
        assert cfg.cloud == "azure" and cfg.region == "eastus"
    prod = parse_zone(*raw())
    assert prod.audit.immutable and prod.deletion_protection and prod.protect_stateful
    assert {p.gpu for p in prod.gpu_pools.values()} & {"A100-80GB", "H100"}
    assert {ep.model for ep in prod.endpoints.values()} >= {"llama-3.1-8b", "llama-3.1-70b"}
    assert {ep.runtime for ep in prod.endpoints.values()} == {"vllm", "managed"}
    assert {s.engine for s in prod.vector_stores.values()} == {"ai-search", "cosmosdb"}
    assert len(prod.teams) == 3 and prod.budget is not None


def test_location_is_required() -> None:
    zone, provider = raw()
    del provider["azure-native:location"]
    assert "azure-native:location: the azure region is required (set azure-native:location)" in errors(zone, provider)


def test_principal_must_be_an_entra_object_id() -> None:
    zone, provider = raw()
    zone["teams"]["research"]["members"] = [MEMBER, "research@example.com"]
    lines = errors(zone, provider)
    assert any(line.startswith("llmops:zone.teams.research.members.1: ") and "object id" in line for line in lines)
    assert not any("members.0" in line for line in lines)


def test_a_member_listed_twice_is_refused() -> None:
    zone, provider = raw()
    zone["teams"]["research"]["members"] = [MEMBER, MEMBER.upper()]
    assert any(line.startswith("llmops:zone.teams.research.members.1: ") and "twice" in line
               for line in errors(zone, provider))


@pytest.mark.parametrize("engine", ["opensearch-serverless", "aurora-pgvector", "vertex-vector-search", "alloydb"])
def test_vector_engine_must_be_offered_on_azure(engine: str) -> None:
    zone, provider = raw()
    zone["vectorStores"]["docs"]["engine"] = engine
    assert any(line.startswith("llmops:zone.vectorStores.docs.engine: ") and "ai-search or cosmosdb" in line
               for line in errors(zone, provider))


@pytest.mark.parametrize("engine", ["ai-search", "cosmosdb"])
def test_vector_dimensions_stop_at_the_index_limit(engine: str) -> None:
    zone, provider = raw()
    zone["vectorStores"]["docs"] = {"engine": engine, "dimensions": 4097}
    assert any(line.startswith("llmops:zone.vectorStores.docs.dimensions: ") and "4096" in line
               for line in errors(zone, provider))
    zone["vectorStores"]["docs"]["dimensions"] = 4096
    parse_zone(zone, provider)


def test_gpu_must_be_offered_on_azure() -> None:
    zone, provider = raw()
    zone["gpuPools"]["a100-serving"]["gpu"] = "L4"  # an AWS and GCP GPU, no Azure VM size in the catalog
    assert any(line.startswith("llmops:zone.gpuPools.a100-serving.gpu: ") and "not offered on azure" in line
               for line in errors(zone, provider))


def test_vm_size_must_be_in_the_catalog() -> None:
    zone, provider = raw()
    zone["gpuPools"]["a100-serving"]["instanceType"] = "Standard_NC6s_v3"
    assert any(line.startswith("llmops:zone.gpuPools.a100-serving.instanceType: ") and "not a azure GPU shape" in line
               for line in errors(zone, provider))


def test_vm_size_must_match_gpu_and_count() -> None:
    zone, provider = raw()
    zone["gpuPools"]["a100-serving"]["instanceType"] = "Standard_NC48ads_A100_v4"  # 2 GPUs, the pool asks for 1
    assert any(line.startswith("llmops:zone.gpuPools.a100-serving.instanceType: ") for line in errors(zone, provider))


def test_managed_vm_size_must_be_an_azure_ml_shape_in_the_catalog() -> None:
    zone, provider = raw()
    zone["endpoints"]["summarize"]["instanceType"] = "Standard_NC6s_v3"
    assert any(line.startswith("llmops:zone.endpoints.summarize.instanceType: ") for line in errors(zone, provider))


def test_managed_model_needs_an_azure_ml_catalog_entry() -> None:
    zone, provider = raw()
    zone["endpoints"]["summarize"]["model"] = "qwen2.5-72b"
    lines = errors(zone, provider)
    assert any(line.startswith("llmops:zone.endpoints.summarize.model: ") and "Azure ML model catalog" in line
               for line in lines)
    zone["endpoints"]["summarize"]["model"] = "mistral-7b"
    zone["endpoints"]["summarize"]["precision"] = "int4"  # the registry checkpoint is bf16
    assert any(line.startswith("llmops:zone.endpoints.summarize.model: ") for line in errors(zone, provider))
    assert all(precision == "bf16" for _, precision in AZUREML_MODELS)


def test_agent_pool_names_are_at_most_twelve_lowercase_alphanumerics() -> None:
    zone, provider = raw()
    zone["gpuPools"]["a100-serving-big"] = dict(zone["gpuPools"]["a100-serving"])  # "a100servingbig": 14
    lines = errors(zone, provider)
    assert any(line.startswith("llmops:zone.gpuPools.a100-serving-big: ") and "AKS agent pool" in line
               and "limit of 12" in line for line in lines)


def test_a_pool_sized_for_an_endpoint_is_named_after_it_and_checked_too() -> None:
    zone, provider = raw()
    zone["endpoints"]["assistant-large"] = {"model": "mistral-7b", "maxContext": 4096, "concurrency": 2}
    lines = errors(zone, provider)
    assert [line for line in lines if line.startswith("llmops:zone.endpoints.assistant-large: ")
            and "AKS agent pool" in line and "limit of 12" in line]


@pytest.mark.parametrize("key, clash", [("system", "reserved for the cluster's system node pool"),
                                        ("sys-tem", "is the zone's system pool"),
                                        ("a100serving", "also the name of")])
def test_agent_pool_names_must_be_unique_and_not_the_system_pool(key: str, clash: str) -> None:
    zone, provider = raw()
    zone["gpuPools"][key] = dict(zone["gpuPools"]["a100-serving"])
    assert any(line.startswith(f"llmops:zone.gpuPools.{key}: ") and clash in line for line in errors(zone, provider))


def test_managed_endpoint_names_fit_azure_ml_with_the_suffix() -> None:
    zone, provider = raw()
    zone["name"] = "acme-llm-eus"  # 12 characters, the zone name maximum
    zone["endpoints"]["summarize-night"] = dict(zone["endpoints"]["summarize"])  # 12+1+15+1+6 = 35 > 32
    lines = errors(zone, provider)
    assert [line for line in lines if line.startswith("llmops:zone.endpoints.summarize-night: ")
            and "Azure ML online endpoint" in line and "limit of 32" in line]
    # a vLLM endpoint with the same key gets no Azure ML name, so no such error
    zone["endpoints"]["summarize-night"] = {"model": "mistral-7b", "pool": "a100-serving", "maxContext": 4096,
                                            "concurrency": 2}
    assert not [line for line in errors_or_none(zone, provider) if "Azure ML online endpoint" in line]


def test_key_vault_names_refuse_consecutive_hyphens() -> None:
    zone, provider = raw()
    zone["name"] = "acme--llm"
    assert any(line.startswith("llmops:zone.name: ") and "Key Vault" in line for line in errors(zone, provider))


def test_budget_needs_an_email_receiver_on_azure() -> None:
    zone, provider = raw()
    zone["budget"]["notify"]["emails"] = []
    assert "llmops:zone.budget.notify.emails: Azure budget alerts need at least one email receiver for the action " \
        "group" in errors(zone, provider)


def test_every_error_is_reported_at_once() -> None:
    zone, provider = raw()
    zone["teams"]["research"]["members"] = ["not-a-guid"]
    zone["vectorStores"]["docs"]["engine"] = "alloydb"
    zone["gpuPools"]["a100-serving"]["gpu"] = "L4"
    paths = {line.split(": ", 1)[0] for line in errors(zone, provider)}
    assert {"llmops:zone.teams.research.members.0", "llmops:zone.vectorStores.docs.engine",
            "llmops:zone.gpuPools.a100-serving.gpu"} <= paths


# --- the name rules themselves ------------------------------------------------------------------------------


def test_zone_names_cannot_push_vaults_or_storage_accounts_over_24() -> None:
    """The zone name pattern stops at 12 characters, so every vault and account name fits: exactly at the limit
    for the model storage account, which is why the suffix is six characters."""
    zone = "abcdefghijkl"
    assert len(names.KEY_VAULT.render(zone, suffix="abcdef")) == 22
    assert len(names.ML_KEY_VAULT.render(zone, suffix="abcdef")) == 24
    assert len(names.MODEL_STORAGE.render(zone, suffix="abcdef")) == 24
    for rule in (names.KEY_VAULT, names.ML_KEY_VAULT, names.AUDIT_STORAGE, names.MODEL_STORAGE, names.ML_STORAGE):
        assert rule.problem(zone) is None


@pytest.mark.parametrize("rule, limit", [(names.KEY_VAULT, 24), (names.AUDIT_STORAGE, 24), (names.MODEL_STORAGE, 24)])
def test_name_rules_report_names_over_the_azure_limit(rule: NameRule, limit: int) -> None:
    problem = rule.problem("a-much-longer-zone-name")  # longer than config allows: the rule still catches it
    assert problem and f"limit of {limit}" in problem


def test_storage_account_names_are_lowercase_alphanumerics_with_the_suffix() -> None:
    assert names.AUDIT_STORAGE.render("acme-llm", suffix="0a1b2c") == "acmellmaudit0a1b2c"
    assert names.KEY_VAULT.render("acme-llm", suffix="0a1b2c") == "acme-llm-kv-0a1b2c"
    assert names.AGENT_POOL.render("acme-llm", "a100-serving") == "a100serving"
    assert names.subscription_suffix("00000000-0000-0000-0000-000000000000") == \
        names.subscription_suffix("00000000-0000-0000-0000-000000000000".upper())
    assert names.subscription_suffix("a") != names.subscription_suffix("b")
