"""The bootstrap project (bootstrap/, components/bootstrap/): each cloud's program planned offline through the
offline engine, asserting what it registers (state store, secrets key, CI identities) and their security inputs,
parliament on every AWS document, the deployer permissions as data, bad config, and the README's commands."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
from llmops_landing_zone.components import tokens
from llmops_landing_zone.components.bootstrap import aws as b_aws
from llmops_landing_zone.components.bootstrap import azure as b_azure
from llmops_landing_zone.components.bootstrap import gcp as b_gcp
from llmops_landing_zone.components.bootstrap.common import data
from llmops_landing_zone.components.bootstrap.config import load_bootstrap_file, parse_bootstrap
from llmops_landing_zone.components.bootstrap.program import main
from llmops_landing_zone.components.config import ConfigError
from llmops_landing_zone.components.config.loader import pulumi_config_values, read_stack_file
from llmops_landing_zone.components.plan import PlannedResource
from llmops_landing_zone.llz import engine, offline
from llmops_landing_zone.llz.mocks import ACCOUNT_ID, AZURE_SUBSCRIPTION, AZURE_TENANT, GCP_PROJECT_NUMBER
from parliament import analyze_policy_string, enhance_finding

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP = ROOT / "bootstrap"
REPO = "my-org/llmops-landing-zone"
SEVERITY = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


class Planned:
    def __init__(self, records: list[PlannedResource], outputs: dict[str, Any]) -> None:
        self.records = records
        self.outputs = outputs

    def of(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.records if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> PlannedResource:
        found = [r for r in self.of(type_) if name is None or r.name == name]
        assert len(found) == 1, (type_, name, [r.name for r in self.of(type_)])
        return found[0]


def plan(cloud: str, override: dict[str, Any] | None = None) -> Planned:
    path = BOOTSTRAP / f"Pulumi.{cloud}.yaml"
    config = read_stack_file(path)
    raw = {**config["llmops:bootstrap"], **(override or {})}
    cfg = parse_bootstrap(raw, config, str(path))
    outputs: dict[str, Any] = {}

    def program() -> None:
        pulumi.Output.from_input(main(cfg).outputs).apply(outputs.update)

    records, mocks = engine.run(program, stack=cloud, config=pulumi_config_values(config), region=cfg.region or "",
                                gcp_project=cfg.project or "")
    assert not mocks.unmocked_calls
    return Planned(records, outputs)


@pytest.fixture(scope="module")
def aws() -> Planned:
    return plan("aws")


@pytest.fixture(scope="module")
def gcp() -> Planned:
    return plan("gcp")


@pytest.fixture(scope="module")
def azure() -> Planned:
    return plan("azure")


# --- config ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_example_stack_files_are_valid_and_mark_their_placeholders(cloud: str) -> None:
    path = BOOTSTRAP / f"Pulumi.{cloud}.yaml"
    cfg = load_bootstrap_file(path)
    assert cfg.cloud == cloud and cfg.repository == REPO and cfg.environments == ["dev", "prod"] and cfg.protect
    placeholder_lines = [line for line in path.read_text().splitlines() if "PLACEHOLDER" in line]
    account = {"aws": "aws:allowedAccountIds", "gcp": "gcp:project", "azure": "azure-native:subscriptionId"}[cloud]
    text = path.read_text()
    # the repository line and the account/project/subscription (on its line or the comment line above it)
    assert any("repository:" in line for line in placeholder_lines)
    assert re.search(rf"PLACEHOLDER[^\n]*\n?[^\n]*{re.escape(account)}|{re.escape(account)}[^\n]*PLACEHOLDER", text)


def test_bad_config_names_every_key_path() -> None:
    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"cloud": "aws", "name": "Acme!", "repository": "no-slash", "environments": ["dev", "dev"],
                         "protect": "yes", "repo": "x"}, {"aws:region": "us-east-1"})
    lines = err.value.lines
    for key in ("name", "repository", "environments", "protect", "repo"):
        assert any(line.startswith(f"llmops:bootstrap.{key}: ") for line in lines), (key, lines)
    assert any("owner/repo" in line for line in lines)
    assert any("did you mean repository" in line for line in lines)


def test_missing_region_and_project_are_named() -> None:
    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"cloud": "gcp", "name": "acme-platfrm", "repository": REPO, "environments": ["production-eu"]})
    text = "\n".join(err.value.lines)
    assert "gcp:region: missing" in text and "gcp:project: missing" in text
    assert "llmops:bootstrap.environments.0:" in text and "30 characters" in text


def test_validate_command_exits_2_with_the_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "Pulumi.aws.yaml"
    bad.write_text("config:\n  aws:region: us-east-1\n  llmops:bootstrap:\n    cloud: aws\n    name: acme\n"
                   "    repository: acme\n    environments: []\n")
    cmd = [sys.executable, "-m", "llmops_landing_zone.components.bootstrap", "validate"]
    result = subprocess.run([*cmd, str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert "llmops:bootstrap.repository:" in result.stderr and "llmops:bootstrap.environments:" in result.stderr
    assert "Traceback" not in result.stderr
    good = subprocess.run([*cmd, str(BOOTSTRAP / "Pulumi.aws.yaml")], capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr


def test_a_bad_config_registers_nothing() -> None:
    def program() -> None:
        from llmops_landing_zone.components.bootstrap.config import load_from_pulumi
        load_from_pulumi()

    with pytest.raises(engine.OfflineRunError, match=r"llmops:bootstrap\.repository"):
        engine.run(program, stack="aws", config={"aws:region": "us-east-1", "llmops:bootstrap": json.dumps(
            {"cloud": "aws", "name": "acme", "repository": "x", "environments": ["prod"]})}, region="us-east-1")


def test_the_project_files() -> None:
    project = (BOOTSTRAP / "Pulumi.yaml").read_text()
    assert "name: llmops-bootstrap" in project and "virtualenv: ../.venv" in project
    assert "components.bootstrap.program import main" in (BOOTSTRAP / "__main__.py").read_text()


# --- outputs: the same names on every cloud -------------------------------------------------------------------

def test_outputs(aws: Planned, gcp: Planned, azure: Planned) -> None:
    a, g, z = aws.outputs, gcp.outputs, azure.outputs
    bucket = f"pulumi-state-acme-{ACCOUNT_ID}-us-east-1"
    assert a["backendUrl"] == f"s3://{bucket}?region=us-east-1"
    assert a["loginCommand"] == f"pulumi login 's3://{bucket}?region=us-east-1'"
    assert a["secretsProvider"] == "awskms://alias/pulumi-secrets-acme?region=us-east-1"
    assert set(a["githubSecrets"]) == {"dev", "prod"}
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT_ID}:role/.*acme-deploy-prod.*", a["githubSecrets"]["prod"]["AWS_ROLE_ARN"])
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT_ID}:role/.*acme-preview.*", a["previewSecrets"]["AWS_ROLE_ARN"])

    assert g["backendUrl"] == "gs://pulumi-state-acme-my-llmops-project"
    assert g["secretsProvider"].startswith("gcpkms://")
    assert g["githubSecrets"]["prod"]["GCP_WORKLOAD_IDENTITY_PROVIDER"] == (
        f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/acme-github/providers/github")
    assert g["githubSecrets"]["dev"]["GCP_SERVICE_ACCOUNT"].startswith("acme-deploy-dev@")
    assert g["manualGrants"] == ["billingAccount roles/billing.costsManager to acme-deploy-dev",
                                 "billingAccount roles/billing.costsManager to acme-deploy-prod"]

    assert re.fullmatch(r"azblob://state\?storage_account=acmepulumi[0-9a-f]{6}", z["backendUrl"])
    assert re.fullmatch(r"azurekeyvault://acme-pulumi-[0-9a-f]{6}\.vault\.azure\.net/keys/pulumi-secrets/[0-9a-f]+",
                        z["secretsProvider"])  # the version is pinned (SecretsKey docstring)
    for env in ("dev", "prod"):
        s = z["githubSecrets"][env]
        assert s["AZURE_TENANT_ID"] == AZURE_TENANT and s["AZURE_SUBSCRIPTION_ID"] == AZURE_SUBSCRIPTION
        assert re.fullmatch(r"[0-9a-f-]{36}", s["AZURE_CLIENT_ID"])
    assert z["githubSecrets"]["dev"]["AZURE_CLIENT_ID"] != z["githubSecrets"]["prod"]["AZURE_CLIENT_ID"]


def test_every_cloud_has_a_preview_identity_the_pr_review_workflow_reads(aws: Planned, gcp: Planned,
                                                                        azure: Planned) -> None:
    """previewSecrets: the same output on every cloud, each value a secret the PR workflow's real preview reads
    (the AWS region comes from the stack's own region there)."""
    workflow = (ROOT / ".github" / "workflows" / "pr-review.yml").read_text()
    job = workflow[workflow.index("  real-preview:"):]
    for planned in (aws, gcp, azure):
        keys = set(planned.outputs["previewSecrets"]) - {"AWS_REGION"}
        assert keys and all(f"secrets.{k} " in job or f"secrets.{k}}}" in job for k in keys), keys
        assert set(planned.outputs["previewSecrets"]) <= set(next(iter(planned.outputs["githubSecrets"].values())))


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_stateful_resources_are_protected_and_the_switch_works(cloud: str, aws: Planned, gcp: Planned,
                                                             azure: Planned) -> None:
    stateful = {"aws": (tokens.AWS_S3_BUCKET, tokens.KMS_KEY),
                "gcp": (tokens.GCS_BUCKET, tokens.GCP_KMS_KEY, tokens.GCP_KMS_KEY_RING),
                "azure": (tokens.STORAGE_ACCOUNT, tokens.AZURE_BLOB_CONTAINER, tokens.KEY_VAULT, tokens.KEY_VAULT_KEY)}
    planned = {"aws": aws, "gcp": gcp, "azure": azure}[cloud]
    kept = [r for r in planned.records if r.type in stateful[cloud]]
    assert {r.type for r in kept} == set(stateful[cloud])
    assert all(r.protect and r.retainOnDelete for r in kept)
    assert not any(r.protect for r in planned.records if r.type not in stateful[cloud])
    trial = plan(cloud, {"protect": False})
    assert not any(r.protect or r.retainOnDelete for r in trial.records)


# --- AWS ------------------------------------------------------------------------------------------------------

def test_aws_state_bucket(aws: Planned) -> None:
    bucket = aws.one(tokens.AWS_S3_BUCKET)
    assert bucket.inputs["bucket"] == f"pulumi-state-acme-{ACCOUNT_ID}-us-east-1"
    state_key = aws.one(tokens.KMS_KEY, "acme-state-key")
    sse = aws.one(tokens.AWS_S3_SSE).inputs
    rule = sse["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms" and rule["bucketKeyEnabled"]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
    assert state_key.inputs["enableKeyRotation"] is True
    assert aws.one(tokens.AWS_S3_VERSIONING).inputs["versioningConfiguration"] == {"status": "Enabled"}
    pab = aws.one(tokens.S3_PUBLIC_ACCESS_BLOCK).inputs
    assert all(pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                         "restrictPublicBuckets"))
    assert aws.one(tokens.AWS_S3_OWNERSHIP_CONTROLS).inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    lifecycle = aws.one(tokens.AWS_S3_LIFECYCLE).inputs["rules"][0]
    assert lifecycle["status"] == "Enabled"
    assert lifecycle["noncurrentVersionExpiration"]["noncurrentDays"] == b_aws.NONCURRENT_DAYS
    policy = json.loads(aws.one(tokens.AWS_S3_BUCKET_POLICY).inputs["policy"])
    [deny] = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # the policy waits for the public-access block, as the zone's buckets do
    assert aws.one(tokens.S3_PUBLIC_ACCESS_BLOCK).urn in aws.one(tokens.AWS_S3_BUCKET_POLICY).dependencies


def test_aws_secrets_key(aws: Planned) -> None:
    key = aws.one(tokens.KMS_KEY, "acme-secrets")
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    aliases = {r.inputs["name"] for r in aws.of(tokens.AWS_KMS_ALIAS)}
    assert aliases == {"alias/pulumi-secrets-acme", "alias/pulumi-state-acme"}


def _trust(r: PlannedResource) -> dict:
    return json.loads(r.inputs["assumeRolePolicy"])


def test_aws_github_oidc_and_role_trust(aws: Planned) -> None:
    provider = aws.one(tokens.AWS_IAM_OIDC_PROVIDER).inputs
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["clientIdLists"] == ["sts.amazonaws.com"]
    roles = {r.inputs["name"]: r for r in aws.of(tokens.IAM_ROLE)}
    assert set(roles) == {"acme-preview", "acme-deploy-dev", "acme-deploy-prod"}
    expected = {"acme-preview": f"repo:{REPO}:pull_request", "acme-deploy-dev": f"repo:{REPO}:environment:dev",
                "acme-deploy-prod": f"repo:{REPO}:environment:prod"}
    for name, role in roles.items():
        assert role.inputs["path"] == "/pulumi-bootstrap/"
        [s] = _trust(role)["Statement"]
        assert s["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert s["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"}
        # exact subject and audience: no wildcard lets another repository, branch or environment in
        assert s["Condition"] == {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                                   "token.actions.githubusercontent.com:sub": expected[name]}}


def test_aws_deploy_roles_get_the_deployer_policy_and_preview_does_not(aws: Planned) -> None:
    policies = sorted(aws.of(tokens.IAM_POLICY), key=lambda p: int(p.inputs["name"].rsplit("-", 1)[1]))
    assert len(policies) >= 2
    chunks = [json.loads(p.inputs["policy"]) for p in policies]
    # every statement of the data file, in order, across the managed policies
    rendered = b_aws.deployer_policy(_aws_ctx(), "acme")
    assert [s for c in chunks for s in c["Statement"]] == rendered["Statement"]
    assert all(len(re.sub(r"\s", "", p.inputs["policy"])) <= b_aws.MAX_MANAGED_POLICY_CHARS for p in policies)
    attached: dict[str, list[str]] = {}
    for a in aws.of(tokens.IAM_ROLE_POLICY_ATTACHMENT):
        attached.setdefault(a.name.split("-ci-")[1].rsplit("-", 1)[0], []).append(a.inputs["policyArn"])
    assert len(attached["deploy-dev-deployer"]) == len(attached["deploy-prod-deployer"]) == len(policies)
    assert attached["preview"] == ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
    inline = {r.name: json.loads(r.inputs["policy"]) for r in aws.of(tokens.IAM_ROLE_POLICY)}
    preview = {s["Sid"]: s for s in inline["acme-ci-preview-state"]["Statement"]}
    assert preview["WriteLocks"]["Resource"].endswith("/.pulumi/locks/*") and "WriteState" not in preview
    assert preview["SecretsKey"]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    deploy = {s["Sid"]: s for s in inline["acme-ci-deploy-prod-state"]["Statement"]}
    assert deploy["WriteState"]["Resource"] == f"arn:aws:s3:::pulumi-state-acme-{ACCOUNT_ID}-us-east-1/*"


def _aws_ctx():
    from llmops_landing_zone.components.aws.base import AwsContext
    return AwsContext(ACCOUNT_ID, "us-east-1", "aws", "amazonaws.com", ())


def _for_parliament(doc: dict, role: str) -> dict:
    """Trust policies have no Resource (the role is the resource); parliament expects one (test_aws_iam.py)."""
    return {**doc, "Statement": [{**s, "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/{role}"} for s in doc["Statement"]]}


# Findings we accept, each with its reason. Parliament's RESOURCE_POLICY_PRIVILEGE_ESCALATION: a principal that may
# set a bucket's policy (or its lifecycle rules) but not read/write/delete objects could grant itself object access.
# The deployer writes the zone buckets' TLS-only and service policies and lifecycle rules by design, and those buckets
# are the zone's own (arn:aws:s3:::<prefix>*); the state bucket (pulumi-state-*) is outside the pattern.
# UNKNOWN_FEDERATION_SOURCE: parliament knows a fixed list of web-identity issuers (Cognito, Google, Facebook,
# Amazon); GitHub's OIDC issuer is an IAM OIDC provider of the account, and the trust pins audience and subject.
# UNKNOWN_CONDITION_FOR_ACTION on token.actions.githubusercontent.com:aud/:sub: for the same reason parliament
# does not know the condition keys IAM derives from an OIDC provider's host name (<host>:aud, <host>:sub), which
# are the ones AWS documents for GitHub (docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).
JUSTIFIED = {("RESOURCE_POLICY_PRIVILEGE_ESCALATION", "arn:aws:s3:::acme*"),
             ("UNKNOWN_FEDERATION_SOURCE", "oidc-provider/token.actions.githubusercontent.com"),
             ("UNKNOWN_CONDITION_FOR_ACTION", "condition token.actions.githubusercontent.com:")}


def _findings(doc: dict) -> list[str]:
    out = []
    for finding in analyze_policy_string(json.dumps(doc)).findings:
        finding = enhance_finding(finding)
        if SEVERITY[finding.severity] < SEVERITY["MEDIUM"]:
            continue
        if any(finding.issue == issue and where in str(finding.detail) for issue, where in JUSTIFIED):
            continue
        out.append(f"{finding.severity} {finding.issue} {finding.detail}")
    return out


def test_parliament_on_the_deployer_policy() -> None:
    doc = b_aws.deployer_policy(_aws_ctx(), "acme")
    assert _findings(doc) == []
    # the justification still matters in the managed policies the deploy roles get (the policy in chunks)
    justified = [f for chunk in b_aws.policy_chunks(doc) for f in analyze_policy_string(chunk).findings
                 if f.issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION"]
    assert justified, "the justification above is stale: drop it"


def test_parliament_on_every_bootstrap_document(aws: Planned) -> None:
    problems = []
    for r in aws.records:
        if r.type == tokens.IAM_ROLE:
            problems += _findings(_for_parliament(_trust(r), r.inputs["name"]))
        elif r.type in (tokens.IAM_ROLE_POLICY, tokens.KMS_KEY, tokens.AWS_S3_BUCKET_POLICY, tokens.IAM_POLICY):
            problems += [f"{r.name}: {p}" for p in _findings(json.loads(r.inputs["policy"]))]
    assert problems == []


def test_parliament_would_catch_a_wide_trust() -> None:
    """The check is live: an unknown action in a trust policy is a finding of MEDIUM or higher."""
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdenti",
                                                    "Principal": {"Federated": "x"}}]}
    assert _findings(_for_parliament(wide, "r"))


