"""Stateful components used without the zone: each takes typed Args of plain values and other resources'
outputs, no ZoneConfig. One per cloud: the AWS Aurora vector store, the GCP audit log bucket, the GCP AlloyDB
vector store and the Azure Cosmos DB vector store; ``protect`` decides protect + retainOnDelete on every
resource holding data, ``deletion_protection`` the cloud-side guard."""

from __future__ import annotations

from types import SimpleNamespace

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure
import pulumi_gcp as gcp
import pytest

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.components.aws.base import AwsContext
from llmops_landing_zone.components.aws.vector_store import VectorStoreArgs as AwsStoreArgs
from llmops_landing_zone.components.aws.vector_store import vector_store as aws_vector_store
from llmops_landing_zone.components.azure.base import AzureContext, LogSink
from llmops_landing_zone.components.azure.vector_store import CosmosVectorStore
from llmops_landing_zone.components.azure.vector_store import VectorStoreArgs as AzureStoreArgs
from llmops_landing_zone.components.gcp.audit import Audit, AuditArgs
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices, ProjectServicesArgs, required_apis
from llmops_landing_zone.components.gcp.vector_store import AlloyDbVectorStore
from llmops_landing_zone.components.gcp.vector_store import VectorStoreArgs as GcpStoreArgs
from llmops_landing_zone.components.plan import PlannedResource
from llmops_landing_zone.llz import engine
from llmops_landing_zone.llz.mocks import AZURE_SUBSCRIPTION

STACK = "store-only"


def _run(program, region: str, project: str = "") -> list[PlannedResource]:
    records, mocks = engine.run(program, stack=STACK, config={}, region=region, gcp_project=project)
    assert not mocks.unmocked_calls
    return records


def _one(records: list[PlannedResource], type_: str) -> PlannedResource:
    [found] = [r for r in records if r.type == type_]
    return found


# --- AWS: Aurora PostgreSQL (pgvector) ---------------------------------------------------------------------

def _aurora(protect: bool, environment: str) -> list[PlannedResource]:
    def program() -> None:
        ctx = AwsContext("111122223333", "us-east-1", "aws", "amazonaws.com", ("us-east-1a", "us-east-1b"))
        key = aws.kms.Key("data", enable_key_rotation=True)
        vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
        subnets = [aws.ec2.Subnet(f"s{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24") for i in range(2)]
        nodes = aws.ec2.SecurityGroup("nodes", vpc_id=vpc.id)
        aws_vector_store("ml-vector-rag", AwsStoreArgs(
            "ml", ctx, "rag", "aurora-pgvector", 768, encryption_key=key.arn, log_key_arn=key.arn,
            vpc_id=vpc.id, subnet_ids=[s.id for s in subnets], environment=environment, protect=protect,
            deletion_protection=protect, log_retention_days=90, client_security_group_id=nodes.id),
            pulumi.ResourceOptions())
    return _run(program, "us-east-1")


@pytest.mark.parametrize("protect", [True, False])
def test_aws_aurora_store_without_the_zone(protect: bool) -> None:
    records = _aurora(protect, "prod" if protect else "dev")
    cluster = _one(records, t.RDS_CLUSTER)
    assert cluster.inputs["clusterIdentifier"].startswith("ml-")
    assert cluster.inputs["storageEncrypted"] is True and cluster.inputs["kmsKeyId"]
    assert cluster.inputs["deletionProtection"] is protect
    assert (cluster.protect, cluster.retainOnDelete) == (protect, protect)
    logs = _one(records, t.LOG_GROUP)
    assert logs.inputs["name"].startswith("/aws/rds/cluster/ml-")
    assert logs.inputs["retentionInDays"] == 90
    assert (logs.protect, logs.retainOnDelete) == (protect, protect)
    # Writer plus a reader in prod; the instances are not stateful on their own (the cluster holds the data).
    assert len([r for r in records if r.type == t.RDS_CLUSTER_INSTANCE]) == (2 if protect else 1)


# --- GCP: audit log bucket and AlloyDB ----------------------------------------------------------------------

def _gcp(protect: bool) -> list[PlannedResource]:
    def program() -> None:
        services = ProjectServices("ml-project", ProjectServicesArgs(
            "ml", "ml-proj", required_apis(vector_engines=["alloydb"])))
        ctx = GcpContext("ml-proj", "us-central1", pulumi.Output.from_input("123456789012"),
                         pulumi.Output.from_input(["us-central1-a"]))
        ring = gcp.kms.KeyRing("ring", name="ring", location="us-central1", project="ml-proj")
        key = gcp.kms.CryptoKey("data", name="data", key_ring=ring.id)
        vpc = gcp.compute.Network("vpc", name="vpc", project="ml-proj", auto_create_subnetworks=False)
        Audit("ml-audit", AuditArgs("ml", ctx, encryption_key=key.id, services=services, retention_days=400,
                                    immutable=protect, protect=protect, depends_on=[key]))
        AlloyDbVectorStore("ml-store-rag", GcpStoreArgs(
            "ml", ctx, "rag", 768, encryption_key=key.id, network_id=vpc.id, services=services,
            environment="prod" if protect else "dev", protect=protect, deletion_protection=protect,
            allocated_ip_range="ml-psa", depends_on=[key]))
    return _run(program, "us-central1", "ml-proj")


