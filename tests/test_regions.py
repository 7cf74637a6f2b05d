"""Regions are data: every stack is validated against its own region and priced with that region's rows."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from llmops_landing_zone.components import catalog, coldstart
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.components.config import ConfigError, parse_zone
from llmops_landing_zone.components.finops import estimate, plan_cost_dict
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import offline

STACKS = Path(__file__).resolve().parent.parent / "stacks"
REGION_KEY = {"aws": "aws:region", "gcp": "gcp:region", "azure": "azure-native:location"}
CONFIDENCE = {"listed", "recalled", "derived", "reference"}


def raw(stack: str, region: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    config = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())["config"]
    zone = copy.deepcopy(config["llmops:zone"])
    if region is not None:
        config[REGION_KEY[zone["cloud"]]] = region
    return zone, config


def errors(zone: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, provider)
    return info.value.lines


# --- the data ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", catalog.CLOUDS)
def test_every_offer_names_a_known_region_and_shape_with_a_source(cloud: str) -> None:
    known = regions.regions(cloud)
    assert regions.reference_region(cloud) in known
    for (service, name, region), o in regions.offers(cloud).items():
        assert region in known, f"{cloud} offers {name} in unknown region {region}"
        if service == regions.SYSTEM:
            assert name == catalog.system_node(cloud).name
        else:
            assert catalog.shape_named(cloud, name, service) is not None, f"{name} ({service}) not in shapes"
        assert o.confidence in CONFIDENCE and o.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", o.as_of)
        if o.confidence == "derived":
            assert o.usd_per_hour is not None and " x " in o.source, "a derived price states its factor"
        assert all(z.startswith(region) for z in o.zones)


@pytest.mark.parametrize(("cloud", "regions_"), [
    ("aws", ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]),
    ("gcp", ["us-central1", "us-east4", "europe-west4", "asia-southeast1"]),
    ("azure", ["eastus", "eastus2", "westus3", "westeurope", "swedencentral"]),
])
def test_major_regions_have_priced_gpu_offers(cloud: str, regions_: list[str]) -> None:
    for region in regions_:
        priced = [o for (s, _, r), o in regions.offers(cloud).items()
                  if r == region and s == "compute" and o.usd_per_hour is not None]
        assert priced, f"no priced GPU shape in {cloud} {region}"


def test_nearest_regions_are_ordered_by_distance() -> None:
    assert regions.nearest("azure", "westeurope", ["japaneast", "eastus2", "uksouth", "swedencentral"]) == [
        "uksouth", "swedencentral", "eastus2"]
    assert regions.distance_km(regions.regions("aws")["us-east-1"], regions.regions("aws")["us-east-1"]) == 0


# --- validation ---------------------------------------------------------------------------------------------


def test_an_unknown_region_is_refused_with_its_key_path() -> None:
    assert errors(*raw("aws-dev", "us-moon-1")) == [
        "aws:region: 'us-moon-1' is not an AWS region (the catalog lists 36 aws regions)"]
    (line,) = errors(*raw("gcp-dev", "europe-west44"))
    assert line.startswith("gcp:region: 'europe-west44' is not a GCP region; did you mean europe-west4")
    (line,) = errors(*raw("gcp-dev", "europe-west10"))  # a two-digit region exists; it has no L4
    assert line.startswith("llmops:zone.gpuPools.l4-serving.gpu: no gcp shape with 1 x L4")


def test_a_region_without_the_pools_gpu_is_refused_with_the_regions_that_have_it() -> None:
    assert errors(*raw("aws-prod", "eu-west-1")) == [
        "llmops:zone.gpuPools.h100-serving.gpu: no aws shape with 8 x H100 (p5.48xlarge) is offered in eu-west-1; "
        "regions that offer it, nearest first: eu-west-2, eu-north-1, us-east-1"]
    assert errors(*raw("azure-prod", "westeurope")) == [
        "llmops:zone.gpuPools.h100-serving.gpu: no azure shape with 8 x H100 (Standard_ND96isr_H100_v5) is offered "
        "in westeurope; regions that offer it, nearest first: uksouth, swedencentral, eastus2"]


def test_an_explicit_instance_type_the_region_lacks_is_refused() -> None:
    zone, provider = raw("aws-dev", "eu-west-1")
    zone["gpuPools"]["l40s"] = {"gpu": "L40S", "gpusPerNode": 1, "minNodes": 0, "maxNodes": 1,
                                "instanceType": "g6e.xlarge"}
    (line,) = errors(zone, provider)
    assert line.startswith("llmops:zone.gpuPools.l40s.instanceType: g6e.xlarge is not offered in eu-west-1; "
                           "regions that offer it, nearest first: eu-central-1")


def test_a_sized_pool_uses_a_shape_the_region_offers() -> None:
    """An endpoint without a pool is sized on the shapes its region offers (no g6e in eu-west-1)."""
    from llmops_landing_zone.components import sizing

    zone, provider = raw("aws-dev", "eu-west-1")
    zone["endpoints"]["big"] = {"model": "llama-3.1-8b", "precision": "bf16", "maxContext": 32768,
                                "concurrency": 16, "runtime": "vllm", "replicas": {"min": 0, "max": 1}}
    cfg = parse_zone(zone, provider)
    shape = sizing.pool_shape(cfg, "big")
    assert regions.offer("aws", shape.name, "eu-west-1") is not None


# --- pricing in the stack's region ----------------------------------------------------------------------


def _plan(stack: str, region: str, edit: Any = None) -> Plan:
    zone, provider = raw(stack, region)
    if edit:
        edit(zone)
    cfg = parse_zone(zone, provider)
    return offline.plan_config(cfg, f"{stack}-{region}")


def _pool_items(plan: Plan) -> list[Any]:
    return [i for i in estimate(plan).items if " x " in i.basis and "/h in " in i.basis]


@pytest.mark.parametrize(("stack", "region", "edit"), [
    ("aws-prod", "us-west-2", None),
    ("gcp-prod", "europe-west4", None),
    ("azure-prod", "westeurope", lambda z: z["gpuPools"]["h100-serving"].update(gpu="A100-80GB")),
])
def test_a_stack_is_priced_with_its_own_regions_rows(stack: str, region: str, edit: Any) -> None:
    plan = _plan(stack, region, edit)
    assert plan.region == region
    est = estimate(plan)
    assert est.region == region and est.reference_region != region and region in est.region_note
    items = _pool_items(plan)
    assert items, "no shape priced"
    for item in items:
        name, price = re.search(r"x (\S+)(?: \([^)]*\))? at \$([\d,.]+)/h in ", item.basis).group(1, 2)
        offers = [o for svc in [*catalog.services(plan.cloud), regions.SYSTEM]
                  if (o := regions.offer(plan.cloud, name, region, svc)) is not None]
        assert offers and all(o.usd_per_hour is not None for o in offers), name
        assert f"in {region}" in item.basis
        assert any(abs(float(price.replace(",", "")) - o.usd_per_hour) < 0.006 for o in offers), item.basis
    assert plan_cost_dict(est)["region"] == region


def test_reference_stack_prices_are_unchanged_by_regions() -> None:
    plan = offline.plan("aws-prod")
    est = estimate(plan)
    assert est.region == est.reference_region == "us-east-1" and not est.region_note and not est.approximate
    assert any("p5.48xlarge at $55.04/h in us-east-1" in i.basis for i in est.items)


def _with_region(plan: Plan, region: str) -> Plan:
    return Plan(plan.stack, plan.cloud, plan.environment, plan.resources, region=region)


def test_a_shape_without_a_sourced_regional_price_is_not_priced(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = offline.plan("aws-prod")
    full = estimate(_with_region(plan, "us-west-2")).monthly_min_usd
    real = regions.offer

    def no_price(cloud: str, name: str, region: str, service: str = "compute") -> regions.Offer | None:
        o = real(cloud, name, region, service)
        if o is not None and name == "p5.48xlarge":
            return regions.Offer(cloud, service, name, region, (), None, None, "recalled", o.as_of, o.source)
        return o

    monkeypatch.setattr(regions, "offer", no_price)
    est = estimate(_with_region(plan, "us-west-2"))
    (p5,) = [i for i in est.unpriced if "p5.48xlarge" in i.basis]
    assert "no sourced price in us-west-2" in p5.basis and "us-east-1 price is not used" in p5.basis
    disk_gb = coldstart.node_disk_gb(200, 8 * 80)  # the p5 node's disk, raised for cold start (image + weights)
    assert est.monthly_min_usd == pytest.approx(full - (55.04 * 730 + disk_gb * 0.08), abs=1)


def test_a_plan_in_a_region_without_the_shape_says_so_and_one_without_a_region_says_that() -> None:
    plan = offline.plan("aws-prod")
    est = estimate(_with_region(plan, "eu-west-1"))
    assert any("p5.48xlarge is not offered in eu-west-1" in i.basis and "eu-west-2" in i.basis
               for i in est.unpriced)
    nameless = estimate(_with_region(plan, ""))
    assert nameless.region == "us-east-1"
    assert any("(the plan names no region)" in i.basis for i in nameless.items)


def test_plan_json_round_trips_the_region(tmp_path: Path) -> None:
    plan = _with_region(offline.plan("aws-dev"), "us-west-2")
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json())
    assert Plan.load(str(path)).region == "us-west-2"
