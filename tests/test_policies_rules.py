"""Every resource rule of the pack: a compliant fixture, one failing variant per property it checks (one property
flipped at a time), and the same property unknown during preview (never a crash, never a violation).

Each case runs through both runners: the CrossGuard policy object (props wrapped in pulumi_policy's
unknown_checking_proxy, as ``pulumi preview --policy-pack`` does) and the ``llz check`` evaluator; both must agree.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE

from llmops_landing_zone.policies import registry
from llmops_landing_zone.policies import tokens as t
from llmops_landing_zone.policies.testing import crossguard_resource, offline_resource

DELETE = object()
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GKEY = "projects/p/locations/us-central1/keyRings/zone/cryptoKeys/data"
AKEY = "https://zone-kv.vault.azure.net/keys/data/0123456789abcdef"


@dataclass
class Case:
    policy: str
    type: str
    props: dict[str, Any]
    flips: list[tuple[str, Any]]  # (property path, failing value); "@protect"/"@retain" flip resource options
    env: str = "prod"
    options: dict[str, Any] = field(default_factory=dict)
    id: str = ""


def set_path(props: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(props)
    cur: Any = out
    steps = path.split(".")
    for step in steps[:-1]:
        cur = cur[int(step)] if isinstance(cur, list) else cur.setdefault(step, {})
    last = steps[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    elif value is DELETE:
        cur.pop(last, None)
    else:
        cur[last] = value
    return out


def restricted_container(**sc: Any) -> dict[str, Any]:
    return {"name": "vllm", "image": "docker.io/vllm/vllm-openai:v0.17.1@sha256:" + "0" * 64,
            "resources": {"requests": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"},
                          "limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}},
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "allowPrivilegeEscalation": False,
                                "privileged": False, "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
                                **sc}}


def serving_deployment() -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "chat", "namespace": "llm-serving"},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "vllm"}},
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": "vllm"}},
                                  "spec": {"serviceAccountName": "chat", "automountServiceAccountToken": False,
                                           "nodeSelector": {"llmops.io/pool": "l4"},
                                           "tolerations": [{"key": "nvidia.com/gpu", "operator": "Equal",
                                                            "value": "true", "effect": "NoSchedule"}],
                                           "securityContext": {"runAsNonRoot": True,
                                                               "seccompProfile": {"type": "RuntimeDefault"}},
                                           "containers": [restricted_container()],
                                           "volumes": [{"name": "model-cache", "emptyDir": {}}]}}}}


POD = "spec.template.spec"
C0 = f"{POD}.containers.0"
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}
AWS_POOL = {"instanceTypes": ["g6.xlarge"], "amiType": "AL2023_x86_64_NVIDIA", "capacityType": "ON_DEMAND",
            "scalingConfig": {"minSize": 0, "desiredSize": 0, "maxSize": 4}, "taints": [GPU_TAINT],
            "labels": {"llmops.io/pool": "l4", "llmops.io/gpu": "L4"}}
GCP_POOL = {"nodeConfig": {"machineType": "g2-standard-8", "guestAccelerators": [{"type": "nvidia-l4", "count": 1}],
                           "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}],
                           "labels": {"llmops.io/pool": "l4"}},
            "autoscaling": {"minNodeCount": 0, "maxNodeCount": 4}}
AZ_POOL = {"vmSize": "Standard_NC24ads_A100_v4", "mode": "User", "enableAutoScaling": True, "count": 0,
           "minCount": 0, "maxCount": 4, "nodeTaints": ["nvidia.com/gpu=true:NoSchedule"],
           "nodeLabels": {"llmops.io/pool": "a100"}}
ADMIN_DOC = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
SCOPED_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::models/*"]},
    {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
AOSS_RULES = [{"ResourceType": "collection", "Resource": ["collection/zone-docs"]}]
BUDGET_NOTE = {"comparisonOperator": "GREATER_THAN", "thresholdType": "PERCENTAGE",
               "subscriberEmailAddresses": ["finops@example.com"]}
AWS_BUDGET = {"budgetType": "COST", "timeUnit": "MONTHLY", "limitAmount": "3000", "limitUnit": "USD",
              "notifications": [{**BUDGET_NOTE, "threshold": 80, "notificationType": "ACTUAL"},
                                {**BUDGET_NOTE, "threshold": 100, "notificationType": "FORECASTED"}]}
GCP_BUDGET = {"billingAccount": "012345-6789AB-CDEF01",
              "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "3000"}},
              "thresholdRules": [{"thresholdPercent": 0.8, "spendBasis": "CURRENT_SPEND"},
                                 {"thresholdPercent": 1.0, "spendBasis": "FORECASTED_SPEND"}],
              "allUpdatesRule": {"pubsubTopic": "projects/p/topics/budget", "disableDefaultIamRecipients": True}}
AZ_NOTE = {"enabled": True, "operator": "GreaterThan", "contactEmails": ["finops@example.com"]}
AZ_BUDGET = {"amount": 3000, "category": "Cost", "timeGrain": "Monthly",
             "notifications": {"actual80": {**AZ_NOTE, "threshold": 80, "thresholdType": "Actual"},
                               "forecast100": {**AZ_NOTE, "threshold": 100, "thresholdType": "Forecasted"}}}
ZONE_TAGS = {"llmops-zone": "acme-llm", "llmops-environment": "prod", "owner": "platform"}


CASES: list[Case] = [
    # --- encryption -------------------------------------------------------------------------------------------
    Case("aws-kms-key-rotation", t.KMS_KEY, {"enableKeyRotation": True, "deletionWindowInDays": 30},
         [("enableKeyRotation", False), ("enableKeyRotation", DELETE)]),
    Case("aws-cloudtrail-kms", t.CLOUDTRAIL, {"kmsKeyId": KEY}, [("kmsKeyId", DELETE), ("kmsKeyId", "")]),
    Case("aws-eks-secrets-encryption", t.EKS_CLUSTER,
         {"encryptionConfig": {"provider": {"keyArn": KEY}, "resources": ["secrets"]}},
         [("encryptionConfig", DELETE), ("encryptionConfig.provider.keyArn", DELETE),
          ("encryptionConfig.resources", ["configmaps"])]),
    Case("aws-ebs-encryption", t.EBS_DEFAULT_ENCRYPTION, {"enabled": True}, [("enabled", False)], id="default"),
    Case("aws-ebs-encryption", t.EC2_LAUNCH_TEMPLATE,
         {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY}}]},
         [("blockDeviceMappings.0.ebs.encrypted", "false"), ("blockDeviceMappings.0.ebs.encrypted", DELETE)],
         id="launch-template"),
    Case("aws-s3-kms-encryption", t.S3_SSE[0],
         {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
                     "bucketKeyEnabled": True}]},
         [("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
          ("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", DELETE), ("rules", [])]),
    Case("aws-sagemaker-endpoint-kms", t.SAGEMAKER_ENDPOINT_CONFIG, {"kmsKeyArn": KEY}, [("kmsKeyArn", DELETE)]),
    Case("aws-vector-store-cmk", t.AOSS_SECURITY_POLICY,
         {"type": "encryption", "policy": json.dumps({"Rules": AOSS_RULES, "AWSOwnedKey": False, "KmsARN": KEY})},
         [("policy", json.dumps({"Rules": AOSS_RULES, "AWSOwnedKey": True})),
          ("policy", json.dumps({"Rules": AOSS_RULES, "AWSOwnedKey": False}))], id="opensearch"),
    Case("aws-vector-store-cmk", t.RDS_CLUSTER, {"storageEncrypted": True, "kmsKeyId": KEY},
         [("storageEncrypted", False), ("kmsKeyId", DELETE)], id="aurora"),
    Case("gcp-kms-key-rotation", t.GCP_KMS_KEY, {"rotationPeriod": "7776000s", "purpose": "ENCRYPT_DECRYPT"},
         [("rotationPeriod", "31536000s"), ("rotationPeriod", DELETE)]),
    Case("gcp-gke-secrets-encryption", t.GKE_CLUSTER, {"databaseEncryption": {"state": "ENCRYPTED", "keyName": GKEY}},
         [("databaseEncryption.state", "DECRYPTED"), ("databaseEncryption.keyName", DELETE)]),
    Case("gcp-gke-boot-disk-cmek", t.GKE_NODE_POOL, {"nodeConfig": {"bootDiskKmsKey": GKEY}},
         [("nodeConfig.bootDiskKmsKey", DELETE)]),
    *[Case("gcp-vertex-cmek", typ, {"encryptionSpec": {"kmsKeyName": GKEY}}, [("encryptionSpec.kmsKeyName", DELETE)],
           id=typ.rsplit(":", 1)[-1]) for typ in (t.VERTEX_ENDPOINT, t.VERTEX_INDEX, t.VERTEX_INDEX_ENDPOINT)],
    Case("gcp-data-cmek", t.ALLOYDB_CLUSTER, {"encryptionConfig": {"kmsKeyName": GKEY}},
         [("encryptionConfig.kmsKeyName", DELETE)], id="alloydb"),
    Case("gcp-data-cmek", t.GCS_BUCKET, {"encryption": {"defaultKmsKeyName": GKEY}},
         [("encryption.defaultKmsKeyName", DELETE)], id="bucket"),
    Case("azure-aks-kms-secrets", t.AKS_CLUSTER,
         {"securityProfile": {"azureKeyVaultKms": {"enabled": True, "keyId": AKEY, "keyVaultNetworkAccess": "Private"}}},
         [("securityProfile.azureKeyVaultKms.enabled", False), ("securityProfile.azureKeyVaultKms.keyId", DELETE)]),
    Case("azure-keyvault-purge-protection", t.KEY_VAULT,
         {"properties": {"enablePurgeProtection": True, "enableSoftDelete": True}},
         [("properties.enablePurgeProtection", False), ("properties.enablePurgeProtection", DELETE),
          ("properties.enableSoftDelete", False)]),
    Case("azure-data-cmk", t.STORAGE_ACCOUNT, {"encryption": {"keySource": "Microsoft.Keyvault"}},
         [("encryption.keySource", "Microsoft.Storage"), ("encryption", DELETE)], id="storage"),
    Case("azure-data-cmk", t.COSMOS_ACCOUNT, {"keyVaultKeyUri": AKEY}, [("keyVaultKeyUri", DELETE)], id="cosmos"),
    Case("azure-data-cmk", t.SEARCH_SERVICE, {"encryptionWithCmk": {"enforcement": "Enabled"}},
         [("encryptionWithCmk.enforcement", "Disabled")], id="search"),
    Case("azure-data-cmk", t.ML_WORKSPACE,
         {"encryption": {"status": "Enabled", "keyVaultProperties": {"keyIdentifier": AKEY, "keyVaultArmId": "kv"}}},
         [("encryption.status", "Disabled"), ("encryption.keyVaultProperties.keyIdentifier", DELETE)],
         id="ml-workspace"),
    Case("azure-aks-host-encryption", t.AKS_CLUSTER, {"diskEncryptionSetID": "/subscriptions/s/des/zone"},
         [("diskEncryptionSetID", DELETE)], id="cluster"),
    Case("azure-aks-host-encryption", t.AKS_AGENT_POOL, {**AZ_POOL, "enableEncryptionAtHost": True},
         [("enableEncryptionAtHost", False), ("enableEncryptionAtHost", DELETE)], id="pool"),
    # --- network ----------------------------------------------------------------------------------------------
    Case("aws-eks-private-endpoint", t.EKS_CLUSTER,
         {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}},
         [("vpcConfig.endpointPrivateAccess", False), ("vpcConfig.endpointPublicAccess", True),
          ("vpcConfig.endpointPublicAccess", DELETE)]),
    Case("aws-sagemaker-network-isolation", t.SAGEMAKER_MODEL,
         {"enableNetworkIsolation": True, "vpcConfig": {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}},
         [("enableNetworkIsolation", False), ("vpcConfig", DELETE)]),
    Case("aws-opensearch-private", t.AOSS_SECURITY_POLICY,
         {"type": "network", "policy": json.dumps([{"Rules": AOSS_RULES, "AllowFromPublic": False,
                                                    "SourceVPCEs": ["vpce-0123"]}])},
         [("policy", json.dumps([{"Rules": AOSS_RULES, "AllowFromPublic": True}])),
          ("policy", json.dumps([{"Rules": AOSS_RULES, "AllowFromPublic": False}]))]),
    Case("aws-rds-private", t.RDS_CLUSTER_INSTANCE, {"publiclyAccessible": False}, [("publiclyAccessible", True)]),
    Case("aws-s3-public-access-block", t.S3_PUBLIC_ACCESS_BLOCK,
         {"bucket": "models", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
          "restrictPublicBuckets": True},
         [(flag, False) for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                     "restrictPublicBuckets")]),
    Case("gcp-gke-private-cluster", t.GKE_CLUSTER,
         {"privateClusterConfig": {"enablePrivateNodes": True, "enablePrivateEndpoint": True}},
         [("privateClusterConfig.enablePrivateNodes", False), ("privateClusterConfig.enablePrivateEndpoint", False)]),
    Case("gcp-gke-authorized-networks", t.GKE_CLUSTER,
         {"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": "10.40.0.0/16", "displayName": "vpc"}]}},
         [("masterAuthorizedNetworksConfig", DELETE),
          ("masterAuthorizedNetworksConfig.cidrBlocks.0.cidrBlock", "0.0.0.0/0")]),
    Case("gcp-vertex-private-endpoint", t.VERTEX_ENDPOINT, {"network": "projects/1/global/networks/vpc"},
         [("network", DELETE)], id="endpoint"),
    Case("gcp-vertex-private-endpoint", t.VERTEX_INDEX_ENDPOINT,
         {"privateServiceConnectConfig": {"enablePrivateServiceConnect": True}, "publicEndpointEnabled": False},
         [("publicEndpointEnabled", True), ("privateServiceConnectConfig.enablePrivateServiceConnect", False)],
         id="index-endpoint"),
    Case("gcp-vertex-private-endpoint", t.VERTEX_MODEL_GARDEN,
         {"endpointConfig": {"privateServiceConnectConfig": {"enablePrivateServiceConnect": True}}},
         [("endpointConfig.privateServiceConnectConfig.enablePrivateServiceConnect", False)], id="model-garden"),
    Case("gcp-storage-private", t.GCS_BUCKET, {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": True},
         [("publicAccessPrevention", "inherited"), ("uniformBucketLevelAccess", False)]),
    Case("gcp-alloydb-private", t.ALLOYDB_INSTANCE, {"networkConfig": {"enablePublicIp": False}},
         [("networkConfig.enablePublicIp", True)]),
    Case("azure-aks-private-api", t.AKS_CLUSTER, {"apiServerAccessProfile": {"enablePrivateCluster": True}},
         [("apiServerAccessProfile.enablePrivateCluster", False),
          ("apiServerAccessProfile", {"enablePrivateCluster": False, "authorizedIPRanges": ["0.0.0.0/0"]})]),
    Case("azure-storage-private", t.STORAGE_ACCOUNT,
         {"publicNetworkAccess": "Disabled", "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2"},
         [("publicNetworkAccess", "Enabled"), ("allowBlobPublicAccess", True), ("minimumTlsVersion", "TLS1_0")]),
    Case("azure-ml-endpoint-private", t.ML_ONLINE_ENDPOINT, {"properties": {"publicNetworkAccess": "Disabled"}},
         [("properties.publicNetworkAccess", "Enabled")], id="online-endpoint"),
    Case("azure-ml-endpoint-private", t.ML_WORKSPACE, {"publicNetworkAccess": "Disabled"},
         [("publicNetworkAccess", "Enabled")], id="workspace"),
    Case("azure-ml-endpoint-private", t.ML_ONLINE_DEPLOYMENT, {"properties": {"egressPublicNetworkAccess": "Disabled"}},
         [("properties.egressPublicNetworkAccess", "Enabled"), ("properties", DELETE)], id="deployment"),
    Case("azure-vector-store-private", t.SEARCH_SERVICE, {"publicNetworkAccess": "disabled"},
         [("publicNetworkAccess", "enabled"), ("publicNetworkAccess", DELETE)], id="search"),
    Case("azure-vector-store-private", t.COSMOS_ACCOUNT, {"publicNetworkAccess": "Disabled"},
         [("publicNetworkAccess", "Enabled")], id="cosmos"),
    Case("azure-vector-store-private", t.KEY_VAULT, {"properties": {"publicNetworkAccess": "Disabled"}},
         [("properties.publicNetworkAccess", "Enabled")], id="vault"),
    Case("azure-vector-store-private", t.COGNITIVE_ACCOUNT, {"properties": {"publicNetworkAccess": "Disabled"}},
         [("properties.publicNetworkAccess", DELETE)], id="openai"),
    # --- identity ---------------------------------------------------------------------------------------------
    Case("aws-iam-no-admin-policy", t.IAM_POLICY, {"policy": SCOPED_DOC}, [("policy", ADMIN_DOC)], id="policy"),
    Case("aws-iam-no-admin-policy", t.IAM_ROLE_POLICY, {"policy": SCOPED_DOC}, [("policy", ADMIN_DOC)], id="inline"),
    Case("aws-iam-no-admin-policy", t.IAM_ROLE_POLICY_ATTACHMENT,
         {"policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
         [("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess")], id="attachment"),
    Case("aws-imdsv2-required", t.EC2_LAUNCH_TEMPLATE,
         {"metadataOptions": {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}},
         [("metadataOptions.httpTokens", "optional"), ("metadataOptions", DELETE),
          ("metadataOptions.httpPutResponseHopLimit", 2)]),
    Case("gcp-gke-workload-identity", t.GKE_CLUSTER, {"workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"}},
         [("workloadIdentityConfig", DELETE)], id="cluster"),
    Case("gcp-gke-workload-identity", t.GKE_NODE_POOL,
         {"nodeConfig": {"workloadMetadataConfig": {"mode": "GKE_METADATA"}}},
         [("nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA")], id="node-pool"),
    Case("gcp-gke-node-service-account", t.GKE_NODE_POOL,
         {"nodeConfig": {"serviceAccount": "zone-nodes@p.iam.gserviceaccount.com"}},
         [("nodeConfig.serviceAccount", DELETE), ("nodeConfig.serviceAccount", "default"),
          ("nodeConfig.serviceAccount", "123456789012-compute@developer.gserviceaccount.com")]),
    Case("azure-aks-entra-rbac", t.AKS_CLUSTER,
         {"aadProfile": {"managed": True, "enableAzureRBAC": True}, "disableLocalAccounts": True},
         [("aadProfile.managed", False), ("aadProfile.enableAzureRBAC", False), ("disableLocalAccounts", False)]),
    Case("azure-aks-workload-identity", t.AKS_CLUSTER,
         {"oidcIssuerProfile": {"enabled": True}, "securityProfile": {"workloadIdentity": {"enabled": True}}},
         [("oidcIssuerProfile.enabled", False), ("securityProfile.workloadIdentity", DELETE)]),
    Case("azure-data-local-auth-disabled", t.SEARCH_SERVICE, {"disableLocalAuth": True},
         [("disableLocalAuth", False)], id="search"),
    Case("azure-data-local-auth-disabled", t.COSMOS_ACCOUNT, {"disableLocalAuth": True},
         [("disableLocalAuth", DELETE)], id="cosmos"),
    Case("azure-data-local-auth-disabled", t.COGNITIVE_ACCOUNT, {"properties": {"disableLocalAuth": True}},
         [("properties.disableLocalAuth", False)], id="openai"),
    Case("azure-data-local-auth-disabled", t.ML_ONLINE_ENDPOINT, {"properties": {"authMode": "AADToken"}},
         [("properties.authMode", "Key"), ("properties.authMode", DELETE)], id="ml-endpoint"),
    Case("azure-data-local-auth-disabled", t.STORAGE_ACCOUNT, {"allowSharedKeyAccess": False},
         [("allowSharedKeyAccess", True), ("allowSharedKeyAccess", DELETE)], id="storage"),
    # --- logging ----------------------------------------------------------------------------------------------
    Case("aws-cloudtrail-multi-region", t.CLOUDTRAIL,
         {"isMultiRegionTrail": True, "includeGlobalServiceEvents": True, "enableLogging": True},
         [("isMultiRegionTrail", False), ("includeGlobalServiceEvents", False), ("enableLogging", False)]),
    Case("aws-cloudtrail-log-validation", t.CLOUDTRAIL, {"enableLogFileValidation": True},
         [("enableLogFileValidation", False)]),
    Case("aws-eks-control-plane-logging", t.EKS_CLUSTER,
         {"enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"]},
         [("enabledClusterLogTypes", ["api", "audit"]), ("enabledClusterLogTypes", DELETE)]),
    Case("aws-log-group-retention", t.LOG_GROUP, {"kmsKeyId": KEY, "retentionInDays": 365},
         [("kmsKeyId", DELETE), ("retentionInDays", 30)]),
    Case("gcp-gke-logging", t.GKE_CLUSTER,
         {"loggingService": "logging.googleapis.com/kubernetes",
          "monitoringService": "monitoring.googleapis.com/kubernetes",
          "loggingConfig": {"enableComponents": ["SYSTEM_COMPONENTS", "WORKLOADS"]}},
         [("loggingService", "none"), ("monitoringService", "none"),
          ("loggingConfig.enableComponents", ["SYSTEM_COMPONENTS"])]),
    # --- kubernetes -------------------------------------------------------------------------------------------
    Case("k8s-no-privileged-containers", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{C0}.securityContext.privileged", True), (f"{C0}.securityContext.allowPrivilegeEscalation", True),
          (f"{C0}.securityContext.allowPrivilegeEscalation", DELETE), (f"{POD}.hostNetwork", True),
          (f"{POD}.hostPID", True), (f"{POD}.hostIPC", True)]),
    Case("k8s-serving-pods-restricted", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{C0}.securityContext.runAsNonRoot", False), (f"{C0}.securityContext.capabilities.drop", []),
          (f"{C0}.securityContext.capabilities.add", ["NET_ADMIN"]),
          (f"{C0}.securityContext.seccompProfile.type", "Unconfined"),
          (f"{POD}.volumes", [{"name": "models", "hostPath": {"path": "/mnt/models"}}])]),
    Case("k8s-serving-no-loadbalancer", t.K8S_SERVICE,
         {"metadata": {"name": "chat", "namespace": "llm-serving"}, "spec": {"type": "ClusterIP"}},
         [("spec.type", "LoadBalancer"), ("spec.type", "NodePort")]),
    Case("k8s-loadbalancer-internal", t.K8S_SERVICE,
         {"metadata": {"name": "gateway", "namespace": "ingress",
                       "annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}},
          "spec": {"type": "LoadBalancer"}},
         [("metadata.annotations", {}), ("metadata.annotations", DELETE)]),
    Case("k8s-gpu-pods-tolerate-taint", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{POD}.tolerations", []), (f"{POD}.nodeSelector", DELETE)]),
    Case("k8s-container-resources", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{C0}.resources.requests", DELETE), (f"{C0}.resources.limits.memory", DELETE),
          (f"{C0}.resources.limits", {"cpu": "4", "memory": "16Gi"})]),
    Case("k8s-image-pinned", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{C0}.image", "docker.io/vllm/vllm-openai:latest"), (f"{C0}.image", "docker.io/vllm/vllm-openai")]),
    Case("k8s-serving-service-account", t.K8S_WORKLOADS[0], serving_deployment(),
         [(f"{POD}.serviceAccountName", "default"), (f"{POD}.serviceAccountName", DELETE),
          (f"{POD}.automountServiceAccountToken", True)]),
    Case("k8s-rbac-no-wildcards", t.K8S_ROLES[0],
         {"metadata": {"name": "team-developer", "namespace": "team-a"},
          "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"]}]},
         [("rules.0.verbs", ["*"]), ("rules.0.resources", ["*"])]),
    # --- gpu and finops ---------------------------------------------------------------------------------------
    Case("gpu-pool-tainted", t.EKS_NODE_GROUP, AWS_POOL, [("taints", []), ("taints", DELETE)], id="aws"),
    Case("gpu-pool-tainted", t.GKE_NODE_POOL, GCP_POOL, [("nodeConfig.taints", [])], id="gcp"),
    Case("gpu-pool-tainted", t.AKS_AGENT_POOL, AZ_POOL, [("nodeTaints", ["sku=gpu:PreferNoSchedule"])], id="azure"),
    Case("gpu-pool-labelled", t.EKS_NODE_GROUP, AWS_POOL, [("labels", {"llmops.io/gpu": "L4"})], id="aws"),
    Case("gpu-pool-labelled", t.GKE_NODE_POOL, GCP_POOL, [("nodeConfig.labels", DELETE)], id="gcp"),
    Case("gpu-pool-labelled", t.AKS_AGENT_POOL, AZ_POOL, [("nodeLabels", {})], id="azure"),
    Case("gpu-pool-autoscaling", t.EKS_NODE_GROUP, AWS_POOL,
         [("scalingConfig.maxSize", 100), ("scalingConfig.maxSize", DELETE)], id="aws"),
    Case("gpu-pool-autoscaling", t.GKE_NODE_POOL, GCP_POOL,
         [("autoscaling", DELETE), ("autoscaling.maxNodeCount", 65)], id="gcp"),
    Case("gpu-pool-autoscaling", t.AKS_AGENT_POOL, AZ_POOL, [("enableAutoScaling", False), ("maxCount", 200)],
         id="azure"),
    Case("aws-eks-gpu-ami", t.EKS_NODE_GROUP, AWS_POOL, [("amiType", "AL2023_x86_64_STANDARD"), ("amiType", DELETE)]),
    Case("dev-gpu-scale-to-zero", t.EKS_NODE_GROUP, AWS_POOL, [("scalingConfig.minSize", 1)], env="dev", id="aws"),
    Case("dev-gpu-scale-to-zero", t.GKE_NODE_POOL, GCP_POOL, [("autoscaling.minNodeCount", 2)], env="dev", id="gcp"),
    Case("dev-gpu-scale-to-zero", t.AKS_AGENT_POOL, AZ_POOL, [("minCount", 1)], env="dev", id="azure"),
    Case("budget-forecast-alert", t.AWS_BUDGET, AWS_BUDGET,
         [("notifications.1.notificationType", "ACTUAL")], id="aws"),
    Case("budget-forecast-alert", t.GCP_BUDGET, GCP_BUDGET,
         [("thresholdRules.1.spendBasis", "CURRENT_SPEND")], id="gcp"),
    Case("budget-forecast-alert", t.AZURE_BUDGETS[0], AZ_BUDGET,
         [("notifications.forecast100.thresholdType", "Actual")], id="azure"),
    Case("budget-notifies-someone", t.AWS_BUDGET, AWS_BUDGET,
         [("notifications.0.subscriberEmailAddresses", []), ("notifications", [])], id="aws"),
    Case("budget-notifies-someone", t.GCP_BUDGET, GCP_BUDGET, [("allUpdatesRule.pubsubTopic", DELETE)], id="gcp"),
    Case("budget-notifies-someone", t.AZURE_BUDGETS[0], AZ_BUDGET,
         [("notifications.actual80.contactEmails", [])], id="azure"),
    # --- tagging, stateful, hardening -------------------------------------------------------------------------
    Case("cost-allocation-tags", t.EKS_CLUSTER, {"tags": ZONE_TAGS},
         [("tags", DELETE), ("tags.llmops-zone", DELETE), ("tags.llmops-environment", DELETE)], id="aws"),
    Case("cost-allocation-tags", t.GKE_CLUSTER, {"resourceLabels": ZONE_TAGS},
         [("resourceLabels", DELETE), ("resourceLabels.llmops-zone", DELETE)], id="gcp"),
    Case("cost-allocation-tags", t.AKS_AGENT_POOL, {**AZ_POOL, "tags": ZONE_TAGS},
         [("tags.llmops-environment", DELETE)], id="azure"),
    Case("stateful-protected-in-prod", t.KMS_KEY, {"enableKeyRotation": True},
         [("@protect", False), ("@retain", False)], options={"protect": True, "retain_on_delete": True}, id="key"),
    Case("stateful-protected-in-prod", t.COSMOS_ACCOUNT, {}, [("@protect", False)],
         options={"protect": True, "retain_on_delete": True}, id="cosmos"),
    Case("database-deletion-protection", t.RDS_CLUSTER, {"deletionProtection": True},
         [("deletionProtection", False), ("deletionProtection", DELETE)], id="aurora"),
    Case("database-deletion-protection", t.ALLOYDB_CLUSTER, {"deletionProtection": True},
         [("deletionProtection", False)], id="alloydb"),
    Case("gcp-gke-node-auto-upgrade", t.GKE_NODE_POOL, {"management": {"autoRepair": True, "autoUpgrade": True}},
         [("management.autoRepair", False), ("management.autoUpgrade", False)]),
    # Judged on the suite's date (tests/conftest.py, 2026-12-02): 1.35 is in standard support everywhere;
    # 1.31 has left all support, 1.33 is extended-only, 1.34 ends standard support that very day (EKS).
    Case("kubernetes-version-supported", t.EKS_CLUSTER,
         {"version": "1.35", "upgradePolicy": {"supportType": "STANDARD"}},
         [("version", "1.31"), ("version", "1.33"), ("version", "1.34"), ("version", "1.99")], id="eks"),
    Case("kubernetes-version-supported", t.GKE_CLUSTER,
         {"minMasterVersion": "1.33", "releaseChannel": {"channel": "EXTENDED"}},
         [("releaseChannel.channel", "REGULAR"), ("minMasterVersion", "1.29")], id="gke-extended"),
    Case("kubernetes-version-supported", t.AKS_CLUSTER,
         {"kubernetesVersion": "1.35", "supportPlan": "KubernetesOfficial"},
         [("kubernetesVersion", "1.34"), ("kubernetesVersion", "1.31")], id="aks"),
    Case("gcp-gke-release-channel", t.GKE_CLUSTER, {"releaseChannel": {"channel": "REGULAR"}},
         [("releaseChannel.channel", "UNSPECIFIED"), ("releaseChannel", DELETE)]),
    Case("gcp-gke-shielded-nodes", t.GKE_CLUSTER, {"enableShieldedNodes": True}, [("enableShieldedNodes", False)],
         id="cluster"),
    Case("gcp-gke-shielded-nodes", t.GKE_NODE_POOL,
         {"nodeConfig": {"shieldedInstanceConfig": {"enableSecureBoot": True, "enableIntegrityMonitoring": True}}},
         [("nodeConfig.shieldedInstanceConfig.enableSecureBoot", False),
          ("nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring", False)], id="node-pool"),
    Case("azure-aks-auto-upgrade", t.AKS_CLUSTER,
         {"autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}},
         [("autoUpgradeProfile.upgradeChannel", "none"), ("autoUpgradeProfile.nodeOSUpgradeChannel", "Unmanaged"),
          ("autoUpgradeProfile", DELETE)]),
    Case("azure-audit-worm-locked", t.STORAGE_ACCOUNT,
         {"immutableStorageWithVersioning": {"enabled": True, "immutabilityPolicy": {
             "state": "Locked", "immutabilityPeriodSinceCreationInDays": 365, "allowProtectedAppendWrites": True}}},
         [("immutableStorageWithVersioning.immutabilityPolicy.state", "Unlocked")]),
    Case("canary-weight-capped", t.SAGEMAKER_ENDPOINT_CONFIG,
         {"productionVariants": [{"variantName": "AllTraffic", "initialVariantWeight": 90.0},
                                 {"variantName": "Canary", "initialVariantWeight": 10.0}]},
         [("productionVariants.1.initialVariantWeight", 120.0)], id="sagemaker"),
    Case("canary-weight-capped", t.SAGEMAKER_ENDPOINT_CONFIG,
         {"productionVariants": [{"variantName": "AllTraffic", "initialVariantWeight": 1.0}],
          "shadowProductionVariants": [{"variantName": "Canary", "initialVariantWeight": 0.2}]},
         [("shadowProductionVariants.0.initialVariantWeight", 0.8)], id="sagemaker-shadow"),
    Case("canary-weight-capped", t.VERTEX_ENDPOINT,
         {"trafficSplit": '{"1000000001": 90, "1000000002": 10}', "labels": {"llmops-canary-model": "1000000002"}},
         [("trafficSplit", '{"1000000001": 40, "1000000002": 60}')], id="vertex"),
    Case("canary-weight-capped", t.ML_ONLINE_ENDPOINT,
         {"properties": {"traffic": {"primary": 90, "canary": 10}, "mirrorTraffic": {"shadow": 20}}},
         [("properties.traffic", {"primary": 30, "canary": 70}), ("properties.mirrorTraffic", {"shadow": 60})],
         id="azure-ml"),
    Case("canary-weight-capped", "kubernetes:apps/v1:Deployment",
         {"metadata": {"name": "chat-canary", "annotations": {"llmops.io/canary-weight": "10"}}},
         [("metadata.annotations", {"llmops.io/canary-weight": "60"})], id="vllm-deployment"),
    Case("canary-weight-capped", t.K8S_SERVICE,
         {"metadata": {"name": "chat-canary", "annotations": {"llmops.io/canary-weight": "50"}}},
         [("metadata.annotations", {"llmops.io/canary-weight": "51"})], id="vllm-service"),
    Case("aws-default-security-group-closed", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
         {"ingress": [], "egress": []},
         [("ingress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
          ("egress", [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}])]),
]


def case_id(c: Case) -> str:
    return f"{c.policy}[{c.id}]" if c.id else c.policy


def run_both(c: Case, props: dict[str, Any], options: dict[str, Any] | None = None) -> list[str]:
    opts = {**c.options, **(options or {})}
    offline = offline_resource(c.policy, c.type, props, environment=c.env, protect=opts.get("protect", False),
                               retain_on_delete=opts.get("retain_on_delete"))
    guard = crossguard_resource(c.policy, c.type, props, environment=c.env, protect=opts.get("protect", False))
    # CrossGuard cannot see retainOnDelete; everything else must agree message for message.
    assert [m for m in offline if "retainOnDelete" not in m] == guard
    return offline


def flipped(c: Case, path: str, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if path == "@protect":
        return c.props, {"protect": value}
    if path == "@retain":
        return c.props, {"retain_on_delete": value}
    return set_path(c.props, path, value), {}


FLIPS = [(c, path, value) for c in CASES for path, value in c.flips]


def flip_id(item: tuple[Case, str, Any]) -> str:
    c, path, value = item
    shown = "deleted" if value is DELETE else (json.dumps(value)[:24] if not isinstance(value, str) else value[:24])
    return f"{case_id(c)}:{path}={shown}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_compliant_fixture_passes(case: Case) -> None:
    assert run_both(case, case.props) == []


@pytest.mark.parametrize("item", FLIPS, ids=[flip_id(f) for f in FLIPS])
def test_each_flipped_property_fails(item: tuple[Case, str, Any]) -> None:
    case, path, value = item
    props, options = flipped(case, path, value)
    assert run_both(case, props, options), f"{case.policy} missed {path}={value!r}"


def _unknown_for(value: Any) -> str:
    if isinstance(value, bool):
        return UNKNOWN_BOOLEAN_VALUE
    if isinstance(value, (int, float)):
        return UNKNOWN_NUMBER_VALUE
    return UNKNOWN_STRING_VALUE


UNKNOWN_PATHS = sorted({(case_id(c), path) for c in CASES for path, _ in c.flips if not path.startswith("@")})
BY_ID = {case_id(c): c for c in CASES}


def _current(props: dict[str, Any], path: str) -> Any:
    cur: Any = props
    for step in path.split("."):
        if isinstance(cur, list):
            cur = cur[int(step)] if int(step) < len(cur) else None
        elif isinstance(cur, dict):
            cur = cur.get(step)
        else:
            return None
    return cur


@pytest.mark.parametrize(("cid", "path"), UNKNOWN_PATHS, ids=[f"{c}:{p}" for c, p in UNKNOWN_PATHS])
def test_unknown_values_during_preview_never_crash_or_violate(cid: str, path: str) -> None:
    """The property each rule checks, computed at deploy time (as a KMS key ARN created in the same stack is
    during the first preview): the CrossGuard policy must neither raise nor report."""
    case = BY_ID[cid]
    props = set_path(case.props, path, _unknown_for(_current(case.props, path)))
    assert crossguard_resource(case.policy, case.type, props, environment=case.env,
                               protect=case.options.get("protect", False)) == []
    assert offline_resource(case.policy, case.type, props, environment=case.env,
                            protect=case.options.get("protect", False),
                            retain_on_delete=case.options.get("retain_on_delete")) == []


def test_a_whole_unknown_object_is_tolerated_too() -> None:
    """Unknown objects and lists (not just leaves) on every case's top-level keys."""
    for case in CASES:
        for key in case.props:
            props = {**case.props, key: UNKNOWN_STRING_VALUE}
            assert crossguard_resource(case.policy, case.type, props, environment=case.env,
                                       protect=case.options.get("protect", False)) == [], (case_id(case), key)


