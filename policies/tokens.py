"""Pulumi type tokens the rules read (engine names, verified against pulumi-aws 7.51, pulumi-gcp 10.2,
pulumi-azure-native 3.29 and pulumi-kubernetes 4.34)."""

from __future__ import annotations

# AWS
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS_DEFAULT_ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault"
KMS_KEY = "aws:kms/key:Key"
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
S3_SSE = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SAGEMAKER_MODEL = "aws:sagemaker/model:Model"
SAGEMAKER_ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
AOSS_SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
AOSS_COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
AWS_BUDGET = "aws:budgets/budget:Budget"

# GCP
GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
GCP_KMS_KEY = "gcp:kms/cryptoKey:CryptoKey"
GCP_KMS_KEY_RING = "gcp:kms/keyRing:KeyRing"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
VERTEX_ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"
VERTEX_MODEL_GARDEN = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
VERTEX_INDEX = "gcp:vertex/aiIndex:AiIndex"
VERTEX_INDEX_ENDPOINT = "gcp:vertex/aiIndexEndpoint:AiIndexEndpoint"
ALLOYDB_CLUSTER = "gcp:alloydb/cluster:Cluster"
ALLOYDB_INSTANCE = "gcp:alloydb/instance:Instance"
GCP_AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
GCP_BUDGET = "gcp:billing/budget:Budget"
GCP_LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"

# Azure
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
AKS_AGENT_POOL = "azure-native:containerservice:AgentPool"
KEY_VAULT = "azure-native:keyvault:Vault"
KEY_VAULT_KEY = "azure-native:keyvault:Key"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
SEARCH_SERVICE = "azure-native:search:Service"
COSMOS_ACCOUNT = "azure-native:cosmosdb:DatabaseAccount"
ML_WORKSPACE = "azure-native:machinelearningservices:Workspace"
ML_ONLINE_ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
ML_ONLINE_DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
COGNITIVE_ACCOUNT = "azure-native:cognitiveservices:Account"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
SUBSCRIPTION_DIAGNOSTIC_SETTING = "azure-native:monitor:SubscriptionDiagnosticSetting"
LOG_ANALYTICS_WORKSPACE = "azure-native:operationalinsights:Workspace"
AZURE_BUDGETS = ("azure-native:consumption:Budget", "azure-native:costmanagement:Budget")

# Kubernetes
K8S_WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet",
                 "kubernetes:batch/v1:Job", "kubernetes:core/v1:Pod")
K8S_SERVICE = "kubernetes:core/v1:Service"
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
K8S_NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
K8S_PDB = "kubernetes:policy/v1:PodDisruptionBudget"
K8S_CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
K8S_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
K8S_ROLES = ("kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")

GPU_POOLS = (EKS_NODE_GROUP, GKE_NODE_POOL, AKS_AGENT_POOL)
BUDGETS = (AWS_BUDGET, GCP_BUDGET, *AZURE_BUDGETS)
MANAGED_GPU_ENDPOINTS = (SAGEMAKER_ENDPOINT_CONFIG, VERTEX_MODEL_GARDEN, ML_ONLINE_DEPLOYMENT)
