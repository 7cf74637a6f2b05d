"""Vector stores: Azure AI Search (``ai-search``) and Azure Cosmos DB for NoSQL with vector search (``cosmosdb``).

Both: no public network access, Entra ID only (local keys and API keys disabled), customer-managed keys,
a private endpoint with its private DNS zone, diagnostic settings, stateful options and a CanNotDelete lock
in prod. Callers get data-plane roles from rbac.py (teams).

AI Search indexes (where ``dimensions`` and ``metric`` live) are data-plane objects ARM cannot create; the
component exports the index definition to create, with the CMK ``encryptionKey`` that enforcement requires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import ALL_LOGS, ALL_METRICS, AzureContext, LogSink, delete_lock, diagnostics
from llmops_landing_zone.components.azure.keys import Keys
from llmops_landing_zone.components.azure.network import Network
from llmops_landing_zone.components.common import stateful
from llmops_landing_zone.components.naming import name

SEARCH_TYPE = "llmops:azure:AiSearch"
COSMOS_TYPE = "llmops:azure:CosmosVectorStore"
VECTOR_PATH = "/embedding"
DATABASE, CONTAINER = "vectors", "embeddings"
# Distance per config metric: AI Search HNSW ``metric`` and Cosmos DB ``distanceFunction``.
SEARCH_METRIC = {"cosine": "cosine", "dot-product": "dotProduct", "euclidean": "euclidean"}
COSMOS_DISTANCE = {"cosine": "cosine", "dot-product": "dotproduct", "euclidean": "euclidean"}
# Cosmos DB exports one metric category through diagnostic settings.
COSMOS_METRICS = [{"category": "Requests", "enabled": True}]


@dataclass
class VectorStoreArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: AzureContext
    key: str  # the store's key: part of its names (and the AI Search index name)
    engine: str  # ai-search | cosmosdb
    dimensions: int
    network: Network  # the resource group and the private endpoint
    keys: Keys  # the customer-managed key and its identity
    sink: LogSink  # where diagnostic settings send the store's logs
    metric: str = "cosine"  # cosine | dot-product | euclidean
    environment: str = "prod"  # dev | staging | prod: prod runs replicated, zone-redundant tiers
    protect: bool = True  # protect + retainOnDelete on the service, account, database and container
    deletion_protection: bool = True  # CanNotDelete locks

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"


def search_index_definition(args: VectorStoreArgs, vault_uri: str, key_name: str, identity_id: str) -> str:
    """The index to create with the data-plane API (PUT /indexes/<name>): one vector field of ``dimensions``
    with HNSW on ``metric``, encrypted with the zone's data key through the CMK identity."""
    return json.dumps({
        "name": args.key,
        "fields": [
            {"name": "id", "type": "Edm.String", "key": True, "filterable": True},
            {"name": "content", "type": "Edm.String", "searchable": True},
            {"name": VECTOR_PATH.strip("/"), "type": "Collection(Edm.Single)", "searchable": True,
             "dimensions": args.dimensions, "vectorSearchProfile": "default"},
        ],
        "vectorSearch": {
            "algorithms": [{"name": "hnsw", "kind": "hnsw",
                            "hnswParameters": {"metric": SEARCH_METRIC[args.metric]}}],
            "profiles": [{"name": "default", "algorithm": "hnsw"}],
        },
        "encryptionKey": {"keyVaultUri": vault_uri, "keyVaultKeyName": key_name,
                          "identity": {"@odata.type": "#Microsoft.Azure.Search.DataUserAssignedIdentity",
                                       "userAssignedIdentity": identity_id}},
    }, sort_keys=True)


