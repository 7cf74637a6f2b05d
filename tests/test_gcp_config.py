"""GCP config validation: the reference stacks load with the expected defaults, and every GCP-specific rule
rejects a bad value with its key path (parse_zone raises ConfigError; nothing is planned)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.gcp.names import ENDPOINT_SERVICE_ACCOUNT, NAME_RULES, NODE_SERVICE_ACCOUNT

STACKS = Path(__file__).resolve().parent.parent / "stacks"


def raw(stack: str = "gcp-prod") -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), dict(config)


def errors(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return info.value.lines


def test_reference_stacks_resolve_environment_defaults() -> None:
    prod, dev = parse_zone(*raw("gcp-prod")), parse_zone(*raw("gcp-dev"))
    assert (prod.project, prod.region) == ("acme-llm-prod", "us-central1")
    assert (prod.protect_stateful, prod.deletion_protection, prod.audit.immutable) == (True, True, True)
    assert (dev.protect_stateful, dev.deletion_protection, dev.audit.immutable) == (False, False, False)
    assert prod.budget is not None and prod.budget.billing_account == "012345-6789AB-CDEF01"
    for stack in ("gcp-prod", "gcp-dev"):
        assert (STACKS / f"Pulumi.{stack}.yaml").read_text().startswith(
            "# yaml-language-server: $schema=./schema.json\n")


def _long_names(z: dict[str, Any]) -> None:
    z["name"] = "acmellmzone1"  # 12 characters, the maximum
    z["endpoints"]["summarize-model1"] = z["endpoints"].pop("summarize")
    z["gpuPools"]["l4-serving-pool1"] = z["gpuPools"].pop("l4-serving")
    z["endpoints"]["chat"]["pool"] = "l4-serving-pool1"


# (description, mutation, expected key path, fragment of the message)
NEGATIVE = [
    ("missing billing account", lambda z, p: z["budget"].pop("billingAccount"),
     "llmops:zone.budget.billingAccount", "billing account id"),
    ("engine of another cloud", lambda z, p: z["vectorStores"]["docs"].update(engine="aurora-pgvector"),
     "llmops:zone.vectorStores.docs.engine", "not offered on gcp; choose vertex-vector-search or alloydb"),
    ("GPU GCP does not sell", lambda z, p: z["gpuPools"]["l4-serving"].update(gpu="A10G"),
     "llmops:zone.gpuPools.l4-serving.gpu", "'A10G' is not offered on gcp"),
    ("label value too long", lambda z, p: z["tags"].update(owner="x" * 64),
     "llmops:zone.tags.owner", "at most 63 characters"),
    ("machine type from another cloud",
     lambda z, p: z["gpuPools"]["l4-serving"].update(instanceType="g6.xlarge"),
     "llmops:zone.gpuPools.l4-serving.instanceType", "not a gcp GPU shape"),
    ("GPU count no GCP shape has", lambda z, p: z["gpuPools"]["h100-serving"].update(gpusPerNode=2),
     "llmops:zone.gpuPools.h100-serving.gpusPerNode", "no gcp shape in the catalog has 2 x H100"),
    ("CIDR too small for GKE ranges", lambda z, p: z["network"].update(cidr="10.60.0.0/21", zones=1),
     "llmops:zone.network.cidr", "/20 or larger"),
    ("more email channels than a budget takes",
     lambda z, p: z["budget"]["notify"].update(emails=[f"a{i}@example.com" for i in range(6)]),
     "llmops:zone.budget.notify.emails", "at most 5 email channels"),
    ("groups of two domains", lambda z, p: z["teams"]["analysts"].update(members=["group:bi@other.example"]),
     "llmops:zone.teams", "gke-security-groups@<domain>"),
    ("AWS principal as a GCP member", lambda z, p: z["teams"]["research"].update(
        members=["arn:aws:iam::123456789012:role/research"]),
     "llmops:zone.teams.research.members.0", "an IAM member (user:, group: or serviceAccount:"),
    ("missing project", lambda z, p: p.pop("gcp:project"), "gcp:project", "GCP project id is required"),
    ("missing region", lambda z, p: p.pop("gcp:region"), "gcp:region", "region is required"),
    ("endpoint service account id over 30", lambda z, p: _long_names(z),
     "llmops:zone.endpoints.summarize-model1",
     "service account name 'acmellmzone1-ep-summarize-model1' is 32"),
    ("node service account id over 30", lambda z, p: _long_names(z),
     "llmops:zone.gpuPools.l4-serving-pool1",
     "service account name 'acmellmzone1-np-l4-serving-pool1' is 32"),
    ("GPU pool named like the system pool", lambda z, p: z["gpuPools"].update(system={"gpu": "L4"}),
     "llmops:zone.gpuPools.system", "reserved for the cluster's system node pool"),
    ("endpoint sized into a pool named like the system pool", lambda z, p: z["endpoints"].update(
        system={"model": "llama-3.1-8b", "maxContext": 4096, "concurrency": 2, "runtime": "vllm"}),
     "llmops:zone.endpoints.system.pool", "names the GKE system node pool"),
    ("billing account malformed", lambda z, p: z["budget"].update(billingAccount="0123-4567"),
     "llmops:zone.budget.billingAccount", "String should match pattern"),
]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c[0] for c in NEGATIVE])
def test_gcp_validator_names_the_key_path(case: tuple) -> None:
    _, mutate, path, fragment = case
    zone, provider = raw()
    mutate(zone, provider)
    lines = errors(zone, provider)
    hits = [line for line in lines if line.startswith(f"{path}: ")]
    assert hits, lines
    assert any(fragment in line for line in hits), hits


def test_every_issue_is_reported_at_once() -> None:
    zone, provider = raw()
    zone["budget"].pop("billingAccount")
    zone["vectorStores"]["docs"]["engine"] = "cosmosdb"
    zone["gpuPools"]["l4-serving"]["gpu"] = "L40S"
    zone["tags"]["owner"] = "y" * 70
    paths = {line.split(": ", 1)[0] for line in errors(zone, provider)}
    assert {"llmops:zone.budget.billingAccount", "llmops:zone.vectorStores.docs.engine",
            "llmops:zone.gpuPools.l4-serving.gpu", "llmops:zone.tags.owner"} <= paths


def test_name_rules_cover_the_tight_names() -> None:
    over = {r.over for r in NAME_RULES}
    assert {"gpuPools", "endpoints", "vectorStores", None} <= over
    assert NODE_SERVICE_ACCOUNT.max_len == ENDPOINT_SERVICE_ACCOUNT.max_len == 30
    assert NODE_SERVICE_ACCOUNT.problem("acme-llm", "l4-serving") is None
    # pool and endpoint accounts can never collide: distinct infixes
    assert NODE_SERVICE_ACCOUNT.render("z1", "x") != ENDPOINT_SERVICE_ACCOUNT.render("z1", "x")