def test_every_resource_rule_has_a_case_for_each_of_its_types() -> None:
    covered = {(c.policy, c.type) for c in CASES}
    missing = []
    for rule in registry.rules():
        if rule.kind != "resource":
            continue
        if not any(p == rule.name for p, _ in covered):
            missing.append(rule.name)
    assert not missing, f"resource rules without fixtures: {missing}"


# --- behaviour the table cannot express ------------------------------------------------------------------------

def test_asymmetric_kms_keys_need_no_rotation() -> None:
    props = {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY", "enableKeyRotation": False}
    assert offline_resource("aws-kms-key-rotation", t.KMS_KEY, props) == []


def test_eks_public_endpoint_limited_to_named_cidrs_is_accepted() -> None:
    props = {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True,
                           "publicAccessCidrs": ["203.0.113.0/24"]}}
    assert offline_resource("aws-eks-private-endpoint", t.EKS_CLUSTER, props) == []
    props["vpcConfig"]["publicAccessCidrs"] = ["203.0.113.0/24", "0.0.0.0/0"]
    assert offline_resource("aws-eks-private-endpoint", t.EKS_CLUSTER, props)


def test_aks_authorized_ranges_without_private_cluster_are_accepted() -> None:
    props = {"apiServerAccessProfile": {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}}
    assert offline_resource("azure-aks-private-api", t.AKS_CLUSTER, props) == []