class AiSearch(pulumi.ComponentResource):
    def __init__(self, name_: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(SEARCH_TYPE, name_, None, opts)
        z, ctx, key, keys, prod = args.name, args.ctx, args.key, args.keys, args.is_prod
        self.service_name = names.SEARCH_SERVICE.render(z, key, suffix=ctx.suffix)
        # Prod: Standard with two replicas (the read SLA needs two); dev: one Basic replica.
        self.service = azure.search.Service(
            name(z, key, "search"), search_service_name=self.service_name,
            resource_group_name=args.network.resource_group.name, location=ctx.location,
            sku={"name": "standard" if prod else "basic"}, replica_count=2 if prod else 1,
            partition_count=1, hosting_mode="Default",
            public_network_access="Disabled", disable_local_auth=True,
            # Enforcement makes the service refuse indexes and synonym maps without a customer-managed key.
            encryption_with_cmk={"enforcement": "Enabled"},
            identity={"type": "UserAssigned", "user_assigned_identities": [keys.cmk_identity.id]},
            opts=stateful(args.protect, self, depends_on=keys.cmk_grants))
        delete_lock(name(z, key, "search-lock"), z, scope=self.service.id, parent=self,
                    what=f"AI Search service {self.service_name}", deletion_protection=args.deletion_protection)
        self.endpoint = args.network.private_endpoint(name(z, key, "search-pe"), target_id=self.service.id,
                                                      group_id="searchService", parent=self)
        diagnostics(name(z, key, "search-diag"), z, resource_id=self.service.id, sink=args.sink, parent=self,
                    logs=ALL_LOGS, metrics=ALL_METRICS)
        self.url = f"https://{self.service_name}.search.windows.net"
        self.index_definition = pulumi.Output.all(
            keys.vault.properties.vault_uri, keys.keys["data"].name, keys.cmk_identity.id).apply(
            lambda v: search_index_definition(args, *v))
        self.register_outputs({"url": self.url, "indexDefinition": self.index_definition})


class CosmosVectorStore(pulumi.ComponentResource):
    """A Cosmos DB for NoSQL account with the vector search capability, a database and a container whose
    vector embedding policy and diskANN vector index follow ``dimensions`` and ``metric``."""

    def __init__(self, name_: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(COSMOS_TYPE, name_, None, opts)
        z, ctx, key, keys, prod = args.name, args.ctx, args.key, args.keys, args.is_prod
        rg = args.network.resource_group.name
        self.account_name = names.COSMOS_ACCOUNT.render(z, key, suffix=ctx.suffix)
        capabilities = [{"name": "EnableNoSQLVectorSearch"}]
        if not prod:
            capabilities.append({"name": "EnableServerless"})  # dev pays per request, not per hour
        self.account = azure.cosmosdb.DatabaseAccount(
            name(z, key, "cosmos"), account_name=self.account_name, resource_group_name=rg, location=ctx.location,
            kind="GlobalDocumentDB", database_account_offer_type="Standard",
            locations=[{"location_name": ctx.location, "failover_priority": 0, "is_zone_redundant": prod}],
            consistency_policy={"default_consistency_level": "Session"},
            capabilities=capabilities,
            disable_local_auth=True, disable_key_based_metadata_write_access=True,
            public_network_access="Disabled", network_acl_bypass="None", minimal_tls_version="Tls12",
            # CMK through the zone's CMK identity (versionless URI: Cosmos DB follows key rotation).
            key_vault_key_uri=keys.key_uri("data"),
            identity={"type": "UserAssigned", "user_assigned_identities": [keys.cmk_identity.id]},
            default_identity=pulumi.Output.concat("UserAssignedIdentity=", keys.cmk_identity.id),
            backup_policy={"type": "Continuous",
                           "continuous_mode_properties": {"tier": "Continuous30Days" if prod
                                                          else "Continuous7Days"}},
            opts=stateful(args.protect, self, depends_on=keys.cmk_grants))
        delete_lock(name(z, key, "cosmos-lock"), z, scope=self.account.id, parent=self,
                    what=f"Cosmos DB account {self.account_name}", deletion_protection=args.deletion_protection)
        self.endpoint = args.network.private_endpoint(name(z, key, "cosmos-pe"), target_id=self.account.id,
                                                      group_id="Sql", parent=self)
        self.database = azure.cosmosdb.SqlResourceSqlDatabase(
            name(z, key, "cosmos-db"), account_name=self.account.name, resource_group_name=rg, database_name=DATABASE,
            resource={"id": DATABASE},
            # Serverless accounts take no throughput; prod shares autoscale throughput across containers.
            options=None if not prod else {"autoscale_settings": {"max_throughput": 4000}},
            opts=stateful(args.protect, self))
        self.container = azure.cosmosdb.SqlResourceSqlContainer(
            name(z, key, "cosmos-container"), account_name=self.account.name, resource_group_name=rg,
            database_name=self.database.name, container_name=CONTAINER,
            resource={
                "id": CONTAINER,
                "partition_key": {"paths": ["/id"], "kind": "Hash", "version": 2},
                "vector_embedding_policy": {"vector_embeddings": [{
                    "path": VECTOR_PATH, "data_type": "float32", "dimensions": args.dimensions,
                    "distance_function": COSMOS_DISTANCE[args.metric]}]},
                "indexing_policy": {
                    "indexing_mode": "consistent", "automatic": True,
                    "included_paths": [{"path": "/*"}],
                    # The vector path stays out of the range index: it only gets the vector index.
                    "excluded_paths": [{"path": '/"_etag"/?'}, {"path": f"{VECTOR_PATH}/*"}],
                    "vector_indexes": [{"path": VECTOR_PATH, "type": "diskANN"}],
                },
            },
            # A vector policy is refused until the account's vector capability exists.
            opts=stateful(args.protect, self, depends_on=[self.account]))
        diagnostics(name(z, key, "cosmos-diag"), z, resource_id=self.account.id, sink=args.sink, parent=self,
                    logs=ALL_LOGS, metrics=COSMOS_METRICS)
        self.url = f"https://{self.account_name}.documents.azure.com:443/"
        self.register_outputs({"url": self.url, "database": DATABASE, "container": CONTAINER})


def vector_store(name_: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None
                 ) -> AiSearch | CosmosVectorStore:
    cls = AiSearch if args.engine == "ai-search" else CosmosVectorStore
    return cls(name_, args, opts)
