"""`llz prices refresh --cloud aws|gcp|azure` replayed from small recorded responses (tests/fixtures/prices/, in
each API's documented format); the injected fetch refuses any URL it has no recording for, so nothing reaches
the network."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import urllib.parse
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.catalog import regions
from llmops_landing_zone.llz import prices
from llmops_landing_zone.llz.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
TODAY = dt.date(2026, 12, 20)
EMPTY_AWS = b'{"products": {}, "terms": {"OnDemand": {}}}'


class Recorded:
    """fetch(url, headers): a recorded body, an empty answer for regions not recorded, and the calls made."""

    def __init__(self, answer) -> None:  # noqa: ANN001
        self.answer = answer
        self.calls: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, headers: dict[str, str]) -> bytes:
        self.calls.append((url, headers))
        body = self.answer(url)
        if body is None:
            raise AssertionError(f"no recording for {url}")
        return body


def _read(path: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    with path.open(newline="") as fh:
        return {(r["service"], r["name"], r.get("region", "")): r for r in csv.DictReader(fh)}


def _aws(url: str) -> bytes | None:
    if not url.startswith("https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/"):
        return None
    _, service, _, region, _ = url.rsplit("/", 4)
    path = FIXTURES / f"aws-{service}-{region}.json"
    return path.read_bytes() if path.exists() else EMPTY_AWS


def test_aws_refresh_reads_public_offer_files_without_credentials(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    fetch = Recorded(_aws)
    offers_path, shapes_path = prices.refresh("aws", tmp_path, fetch, TODAY)
    assert offers_path.name == "offers-aws-2026-12-20.csv" and shapes_path.name == "shapes-aws-2026-12-20.csv"
    offers, shapes = _read(offers_path), _read(shapes_path)
    # the Linux/Shared/Used/RunInstances on-demand SKU, not Windows, SQL or unused reservations
    assert shapes[("compute", "g6.xlarge", "us-east-1")]["usd_per_hour"] == "0.81"
    assert shapes[("compute", "g6.xlarge", "us-east-1")]["source"] == "AWS Price List bulk offer file 2026-12-20"
    assert shapes[("sagemaker", "ml.g6.xlarge", "us-east-1")]["usd_per_hour"] == "1.01"  # Hosting, not Training
    p5 = offers[("compute", "p5.48xlarge", "us-west-2")]
    assert (p5["usd_per_hour"], p5["confidence"], p5["as_of"]) == ("54.5", "listed", "2026-12-20")
    ref = offers[("compute", "g6.xlarge", "us-east-1")]
    assert ref["usd_per_hour"] == "" and ref["confidence"] == "reference"  # its price is the shapes file's
    system = offers[("system", "m7i.large", "us-east-1")]
    assert (system["usd_per_hour"], system["confidence"]) == ("0.1008", "listed")
    kept = offers[("compute", "g5.xlarge", "eu-west-1")]  # not in the recording: previous row kept
    before = regions.offer("aws", "g5.xlarge", "eu-west-1")
    assert (float(kept["usd_per_hour"]), kept["confidence"]) == (before.usd_per_hour, before.confidence)
    # specs are kept, every shape is still there, one file per region and service is read once
    assert len(shapes) == len(catalog.shapes("aws")) + len(catalog.shapes("aws", "sagemaker"))
    assert shapes[("compute", "p5.48xlarge", "us-east-1")]["gpus"] == "8"
    urls = [u for u, _ in fetch.calls]
    assert len(urls) == len(set(urls)) and all(h == {} for _, h in fetch.calls)


def _azure(url: str) -> bytes | None:
    if url.startswith("https://prices.azure.com:443/") and "skip=100" in url:
        return (FIXTURES / "azure-eastus-page2.json").read_bytes()
    if not url.startswith(prices.AZURE_PRICES + "?"):
        return None
    flt = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["$filter"][0]
    assert "serviceName eq 'Virtual Machines'" in flt and "priceType eq 'Consumption'" in flt
    if "armRegionName eq 'eastus'" in flt:
        return (FIXTURES / "azure-eastus-page1.json").read_bytes()
    if "armRegionName eq 'westeurope'" in flt:
        return (FIXTURES / "azure-westeurope.json").read_bytes()
    return json.dumps({"Items": [], "NextPageLink": None}).encode()


def test_azure_refresh_pages_the_retail_prices_api(tmp_path: Path) -> None:
    offers_path, shapes_path = prices.refresh("azure", tmp_path, Recorded(_azure), TODAY)
    offers, shapes = _read(offers_path), _read(shapes_path)
    # Linux consumption (not Windows), Spot from page 2 (NextPageLink), Low Priority ignored
    assert shapes[("compute", "Standard_NC24ads_A100_v4", "eastus")]["usd_per_hour"] == "3.7"
    ref = offers[("compute", "Standard_NC24ads_A100_v4", "eastus")]
    assert ref["spot_usd_per_hour"] == "1.2" and ref["confidence"] == "reference"
    west = offers[("compute", "Standard_NC24ads_A100_v4", "westeurope")]
    assert (west["usd_per_hour"], west["confidence"], west["source"]) == (
        "4.05", "listed", "Azure Retail Prices API 2026-12-20")
    assert offers[("azureml", "Standard_NC24ads_A100_v4", "westeurope")]["usd_per_hour"] == "4.05"  # bills the VM


def _gcp(url: str) -> bytes | None:
    if not url.startswith(prices.GCP_COMPUTE_SKUS + "?"):
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    assert query["key"] == ["test-key"] and query["currencyCode"] == ["USD"]
    page = "2" if query["pageToken"] == ["page-2"] else "1"
    return (FIXTURES / f"gcp-skus-page{page}.json").read_bytes()


def test_gcp_refresh_prices_machine_types_from_billing_catalog_skus(tmp_path: Path) -> None:
    offers_path, shapes_path = prices.refresh("gcp", tmp_path, Recorded(_gcp), TODAY, api_key="test-key")
    offers, shapes = _read(offers_path), _read(shapes_path)
    # g2-standard-4: 4 vCPU x 0.024 + 16 GiB x 0.0028 + 1 x L4 0.56 = 0.7008; Spot 4 x 0.009 + 16 x 0.001 + 0.22
    assert float(shapes[("compute", "g2-standard-4", "us-central1")]["usd_per_hour"]) == pytest.approx(0.7008)
    assert float(offers[("compute", "g2-standard-4", "us-central1")]["spot_usd_per_hour"]) == pytest.approx(0.272)
    nl = offers[("compute", "g2-standard-4", "europe-west4")]
    assert float(nl["usd_per_hour"]) == pytest.approx(4 * 0.0264 + 16 * 0.0031 + 0.616)
    assert nl["confidence"] == "listed" and nl["spot_usd_per_hour"] == ""  # no Spot SKU recorded there
    assert offers[("vertex", "g2-standard-4", "europe-west4")]["confidence"] == "derived"  # not refreshed
    # A2 has no SKUs in the recording: kept as it was
    assert shapes[("compute", "a2-highgpu-1g", "us-central1")]["usd_per_hour"] == "3.673385"


def test_gcp_refresh_without_a_key_or_adc_says_what_it_needs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLZ_GCP_API_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "google.auth", None)  # no google-auth: no Application Default Credentials
    with pytest.raises(prices.RefreshError, match="needs an API key"):
        prices.refresh("gcp", tmp_path, Recorded(lambda url: None), TODAY)
    assert not list(tmp_path.iterdir())


def test_cli_refresh_writes_files_and_reports_failures_with_exit_2(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prices, "http_get", Recorded(_aws))
    result = CliRunner().invoke(app, ["prices", "refresh", "--cloud", "aws", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name.rsplit("-", 3)[0] for p in tmp_path.iterdir()) == ["offers-aws", "shapes-aws"]
    result = CliRunner().invoke(app, ["prices", "refresh", "--cloud", "oracle", "--out-dir", str(tmp_path)])
    assert result.exit_code == 2 and "unknown cloud 'oracle'" in result.output

    def offline(url: str, headers: dict[str, str]) -> bytes:
        raise OSError("network unreachable")

    monkeypatch.setattr(prices, "http_get", offline)
    result = CliRunner().invoke(app, ["prices", "refresh", "--cloud", "azure", "--out-dir", str(tmp_path)])
    assert result.exit_code == 2 and "network unreachable" in result.output


def test_on_demand_price_parsing() -> None:
    assert prices.on_demand_usd({"T": {"priceDimensions": {"D": {"unit": "Hrs", "pricePerUnit": {"USD": "1.5"}}}}}) == 1.5
    assert prices.on_demand_usd({"T": {"priceDimensions": {"D": {"unit": "Hrs", "pricePerUnit": {"USD": "0"}}}}}) is None
    assert prices.unit_usd({"pricingInfo": [{"pricingExpression": {"tieredRates": [
        {"startUsageAmount": 0, "unitPrice": {"units": "1", "nanos": 500000000}}]}}]}) == 1.5
