"""The offline engine records what the program registers, faithfully, and a bad config registers nothing."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest
import yaml

from llmops_landing_zone.components.config.loader import pulumi_config_values
from llmops_landing_zone.llz import engine
from llmops_landing_zone.llz.offline import stacks_dir


class Holder(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("llmops:test:Holder", name)
        key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, deletion_window_in_days=30,
                          opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True))
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=f"{name}-data",
                               opts=pulumi.ResourceOptions(parent=self, depends_on=[key],
                                                           aliases=[pulumi.Alias(name="old-bucket")]))
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id,
                                versioning_configuration={"status": "Enabled"},
                                opts=pulumi.ResourceOptions(parent=self))
        self.key_arn = key.arn
        self.register_outputs({"keyArn": key.arn})


def _program() -> None:
    Holder("h")
    pulumi.export("account", aws.get_caller_identity().account_id)


@pytest.fixture(scope="module")
def records() -> dict[str, engine.PlannedResource]:
    recs, mocks = engine.run(_program, stack="t", config={"aws:region": "eu-west-1"}, region="eu-west-1")
    assert not mocks.unmocked_calls
    return {r.name: r for r in recs}


def test_component_and_custom_resources_are_recorded_with_parent(records: dict) -> None:
    holder = records["h"]
    assert holder.type == "llmops:test:Holder" and holder.custom is False and holder.parent is None
    assert holder.urn == "urn:pulumi:t::llmops-landing-zone::llmops:test:Holder::h"
    key = records["h-key"]
    assert key.custom and key.parent == holder.urn
    assert key.urn == "urn:pulumi:t::llmops-landing-zone::llmops:test:Holder$aws:kms/key:Key::h-key"


def test_options_are_recorded(records: dict) -> None:
    assert (records["h-key"].protect, records["h-key"].retainOnDelete) == (True, True)
    assert (records["h-bucket"].protect, records["h-bucket"].retainOnDelete) == (False, False)
    assert "urn:pulumi:t::llmops-landing-zone::llmops:test:Holder$aws:s3/bucket:Bucket::old-bucket" in \
        records["h-bucket"].aliases


def test_inputs_are_camel_case_as_the_engine_sees_them(records: dict) -> None:
    assert records["h-key"].inputs == {"enableKeyRotation": True, "deletionWindowInDays": 30}
    assert records["h-versioning"].inputs["versioningConfiguration"] == {"status": "Enabled"}


def test_explicit_and_implicit_dependencies_are_recorded(records: dict) -> None:
    assert records["h-bucket"].dependencies == [records["h-key"].urn]
    assert records["h-bucket"].urn in records["h-versioning"].dependencies  # via the bucket.id output


def test_mock_outputs_are_realistic(records: dict) -> None:
    assert records["h-versioning"].inputs["bucket"] == "h-data"  # an S3 bucket's id is its name


def test_repeated_runs_are_isolated_and_deterministic() -> None:
    first, _ = engine.run(_program, stack="a", config={"aws:region": "eu-west-1"}, region="eu-west-1")
    second, _ = engine.run(_program, stack="a", config={"aws:region": "eu-west-1"}, region="eu-west-1")
    assert [(r.urn, r.inputs) for r in sorted(first, key=lambda r: r.urn)] == \
        [(r.urn, r.inputs) for r in sorted(second, key=lambda r: r.urn)]


def test_invalid_config_under_pulumi_registers_nothing() -> None:
    """The same path `pulumi up` takes: config read through pulumi.Config, errors before any resource."""
    from llmops_landing_zone.components.program import main

    config = yaml.safe_load((stacks_dir() / "Pulumi.aws-dev.yaml").read_text())["config"]
    config["llmops:zone"]["gpuPools"]["l4-serving"]["minNodes"] = 5
    config["llmops:zone"]["teams"]["research"]["members"] = ["someone"]
    recorder: list = []

    class Spy(engine.RecordingMonitor):
        def __init__(self, mocks: engine.RecordingMocks) -> None:
            super().__init__(mocks)
            recorder.append(self)

    original = engine.RecordingMonitor
    engine.RecordingMonitor = Spy  # type: ignore[misc]
    try:
        with pytest.raises(engine.OfflineRunError) as info:
            engine.run(main, stack="bad", config=pulumi_config_values(config), region="us-east-1")
    finally:
        engine.RecordingMonitor = original  # type: ignore[misc]
    message = str(info.value)
    assert "llmops:zone.gpuPools.l4-serving.minNodes" in message
    assert "llmops:zone.teams.research.members.0" in message
    assert recorder and recorder[0].records == []


def test_pulumi_config_values_are_json_for_objects() -> None:
    values = pulumi_config_values({"aws:region": "us-east-1", "llmops:zone": {"name": "x"}})
    assert values == {"aws:region": "us-east-1", "llmops:zone": json.dumps({"name": "x"})}


def test_plan_json_masks_secrets_and_lists_resources_in_a_stable_order() -> None:
    from llmops_landing_zone.components.plan import SECRET
    from llmops_landing_zone.llz import offline

    first, second = offline.plan("gcp-dev"), offline.plan("gcp-dev")
    gke = next(r for r in first.resources if r.type == "pulumi:providers:kubernetes")  # its kubeconfig
    assert gke.secrets == ["kubeconfig"] and "apiVersion" in gke.inputs["kubeconfig"]  # kept in memory
    data = json.loads(first.to_json())
    written = next(r for r in data["resources"] if r["urn"] == gke.urn)
    assert written["inputs"]["kubeconfig"] == SECRET and "current-context" not in first.to_json()
    assert [r["urn"] for r in data["resources"]] == sorted(r.urn for r in first.resources)
    assert first.to_json() == second.to_json()
