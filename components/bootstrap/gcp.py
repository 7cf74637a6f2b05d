"""GCP bootstrap: the GCS state bucket (CMEK), the Cloud KMS key for ``gcpkms://`` secrets, and Workload Identity
Federation for GitHub Actions with one deployer service account per GitHub environment.

State: Pulumi's DIY GCS backend (``pulumi login gs://...``) keeps checkpoints as objects and locks a stack with a
lock object under ``.pulumi/locks/`` in the bucket (https://www.pulumi.com/docs/iac/concepts/state-and-backends/).

Federation: the provider accepts only tokens of the configured repository (its attribute condition); a
deployer service account can be impersonated only by tokens whose ``environment`` claim is its GitHub
environment (``roles/iam.workloadIdentityUser`` on ``principalSet://.../attribute.environment/<env>``), so an
environment's protection rules guard every deploy
(https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp
from llmops_landing_zone.components.common import stateful
from llmops_landing_zone.components.bootstrap.common import (
    GITHUB_ISSUER,
    LOCKS_PREFIX,
    BootstrapOutputs,
    data,
    pull_request_subject,
)
from llmops_landing_zone.components.bootstrap.config import BootstrapConfig
from llmops_landing_zone.components.gcp.keys import DESTROY_SCHEDULED, ENCRYPTER_DECRYPTER, ROTATION
from llmops_landing_zone.components.gcp.names import CUSTOM_ROLE, underscored

STATE_TYPE = "llmops:gcp:StateBackend"
SECRETS_TYPE = "llmops:gcp:SecretsKey"
CI_TYPE = "llmops:gcp:CiAccess"

ROLES_FILE = "gcp-deployer-roles.json"
PREVIEW_ROLES_FILE = "gcp-preview-roles.json"
NONCURRENT_DAYS = 90
# GitHub token claims kept as attributes: the condition and the bindings read them.
ATTRIBUTE_MAPPING = {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository",
                     "attribute.environment": "assertion.environment", "attribute.ref": "assertion.ref"}


# Limits on role granting (https://cloud.google.com/iam/docs/setting-limits-on-granting-roles): a hasOnly() list
# takes at most 10 role names. The page warns that `||` between hasOnly() lists refuses a request that changes
# roles of two lists at once; the zone's grants are gcp.projects.IAMMember resources, each a read-modify-write of
# one role's binding, so every request the deployer makes modifies one role and the lists act as their union.
GRANTS_PER_LIST = 10
GRANTED_ROLES = "iam.googleapis.com/modifiedGrantsByRole"


def deployer_account_id(prefix: str, env: str) -> str:
    return f"{prefix}-deploy-{env}"


def custom_role(project: str, zone: str, key: str) -> str:
    """The full name of a zone's custom role, as components/gcp/rbac.py names it."""
    return f"projects/{project}/roles/{underscored(CUSTOM_ROLE.render(zone, key))}"


def grantable_roles(entry: dict, project: str, zones: list[str]) -> list[str]:
    """The roles a ``"condition": "grants"`` entry may grant: its predefined roles and each zone's custom roles."""
    return [*entry["grants"], *(custom_role(project, z, key) for z in zones for key in entry.get("customRoles", []))]


def grants_condition(roles: list[str]) -> str:
    """CEL: the request modifies bindings of these roles only (no other request has the attribute: [] passes)."""
    chunks = [roles[i:i + GRANTS_PER_LIST] for i in range(0, len(roles), GRANTS_PER_LIST)]
    return " || ".join(f"api.getAttribute('{GRANTED_ROLES}', []).hasOnly([{', '.join(repr(r) for r in c)}])"
                       for c in chunks)


def lock_objects_condition(bucket: str) -> str:
    """IAM condition on a bucket binding: objects under ``LOCKS_PREFIX`` only (Cloud Storage object names in
    conditions: https://cloud.google.com/storage/docs/access-control/iam#conditions)."""
    return f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{LOCKS_PREFIX}")'


def deployer_roles(project: str, region: str, prefix: str, zones: list[str] | None = None) -> list[dict]:
    """data/gcp-deployer-roles.json with the project, region and zone name prefix filled into conditions; the
    role-granting condition lists the roles the zones (default: one named ``prefix``) grant."""
    out = []
    for entry in data(ROLES_FILE):
        entry = {"scope": "project", **entry}
        if entry.get("condition") == "grants":
            entry["condition"] = grants_condition(grantable_roles(entry, project, zones or [prefix]))
        elif "condition" in entry:
            cond = entry["condition"]
            for key, value in {"Project": project, "Region": region, "Prefix": prefix}.items():
                cond = cond.replace("${" + key + "}", value)
            entry["condition"] = cond
        out.append(entry)
    return out


