"""`llz prices refresh --cloud aws` against botocore's Stubber: moto 5 does not implement the Price List API
(`pricing`), so a real pricing client answers from queued responses shaped like the API's. Fake credentials
are set here; nothing leaves the process."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from llmops_landing_zone.components import catalog
from llmops_landing_zone.llz import prices

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)


def product(instance: str, usd: float, **attrs: str) -> str:
    """One Price List entry as the API returns it (a JSON string)."""
    return json.dumps({
        "product": {"productFamily": "Compute Instance", "sku": f"SKU{instance}",
                    "attributes": {"instanceType": instance, "operatingSystem": "Linux", **attrs}},
        "serviceCode": "AmazonEC2",
        "terms": {"OnDemand": {f"SKU{instance}.JRTCKXETXF": {"priceDimensions": {
            f"SKU{instance}.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": f"{usd:.10f}"},
                                                     "description": f"${usd} per On Demand Linux {instance}"}}}}},
    })


def rows() -> list[dict[str, str]]:
    with catalog.shape_file("aws").open(newline="") as fh:
        return list(csv.DictReader(fh))


def read(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(newline="") as fh:
        return {(r["service"], r["name"]): r for r in csv.DictReader(fh)}


def test_refresh_writes_a_dated_file_with_new_prices_and_kept_specs(tmp_path: Path) -> None:
    client = boto3.client("pricing", region_name=prices.PRICING_REGION)
    stub = Stubber(client)
    expected: dict[tuple[str, str], float | None] = {}
    compute = [r for r in rows() if r["service"] == "compute"]
    missing = compute[-1]["name"]  # one type the Price List does not return: keeps its old price
    for r in rows():
        if r["service"] == "compute":
            params = {"ServiceCode": "AmazonEC2", "Filters": prices.ec2_filters(r["name"], r["region"]),
                      "FormatVersion": "aws_v1"}
            new = round(float(r["usd_per_hour"]) * 0.9, 4)
            answer: list[str] = [] if r["name"] == missing else [
                product(r["name"], new, operation="RunInstances"),
                product(r["name"], new * 3, operation="RunInstances:0002")]  # Windows: ignored
            expected[("compute", r["name"])] = None if r["name"] == missing else new
        else:
            params = {"ServiceCode": "AmazonSageMaker", "Filters": prices.sagemaker_filters(r["name"], r["region"]),
                      "FormatVersion": "aws_v1"}
            hosted = r["name"] == "ml.g5.xlarge"
            answer = [product(r["name"], 1.5, platoinstancetype="Hosting"),
                      product(r["name"], 9.9, platoinstancetype="Training")] if hosted else []
            expected[("sagemaker", r["name"])] = 1.5 if hosted else None
        stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": answer}, params)
    with stub:
        path = prices.refresh("aws", tmp_path, client=client, today=TODAY)
    stub.assert_no_pending_responses()
    assert path == tmp_path / "shapes-aws-2026-12-01.csv"
    assert catalog.dated_file("shapes", "aws", tmp_path) == path
    old, new = {(r["service"], r["name"]): r for r in rows()}, read(path)
    assert new.keys() == old.keys()
    for key, usd in expected.items():
        for spec in ("gpu", "gpus", "vcpu", "memory_gib", "region"):
            assert new[key][spec] == old[key][spec]
        if usd is None:
            assert (new[key]["usd_per_hour"], new[key]["source"]) == (old[key]["usd_per_hour"], old[key]["source"])
        else:
            assert float(new[key]["usd_per_hour"]) == pytest.approx(usd)
            assert (new[key]["as_of"], new[key]["source"]) == ("2026-12-01", "AWS Price List API 2026-12-01")


def test_filters_follow_the_price_list_contract() -> None:
    f = {x["Field"]: x["Value"] for x in prices.ec2_filters("p5.48xlarge", "us-east-1")}
    assert f == {"instanceType": "p5.48xlarge", "location": "US East (N. Virginia)", "operatingSystem": "Linux",
                 "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used"}
    assert all(x["Type"] == "TERM_MATCH" for x in prices.ec2_filters("g6.xlarge", "me-central-1"))
    assert {"Field": "regionCode", "Type": "TERM_MATCH", "Value": "me-central-1"} in prices.ec2_filters(
        "g6.xlarge", "me-central-1")


def test_on_demand_price_parsing() -> None:
    entry: dict[str, Any] = json.loads(product("g6.xlarge", 0.8048))
    assert prices.on_demand_usd(entry) == pytest.approx(0.8048)
    entry["terms"]["OnDemand"] = {}
    assert prices.on_demand_usd(entry) is None


def test_other_clouds_are_refused() -> None:
    with pytest.raises(prices.RefreshError, match="aws only"):
        prices.refresh("gcp", Path("/nonexistent"))