def test_the_deployer_policy_never_reaches_the_bootstrap_itself(aws: Planned) -> None:
    """No Allow pattern of the deployer policy matches the state bucket, the bootstrap's keys' aliases or its roles
    and policies: a deploy cannot loosen its own permissions or delete the state."""
    doc = b_aws.deployer_policy(_aws_ctx(), "acme")
    patterns = [res for s in doc["Statement"] if s["Effect"] == "Allow" and s["Resource"] != "*"
                for res in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])]
    bucket = aws.one(tokens.AWS_S3_BUCKET).inputs["bucket"]
    own = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/x",
           *(f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:{r.inputs['name']}" for r in aws.of(tokens.AWS_KMS_ALIAS)),
           *(f"arn:aws:iam::{ACCOUNT_ID}:role{r.inputs['path']}{r.inputs['name']}" for r in aws.of(tokens.IAM_ROLE)),
           *(f"arn:aws:iam::{ACCOUNT_ID}:policy{r.inputs['path']}{r.inputs['name']}" for r in aws.of(tokens.IAM_POLICY))]
    assert [(arn, p) for arn in own for p in patterns if fnmatch.fnmatchcase(arn, p)] == []
    # the bootstrap's keys carry no llmops-zone tag, the only tag ManageZoneKeys admits
    assert not any("llmops-zone" in (r.inputs.get("tags") or {}) for r in aws.of(tokens.KMS_KEY))