@dataclass
class StateBackendArgs:
    project: str
    region: str
    prefix: str
    protect: bool


class StateBackend(pulumi.ComponentResource):
    """A key ring with the state and secrets keys, and the state bucket: versioned, uniform bucket-level access,
    public access prevention enforced, CMEK-encrypted."""

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(STATE_TYPE, name, None, opts)
        self.ring = gcp.kms.KeyRing(f"{name}-ring", name=f"pulumi-{args.prefix}", project=args.project,
                                    location=args.region, opts=stateful(args.protect, self))
        self.key = _key(f"{name}-key", "state", self.ring, self, args.protect)
        # The Cloud Storage service agent encrypts objects with the key; reading it also creates the agent.
        agent = gcp.storage.get_project_service_account_output(project=args.project)
        grant = gcp.kms.CryptoKeyIAMMember(f"{name}-key-storage", crypto_key_id=self.key.id, role=ENCRYPTER_DECRYPTER,
                                           member=agent.member, opts=pulumi.ResourceOptions(parent=self))
        self.bucket_name = f"pulumi-state-{args.prefix}-{args.project}"
        self.bucket = gcp.storage.Bucket(
            name, name=self.bucket_name, project=args.project, location=args.region.upper(),
            uniform_bucket_level_access=True, public_access_prevention="enforced",
            versioning={"enabled": True}, encryption={"default_kms_key_name": self.key.id},
            lifecycle_rules=[{"action": {"type": "Delete"},
                              "condition": {"days_since_noncurrent_time": NONCURRENT_DAYS, "with_state": "ARCHIVED"}}],
            opts=stateful(args.protect, self, depends_on=[grant]))
        self.register_outputs({"bucket": self.bucket_name})


def _key(logical: str, purpose: str, ring: gcp.kms.KeyRing, parent: pulumi.Resource, protect: bool) -> gcp.kms.CryptoKey:
    return gcp.kms.CryptoKey(logical, name=purpose, key_ring=ring.id, purpose="ENCRYPT_DECRYPT",
                             rotation_period=ROTATION, destroy_scheduled_duration=DESTROY_SCHEDULED,
                             opts=stateful(protect, parent))


@dataclass
class SecretsKeyArgs:
    ring: gcp.kms.KeyRing
    protect: bool


class SecretsKey(pulumi.ComponentResource):
    """The key behind ``gcpkms://``, in the bootstrap's key ring."""

    def __init__(self, name: str, args: SecretsKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SECRETS_TYPE, name, None, opts)
        self.key = _key(name, "secrets", args.ring, self, args.protect)
        self.provider_url = pulumi.Output.concat("gcpkms://", self.key.id)
        self.register_outputs({"secretsProvider": self.provider_url})


@dataclass
class CiAccessArgs:
    project: str
    project_number: pulumi.Input[str]
    region: str
    prefix: str
    zones: list[str]
    repository: str
    environments: list[str]
    bucket: pulumi.Input[str]
    secrets_key_id: pulumi.Input[str]


