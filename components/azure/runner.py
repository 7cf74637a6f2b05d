"""The zone's deploy runner on Azure: a self-hosted GitHub Actions runner in the zone's VNet, run as an
event-driven Azure Container Apps job.

The AKS API server of a prod zone is private, so the deploy workflow's cluster pass (components/deploy_path.py)
runs here. Microsoft's pattern ("Deploy self-hosted CI/CD runners and agents with Azure Container Apps jobs",
learn.microsoft.com/azure/container-apps/tutorial-ci-cd-runners-jobs): KEDA's ``github-runner`` scaler polls the
repository's queued workflow jobs and starts one job execution per queued job; the container registers as an
ephemeral runner, takes that one job and exits. The environment is internal and VNet-integrated, in its own
subnet delegated to ``Microsoft.App/environments``, so the runner reaches the private API server through the
VNet and the private DNS zone AKS links to it.

Two identities, so the process running ``pulumi up`` holds only the cluster pass's rights:
- ``identity`` (available to the container): AKS RBAC Cluster Admin on the cluster, Storage Blob Data
  Contributor on the state storage account, Key Vault Crypto User on the secrets key's vault. Nothing else.
- ``secrets_identity`` (lifecycle ``None``: Container Apps uses it to resolve the Key Vault secret reference;
  the container cannot get a token for it): Key Vault Secrets User on the one secret holding the GitHub App's
  private key.

The GitHub App's private key is stored once, by hand, as the zone vault's secret ``GITHUB_APP_SECRET``
(README, Deploying from CI); the app's id and installation id are plain configuration (deploy.githubApp).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import ALL_LOGS, AzureContext, LogSink, diagnostics, grant
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.k8s import images

TYPE = "llmops:azure:DeployRunner"
GITHUB_APP_SECRET = "deploy-runner-github-app-key"  # the zone vault's secret: the GitHub App's PEM private key
RUNNER_LABEL = "self-hosted"
# Workload-profiles environment (the consumption profile): the only kind that takes a /27 infrastructure subnet
# (learn.microsoft.com/azure/container-apps/custom-virtual-networks, "Subnet": /27 minimum for workload
# profiles, /23 for the consumption-only environment).
WORKLOAD_PROFILE = "Consumption"
CPU, MEMORY = 2.0, "4Gi"  # the consumption profile's largest single container; a prod plan needs about 2 GB
REPLICA_TIMEOUT_S = 7200  # the workflow job's timeout-minutes: 120
POLLING_INTERVAL_S = 30
MAX_EXECUTIONS = 5
# role -> the logical-name suffix of its assignment
CLUSTER_PASS_ROLES = {"Azure Kubernetes Service RBAC Cluster Admin": "cluster-admin",
                      "Storage Blob Data Contributor": "state", "Key Vault Crypto User": "secrets-key"}


def runs_on(name: str) -> list[str]:
    """The `runs-on` labels of a workflow job that runs on this runner."""
    return [RUNNER_LABEL, name]


def vault_of_key(key_id: str) -> str:
    """The vault resource id of a Key Vault key resource id (``.../vaults/<v>/keys/<k>``)."""
    return key_id.split("/keys/")[0]


@dataclass
class DeployRunnerArgs:
    name: str  # the job's name (<= 32 characters) and its runner label
    repository: str  # GitHub owner/repo whose workflow jobs the runner takes
    ctx: AzureContext
    resource_group: pulumi.Input[str]
    subnet_id: pulumi.Input[str]  # the environment's infrastructure subnet, delegated to Microsoft.App/environments
    cluster_id: pulumi.Input[str]  # the AKS cluster the runner administers
    vault_id: pulumi.Input[str]  # the zone's Key Vault holding GITHUB_APP_SECRET
    vault_uri: pulumi.Input[str]
    github_app_id: int
    github_installation_id: int
    state_store: str  # the Pulumi state backend's storage account resource id (bootstrap output)
    secrets_key: str  # the stack's secrets provider key: a Key Vault key resource id (bootstrap output)
    sink: LogSink | None = None  # the environment's console and system logs (audit workspace)
    tags: dict[str, str] = field(default_factory=dict)
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class DeployRunner(pulumi.ComponentResource):
    environment: azure.app.ManagedEnvironment
    job: azure.app.Job
    identity: azure.managedidentity.UserAssignedIdentity
    secrets_identity: azure.managedidentity.UserAssignedIdentity
    runs_on: list[str]

    def __init__(self, name: str, args: DeployRunnerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, own = args.ctx, child(self)
        owner, repo = args.repository.split("/", 1)
        self.runs_on = runs_on(args.name)
        self.identity = azure.managedidentity.UserAssignedIdentity(
            f"{name}-id", resource_name_=f"{args.name}-runner", resource_group_name=args.resource_group,
            location=ctx.location, tags=args.tags, opts=own)
        self.secrets_identity = azure.managedidentity.UserAssignedIdentity(
            f"{name}-secrets-id", resource_name_=f"{args.name}-secrets", resource_group_name=args.resource_group,
            location=ctx.location, tags=args.tags, opts=own)
        # The cluster pass and nothing of the cloud pass (each a data-plane or in-cluster role at one scope)
        scopes = {"Azure Kubernetes Service RBAC Cluster Admin": args.cluster_id,
                  "Storage Blob Data Contributor": args.state_store,
                  "Key Vault Crypto User": vault_of_key(args.secrets_key)}
        self.grants = [grant(f"{name}-{slug}", ctx, scope=scopes[role], role=role,
                             principal_id=self.identity.principal_id, parent=self, depends_on=args.depends_on)
                       for role, slug in CLUSTER_PASS_ROLES.items()]
        secret_scope = pulumi.Output.concat(args.vault_id, "/secrets/", GITHUB_APP_SECRET)
        self.secret_grant = grant(f"{name}-github-app-key", ctx, scope=secret_scope, role="Key Vault Secrets User",
                                  principal_id=self.secrets_identity.principal_id, parent=self)
        logs = {"destination": "azure-monitor"} if args.sink else {"destination": "none"}
        self.environment = azure.app.ManagedEnvironment(
            f"{name}-env", environment_name=f"{args.name}-env", resource_group_name=args.resource_group,
            location=ctx.location, app_logs_configuration=logs,
            vnet_configuration={"infrastructure_subnet_id": args.subnet_id, "internal": True},
            workload_profiles=[{"name": WORKLOAD_PROFILE, "workload_profile_type": WORKLOAD_PROFILE}],
            public_network_access="Disabled", zone_redundant=False, tags=args.tags, opts=own)
        if args.sink is not None:
            diagnostics(f"{name}-env-diag", args.name, resource_id=self.environment.id, sink=args.sink,
                        logs=ALL_LOGS, parent=self)
        key_url = pulumi.Output.concat(
            pulumi.Output.from_input(args.vault_uri).apply(lambda u: u.rstrip("/")), "/secrets/", GITHUB_APP_SECRET)
        env = [
            {"name": "RUNNER_SCOPE", "value": "repo"},
            {"name": "REPO_URL", "value": f"https://github.com/{args.repository}"},
            {"name": "APP_ID", "value": str(args.github_app_id)},
            {"name": "APP_LOGIN", "value": owner},
            {"name": "APP_PRIVATE_KEY", "secret_ref": "github-app-key"},
            {"name": "EPHEMERAL", "value": "true"},
            {"name": "LABELS", "value": ",".join(self.runs_on)},
            {"name": "RUNNER_NAME_PREFIX", "value": args.name},
            {"name": "DISABLE_AUTO_UPDATE", "value": "true"},  # the pinned image, not a runner that updates itself
            # the process's Azure credential: the cluster-pass identity (azure-native provider, azblob, Key Vault)
            {"name": "ARM_USE_MSI", "value": "true"},
            {"name": "ARM_CLIENT_ID", "value": self.identity.client_id},
            {"name": "AZURE_CLIENT_ID", "value": self.identity.client_id},
            # kubelogin (the AKS kubeconfig's exec plugin) signs in with the same managed identity
            {"name": "AAD_LOGIN_METHOD", "value": "msi"},
        ]
        self.job = azure.app.Job(
            f"{name}-job", job_name=args.name, resource_group_name=args.resource_group, location=ctx.location,
            environment_id=self.environment.id, workload_profile_name=WORKLOAD_PROFILE,
            identity={"type": "UserAssigned",
                      "user_assigned_identities": [self.identity.id, self.secrets_identity.id]},
            configuration={
                "trigger_type": "Event", "replica_timeout": REPLICA_TIMEOUT_S, "replica_retry_limit": 0,
                "identity_settings": [{"identity": self.identity.id, "lifecycle": "Main"},
                                      {"identity": self.secrets_identity.id, "lifecycle": "None"}],
                "secrets": [{"name": "github-app-key", "key_vault_url": key_url,
                             "identity": self.secrets_identity.id}],
                "event_trigger_config": {
                    "parallelism": 1, "replica_completion_count": 1,
                    "scale": {"min_executions": 0, "max_executions": MAX_EXECUTIONS,
                              "polling_interval": POLLING_INTERVAL_S,
                              # KEDA github-runner scaler (keda.sh/docs/scalers/github-runner), GitHub App auth
                              "rules": [{"name": "github-workflow-jobs", "type": "github-runner",
                                         "metadata": {"owner": owner, "runnerScope": "repo", "repos": repo,
                                                      "labels": ",".join(self.runs_on),
                                                      "applicationID": str(args.github_app_id),
                                                      "installationID": str(args.github_installation_id),
                                                      "targetWorkflowQueueLength": "1"},
                                         "auth": [{"trigger_parameter": "appKey",
                                                   "secret_ref": "github-app-key"}]}]}},
            },
            template={"containers": [{"name": "runner", "image": images.DEPLOY_RUNNER.ref, "env": env,
                                      "resources": {"cpu": CPU, "memory": MEMORY}}]},
            tags=args.tags,
            opts=child(self, depends_on=[self.secret_grant, *self.grants]))
        self.register_outputs({"job": self.job.name, "runsOn": self.runs_on,
                               "identityClientId": self.identity.client_id})