def test_storage_behind_a_deny_all_firewall_for_trusted_services_is_private() -> None:
    """Azure Monitor writes diagnostics only through the trusted-services bypass, which needs public network
    access 'Enabled' with a deny-all firewall; an IP rule would open it."""
    props = {"publicNetworkAccess": "Enabled", "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2",
             "networkRuleSet": {"defaultAction": "Deny", "bypass": "AzureServices"}}
    assert offline_resource("azure-storage-private", t.STORAGE_ACCOUNT, props) == []
    props["networkRuleSet"]["ipRules"] = [{"iPAddressOrRange": "198.51.100.7"}]
    assert offline_resource("azure-storage-private", t.STORAGE_ACCOUNT, props)


def test_system_node_pools_are_not_gpu_pools() -> None:
    system = {"instanceTypes": ["m7i.xlarge"], "amiType": "AL2023_x86_64_STANDARD", "taints": [],
              "scalingConfig": {"minSize": 2, "maxSize": 4}, "labels": {}}
    for policy in ("gpu-pool-tainted", "gpu-pool-labelled", "aws-eks-gpu-ami"):
        assert offline_resource(policy, t.EKS_NODE_GROUP, system) == []
    assert offline_resource("dev-gpu-scale-to-zero", t.EKS_NODE_GROUP, system, environment="dev") == []