class CiAccess(pulumi.ComponentResource):
    """The workload identity pool and GitHub provider, and a deployer service account per environment with the
    project roles of data/gcp-deployer-roles.json, object access to the state bucket and use of the secrets key."""

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(CI_TYPE, name, None, opts)
        own = pulumi.ResourceOptions(parent=self)
        pool_id = f"{args.prefix}-github"
        self.pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool", workload_identity_pool_id=pool_id, project=args.project,
            display_name=f"GitHub Actions ({args.prefix})"[:32], opts=own)
        self.provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github", workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github", project=args.project, display_name="GitHub",
            attribute_mapping=ATTRIBUTE_MAPPING, attribute_condition=f'assertion.repository == "{args.repository}"',
            oidc={"issuer_uri": GITHUB_ISSUER}, opts=own)
        pool_path = pulumi.Output.concat("projects/", args.project_number, "/locations/global/workloadIdentityPools/",
                                         pool_id)
        self.provider_name = pulumi.Output.concat(pool_path, "/providers/github")
        roles = deployer_roles(args.project, args.region, args.prefix, args.zones)
        self.deployers: dict[str, gcp.serviceaccount.Account] = {}
        self.manual_grants: list[str] = []
        for env in args.environments:
            sa = gcp.serviceaccount.Account(
                f"{name}-deploy-{env}", account_id=deployer_account_id(args.prefix, env), project=args.project,
                display_name=f"pulumi up from GitHub environment {env}",
                description=f"{args.repository}, environment {env}", opts=own)
            gcp.serviceaccount.IAMMember(
                f"{name}-deploy-{env}-wif", service_account_id=sa.name, role="roles/iam.workloadIdentityUser",
                member=pulumi.Output.concat("principalSet://iam.googleapis.com/", pool_path,
                                            "/attribute.environment/", env),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.provider]))
            member = sa.email.apply(lambda e: f"serviceAccount:{e}")
            for entry in roles:
                short = entry["role"].rsplit("/", 1)[-1]
                if entry["scope"] != "project":
                    self.manual_grants.append(f"{entry['scope']} {entry['role']} to {deployer_account_id(args.prefix, env)}")
                    continue
                cond = entry.get("condition")
                title = f"{args.prefix} zone role grants" if GRANTED_ROLES in (cond or "") else f"{args.prefix} zone resources"
                gcp.projects.IAMMember(
                    f"{name}-deploy-{env}-{short}", project=args.project, role=entry["role"], member=member,
                    condition={"title": title, "expression": cond} if cond else None,
                    opts=own)
            gcp.storage.BucketIAMMember(f"{name}-deploy-{env}-state", bucket=args.bucket,
                                        role="roles/storage.objectAdmin", member=member, opts=own)
            gcp.kms.CryptoKeyIAMMember(f"{name}-deploy-{env}-secrets", crypto_key_id=args.secrets_key_id,
                                       role=ENCRYPTER_DECRYPTER, member=member, opts=own)
            self.deployers[env] = sa
        self.preview = self._preview(name, args, pool_path)
        self.register_outputs({"provider": self.provider_name, "preview": self.preview.email})

    def _preview(self, name: str, args: CiAccessArgs, pool_path: pulumi.Output[str]) -> gcp.serviceaccount.Account:
        """The pull requests' service account: only tokens whose subject is the repository's pull_request may
        impersonate it, and it holds the read-only roles of data/gcp-preview-roles.json."""
        own = pulumi.ResourceOptions(parent=self)
        sa = gcp.serviceaccount.Account(
            f"{name}-preview", account_id=f"{args.prefix}-preview", project=args.project,
            display_name="pulumi preview from pull requests", description=args.repository, opts=own)
        gcp.serviceaccount.IAMMember(
            f"{name}-preview-wif", service_account_id=sa.name, role="roles/iam.workloadIdentityUser",
            member=pulumi.Output.concat("principal://iam.googleapis.com/", pool_path, "/subject/",
                                        pull_request_subject(args.repository)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.provider]))
        member = sa.email.apply(lambda e: f"serviceAccount:{e}")
        for entry in data(PREVIEW_ROLES_FILE):
            short = entry["role"].rsplit("/", 1)[-1]
            logical = f"{name}-preview-{short}"
            if entry["scope"] == "project":
                gcp.projects.IAMMember(logical, project=args.project, role=entry["role"], member=member, opts=own)
            elif entry["scope"] == "stateBucket":
                condition = None
                if entry.get("condition") == "lockObjects":
                    condition = pulumi.Output.from_input(args.bucket).apply(
                        lambda b: {"title": "pulumi lock objects", "expression": lock_objects_condition(b)})
                gcp.storage.BucketIAMMember(logical, bucket=args.bucket, role=entry["role"], member=member,
                                            condition=condition, opts=own)
            else:
                gcp.kms.CryptoKeyIAMMember(logical, crypto_key_id=args.secrets_key_id, role=entry["role"],
                                           member=member, opts=own)
        return sa


def build(cfg: BootstrapConfig, parent: pulumi.Resource) -> BootstrapOutputs:
    project, region = cfg.project or "", cfg.region or ""
    number = gcp.organizations.get_project_output(project_id=project).number
    opts = pulumi.ResourceOptions(parent=parent)
    state = StateBackend(f"{cfg.name}-state", StateBackendArgs(project, region, cfg.name, cfg.protect), opts)
    secrets = SecretsKey(f"{cfg.name}-secrets", SecretsKeyArgs(state.ring, cfg.protect), opts)
    ci = CiAccess(f"{cfg.name}-ci", CiAccessArgs(project, number, region, cfg.name, cfg.zone_names, cfg.repository,
                                                 list(cfg.environments), state.bucket.name, secrets.key.id), opts)
    return BootstrapOutputs(
        backend_url=f"gs://{state.bucket_name}",
        secrets_provider=secrets.provider_url,
        github_secrets={env: {"GCP_WORKLOAD_IDENTITY_PROVIDER": ci.provider_name, "GCP_SERVICE_ACCOUNT": sa.email}
                        for env, sa in ci.deployers.items()},
        preview_secrets={"GCP_WORKLOAD_IDENTITY_PROVIDER": ci.provider_name, "GCP_SERVICE_ACCOUNT": ci.preview.email},
        extra={"manualGrants": ci.manual_grants} if ci.manual_grants else {},
    )
