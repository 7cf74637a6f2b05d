"""RBAC: per team, IAM bindings of least-privilege roles and a Kubernetes namespace with its Role.

Cloud side, by team role (never roles/owner or roles/editor; the zone's infrastructure belongs to Pulumi, so
no team role can change it by hand):
- viewer: read the cluster (to fetch credentials), Vertex AI, metrics and logs; read the model bucket.
- developer: viewer, plus calling the zone's Vertex endpoints and querying/upserting vectors (a custom role:
  roles/aiplatform.user would also let them create training jobs, datasets and endpoints), AlloyDB IAM
  database login. The model bucket stays read-only: serving loads whatever is there, so overwriting weights
  is the admins' and the pipeline's right (as on AWS).
- admin: developer, plus monitoring dashboards and alerts, data-access audit logs, full object control on
  the model bucket.

Scope: data grants are bindings on the zone's own resources (the model bucket), never on the project. The
rest are project bindings because the service offers nothing narrower: ``PROJECT_SCOPE`` gives the reason per
role, and a project role without one is refused. The project is dedicated to the zone (README, GCP).
Vertex AI and AlloyDB roles are granted only when the zone runs them. Inside the cluster each team gets a
namespace, Role, RoleBinding and GPU quota from the Kubernetes layer; ``group:`` members work there through
Google Groups for RBAC (the cluster's security group is derived from the members' domain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.gcp.limits import group_domains
from llmops_landing_zone.components.gcp.names import CUSTOM_ROLE, underscored
from llmops_landing_zone.components.gcp.project import GcpContext
from llmops_landing_zone.components.k8s import TeamNamespace, TeamNamespaceArgs

TYPE = "llmops:gcp:TeamAccess"
ROLES_TYPE = "llmops:gcp:TeamRoles"
RBAC_API_GROUP = "rbac.authorization.k8s.io"

# Permissions of the custom "model user" role: invoke endpoints, query and stream-update vector indexes
# (https://cloud.google.com/vertex-ai/docs/general/access-control).
MODEL_USER_PERMISSIONS = [
    "aiplatform.endpoints.get",
    "aiplatform.endpoints.list",
    "aiplatform.endpoints.predict",
    "aiplatform.indexEndpoints.get",
    "aiplatform.indexEndpoints.list",
    "aiplatform.indexEndpoints.queryVectors",
    "aiplatform.indexes.get",
    "aiplatform.indexes.list",
    "aiplatform.indexes.update",  # streaming upserts of datapoints
]
MODEL_USER = "model_user"
# On the model bucket only (a BucketIAMMember), never on the project.
BUCKET_ROLE = {"viewer": "roles/storage.objectViewer", "developer": "roles/storage.objectViewer",
               "admin": "roles/storage.objectAdmin"}
# Why each team role is a project binding: no resource-level IAM and no IAM Conditions resource attributes for
# it (https://cloud.google.com/iam/docs/conditions-resource-attributes lists neither aiplatform, alloydb,
# monitoring nor serviceusage). GKE does list resource attributes, but clusterViewer is also checked on the
# project (clusters.list) and is metadata only; in-cluster rights come from the namespace's RoleBinding.
PROJECT_SCOPE: dict[str, str] = {
    "roles/container.clusterViewer": "GKE has no per-cluster IAM bindings; metadata and get-credentials only, "
                                     "Kubernetes rights come from the team namespace's RoleBinding",
    "roles/monitoring.viewer": "Cloud Monitoring is scoped per project (metrics scope)",
    "roles/logging.viewer": "the zone's logs live in the zone's project buckets",
    "roles/logging.privateLogViewer": "data-access audit logs of the zone's project",
    "roles/monitoring.editor": "dashboards and alert policies are project resources",
    "roles/aiplatform.viewer": "Vertex AI has no resource-level IAM for endpoints and indexes in the provider "
                               "and no IAM Conditions resource attributes",
    MODEL_USER: "custom role; Vertex AI endpoints and index endpoints have no resource-level IAM here",
    "roles/alloydb.client": "AlloyDB has no instance-level IAM and no IAM Conditions resource attributes",
    "roles/alloydb.databaseUser": "AlloyDB IAM database login is granted per project",
    "roles/serviceusage.serviceUsageConsumer": "the AlloyDB Auth Proxy bills API use to the project",
}


def project_roles(role: str, model_user: pulumi.Input[str] | None, *, vertex: bool,
                  alloydb: bool) -> list[pulumi.Input[str]]:
    """Project-level roles of a team role, in a fixed order; ``vertex``/``alloydb``: the zone runs them."""
    roles: list[pulumi.Input[str]] = ["roles/container.clusterViewer", "roles/monitoring.viewer",
                                      "roles/logging.viewer"]
    if vertex:
        roles.append("roles/aiplatform.viewer")
    if role in ("developer", "admin"):
        if model_user is not None:
            roles.append(model_user)
        if alloydb:
            roles += ["roles/alloydb.client", "roles/alloydb.databaseUser",
                      "roles/serviceusage.serviceUsageConsumer"]
    if role == "admin":
        roles += ["roles/monitoring.editor", "roles/logging.privateLogViewer"]
    return roles


def k8s_subject(member: str) -> dict[str, str]:
    """An IAM member as a Kubernetes RBAC subject: GKE authenticates users and service accounts by email and
    Google Groups (through Google Groups for RBAC) by group email."""
    kind, email = member.split(":", 1)
    return {"kind": "Group" if kind == "group" else "User", "name": email, "apiGroup": RBAC_API_GROUP}


def gke_security_group(members: Iterable[str]) -> str | None:
    """The Google Groups for RBAC security group (one per cluster), when any of the teams' ``members`` is a
    group; config validation guarantees all groups share one domain."""
    domains = group_domains(members)
    return f"gke-security-groups@{domains[0]}" if domains else None


def _short(role: pulumi.Input[str]) -> str:
    if isinstance(role, str):
        return role.split("/")[-1].replace(".", "-").lower()
    return MODEL_USER.replace("_", "-")


def _digest(member: str) -> str:
    """Stable per-member suffix for logical names, so reordering members changes no URN."""
    return hashlib.sha256(member.encode()).hexdigest()[:8]


@dataclass
class TeamRolesArgs:
    name: str  # the zone's name: prefix of the custom roles
    ctx: GcpContext
    model_user: bool = False  # the zone runs Vertex AI and some team above viewer calls it
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the IAM API


class TeamRoles(pulumi.ComponentResource):
    """The zone's custom roles, shared by every team that needs them."""

    model_user: gcp.projects.IAMCustomRole | None

    def __init__(self, name_: str, args: TeamRolesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ROLES_TYPE, name_, None, opts)
        z = args.name
        self.model_user = None
        if args.model_user:
            self.model_user = gcp.projects.IAMCustomRole(
                f"{z}-{MODEL_USER}", project=args.ctx.project,
                role_id=underscored(CUSTOM_ROLE.render(z, MODEL_USER)),
                title=f"{z} model user", stage="GA", permissions=MODEL_USER_PERMISSIONS,
                description="Call the zone's Vertex AI endpoints; query and update its vector indexes.",
                opts=child(self, depends_on=args.depends_on))
        self.register_outputs({"modelUser": self.model_user.name if self.model_user else None})


