"""``llz check`` reports: SARIF 2.1.0 (validated against the official schema), the PR comment, JUnit XML, the
console table and the exit status.

The SARIF schema is the OASIS SARIF 2.1.0 schema as shipped in Microsoft's MIT-licensed npm package
@microsoft/jest-sarif 1.0.0-beta.0 (lib/schemas/sarif-2.1.0-rtm.5.json; sha256 2d99159a...f4de4f8), obtained with
`npm pack @microsoft/jest-sarif` and committed unchanged under tests/fixtures/.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from rich.console import Console

from llmops_landing_zone.llz import check
from llmops_landing_zone.llz.check import check_stack, evaluate_timed
from llmops_landing_zone.llz.reports import junit, markdown, sarif
from llmops_landing_zone.llz.reports.locations import locate
from llmops_landing_zone.llz.results import StackResult, Violation
from llmops_landing_zone.policies import registry

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_FILE = FIXTURES / "sarif-schema-2.1.0-rtm.5.json"
INSECURE = FIXTURES / "Pulumi.insecure.yaml"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def schema() -> dict:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest().startswith("2d99159ae54a3eea")
    return json.loads(SCHEMA_FILE.read_text())


@pytest.fixture(scope="module")
def insecure() -> StackResult:
    """The insecure stack with its config-driven findings, one of them suppressed and one baselined."""
    result = check_stack(str(INSECURE))
    assert not result.errors and result.violations
    return result


@pytest.fixture(scope="module")
def annotated(insecure: StackResult) -> StackResult:
    out = StackResult(**{**insecure.__dict__, "violations": list(insecure.violations)})
    by_policy = {v.policy: v for v in out.violations}
    by_policy["dev-gpu-scale-to-zero"].suppressed_by = "warm node for the demo week, until 2026-12-01"
    by_policy["budget-for-gpu-capacity"].suppressed_by = "baseline insecure-baseline.json"
    by_policy["budget-for-gpu-capacity"].baselined = True
    return out


@pytest.fixture(scope="module")
def invalid(tmp_path_factory: pytest.TempPathFactory) -> StackResult:
    path = tmp_path_factory.mktemp("stacks") / "Pulumi.broken.yaml"
    doc = yaml.safe_load(INSECURE.read_text())
    doc["config"]["llmops:zone"]["gpuPools"]["l4-serving"]["minNodes"] = 9
    doc["config"]["llmops:zone"]["policy"] = {"enforcement": {"no-such-policy": "advisory"}}
    path.write_text(yaml.safe_dump(doc))
    return check_stack(str(path))


# --- SARIF ---------------------------------------------------------------------------------------------------

def test_sarif_validates_against_the_sarif_2_1_0_schema(schema: dict, annotated: StackResult,
                                                        invalid: StackResult) -> None:
    for results in ([annotated], [annotated, invalid], []):
        doc = sarif.render(results, ROOT)
        jsonschema.Draft4Validator(schema).validate(doc)
        json.dumps(doc)  # serialisable as written by llz check


def test_sarif_carries_every_rule_with_its_metadata(annotated: StackResult) -> None:
    doc = sarif.render([annotated], ROOT)
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "llmops-guardrails"
    assert [r["id"] for r in driver["rules"]] == [r.name for r in registry.rules()]
    eks = next(r for r in driver["rules"] if r["id"] == "aws-eks-private-endpoint")
    assert eks["helpUri"].endswith("README.md#policy-aws-eks-private-endpoint")
    assert eks["defaultConfiguration"]["level"] == "error"
    assert eks["properties"]["security-severity"] == "8.0"
    assert "CIS Amazon EKS 1.8.0 5.4.1 / 5.4.2" in eks["fullDescription"]["text"]
    assert "endpoint_private_access" in eks["help"]["text"]
    medium = next(r for r in driver["rules"] if r["id"] == "dev-gpu-scale-to-zero")
    assert medium["defaultConfiguration"]["level"] == "warning"


def test_sarif_results_point_at_the_config_key_that_produced_the_resource(annotated: StackResult) -> None:
    doc = sarif.render([annotated], ROOT)
    lines = INSECURE.read_text().splitlines()
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    for rule, key in (("dev-gpu-scale-to-zero", "l4-serving:"), ("aws-eks-private-endpoint", "publicEndpoint"),
                      ("budget-for-gpu-capacity", "llmops:zone:")):
        loc = results[rule]["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == "tests/fixtures/Pulumi.insecure.yaml"
        line = loc["physicalLocation"]["region"]["startLine"]
        assert key in lines[line - 1], (rule, lines[line - 1])
    eks = results["aws-eks-private-endpoint"]
    assert eks["level"] == "error" and eks["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith(
        "aws:eks/cluster:Cluster::insecure-eks")


def test_sarif_shows_suppressed_and_baselined_findings(annotated: StackResult) -> None:
    results = {r["ruleId"]: r for r in sarif.render([annotated], ROOT)["runs"][0]["results"]}
    assert results["dev-gpu-scale-to-zero"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "warm node for the demo week, until 2026-12-01"}]
    assert results["budget-for-gpu-capacity"]["baselineState"] == "unchanged"
    assert "suppressions" not in results["budget-for-gpu-capacity"]
    assert results["aws-eks-private-endpoint"]["baselineState"] == "new"


def test_sarif_reports_invalid_configs_as_failed_execution(invalid: StackResult) -> None:
    run = sarif.render([invalid], ROOT)["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("llmops:zone.gpuPools.l4-serving.minNodes" in t for t in texts)


def test_fingerprints_are_stable_and_distinct(annotated: StackResult) -> None:
    a = sarif.render([annotated], ROOT)["runs"][0]["results"]
    b = sarif.render([annotated], ROOT)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["llzFinding/v1"] for r in a]
    assert prints == [r["partialFingerprints"]["llzFinding/v1"] for r in b]
    assert len(set(prints)) == len(prints)


def test_locations_fall_back_to_the_rule_key_and_then_the_zone(tmp_path: Path) -> None:
    stack = str(ROOT / "stacks" / "Pulumi.aws-prod.yaml")
    text = Path(stack).read_text().splitlines()
    assert "h100-serving" in text[locate(stack, "acme-llm-h100-serving", "gpuPools").line - 1]
    assert "reasoning:" in text[locate(stack, "acme-llm-reasoning-deploy", "endpoints").line - 1]
    assert "budget:" in text[locate(stack, "acme-llm-monthly", "budget.monthlyLimitUsd").line - 1] or \
        "monthlyLimitUsd" in text[locate(stack, "acme-llm-monthly", "budget.monthlyLimitUsd").line - 1]
    assert locate(stack, "", "nowhere.at.all").key == ""


# --- Markdown ----------------------------------------------------------------------------------------------

def test_markdown_comment_has_marker_table_findings_suppressed_and_cost(annotated: StackResult,
                                                                         invalid: StackResult) -> None:
    text = markdown.render([annotated, invalid])
    assert text.splitlines()[0] == markdown.MARKER
    assert "❌ **1 stack config(s) invalid**" in text
    row = next(line for line in text.splitlines() if line.startswith("| `insecure` |"))
    mandatory = len(annotated.mandatory)
    assert f"| ❌ fail | {mandatory} | 0 | 2 |" in row
    assert "[`aws-eks-private-endpoint`](" in text and "README.md#policy-aws-eks-private-endpoint" in text
    assert "warm node for the demo week, until 2026-12-01" in text and "baseline insecure-baseline.json" in text
    assert "### Cost summary" in text and f"${annotated.cost['monthly_min_usd']:,.0f}" in text
    assert "llmops:zone.gpuPools.l4-serving.minNodes" in text


def test_markdown_for_a_clean_run() -> None:
    clean = StackResult("aws-prod", "stacks/Pulumi.aws-prod.yaml", "aws", "prod", rules_run=["x"],
                        cost={"monthly_min_usd": 100.0, "monthly_max_usd": 250.0, "unpriced": 0, "budget_usd": 200.0})
    text = markdown.render([clean])
    assert "✅ **all guardrails pass**" in text and "$200 (below maximum cost)" in text


# --- JUnit ---------------------------------------------------------------------------------------------------

def test_junit_has_one_suite_per_stack_and_one_case_per_policy(annotated: StackResult,
                                                               invalid: StackResult) -> None:
    root = ET.fromstring(junit.render([annotated, invalid]))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["insecure", "broken"]
    cases = suites[0].findall("testcase")
    assert len(cases) == len(registry.rules())
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {v.policy for v in annotated.mandatory}
    skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert "stateful-protected-in-prod" in skipped and "dev-gpu-scale-to-zero" not in skipped
    scale = next(c for c in cases if c.get("name") == "dev-gpu-scale-to-zero")
    assert "suppressed (warm node" in scale.find("system-out").text
    assert suites[0].get("failures") == str(len(failed)) and suites[1].get("errors") == "1"
    assert int(root.get("tests")) == len(registry.rules()) + 1


# --- console and exit status -----------------------------------------------------------------------------------

def test_console_table_lists_findings_and_suppressions(annotated: StackResult) -> None:
    console = Console(record=True, width=250)
    check.print_results([annotated], console)
    out = console.export_text()
    assert "insecure (aws, dev): FAIL" in out and "aws-eks-private-endpoint" in out
    assert "advisory (suppressed)" in out and "warm node for the demo week" in out


def test_main_exit_status_and_report_files(tmp_path: Path) -> None:
    out = {k: tmp_path / f"llz.{k}" for k in ("sarif", "md", "xml")}
    quiet = Console(file=open(tmp_path / "console.txt", "w"), width=200)  # noqa: SIM115 - closed with the test
    assert check.main([str(INSECURE)], out["sarif"], out["md"], out["xml"], console=quiet) == 1
    assert json.loads(out["sarif"].read_text())["version"] == "2.1.0"
    assert out["md"].read_text().startswith(markdown.MARKER)
    assert ET.parse(out["xml"]).getroot().tag == "testsuites"
    assert check.main(["aws-prod"], console=quiet) == 0
    broken = tmp_path / "Pulumi.bad.yaml"
    doc = yaml.safe_load(INSECURE.read_text())
    doc["config"]["llmops:zone"]["gpuPools"]["l4-serving"]["minNodes"] = 9
    broken.write_text(yaml.safe_dump(doc))
    assert check.main([str(broken)], console=quiet) == 2
    quiet.file.close()
    assert "llmops:zone.gpuPools.l4-serving.minNodes" in (tmp_path / "console.txt").read_text()


def test_baseline_cli_writes_entries_that_make_the_stack_pass(tmp_path: Path) -> None:
    entries = check.baseline(str(INSECURE))
    assert {e["policy"] for e in entries} >= {"aws-eks-private-endpoint", "budget-for-gpu-capacity"}
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    shutil.copy(INSECURE, stacks / "Pulumi.adopted.yaml")
    (stacks / "adopted-baseline.json").write_text(json.dumps(entries))
    doc = yaml.safe_load((stacks / "Pulumi.adopted.yaml").read_text())
    doc["config"]["llmops:zone"]["policy"] = {"baseline": "adopted-baseline.json"}
    (stacks / "Pulumi.adopted.yaml").write_text(yaml.safe_dump(doc))
    result = check_stack(str(stacks / "Pulumi.adopted.yaml"))
    # the stack name changed with the file, so URNs differ: the baseline is keyed by URN on purpose
    assert result.errors == [] and result.mandatory
    same_urns = json.dumps([{"policy": e["policy"], "urn": e["urn"].replace("::insecure::", "::adopted::")
                             .replace("urn:pulumi:insecure::", "urn:pulumi:adopted::")} for e in entries])
    (stacks / "adopted-baseline.json").write_text(same_urns)
    result = check_stack(str(stacks / "Pulumi.adopted.yaml"))
    assert result.passed and result.suppressed and all(v.baselined for v in result.violations)


def test_evaluate_is_what_llz_preview_uses(insecure: StackResult) -> None:
    from llmops_landing_zone.llz import offline

    _, path, cfg = offline.load(INSECURE)
    plan = offline.plan(path)
    found, seconds, ran = evaluate_timed(plan, cfg, path)
    assert {(v.policy, v.resource) for v in found} == {(v.policy, v.resource) for v in insecure.violations}
    assert all(isinstance(v, Violation) for v in found) and seconds > 0 and ran
    plain = check.evaluate(plan, cfg)
    assert [(v.policy, v.urn, v.message) for v in plain] == [(v.policy, v.urn, v.message) for v in found]


# --- the PR workflow -----------------------------------------------------------------------------------------

def test_pr_workflow_runs_tests_check_sarif_comment_and_a_gated_real_preview() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pr-review.yml").read_text())
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads the key `on` as True
    offline_steps = workflow["jobs"]["offline-check"]["steps"]
    uses = [s.get("uses", "") for s in offline_steps]
    runs = "\n".join(s.get("run", "") for s in offline_steps)
    python = next(s for s in offline_steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"
    assert runs.index("make test") < runs.index(".venv/bin/llz check --sarif llz.sarif --markdown llz.md "
                                                "--junit llz.xml")
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    script = next(s for s in offline_steps if s.get("uses", "").startswith("actions/github-script"))["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "startsWith(marker)" in script
    assert workflow["jobs"]["offline-check"]["permissions"]["security-events"] == "write"

    preview = workflow["jobs"]["real-preview"]
    assert "needs.credentials.outputs.stacks" in preview["if"]
    assert "secrets.AWS_ROLE_ARN" in str(workflow["jobs"]["credentials"]["steps"])
    action = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions"))
    assert action["with"]["command"] == "preview" and action["with"]["policyPacks"] == "policies"
    assert action["with"]["stack-name"] == "${{ matrix.stack }}"
    assert any("llz policy config" in s.get("run", "") for s in preview["steps"])


def test_policy_config_command_prints_json() -> None:
    from typer.testing import CliRunner

    from llmops_landing_zone.llz.cli import app

    result = CliRunner().invoke(app, ["policy", "config", "gcp-dev"])
    assert result.exit_code == 0, result.output
    config = json.loads(result.output)
    assert config["gcp-gke-private-cluster"] == {"enforcementLevel": "mandatory", "environment": "dev"}
    assert CliRunner().invoke(app, ["policy", "config", "nope-dev"]).exit_code == 2


def test_policy_baseline_command_prints_entries() -> None:
    from typer.testing import CliRunner

    from llmops_landing_zone.llz.cli import app

    result = CliRunner().invoke(app, ["policy", "baseline", str(INSECURE)])
    assert result.exit_code == 0, result.output
    assert {e["policy"] for e in json.loads(result.output)} >= {"aws-eks-private-endpoint"}


def test_sarif_locations_do_not_depend_on_the_working_directory(insecure: StackResult, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "Pulumi.outside.yaml"
    shutil.copy(INSECURE, outside)
    at_root = sarif.render([insecure], ROOT)
    monkeypatch.chdir(tmp_path)  # llz run from elsewhere: same repo-relative URI and the same lines
    elsewhere = sarif.render([insecure], ROOT)
    assert at_root["runs"][0]["results"] == elsewhere["runs"][0]["results"]
    where = elsewhere["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "tests/fixtures/Pulumi.insecure.yaml", "uriBaseId": "%SRCROOT%"}
    assert max(r["locations"][0]["physicalLocation"]["region"]["startLine"]
               for r in elsewhere["runs"][0]["results"]) > 1
    external = StackResult(stack="outside", path="Pulumi.outside.yaml", cloud=insecure.cloud,
                           environment=insecure.environment, violations=insecure.violations)
    loc = sarif.render([external], ROOT)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": outside.resolve().as_uri()}  # outside the repository: absolute
