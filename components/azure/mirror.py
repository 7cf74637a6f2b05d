"""Registry mirror: an Azure Container Registry (Premium: private endpoint) with a cache rule for the vLLM image
on Docker Hub, so GPU nodes pull it from the zone's region over the private endpoint instead of from Docker Hub
through the NAT gateway. The AKS kubelet identity gets AcrPull on this registry only.

Cache rules for Docker Hub work without credentials (rate-limited); attach a credential set when the limit bites
(learn.microsoft.com/azure/container-registry/container-registry-artifact-cache). Artifact streaming (lazy pulls
on AKS) is a preview node-pool property (``artifactStreamingProfile``) that the installed pulumi-azure-native
does not expose, and it must be enabled per repository with ``az acr artifact-streaming``: not configured here,
so Azure nodes still pull the whole image (components/coldstart.py models that).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import AzureContext, grant
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import child

TYPE = "llmops:azure:RegistryMirror"
DOCKER_HUB = "docker.io"


@dataclass
class RegistryMirrorArgs:
    registry_name: str  # 5-50 alphanumerics, globally unique
    resource_group: pulumi.Input[str]
    ctx: AzureContext
    network: Network  # for the private endpoint
    kubelet_object_id: pulumi.Input[str]  # the AKS kubelet identity that pulls images
    repositories: list[str]  # upstream repositories to cache, e.g. ["docker.io/vllm/vllm-openai"]
    tags: dict[str, str] = field(default_factory=dict)


def kubelet_object_id(identity_profile: object) -> str:
    """The kubelet identity's object id in an AKS ``identityProfile`` (a created cluster's output or an existing
    cluster's lookup): typed output objects or plain dicts, with snake_case or camelCase keys."""
    def field(o: object, *keys: str) -> object:
        for k in keys:
            v = getattr(o, k, None) if not isinstance(o, dict) else o.get(k)
            if v is not None:
                return v
        return None
    ident = field(identity_profile or {}, "kubeletidentity")
    return str(field(ident, "object_id", "objectId") or "") if ident is not None else ""


def target_repository(upstream: str) -> str:
    return upstream.removeprefix(f"{DOCKER_HUB}/")


class RegistryMirror(pulumi.ComponentResource):
    def __init__(self, name: str, args: RegistryMirrorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.registry = azure.containerregistry.Registry(
            name, registry_name=args.registry_name, resource_group_name=args.resource_group,
            location=args.ctx.location, sku={"name": "Premium"}, admin_user_enabled=False,
            anonymous_pull_enabled=False, public_network_access="Disabled", network_rule_bypass_options="None",
            tags=args.tags, opts=child(self))
        self.cache_rules = [azure.containerregistry.CacheRule(
            f"{name}-{target_repository(repo).replace('/', '-')}", registry_name=self.registry.name,
            resource_group_name=args.resource_group,
            cache_rule_name=target_repository(repo).replace("/", "-"), source_repository=repo,
            target_repository=target_repository(repo), opts=child(self)) for repo in args.repositories]
        self.endpoint = args.network.private_endpoint(
            f"{name}-pe", target_id=self.registry.id, group_id="registry", parent=self)
        self.pull = grant(f"{name}-acrpull", args.ctx, scope=self.registry.id, role="AcrPull",
                          principal_id=args.kubelet_object_id, parent=self)
        self.host = f"{args.registry_name}.azurecr.io"
        self.register_outputs({"registry": self.host})
