"""Network exposure: private control planes, private model endpoints and vector stores, no public buckets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import Context, Resource, Stack, cis, resource_rule, stack_rule
from llmops_landing_zone.policies.values import (
    differs,
    get,
    is_false,
    is_true,
    is_unknown,
    json_doc,
    listed,
    not_true,
    unset,
)

OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def _is_open(cidr: object) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return cidr in OPEN_CIDRS


# --- AWS -------------------------------------------------------------------------------------------------------

@resource_rule(
    name="aws-eks-private-endpoint", scope="aws", types=[t.EKS_CLUSTER], severity="high",
    framework=cis("eks", "5.4.1 / 5.4.2"),
    description="The EKS API endpoint is private; a public endpoint, if any, is limited to named CIDRs.",
    remediation="Keep cluster.publicEndpoint false (vpc_config endpoint_private_access=True, "
                "endpoint_public_access=False), or list cluster.authorizedNetworks so public_access_cidrs "
                "never contains 0.0.0.0/0.",
    config_path="cluster.publicEndpoint",
    properties=("vpcConfig.endpointPrivateAccess", "vpcConfig.endpointPublicAccess", "vpcConfig.publicAccessCidrs"))
def aws_eks_private(r: Resource, ctx: Context) -> Iterator[str]:
    vpc = get(r.props, "vpcConfig", {})
    if is_unknown(vpc):
        return
    if not_true(get(vpc, "endpointPrivateAccess")):
        yield "vpcConfig.endpointPrivateAccess is not true: nodes reach the API over the internet"
    public = get(vpc, "endpointPublicAccess", True)  # the EKS default is a public endpoint
    if is_unknown(public) or is_false(public):
        return
    cidrs = get(vpc, "publicAccessCidrs", ["0.0.0.0/0"])
    if is_unknown(cidrs):
        return
    open_ = [c for c in listed(cidrs) if _is_open(c)]
    if open_ or not listed(cidrs):
        yield "the public API endpoint is open to the internet (publicAccessCidrs includes 0.0.0.0/0)"


@resource_rule(
    name="aws-sagemaker-network-isolation", scope="aws", types=[t.SAGEMAKER_MODEL], severity="high",
    description="SageMaker models run network-isolated inside the zone's VPC (no public model endpoint, no "
                "outbound internet from the container).",
    remediation="Set enable_network_isolation=True and vpc_config={subnets: <private subnets>, "
                "security_group_ids: [...]} on the model; reach the endpoint through the sagemaker.runtime "
                "interface endpoint.",
    config_path="endpoints", properties=("enableNetworkIsolation", "vpcConfig.subnets"))
def aws_sagemaker_isolation(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "enableNetworkIsolation")):
        yield "enableNetworkIsolation is not true: the model container can reach the internet"
    if unset(get(r.props, "vpcConfig.subnets")):
        yield "vpcConfig is not set: the model runs outside the zone's VPC"


@resource_rule(
    name="aws-opensearch-private", scope="aws", types=[t.AOSS_SECURITY_POLICY], severity="critical",
    description="OpenSearch Serverless vector collections are reachable only through the zone's VPC endpoint.",
    remediation="Network policy rules: \"AllowFromPublic\": false with \"SourceVPCEs\": [<zone aoss endpoint>].",
    config_path="vectorStores", properties=("policy",))
def aws_opensearch_private(r: Resource, ctx: Context) -> Iterator[str]:
    if get(r.props, "type") != "network":
        return
    doc = json_doc(get(r.props, "policy"))
    if is_unknown(doc) or doc is None:
        return
    for i, rule in enumerate(listed(doc)):
        if not isinstance(rule, dict):
            continue
        if rule.get("AllowFromPublic") is not False:
            yield f"network policy rule {i} allows access from the public internet"
        elif not rule.get("SourceVPCEs") and not rule.get("SourceServices"):
            yield f"network policy rule {i} names no VPC endpoint"


@resource_rule(
    name="aws-rds-private", scope="aws", types=[t.RDS_CLUSTER_INSTANCE], severity="critical",
    description="Aurora (pgvector) instances are never publicly accessible.",
    remediation="Set publicly_accessible=False and place the cluster in the private subnets' DB subnet group.",
    config_path="vectorStores", properties=("publiclyAccessible",))
def aws_rds_private(r: Resource, ctx: Context) -> Iterator[str]:
    if is_true(get(r.props, "publiclyAccessible")):
        yield "publiclyAccessible is true"


PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@resource_rule(
    name="aws-s3-public-access-block", scope="aws",
    types=[t.S3_PUBLIC_ACCESS_BLOCK, t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK], severity="critical",
    framework=cis("aws", "2.1.4"),
    description="S3 Block Public Access has all four settings on.",
    remediation="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets to "
                "True (components.aws.base.private_bucket does).",
    properties=PAB_FLAGS)
def aws_s3_pab(r: Resource, ctx: Context) -> Iterator[str]:
    off = [f for f in PAB_FLAGS if not_true(get(r.props, f))]
    if off:
        yield f"public access is not blocked: {', '.join(off)} not true"


@stack_rule(
    name="aws-s3-bucket-private", scope="aws", severity="critical", framework=cis("aws", "2.1.4"),
    types=[*t.S3_BUCKETS, t.S3_PUBLIC_ACCESS_BLOCK, t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK],
    description="Every S3 bucket (model weights, documents, trail) has its own public access block, or the "
                "account blocks public access.",
    remediation="Create an aws.s3.BucketPublicAccessBlock for each bucket (components.aws.base.private_bucket).",
    properties=("bucket",))
def aws_s3_bucket_private(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if stack.of_type(t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK):
        return  # account-wide block (its flags are checked by aws-s3-public-access-block)
    guarded = {dep for pab in stack.of_type(t.S3_PUBLIC_ACCESS_BLOCK) for dep in pab.dependencies}
    guarded |= {get(pab.props, "bucket") for pab in stack.of_type(t.S3_PUBLIC_ACCESS_BLOCK)}
    for bucket in stack.of_type(*t.S3_BUCKETS):
        if bucket.urn not in guarded and get(bucket.props, "bucket") not in guarded:
            yield "bucket has no public access block", bucket.urn


# --- GCP -------------------------------------------------------------------------------------------------------

@resource_rule(
    name="gcp-gke-private-cluster", scope="gcp", types=[t.GKE_CLUSTER], severity="high",
    framework=cis("gke", "5.6.4 / 5.6.5"),
    description="GKE nodes have private IPs only and the control plane has a private endpoint.",
    remediation="Set private_cluster_config={enable_private_nodes: True, enable_private_endpoint: True} (keep "
                "cluster.publicEndpoint false).",
    config_path="cluster.publicEndpoint",
    properties=("privateClusterConfig.enablePrivateNodes", "privateClusterConfig.enablePrivateEndpoint"))
def gcp_private_cluster(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "privateClusterConfig.enablePrivateNodes")):
        yield "privateClusterConfig.enablePrivateNodes is not true: nodes get public IPs"
    if not_true(get(r.props, "privateClusterConfig.enablePrivateEndpoint")):
        yield "privateClusterConfig.enablePrivateEndpoint is not true: the control plane has a public endpoint"


@resource_rule(
    name="gcp-gke-authorized-networks", scope="gcp", types=[t.GKE_CLUSTER], severity="high",
    framework=cis("gke", "5.6.3"),
    description="GKE control-plane authorized networks are on and never include 0.0.0.0/0.",
    remediation="Set master_authorized_networks_config={cidr_blocks: [<the zone's CIDR or admin ranges>]}.",
    config_path="cluster.authorizedNetworks",
    properties=("masterAuthorizedNetworksConfig", "masterAuthorizedNetworksConfig.cidrBlocks"))
def gcp_authorized_networks(r: Resource, ctx: Context) -> Iterator[str]:
    config = get(r.props, "masterAuthorizedNetworksConfig")
    if is_unknown(config):
        return
    if not isinstance(config, dict):
        yield "masterAuthorizedNetworksConfig is not set: any address may reach the control plane"
        return
    for i, block in enumerate(listed(config.get("cidrBlocks") or [])):
        cidr = get(block, "cidrBlock")
        if _is_open(cidr):
            yield f"masterAuthorizedNetworksConfig.cidrBlocks[{i}] is {cidr}"


@resource_rule(
    name="gcp-vertex-private-endpoint", scope="gcp",
    types=[t.VERTEX_ENDPOINT, t.VERTEX_INDEX_ENDPOINT, t.VERTEX_MODEL_GARDEN],
    severity="critical",
    description="Vertex AI model endpoints and vector search index endpoints are private (VPC peering or "
                "Private Service Connect), never public.",
    remediation="Set network='projects/<number>/global/networks/<vpc>' or private_service_connect_config="
                "{enable_private_service_connect: True, project_allowlist: [<project>]}; leave "
                "public_endpoint_enabled unset.",
    config_path="endpoints",
    properties=("network", "privateServiceConnectConfig.enablePrivateServiceConnect", "publicEndpointEnabled",
                "endpointConfig.privateServiceConnectConfig.enablePrivateServiceConnect"))
def gcp_vertex_private(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.VERTEX_MODEL_GARDEN:  # Model Garden deployments: only Private Service Connect is offered
        if not_true(get(r.props, "endpointConfig.privateServiceConnectConfig.enablePrivateServiceConnect")):
            yield "endpointConfig.privateServiceConnectConfig is not enabled: the model endpoint is public"
        return
    if is_true(get(r.props, "publicEndpointEnabled")):
        yield "publicEndpointEnabled is true"
    network = get(r.props, "network")
    psc = get(r.props, "privateServiceConnectConfig.enablePrivateServiceConnect")
    if unset(network) and not is_unknown(psc) and not is_true(psc):
        yield "neither network nor Private Service Connect is configured: the endpoint is public"


@resource_rule(
    name="gcp-storage-private", scope="gcp", types=[t.GCS_BUCKET], severity="critical",
    description="Cloud Storage buckets enforce public access prevention and uniform bucket-level access.",
    remediation="Set public_access_prevention='enforced' and uniform_bucket_level_access=True.",
    properties=("publicAccessPrevention", "uniformBucketLevelAccess"))
def gcp_storage_private(r: Resource, ctx: Context) -> Iterator[str]:
    if differs(get(r.props, "publicAccessPrevention", "inherited"), "enforced"):
        yield "publicAccessPrevention is not enforced"
    if not_true(get(r.props, "uniformBucketLevelAccess")):
        yield "uniformBucketLevelAccess is not true: object ACLs can make objects public"


@resource_rule(
    name="gcp-alloydb-private", scope="gcp", types=[t.ALLOYDB_INSTANCE], severity="critical",
    description="AlloyDB (vector store) instances have no public IP.",
    remediation="Leave network_config.enable_public_ip unset (or False); connect through Private Service Access.",
    config_path="vectorStores", properties=("networkConfig.enablePublicIp",))
def gcp_alloydb_private(r: Resource, ctx: Context) -> Iterator[str]:
    if is_true(get(r.props, "networkConfig.enablePublicIp")):
        yield "networkConfig.enablePublicIp is true"


# --- Azure -----------------------------------------------------------------------------------------------------

@resource_rule(
    name="azure-aks-private-api", scope="azure", types=[t.AKS_CLUSTER], severity="high",
    framework=cis("aks", "5.4.1 / 5.4.2"),
    description="The AKS API server is private, or limited to authorized IP ranges that exclude 0.0.0.0/0.",
    remediation="Set api_server_access_profile={enable_private_cluster: True} (or authorized_ip_ranges with the "
                "admin ranges) and keep cluster.publicEndpoint false.",
    config_path="cluster.publicEndpoint",
    properties=("apiServerAccessProfile.enablePrivateCluster", "apiServerAccessProfile.authorizedIPRanges"))
def azure_private_api(r: Resource, ctx: Context) -> Iterator[str]:
    private = get(r.props, "apiServerAccessProfile.enablePrivateCluster")
    ranges = get(r.props, "apiServerAccessProfile.authorizedIPRanges", [])
    if is_unknown(private) or is_true(private) or is_unknown(ranges):
        return
    if not listed(ranges):
        yield "the API server is public and has no authorized IP ranges"
    elif any(_is_open(c) for c in listed(ranges)):
        yield "apiServerAccessProfile.authorizedIPRanges includes 0.0.0.0/0"


def _public_network_access(r: Resource, path: str) -> Iterator[str]:
    value = get(r.props, path, "Enabled")  # Azure's default for every service below is Enabled
    if differs(value, "Disabled", "SecuredByPerimeter"):
        yield f"{path} is {value}: reachable from the internet"


@resource_rule(
    name="azure-storage-private", scope="azure", types=[t.STORAGE_ACCOUNT], severity="critical",
    framework=cis("azure", "9.3.2.2"),
    description="Storage accounts (model weights, audit logs) are unreachable from the internet (public network "
                "access disabled, or a deny-all firewall that admits only trusted Azure services), never allow "
                "public blobs, and accept TLS 1.2+ only.",
    remediation="Set public_network_access='Disabled' and reach the account through a private endpoint; an "
                "account Azure Monitor writes to may keep it 'Enabled' with network_rule_set={default_action: "
                "'Deny', bypass: 'AzureServices'} and no IP or VNet rules. Also allow_blob_public_access=False, "
                "minimum_tls_version='TLS1_2'.",
    properties=("publicNetworkAccess", "networkRuleSet.defaultAction", "allowBlobPublicAccess",
                "minimumTlsVersion"))
def azure_storage_private(r: Resource, ctx: Context) -> Iterator[str]:
    rules = get(r.props, "networkRuleSet", {})
    action = get(rules, "defaultAction")
    ips, vnets = get(rules, "ipRules", []), get(rules, "virtualNetworkRules", [])
    if any(is_unknown(v) for v in (rules, action, ips, vnets)):
        firewalled = True
    else:
        firewalled = action == "Deny" and not listed(ips) and not listed(vnets)
    if not firewalled:
        yield from _public_network_access(r, "publicNetworkAccess")
    if not is_unknown(v := get(r.props, "allowBlobPublicAccess")) and not is_false(v):
        yield "allowBlobPublicAccess is not false"
    if differs(get(r.props, "minimumTlsVersion", "TLS1_0"), "TLS1_2", "TLS1_3"):
        yield "minimumTlsVersion is below TLS1_2"


@resource_rule(
    name="azure-ml-endpoint-private", scope="azure",
    types=[t.ML_ONLINE_ENDPOINT, t.ML_WORKSPACE, t.ML_ONLINE_DEPLOYMENT], severity="critical",
    description="Azure ML workspaces and managed online endpoints (model serving) disable public network "
                "access, and deployments have no public egress.",
    remediation="Workspace: public_network_access='Disabled' with a private endpoint and managed network "
                "isolation; online endpoint: properties.public_network_access='Disabled'; deployment: "
                "properties.egress_public_network_access='Disabled'.",
    config_path="endpoints",
    properties=("publicNetworkAccess", "properties.publicNetworkAccess", "properties.egressPublicNetworkAccess"))
def azure_ml_private(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.ML_ONLINE_DEPLOYMENT:
        yield from _public_network_access(r, "properties.egressPublicNetworkAccess")
    elif r.type == t.ML_ONLINE_ENDPOINT:
        yield from _public_network_access(r, "properties.publicNetworkAccess")
    else:
        path = "publicNetworkAccess" if get(r.props, "publicNetworkAccess") is not None \
            else "properties.publicNetworkAccess"
        yield from _public_network_access(r, path)


@resource_rule(
    name="azure-vector-store-private", scope="azure", types=[t.SEARCH_SERVICE, t.COSMOS_ACCOUNT, t.KEY_VAULT,
                                                             t.COGNITIVE_ACCOUNT],
    severity="critical",
    description="Vector stores (AI Search, Cosmos DB), Key Vaults and Azure OpenAI accounts disable public "
                "network access and are reached through private endpoints.",
    remediation="Set public_network_access='Disabled' (Key Vault and Cognitive Services: under properties) and "
                "add an azure-native:network:PrivateEndpoint in the zone's VNet.",
    config_path="vectorStores", properties=("publicNetworkAccess", "properties.publicNetworkAccess"))
def azure_vector_private(r: Resource, ctx: Context) -> Iterator[str]:
    nested = r.type in (t.KEY_VAULT, t.COGNITIVE_ACCOUNT)
    yield from _public_network_access(r, "properties.publicNetworkAccess" if nested else "publicNetworkAccess")