def test_dev_only_and_prod_only_rules_skip_other_environments() -> None:
    busy = set_path(AWS_POOL, "scalingConfig.minSize", 2)
    assert offline_resource("dev-gpu-scale-to-zero", t.EKS_NODE_GROUP, busy, environment="prod") == []
    assert crossguard_resource("dev-gpu-scale-to-zero", t.EKS_NODE_GROUP, busy, environment="prod") == []
    assert offline_resource("stateful-protected-in-prod", t.KMS_KEY, {}, environment="dev", protect=False) == []


def test_rule_config_changes_thresholds() -> None:
    big = set_path(AWS_POOL, "scalingConfig.maxSize", 100)
    assert offline_resource("gpu-pool-autoscaling", t.EKS_NODE_GROUP, big, config={"maxNodesPerPool": 128}) == []
    assert crossguard_resource("gpu-pool-autoscaling", t.EKS_NODE_GROUP, big, config={"maxNodesPerPool": 128}) == []
    short = {"kmsKeyId": KEY, "retentionInDays": 30}
    assert offline_resource("aws-log-group-retention", t.LOG_GROUP, short, config={"minimumRetentionDays": 30}) == []
    lb = {"metadata": {"namespace": "ingress"}, "spec": {"type": "LoadBalancer"}}
    assert crossguard_resource("k8s-loadbalancer-internal", t.K8S_SERVICE, lb, config={"allowPublic": True}) == []


def test_gke_taint_added_by_gke_itself_is_not_assumed() -> None:
    """GKE taints GPU pools itself only when the cluster also has non-GPU pools; the rule wants it explicit."""
    assert offline_resource("gpu-pool-tainted", t.GKE_NODE_POOL, set_path(GCP_POOL, "nodeConfig.taints", DELETE))
