"""Project: the APIs the zone calls, enabled before anything uses them, and where the zone is deployed.

Enabling an API is idempotent and disabling one on destroy would break anything else in the project that
uses it, so every ``Service`` keeps ``disable_on_destroy=False``. Which APIs are enabled follows the config:
AlloyDB, Vertex AI and billing budgets only when the zone uses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child

TYPE = "llmops:gcp:ProjectServices"

# Needed by every zone: VPC + GKE + CMEK + IAM (Workload Identity tokens) + logs/metrics + the model bucket.
BASE_APIS = (
    "compute.googleapis.com",
    "container.googleapis.com",
    "cloudkms.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "cloudresourcemanager.googleapis.com",  # project IAM bindings and audit configs
    "servicenetworking.googleapis.com",  # private services access (managed databases)
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "storage.googleapis.com",
    "artifactregistry.googleapis.com",  # node image pulls from Artifact Registry
)


def required_apis(*, vector_engines: Iterable[str] = (), managed_serving: bool = False, budget: bool = False,
                  binary_authorization: bool = False, secrets: bool = False) -> list[str]:
    """The base APIs plus those of what the zone runs: Vertex AI (Vector Search or managed endpoints), AlloyDB,
    billing budgets (with Pub/Sub for their alerts) and Binary Authorization (enforced by prod clusters)."""
    apis = list(BASE_APIS)
    engines = set(vector_engines)
    if "vertex-vector-search" in engines or managed_serving:
        apis.append("aiplatform.googleapis.com")
    if "alloydb" in engines:
        apis.append("alloydb.googleapis.com")
    if budget:
        apis += ["billingbudgets.googleapis.com", "pubsub.googleapis.com"]
    if binary_authorization:
        apis.append("binaryauthorization.googleapis.com")
    if secrets:  # the AI gateway's team keys
        apis.append("secretmanager.googleapis.com")
    return apis


@dataclass(frozen=True)
class GcpContext:
    """Where the zone is deployed, resolved once: project id and number, region, and the zones GKE spans."""

    project: str
    region: str
    number: pulumi.Output[str]
    zones: pulumi.Output[list[str]]

    @classmethod
    def lookup(cls, project: str, region: str, zones: int, services: ProjectServices) -> GcpContext:
        """The project's number and the first ``zones`` zones of ``region``. The invokes wait for the APIs they
        call: a new project has neither Compute Engine nor Resource Manager enabled, and the first
        ``pulumi up`` enables them."""
        assert project and region, "config validation requires gcp:project and gcp:region"
        number = gcp.organizations.get_project_output(
            project_id=project,
            opts=pulumi.InvokeOutputOptions(depends_on=services.deps("cloudresourcemanager"))).number
        # The first ``zones`` zones that are UP, in name order, so the list is stable between runs.
        up = gcp.compute.get_zones_output(
            project=project, region=region, status="UP",
            opts=pulumi.InvokeOutputOptions(depends_on=services.deps("compute"))).names.apply(
            lambda names: sorted(names)[:zones])
        return cls(project, region, number, up)

    def agent(self, domain: str) -> pulumi.Output[str]:
        """The per-project service agent ``service-<number>@<domain>`` as an IAM member."""
        return self.number.apply(lambda n: f"serviceAccount:service-{n}@{domain}")


@dataclass
class ProjectServicesArgs:
    name: str  # the zone's name: prefix of the logical names
    project: str
    apis: list[str] = field(default_factory=lambda: list(BASE_APIS))  # see required_apis


class ProjectServices(pulumi.ComponentResource):
    services: dict[str, gcp.projects.Service]

    def __init__(self, name: str, args: ProjectServicesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.services = {
            api: gcp.projects.Service(f"{args.name}-api-{api.split('.')[0]}", project=args.project, service=api,
                                      disable_on_destroy=False, opts=child(self))
            for api in args.apis
        }
        self.register_outputs({"apis": sorted(self.services)})

    def deps(self, *apis: str) -> list[pulumi.Resource]:
        """The ``Service`` resources for ``apis`` (short names like "container"), to put into depends_on."""
        return [s for api, s in self.services.items() if api.split(".")[0] in apis]
