"""Vector stores: OpenSearch Serverless VECTORSEARCH collections and Aurora PostgreSQL (pgvector).

Both are private and encrypted with the zone's data CMK:
- OpenSearch Serverless: an encryption policy (CMK), a network policy admitting only the zone's aoss VPC
  endpoint (no public access, no dashboards) and a data access policy naming only the serving role and the
  team roles, each with the permissions of its role. A collection cannot be created before its encryption
  policy exists, hence the explicit dependency
  (docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-encryption.html).
- Aurora PostgreSQL Serverless v2 >= 15.4 (pgvector 0.5 with HNSW): IAM database authentication, master
  password generated and rotated by Secrets Manager (never in state), TLS forced, DDL statements logged
  (``log_statement = ddl``, exported with the postgresql log), reachable only from the cluster's nodes on 5432
  (a separate ingress rule, so the database does not wait for EKS). ``CREATE EXTENSION vector`` is a database
  statement, not infrastructure: run it once as the master user after the first deploy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, LogRetention, log_group
from llmops_landing_zone.components.aws.names import (
    AURORA_CLUSTER,
    OPENSEARCH_ACCESS_POLICY,
    OPENSEARCH_COLLECTION,
    OPENSEARCH_ENCRYPTION_POLICY,
    OPENSEARCH_NETWORK_POLICY,
)
from llmops_landing_zone.components.common import child, stateful

AURORA_ENGINE_VERSION = "16.4"  # pgvector 0.7 with HNSW; minimum for this package is 15.4
AURORA_PARAMETER_FAMILY = "aurora-postgresql16"
DATABASE = "vectors"
MASTER_USER = "llmops_admin"

# Data-plane permissions per principal kind (docs.aws.amazon.com/opensearch-service/latest/developerguide/
# serverless-data-access.html). No one gets aoss:* and nobody but the team admins may delete indexes.
INDEX_PERMISSIONS: dict[str, list[str]] = {
    "serving": ["aoss:DescribeIndex", "aoss:ReadDocument"],
    "viewer": ["aoss:DescribeIndex", "aoss:ReadDocument"],
    "developer": ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DescribeIndex", "aoss:ReadDocument",
                  "aoss:WriteDocument"],
    "admin": ["aoss:CreateIndex", "aoss:UpdateIndex", "aoss:DeleteIndex", "aoss:DescribeIndex",
              "aoss:ReadDocument", "aoss:WriteDocument"],
}
COLLECTION_PERMISSIONS: dict[str, list[str]] = {
    "serving": ["aoss:DescribeCollectionItems"],
    "viewer": ["aoss:DescribeCollectionItems"],
    "developer": ["aoss:DescribeCollectionItems"],
    "admin": ["aoss:DescribeCollectionItems", "aoss:CreateCollectionItems", "aoss:UpdateCollectionItems"],
}


def collection_names(zone: str, engines: Mapping[str, str]) -> list[str]:
    """Names of the zone's OpenSearch collections, from each store's engine by key (IAM policies scope
    aoss:APIAccessAll to them)."""
    return [OPENSEARCH_COLLECTION.render(zone, k) for k, engine in engines.items()
            if engine == "opensearch-serverless"]


def data_access_policy(collection: str, principals: dict[str, list[str]]) -> str:
    """One rule set per principal kind present (serving, admin, developer, viewer)."""
    entries = []
    for kind, arns in principals.items():
        if not arns:
            continue
        entries.append({
            "Description": f"{kind} access to {collection}",
            "Rules": [
                {"ResourceType": "collection", "Resource": [f"collection/{collection}"],
                 "Permission": COLLECTION_PERMISSIONS[kind]},
                {"ResourceType": "index", "Resource": [f"index/{collection}/*"],
                 "Permission": INDEX_PERMISSIONS[kind]},
            ],
            "Principal": sorted(arns),
        })
    return json.dumps(entries)


@dataclass
class VectorStoreArgs:
    name: str  # the zone's name: prefix of every resource name
    ctx: AwsContext
    key: str  # the store's key: part of its names
    engine: str  # opensearch-serverless | aurora-pgvector
    dimensions: int
    encryption_key: pulumi.Input[str]  # the data CMK's ARN: collection, database, master secret
    log_key_arn: pulumi.Input[str]  # the audit CMK's ARN: the database's exported logs
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Output[str]]
    metric: str = "cosine"  # cosine | dot-product | euclidean
    environment: str = "prod"  # dev | staging | prod: prod keeps standby replicas, a reader, a warm minimum
    protect: bool = True  # protect + retainOnDelete on the collection, the database and its log group
    deletion_protection: bool = True  # the database's own deletion protection
    log_retention_days: int = 365  # audit.retentionDays, for the database's exported logs
    opensearch_endpoint_id: pulumi.Input[str] | None = None
    client_security_group_id: pulumi.Input[str] | None = None  # the cluster nodes' security group
    serving_role_arn: pulumi.Input[str] | None = None
    team_roles: dict[str, tuple[str, pulumi.Input[str]]] = field(default_factory=dict)  # key -> (role, ARN)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"


class OpenSearchVectorStore(pulumi.ComponentResource):
    collection: aws.opensearch.ServerlessCollection

    def __init__(self, name: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("llmops:aws:OpenSearchVectorStore", name, None, opts)
        z, key = args.name, args.key
        assert args.opensearch_endpoint_id is not None, "the network creates the aoss VPC endpoint"
        collection = OPENSEARCH_COLLECTION.render(z, key)
        rules = [{"ResourceType": "collection", "Resource": [f"collection/{collection}"]}]

        encryption = aws.opensearch.ServerlessSecurityPolicy(
            f"{z}-{key}-enc", name=OPENSEARCH_ENCRYPTION_POLICY.render(z, key), type="encryption",
            description=f"{collection}: encrypted with the zone's data key",
            policy=pulumi.Output.from_input(args.encryption_key).apply(
                lambda arn: json.dumps({"Rules": rules, "AWSOwnedKey": False, "KmsARN": arn})),
            opts=child(self))
        network = aws.opensearch.ServerlessSecurityPolicy(
            f"{z}-{key}-net", name=OPENSEARCH_NETWORK_POLICY.render(z, key), type="network",
            description=f"{collection}: reachable only through the zone's VPC endpoint",
            policy=pulumi.Output.from_input(args.opensearch_endpoint_id).apply(
                lambda vpce: json.dumps([{"Description": "VPC endpoint only", "Rules": rules,
                                          "AllowFromPublic": False, "SourceVPCEs": [vpce]}])),
            opts=child(self))

        # (kind, role ARN) pairs: the serving role reads, each team gets its role's permissions.
        members = [("serving", args.serving_role_arn)] if args.serving_role_arn is not None else []
        members += [(role, arn) for _, (role, arn) in sorted(args.team_roles.items())]

        def principals(arns: list[str]) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {k: [] for k in INDEX_PERMISSIONS}
            for (kind, _), arn in zip(members, arns, strict=True):
                out[kind].append(arn)
            return out

        # Without any principal there is nobody to admit (an empty data access policy is invalid).
        self.access_policy = None if not members else aws.opensearch.ServerlessAccessPolicy(
            f"{z}-{key}-data", name=OPENSEARCH_ACCESS_POLICY.render(z, key), type="data",
            description=f"{collection}: serving role and team roles only",
            policy=pulumi.Output.all(*[arn for _, arn in members]).apply(
                lambda arns: data_access_policy(collection, principals(list(arns)))),
            opts=child(self))

        self.collection = aws.opensearch.ServerlessCollection(
            f"{z}-{key}", name=collection, type="VECTORSEARCH",
            description=f"{z} {key}: {args.dimensions}-d vectors ({args.metric})",
            # Standby replicas double the OCU floor; production keeps them for availability.
            standby_replicas="ENABLED" if args.is_prod else "DISABLED",
            opts=stateful(args.protect, self, depends_on=[encryption, network]))
        self.endpoint = self.collection.collection_endpoint
        self.register_outputs({"name": collection, "endpoint": self.endpoint, "arn": self.collection.arn})


class AuroraVectorStore(pulumi.ComponentResource):
    cluster: aws.rds.Cluster

    def __init__(self, name: str, args: VectorStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("llmops:aws:AuroraVectorStore", name, None, opts)
        ctx, z, key, prod = args.ctx, args.name, args.key, args.is_prod
        assert args.client_security_group_id is not None, "the cluster's node security group"
        ident = AURORA_CLUSTER.render(z, key)
        keep = prod or args.protect

        subnets = aws.rds.SubnetGroup(f"{z}-{key}", name=ident, subnet_ids=args.subnet_ids,
                                      description=f"{ident}: private subnets", opts=child(self))
        # The group holds no inline ingress: its one rule names the cluster's security group, which EKS
        # creates with the cluster, and an inline rule would make the group (so the whole database, 15+
        # minutes) wait for EKS (10 minutes). As its own resource the rule waits for EKS alone and the
        # database is created alongside the cluster; nothing can reach it before the rule exists.
        # (Never add inline ``ingress`` here too: inline and separate rules on one group fight over it.)
        sg = aws.ec2.SecurityGroup(
            f"{z}-{key}-db", name=f"{ident}-db", vpc_id=args.vpc_id,
            description="PostgreSQL from the EKS nodes only",
            egress=[],  # the database never opens connections
            opts=child(self))
        self.ingress = aws.vpc.SecurityGroupIngressRule(
            f"{z}-{key}-db-from-nodes", security_group_id=sg.id, description="PostgreSQL from cluster nodes",
            ip_protocol="tcp", from_port=5432, to_port=5432,
            referenced_security_group_id=args.client_security_group_id, opts=child(self))
        params = aws.rds.ClusterParameterGroup(
            f"{z}-{key}", name=f"{ident}-pg16", family=AURORA_PARAMETER_FAMILY,
            description=f"{ident}: TLS only",  # ForceNew: keep it stable
            parameters=[{"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"},
                        # Schema changes (CREATE/ALTER/DROP) go to the exported postgresql log; dynamic.
                        {"name": "log_statement", "value": "ddl", "apply_method": "immediate"}],
            opts=child(self))
        # Created before the cluster so the exported logs get the audit key and a retention.
        logs = log_group(f"{z}-{key}-postgresql", f"/aws/rds/cluster/{ident}/postgresql",
                         LogRetention(z, args.log_retention_days, args.protect), ctx, args.log_key_arn, self)
        self.cluster = aws.rds.Cluster(
            f"{z}-{key}", cluster_identifier=ident, engine="aurora-postgresql", engine_mode="provisioned",
            engine_version=AURORA_ENGINE_VERSION, database_name=DATABASE, master_username=MASTER_USER,
            manage_master_user_password=True, master_user_secret_kms_key_id=args.encryption_key,
            storage_encrypted=True, kms_key_id=args.encryption_key, iam_database_authentication_enabled=True,
            db_subnet_group_name=subnets.name, vpc_security_group_ids=[sg.id],
            db_cluster_parameter_group_name=params.name,
            serverlessv2_scaling_configuration={
                # dev pauses when idle (0 ACU, supported from 16.3); prod keeps a warm minimum
                "min_capacity": 0.5 if prod else 0.0, "max_capacity": 16.0,
                **({} if prod else {"seconds_until_auto_pause": 3600}),
            },
            backup_retention_period=30 if prod else 7, copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not keep, final_snapshot_identifier=f"{ident}-final" if keep else None,
            delete_automated_backups=not keep, enabled_cloudwatch_logs_exports=["postgresql"],
            opts=stateful(args.protect, self, depends_on=[logs]))
        # Writer plus, in prod, a reader in another AZ to fail over to.
        for i in range(1, 3 if prod else 2):
            aws.rds.ClusterInstance(
                f"{z}-{key}-{i}", identifier=f"{ident}-{i}", cluster_identifier=self.cluster.id,
                instance_class="db.serverless", engine="aurora-postgresql",
                engine_version=AURORA_ENGINE_VERSION, db_subnet_group_name=subnets.name,
                publicly_accessible=False, performance_insights_enabled=True,
                performance_insights_kms_key_id=args.encryption_key, auto_minor_version_upgrade=True,
                opts=child(self))
        self.endpoint = self.cluster.endpoint
        self.secret_arn = self.cluster.master_user_secrets.apply(lambda s: s[0].secret_arn if s else None)
        self.register_outputs({"endpoint": self.endpoint, "readerEndpoint": self.cluster.reader_endpoint,
                               "masterSecretArn": self.secret_arn})


def vector_store(name: str, args: VectorStoreArgs,
                 opts: pulumi.ResourceOptions) -> OpenSearchVectorStore | AuroraVectorStore:
    if args.engine == "opensearch-serverless":
        return OpenSearchVectorStore(name, args, opts)
    if args.engine == "aurora-pgvector":
        return AuroraVectorStore(name, args, opts)
    raise ValueError(f"vector engine {args.engine} is not an AWS engine "
                     "(config validation reports this)")
