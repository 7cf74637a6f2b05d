"""TeamAccess: one team's access to the zone, granted to its Entra ID group or user object ids.

Azure RBAC, least privilege, never Owner or Contributor and never at subscription scope:
- AKS: Cluster User Role on the cluster (fetch a kubeconfig, nothing more) and no Azure RBAC data-plane role.
  Inside the cluster a team has exactly the zone's Kubernetes Role for its team role, through the team
  namespace's RoleBinding: AKS checks Azure RBAC first and, when no Azure role assignment decides, falls back
  to Kubernetes RBAC (https://learn.microsoft.com/azure/aks/manage-azure-rbac). The built-in "AKS RBAC
  Writer/Admin" roles on the namespace are not used: they include networkpolicies, serviceaccounts (and for
  Admin roles/rolebindings) writes, so a developer could delete the zone's default-deny NetworkPolicy.
- AI Search: Search Index Data Reader (viewer) or Contributor on each search service;
- Cosmos DB: the built-in Data Reader or Contributor data-plane role on each account;
- Azure ML: AzureML Data Scientist on the workspace (developer and admin), which includes scoring.
In the cluster, the team namespace (quota, Role, RoleBinding, network policies) comes from the Kubernetes
layer; its RoleBinding names the member object ids as Group subjects (Entra ID group object ids, as AKS
presents them to Kubernetes RBAC), so members are Entra ID groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import (
    COSMOS_DATA_CONTRIBUTOR,
    COSMOS_DATA_READER,
    AzureContext,
    assignment_name,
    grant,
)
from llmops_landing_zone.components.azure.vector_store import AiSearch, CosmosVectorStore
from llmops_landing_zone.components.k8s import TeamNamespace, TeamNamespaceArgs
from llmops_landing_zone.components.naming import name

TYPE = "llmops:azure:TeamAccess"
# The only Azure role a team gets on the cluster: list its user credentials (a kubeconfig). What the team may
# do in Kubernetes is the namespace's Role (components.k8s.team), bound by Kubernetes RBAC.
AKS_ROLE = "Azure Kubernetes Service Cluster User Role"
SEARCH_ROLE = {"viewer": "Search Index Data Reader", "developer": "Search Index Data Contributor",
               "admin": "Search Index Data Contributor"}
COSMOS_ROLE = {"viewer": COSMOS_DATA_READER, "developer": COSMOS_DATA_CONTRIBUTOR, "admin": COSMOS_DATA_CONTRIBUTOR}
ML_ROLE = {"developer": "AzureML Data Scientist", "admin": "AzureML Data Scientist"}  # viewers: none


@dataclass
class TeamAccessArgs:
    name: str  # the zone's name: prefix of the logical names
    ctx: AzureContext
    team: str  # the team's key: its namespace and logical names
    role: str  # viewer | developer | admin
    cluster_id: pulumi.Input[str]
    resource_group: pulumi.Input[str]
    k8s_provider: pulumi.ProviderResource
    members: list[str] = field(default_factory=list)  # Entra ID group object ids
    gpu_quota: int = 4  # nvidia.com/gpu requests the team namespace may hold
    stores: dict[str, AiSearch | CosmosVectorStore] = field(default_factory=dict)
    ml_workspace_id: pulumi.Input[str] | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the platform namespaces


def group_subjects(members: list[str]) -> list[dict[str, str]]:
    return [{"kind": "Group", "name": m, "apiGroup": "rbac.authorization.k8s.io"} for m in members]


class TeamAccess(pulumi.ComponentResource):
    def __init__(self, name_: str, args: TeamAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        ctx, z, key, role = args.ctx, args.name, args.team, args.role
        ns_args = TeamNamespaceArgs(team=key, role=role, gpu_quota=args.gpu_quota,
                                    subjects=group_subjects(args.members), labels={"llmops.io/team": key})
        self.namespace = TeamNamespace(
            name(z, "team", key), ns_args,
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider, depends_on=args.depends_on))
        ns = ns_args.namespace
        self.namespace_name = ns
        self.assignments: list[pulumi.Resource] = []
        for member in args.members:
            # Logical names carry the member's object id: adding or removing a member touches only its own
            # assignments (position-keyed names would shift every later member).
            oid = member.lower()

            def give(purpose: str, scope: pulumi.Input[str], role_name: str, oid: str = oid) -> None:
                self.assignments.append(grant(
                    name(z, "team", key, purpose, oid), ctx, scope=scope, role=role_name, principal_id=oid,
                    principal_type=None, parent=self))

            give("aks-user", args.cluster_id, AKS_ROLE)
            for store_key, store in args.stores.items():
                if isinstance(store, AiSearch):
                    give(f"search-{store_key}", store.service.id, SEARCH_ROLE[role])
                else:
                    self.assignments.append(azure.cosmosdb.SqlResourceSqlRoleAssignment(
                        name(z, "team", key, f"cosmos-{store_key}", oid),
                        role_assignment_id=assignment_name(ctx, "cosmos", store_key, key, oid, COSMOS_ROLE[role]),
                        account_name=store.account.name, resource_group_name=args.resource_group,
                        role_definition_id=pulumi.Output.concat(store.account.id, "/sqlRoleDefinitions/",
                                                                COSMOS_ROLE[role]),
                        scope=store.account.id, principal_id=oid,
                        opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True)))
            if args.ml_workspace_id is not None and role in ML_ROLE:
                give("ml", args.ml_workspace_id, ML_ROLE[role])
        self.register_outputs({"namespace": ns, "assignments": len(self.assignments)})
