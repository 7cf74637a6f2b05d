"""Hostile and careless stack files: `llz validate` and `llz preview` exit 2 with a message naming the key path (or
the provider key, or the file), never a traceback, and without exhausting memory (benchmarks/hostile_inputs.py prints the time and peak memory of each).

Small fixtures live in tests/fixtures/hostile/; large ones are written to tmp_path by the tests.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components.config import ConfigError, limits, load_stack_file, parse_zone
from llmops_landing_zone.llz.cli import app

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
runner = CliRunner()
# Time is a benchmark, not an assertion (machines are noisy): benchmarks/hostile_inputs.py prints it per case.


def refused(stack: str | Path, *fragments: str, commands: tuple[str, ...] = ("validate", "preview")) -> str:
    """Run each command on ``stack``: exit 2, no traceback, and every fragment in the output."""
    output = ""
    for command in commands:
        result = runner.invoke(app, [command, str(stack)])
        assert result.exit_code == 2, (command, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        for fragment in fragments:
            assert fragment in result.output, (command, fragment, result.output)
        output = result.output
    return output


def base(environment: str = "dev", **zone: Any) -> dict[str, Any]:
    """A minimal valid AWS stack document."""
    return {"config": {"aws:region": "us-east-1", "llmops:zone": {
        "name": "acme-llm", "cloud": "aws", "environment": environment, **zone}}}


def write(tmp_path: Path, doc: dict[str, Any] | str | bytes, name: str = "Pulumi.hostile.yaml") -> Path:
    path = tmp_path / name
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    else:
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return path


def test_the_minimal_base_stack_is_valid(tmp_path: Path) -> None:
    """The generated cases below fail for their one reason, not because the base is broken."""
    assert runner.invoke(app, ["validate", str(write(tmp_path, base()))]).exit_code == 0


# --- 1. duplicate keys ------------------------------------------------------------------------------------------

def test_a_prod_stack_saying_environment_dev_later_is_refused_with_both_lines() -> None:
    refused(HOSTILE / "Pulumi.duplicate-environment.yaml",
            "llmops:zone.environment: duplicate key (lines 8 and 10)")


def test_duplicate_pool_keys_are_refused_with_both_lines() -> None:
    refused(HOSTILE / "Pulumi.duplicate-pools.yaml", "llmops:zone.gpuPools.l4-serving: duplicate key (lines 9 and 10)")


def test_duplicates_anywhere_name_their_place(tmp_path: Path) -> None:
    text = ("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n  llmops:zone:\n    name: acme-llm\n"
            "    cloud: aws\n    environment: dev\n    tags: {owner: a, owner: b}\nconfig:\n  x: 1\n")
    out = refused(write(tmp_path, text), "aws:region: duplicate key (lines 2 and 3)",
                  "llmops:zone.tags.owner: duplicate key (lines 8 and 8)")
    assert "duplicate key 'config' (lines 1 and 9)" in out


def test_merge_keys_and_anchors_are_not_duplicates(tmp_path: Path) -> None:
    text = ("config:\n  aws:region: us-east-1\n  llmops:zone:\n    name: acme-llm\n    cloud: aws\n"
            "    environment: dev\n    gpuPools:\n      a: &pool {gpu: L4, maxNodes: 2}\n"
            "      b: {<<: *pool, maxNodes: 4}\n")
    result = runner.invoke(app, ["validate", str(write(tmp_path, text))])
    assert result.exit_code == 0, result.output


# --- 2. caps ----------------------------------------------------------------------------------------------------

def test_a_billion_laughs_is_refused_at_load_quickly_and_in_little_memory() -> None:
    path = HOSTILE / "Pulumi.billion-laughs.yaml"
    refused(path, f"{path}: YAML aliases expand to 1234567890 values, more than the 10000 allowed")
    tracemalloc.start()
    with pytest.raises(ConfigError):
        load_stack_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20  # refused before the aliases expand (memory is deterministic; time is benchmarked)


def test_a_recursive_alias_and_too_many_aliases_are_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, "config: &a {llmops:zone: *a}\n"), "a recursive alias")
    many = "config:\n  aws:region: us-east-1\n  x: &x 1\n  y: [" + ", ".join(["*x"] * 101) + "]\n"
    refused(write(tmp_path, many), "more than 100 YAML aliases")


def test_aliases_that_nest_deeper_than_the_cap_are_refused(tmp_path: Path) -> None:
    lines = ["config:", "  l0: &l0 [1]"] + [f"  l{i}: &l{i} [*l{i - 1}]" for i in range(1, 60)]
    refused(write(tmp_path, "\n".join(lines) + "\n"), "YAML aliases nest the values deeper than 50 levels")


def test_a_file_over_one_mib_is_refused_before_parsing(tmp_path: Path) -> None:
    doc = base()
    doc["config"]["padding"] = "x" * limits.MAX_FILE_BYTES
    refused(write(tmp_path, doc), "larger than 1024 KiB")


def test_a_file_of_tens_of_thousands_of_values_is_refused(tmp_path: Path) -> None:
    text = "config:\n  aws:region: us-east-1\n  junk: [" + ",".join(["1"] * 200_000) + "]\n"
    assert len(text) < limits.MAX_FILE_BYTES
    refused(write(tmp_path, text), "more than 50000 values", commands=("validate",))


@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_5000_nesting_levels_are_refused_without_recursion_error(tmp_path: Path, opener: str) -> None:
    if opener == "- ":  # block style: 60 levels (5000 would take 25 MB of indentation)
        nested = "".join(f"{'  ' * (i + 3)}-\n" for i in range(60))
        text = f"config:\n  aws:region: us-east-1\n  llmops:zone:\n    tags:\n{nested}"
    else:
        closer = "]" if opener == "[" else "}"
        text = f"config:\n  llmops:zone:\n    tags: {opener * 5000}1{closer * 5000}\n"
    out = refused(write(tmp_path, text), "nested deeper than 50 levels")
    assert "RecursionError" not in out


@pytest.mark.parametrize(("key", "cap", "item", "why"), [
    ("tags", 40, lambda i: f"v{i}", "AWS and Azure take 50 per resource"),
    ("gpuPools", 100, lambda i: {"gpu": "L4"}, "GPU pools"),
    ("endpoints", 200, lambda i: {"model": "llama-3.1-8b"}, "endpoints"),
    ("vectorStores", 50, lambda i: {"engine": "opensearch-serverless", "dimensions": 8}, "vector stores"),
    ("teams", 200, lambda i: {"role": "viewer"}, "teams"),
])
def test_collections_over_their_cap_are_refused(tmp_path: Path, key: str, cap: int, item: Any, why: str) -> None:
    doc = base(**{key: {f"k{i}": item(i) for i in range(cap + 1)}})
    refused(write(tmp_path, doc), f"llmops:zone.{key}: at most {cap} ", why, f"got {cap + 1}")


def test_team_members_over_their_cap_are_refused(tmp_path: Path) -> None:
    members = [f"arn:aws:iam::123456789012:role/r{i}" for i in range(501)]
    doc = base(teams={"research": {"role": "developer", "members": members}})
    refused(write(tmp_path, doc), "llmops:zone.teams.research.members: at most 500 members per team")


def test_thousands_of_issues_print_a_bounded_list(tmp_path: Path) -> None:
    doc = base(**{f"typo{i}": 1 for i in range(3000)})
    out = refused(write(tmp_path, doc), "... and 2900 more issues", commands=("validate",))
    assert out.count("unknown key") == 100


# --- 3. no tracebacks for files that are not stack files ------------------------------------------------------

def test_a_non_utf8_file_is_refused(tmp_path: Path) -> None:
    data = "config:\n  aws:region: us-east-1\n  owner: M\xfcller\n".encode("latin-1")
    path = write(tmp_path, data)
    refused(path, f"{path}: not UTF-8 text (byte 0xfc at offset {data.index(0xfc)})")


def test_a_directory_an_empty_name_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    refused(tmp_path, f"{tmp_path}: is a directory, not a stack file")
    refused("", "STACK: is empty")
    refused(tmp_path / "Pulumi.nope.yaml", "stack file not found")
    refused("x" * 5000, "STACK: not a usable stack name or path")


def test_a_baseline_that_is_not_a_baseline_file_is_a_config_error() -> None:
    refused(HOSTILE / "Pulumi.not-a-baseline.yaml", "llmops:zone.policy.baseline: ",
            'is not a baseline file: expected a JSON list of {"policy": ..., "urn": ...} objects')


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "not found"),
    ("config: {}\n", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    ("[" * 100_000, "not JSON"),
    ('[{"policy": "aws-kms-key-rotation"}]', "is not a baseline file"),
])
def test_baseline_problems_name_the_key(tmp_path: Path, content: str | bytes | None, fragment: str) -> None:
    if isinstance(content, bytes):
        (tmp_path / "b.json").write_bytes(content)
    elif content is not None:
        (tmp_path / "b.json").write_text(content)
    stack = write(tmp_path, base(policy={"baseline": "b.json"}))
    refused(stack, "llmops:zone.policy.baseline: ", fragment, commands=("validate",))


def test_a_baseline_written_by_llz_policy_baseline_is_accepted(tmp_path: Path) -> None:
    entries = [{"policy": "aws-kms-key-rotation", "urn": "urn:pulumi:x::p::aws:kms/key:Key::k"}]
    (tmp_path / "b.json").write_text(json.dumps(entries))
    stack = write(tmp_path, base(policy={"baseline": "b.json"}))
    assert runner.invoke(app, ["validate", str(stack)]).exit_code == 0


# --- 4. provider keys -------------------------------------------------------------------------------------------

def test_a_shell_command_in_aws_region_is_refused_at_the_provider_key() -> None:
    out = refused(HOSTILE / "Pulumi.provider-keys.yaml", "aws:region: 'us-east-1; rm -rf /' is not an AWS region")
    assert "llmops:zone.region" not in out and "is required" not in out


def test_a_malformed_gcp_project_is_refused_at_the_provider_key() -> None:
    refused(HOSTILE / "Pulumi.gcp-project.yaml", "gcp:project: 'Acme_Project!' is not a GCP project id")


@pytest.mark.parametrize(("key", "bad", "good"), [
    ("aws:region", "US-EAST-1", "us-gov-west-1"),
    ("aws:region", "us-east-1\n", "us-moon-1"),  # the format only: whether a region exists is another check
    ("gcp:region", "us central1", "europe-west4"),
    ("gcp:project", "p-1", "acme-llm-dev"),
    ("azure-native:location", "East US", "westeurope"),
    ("aws:region", 42, "eu-west-1"),
])
def test_provider_key_formats(key: str, bad: Any, good: str) -> None:
    cloud = {"aws": "aws", "gcp": "gcp", "azure-native": "azure"}[key.split(":")[0]]
    provider = {"aws:region": "us-east-1", "gcp:region": "us-central1", "gcp:project": "acme-llm-dev",
                "azure-native:location": "eastus"}
    zone = {"name": "acme-llm", "cloud": cloud, "environment": "dev"}
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, {**provider, key: bad})
    assert any(line.startswith(f"{key}: ") for line in info.value.lines), info.value.lines
    try:
        parse_zone(zone, {**provider, key: good})
    except ConfigError as exc:  # other findings may remain (the region catalog: us-moon-1), never the format
        from llmops_landing_zone.components.config.loader import PROVIDER_FORMATS

        what = PROVIDER_FORMATS[key][1]
        assert not any(line.startswith(f"{key}: ") and what in line for line in exc.lines), exc.lines


def test_a_region_written_in_the_zone_itself_is_checked_too() -> None:
    zone = {"name": "acme-llm", "cloud": "aws", "environment": "dev", "region": "us-east-1 && curl evil"}
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, {})
    assert any(line.startswith("llmops:zone.region: ") for line in info.value.lines)


# --- 5.-8. careless types, model paths, policy names, hints -------------------------------------------------

def test_careless_types_get_a_message_that_says_what_to_write() -> None:
    out = refused(HOSTILE / "Pulumi.careless-types.yaml",
                  "llmops:zone.teams.research.gpuQuota: expected a whole number, got true",
                  "llmops:zone.budget.monthlyLimitUsd: expected a number, got true",
                  'llmops:zone.cluster.kubernetesVersion: expected a quoted version, got the number 1.3',
                  'kubernetesVersion: "1.35" (with quotes)',
                  "llmops:zone.endpoints.chat.model.name: must not contain '..'",
                  "llmops:zone.endpoints.chat.replicas: must be a mapping, got a number",
                  "llmops:zone.gpuPool: unknown key; did you mean gpuPools?")
    assert "instance of" not in out and "ReplicasConfig" not in out and "Value error" not in out


@pytest.mark.parametrize(("path", "value"), [
    ("gpuPools.p.minNodes", True), ("network.zones", False), ("cluster.systemNodes.count", True),
    ("endpoints.chat.concurrency", True), ("endpoints.chat.replicas.max", "3"), ("audit.retentionDays", 365.0),
    ("budget.thresholdsPercent", [True, 80]),
])
def test_booleans_and_strings_never_pass_as_numbers(path: str, value: Any) -> None:
    zone: dict[str, Any] = {"name": "acme-llm", "cloud": "aws", "environment": "dev",
                            "gpuPools": {"p": {"gpu": "L4"}}, "endpoints": {"chat": {"model": "llama-3.1-8b"}},
                            "budget": {"monthlyLimitUsd": 100}}
    node = zone
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, {"aws:region": "us-east-1"})
    assert any(line.startswith(f"llmops:zone.{path}") and "expected" in line for line in info.value.lines), \
        info.value.lines


def test_integers_still_pass_for_float_fields() -> None:
    cfg = parse_zone({"name": "acme-llm", "cloud": "aws", "environment": "dev",
                      "budget": {"monthlyLimitUsd": 100, "thresholdsPercent": [50, 90.5]}}, {"aws:region": "us-east-1"})
    assert cfg.budget is not None and cfg.budget.monthly_limit_usd == 100.0


@pytest.mark.parametrize("name", ["../../etc/passwd", "/models/llama", "org/../x"])
def test_architecture_names_cannot_leave_the_model_store(name: str) -> None:
    endpoint = {"model": {"name": name, "layers": 32, "attentionHeads": 32, "kvHeads": 8, "headDim": 128,
                          "parameters": 8_000_000_000}}
    with pytest.raises(ConfigError) as info:
        parse_zone({"name": "acme-llm", "cloud": "aws", "environment": "dev", "endpoints": {"chat": endpoint}},
                   {"aws:region": "us-east-1"})
    assert "llmops:zone.endpoints.chat.model.name: must not contain '..' or start with '/'" in info.value.lines[0]
    assert not any("valid string" in line for line in info.value.lines)  # the str member of the union is noise


def test_unknown_policy_names_are_refused_with_close_matches() -> None:
    refused(HOSTILE / "Pulumi.unknown-policy.yaml",
            "llmops:zone.policy.enforcement.aws-kms-rotation: unknown policy 'aws-kms-rotation'; did you mean "
            "aws-kms-key-rotation",
            "llmops:zone.policy.suppressions.0.policy: 'aws-kms-key-rotaton' matches no policy of the pack; "
            "did you mean aws-kms-key-rotation")


@pytest.mark.parametrize(("key", "line"), [
    ("gpuPool", "llmops:zone.gpuPool: unknown key; did you mean gpuPools?"),
    ("Endpoints", "llmops:zone.Endpoints: unknown key; did you mean endpoints?"),
    ("cluster.kubernetesVersoin", "llmops:zone.cluster.kubernetesVersoin: unknown key; did you mean kubernetesVersion?"),
    ("budget.monthlyLimit", "llmops:zone.budget.monthlyLimit: unknown key; did you mean monthlyLimitUsd?"),
    ("endpoints.chat.replicas.maximum", "llmops:zone.endpoints.chat.replicas.maximum: unknown key; did you mean max?"),
    ("zzz", "llmops:zone.zzz: unknown key (valid keys: name, cloud, environment,"),
])
def test_unknown_keys_suggest_the_closest_valid_key(key: str, line: str) -> None:
    zone: dict[str, Any] = {"name": "acme-llm", "cloud": "aws", "environment": "dev", "cluster": {},
                            "budget": {"monthlyLimitUsd": 100},
                            "endpoints": {"chat": {"model": "llama-3.1-8b", "replicas": {}}}}
    node = zone
    *parents, leaf = key.split(".")
    for part in parents:
        node = node[part]
    node[leaf] = 1
    with pytest.raises(ConfigError) as info:
        parse_zone(zone, {"aws:region": "us-east-1"})
    assert any(got.startswith(line) for got in info.value.lines), info.value.lines


def test_booleans_are_strict_too() -> None:
    from llmops_landing_zone.components.config import parse_zone

    raw = yaml.safe_load((HOSTILE.parents[2] / "stacks/Pulumi.aws-dev.yaml").read_text())["config"]
    zone = raw["llmops:zone"]
    zone["cluster"]["publicEndpoint"] = 1
    zone["audit"]["immutable"] = "yes"
    with pytest.raises(ConfigError) as exc:
        parse_zone(zone, raw)
    paths = [line.split(": ")[0] for line in exc.value.lines]
    assert "llmops:zone.cluster.publicEndpoint" in paths and "llmops:zone.audit.immutable" in paths
