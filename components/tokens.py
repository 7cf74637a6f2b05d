"""Pulumi type tokens, each defined once: what the price rules (components/finops), the policy pack (policies/)
and the offline mocks (llz/mocks) key on.

Engine names, verified against pulumi-aws 7.51, pulumi-gcp 10.2, pulumi-azure-native 3.29 and pulumi-kubernetes
4.34 by tests/test_tokens.py (each constant equals its SDK class's ``pulumi_type``; invoke tokens name an SDK
function that calls them). Plain strings only: the cost estimate imports this module and no SDK code.

Names: the pack's original names (``EKS_CLUSTER``, ``KMS_KEY``, ``KEY_VAULT``...) are kept; later ones carry their
cloud (``AWS_``, ``GCP_``, ``AZURE_``, ``K8S_``). Invoke tokens are ``<CLOUD>_GET_...``/``<CLOUD>_LIST_...``.
"""

from __future__ import annotations

# --- AWS ------------------------------------------------------------------------------------------------------

# EKS
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
EKS_ACCESS_POLICY = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
AWS_EKS_ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
AWS_EKS_ADDON = "aws:eks/addon:Addon"
AWS_EKS_POD_IDENTITY_ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"

# EC2 and VPC
EC2_LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS_DEFAULT_ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault"
AWS_VPC = "aws:ec2/vpc:Vpc"
AWS_SUBNET = "aws:ec2/subnet:Subnet"
AWS_INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
AWS_NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
AWS_EIP = "aws:ec2/eip:Eip"
AWS_ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
AWS_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
AWS_DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
AWS_VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
AWS_FLOW_LOG = "aws:ec2/flowLog:FlowLog"

# KMS and Secrets Manager
KMS_KEY = "aws:kms/key:Key"
AWS_KMS_ALIAS = "aws:kms/alias:Alias"
AWS_SECRET = "aws:secretsmanager/secret:Secret"
AWS_SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"

# ECR (registry mirror)
AWS_ECR_PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"

# IAM
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
AWS_IAM_USER = "aws:iam/user:User"
AWS_IAM_OIDC_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

# S3
AWS_S3_BUCKET = "aws:s3/bucket:Bucket"
AWS_S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
S3_BUCKETS = (AWS_S3_BUCKET, AWS_S3_BUCKET_V2)
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
AWS_S3_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
AWS_S3_SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
S3_SSE = (AWS_S3_SSE, AWS_S3_SSE_V2)
AWS_S3_OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
AWS_S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
AWS_S3_OWNERSHIP_CONTROLS = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
AWS_S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
AWS_S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"

# Logging, monitoring, notifications
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AWS_METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
AWS_SNS_TOPIC = "aws:sns/topic:Topic"
# The deploy runner (components/aws/runner.py)
AWS_CODEBUILD_PROJECT = "aws:codebuild/project:Project"
AWS_CODEBUILD_WEBHOOK = "aws:codebuild/webhook:Webhook"
AWS_CODECONNECTIONS_CONNECTION = "aws:codeconnections/connection:Connection"

# SageMaker and Application Auto Scaling
SAGEMAKER_MODEL = "aws:sagemaker/model:Model"
SAGEMAKER_ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
AWS_SAGEMAKER_ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
AWS_APPAUTOSCALING_TARGET = "aws:appautoscaling/target:Target"

# OpenSearch Serverless
AOSS_SECURITY_POLICY = "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
AOSS_COLLECTION = "aws:opensearch/serverlessCollection:ServerlessCollection"
AWS_AOSS_ACCESS_POLICY = "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy"
AWS_AOSS_COLLECTION_GROUP = "aws:opensearch/serverlessCollectionGroup:ServerlessCollectionGroup"
AWS_AOSS_VPC_ENDPOINT = "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint"

# RDS (Aurora)
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
AWS_RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
AWS_RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"

# Budgets and Cost Anomaly Detection
AWS_BUDGET = "aws:budgets/budget:Budget"
AWS_ANOMALY_MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
AWS_ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"

