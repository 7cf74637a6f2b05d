"""`llz preflight` against moto (EC2: availability zones and instance type offerings, in-process) and botocore's
Stubber for Service Quotas: moto 5 implements Service Quotas for the "vpc" service code only, so EC2 and
SageMaker quotas are answered by a Stubber on a real client. Fake credentials are set here; no call leaves the
process."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws
from rich.console import Console

from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.llz import preflight

STACKS = Path(__file__).resolve().parent.parent / "stacks"
REGION = "us-east-1"


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


class StubbedSession:
    """EC2 from moto; Service Quotas from a Stubber with the answers a test queues."""

    def __init__(self) -> None:
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.quotas = boto3.client("service-quotas", region_name=REGION)
        self.stub = Stubber(self.quotas)

    def client(self, name: str, region_name: str | None = None) -> Any:
        assert region_name == REGION
        return {"ec2": self.ec2, "service-quotas": self.quotas}[name]

    def quota(self, code: str, value: float, service: str = "ec2") -> None:
        self.stub.add_response("get_service_quota", {"Quota": {"QuotaCode": code, "Value": value}},
                               {"ServiceCode": service, "QuotaCode": code})

    def no_applied_quota(self, code: str, default: float) -> None:
        self.stub.add_client_error("get_service_quota", "NoSuchResourceException", "no applied value",
                                   expected_params={"ServiceCode": "ec2", "QuotaCode": code})
        self.stub.add_response("get_aws_default_service_quota", {"Quota": {"QuotaCode": code, "Value": default}},
                               {"ServiceCode": "ec2", "QuotaCode": code})

    def sagemaker(self, quotas: dict[str, float]) -> None:
        self.stub.add_response("list_service_quotas", {"Quotas": [
            {"QuotaName": f"{name} for endpoint usage", "QuotaCode": f"L-SM{i:06d}", "Value": value}
            for i, (name, value) in enumerate(quotas.items())]}, {"ServiceCode": "sagemaker"})


def stack(name: str, **changes: Any):
    config = yaml.safe_load((STACKS / f"Pulumi.{name}.yaml").read_text())["config"]
    zone = copy.deepcopy(config["llmops:zone"])
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        d = zone
        for p in parents:
            d = d.setdefault(p, {})
        d[leaf] = value
    return parse_zone(zone, config)


def by(findings: list[preflight.Finding], severity: str) -> list[preflight.Finding]:
    return [f for f in findings if f.severity == severity]


def test_quota_codes_and_families() -> None:
    assert preflight.QUOTAS[("G", "on-demand")][0] == "L-DB2E81BA"
    assert preflight.QUOTAS[("P", "on-demand")][0] == "L-417A185B"
    assert preflight.QUOTAS[("G", "spot")][0] == "L-3819A6DF"
    assert preflight.QUOTAS[("P", "spot")][0] == "L-7212CCBC"
    assert [preflight.family(t) for t in ("g6.xlarge", "g6e.48xlarge", "p5.48xlarge", "m7i.large", "inf2.xlarge")] \
        == ["G", "G", "P", "Standard", None]


def test_demand_is_max_nodes_times_vcpus() -> None:
    wants = {d.subject: d for d in preflight.demands(stack("aws-prod"))}
    assert (wants["pool l4-serving"].instance_type, wants["pool l4-serving"].vcpus) == ("g6.xlarge", 8 * 4)
    assert (wants["pool h100-serving"].instance_type, wants["pool h100-serving"].vcpus) == ("p5.48xlarge", 2 * 192)
    assert wants["system nodes"].vcpus == 4 * 2


def test_a_missing_gpu_quota_is_a_blocker_naming_the_pool_and_the_ask(aws: None) -> None:
    cfg = stack("aws-prod")
    s = StubbedSession()
    s.quota("L-DB2E81BA", 0)  # G and VT on-demand: a new account
    s.quota("L-417A185B", 384)
    s.no_applied_quota("L-1216C47A", 1152)
    s.sagemaker({"ml.g6e.xlarge": 3})
    with s.stub:
        findings = preflight.run(cfg, s)
    s.stub.assert_no_pending_responses()
    blockers = by(findings, "blocker")
    assert len(blockers) == 1
    b = blockers[0]
    assert b.check == "vCPU quota" and b.subject == "pool l4-serving"
    assert "L-DB2E81BA" in b.message and "is 0 vCPUs" in b.message and "needs 32" in b.message
    assert "--quota-code L-DB2E81BA --desired-value 32" in b.ask
    oks = {(f.check, f.subject) for f in by(findings, "ok")}
    assert ("vCPU quota", "pool h100-serving") in oks and ("vCPU quota", "system nodes") in oks
    assert ("SageMaker quota", "endpoint summarize") in oks
    assert ("AZ offering", "pool l4-serving") in oks and ("AZ offering", "pool h100-serving") in oks


def test_main_exits_1_on_the_blocker_and_0_when_quotas_suffice(aws: None, tmp_path: Path) -> None:
    s = StubbedSession()
    s.quota("L-3819A6DF", 0)  # aws-dev's L4 pool is Spot
    s.quota("L-1216C47A", 1152)
    console = Console(record=True, width=200)
    with s.stub:
        assert preflight.main("aws-dev", session=s, console=console) == 1
    assert "L-3819A6DF" in console.export_text()
    s = StubbedSession()
    s.quota("L-3819A6DF", 64)
    s.quota("L-1216C47A", 1152)
    with s.stub:
        assert preflight.main("aws-dev", session=s, console=Console(record=True, width=200)) == 0


def test_offerings_per_az_warn_on_a_gap_and_block_when_absent(aws: None) -> None:
    # moto's offering data: p5en.48xlarge in us-east-1a and -1c only; p4de.24xlarge in -1b and -1c only
    s = StubbedSession()
    ec2 = s.client("ec2", REGION)
    wide = stack("aws-prod", gpuPools__h100__gpu="H200", gpuPools__h100__gpusPerNode=8, gpuPools__h100__maxNodes=1)
    azs = preflight.zone_azs(ec2, wide)
    assert azs == ["us-east-1a", "us-east-1b", "us-east-1c"]
    found = preflight.check_offerings(ec2, azs, preflight.demands(wide))
    gap = [f for f in found if f.subject == "pool h100" and f.severity == "warning"]
    assert gap and "not offered in us-east-1b" in gap[0].message
    narrow = stack("aws-dev", network__zones=1, gpuPools__big={"gpu": "A100-80GB", "gpusPerNode": 8, "maxNodes": 1})
    found = preflight.check_offerings(ec2, preflight.zone_azs(ec2, narrow), preflight.demands(narrow))
    block = [f for f in found if f.subject == "pool big"]
    assert block[0].severity == "blocker" and "p4de.24xlarge" in block[0].message and "us-east-1b" in block[0].ask


def test_pools_sized_for_endpoints_are_checked_too() -> None:
    cfg = stack("aws-dev", endpoints__coder={"model": "llama-3.1-70b", "concurrency": 16, "replicas": {"max": 2}})
    wants = {d.subject: d for d in preflight.demands(cfg)}
    assert (wants["pool coder"].instance_type, wants["pool coder"].vcpus) == ("p4d.24xlarge", 2 * 96)


def test_sagemaker_endpoint_quota_below_replicas_is_a_blocker(aws: None) -> None:
    cfg = stack("aws-prod")
    s = StubbedSession()
    s.sagemaker({"ml.g6e.xlarge": 1})
    with s.stub:
        found = preflight.check_sagemaker(s.quotas, REGION, cfg)
    assert [f.severity for f in found] == ["blocker"]
    assert "replicas.max needs 3" in found[0].message and "--service-code sagemaker" in found[0].ask


def test_an_unreadable_quota_is_a_warning_not_a_blocker(aws: None) -> None:
    s = StubbedSession()
    s.stub.add_client_error("get_service_quota", "AccessDeniedException", "not allowed")
    s.quota("L-1216C47A", 1152)
    with s.stub:
        found = preflight.check_quotas(s.quotas, REGION, preflight.demands(stack("aws-dev")))
    assert [f.severity for f in found] == ["warning", "ok"]
    assert "not allowed" in found[0].message


def test_non_aws_stacks_are_not_checked(tmp_path: Path) -> None:
    config = yaml.safe_load((STACKS / "Pulumi.aws-dev.yaml").read_text())["config"]
    zone = config.pop("llmops:zone")
    zone.update(cloud="gcp", teams={}, budget=None)
    zone["gpuPools"]["l4-serving"]["capacity"] = "on-demand"
    zone["vectorStores"] = {"docs": {"engine": "vertex-vector-search", "dimensions": 768}}
    zone = {k: v for k, v in zone.items() if v is not None}
    path = tmp_path / "Pulumi.gcp-test.yaml"
    path.write_text(yaml.safe_dump({"config": {"gcp:region": "us-central1", "gcp:project": "acme-llm-test",
                                               "llmops:zone": zone}}))
    console = Console(record=True, width=200)
    assert preflight.main(str(path), console=console) == 0
    assert "covers AWS only" in console.export_text()


def test_no_credentials_is_not_a_blocker() -> None:
    from botocore.exceptions import NoCredentialsError

    class NoCredentials:
        region_name = "us-east-1"

        def client(self, *args: object, **kwargs: object) -> None:
            raise NoCredentialsError()

    console = Console(record=True, width=200)
    assert preflight.main("aws-dev", session=NoCredentials(), console=console) == preflight.NOT_CHECKED == 3
    assert "could not check anything" in console.export_text()