# IAM service prefix of each AWS resource module the zone uses.
SERVICE_OF_MODULE = {"ebs": "ec2", "vpc": "ec2", "cloudwatch": "logs", "opensearch": "aoss", "costexplorer": "ce",
                     "appautoscaling": "application-autoscaling", "amp": "aps"}


def test_the_deployer_policy_covers_every_service_the_zone_uses() -> None:
    doc = b_aws.deployer_policy(_aws_ctx(), "acme-llm")
    allowed = {a for s in doc["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    services = {a.split(":")[0] for a in allowed}
    for stack in ("aws-dev", "aws-prod"):
        for r in offline.plan(stack).resources:
            if r.custom and r.type.startswith("aws:"):
                module = r.type.split(":")[1].split("/")[0]
                assert SERVICE_OF_MODULE.get(module, module) in services, r.type
                if r.type == tokens.IAM_ROLE:  # the zone's roles fall under ZoneRoles/PassRole
                    assert fnmatch.fnmatchcase(r.inputs["name"], "acme*")
    # the managed policies the zone attaches are the ones AttachRolePolicy admits
    attachable = next(s for s in doc["Statement"] if s["Sid"] == "ZoneRoleManagedPolicies")
    admitted = set(attachable["Condition"]["ArnEquals"]["iam:PolicyARN"])
    for stack in ("aws-dev", "aws-prod"):
        for r in offline.plan(stack).resources:
            if r.type == tokens.IAM_ROLE_POLICY_ATTACHMENT:
                assert r.inputs["policyArn"] in admitted


# --- GCP ------------------------------------------------------------------------------------------------------

def test_gcp_state_bucket_and_keys(gcp: Planned) -> None:
    bucket = gcp.one(tokens.GCS_BUCKET).inputs
    assert bucket["name"] == "pulumi-state-acme-my-llmops-project" and bucket["location"] == "US-CENTRAL1"
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["uniformBucketLevelAccess"] is True and bucket["publicAccessPrevention"] == "enforced"
    state_key = gcp.one(tokens.GCP_KMS_KEY, "acme-state-key")
    assert bucket["encryption"]["defaultKmsKeyName"].endswith("/cryptoKeys/state")
    for key in gcp.of(tokens.GCP_KMS_KEY):
        assert key.inputs["rotationPeriod"] == "7776000s"
    # the storage agent can use the state key before the bucket is created with it
    grant = gcp.one(tokens.GCP_KMS_KEY_IAM_MEMBER, "acme-state-key-storage")
    assert grant.inputs["member"].startswith("serviceAccount:service-") and state_key.urn
    assert grant.urn in gcp.one(tokens.GCS_BUCKET).dependencies


def test_gcp_workload_identity_federation(gcp: Planned) -> None:
    provider = gcp.one(tokens.GCP_WORKLOAD_IDENTITY_POOL_PROVIDER).inputs
    assert provider["attributeCondition"] == f'assertion.repository == "{REPO}"'
    assert provider["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    assert provider["attributeMapping"]["attribute.environment"] == "assertion.environment"
    assert gcp.one(tokens.GCP_WORKLOAD_IDENTITY_POOL).inputs["workloadIdentityPoolId"] == "acme-github"
    bindings = {r.name: r.inputs for r in gcp.of(tokens.GCP_SERVICE_ACCOUNT_IAM_MEMBER)}
    pool = f"principalSet://iam.googleapis.com/projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/acme-github"
    for env in ("dev", "prod"):
        b = bindings[f"acme-ci-deploy-{env}-wif"]
        assert b["role"] == "roles/iam.workloadIdentityUser"
        assert b["member"] == f"{pool}/attribute.environment/{env}"
        assert f"acme-deploy-{env}" in b["serviceAccountId"]


def test_gcp_deployer_roles_are_the_data_file(gcp: Planned) -> None:
    entries = data(b_gcp.ROLES_FILE)
    assert all(e["reason"] and e["role"].startswith("roles/") for e in entries)
    project_roles = [e for e in entries if e.get("scope", "project") == "project"]
    for env in ("dev", "prod"):
        members = [r.inputs for r in gcp.of(tokens.GCP_PROJECT_IAM_MEMBER) if f"-deploy-{env}-" in r.name]
        assert sorted(m["role"] for m in members) == sorted(e["role"] for e in project_roles)
        assert {m["member"] for m in members} == {gcp.outputs["githubSecrets"][env]["GCP_SERVICE_ACCOUNT"].join(
            ["serviceAccount:", ""])}
        conditioned = {m["role"]: m["condition"]["expression"] for m in members if m.get("condition")}
        # the zone's buckets and key rings, never the state bucket or the bootstrap's key ring
        assert conditioned["roles/storage.admin"] == 'resource.name.startsWith("projects/_/buckets/acme")'
        assert "keyRings/acme" in conditioned["roles/cloudkms.admin"]
        assert not "projects/_/buckets/pulumi-state-acme-my-llmops-project".startswith("projects/_/buckets/acme")
        assert gcp.one(tokens.GCP_KMS_KEY_RING).inputs["name"] == "pulumi-acme"
        state = gcp.one(tokens.GCP_BUCKET_IAM_MEMBER, f"acme-ci-deploy-{env}-state").inputs
        assert state["role"] == "roles/storage.objectAdmin"
        secrets = gcp.one(tokens.GCP_KMS_KEY_IAM_MEMBER, f"acme-ci-deploy-{env}-secrets").inputs
        assert secrets["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
        assert secrets["cryptoKeyId"].endswith("/cryptoKeys/secrets")


def test_gcp_preview_identity(gcp: Planned) -> None:
    pool = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/acme-github"
    sa = gcp.one(tokens.GCP_SERVICE_ACCOUNT, "acme-ci-preview").inputs
    assert sa["accountId"] == "acme-preview"
    wif = gcp.one(tokens.GCP_SERVICE_ACCOUNT_IAM_MEMBER, "acme-ci-preview-wif").inputs
    assert wif["role"] == "roles/iam.workloadIdentityUser"
    # one subject (the repository's pull requests), never an environment's principal set
    assert wif["member"] == f"principal://iam.googleapis.com/{pool}/subject/repo:{REPO}:pull_request"
    project = [r.inputs for r in gcp.of(tokens.GCP_PROJECT_IAM_MEMBER) if r.name.startswith("acme-ci-preview-")]
    assert [m["role"] for m in project] == ["roles/viewer"] and "condition" not in project[0]
    bucket = {r.inputs["role"]: r.inputs for r in gcp.of(tokens.GCP_BUCKET_IAM_MEMBER)
              if r.name.startswith("acme-ci-preview-")}
    assert set(bucket) == {"roles/storage.objectViewer", "roles/storage.objectUser"}
    assert all(b["bucket"] == "pulumi-state-acme-my-llmops-project" for b in bucket.values())
    assert "condition" not in bucket["roles/storage.objectViewer"]
    assert bucket["roles/storage.objectUser"]["condition"]["expression"] == (
        'resource.name.startsWith("projects/_/buckets/pulumi-state-acme-my-llmops-project/objects/.pulumi/locks/")')
    key = gcp.one(tokens.GCP_KMS_KEY_IAM_MEMBER, "acme-ci-preview-cloudkms.cryptoKeyDecrypter").inputs
    assert key["role"] == "roles/cloudkms.cryptoKeyDecrypter" and key["cryptoKeyId"].endswith("/cryptoKeys/secrets")
    member = f"serviceAccount:{gcp.outputs['previewSecrets']['GCP_SERVICE_ACCOUNT']}"
    assert member.startswith("serviceAccount:acme-preview@")
    assert {m["member"] for m in project} | {b["member"] for b in bucket.values()} | {key["member"]} == {member}
    assert gcp.outputs["previewSecrets"]["GCP_WORKLOAD_IDENTITY_PROVIDER"] == f"{pool}/providers/github"


def _zone_plans(cloud: str) -> list[tuple[str, Any, dict[str, Any], list[PlannedResource]]]:
    """Every valid stack of a cloud, reference stacks and test fixtures: (path, config, stack file, resources).
    The fixtures that are invalid on purpose (hostile/, broken) raise ConfigError and are not plans."""
    out = []
    for path in sorted([*(ROOT / "stacks").glob("Pulumi.*.yaml"), *(ROOT / "tests" / "fixtures").rglob("Pulumi.*.yaml")]):
        try:
            _, _, cfg = offline.load(path)
        except ConfigError:
            continue
        if cfg.cloud == cloud:
            out.append((str(path.relative_to(ROOT)), cfg, read_stack_file(path), offline.plan(path).resources))
    assert len(out) >= 3, out
    return out


def _granting(entries: list[dict]) -> dict:
    return next(e for e in entries if e["role"] == "roles/resourcemanager.projectIamAdmin")


def _admits(condition: str, role: str) -> bool:
    """Evaluates the grant-limit CEL for a request that modifies one role's bindings (what an IAMMember sends):
    true when some hasOnly() list names the role."""
    lists = re.findall(r"api\.getAttribute\('iam\.googleapis\.com/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[(.*?)\]\)",
                       condition)
    assert lists and condition.count("hasOnly(") == len(lists) == condition.count("||") + 1, condition
    return any(role in re.findall(r"'([^']+)'", body) for body in lists)


def test_gcp_deployer_grants_exactly_the_roles_every_gcp_zone_grants() -> None:
    """Fails when a zone starts granting a project role the deployer's projectIamAdmin condition does not list,
    or when the list names a role no zone grants."""
    granted_anywhere: set[str] = set()
    for path, cfg, stack_file, resources in _zone_plans("gcp"):
        project = stack_file["gcp:project"]
        condition = _granting(b_gcp.deployer_roles(project, "us-central1", cfg.name, [cfg.name]))["condition"]
        roles = {r.inputs["role"] for r in resources
                 if r.type in (tokens.GCP_PROJECT_IAM_MEMBER, "gcp:projects/iAMBinding:IAMBinding")}
        assert roles, path
        for role in sorted(roles):
            assert _admits(condition, role), f"{path} grants {role}: add it to {b_gcp.ROLES_FILE} grants"
        granted_anywhere |= {r.split("/roles/")[-1] if r.startswith("projects/") else r for r in roles}
    entry = _granting(data(b_gcp.ROLES_FILE))
    listed = {*entry["grants"], *(f"llmops_acme_llm_{key}" for key in entry["customRoles"])}
    assert listed == granted_anywhere, "the condition lists roles no zone grants"


def test_gcp_grant_condition_holds_the_documented_limits(gcp: Planned) -> None:
    cond = gcp.one(tokens.GCP_PROJECT_IAM_MEMBER, "acme-ci-deploy-prod-resourcemanager.projectIamAdmin").inputs["condition"]
    assert cond["title"] == "acme zone role grants"
    expression = cond["expression"]
    # at most 10 roles per hasOnly() list, at most 12 logical operators in an expression
    for body in re.findall(r"hasOnly\(\[(.*?)\]\)", expression):
        assert 1 <= len(re.findall(r"'[^']+'", body)) <= b_gcp.GRANTS_PER_LIST
    assert expression.count("||") + expression.count("&&") <= 12
    # the custom role of the zone named in bootstrap/Pulumi.gcp.yaml, and nothing that can grant roles itself
    assert _admits(expression, "projects/my-llmops-project/roles/llmops_acme_llm_model_user")
    for role in ("roles/owner", "roles/editor", "roles/resourcemanager.projectIamAdmin", "roles/iam.securityAdmin",
                 "roles/iam.serviceAccountTokenCreator", "roles/storage.admin",
                 "projects/my-llmops-project/roles/llmops_other_model_user"):
        assert not _admits(expression, role), role
    listed = re.findall(r"'(roles/[^']+)'", expression)
    assert not [r for r in listed if r.lower().endswith("admin") or r in ("roles/owner", "roles/editor")]


def test_bootstrap_zones_must_carry_the_name_prefix() -> None:
    with pytest.raises(ConfigError) as err:
        parse_bootstrap({"cloud": "gcp", "name": "acme", "repository": REPO, "environments": ["prod"],
                         "zones": ["acme-llm", "other-llm"]}, {"gcp:region": "us-central1", "gcp:project": "my-proj"})
    assert err.value.lines == [("llmops:bootstrap.zones.1: 'other-llm' does not begin with 'acme': the deploy "
                                "identities reach only resources named acme*")]


# The deployer role that creates each GCP resource type of a zone (a type or its module).
GCP_ROLE_FOR = {
    "gcp:alloydb": "roles/alloydb.admin", "gcp:artifactregistry": "roles/artifactregistry.admin",
    "gcp:billing": "roles/billing.costsManager", "gcp:compute": "roles/compute.networkAdmin",
    "gcp:compute/firewall:Firewall": "roles/compute.securityAdmin", "gcp:container": "roles/container.admin",
    "gcp:kms": "roles/cloudkms.admin", "gcp:logging": "roles/logging.configWriter",
    "gcp:monitoring/alertPolicy:AlertPolicy": "roles/monitoring.alertPolicyEditor",
    "gcp:monitoring/dashboard:Dashboard": "roles/monitoring.dashboardEditor",
    "gcp:secretmanager": "roles/secretmanager.admin",
    "gcp:monitoring/notificationChannel:NotificationChannel": "roles/monitoring.notificationChannelEditor",
    "gcp:projects/iAMMember:IAMMember": "roles/resourcemanager.projectIamAdmin",
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": "roles/resourcemanager.projectIamAdmin",
    "gcp:projects/iAMCustomRole:IAMCustomRole": "roles/iam.roleAdmin",
    "gcp:projects/service:Service": "roles/serviceusage.serviceUsageAdmin",
    "gcp:projects/serviceIdentity:ServiceIdentity": "roles/serviceusage.serviceUsageAdmin",
    "gcp:pubsub": "roles/pubsub.admin", "gcp:serviceaccount": "roles/iam.serviceAccountAdmin",
    "gcp:servicenetworking": "roles/servicenetworking.networksAdmin", "gcp:storage": "roles/storage.admin",
    "gcp:vertex": "roles/aiplatform.admin",
}


def test_gcp_deployer_roles_cover_every_resource_type_of_every_gcp_zone() -> None:
    held = {e["role"] for e in data(b_gcp.ROLES_FILE)}
    for path, _, _, resources in _zone_plans("gcp"):
        for t in sorted({r.type for r in resources if r.custom and r.type.startswith("gcp:")}):
            role = GCP_ROLE_FOR.get(t) or GCP_ROLE_FOR.get(t.split("/")[0])
            assert role, f"{path}: {t} has no deployer role in GCP_ROLE_FOR"
            assert role in held, f"{path}: {t} needs {role} in {b_gcp.ROLES_FILE}"


# --- Azure ----------------------------------------------------------------------------------------------------

def test_azure_state_storage(azure: Planned) -> None:
    account = azure.one(tokens.STORAGE_ACCOUNT).inputs
    assert account["enableHttpsTrafficOnly"] is True and account["minimumTlsVersion"] == "TLS1_2"
    assert account["allowBlobPublicAccess"] is False and account["allowSharedKeyAccess"] is False
    blob = azure.one(tokens.AZURE_BLOB_SERVICE_PROPERTIES).inputs
    assert blob["isVersioningEnabled"] is True
    assert blob["deleteRetentionPolicy"] == {"enabled": True, "days": b_azure.SOFT_DELETE_DAYS}
    assert blob["containerDeleteRetentionPolicy"]["enabled"] is True
    container = azure.one(tokens.AZURE_BLOB_CONTAINER).inputs
    assert container["containerName"] == "state" and container["publicAccess"] == "None"


def test_azure_key_vault(azure: Planned) -> None:
    props = azure.one(tokens.KEY_VAULT).inputs["properties"]
    assert props["enableRbacAuthorization"] is True and props["enablePurgeProtection"] is True
    assert props["tenantId"] == AZURE_TENANT
    key = azure.one(tokens.KEY_VAULT_KEY).inputs
    assert key["properties"]["kty"] == "RSA" and "decrypt" in key["properties"]["keyOps"]


def test_azure_federated_identities_and_roles(azure: Planned) -> None:
    creds = {r.name: r.inputs for r in azure.of(tokens.AZURE_FEDERATED_IDENTITY_CREDENTIAL)}
    assert {r.inputs["resourceName"] for r in azure.of(tokens.AZURE_USER_ASSIGNED_IDENTITY)} == {
        "acme-deploy-dev", "acme-deploy-prod", "acme-preview"}
    for env in ("dev", "prod"):
        c = creds[f"acme-ci-deploy-{env}-github"]
        assert c["issuer"] == "https://token.actions.githubusercontent.com"
        assert c["subject"] == f"repo:{REPO}:environment:{env}"
        assert c["audiences"] == ["api://AzureADTokenExchange"]
    entries = data(b_azure.ROLES_FILE)
    assert all(e["reason"] and e["scope"] in ("subscription", "stateContainer", "secretsKey") for e in entries)
    deploy = [a for a in azure.of(tokens.AZURE_ROLE_ASSIGNMENT) if "-deploy-" in a.name]
    assert len(deploy) == 2 * len(entries)
    assert all(a.inputs["principalType"] == "ServicePrincipal" for a in azure.of(tokens.AZURE_ROLE_ASSIGNMENT))
    by = {a.name: a.inputs for a in deploy}
    blob = by["acme-ci-deploy-prod-storage-blob-data-contributor"]
    assert blob["scope"].endswith("/blobServices/default/containers/state") and "condition" not in blob
    assert "/keys/pulumi-secrets" in by["acme-ci-deploy-prod-key-vault-crypto-user"]["scope"]
    rbac = by["acme-ci-deploy-prod-role-based-access-control-administrator"]
    assert rbac["conditionVersion"] == "2.0"
    definitions = {r.inputs["roleName"]: r for r in azure.of(tokens.AZURE_ROLE_DEFINITION)}
    assert definitions["llmops lock operator (acme)"].inputs["permissions"] == [{
        "actions": ["Microsoft.Authorization/locks/read", "Microsoft.Authorization/locks/write",
                    "Microsoft.Authorization/locks/delete"], "notActions": []}]
    # the deployer's own role replaces Contributor, assigned on the subscription
    deployer = definitions["llmops zone deployer (acme)"]
    assigned = by["acme-ci-deploy-prod-llmops-zone-deployer"]
    assert assigned["scope"] == f"/subscriptions/{AZURE_SUBSCRIPTION}"
    assert assigned["roleDefinitionId"].endswith("/" + deployer.inputs["roleDefinitionId"])
    assert deployer.inputs["assignableScopes"] == [f"/subscriptions/{AZURE_SUBSCRIPTION}"]
    from llmops_landing_zone.components.azure.base import FORBIDDEN_ROLES
    assert not any(a.inputs["roleDefinitionId"].rsplit("/", 1)[-1] in FORBIDDEN_ROLES
                   for a in azure.of(tokens.AZURE_ROLE_ASSIGNMENT))


def _azure_allows(entries: list[dict], action: str) -> list[str]:
    """The deployer roles whose actions (custom roles) or covered actions (built-in roles) admit ``action`` and
    whose notActions do not remove it. Azure matches actions case-insensitively, ``*`` spanning segments."""
    def match(patterns: list[str]) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)
    return [e["role"] for e in entries if match(e.get("actions", []) + e.get("covers", []))
            and not match(e.get("notActions", []))]


# ARM types of the azure-native types the mock table (llz/mocks/azure.py) has no id template for.
ARM_TYPE_OF = {"monitor:SubscriptionDiagnosticSetting": "Microsoft.Insights/diagnosticSettings"}


def _arm_type(token: str) -> str:
    from llmops_landing_zone.llz.mocks import azure as mock

    key = token.removeprefix("azure-native:")
    if key == "resources:ResourceGroup":
        return "Microsoft.Resources/subscriptions/resourceGroups"
    if key in ARM_TYPE_OF:
        return ARM_TYPE_OF[key]
    template = (mock.ARM.get(key) or mock.EXTENSION.get(key, (None, None, None))[-2:])[0]
    assert template, f"{token}: no ARM id template in llz/mocks/azure.py; add its ARM type to ARM_TYPE_OF"
    # Microsoft.Storage/storageAccounts/{accountName}/blobServices/default -> .../storageAccounts/blobServices
    return "/".join(part for part in template.split("/") if not part.startswith("{") and part != "default")


def test_azure_deployer_roles_cover_every_resource_type_of_every_azure_zone() -> None:
    """Every azure-native type any Azure plan registers (reference stacks and test fixtures): its ARM write and
    delete are allowed by the custom deployer role (or, for role assignments and locks, by the role meant for
    them) and by nothing else."""
    entries = data(b_azure.ROLES_FILE)
    seen = set()
    for path, _, _, resources in _zone_plans("azure"):
        for t in sorted({r.type for r in resources if r.custom and r.type.startswith("azure-native:")}):
            arm = _arm_type(t)
            seen.add(arm)
            for verb in ("write", "delete"):
                allowed = _azure_allows(entries, f"{arm}/{verb}")
                assert len(allowed) == 1, f"{path}: {t} ({arm}/{verb}) is allowed by {allowed or 'no deployer role'}"
    assert {"Microsoft.Authorization/roleAssignments", "Microsoft.Authorization/locks",
            "Microsoft.ContainerService/managedClusters"} <= seen
    # the custom role stays narrower than Contributor: no VMs, no other providers, no authorization writes
    for action in ("Microsoft.Compute/virtualMachines/write", "Microsoft.Sql/servers/write",
                   "Microsoft.Authorization/roleDefinitions/write", "Microsoft.Authorization/policyAssignments/write",
                   "Microsoft.Authorization/elevateAccess/Action", "Microsoft.Resources/deployments/write"):
        assert _azure_allows(entries, action) == [], action
    assert _azure_allows(entries, "Microsoft.Compute/diskEncryptionSets/read") == ["llmops zone deployer"]


def test_azure_preview_identity(azure: Planned) -> None:
    cred = azure.one(tokens.AZURE_FEDERATED_IDENTITY_CREDENTIAL, "acme-ci-preview-github").inputs
    assert cred["subject"] == f"repo:{REPO}:pull_request" and cred["audiences"] == ["api://AzureADTokenExchange"]
    assigned = {a.name.removeprefix("acme-ci-preview-"): a.inputs for a in azure.of(tokens.AZURE_ROLE_ASSIGNMENT)
                if a.name.startswith("acme-ci-preview-")}
    from llmops_landing_zone.components.azure.base import ROLES
    role = {name: a["roleDefinitionId"].rsplit("/", 1)[-1] for name, a in assigned.items()}
    assert role == {"reader": ROLES["Reader"], "storage-blob-data-reader": ROLES["Storage Blob Data Reader"],
                    "storage-blob-data-contributor": ROLES["Storage Blob Data Contributor"],
                    "key-vault-crypto-user": ROLES["Key Vault Crypto User"]}
    assert assigned["reader"]["scope"] == f"/subscriptions/{AZURE_SUBSCRIPTION}"
    for name in ("storage-blob-data-reader", "storage-blob-data-contributor"):
        assert assigned[name]["scope"].endswith("/blobServices/default/containers/state")
    assert "/keys/pulumi-secrets" in assigned["key-vault-crypto-user"]["scope"]
    # blob writes only for the lock blobs: every write action is gated by the path condition
    lock = assigned["storage-blob-data-contributor"]
    assert lock["conditionVersion"] == "2.0"
    for action in ("write", "add/action", "delete", "move/action", "read"):
        assert f"!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/{action}'}}" in lock["condition"]
    assert lock["condition"].endswith(
        "OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '.pulumi/locks/'))")
    assert azure.outputs["previewSecrets"]["AZURE_CLIENT_ID"] not in {
        s["AZURE_CLIENT_ID"] for s in azure.outputs["githubSecrets"].values()}
    assert azure.outputs["previewSecrets"]["AZURE_TENANT_ID"] == AZURE_TENANT


def test_azure_rbac_condition_admits_exactly_what_the_zone_assigns(azure: Planned) -> None:
    condition = b_azure.zone_roles_condition()
    admitted = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", condition))
    from llmops_landing_zone.components.azure.base import FORBIDDEN_ROLES
    assert not admitted & set(FORBIDDEN_ROLES)
    for stack in ("azure-dev", "azure-prod"):
        for r in offline.plan(stack).resources:
            if r.type == tokens.AZURE_ROLE_ASSIGNMENT:
                assert r.inputs["roleDefinitionId"].rsplit("/", 1)[-1] in admitted, r.name


# --- README: every command is run offline here or marked as needing real credentials ---------------------------

def _bootstrap_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Bootstrap (once per cloud account)")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


OFFLINE_MARK = "# offline (tests/test_bootstrap.py)"
CREDENTIALS_MARK = "# needs real credentials"


def test_readme_bootstrap_commands_are_offline_or_marked() -> None:
    section = _bootstrap_section()
    blocks = re.findall(r"^```bash\n(.*?)^```", section, flags=re.DOTALL | re.MULTILINE)
    commands = [line for b in blocks for line in b.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) >= 6
    offline_cmds = []
    for line in commands:
        assert OFFLINE_MARK in line or CREDENTIALS_MARK in line, line
        if OFFLINE_MARK in line:
            offline_cmds.append(line.split("#")[0].strip())
    for cmd in ("pulumi login --local", "pulumi stack init aws", "pulumi up", "--secrets-provider"):
        assert cmd in section, cmd
    # the offline ones, run as written (from the repository root)
    assert offline_cmds
    for cmd in offline_cmds:
        args = cmd.split()
        assert args[0] == ".venv/bin/python", cmd
        result = subprocess.run([sys.executable, *args[1:]], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, (cmd, result.stderr)
