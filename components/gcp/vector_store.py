"""Vector stores: Vertex AI Vector Search or AlloyDB for PostgreSQL, private and CMEK-encrypted.

``vertex-vector-search``: a streaming index (``STREAM_UPDATE``: upserts are searchable in seconds, no batch
rebuilds) with the config's dimensions and metric, an index endpoint reachable only through Private Service
Connect, the deployed index, and a PSC endpoint (an internal address plus a forwarding rule to the deployed
index's service attachment) in the zone's subnet. Deployed indexes bill per node-hour even when idle; dev
runs the small shard on e2-standard-2, prod the medium shard on e2-standard-16 with two replicas
(machine types per shard size: https://cloud.google.com/vertex-ai/docs/vector-search/deploy-index-public).

``alloydb``: a cluster on the zone's private services access range (AlloyDB has private IPs only) and a
primary instance (regional HA in prod), CMEK for data, backups and the continuous-backup log, daily automated
backups, IAM database authentication (no password to manage) and TLS-only connections. Vectors use the
``vector`` and ``alloydb_scann`` extensions (``CREATE EXTENSION`` is a database step, not infrastructure).
Prod clusters carry AlloyDB's deletion protection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child, stateful
from llmops_landing_zone.components.gcp.names import ALLOYDB_CLUSTER, ALLOYDB_INSTANCE, DEPLOYED_INDEX, underscored
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.naming import name

VECTOR_SEARCH_TYPE = "llmops:gcp:VectorSearch"
ALLOYDB_TYPE = "llmops:gcp:AlloyDbVectorStore"

DISTANCE = {"cosine": "COSINE_DISTANCE", "dot-product": "DOT_PRODUCT_DISTANCE",
            "euclidean": "SQUARED_L2_DISTANCE"}
# (shard size, machine type, min replicas, max replicas) for dev and for staging/prod.
INDEX_SERVING = {False: ("SHARD_SIZE_SMALL", "e2-standard-2", 1, 2),
                 True: ("SHARD_SIZE_MEDIUM", "e2-standard-16", 2, 4)}
ALLOYDB_VERSION = "POSTGRES_16"
WEEK = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]


@dataclass
class VectorStoreArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: GcpContext
    key: str  # the store's key: part of its names
    dimensions: int
    encryption_key: pulumi.Input[str]  # the Cloud KMS key id of the data (CMEK)
    network_id: pulumi.Input[str]  # the zone's VPC
    services: ProjectServices  # the store waits for the APIs it calls
    metric: str = "cosine"  # cosine | dot-product | euclidean
    environment: str = "prod"  # dev | staging | prod: dev runs the small tier, prod adds access logs
    protect: bool = True  # protect + retainOnDelete on the index or the database
    deletion_protection: bool = True  # AlloyDB's own deletion protection
    subnet_id: pulumi.Input[str] | None = None  # Vector Search: the PSC endpoint's subnet
    allocated_ip_range: pulumi.Input[str] | None = None  # AlloyDB: the private services access range's name
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the key's grants; AlloyDB: the range peering


class VectorSearch(pulumi.ComponentResource):
    index: gcp.vertex.AiIndex
    index_endpoint: gcp.vertex.AiIndexEndpoint
    deployed_index: gcp.vertex.AiIndexEndpointDeployedIndex
    forwarding_rule: gcp.compute.ForwardingRule

    def __init__(self, name_: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(VECTOR_SEARCH_TYPE, name_, None, opts)
        ctx, z, key = args.ctx, args.name, args.key
        assert args.subnet_id is not None, "Vector Search needs the subnet of its PSC endpoint"
        shard, machine, low, high = INDEX_SERVING[args.environment != "dev"]
        cmek = {"kms_key_name": args.encryption_key}
        deps = [*args.services.deps("aiplatform"), *args.depends_on]
        self.index = gcp.vertex.AiIndex(
            f"{z}-{key}", project=ctx.project, region=ctx.region, display_name=name(z, key),
            description=f"{z} vector store {key}", index_update_method="STREAM_UPDATE", encryption_spec=cmek,
            metadata={"config": {
                "dimensions": args.dimensions, "distance_measure_type": DISTANCE[args.metric],
                "approximate_neighbors_count": 150, "shard_size": shard,
                "algorithm_config": {"tree_ah_config": {"leaf_node_embedding_count": 1000,
                                                        "leaf_nodes_to_search_percent": 10}}}},
            opts=stateful(args.protect, self, depends_on=deps))
        self.index_endpoint = gcp.vertex.AiIndexEndpoint(
            f"{z}-{key}", project=ctx.project, region=ctx.region, display_name=name(z, key),
            public_endpoint_enabled=False, encryption_spec=cmek,
            private_service_connect_config={"enable_private_service_connect": True,
                                            "project_allowlists": [ctx.project]},
            opts=child(self, depends_on=deps))
        self.deployed_index = gcp.vertex.AiIndexEndpointDeployedIndex(
            f"{z}-{key}", region=ctx.region, index_endpoint=self.index_endpoint.id, index=self.index.id,
            deployed_index_id=underscored(DEPLOYED_INDEX.render(z, key)), display_name=name(z, key),
            dedicated_resources={"machine_spec": {"machine_type": machine}, "min_replica_count": low,
                                 "max_replica_count": high},
            enable_access_logging=args.environment == "prod", opts=child(self))
        # The consumer side of PSC: an address in the zone's subnet, forwarded to the service attachment.
        self.address = gcp.compute.Address(
            f"{z}-{key}-psc", name=name(z, key, "psc"), project=ctx.project, region=ctx.region,
            subnetwork=args.subnet_id, address_type="INTERNAL", opts=child(self))
        attachment = self.deployed_index.private_endpoints.apply(
            lambda eps: eps[0].service_attachment if eps else None)
        self.forwarding_rule = gcp.compute.ForwardingRule(
            f"{z}-{key}-psc", name=name(z, key, "psc"), project=ctx.project, region=ctx.region,
            network=args.network_id, ip_address=self.address.id, target=attachment,
            load_balancing_scheme="",  # PSC endpoints to a service attachment take no scheme
            opts=child(self))
        self.register_outputs({"index": self.index.id, "indexEndpoint": self.index_endpoint.id,
                               "address": self.address.address})


class AlloyDbVectorStore(pulumi.ComponentResource):
    cluster: gcp.alloydb.Cluster
    primary: gcp.alloydb.Instance

    def __init__(self, name_: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ALLOYDB_TYPE, name_, None, opts)
        ctx, z, key = args.ctx, args.name, args.key
        assert args.allocated_ip_range is not None, "AlloyDB needs the private services access range"
        prod = args.environment != "dev"
        cmek = {"kms_key_name": args.encryption_key}
        retention_days = 30 if prod else 7
        self.cluster = gcp.alloydb.Cluster(
            f"{z}-{key}", cluster_id=ALLOYDB_CLUSTER.render(z, key), project=ctx.project, location=ctx.region,
            display_name=name(z, key), database_version=ALLOYDB_VERSION,
            network_config={"network": args.network_id, "allocated_ip_range": args.allocated_ip_range},
            encryption_config=cmek,
            automated_backup_policy={
                "enabled": True, "location": ctx.region, "backup_window": "3600s", "encryption_config": cmek,
                "weekly_schedule": {"days_of_weeks": WEEK, "start_times": [{"hours": 2}]},
                "time_based_retention": {"retention_period": f"{retention_days * 86400}s"}},
            continuous_backup_config={"enabled": True, "recovery_window_days": 14 if prod else 1,
                                      "encryption_config": cmek},
            deletion_protection=args.deletion_protection,
            opts=stateful(args.protect, self, depends_on=[*args.services.deps("alloydb"), *args.depends_on]))
        self.primary = gcp.alloydb.Instance(
            f"{z}-{key}-primary", cluster=self.cluster.name, instance_id=ALLOYDB_INSTANCE.render(z, key),
            instance_type="PRIMARY", availability_type="REGIONAL" if prod else "ZONAL",
            machine_config={"cpu_count": 4 if prod else 2},
            database_flags={"alloydb.iam_authentication": "on"},
            network_config={"enable_public_ip": False},
            client_connection_config={"ssl_config": {"ssl_mode": "ENCRYPTED_ONLY"}},
            opts=stateful(args.protect, self))
        self.register_outputs({"cluster": self.cluster.name, "primary": self.primary.name})
