"""AWS names built by this package and their service limits (checked at config validation)."""

from components.naming import NameRule

OPENSEARCH_COLLECTION = NameRule("OpenSearch Serverless collection", "{zone}-{key}", 32, over="vectorStores", min_len=3)
AURORA_CLUSTER = NameRule("Aurora cluster identifier", "{zone}-{key}", 63, over="vectorStores")
NODE_GROUP = NameRule("EKS node group", "{zone}-{key}", 63, over="gpuPools")
TEAM_ROLE = NameRule("IAM role", "{zone}-team-{key}", 64, over="teams")
SAGEMAKER_ENDPOINT = NameRule("SageMaker endpoint", "{zone}-{key}", 63, over="endpoints")
EKS_CLUSTER = NameRule("EKS cluster", "{zone}", 100)

NAME_RULES = [OPENSEARCH_COLLECTION, AURORA_CLUSTER, NODE_GROUP, TEAM_ROLE, SAGEMAKER_ENDPOINT, EKS_CLUSTER]
