"""GatewayKeys (AWS): one API key per team for the AI gateway, kept in Secrets Manager under the zone's data key.

The secret ``<zone>/gateway/<team>`` is where the team reads its key (IAM on the secret); the gateway reads the
same value from a Kubernetes Secret (components/k8s/gateway.py), written by the same program.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.common import api_key, child

TYPE = "llmops:aws:GatewayKeys"


@dataclass
class GatewayKeysArgs:
    prefix: str
    teams: list[str]
    key_arn: pulumi.Input[str]  # the zone's data key
    tags: dict[str, str] = field(default_factory=dict)


class GatewayKeys(pulumi.ComponentResource):
    def __init__(self, name: str, args: GatewayKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.keys: dict[str, pulumi.Output[str]] = {}
        self.secrets: dict[str, aws.secretsmanager.Secret] = {}
        for team in args.teams:
            key = api_key(f"{name}-{team}", self)
            secret = aws.secretsmanager.Secret(
                f"{name}-{team}-secret", name=f"{args.prefix}/gateway/{team}", kms_key_id=args.key_arn,
                description=f"AI gateway API key of team {team}", recovery_window_in_days=7,
                tags={**args.tags, "llmops-team": team}, opts=child(self))
            aws.secretsmanager.SecretVersion(f"{name}-{team}-value", secret_id=secret.id, secret_string=key,
                                             opts=child(self))
            self.keys[team], self.secrets[team] = key, secret
        self.register_outputs({"secrets": {t: s.arn for t, s in self.secrets.items()}})
