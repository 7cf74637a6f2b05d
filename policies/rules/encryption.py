"""Encryption at rest with customer-managed keys, and key hygiene (rotation, purge protection)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import ALWAYS, Context, Resource, cis, resource_rule
from llmops_landing_zone.policies.values import UNKNOWN, differs, get, is_unknown, json_doc, listed, not_true, unset

# --- AWS -------------------------------------------------------------------------------------------------------


@resource_rule(
    name="aws-kms-key-rotation", scope="aws", types=[t.KMS_KEY], severity="medium", framework=cis("aws", "3.6"),
    description="Customer-managed symmetric KMS keys rotate their key material every year.",
    remediation="Create the key with enable_key_rotation=True (automatic yearly rotation; symmetric keys only).",
    properties=("enableKeyRotation",))
def aws_kms_rotation(r: Resource, ctx: Context) -> Iterator[str]:
    spec = get(r.props, "customerMasterKeySpec") or get(r.props, "keySpec") or "SYMMETRIC_DEFAULT"
    if is_unknown(spec) or spec != "SYMMETRIC_DEFAULT":
        return  # rotation applies to symmetric encryption keys only
    if not_true(get(r.props, "enableKeyRotation")):
        yield "enableKeyRotation is not true: the key material never rotates"


@resource_rule(
    name="aws-cloudtrail-kms", scope="aws", types=[t.CLOUDTRAIL], severity="high", framework=cis("aws", "3.5"),
    description="CloudTrail log files are encrypted with a customer-managed KMS key (SSE-KMS).",
    remediation="Set kms_key_id on the trail to the zone's audit key ARN; the key policy must let "
                "cloudtrail.amazonaws.com call GenerateDataKey* for this trail.",
    config_path="audit", properties=("kmsKeyId",))
def aws_cloudtrail_kms(r: Resource, ctx: Context) -> Iterator[str]:
    if unset(get(r.props, "kmsKeyId")):
        yield "kmsKeyId is not set: trail logs are encrypted with S3-managed keys only"


@resource_rule(
    name="aws-eks-secrets-encryption", scope="aws", types=[t.EKS_CLUSTER], severity="high",
    framework=cis("eks", "5.3.1"),
    description="EKS envelope-encrypts Kubernetes secrets with a customer-managed KMS key.",
    remediation="Set encryption_config={provider: {key_arn: <cluster key ARN>}, resources: ['secrets']} on the "
                "cluster.",
    config_path="cluster", properties=("encryptionConfig.provider.keyArn", "encryptionConfig.resources"))
def aws_eks_secrets(r: Resource, ctx: Context) -> Iterator[str]:
    cfg = get(r.props, "encryptionConfig")
    if is_unknown(cfg):
        return
    if not cfg:
        yield "encryptionConfig is not set: secrets are stored without envelope encryption"
        return
    if unset(get(cfg, "provider.keyArn")):
        yield "encryptionConfig.provider.keyArn is not set"
    resources = get(cfg, "resources", [])
    if not is_unknown(resources) and "secrets" not in listed(resources) and UNKNOWN not in listed(resources):
        yield "encryptionConfig.resources does not include 'secrets'"


@resource_rule(
    name="aws-ebs-encryption", scope="aws", types=[t.EBS_DEFAULT_ENCRYPTION, t.EC2_LAUNCH_TEMPLATE],
    severity="high", framework=cis("aws", "5.1.1"),
    description="EBS volumes are encrypted: encryption by default is on and launch templates (GPU node root "
                "volumes) never ask for unencrypted volumes.",
    remediation="Keep aws.ebs.EncryptionByDefault(enabled=True) in the zone and set ebs.encrypted='true' with the "
                "data key (ebs.kms_key_id) on every block device mapping of the node launch templates.",
    properties=("enabled", "blockDeviceMappings.0.ebs.encrypted"))
def aws_ebs_encryption(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.EBS_DEFAULT_ENCRYPTION:
        if not_true(get(r.props, "enabled", True)):
            yield "EBS encryption by default is switched off"
        return
    for i, mapping in enumerate(listed(get(r.props, "blockDeviceMappings", []))):
        if is_unknown(mapping) or not isinstance(mapping, dict) or "ebs" not in mapping:
            continue
        if not_true(get(mapping, "ebs.encrypted")):
            yield f"blockDeviceMappings[{i}] ({get(mapping, 'deviceName', '?')}) is not encrypted"


# S3 server access log destinations support SSE-S3 only, not SSE-KMS
# (docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): the encryption
# configuration of the zone's access-log bucket (components.aws.audit.access_log_bucket, "<zone>-access-logs")
# may use AES256, and no other.
S3_ACCESS_LOG_SSE = "*-access-logs-sse"


@resource_rule(
    name="aws-s3-kms-encryption", scope="aws", types=list(t.S3_SSE), severity="high",
    description="S3 buckets (model weights, documents, audit logs) use SSE-KMS with a customer-managed key; the "
                "S3 server access log bucket uses SSE-S3, the only encryption S3 log delivery supports.",
    remediation="Use components.aws.base.private_bucket, which sets sse_algorithm='aws:kms' with the zone's data "
                "or audit key and the bucket key on.",
    properties=("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
                "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
def aws_s3_kms(r: Resource, ctx: Context) -> Iterator[str]:
    rules = listed(get(r.props, "rules", []))
    if not rules:
        yield "no server-side encryption rule"
    for i, rule in enumerate(rules):
        if is_unknown(rule):
            continue
        algo = get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
        if algo == "AES256" and fnmatch.fnmatchcase(r.name, S3_ACCESS_LOG_SSE):
            continue
        if differs(algo, "aws:kms", "aws:kms:dsse"):
            yield f"rules[{i}] uses {algo or 'no algorithm'} instead of aws:kms"
        elif unset(get(rule, "applyServerSideEncryptionByDefault.kmsMasterKeyId")):
            yield f"rules[{i}] uses the AWS-managed aws/s3 key: set kmsMasterKeyId to a customer-managed key"


@resource_rule(
    name="aws-sagemaker-endpoint-kms", scope="aws", types=[t.SAGEMAKER_ENDPOINT_CONFIG], severity="high",
    description="SageMaker endpoint ML storage volumes are encrypted with a customer-managed KMS key.",
    remediation="Set kms_key_arn on the endpoint configuration to the zone's data key.",
    config_path="endpoints", properties=("kmsKeyArn",))
def aws_sagemaker_kms(r: Resource, ctx: Context) -> Iterator[str]:
    if unset(get(r.props, "kmsKeyArn")):
        yield "kmsKeyArn is not set: model volumes use an AWS-managed key"


@resource_rule(
    name="aws-vector-store-cmk", scope="aws", types=[t.AOSS_SECURITY_POLICY, t.RDS_CLUSTER], severity="high",
    description="Vector stores are encrypted with a customer-managed key: OpenSearch Serverless encryption "
                "policies name a KMS key (AWSOwnedKey false); Aurora clusters are storage-encrypted with a CMK.",
    remediation="OpenSearch Serverless: encryption policy {\"AWSOwnedKey\": false, \"KmsARN\": <data key>}; "
                "Aurora: storage_encrypted=True and kms_key_id=<data key> (only at creation).",
    config_path="vectorStores", properties=("policy", "storageEncrypted", "kmsKeyId"))
def aws_vector_cmk(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.RDS_CLUSTER:
        if not_true(get(r.props, "storageEncrypted")):
            yield "storageEncrypted is not true"
        elif unset(get(r.props, "kmsKeyId")):
            yield "kmsKeyId is not set: storage uses the AWS-managed aws/rds key"
        return
    if get(r.props, "type") != "encryption":
        return
    doc = json_doc(get(r.props, "policy"))
    if is_unknown(doc) or not isinstance(doc, dict):
        return
    if doc.get("AWSOwnedKey") is not False or unset(doc.get("KmsARN")):
        yield "encryption policy uses an AWS-owned key: set AWSOwnedKey=false and KmsARN"


# --- GCP -------------------------------------------------------------------------------------------------------

MAX_ROTATION_SECONDS = 90 * 24 * 3600


def _seconds(value: object) -> float | None:
    if isinstance(value, str) and value.endswith("s"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


@resource_rule(
    name="gcp-kms-key-rotation", scope="gcp", types=[t.GCP_KMS_KEY], severity="medium",
    framework=cis("gcp", "1.10"),
    description="Cloud KMS encryption keys rotate at least every 90 days.",
    remediation="Set rotation_period='7776000s' (90 days) or shorter on the crypto key.",
    properties=("rotationPeriod",))
def gcp_kms_rotation(r: Resource, ctx: Context) -> Iterator[str]:
    purpose = get(r.props, "purpose", "ENCRYPT_DECRYPT")
    if is_unknown(purpose) or purpose != "ENCRYPT_DECRYPT":
        return
    period = get(r.props, "rotationPeriod")
    if is_unknown(period):
        return
    seconds = _seconds(period)
    if seconds is None:
        yield "rotationPeriod is not set: the key never rotates"
    elif seconds > MAX_ROTATION_SECONDS:
        yield f"rotationPeriod {period} exceeds 90 days"


@resource_rule(
    name="gcp-gke-secrets-encryption", scope="gcp", types=[t.GKE_CLUSTER], severity="high",
    framework=cis("gke", "5.3.1"),
    description="GKE encrypts Kubernetes secrets at the application layer with a Cloud KMS key.",
    remediation="Set database_encryption={state: 'ENCRYPTED', key_name: <cluster key id>} on the cluster.",
    config_path="cluster", properties=("databaseEncryption.state", "databaseEncryption.keyName"))
def gcp_gke_secrets(r: Resource, ctx: Context) -> Iterator[str]:
    if differs(get(r.props, "databaseEncryption.state", "DECRYPTED"), "ENCRYPTED"):
        yield "databaseEncryption.state is not ENCRYPTED"
    elif unset(get(r.props, "databaseEncryption.keyName")):
        yield "databaseEncryption.keyName is not set"


@resource_rule(
    name="gcp-gke-boot-disk-cmek", scope="gcp", types=[t.GKE_NODE_POOL], severity="medium",
    framework=cis("gke", "5.9.2"),
    description="GKE node boot disks are encrypted with a customer-managed key.",
    remediation="Set node_config.boot_disk_kms_key to the zone's data key on every node pool.",
    config_path="gpuPools", properties=("nodeConfig.bootDiskKmsKey",))
def gcp_boot_disk_cmek(r: Resource, ctx: Context) -> Iterator[str]:
    if unset(get(r.props, "nodeConfig.bootDiskKmsKey")):
        yield "nodeConfig.bootDiskKmsKey is not set: boot disks use Google-managed keys"


@resource_rule(
    name="gcp-vertex-cmek", scope="gcp", types=[t.VERTEX_ENDPOINT, t.VERTEX_INDEX, t.VERTEX_INDEX_ENDPOINT],
    severity="high",
    description="Vertex AI endpoints and vector search indexes are encrypted with a customer-managed key.",
    remediation="Set encryption_spec={kms_key_name: <data key id>} (a key in the same region).",
    config_path="endpoints", properties=("encryptionSpec.kmsKeyName",))
def gcp_vertex_cmek(r: Resource, ctx: Context) -> Iterator[str]:
    if unset(get(r.props, "encryptionSpec.kmsKeyName")):
        yield "encryptionSpec.kmsKeyName is not set: Google-managed encryption only"


@resource_rule(
    name="gcp-data-cmek", scope="gcp", types=[t.ALLOYDB_CLUSTER, t.GCS_BUCKET], severity="high",
    description="AlloyDB vector stores and Cloud Storage buckets (model weights, documents) use a "
                "customer-managed key.",
    remediation="AlloyDB: encryption_config={kms_key_name: <data key>}; buckets: "
                "encryption={default_kms_key_name: <data key>}.",
    config_path="vectorStores", properties=("encryptionConfig.kmsKeyName", "encryption.defaultKmsKeyName"))
def gcp_data_cmek(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.ALLOYDB_CLUSTER:
        if unset(get(r.props, "encryptionConfig.kmsKeyName")):
            yield "encryptionConfig.kmsKeyName is not set"
    elif unset(get(r.props, "encryption.defaultKmsKeyName")):
        yield "encryption.defaultKmsKeyName is not set"


# --- Azure -----------------------------------------------------------------------------------------------------

@resource_rule(
    name="azure-aks-kms-secrets", scope="azure", types=[t.AKS_CLUSTER], severity="high",
    framework=cis("aks", "5.3.1"),
    description="AKS encrypts Kubernetes secrets in etcd with a Key Vault key (KMS plugin).",
    remediation="Set security_profile.azure_key_vault_kms={enabled: True, key_id: <key versioned id>, "
                "key_vault_network_access: 'Private', key_vault_resource_id: <vault id>}.",
    config_path="cluster",
    properties=("securityProfile.azureKeyVaultKms.enabled", "securityProfile.azureKeyVaultKms.keyId"))
def azure_aks_kms(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "securityProfile.azureKeyVaultKms.enabled")):
        yield "securityProfile.azureKeyVaultKms.enabled is not true"
    elif unset(get(r.props, "securityProfile.azureKeyVaultKms.keyId")):
        yield "securityProfile.azureKeyVaultKms.keyId is not set"


@resource_rule(
    name="azure-keyvault-purge-protection", scope="azure", types=[t.KEY_VAULT], severity="high",
    framework=cis("azure", "8.3.5"),
    description="Key Vaults holding the zone's keys have soft delete and purge protection on.",
    remediation="Set properties.enable_purge_protection=True and keep enable_soft_delete on (it cannot be "
                "switched off again).",
    properties=("properties.enablePurgeProtection", "properties.enableSoftDelete"))
def azure_purge_protection(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "properties.enablePurgeProtection")):
        yield "properties.enablePurgeProtection is not true: a deleted key can be purged at once"
    if get(r.props, "properties.enableSoftDelete") is False:
        yield "properties.enableSoftDelete is false"


@resource_rule(
    name="azure-data-cmk", scope="azure",
    types=[t.STORAGE_ACCOUNT, t.COSMOS_ACCOUNT, t.SEARCH_SERVICE, t.ML_WORKSPACE], severity="high",
    enforcement=ALWAYS,
    description="Storage accounts, vector stores (Cosmos DB, AI Search) and Azure ML workspaces encrypt with a "
                "customer-managed Key Vault key.",
    remediation="Storage: encryption={key_source: 'Microsoft.Keyvault', key_vault_properties: {...}, identity}; "
                "Cosmos DB: key_vault_key_uri with a default identity; AI Search: "
                "encryption_with_cmk={enforcement: 'Enabled'}; ML workspace: encryption={status: 'Enabled', "
                "key_vault_properties: {key_identifier, key_vault_arm_id}} (set at creation).",
    config_path="vectorStores",
    properties=("encryption.keySource", "keyVaultKeyUri", "encryptionWithCmk.enforcement", "encryption.status",
                "encryption.keyVaultProperties.keyIdentifier"))
def azure_data_cmk(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.ML_WORKSPACE:
        if differs(get(r.props, "encryption.status", "Disabled"), "Enabled"):
            yield "encryption.status is not Enabled: workspace data uses Microsoft-managed keys"
        elif unset(get(r.props, "encryption.keyVaultProperties.keyIdentifier")):
            yield "encryption.keyVaultProperties.keyIdentifier is not set"
        return
    if r.type == t.STORAGE_ACCOUNT:
        if differs(get(r.props, "encryption.keySource", "Microsoft.Storage"), "Microsoft.Keyvault"):
            yield "encryption.keySource is not Microsoft.Keyvault: Microsoft-managed keys only"
    elif r.type == t.COSMOS_ACCOUNT:
        if unset(get(r.props, "keyVaultKeyUri")):
            yield "keyVaultKeyUri is not set: service-managed keys only"
    elif differs(get(r.props, "encryptionWithCmk.enforcement", "Unspecified"), "Enabled"):
        yield "encryptionWithCmk.enforcement is not Enabled: indexes may be stored without a CMK"



@resource_rule(
    name="azure-aks-host-encryption", scope="azure", types=[t.AKS_CLUSTER, t.AKS_AGENT_POOL], severity="medium",
    description="AKS node disks are encrypted with the zone's key: a disk encryption set on the cluster and "
                "encryption at host (temp disks and caches too) on every node pool.",
    remediation="Set disk_encryption_set_id on the managed cluster and enable_encryption_at_host=True on each "
                "agent pool (the subscription needs the EncryptionAtHost feature registered).",
    config_path="gpuPools", properties=("diskEncryptionSetID", "enableEncryptionAtHost"))
def azure_host_encryption(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.AKS_CLUSTER:
        if unset(get(r.props, "diskEncryptionSetID")):
            yield "diskEncryptionSetID is not set: node OS disks use platform-managed keys"
    elif not_true(get(r.props, "enableEncryptionAtHost")):
        yield "enableEncryptionAtHost is not true: temp disks and disk caches are not encrypted with the key"
