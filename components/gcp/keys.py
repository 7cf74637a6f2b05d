"""Keys: one Cloud KMS key ring per zone and one key per purpose, rotated every 90 days.

Each Google service agent that encrypts with a key gets ``roles/cloudkms.cryptoKeyEncrypterDecrypter`` on
that key only, never on the ring or the project, so a compromised agent binding reaches one purpose's data.
Resources that use a key depend on its grants: a service creating a CMEK resource before its agent can use
the key fails (e.g. https://cloud.google.com/kubernetes-engine/docs/how-to/encrypting-secrets).

Prod keys live in Cloud HSM (FIPS 140-2 level 3); dev keys are software keys (same API, far cheaper).
Keys and rings are stateful: Cloud KMS never deletes them, and deleting a key's versions would make every
byte encrypted with it unreadable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child, stateful, tagged
from llmops_landing_zone.components.gcp.project import GcpContext
from llmops_landing_zone.components.naming import name

TYPE = "llmops:gcp:Keys"
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
ROTATION = "7776000s"  # 90 days
# A destroyed key version stays restorable this long (the Cloud KMS maximum is 120 days).
DESTROY_SCHEDULED = "2592000s"  # 30 days

GKE_SECRETS = "gke-secrets"  # application-layer encryption of Kubernetes Secrets in etcd
BOOT_DISK = "boot-disk"  # node boot disks
LOGS = "logs"  # the audit log bucket
DATA = "data"  # model bucket, Vertex AI endpoints and indexes, AlloyDB, the budget topic, gateway keys
PURPOSES = (GKE_SECRETS, BOOT_DISK, LOGS, DATA)
# (purpose, agent, IAM member, resources the grant must wait for)
Agent = tuple[str, str, pulumi.Input[str], list[pulumi.Resource]]


class ApiDependencies(Protocol):
    """The project's enabled APIs (``project.ProjectServices`` in the zone): what a resource calling an API
    waits for. A program whose APIs are enabled already passes an object whose ``deps`` returns []."""

    def deps(self, *apis: str) -> list[pulumi.Resource]: ...


@dataclass
class KeysArgs:
    """``prefix`` names the ring and keys; ``hsm`` puts them in Cloud HSM (prod); ``protect`` protects and
    retains them; ``services`` are the project's enabled APIs the keys and agents wait for."""

    prefix: str
    ctx: GcpContext
    services: ApiDependencies
    hsm: bool = False
    protect: bool = False
    labels: dict[str, str] = field(default_factory=dict)


class Keys(pulumi.ComponentResource):
    ring: gcp.kms.KeyRing
    keys: dict[str, gcp.kms.CryptoKey]
    grants: dict[str, list[gcp.kms.CryptoKeyIAMMember]]

    def __init__(self, name_: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, tagged(opts, labels=args.labels))
        ctx, services = args.ctx, args.services
        z = args.prefix
        self.ring = gcp.kms.KeyRing(f"{z}-keys", name=name(z, "keys"), project=ctx.project,
                                    location=ctx.region,
                                    opts=stateful(args.protect, self, depends_on=services.deps("cloudkms")))
        level = "HSM" if args.hsm else "SOFTWARE"
        self.keys = {
            purpose: gcp.kms.CryptoKey(
                f"{z}-{purpose}", name=name(z, purpose), key_ring=self.ring.id, purpose="ENCRYPT_DECRYPT",
                rotation_period=ROTATION, destroy_scheduled_duration=DESTROY_SCHEDULED,
                version_template={"algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION", "protection_level": level},
                opts=stateful(args.protect, self))
            for purpose in PURPOSES
        }
        self.grants = {purpose: [] for purpose in PURPOSES}
        for purpose, agent, member, deps in self._agents(z, ctx, services):
            self.grants[purpose].append(gcp.kms.CryptoKeyIAMMember(
                f"{z}-{purpose}-{agent}", crypto_key_id=self.keys[purpose].id, role=ENCRYPTER_DECRYPTER,
                member=member, opts=child(self, depends_on=deps)))
        self.register_outputs({"ring": self.ring.id, **{p: k.id for p, k in self.keys.items()}})

    def _agents(self, z: str, ctx: GcpContext, services: ApiDependencies) -> Iterator[Agent]:
        """(purpose, agent, IAM member, dependencies) for every service agent that uses a zone key."""
        # GKE and Compute Engine agents exist as soon as their API is enabled; their ids follow the project
        # number (https://cloud.google.com/iam/docs/service-agents).
        yield GKE_SECRETS, "gke", ctx.agent("container-engine-robot.iam.gserviceaccount.com"), \
            services.deps("container")
        yield (BOOT_DISK, "compute", ctx.agent("compute-system.iam.gserviceaccount.com"),
               services.deps("compute"))
        # Cloud Logging encrypts log buckets with its own per-project service account.
        logging_sa = gcp.logging.get_project_cmek_settings_output(
            project=ctx.project, opts=pulumi.InvokeOutputOptions(depends_on=services.deps("logging")))
        yield LOGS, "logging", logging_sa.service_account_id.apply(lambda sa: f"serviceAccount:{sa}"), []
        # Reading the Cloud Storage agent also creates it if the project has none yet.
        storage = gcp.storage.get_project_service_account_output(
            project=ctx.project, opts=pulumi.InvokeOutputOptions(depends_on=services.deps("storage")))
        yield DATA, "storage", storage.member, []
        # Agents that exist only once generated: ServiceIdentity creates them before any grant.
        for api in ("aiplatform", "alloydb", "pubsub", "secretmanager"):
            deps = services.deps(api)
            if not deps:  # the zone does not use this service
                continue
            identity = gcp.projects.ServiceIdentity(
                f"{z}-{api}-agent", project=ctx.project, service=f"{api}.googleapis.com",
                opts=child(self, depends_on=deps))
            yield DATA, api, identity.member, [identity]

    def key(self, purpose: str) -> pulumi.Output[str]:
        """The key's full resource id (``projects/.../cryptoKeys/<name>``): what every CMEK field takes."""
        return self.keys[purpose].id

    def ready(self, purpose: str) -> list[pulumi.Resource]:
        """Depend on these before creating anything encrypted with ``purpose``'s key."""
        return [self.keys[purpose], *self.grants[purpose]]