@dataclass
class TeamAccessArgs:
    name: str  # the zone's name: prefix of the logical names
    ctx: GcpContext
    team: str  # the team's key: its namespace and logical names
    role: str  # viewer | developer | admin
    roles: TeamRoles
    bucket: pulumi.Input[str]  # the zone's model bucket name
    k8s_provider: pulumi.ProviderResource
    members: list[str] = field(default_factory=list)  # IAM members: user:, group:, serviceAccount:
    gpu_quota: int = 4  # nvidia.com/gpu requests the team namespace may hold
    vertex: bool = False  # the zone runs Vertex AI (endpoints or Vector Search): grant its viewer role
    alloydb: bool = False  # the zone runs AlloyDB: developers and admins get database login


class TeamAccess(pulumi.ComponentResource):
    bindings: list[pulumi.CustomResource]

    def __init__(self, name_: str, args: TeamAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        ctx, z, key, members = args.ctx, args.name, args.team, args.members
        custom = args.roles.model_user.name if args.roles.model_user else None
        self.bindings = []
        for role in project_roles(args.role, custom, vertex=args.vertex, alloydb=args.alloydb):
            if (role if isinstance(role, str) else MODEL_USER) not in PROJECT_SCOPE:
                raise ValueError(f"team role {role} has no reason to be a project binding (PROJECT_SCOPE)")
            for member in members:
                self.bindings.append(gcp.projects.IAMMember(
                    f"{z}-{key}-{_short(role)}-{_digest(member)}", project=ctx.project, role=role,
                    member=member, opts=child(self)))
        for member in members:
            self.bindings.append(gcp.storage.BucketIAMMember(
                f"{z}-{key}-bucket-{_digest(member)}", bucket=args.bucket, role=BUCKET_ROLE[args.role],
                member=member, opts=child(self)))
        self.namespace = TeamNamespace(
            f"{z}-{key}", TeamNamespaceArgs(team=key, role=args.role, gpu_quota=args.gpu_quota,
                                            subjects=[k8s_subject(m) for m in members]),
            opts=pulumi.ResourceOptions(parent=self, provider=args.k8s_provider))
        self.register_outputs({"members": len(members)})