# Invokes
AWS_GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
AWS_GET_REGION = "aws:index/getRegion:getRegion"
AWS_GET_PARTITION = "aws:index/getPartition:getPartition"
AWS_GET_AVAILABILITY_ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
# Lookups of a network or cluster the zone attaches to (network.existing, cluster.existing)
AWS_GET_VPC = "aws:ec2/getVpc:getVpc"
AWS_GET_SUBNET = "aws:ec2/getSubnet:getSubnet"
AWS_GET_PREFIX_LIST = "aws:ec2/getPrefixList:getPrefixList"
AWS_GET_EKS_CLUSTER = "aws:eks/getCluster:getCluster"
AWS_GET_OPENID_CONNECT_PROVIDER = "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"

# --- GCP ------------------------------------------------------------------------------------------------------

# GKE
GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"

# Network
GCP_NETWORK = "gcp:compute/network:Network"
GCP_SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
GCP_ROUTER = "gcp:compute/router:Router"
GCP_ROUTER_NAT = "gcp:compute/routerNat:RouterNat"
GCP_FIREWALL = "gcp:compute/firewall:Firewall"
GCP_ADDRESS = "gcp:compute/address:Address"
GCP_GLOBAL_ADDRESS = "gcp:compute/globalAddress:GlobalAddress"
GCP_FORWARDING_RULE = "gcp:compute/forwardingRule:ForwardingRule"
GCP_SERVICE_NETWORKING_CONNECTION = "gcp:servicenetworking/connection:Connection"

# KMS
GCP_KMS_KEY = "gcp:kms/cryptoKey:CryptoKey"
GCP_KMS_KEY_RING = "gcp:kms/keyRing:KeyRing"
GCP_KMS_KEY_IAM_MEMBER = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"

# Projects, IAM and service accounts
GCP_AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
GCP_PROJECT_SERVICE = "gcp:projects/service:Service"
GCP_SERVICE_IDENTITY = "gcp:projects/serviceIdentity:ServiceIdentity"
GCP_PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember"
GCP_PROJECT_IAM_CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
GCP_SERVICE_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_SERVICE_ACCOUNT_IAM_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
GCP_WORKLOAD_IDENTITY_POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
GCP_WORKLOAD_IDENTITY_POOL_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"

# Storage
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCP_ARTIFACT_REGISTRY_REPOSITORY = "gcp:artifactregistry/repository:Repository"
GCP_BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"

# Vertex AI
VERTEX_ENDPOINT = "gcp:vertex/aiEndpoint:AiEndpoint"
VERTEX_MODEL_GARDEN = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
VERTEX_INDEX = "gcp:vertex/aiIndex:AiIndex"
VERTEX_INDEX_ENDPOINT = "gcp:vertex/aiIndexEndpoint:AiIndexEndpoint"
GCP_VERTEX_DEPLOYED_INDEX = "gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex"

# AlloyDB
ALLOYDB_CLUSTER = "gcp:alloydb/cluster:Cluster"
ALLOYDB_INSTANCE = "gcp:alloydb/instance:Instance"

# Logging, monitoring, billing, Pub/Sub
GCP_LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
GCP_LOG_SINK = "gcp:logging/projectSink:ProjectSink"
GCP_NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
GCP_BUDGET = "gcp:billing/budget:Budget"
GCP_PUBSUB_TOPIC = "gcp:pubsub/topic:Topic"
GCP_PUBSUB_TOPIC_IAM_MEMBER = "gcp:pubsub/topicIAMMember:TopicIAMMember"

