"""What every cloud's bootstrap shares: resource options, the data files, the GitHub OIDC facts and the stack
outputs (the same names on every cloud)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pulumi

DATA = Path(__file__).resolve().parent / "data"

# GitHub Actions' OIDC issuer and the subject claims its tokens carry
# (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com"
# Where Pulumi's DIY backends keep the lock object of a stack while an operation (a preview too) runs: the only
# objects a preview identity writes.
LOCKS_PREFIX = ".pulumi/locks/"


def environment_subject(repository: str, environment: str) -> str:
    """The ``sub`` claim of a job that runs in a GitHub environment: only such a job can deploy, so the
    environment's protection rules (required reviewers, branch rules) guard every deploy."""
    return f"repo:{repository}:environment:{environment}"


def pull_request_subject(repository: str) -> str:
    """The ``sub`` claim of a job triggered by a pull request (no environment)."""
    return f"repo:{repository}:pull_request"


@cache
def data(name: str) -> Any:
    """A data file of components/bootstrap/data (the deployer permissions of each cloud)."""
    return json.loads((DATA / name).read_text())


@dataclass
class BootstrapOutputs:
    """The stack outputs, the same names on every cloud: how to log in to the state backend, the
    ``--secrets-provider`` value for ``pulumi stack init``, and per GitHub environment the values its workflow
    secrets take (``githubSecrets``; ``previewSecrets`` for pull requests where the cloud has a preview
    identity)."""

    backend_url: pulumi.Input[str]
    secrets_provider: pulumi.Input[str]
    github_secrets: dict[str, dict[str, pulumi.Input[str]]]
    preview_secrets: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def exports(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "backendUrl": self.backend_url,
            "loginCommand": pulumi.Output.concat("pulumi login '", self.backend_url, "'"),
            "secretsProvider": self.secrets_provider,
            "githubSecrets": self.github_secrets,
        }
        if self.preview_secrets:
            out["previewSecrets"] = self.preview_secrets
        return {**out, **self.extra}
