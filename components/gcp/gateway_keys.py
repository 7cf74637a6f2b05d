"""GatewayKeys (GCP): one API key per team for the AI gateway, kept in Secret Manager in the zone's region.

Secret ``<zone>-gateway-<team>``, replicated only in the zone's region (user-managed replication) and encrypted
with the zone's data key, which must be in that region (cloud.google.com/secret-manager/docs/cmek); the Secret
Manager service agent's grant on the key (components/gcp/keys.py) comes first. The gateway reads the same value
from a Kubernetes Secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import api_key, child

TYPE = "llmops:gcp:GatewayKeys"


@dataclass
class GatewayKeysArgs:
    prefix: str
    project: str
    region: str
    teams: list[str]
    encryption_key: pulumi.Input[str] | None = None  # a Cloud KMS key in ``region`` (None: Google-managed)
    labels: dict[str, str] = field(default_factory=dict)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the Secret Manager API, the key's grants


class GatewayKeys(pulumi.ComponentResource):
    def __init__(self, name: str, args: GatewayKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.keys: dict[str, pulumi.Output[str]] = {}
        self.secrets: dict[str, gcp.secretmanager.Secret] = {}
        cmek = {"customer_managed_encryption": {"kms_key_name": args.encryption_key}} if args.encryption_key else {}
        for team in args.teams:
            key = api_key(f"{name}-{team}", self)
            secret = gcp.secretmanager.Secret(
                f"{name}-{team}-secret", secret_id=f"{args.prefix}-gateway-{team}", project=args.project,
                replication={"user_managed": {"replicas": [{"location": args.region, **cmek}]}},
                labels={**args.labels, "llmops-team": team},
                opts=child(self, depends_on=args.depends_on or None))
            gcp.secretmanager.SecretVersion(f"{name}-{team}-value", secret=secret.id, secret_data=key, project=args.project,
                                            opts=child(self))
            self.keys[team], self.secrets[team] = key, secret
        self.register_outputs({"secrets": {t: s.id for t, s in self.secrets.items()}})
