"""AWS names built by this package and their service limits (checked at config validation)."""

from llmops_landing_zone.components.naming import NameRule

OPENSEARCH_COLLECTION = NameRule("OpenSearch Serverless collection", "{zone}-{key}", 32, over="vectorStores",
                                 min_len=3, engine="opensearch-serverless")
# OpenSearch Serverless security and access policy names: 3-32 characters (CreateSecurityPolicy API).
OPENSEARCH_ENCRYPTION_POLICY = NameRule("OpenSearch Serverless encryption policy", "{zone}-{key}-enc", 32,
                                        over="vectorStores", min_len=3, engine="opensearch-serverless")
OPENSEARCH_NETWORK_POLICY = NameRule("OpenSearch Serverless network policy", "{zone}-{key}-net", 32,
                                     over="vectorStores", min_len=3, engine="opensearch-serverless")
OPENSEARCH_ACCESS_POLICY = NameRule("OpenSearch Serverless data access policy", "{zone}-{key}-data", 32,
                                    over="vectorStores", min_len=3, engine="opensearch-serverless")
OPENSEARCH_VPC_ENDPOINT = NameRule("OpenSearch Serverless VPC endpoint", "{zone}-aoss", 32, min_len=3)
AURORA_CLUSTER = NameRule("Aurora cluster identifier", "{zone}-{key}", 63, over="vectorStores",
                          engine="aurora-pgvector")
NODE_GROUP = NameRule("EKS node group", "{zone}-{key}", 63, over="gpuPools")
TEAM_ROLE = NameRule("IAM role", "{zone}-team-{key}", 64, over="teams")
SAGEMAKER_ENDPOINT = NameRule("SageMaker endpoint", "{zone}-{key}", 63, over="endpoints")
EKS_CLUSTER = NameRule("EKS cluster", "{zone}", 100)
TRAIL = NameRule("CloudTrail trail", "{zone}-trail", 128)
AUTOSCALER_ROLE = NameRule("IAM role", "{zone}-cluster-autoscaler", 64)
GATEWAY_LOGS_ROLE = NameRule("IAM role", "{zone}-gateway-logs", 64)

NAME_RULES = [OPENSEARCH_COLLECTION, OPENSEARCH_ENCRYPTION_POLICY, OPENSEARCH_NETWORK_POLICY,
              OPENSEARCH_ACCESS_POLICY, OPENSEARCH_VPC_ENDPOINT, AURORA_CLUSTER, NODE_GROUP, TEAM_ROLE,
              SAGEMAKER_ENDPOINT, EKS_CLUSTER, TRAIL, AUTOSCALER_ROLE, GATEWAY_LOGS_ROLE]