@pytest.mark.parametrize("protect", [True, False])
def test_gcp_audit_and_alloydb_without_the_zone(protect: bool) -> None:
    records = _gcp(protect)
    bucket = _one(records, t.GCP_LOG_BUCKET)
    assert bucket.inputs["retentionDays"] == 400 and bucket.inputs["locked"] is protect
    assert bucket.inputs["cmekSettings"]["kmsKeyName"]
    assert (bucket.protect, bucket.retainOnDelete) == (protect, protect)
    sink = _one(records, t.GCP_LOG_SINK)
    assert sink.inputs["destination"].endswith("/locations/us-central1/buckets/ml-audit")
    assert bucket.urn in sink.dependencies
    cluster = _one(records, t.ALLOYDB_CLUSTER)
    assert cluster.inputs["networkConfig"]["allocatedIpRange"] == "ml-psa"
    assert cluster.inputs["deletionProtection"] is protect
    assert (cluster.protect, cluster.retainOnDelete) == (protect, protect)
    apis = [r for r in records if r.type == t.GCP_PROJECT_SERVICE]
    alloydb_api = next(r.urn for r in apis if r.inputs["service"] == "alloydb.googleapis.com")
    assert alloydb_api in cluster.dependencies
    primary = _one(records, t.ALLOYDB_INSTANCE)
    assert primary.inputs["availabilityType"] == ("REGIONAL" if protect else "ZONAL")
    assert (primary.protect, primary.retainOnDelete) == (protect, protect)


# --- Azure: Cosmos DB for NoSQL with vector search ----------------------------------------------------------

def _azure(protect: bool) -> list[PlannedResource]:
    def program() -> None:
        ctx = AzureContext(AZURE_SUBSCRIPTION, "00000000-0000-0000-0000-000000000001",
                           "00000000-0000-0000-0000-000000000002", "eastus")
        rg = azure.resources.ResourceGroup("ml-rg", resource_group_name="ml-rg", location="eastus")
        identity = azure.managedidentity.UserAssignedIdentity(
            "cmk", resource_name_="cmk", resource_group_name=rg.name, location="eastus")
        vault = azure.keyvault.Vault("kv", vault_name="ml-kv", resource_group_name=rg.name, location="eastus",
                                     properties={"tenant_id": ctx.tenant_id, "sku": {"family": "A", "name": "standard"},
                                                 "enable_rbac_authorization": True})

        def private_endpoint(logical: str, *, target_id, group_id: str, parent) -> pulumi.Resource:
            return azure.network.PrivateEndpoint(
                logical, private_endpoint_name=logical, resource_group_name=rg.name, location="eastus",
                private_link_service_connections=[{"name": logical, "private_link_service_id": target_id,
                                                   "group_ids": [group_id]}],
                opts=pulumi.ResourceOptions(parent=parent))

        # The network and keys components as the store uses them: a resource group and private endpoints, a
        # CMK identity and its key (other resources' outputs; no config behind them).
        network = SimpleNamespace(resource_group=rg, private_endpoint=private_endpoint)
        keys = SimpleNamespace(cmk_identity=identity, cmk_grants=[identity], vault=vault,
                               key_uri=lambda purpose: pulumi.Output.concat(vault.id, "/keys/", purpose))
        CosmosVectorStore("ml-vector-rag", AzureStoreArgs(
            "ml", ctx, "rag", "cosmosdb", 1536, network, keys, LogSink(rg.id, None),  # type: ignore[arg-type]
            environment="prod" if protect else "dev", protect=protect, deletion_protection=protect))
    return _run(program, "eastus")


@pytest.mark.parametrize("protect", [True, False])
def test_azure_cosmos_store_without_the_zone(protect: bool) -> None:
    records = _azure(protect)
    account = _one(records, t.COSMOS_ACCOUNT)
    assert account.inputs["publicNetworkAccess"] == "Disabled" and account.inputs["disableLocalAuth"] is True
    assert (account.protect, account.retainOnDelete) == (protect, protect)
    container = _one(records, t.AZURE_COSMOS_SQL_CONTAINER)
    [embedding] = container.inputs["resource"]["vectorEmbeddingPolicy"]["vectorEmbeddings"]
    assert (embedding["dimensions"], embedding["distanceFunction"]) == (1536, "cosine")
    assert (container.protect, container.retainOnDelete) == (protect, protect)
    locks = [r for r in records if r.type == t.AZURE_MANAGEMENT_LOCK]
    assert [lk.inputs["lockName"] for lk in locks] == (["ml-do-not-delete"] if protect else [])
    assert _one(records, t.DIAGNOSTIC_SETTING).inputs["name"] == "ml-audit"