# Invokes
GCP_GET_PROJECT = "gcp:organizations/getProject:getProject"
GCP_GET_ZONES = "gcp:compute/getZones:getZones"
GCP_GET_STORAGE_PROJECT_SERVICE_ACCOUNT = "gcp:storage/getProjectServiceAccount:getProjectServiceAccount"
GCP_GET_LOGGING_PROJECT_CMEK_SETTINGS = "gcp:logging/getProjectCmekSettings:getProjectCmekSettings"
# Lookups of a network or cluster the zone attaches to (network.existing, cluster.existing)
GCP_GET_NETWORK = "gcp:compute/getNetwork:getNetwork"
GCP_GET_SUBNETWORK = "gcp:compute/getSubnetwork:getSubnetwork"
GCP_GET_GLOBAL_ADDRESS = "gcp:compute/getGlobalAddress:getGlobalAddress"
GCP_GET_CLUSTER = "gcp:container/getCluster:getCluster"

GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"

# --- Azure ----------------------------------------------------------------------------------------------------

AZURE_RESOURCE_GROUP = "azure-native:resources:ResourceGroup"

# AKS
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
AKS_AGENT_POOL = "azure-native:containerservice:AgentPool"
AZURE_CONTAINER_APPS_ENVIRONMENT = "azure-native:app:ManagedEnvironment"
AZURE_CONTAINER_APPS_JOB = "azure-native:app:Job"

# Network and private DNS
AZURE_VIRTUAL_NETWORK = "azure-native:network:VirtualNetwork"
AZURE_SUBNET = "azure-native:network:Subnet"
AZURE_NETWORK_SECURITY_GROUP = "azure-native:network:NetworkSecurityGroup"
AZURE_SECURITY_RULE = "azure-native:network:SecurityRule"
AZURE_ROUTE_TABLE = "azure-native:network:RouteTable"
AZURE_ROUTE = "azure-native:network:Route"
AZURE_NAT_GATEWAY = "azure-native:network:NatGateway"
AZURE_PUBLIC_IP_ADDRESS = "azure-native:network:PublicIPAddress"
AZURE_CONTAINER_REGISTRY = "azure-native:containerregistry:Registry"
AZURE_ACR_CACHE_RULE = "azure-native:containerregistry:CacheRule"
AZURE_PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
AZURE_PRIVATE_DNS_ZONE_GROUP = "azure-native:network:PrivateDnsZoneGroup"
AZURE_NETWORK_PRIVATE_DNS_ZONE = "azure-native:network:PrivateDnsZone"
AZURE_NETWORK_VIRTUAL_NETWORK_LINK = "azure-native:network:VirtualNetworkLink"
AZURE_PRIVATE_ZONE = "azure-native:privatedns:PrivateZone"
AZURE_PRIVATE_ZONE_VIRTUAL_NETWORK_LINK = "azure-native:privatedns:VirtualNetworkLink"

# Key Vault, disk encryption, identities, authorization
KEY_VAULT = "azure-native:keyvault:Vault"
KEY_VAULT_KEY = "azure-native:keyvault:Key"
AZURE_KEY_VAULT_SECRET = "azure-native:keyvault:Secret"
AZURE_DISK_ENCRYPTION_SET = "azure-native:compute:DiskEncryptionSet"
AZURE_USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
AZURE_FEDERATED_IDENTITY_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
AZURE_ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AZURE_ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
AZURE_MANAGEMENT_LOCK = "azure-native:authorization:ManagementLockByScope"

# Storage
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
AZURE_BLOB_SERVICE_PROPERTIES = "azure-native:storage:BlobServiceProperties"
AZURE_BLOB_CONTAINER = "azure-native:storage:BlobContainer"
AZURE_MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
AZURE_STORAGE_ACCOUNT_MANAGEMENT_POLICY = "azure-native:storage:StorageAccountManagementPolicy"

