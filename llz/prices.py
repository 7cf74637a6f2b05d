"""`llz prices refresh --cloud aws`: current on-demand prices from the AWS Price List API into a new dated file.

The newest ``shapes-aws-<date>.csv`` is read, every ``compute`` row is priced again with ``pricing:GetProducts``
(service AmazonEC2; filters instanceType, location, operatingSystem Linux, tenancy Shared, preInstalledSw NA,
capacitystatus Used) and every ``sagemaker`` row with the AmazonSageMaker price list (regionCode, instanceName,
hosting instances). Specs (GPUs, vCPUs, memory) are kept; a row the Price List does not return keeps its old
price and source. The result is written as ``shapes-aws-<today>.csv``, which the catalog then prefers.

The Price List API is served from us-east-1 (also ap-south-1 and eu-central-1) whatever region is priced.
GCP (Cloud Billing Catalog) and Azure (Retail Prices API) refreshes are not implemented.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmops_landing_zone.components import catalog

PRICING_REGION = "us-east-1"
# Price List "location" values of common regions; other regions are filtered by regionCode instead.
LOCATIONS = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)", "ca-central-1": "Canada (Central)", "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)", "eu-central-1": "EU (Frankfurt)", "eu-north-1": "EU (Stockholm)",
    "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)", "ap-south-1": "Asia Pacific (Mumbai)",
}
FIELDS = ["service", "name", "gpu", "gpus", "vcpu", "memory_gib", "usd_per_hour", "region", "as_of", "source"]


class RefreshError(ValueError):
    """The refresh cannot run (unsupported cloud, empty catalog)."""


def _match(field: str, value: str) -> dict[str, str]:
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


def ec2_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    where = _match("location", LOCATIONS[region]) if region in LOCATIONS else _match("regionCode", region)
    return [_match("instanceType", instance_type), where, _match("operatingSystem", "Linux"),
            _match("tenancy", "Shared"), _match("preInstalledSw", "NA"), _match("capacitystatus", "Used")]


def sagemaker_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    return [_match("regionCode", region), _match("instanceName", instance_type)]


def _products(client: Any, service: str, filters: list[dict[str, str]]) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters,
                                                               FormatVersion="aws_v1"):
        for item in page["PriceList"]:
            yield json.loads(item) if isinstance(item, str) else item


def on_demand_usd(product: dict[str, Any]) -> float | None:
    """The hourly on-demand USD price of a Price List product, if it has one."""
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and str(dim.get("unit", "Hrs")).lower().startswith("hr") and float(usd) > 0:
                return float(usd)
    return None


def ec2_price(client: Any, instance_type: str, region: str) -> float | None:
    prices = []
    for product in _products(client, "AmazonEC2", ec2_filters(instance_type, region)):
        attrs = product.get("product", {}).get("attributes", {})
        # plain Linux on-demand usage: operation RunInstances, no licence bundled
        if attrs.get("operation", "RunInstances") == "RunInstances" and (usd := on_demand_usd(product)):
            prices.append(usd)
    return min(prices) if prices else None


def sagemaker_price(client: Any, instance_type: str, region: str) -> float | None:
    prices = []
    for product in _products(client, "AmazonSageMaker", sagemaker_filters(instance_type, region)):
        attrs = product.get("product", {}).get("attributes", {})
        hosting = "Hosting" in (attrs.get("platoinstancetype", ""), attrs.get("component", ""))
        if hosting and (usd := on_demand_usd(product)):
            prices.append(usd)
    return min(prices) if prices else None


def refresh(cloud: str, out_dir: Path, client: Any = None, today: dt.date | None = None) -> Path:
    """Write ``shapes-<cloud>-<today>.csv`` into ``out_dir`` with current prices; return its path."""
    if cloud != "aws":
        raise RefreshError(f"price refresh covers aws only (Price List API); {cloud} is not implemented")
    if client is None:
        import boto3

        client = boto3.client("pricing", region_name=PRICING_REGION)
    day = (today or dt.date.today()).isoformat()
    source_file = catalog.shape_file(cloud)
    with source_file.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise RefreshError(f"{source_file} has no rows to refresh")
    lookup = {"compute": ec2_price, "sagemaker": sagemaker_price}
    kept = []
    for row in rows:
        price_of = lookup.get(row["service"])
        usd = price_of(client, row["name"], row["region"]) if price_of else None
        if usd is None:
            kept.append(row["name"])
            continue
        row.update(usd_per_hour=f"{usd:g}", as_of=day, source=f"AWS Price List API {day}")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"shapes-{cloud}-{day}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({k: row[k] for k in FIELDS} for row in rows)
    if out_dir.resolve() == catalog.DATA_DIR.resolve():
        catalog.clear_caches()
    if kept:
        print(f"kept the previous price of {len(kept)} row(s) the Price List did not return: {', '.join(kept)}")
    return path
