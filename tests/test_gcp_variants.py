"""The GCP zone on variations of the prod stack (validated with parse_zone, planned with
llz.offline.plan_config): URNs stay stable when pools, endpoints, stores or teams are added or removed, and
the paths the reference stacks do not take (a model outside Model Garden, public exposure, a public
control-plane endpoint, no budget)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.components.gcp.serving import numeric_endpoint_id
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline

STACKS = Path(__file__).resolve().parent.parent / "stacks"
GARDEN = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
Raw = dict[str, Any]


def raw() -> tuple[Raw, Raw]:
    config = yaml.safe_load((STACKS / "Pulumi.gcp-prod.yaml").read_text())["config"]
    return copy.deepcopy(config["llmops:zone"]), config


def plan_of(mutate: Callable[[Raw], None] | None = None) -> Plan:
    zone, provider = raw()
    if mutate:
        mutate(zone)
    return offline.plan_config(parse_zone(zone, provider), stack="gcp-prod")


@pytest.fixture(scope="module")
def base() -> Plan:
    return plan_of()


# --- URN stability ------------------------------------------------------------------------------------------
def _add_pool(z: Raw) -> None:
    z["gpuPools"]["a100-batch"] = {"gpu": "A100-80GB", "gpusPerNode": 1, "minNodes": 0, "maxNodes": 2,
                                   "capacity": "spot"}


def _add_endpoint(z: Raw) -> None:  # no pool: the zone sizes one for it, keyed by the endpoint
    z["endpoints"]["embed"] = {"model": "mistral-7b", "precision": "bf16", "maxContext": 4096,
                               "concurrency": 2, "runtime": "vllm", "replicas": {"min": 1, "max": 2}}


def _add_managed(z: Raw) -> None:
    z["endpoints"]["assist"] = {"model": "llama-3.1-8b", "runtime": "managed", "maxContext": 8192,
                                "concurrency": 4, "replicas": {"min": 1, "max": 2}}


def _add_store(z: Raw) -> None:
    z["vectorStores"]["kb"] = {"engine": "alloydb", "dimensions": 1536, "metric": "dot-product"}


def _add_team(z: Raw) -> None:
    z["teams"]["ops"] = {"role": "viewer", "members": ["user:ops@example.com"]}


@pytest.mark.parametrize("mutate", [_add_pool, _add_endpoint, _add_managed, _add_store, _add_team],
                         ids=lambda f: f.__name__.lstrip("_"))
def test_growing_the_config_keeps_every_urn(base: Plan, mutate: Callable[[Raw], None]) -> None:
    grown = plan_of(mutate)
    assert base.urns < grown.urns  # nothing renamed, something added
    for r in base.resources:  # and nothing that existed changed its options
        g = grown.by_urn(r.urn)
        assert (g.protect, g.retainOnDelete) == (r.protect, r.retainOnDelete)


def test_sized_pool_for_an_endpoint_without_one(base: Plan) -> None:
    grown = plan_of(_add_endpoint)
    z, provider = raw()
    _add_endpoint(z)
    cfg = parse_zone(z, provider)
    pool = {r.name: r for r in grown.of_type("gcp:container/nodePool:NodePool")}["acme-llm-embed"]
    assert pool.inputs["nodeConfig"]["machineType"] == sizing.pool_shape(cfg, "embed").name
    assert pool.inputs["nodeConfig"]["labels"]["llmops.io/pool"] == "embed"


def test_removing_a_team_touches_no_other_urn(base: Plan) -> None:
    smaller = plan_of(lambda z: z["teams"].pop("analysts"))
    gone = base.urns - smaller.urns
    assert smaller.urns < base.urns and gone
    assert all(u.rsplit("::", 1)[1].startswith(("acme-llm-analysts", "acme-llm-team-analysts",
                                                 # its AI gateway key: generated, in Secret Manager, in the gateway
                                                 "acme-llm-gateway-keys-analysts", "acme-llm-gateway-key-analysts"))
               for u in gone)


def test_reordering_members_changes_no_urn(base: Plan) -> None:
    def swap(z: Raw) -> None:
        z["teams"]["platform"]["members"].reverse()
    assert plan_of(swap).urns == base.urns


# --- paths the reference stacks do not take -----------------------------------------------------------------
CUSTOM_MODEL = {"name": "acme/support-7b", "layers": 32, "attentionHeads": 32, "kvHeads": 8, "headDim": 128,
                "parameters": 7_241_732_096, "maxContext": 32768}


def test_model_outside_model_garden_gets_a_private_cmek_endpoint() -> None:
    def custom(z: Raw) -> None:
        z["endpoints"]["summarize"]["model"] = CUSTOM_MODEL
    plan = plan_of(custom)
    assert not plan.of_type(GARDEN)
    e = plan.one("gcp:vertex/aiEndpoint:AiEndpoint").inputs
    z, provider = raw()
    custom(z)
    cfg = parse_zone(z, provider)
    assert cfg.project and e["name"] == numeric_endpoint_id(cfg.project, cfg.name, "summarize")
    assert e["name"].isdigit() and len(e["name"]) == 10 and not e["name"].startswith("0")
    assert e["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/acme-llm-data")
    psc = e["privateServiceConnectConfig"]
    assert psc["enablePrivateServiceConnect"] is True and psc["projectAllowlists"] == ["acme-llm-prod"]
    assert psc["pscAutomationConfigs"] == [{"projectId": "acme-llm-prod",
                                            "network": "projects/acme-llm-prod/global/networks/acme-llm-vpc"}]
    assert "dedicatedEndpointEnabled" not in e
    assert {"llmops-zone": "acme-llm"}.items() <= e["labels"].items()


def test_public_exposure_is_explicit_and_drops_private_service_connect() -> None:
    def public(z: Raw) -> None:
        z["endpoints"]["summarize"]["exposure"] = "public"
    g = plan_of(public).one(GARDEN).inputs
    assert g["endpointConfig"] == {"endpointDisplayName": "acme-llm-summarize",
                                   "dedicatedEndpointEnabled": True}


def test_public_control_plane_lists_only_authorized_networks() -> None:
    def public(z: Raw) -> None:
        z["cluster"] = {"kubernetesVersion": "1.35", "publicEndpoint": True,
                        "authorizedNetworks": ["203.0.113.0/24"]}
    plan = plan_of(public)
    c = plan.one("gcp:container/cluster:Cluster").inputs
    assert c["privateClusterConfig"]["enablePrivateEndpoint"] is False
    assert c["privateClusterConfig"]["enablePrivateNodes"] is True
    assert [b["cidrBlock"] for b in c["masterAuthorizedNetworksConfig"]["cidrBlocks"]] == ["10.60.0.0/16",
                                                                                           "203.0.113.0/24"]
    (provider,) = [r for r in plan.resources if r.type == "pulumi:providers:kubernetes"]
    cluster = json.loads(provider.inputs["kubeconfig"])["clusters"][0]["cluster"]
    assert cluster["server"].startswith("https://34.") and cluster["certificate-authority-data"]


def test_no_budget_no_billing_resources() -> None:
    plan = plan_of(lambda z: z.pop("budget"))
    assert not plan.of_type("gcp:billing/budget:Budget") and not plan.of_type("gcp:pubsub/topic:Topic")
    apis = {s.inputs["service"] for s in plan.of_type("gcp:projects/service:Service")}
    assert "billingbudgets.googleapis.com" not in apis and "pubsub.googleapis.com" not in apis
    agents = {g.name for g in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert "acme-llm-data-pubsub" not in agents


def test_only_users_means_no_google_groups_for_rbac() -> None:
    def users(z: Raw) -> None:
        for team in z["teams"].values():
            team["members"] = [m.replace("group:", "user:") for m in team["members"]]
    c = plan_of(users).one("gcp:container/cluster:Cluster").inputs
    assert "authenticatorGroupsConfig" not in c


def test_viewer_only_teams_need_no_custom_role() -> None:
    def viewers(z: Raw) -> None:
        for team in z["teams"].values():
            team["role"] = "viewer"
    assert not plan_of(viewers).of_type("gcp:projects/iAMCustomRole:IAMCustomRole")
