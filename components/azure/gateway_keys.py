"""GatewayKeys (Azure): one API key per team for the AI gateway, a secret ``gateway-<team>`` in the zone's Key
Vault (RBAC, purge protection, private endpoint: components/azure/keys.py). Written through the management plane,
so the vault stays closed to public networks. The gateway reads the same value from a Kubernetes Secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.common import api_key, child

TYPE = "llmops:azure:GatewayKeys"


@dataclass
class GatewayKeysArgs:
    resource_group: pulumi.Input[str]
    vault_name: pulumi.Input[str]
    teams: list[str]
    tags: dict[str, str] = field(default_factory=dict)


class GatewayKeys(pulumi.ComponentResource):
    def __init__(self, name: str, args: GatewayKeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.keys: dict[str, pulumi.Output[str]] = {}
        self.secrets: dict[str, azure.keyvault.Secret] = {}
        for team in args.teams:
            key = api_key(f"{name}-{team}", self)
            self.secrets[team] = azure.keyvault.Secret(
                f"{name}-{team}-secret", resource_group_name=args.resource_group, vault_name=args.vault_name,
                secret_name=f"gateway-{team}",
                properties=azure.keyvault.SecretPropertiesArgs(value=key, content_type="text/plain"),
                tags={**args.tags, "llmops-team": team}, opts=child(self))
            self.keys[team] = key
        self.register_outputs({"secrets": {t: s.name for t, s in self.secrets.items()}})
