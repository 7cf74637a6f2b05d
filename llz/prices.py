"""`llz prices refresh --cloud aws|gcp|azure`: current list prices from each cloud's public price source into new
dated catalog files.

Every (service, shape, region) the newest ``offers-<cloud>`` file knows (the reference region included) is priced
again; the result is written as ``offers-<cloud>-<today>.csv`` (every region, ``confidence`` listed) and
``shapes-<cloud>-<today>.csv`` (the reference region's prices, specs kept), which the catalog then prefers.
A row the source does not return keeps its previous price, confidence and source, and is listed.

Sources (HTTP through an injectable ``fetch(url, headers) -> bytes``; the tests replay small recorded responses):

- AWS: the Price List *bulk offer files*, public, no credentials:
  ``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<AmazonEC2|AmazonSageMaker>/current/<region>/index.json``
  (``products`` keyed by SKU with ``attributes``; ``terms.OnDemand[sku]`` with ``priceDimensions``). EC2 rows
  match instanceType, Linux, Shared tenancy, no pre-installed software, capacitystatus Used, RunInstances;
  SageMaker rows match instanceName on a Hosting component. A regional EC2 file is large (hundreds of MB): the
  refresh reads one per region, once. Spot prices are not in the offer files and stay as they were.
- Azure: the Retail Prices API, public, no credentials:
  ``https://prices.azure.com/api/retail/prices?$filter=...`` (``Items``, paged by ``NextPageLink``). Linux
  consumption meters (productName without "Windows"); skuName "... Spot" is the Spot price, "... Low Priority"
  is ignored. Azure ML managed online endpoints bill the VM, so ``azureml`` rows take the VM's price.
- GCP: the Cloud Billing Catalog API, ``https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus``
  (Compute Engine; ``skus`` with ``category.usageType``, ``serviceRegions`` and ``pricingInfo``, paged by
  ``nextPageToken``). It needs an API key (``--api-key`` or ``LLZ_GCP_API_KEY``) or Application Default
  Credentials (``gcloud auth application-default login``; the google-auth package). A machine type's price is
  vCPUs x its family's core SKU + GiB x its RAM SKU + GPUs x the GPU SKU ("Spot Preemptible ..." SKUs give the
  Spot price). Vertex AI prediction rows are not refreshed (their reference prices are stated assumptions).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmops_landing_zone.components import catalog
from llmops_landing_zone.components.catalog import regions

Fetch = Callable[[str, dict[str, str]], bytes]

AWS_OFFERS = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{service}/current/{region}/index.json"
AZURE_PRICES = "https://prices.azure.com/api/retail/prices"
GCP_COMPUTE_SKUS = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"
SHAPE_FIELDS = ["service", "name", "gpu", "gpus", "vcpu", "memory_gib", "usd_per_hour", "region", "as_of", "source"]
OFFER_FIELDS = ["service", "name", "region", "zones", "usd_per_hour", "spot_usd_per_hour", "confidence", "as_of",
                "source"]
# GCP Billing Catalog GPU SKU descriptions by catalog GPU id ("Nvidia L4 GPU running in Americas")
GCP_GPU_SKU = {"T4": "Nvidia Tesla T4 GPU", "L4": "Nvidia L4 GPU", "A100-40GB": "Nvidia Tesla A100 GPU",
               "A100-80GB": "Nvidia Tesla A100 80GB GPU", "H100": "Nvidia H100 80GB GPU",
               "H200": "Nvidia H200 141GB GPU"}


class RefreshError(ValueError):
    """The refresh cannot run (unknown cloud, no credentials for GCP, an unreadable response)."""


def http_get(url: str, headers: dict[str, str]) -> bytes:  # pragma: no cover - the network; tests inject fetch
    req = urllib.request.Request(url, headers={"User-Agent": "llz-prices-refresh", **headers})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return resp.read()


def _json(fetch: Fetch, url: str, headers: dict[str, str] | None = None) -> Any:
    try:
        return json.loads(fetch(url, headers or {}))
    except ValueError as exc:
        raise RefreshError(f"{url.split('?')[0]}: not JSON ({exc})") from None


@dataclass(frozen=True)
class Quote:
    usd_per_hour: float | None
    spot_usd_per_hour: float | None = None


# --- AWS: bulk offer files ---------------------------------------------------------------------------------


def on_demand_usd(terms: dict[str, Any]) -> float | None:
    """The hourly USD price in one SKU's OnDemand terms (``{offerTermCode: {priceDimensions: ...}}``)."""
    for term in (terms or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            value = dim.get("pricePerUnit", {}).get("USD")
            if value is not None and str(dim.get("unit", "Hrs")).lower().startswith("hr") and float(value) > 0:
                return float(value)
    return None


def _ec2_match(a: dict[str, str], name: str) -> bool:
    return (a.get("instanceType") == name and a.get("operatingSystem") == "Linux" and a.get("tenancy") == "Shared"
            and a.get("preInstalledSw", "NA") == "NA" and a.get("capacitystatus", "Used") == "Used"
            and a.get("operation", "RunInstances") == "RunInstances")


def _sagemaker_match(a: dict[str, str], name: str) -> bool:
    return a.get("instanceName") == name and "Hosting" in (a.get("component", ""), a.get("platoinstancetype", ""))


@dataclass
class AwsPrices:
    fetch: Fetch
    files: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    source: str = "AWS Price List bulk offer file"

    def _file(self, service: str, region: str) -> dict[str, Any]:
        if (service, region) not in self.files:
            self.files[(service, region)] = _json(self.fetch, AWS_OFFERS.format(service=service, region=region))
        return self.files[(service, region)]

    def quote(self, service: str, name: str, region: str) -> Quote | None:
        code, match = (("AmazonSageMaker", _sagemaker_match) if service == "sagemaker" else
                       ("AmazonEC2", _ec2_match))
        data = self._file(code, region)
        found = [usd for sku, p in (data.get("products") or {}).items() if match(p.get("attributes") or {}, name)
                 if (usd := on_demand_usd((data.get("terms", {}).get("OnDemand") or {}).get(sku))) is not None]
        return Quote(min(found)) if found else None


# --- Azure: Retail Prices API ------------------------------------------------------------------------------


@dataclass
class AzurePrices:
    fetch: Fetch
    names: list[str]
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source: str = "Azure Retail Prices API"

    def _items(self, region: str) -> list[dict[str, Any]]:
        if region not in self.items:
            skus = " or ".join(f"armSkuName eq '{n}'" for n in sorted(set(self.names)))
            flt = (f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and "
                   f"armRegionName eq '{region}' and ({skus})")
            url: str | None = f"{AZURE_PRICES}?{urllib.parse.urlencode({'$filter': flt})}"
            found: list[dict[str, Any]] = []
            while url:
                page = _json(self.fetch, url)
                found += page.get("Items") or []
                url = page.get("NextPageLink")
            self.items[region] = found
        return self.items[region]

    def quote(self, service: str, name: str, region: str) -> Quote | None:
        on_demand, spot = [], []
        for i in self._items(region):
            if (i.get("armSkuName") != name or i.get("armRegionName") != region or i.get("type") != "Consumption"
                    or str(i.get("productName", "")).endswith("Windows") or i.get("unitOfMeasure") != "1 Hour"):
                continue
            sku = str(i.get("skuName", ""))
            if sku.endswith("Low Priority"):
                continue
            (spot if sku.endswith("Spot") else on_demand).append(float(i["retailPrice"]))
        if not on_demand:
            return None
        return Quote(min(on_demand), min(spot) if spot else None)  # azureml bills the VM: the same price


# --- GCP: Cloud Billing Catalog API ------------------------------------------------------------------------


def gcp_credentials(api_key: str | None) -> tuple[str, dict[str, str]]:
    """(query suffix, headers): an API key, else an ADC access token; RefreshError when neither exists."""
    key = api_key or os.environ.get("LLZ_GCP_API_KEY")
    if key:
        return f"&key={urllib.parse.quote(key)}", {}
    try:
        import google.auth
        import google.auth.transport.requests

        creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-billing.readonly"])
        creds.refresh(google.auth.transport.requests.Request())
        return "", {"Authorization": f"Bearer {creds.token}"}
    except Exception as exc:  # noqa: BLE001 - not installed, no ADC, or refused: one message for all
        raise RefreshError("the GCP Cloud Billing Catalog API needs an API key (--api-key or LLZ_GCP_API_KEY) or "
                           f"Application Default Credentials (gcloud auth application-default login): {exc}") from None


def unit_usd(sku: dict[str, Any]) -> float | None:
    """The USD unit price of a SKU's current pricing (its first tier starting at 0)."""
    for info in sku.get("pricingInfo") or []:
        for rate in (info.get("pricingExpression") or {}).get("tieredRates") or []:
            if float(rate.get("startUsageAmount", 0) or 0) == 0:
                money = rate.get("unitPrice") or {}
                return int(money.get("units", 0) or 0) + int(money.get("nanos", 0) or 0) / 1e9
    return None


@dataclass
class GcpPrices:
    fetch: Fetch
    api_key: str | None = None
    skus: list[dict[str, Any]] | None = None
    source: str = "GCP Cloud Billing Catalog API"

    def _skus(self) -> list[dict[str, Any]]:
        if self.skus is None:
            suffix, headers = gcp_credentials(self.api_key)
            found: list[dict[str, Any]] = []
            token = ""
            while True:
                page = _json(self.fetch, f"{GCP_COMPUTE_SKUS}?currencyCode=USD&pageToken={token}{suffix}", headers)
                found += page.get("skus") or []
                token = page.get("nextPageToken") or ""
                if not token:
                    break
            self.skus = found
        return self.skus

    def _unit(self, description: str, region: str, spot: bool) -> float | None:
        want = ("Spot Preemptible " if spot else "") + description + " running in"
        usage = "Preemptible" if spot else "OnDemand"
        for s in self._skus():
            cat = s.get("category") or {}
            if (str(s.get("description", "")).startswith(want) and cat.get("usageType") == usage
                    and region in (s.get("serviceRegions") or [])):
                return unit_usd(s)
        return None

    def _machine(self, name: str, region: str, spot: bool) -> float | None:
        family = name.split("-")[0].upper()
        shape = catalog.shape_named("gcp", name)
        node = catalog.system_nodes().get("gcp")
        if shape is not None:
            vcpu, mem, gpus, gpu = shape.vcpu, shape.memory_gib, shape.gpus, GCP_GPU_SKU.get(shape.gpu)
        elif node is not None and node.name == name:
            vcpu, mem, gpus, gpu = node.vcpu, node.memory_gib, 0, None
        else:
            return None
        core = self._unit(f"{family} Instance Core", region, spot)
        ram = self._unit(f"{family} Instance Ram", region, spot)
        card = self._unit(gpu, region, spot) if gpu else 0.0
        if core is None or ram is None or card is None:
            return None
        return vcpu * core + mem * ram + gpus * card

    def quote(self, service: str, name: str, region: str) -> Quote | None:
        if service not in ("compute", regions.SYSTEM):
            return None  # Vertex AI prediction: a stated assumption on the Compute Engine price, kept
        on_demand = self._machine(name, region, spot=False)
        return None if on_demand is None else Quote(round(on_demand, 6), self._machine(name, region, spot=True))


# --- the refresh -------------------------------------------------------------------------------------------


def pricer(cloud: str, fetch: Fetch, api_key: str | None = None) -> Any:
    if cloud == "aws":
        return AwsPrices(fetch)
    if cloud == "azure":
        return AzurePrices(fetch, [n for (_, n, _) in regions.offers("azure")])
    if cloud == "gcp":
        return GcpPrices(fetch, api_key)
    raise RefreshError(f"unknown cloud {cloud!r}: choose aws, gcp or azure")


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def _offer_rows(cloud: str, prices: Any, day: str) -> Iterator[tuple[dict[str, str], bool]]:
    """Every offer row, priced again where the source answers (row, refreshed)."""
    ref = regions.reference_region(cloud)
    for (service, name, region), o in sorted(regions.offers(cloud).items()):
        q = prices.quote(service, name, region)
        row = {"service": service, "name": name, "region": region, "zones": ";".join(o.zones),
               "usd_per_hour": _fmt(o.usd_per_hour) if region != ref or o.confidence != "reference" else "",
               "spot_usd_per_hour": _fmt(o.spot_usd_per_hour), "confidence": o.confidence, "as_of": o.as_of,
               "source": o.source}
        if q is not None and q.usd_per_hour is not None:
            row.update(usd_per_hour=_fmt(q.usd_per_hour), confidence="listed", as_of=day,
                       source=f"{prices.source} {day}")
            if q.spot_usd_per_hour is not None:
                row["spot_usd_per_hour"] = _fmt(q.spot_usd_per_hour)
        yield row, q is not None


def refresh(cloud: str, out_dir: Path, fetch: Fetch | None = None, today: dt.date | None = None,
            api_key: str | None = None) -> list[Path]:
    """Write ``offers-<cloud>-<today>.csv`` and ``shapes-<cloud>-<today>.csv`` into ``out_dir``; return both."""
    prices = pricer(cloud, fetch or (lambda url, headers: http_get(url, headers)), api_key)
    day = (today or dt.date.today()).isoformat()
    ref = regions.reference_region(cloud)
    offers, kept = [], []
    for row, fresh in _offer_rows(cloud, prices, day):
        offers.append(row)
        if not fresh:
            kept.append(f"{row['name']} ({row['service']}, {row['region']})")
    fresh_ref = {(r["service"], r["name"]): r for r in offers if r["region"] == ref and r["confidence"] == "listed"}
    shapes = catalog.read_rows(catalog.shape_file(cloud))
    for row in shapes:
        if (new := fresh_ref.get((row["service"], row["name"]))) is not None:
            row.update(usd_per_hour=new["usd_per_hour"], as_of=day, source=new["source"])
    for r in offers:  # the reference price lives in the shapes file
        if r["region"] == ref and r["service"] != regions.SYSTEM:
            r.update(usd_per_hour="", confidence="reference",
                     source=f"price: the shapes-{cloud}-{day} file's {ref} row" if r["confidence"] == "listed"
                     else r["source"])
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_write(out_dir / f"offers-{cloud}-{day}.csv", OFFER_FIELDS, offers),
               _write(out_dir / f"shapes-{cloud}-{day}.csv", SHAPE_FIELDS, shapes)]
    if out_dir.resolve() == catalog.DATA_DIR.resolve():
        catalog.clear_caches()
    if kept:
        print(f"kept the previous price of {len(kept)} row(s) the source did not return: {', '.join(kept)}")
    return written


def _write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in fields} for r in rows)
    return path

