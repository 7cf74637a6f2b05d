"""Audit: data-access audit logs for the zone's services, kept in a CMEK log bucket of their own.

Admin Activity logs are always on in GCP; Data Access logs are off by default (except BigQuery), so the zone
turns on ADMIN_READ, DATA_READ and DATA_WRITE for Vertex AI, Cloud Storage and GKE
(https://cloud.google.com/logging/docs/audit/configure-data-access). A project sink copies every audit log
(``cloudaudit.googleapis.com`` log names: activity, data access, system event, policy denied) into a regional
log bucket encrypted with the zone's log key, retained ``audit.retentionDays`` and locked when
``audit.immutable`` (a locked bucket cannot be deleted and its retention cannot be lowered: WORM). The sink
writes to a bucket of its own project, which needs no grant for its writer identity
(https://cloud.google.com/logging/docs/export/configure_export_v2#dest-auth).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.naming import name

TYPE = "llmops:gcp:Audit"
AUDITED_SERVICES = ("aiplatform.googleapis.com", "storage.googleapis.com", "container.googleapis.com")
LOG_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
AUDIT_FILTER = 'logName:"cloudaudit.googleapis.com"'


@dataclass
class AuditArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: GcpContext
    encryption_key: pulumi.Input[str]  # the Cloud KMS key id that encrypts the log bucket (CMEK)
    services: ProjectServices  # the sink and audit configs wait for the APIs they call
    retention_days: int = 365  # audit.retentionDays
    immutable: bool = True  # lock the log bucket (WORM: no deletion, retention cannot be lowered)
    protect: bool = True  # protect + retainOnDelete on the log bucket
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before the log bucket: the key's grants


class Audit(pulumi.ComponentResource):
    configs: list[gcp.projects.IAMAuditConfig]
    bucket: gcp.logging.ProjectBucketConfig
    sink: gcp.logging.ProjectSink

    def __init__(self, name_: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        ctx, z = args.ctx, args.name
        self.configs = [
            gcp.projects.IAMAuditConfig(
                f"{z}-audit-{service.split('.')[0]}", project=ctx.project, service=service,
                audit_log_configs=[{"log_type": t} for t in LOG_TYPES],
                opts=child(self, depends_on=args.services.deps("cloudresourcemanager")))
            for service in AUDITED_SERVICES
        ]
        self.bucket_id = name(z, "audit")
        self.bucket = gcp.logging.ProjectBucketConfig(
            f"{z}-audit", project=ctx.project, location=ctx.region, bucket_id=self.bucket_id,
            description=f"{z} audit logs", retention_days=args.retention_days,
            cmek_settings={"kms_key_name": args.encryption_key}, locked=args.immutable,
            opts=stateful(args.protect, self, depends_on=[*args.depends_on, *args.services.deps("logging")]))
        self.destination = (f"logging.googleapis.com/projects/{ctx.project}/locations/{ctx.region}/"
                            f"buckets/{self.bucket_id}")
        self.sink = gcp.logging.ProjectSink(
            f"{z}-audit", name=name(z, "audit"), project=ctx.project, destination=self.destination,
            filter=AUDIT_FILTER, unique_writer_identity=True,
            description=f"{z}: every audit log to {self.bucket_id}",
            opts=child(self, depends_on=[self.bucket]))
        self.register_outputs({"bucket": self.destination, "sink": self.sink.name,
                               "writerIdentity": self.sink.writer_identity})