# AI Search, Cosmos DB, Azure ML, Azure OpenAI
SEARCH_SERVICE = "azure-native:search:Service"
COSMOS_ACCOUNT = "azure-native:cosmosdb:DatabaseAccount"
AZURE_COSMOS_SQL_DATABASE = "azure-native:cosmosdb:SqlResourceSqlDatabase"
AZURE_COSMOS_SQL_CONTAINER = "azure-native:cosmosdb:SqlResourceSqlContainer"
AZURE_COSMOS_SQL_ROLE_ASSIGNMENT = "azure-native:cosmosdb:SqlResourceSqlRoleAssignment"
ML_WORKSPACE = "azure-native:machinelearningservices:Workspace"
ML_ONLINE_ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint"
ML_ONLINE_DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
COGNITIVE_ACCOUNT = "azure-native:cognitiveservices:Account"

# Monitoring and logs
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
SUBSCRIPTION_DIAGNOSTIC_SETTING = "azure-native:monitor:SubscriptionDiagnosticSetting"
LOG_ANALYTICS_WORKSPACE = "azure-native:operationalinsights:Workspace"
AZURE_APP_INSIGHTS = "azure-native:applicationinsights:Component"
AZURE_ACTION_GROUP = "azure-native:monitor:ActionGroup"
AZURE_AUTOSCALE_SETTING = "azure-native:monitor:AutoscaleSetting"
# the pre-3.x module of the two above (priced the same, for plans recorded with older providers)
AZURE_INSIGHTS_ACTION_GROUP = "azure-native:insights:ActionGroup"
AZURE_INSIGHTS_DIAGNOSTIC_SETTING = "azure-native:insights:DiagnosticSetting"

# Budgets
AZURE_CONSUMPTION_BUDGET = "azure-native:consumption:Budget"
AZURE_COST_MANAGEMENT_BUDGET = "azure-native:costmanagement:Budget"
AZURE_BUDGETS = (AZURE_CONSUMPTION_BUDGET, AZURE_COST_MANAGEMENT_BUDGET)

# Invokes
AZURE_GET_CLIENT_CONFIG = "azure-native:authorization:getClientConfig"
AZURE_GET_CLIENT_TOKEN = "azure-native:authorization:getClientToken"
AZURE_LIST_AKS_USER_CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials"
# Lookups of a network or cluster the zone attaches to (network.existing, cluster.existing)
AZURE_GET_VIRTUAL_NETWORK = "azure-native:network:getVirtualNetwork"
AZURE_GET_SUBNET = "azure-native:network:getSubnet"
AZURE_GET_MANAGED_CLUSTER = "azure-native:containerservice:getManagedCluster"

# --- Kubernetes -----------------------------------------------------------------------------------------------

K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_SERVICE = "kubernetes:core/v1:Service"
K8S_SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
K8S_RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
K8S_LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
K8S_CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
K8S_SECRET = "kubernetes:core/v1:Secret"
K8S_POD = "kubernetes:core/v1:Pod"
K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment"
K8S_STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
K8S_DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
K8S_JOB = "kubernetes:batch/v1:Job"
K8S_WORKLOADS = (K8S_DEPLOYMENT, K8S_STATEFUL_SET, K8S_DAEMON_SET, K8S_JOB, K8S_POD)
K8S_HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
K8S_HPA_V1 = "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"
K8S_PDB = "kubernetes:policy/v1:PodDisruptionBudget"
K8S_NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
K8S_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
K8S_CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
K8S_ROLES = (K8S_ROLE, K8S_CLUSTER_ROLE)
K8S_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
K8S_CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
K8S_STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"

# --- groups the rules read ------------------------------------------------------------------------------------

GPU_POOLS = (EKS_NODE_GROUP, GKE_NODE_POOL, AKS_AGENT_POOL)
BUDGETS = (AWS_BUDGET, GCP_BUDGET, *AZURE_BUDGETS)
MANAGED_GPU_ENDPOINTS = (SAGEMAKER_ENDPOINT_CONFIG, VERTEX_MODEL_GARDEN, ML_ONLINE_DEPLOYMENT)

