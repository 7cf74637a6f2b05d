"""Rules of the ``deploy`` block: how CI reaches the zone's API server (components/deploy_path.py).

A private API server (``cluster.publicEndpoint: false``) on AWS or Azure needs the in-network deploy runner for
the cluster pass; GKE's API server is reached through its IAM-guarded DNS endpoint from anywhere, so GCP needs
none. The runner's identity reads the state backend and the secrets key, so both are required with it (AWS:
ARNs; Azure: resource ids), and on Azure the GitHub App it registers with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.config.registry import Issue

RUNNER_CLOUDS = ("aws", "azure")  # where the zone provisions the runner (GCP needs none)
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RG = rf"/subscriptions/{_GUID}/resourceGroups/[-\w._()]{{1,90}}"
STATE_STORE = {"aws": (re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
                       "an S3 bucket ARN (arn:aws:s3:::<bucket>)"),
               "azure": (re.compile(rf"^{_RG}/providers/Microsoft\.Storage/storageAccounts/[a-z0-9]{{3,24}}$"),
                         ("a storage account resource id (/subscriptions/<id>/resourceGroups/<group>/providers/"
                          "Microsoft.Storage/storageAccounts/<account>)"))}
SECRETS_KEY = {"aws": (re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}$"),
                       "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
               "azure": (re.compile(rf"^{_RG}/providers/Microsoft\.KeyVault/vaults/[a-zA-Z][a-zA-Z0-9-]{{2,23}}"
                                    r"/keys/[a-zA-Z0-9-]{1,127}$"),
                         ("a Key Vault key resource id (/subscriptions/<id>/resourceGroups/<group>/providers/"
                          "Microsoft.KeyVault/vaults/<vault>/keys/<key>)"))}


def private_api(cfg: ZoneConfig) -> bool:
    """A hosted CI runner cannot reach this zone's API server."""
    return cfg.cloud != "gcp" and not cfg.cluster.public_endpoint


def runner_enabled(cfg: ZoneConfig) -> bool:
    d = cfg.deploy
    default = private_api(cfg) and d.repository is not None and cfg.cloud in RUNNER_CLOUDS
    return default if d.runner is None else d.runner


def deploy_issues(cfg: ZoneConfig) -> Iterator[Issue]:
    d = cfg.deploy
    if d.runner and cfg.cloud == "gcp":
        yield "deploy.runner", ("GKE's API server is reached through its IAM-guarded DNS endpoint from any CI "
                                "runner; a runner in the network is not needed on GCP (remove deploy.runner)")
        return
    if d.runner and cfg.cloud not in RUNNER_CLOUDS:
        yield "deploy.runner", (f"the in-network deploy runner is built for {', '.join(RUNNER_CLOUDS)} only; on "
                                f"{cfg.cloud} run the cluster pass from a machine in the VNet (README, Deploying "
                                "from CI)")
        return
    if not runner_enabled(cfg):
        return
    if d.repository is None:
        yield "deploy.repository", "the deploy runner serves one GitHub repository's jobs: set deploy.repository (owner/repo)"
    for key, value, formats in (("stateStore", d.state_store, STATE_STORE), ("secretsKey", d.secrets_key, SECRETS_KEY)):
        pattern, what = formats[cfg.cloud]
        if value is None:
            yield f"deploy.{key}", f"required with the deploy runner: {what}, from the bootstrap stack's outputs"
        elif not pattern.match(value):
            yield f"deploy.{key}", f"'{value}' is not {what}"
    if cfg.cloud == "azure":
        if d.github_app is None:
            yield "deploy.githubApp", ("required with the Azure deploy runner: {appId, installationId} of the GitHub "
                                       "App it registers with (README, Deploying from CI)")
        if cfg.network.existing is not None:
            yield "deploy.runner", ("the Azure deploy runner needs its own subnet in a VNet the zone creates; with "
                                    "network.existing run the cluster pass from a machine in the VNet (deploy.runner: "
                                    "false)")


def deploy_warnings(cfg: ZoneConfig) -> Iterator[Issue]:
    if private_api(cfg) and not runner_enabled(cfg):
        yield "deploy", ("the API server is private and no deploy runner is configured: the in-cluster layer can "
                         "only be deployed from a machine inside the zone's network (README, Deploying from CI)")
