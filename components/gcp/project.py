"""Project: the APIs the zone calls, enabled before anything uses them, and where the zone is deployed.

Enabling an API is idempotent and disabling one on destroy would break anything else in the project that
uses it, so every ``Service`` keeps ``disable_on_destroy=False``. Which APIs are enabled follows the config:
AlloyDB, Vertex AI and billing budgets only when the zone uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.config.models import ZoneConfig

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


def required_apis(cfg: ZoneConfig) -> list[str]:
    apis = list(BASE_APIS)
    engines = {s.engine for s in cfg.vector_stores.values()}
    if "vertex-vector-search" in engines or any(e.runtime == "managed" for e in cfg.endpoints.values()):
        apis.append("aiplatform.googleapis.com")
    if "alloydb" in engines:
        apis.append("alloydb.googleapis.com")
    if cfg.budget is not None:
        apis += ["billingbudgets.googleapis.com", "pubsub.googleapis.com"]
    if cfg.is_prod:
        apis.append("binaryauthorization.googleapis.com")  # the cluster enforces the project's policy in prod
    return apis


@dataclass(frozen=True)
class GcpContext:
    """Where the zone is deployed, resolved once: project id and number, region, and the zones GKE spans."""

    project: str
    region: str
    number: pulumi.Output[str]
    zones: pulumi.Output[list[str]]

    @classmethod
    def lookup(cls, cfg: ZoneConfig, services: ProjectServices) -> GcpContext:
        """The invokes wait for the APIs they call: a new project has neither Compute Engine nor Resource
        Manager enabled, and the first ``pulumi up`` enables them."""
        assert cfg.project and cfg.region, "config validation requires gcp:project and gcp:region"
        number = gcp.organizations.get_project_output(
            project_id=cfg.project,
            opts=pulumi.InvokeOutputOptions(depends_on=services.deps("cloudresourcemanager"))).number
        # The first ``network.zones`` zones that are UP, in name order, so the list is stable between runs.
        zones = gcp.compute.get_zones_output(
            project=cfg.project, region=cfg.region, status="UP",
            opts=pulumi.InvokeOutputOptions(depends_on=services.deps("compute"))).names.apply(
            lambda names: sorted(names)[: cfg.network.zones])
        return cls(cfg.project, cfg.region, number, zones)

    def agent(self, domain: str) -> pulumi.Output[str]:
        """The per-project service agent ``service-<number>@<domain>`` as an IAM member."""
        return self.number.apply(lambda n: f"serviceAccount:service-{n}@{domain}")


class ProjectServices(pulumi.ComponentResource):
    services: dict[str, gcp.projects.Service]

    def __init__(self, name: str, cfg: ZoneConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.services = {
            api: gcp.projects.Service(f"{cfg.name}-api-{api.split('.')[0]}", project=cfg.project, service=api,
                                      disable_on_destroy=False, opts=child(self))
            for api in required_apis(cfg)
        }
        self.register_outputs({"apis": sorted(self.services)})

    def deps(self, *apis: str) -> list[pulumi.Resource]:
        """The ``Service`` resources for ``apis`` (short names like "container"), to put into depends_on."""
        return [s for api, s in self.services.items() if api.split(".")[0] in apis]