# Helm and the custom resources of serving observability (no SDK class: registered as CustomResource)
K8S_HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
K8S_KEDA_SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
K8S_KEDA_TRIGGER_AUTHENTICATION = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication"
K8S_GMP_POD_MONITORING = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"
K8S_GMP_CLUSTER_RULES = "kubernetes:monitoring.googleapis.com/v1:ClusterRules"
K8S_AZURE_POD_MONITOR = "kubernetes:azmonitoring.coreos.com/v1:PodMonitor"
# The AI gateway (components/k8s/gateway.py): Gateway API, Envoy Gateway and Envoy AI Gateway custom resources.
K8S_GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass"
K8S_GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
K8S_HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
K8S_EG_ENVOY_PROXY = "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy"
K8S_EG_BACKEND = "kubernetes:gateway.envoyproxy.io/v1alpha1:Backend"
K8S_EG_SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy"
K8S_EG_BACKEND_TRAFFIC_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy"
K8S_AIGW_ROUTE = "kubernetes:aigateway.envoyproxy.io/v1beta1:AIGatewayRoute"
K8S_AIGW_SERVICE_BACKEND = "kubernetes:aigateway.envoyproxy.io/v1beta1:AIServiceBackend"
K8S_GATEWAY_ROUTES = (K8S_AIGW_ROUTE, K8S_HTTP_ROUTE)

# --- random ---------------------------------------------------------------------------------------------------
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"

# Managed Prometheus of serving observability (components/<cloud>/monitoring.py)
AWS_AMP_WORKSPACE = "aws:amp/workspace:Workspace"
AWS_AMP_WORKSPACE_CONFIGURATION = "aws:amp/workspaceConfiguration:WorkspaceConfiguration"
AWS_AMP_RULE_GROUP_NAMESPACE = "aws:amp/ruleGroupNamespace:RuleGroupNamespace"
AWS_AMP_ALERT_MANAGER_DEFINITION = "aws:amp/alertManagerDefinition:AlertManagerDefinition"
GCP_ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
AZURE_MONITOR_WORKSPACE = "azure-native:monitor:AzureMonitorWorkspace"
AZURE_DATA_COLLECTION_ENDPOINT = "azure-native:monitor:DataCollectionEndpoint"
AZURE_DATA_COLLECTION_RULE = "azure-native:monitor:DataCollectionRule"
AZURE_DATA_COLLECTION_RULE_ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation"
AZURE_PROMETHEUS_RULE_GROUP = "azure-native:alertsmanagement:PrometheusRuleGroup"
# Azure ML managed endpoint alerts (components/azure/endpoint_alerts.py)
AZURE_METRIC_ALERT = "azure-native:monitor:MetricAlert"
AZURE_SCHEDULED_QUERY_RULE = "azure-native:monitor:ScheduledQueryRule"
# Azure Monitor Private Link Scope: private ingestion and queries (components/azure/monitoring.py)
AZURE_MONITOR_PRIVATE_LINK_SCOPE = "azure-native:monitor:PrivateLinkScope"
AZURE_MONITOR_PRIVATE_LINK_SCOPED_RESOURCE = "azure-native:monitor:PrivateLinkScopedResource"

# Serving dashboards (components/<cloud>/dashboards.py); the Grafana API objects of the pulumiverse-grafana provider
AWS_GRAFANA_WORKSPACE = "aws:grafana/workspace:Workspace"
AWS_GRAFANA_SERVICE_ACCOUNT = "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount"
AWS_GRAFANA_SERVICE_ACCOUNT_TOKEN = "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken"
AZURE_MANAGED_GRAFANA = "azure-native:dashboard:Grafana"
# Azure Managed Grafana's own private endpoint to the Azure Monitor workspace (it queries from Azure's network)
AZURE_GRAFANA_MANAGED_PRIVATE_ENDPOINT = "azure-native:dashboard:ManagedPrivateEndpoint"
GCP_MONITORING_DASHBOARD = "gcp:monitoring/dashboard:Dashboard"
GRAFANA_DASHBOARD = "grafana:oss/dashboard:Dashboard"
GRAFANA_DATA_SOURCE = "grafana:oss/dataSource:DataSource"
