"""The config contract: valid stacks load, every validator rejects with its key path, nothing else escapes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmops_landing_zone.components.config import ConfigError, ZoneConfig, load_stack_file, parse_zone

STACKS = Path(__file__).resolve().parent.parent / "stacks"
STACK_FILES = sorted(STACKS.glob("Pulumi.*.yaml"))


def raw(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def errors(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return info.value.lines


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_reference_stack_loads(path: Path) -> None:
    cfg = load_stack_file(path)
    assert cfg.region
    assert path.read_text().startswith("# yaml-language-server: $schema=./schema.json")


def test_environment_defaults_prod_versus_dev() -> None:
    prod = parse_zone(*raw("aws-prod"))
    dev = parse_zone(*raw("aws-dev"))
    assert (prod.protect_stateful, prod.deletion_protection, prod.audit.immutable, prod.network.nat_per_zone) == (
        True, True, True, True)
    assert (dev.protect_stateful, dev.deletion_protection, dev.audit.immutable, dev.network.nat_per_zone) == (
        False, False, False, False)
    assert not prod.cluster.public_endpoint and not dev.cluster.public_endpoint


def test_dev_relaxes_only_what_is_set_explicitly() -> None:
    zone, provider = raw("aws-dev")
    zone["protectStateful"] = True
    zone["audit"]["immutable"] = True
    cfg = parse_zone(zone, provider)
    assert cfg.protect_stateful and cfg.audit.immutable


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for p in parents:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    if value is _DELETE:
        del doc[leaf]
    elif isinstance(doc, list):
        doc[int(leaf)] = value
    else:
        doc[leaf] = value


_DELETE = object()

# (stack, mutation path, value, expected key path, fragment of the message)
NEGATIVE = [
    ("aws-prod", "gpuPools.l4-serving.minNodes", 10, "gpuPools.l4-serving.minNodes", "must not exceed maxNodes"),
    ("aws-prod", "gpuPools.l4-serving.gpu", "TPU-v5", "gpuPools.l4-serving.gpu", "not offered on aws"),
    ("aws-prod", "gpuPools.l4-serving.gpusPerNode", 2, "gpuPools.l4-serving.gpusPerNode", "no aws shape"),
    ("aws-prod", "gpuPools.l4-serving.instanceType", "m5.large", "gpuPools.l4-serving.instanceType",
     "not a aws GPU shape"),
    ("aws-prod", "gpuPools.l4-serving.instanceType", "g6.12xlarge", "gpuPools.l4-serving.instanceType",
     "has 4 x L4"),
    ("aws-prod", "gpuPools.l4-serving.capacity", "reserved", "gpuPools.l4-serving.capacity", "Input should be"),
    ("aws-prod", "endpoints.chat.pool", "missing", "endpoints.chat.pool", "not defined under gpuPools"),
    ("aws-prod", "endpoints.chat.model", "gpt-5", "endpoints.chat.model", "unknown model"),
    ("aws-prod", "endpoints.chat.maxContext", 262144, "endpoints.chat.maxContext", "exceeds the model's maximum"),
    ("aws-prod", "endpoints.chat.replicas.min", 9, "endpoints.chat.replicas.min", "must not exceed max"),
    ("aws-prod", "endpoints.summarize.pool", "l4-serving", "endpoints.summarize.pool", "managed endpoint"),
    ("aws-prod", "endpoints.summarize.replicas.min", 0, "endpoints.summarize.replicas.min", "cannot scale to zero"),
    ("aws-prod", "endpoints.chat.instanceType", "ml.g5.2xlarge", "endpoints.chat.instanceType",
     "applies to managed"),
    ("aws-prod", "endpoints.chat.precision", "fp4", "endpoints.chat.precision", "Input should be"),
    ("aws-prod", "vectorStores.docs.engine", "alloydb", "vectorStores.docs.engine", "not offered on aws"),
    ("aws-prod", "vectorStores.docs.dimensions", 1, "vectorStores.docs.dimensions", "greater than or equal"),
    ("aws-prod", "network.cidr", "10.40.0.0/33", "network.cidr", "not a valid IPv4 CIDR"),
    ("aws-prod", "network.cidr", "10.40.0.0/23", "network.cidr", "too small for 3 zone"),
    ("aws-prod", "network.cidr", "8.8.0.0/16", "network.cidr", "not a private"),
    ("aws-prod", "network.zones", 9, "network.zones", "less than or equal"),
    ("aws-prod", "budget.thresholdsPercent", [80, 50], "budget.thresholdsPercent", "strictly ascending"),
    ("aws-prod", "budget.thresholdsPercent", [50, 250], "budget.thresholdsPercent.1", "outside 1..200"),
    ("aws-prod", "budget.notify.emails", ["finops-at-example"], "budget.notify.emails.0", "not a valid email"),
    ("aws-prod", "budget.billingAccount", "012345-6789AB-CDEF01", "budget.billingAccount", "GCP only"),
    ("aws-prod", "teams.research.members", ["bob"], "teams.research.members.0", "IAM role or user ARN"),
    ("aws-prod", "teams.research.role", "cluster-admin", "teams.research.role", "Input should be"),
    ("aws-prod", "cluster.publicEndpoint", True, "cluster.publicEndpoint", "needs cluster.authorizedNetworks"),
    ("aws-dev", "cluster.publicEndpoint", True, "cluster.publicEndpoint", "needs cluster.authorizedNetworks"),
    ("aws-prod", "cluster.systemNodes", {"count": 5, "maxCount": 3}, "cluster.systemNodes.count",
     "must not exceed maxCount"),
    ("aws-prod", "gpuPools.system", {"gpu": "L4"}, "gpuPools.system", "reserved"),
    ("aws-prod", "cluster.authorizedNetworks", ["0.0.0.0/0"], "cluster.authorizedNetworks.0",
     "opens the API server"),
    ("aws-prod", "cluster.authorizedNetworks", ["0.0.0.0/1", "128.0.0.0/1"], "cluster.authorizedNetworks.0",
     "wider than a /8"),
    ("gcp-prod", "cluster.authorizedNetworks", ["203.0.113.0/24", "128.0.0.0/1"], "cluster.authorizedNetworks.1",
     "wider than a /8"),
    ("azure-prod", "cluster.authorizedNetworks", ["1.0.0.0/8", "2.0.0.0/8"], "cluster.authorizedNetworks.0",
     "together the authorized networks"),
    ("aws-prod", "cluster.kubernetesVersion", "1.31.4", "cluster.kubernetesVersion", "should match pattern"),
    ("aws-prod", "cluster.kubernetesVersion", "1.20", "cluster.kubernetesVersion", "not in the EKS support calendar"),
    ("aws-prod", "cluster.kubernetesVersion", "1.38", "cluster.kubernetesVersion", "EKS creates: in standard support"),
    ("aws-prod", "audit.immutable", False, "audit.immutable", "must be immutable"),
    ("aws-prod", "audit.lockImmutability", True, "audit.lockImmutability", "applies to Azure"),
    ("aws-prod", "name", "Acme_LLM", "name", "lowercase DNS label"),
    ("aws-prod", "name", "a-very-long-zone-name", "name", "of 3-12 characters"),
    ("aws-prod", "cloud", "oracle", "cloud", "Input should be"),
    ("aws-prod", "environment", "production", "environment", "Input should be"),
    ("aws-prod", "typoKey", 1, "typoKey", "unknown key"),
    ("aws-prod", "gpuPools.l4-serving.maxNode", 3, "gpuPools.l4-serving.maxNode", "unknown key"),
    ("aws-prod", "vectorStores.docs-collection-x", {"engine": "opensearch-serverless", "dimensions": 8},
     "vectorStores.docs-collection-x", "the key must be a lowercase DNS label"),
]


@pytest.mark.parametrize(("stack", "path", "value", "key", "fragment"), NEGATIVE,
                         ids=[f"{n[1]}={n[2]!r}" for n in NEGATIVE])
def test_each_validator_names_its_key_path(stack: str, path: str, value: Any, key: str, fragment: str) -> None:
    zone, provider = raw(stack)
    _set(zone, path, value)
    lines = errors(zone, provider)
    matching = [line for line in lines if line.startswith(f"llmops:zone.{key}: ")]
    assert matching, lines
    assert fragment in matching[0], matching


def test_prod_refuses_the_internet_split_into_halves_and_dev_does_not() -> None:
    zone, provider = raw("aws-prod")
    zone["cluster"]["authorizedNetworks"] = ["0.0.0.0/1", "128.0.0.0/1"]
    keys = [line.split(": ")[0] for line in errors(zone, provider)]
    assert keys.count("llmops:zone.cluster.authorizedNetworks.0") == 2  # /1 entry, and the set
    assert "llmops:zone.cluster.authorizedNetworks.1" in keys
    zone, provider = raw("aws-prod")
    zone["cluster"]["authorizedNetworks"] = ["203.0.113.0/24", "10.0.0.0/8"]  # narrow and private: fine
    assert parse_zone(zone, provider).cluster.authorized_networks == ["203.0.113.0/24", "10.0.0.0/8"]
    zone, provider = raw("aws-dev")
    zone["cluster"]["authorizedNetworks"] = ["0.0.0.0/1", "128.0.0.0/1"]
    assert parse_zone(zone, provider).cluster.authorized_networks == ["0.0.0.0/1", "128.0.0.0/1"]


def test_missing_region_names_the_provider_key() -> None:
    zone, provider = raw("aws-dev")
    del provider["aws:region"]
    assert errors(zone, provider) == ["aws:region: the aws region is required (set aws:region)"]


def test_all_errors_are_reported_at_once() -> None:
    zone, provider = raw("aws-prod")
    zone["gpuPools"]["l4-serving"]["minNodes"] = 20
    zone["vectorStores"]["docs"]["engine"] = "cosmosdb"
    zone["teams"]["research"]["members"] = ["nobody"]
    zone["budget"]["thresholdsPercent"] = [90, 10]
    keys = {line.split(": ")[0] for line in errors(zone, provider)}
    assert keys == {
        "llmops:zone.gpuPools.l4-serving.minNodes", "llmops:zone.vectorStores.docs.engine",
        "llmops:zone.teams.research.members.0", "llmops:zone.budget.thresholdsPercent",
    }


def test_field_errors_are_all_reported_together() -> None:
    zone, provider = raw("aws-prod")
    zone["gpuPools"]["l4-serving"]["minNodes"] = -1
    zone["network"]["zones"] = 0
    zone["name"] = "X"
    assert len(errors(zone, provider)) == 3


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10_000), st.floats(allow_nan=True),
                     st.text(max_size=12), st.sampled_from(["aws", "gcp", "azure", "prod", "dev", "L4", "vllm"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)), max_leaves=12)
_keys = st.sampled_from(["name", "cloud", "environment", "network", "cluster", "gpuPools", "endpoints",
                         "vectorStores", "teams", "audit", "budget", "tags", "policy", "region"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_values, st.dictionaries(_keys, _values, max_size=8)))
def test_any_input_yields_a_model_or_a_config_error(data: Any) -> None:
    try:
        result = parse_zone(data, {"aws:region": "us-east-1", "gcp:region": "us-central1", "gcp:project": "p-1",
                                   "azure-native:location": "eastus"})
    except ConfigError as exc:
        assert exc.lines and all(line.split(": ")[0] for line in exc.lines)
    else:
        assert isinstance(result, ZoneConfig)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutating_a_valid_stack_never_escapes(data: st.DataObject) -> None:
    zone, provider = raw("aws-prod")
    section = data.draw(st.sampled_from(["gpuPools", "endpoints", "vectorStores", "teams"]))
    key = data.draw(st.sampled_from(sorted(zone[section])))
    field = data.draw(st.sampled_from(sorted(zone[section][key])))
    zone[section][key][field] = data.draw(_values)
    try:
        parse_zone(zone, provider)
    except ConfigError as exc:
        assert exc.lines
