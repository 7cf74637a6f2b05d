"""Deployable today: support calendars as dated data, kubernetesVersion judged against them on a pinned date,
the extended-support opt-in on every cloud (config, cluster inputs, cost), current image pins and
``llz versions``. The suite's date is 2026-12-02 (tests/conftest.py); tests about other dates say so."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components import catalog, finops
from llmops_landing_zone.components.catalog import kubernetes as k8s
from llmops_landing_zone.components.config.deploy import deploy_warnings
from llmops_landing_zone.components.config import ConfigError, parse_zone, warnings
from llmops_landing_zone.components.config.models import ClusterConfig
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz import versions as report
from llmops_landing_zone.llz.cli import app
from llmops_landing_zone.llz.manifests import is_object, manifest

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 2)
runner = CliRunner()


def stack(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]


def zone(name: str, **cluster: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    config = stack(name)
    raw = dict(config["llmops:zone"])
    raw["cluster"] = {**raw["cluster"], **cluster}
    return raw, config


def issues(name: str, on: date = TODAY, **cluster: Any) -> list[str]:
    raw, provider = zone(name, **cluster)
    try:
        parse_zone(raw, provider, on=on)
    except ConfigError as exc:
        return exc.lines
    return []


def write_stack(tmp_path: Path, name: str, **cluster: Any) -> Path:
    config = stack(name)
    config["llmops:zone"]["cluster"] = {**config["llmops:zone"]["cluster"], **cluster}
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


# --- the calendars ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", k8s.CLOUDS)
def test_every_calendar_row_is_sourced_dated_and_ordered(cloud: str) -> None:
    rows = k8s.calendar(cloud)
    assert len(rows) >= 6
    for row in rows.values():
        assert row.source and row.as_of, row
        assert row.released < row.end_of_standard, row
        assert row.end_of_extended is None or row.end_of_standard < row.end_of_extended, row
        assert set(row.channels) <= set(k8s.GKE_CHANNELS)
        assert bool(row.channels) <= (cloud == "gcp"), "channels are a GKE column"
    assert list(rows) == sorted(rows, key=k8s.minor_key)


def test_the_newest_calendar_file_wins(tmp_path: Path) -> None:
    for f in catalog.DATA_DIR.glob("kubernetes-aws-*.csv"):
        shutil.copy(f, tmp_path / f.name)
    newer = tmp_path / "kubernetes-aws-2099-01-01.csv"
    newer.write_text("minor,released,end_of_standard,end_of_extended,channels,as_of,source\n"
                     "1.99,2098-01-01,2099-06-01,,,2099-01-01,test\n")
    assert catalog.dated_file("kubernetes", "aws", tmp_path) == newer
    assert catalog.file_date(newer) == date(2099, 1, 1)


def test_phases_follow_the_dates() -> None:
    row = k8s.calendar("aws")["1.34"]
    assert row.phase(date(2025, 10, 1)) is k8s.Phase.PREVIEW
    assert row.phase(TODAY) is k8s.Phase.STANDARD  # the last day of standard support is still standard
    assert row.phase(date(2026, 12, 3)) is k8s.Phase.EXTENDED
    assert row.phase(date(2027, 12, 3)) is k8s.Phase.ENDED


def test_today_is_injectable_and_a_bad_date_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert k8s.today() == TODAY  # tests/conftest.py
    monkeypatch.setenv(k8s.TODAY_ENV, "2027-05-01")
    assert k8s.today() == date(2027, 5, 1)
    monkeypatch.setenv(k8s.TODAY_ENV, "next tuesday")
    raw, provider = zone("aws-dev")
    with pytest.raises(ConfigError, match="LLZ_TODAY='next tuesday' is not a date"):
        parse_zone(raw, provider)


# --- the default and the reference stacks ------------------------------------------------------------------


@pytest.mark.parametrize("cloud", k8s.CLOUDS)
def test_the_default_minor_is_in_standard_support_on_every_cloud_for_months(cloud: str) -> None:
    default = ClusterConfig().kubernetes_version
    row = k8s.calendar(cloud)[default]
    assert row.phase(TODAY) is k8s.Phase.STANDARD
    assert (row.end_of_standard - TODAY).days > 90, "the default must stay creatable for the coming months"
    if cloud == "gcp":
        assert {"REGULAR", "STABLE"} <= set(row.channels), "dev (REGULAR) and prod (STABLE) channels"


@pytest.mark.parametrize("name", offline.all_stacks())
def test_reference_stacks_validate_without_warnings(name: str) -> None:
    _, _, cfg = offline.load(name)
    assert cfg.cluster.kubernetes_version == ClusterConfig().kubernetes_version
    # every private API server has its deploy runner (AWS and Azure): no deploy warning either
    assert list(deploy_warnings(cfg)) == []
    assert warnings(cfg, TODAY) == []


# --- errors and warnings -----------------------------------------------------------------------------------


def test_a_stack_asking_for_1_31_fails_with_the_dates_and_what_can_be_created() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "tests/fixtures/Pulumi.eks-1.31.yaml")])
    assert result.exit_code == 2
    line = next(x for x in result.output.splitlines() if "kubernetesVersion" in x)
    assert line.strip().startswith("llmops:zone.cluster.kubernetesVersion: EKS support for Kubernetes 1.31 ended "
                                   "on 2026-11-26")
    assert "1.35 (to 2027-03-27)" in line and "in extended support only 1.32" in line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["aws-prod", "gcp-prod", "azure-prod", "gcp-dev", "azure-dev"])
def test_1_31_is_refused_on_every_cloud(name: str) -> None:
    found = issues(name, kubernetesVersion="1.31")
    assert len(found) == 1 and found[0].startswith("llmops:zone.cluster.kubernetesVersion: ")
    assert "1.31 ended on" in found[0] and "no longer creates it" in found[0]


def test_prod_in_extended_support_needs_the_opt_in_and_then_pays_for_it(tmp_path: Path) -> None:
    refused = issues("aws-prod", kubernetesVersion="1.33")
    assert refused and "cluster.extendedSupport: true" in refused[0] and "2027-07-29" in refused[0]
    assert issues("aws-prod", kubernetesVersion="1.33", extendedSupport=True) == []

    path = write_stack(tmp_path, "aws-prod", kubernetesVersion="1.33", extendedSupport=True)
    plan = offline.plan(path)
    eks = plan.of_type("aws:eks/cluster:Cluster")[0]
    assert eks.inputs["upgradePolicy"] == {"supportType": "EXTENDED"} and eks.inputs["version"] == "1.33"
    fee = next(i for i in finops.estimate(plan).items if i.type == "aws:eks/cluster:Cluster")
    extended = catalog.item("aws", "cluster-hour-extended").usd
    assert extended == 0.60 and fee.monthly_min_usd == fee.monthly_max_usd == pytest.approx(extended * 730)
    assert "extended support until 2027-07-29" in fee.basis

    result = runner.invoke(app, ["cost", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "438.00" in result.output  # 0.60 x 730


def test_the_standard_fee_holds_until_an_opted_in_minor_leaves_standard_support(tmp_path: Path) -> None:
    plan = offline.plan(write_stack(tmp_path, "aws-prod", extendedSupport=True))
    fee = next(i for i in finops.estimate(plan).items if i.type == "aws:eks/cluster:Cluster")
    assert fee.monthly_min_usd == pytest.approx(0.10 * 730) and "$0.60/h from 2027-03-27" in fee.basis


def test_dev_on_eks_in_extended_support_warns_while_gke_and_aks_refuse() -> None:
    assert issues("aws-dev", kubernetesVersion="1.33") == []
    raw, provider = zone("aws-dev", kubernetesVersion="1.33")
    found = warnings(parse_zone(raw, provider, on=TODAY), TODAY)
    assert len(found) == 1 and "left standard support on EKS on 2026-07-29" in found[0]
    for name in ("gcp-dev", "azure-dev"):
        refused = issues(name, kubernetesVersion="1.33")
        assert refused and "cluster.extendedSupport: true" in refused[0], name


def test_gke_channel_and_version_must_agree() -> None:
    refused = issues("gcp-prod", kubernetesVersion="1.36")  # STABLE did not offer 1.36 yet
    assert refused and "channel is STABLE (prod), which does not offer 1.36" in refused[0]
    assert issues("gcp-dev", kubernetesVersion="1.36") == []  # REGULAR does
    assert issues("gcp-prod", kubernetesVersion="1.33", extendedSupport=True) == []  # the Extended channel


def test_unknown_and_future_minors_are_refused() -> None:
    assert "not in the EKS support calendar" in issues("aws-dev", kubernetesVersion="1.40")[0]
    found = issues("aws-dev", on=date(2026, 5, 1), kubernetesVersion="1.36")
    assert found and "EKS offers Kubernetes 1.36 from 2026-06-02" in found[0]


def test_a_warning_60_days_before_standard_support_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, provider = zone("aws-prod")
    on = date(2027, 2, 1)  # 54 days before EKS 1.35 leaves standard support
    found = warnings(parse_zone(raw, provider, on=on), on)
    assert found == [("llmops:zone.cluster.kubernetesVersion: standard support for Kubernetes 1.35 on EKS ends on "
                     "2027-03-27 (in 54 days); plan the upgrade to 1.36")]
    monkeypatch.setenv(k8s.TODAY_ENV, on.isoformat())
    result = runner.invoke(app, ["validate", "aws-prod"])
    assert result.exit_code == 0 and "warning: llmops:zone.cluster.kubernetesVersion: standard support" in result.output


def test_the_opt_in_on_gke_and_aks_sets_the_extended_channel_and_lts(tmp_path: Path) -> None:
    gke = offline.plan(write_stack(tmp_path, "gcp-prod", kubernetesVersion="1.34", extendedSupport=True))
    cluster = gke.of_type("gcp:container/cluster:Cluster")[0].inputs
    assert cluster["releaseChannel"] == {"channel": "EXTENDED"} and cluster["minMasterVersion"] == "1.34"
    fee = next(i for i in finops.estimate(gke).items if i.type == "gcp:container/cluster:Cluster")
    assert fee.monthly_min_usd == pytest.approx(catalog.item("gcp", "cluster-hour-extended").usd * 730)

    aks = offline.plan(write_stack(tmp_path, "azure-dev", kubernetesVersion="1.34", extendedSupport=True))
    mc = aks.of_type("azure-native:containerservice:ManagedCluster")[0].inputs
    assert mc["sku"]["tier"] == "Premium" and mc["supportPlan"] == "AKSLongTermSupport"
    default = offline.plan("azure-dev").of_type("azure-native:containerservice:ManagedCluster")[0].inputs
    assert default["sku"]["tier"] == "Free" and default["supportPlan"] == "KubernetesOfficial"


# --- images ---------------------------------------------------------------------------------------------------


def test_every_image_has_a_source_a_release_date_and_a_refresh_window() -> None:
    for img in (images.VLLM, images.VLLM_CUDA12, images.DEVICE_PLUGIN, images.DCGM_EXPORTER):
        assert img.source and img.released and img.refresh_by and img.refresh_by > img.released, img
    assert images.VLLM.digest and images.VLLM.digest.startswith("sha256:") and len(images.VLLM.digest) == 71
    for minor, (tag, source) in images.CLUSTER_AUTOSCALER_TAGS.items():
        assert tag.startswith(f"v{minor}.") and source, minor
    for cloud in k8s.CLOUDS:  # every minor a cloud creates today has its autoscaler line (EKS runs it)
        assert {s.minor for s in k8s.creatable("aws", TODAY)} <= set(images.CLUSTER_AUTOSCALER_TAGS)


def test_the_vllm_build_follows_the_driver_each_cloud_ships(monkeypatch: pytest.MonkeyPatch) -> None:
    for cloud in k8s.CLOUDS:
        drv = images.GPU_DRIVERS[cloud]
        assert drv.source and drv.branch >= images.CUDA13_MIN_DRIVER
        assert images.vllm_image(cloud) is images.VLLM
    old = images.GpuDriver("gcp", 570, "an older node image", "test")
    monkeypatch.setitem(images.GPU_DRIVERS, "gcp", old)
    assert images.vllm_image("gcp") is images.VLLM_CUDA12


@pytest.mark.parametrize("name", ["aws-dev", "gcp-dev", "azure-dev"])
def test_vllm_runs_vllm_serve_with_the_cloud_build(name: str) -> None:
    plan = offline.plan(name)
    dep = next(manifest(r) for r in plan.resources if is_object(r) and r.type == "kubernetes:apps/v1:Deployment"
               and r.name.endswith("-chat-deploy"))
    c = dep["spec"]["template"]["spec"]["containers"][0]
    # pulled through the zone's registry mirror: same path, tag and digest under the mirror's host
    assert c["image"].endswith("/" + images.vllm_image(plan.cloud).ref.removeprefix("docker.io/"))
    assert c["command"] == ["vllm", "serve"]
    assert c["args"][0].startswith(("s3://", "gs://", "az://")) and "--model" not in c["args"]
    assert "--disable-log-requests" not in c["args"]  # removed in vLLM 0.12; request logging is off by default


# --- llz versions ---------------------------------------------------------------------------------------------


def _plan_images(name: str) -> set[str]:
    found = set()
    for r in offline.plan(name).resources:
        if not is_object(r):
            continue
        spec = manifest(r).get("spec", {}).get("template", {}).get("spec", {})
        found |= {_upstream(c["image"]) for c in spec.get("containers", []) + spec.get("initContainers", [])}
    return found


def _upstream(ref: str) -> str:
    """The Docker Hub reference of an image pulled through a registry mirror (ECR pull-through cache, Artifact
    Registry remote repository, ACR cache rule): the pins the report lists are the upstream ones."""
    for marker in ("/docker-hub/", "-docker-hub/"):
        if marker in ref:
            return "docker.io/" + ref.split(marker, 1)[1]
    host = ref.split("/", 1)[0]
    return "docker.io/" + ref.split("/", 1)[1] if host.endswith(".azurecr.io") else ref


@pytest.mark.parametrize("name", ["aws-prod", "gcp-prod", "azure-prod"])
def test_llz_versions_reports_exactly_the_images_the_plan_deploys(name: str) -> None:
    _, _, cfg = offline.load(name)
    data = report.report({name: cfg}, TODAY)
    reported = {p["version"] for p in data["pins"] if p["kind"] == "image"}
    assert reported == _plan_images(name)


def test_llz_versions_exits_0_on_the_reference_stacks_and_prints_json() -> None:
    result = runner.invoke(app, ["versions", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["date"] == "2026-12-02" and data["outOfSupport"] == 0
    assert set(data["calendars"]) == {"aws", "gcp", "azure"}
    kinds = {(p["cloud"], p["kind"]) for p in data["pins"]}
    assert {("aws", "kubernetes"), ("gcp", "kubernetes"), ("azure", "kubernetes"), ("aws", "driver"),
            ("aws", "sdk"), ("all", "sdk")} <= kinds
    dcgm = next(p for p in data["pins"] if "dcgm-exporter" in p["version"])
    assert dcgm["status"] == report.SOON and dcgm["days_left"] == 39  # 180 days after 2026-07-14


def test_llz_versions_exits_1_when_a_stack_uses_an_unsupported_minor(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["versions", str(ROOT / "tests/fixtures/Pulumi.eks-1.31.yaml")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "out of support" in result.output and "2 pin(s) out of support" in result.output  # minor + autoscaler
    monkeypatch.setenv(k8s.TODAY_ENV, "2027-06-01")  # vLLM's and the NVIDIA agents' windows have passed
    data = json.loads(runner.invoke(app, ["versions", "aws-dev", "--json"]).output)
    assert {p["name"] for p in data["pins"] if p["status"] == report.ENDED} >= {"vLLM", "dcgm-exporter"}


def test_llz_versions_flags_a_stale_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(k8s.TODAY_ENV, "2027-04-01")
    result = runner.invoke(app, ["versions", "gcp-dev"], env={"COLUMNS": "200"})
    assert "the gcp support calendar is 121 days old" in result.output


def test_llz_versions_with_a_broken_stack_exits_2() -> None:
    result = runner.invoke(app, ["versions", str(ROOT / "tests/fixtures/Pulumi.broken.yaml")])
    assert result.exit_code == 2 and "minNodes" in result.output
