"""Identity: no admin-everything IAM, instance metadata locked down, workload identity instead of node keys,
Entra ID RBAC on AKS, and no local/shared-key authentication on AI data services."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import Context, Resource, cis, resource_rule
from llmops_landing_zone.policies.values import differs, get, is_false, is_unknown, json_doc, listed, not_true, unset

# --- AWS -------------------------------------------------------------------------------------------------------

ADMIN_POLICY_ARNS = ("arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws-cn:iam::aws:policy/AdministratorAccess",
                     "arn:aws-us-gov:iam::aws:policy/AdministratorAccess")


def _admin_statements(doc: Any) -> list[int]:
    """Indexes of Allow statements granting Action "*" on Resource "*"."""
    found = []
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    for i, stmt in enumerate(listed(statements) if statements is not None else []):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        actions = listed(stmt.get("Action"))
        resources = listed(stmt.get("Resource"))
        if "*" in actions and "*" in resources:
            found.append(i)
    return found


@resource_rule(
    name="aws-iam-no-admin-policy", scope="aws",
    types=[t.IAM_POLICY, t.IAM_ROLE_POLICY, t.IAM_ROLE_POLICY_ATTACHMENT], severity="critical",
    framework=cis("aws", "1.15"),
    description="No IAM policy of the zone grants full administrative privileges (Action \"*\" on Resource "
                "\"*\"), and no role gets AdministratorAccess attached.",
    remediation="Grant the actions each role needs on the zone's resources (components.aws.base.statement); "
                "use EKS access entries scoped to namespaces for people.",
    properties=("policy", "policyArn"))
def aws_no_admin(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.IAM_ROLE_POLICY_ATTACHMENT:
        arn = get(r.props, "policyArn")
        if arn in ADMIN_POLICY_ARNS:
            yield "AdministratorAccess is attached"
        return
    doc = json_doc(get(r.props, "policy"))
    if is_unknown(doc) or doc is None:
        return
    for i in _admin_statements(doc):
        yield f"statement {i} allows Action \"*\" on Resource \"*\""


@resource_rule(
    name="aws-imdsv2-required", scope="aws", types=[t.EC2_LAUNCH_TEMPLATE], severity="high",
    framework=cis("aws", "5.7"),
    description="GPU and system nodes require IMDSv2 and keep the metadata hop limit at 1, so pods cannot steal "
                "the node role's credentials.",
    remediation="Set metadata_options={http_tokens: 'required', http_put_response_hop_limit: 1, "
                "http_endpoint: 'enabled'} on the node launch template.",
    config_path="gpuPools", properties=("metadataOptions.httpTokens", "metadataOptions.httpPutResponseHopLimit"))
def aws_imdsv2(r: Resource, ctx: Context) -> Iterator[str]:
    if differs(get(r.props, "metadataOptions.httpTokens", "optional"), "required"):
        yield "metadataOptions.httpTokens is not 'required': IMDSv1 is allowed"
    hops = get(r.props, "metadataOptions.httpPutResponseHopLimit")
    if not is_unknown(hops) and isinstance(hops, int) and hops > 1:
        yield f"metadataOptions.httpPutResponseHopLimit is {hops}: containers can reach the node's credentials"


# --- GCP -------------------------------------------------------------------------------------------------------

@resource_rule(
    name="gcp-gke-workload-identity", scope="gcp", types=[t.GKE_CLUSTER, t.GKE_NODE_POOL], severity="high",
    framework=cis("gke", "5.2.2 / 5.4.1"),
    description="GKE uses Workload Identity: the cluster has a workload pool and node pools run the GKE "
                "metadata server, so pods never see the node's service account.",
    remediation="Cluster: workload_identity_config={workload_pool: '<project>.svc.id.goog'}; node pools: "
                "node_config.workload_metadata_config={mode: 'GKE_METADATA'}.",
    config_path="cluster",
    properties=("workloadIdentityConfig.workloadPool", "nodeConfig.workloadMetadataConfig.mode"))
def gcp_workload_identity(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.GKE_CLUSTER:
        if unset(get(r.props, "workloadIdentityConfig.workloadPool")):
            yield "workloadIdentityConfig.workloadPool is not set"
    elif differs(get(r.props, "nodeConfig.workloadMetadataConfig.mode", "GCE_METADATA"), "GKE_METADATA"):
        yield "nodeConfig.workloadMetadataConfig.mode is not GKE_METADATA: pods can read node credentials"


@resource_rule(
    name="gcp-gke-node-service-account", scope="gcp", types=[t.GKE_NODE_POOL], severity="high",
    framework=cis("gke", "5.2.1"),
    description="GKE nodes run as a dedicated least-privilege service account, not the Compute Engine default.",
    remediation="Set node_config.service_account to the zone's node service account (roles: logging.logWriter, "
                "monitoring.metricWriter, artifactregistry.reader).",
    config_path="gpuPools", properties=("nodeConfig.serviceAccount",))
def gcp_node_sa(r: Resource, ctx: Context) -> Iterator[str]:
    sa = get(r.props, "nodeConfig.serviceAccount")
    if is_unknown(sa):
        return
    if unset(sa) or sa == "default" or str(sa).endswith("-compute@developer.gserviceaccount.com"):
        yield "nodes use the Compute Engine default service account (Editor on the project)"


# --- Azure -----------------------------------------------------------------------------------------------------

@resource_rule(
    name="azure-aks-entra-rbac", scope="azure", types=[t.AKS_CLUSTER], severity="high",
    framework=cis("aks", "5.5.2"),
    description="AKS authenticates with Entra ID, authorizes with Azure RBAC and has local accounts disabled.",
    remediation="Set aad_profile={managed: True, enable_azure_rbac: True} and disable_local_accounts=True.",
    config_path="cluster",
    properties=("aadProfile.managed", "aadProfile.enableAzureRBAC", "disableLocalAccounts"))
def azure_entra_rbac(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "aadProfile.managed")):
        yield "aadProfile.managed is not true: no Entra ID integration"
    if not_true(get(r.props, "aadProfile.enableAzureRBAC")):
        yield "aadProfile.enableAzureRBAC is not true"
    if not_true(get(r.props, "disableLocalAccounts")):
        yield "disableLocalAccounts is not true: the static admin kubeconfig still works"


@resource_rule(
    name="azure-aks-workload-identity", scope="azure", types=[t.AKS_CLUSTER], severity="high",
    description="AKS pods get Entra ID tokens through workload identity (OIDC issuer on), not node credentials.",
    remediation="Set oidc_issuer_profile={enabled: True} and security_profile.workload_identity={enabled: True}.",
    config_path="cluster",
    properties=("oidcIssuerProfile.enabled", "securityProfile.workloadIdentity.enabled"))
def azure_workload_identity(r: Resource, ctx: Context) -> Iterator[str]:
    if not_true(get(r.props, "oidcIssuerProfile.enabled")):
        yield "oidcIssuerProfile.enabled is not true"
    if not_true(get(r.props, "securityProfile.workloadIdentity.enabled")):
        yield "securityProfile.workloadIdentity.enabled is not true"


@resource_rule(
    name="azure-data-local-auth-disabled", scope="azure",
    types=[t.SEARCH_SERVICE, t.COSMOS_ACCOUNT, t.COGNITIVE_ACCOUNT, t.STORAGE_ACCOUNT, t.ML_ONLINE_ENDPOINT],
    severity="high",
    description="AI data and model services accept Entra ID tokens only: no API keys on AI Search, Cosmos DB, "
                "Azure OpenAI or Azure ML online endpoints, no shared keys on storage accounts.",
    remediation="Set disable_local_auth=True (Cognitive Services: properties.disable_local_auth), "
                "allow_shared_key_access=False on storage and properties.auth_mode='AADToken' on online endpoints; "
                "grant data-plane roles to managed identities.",
    properties=("disableLocalAuth", "properties.disableLocalAuth", "allowSharedKeyAccess", "properties.authMode"))
def azure_local_auth(r: Resource, ctx: Context) -> Iterator[str]:
    if r.type == t.ML_ONLINE_ENDPOINT:
        if differs(get(r.props, "properties.authMode", "Key"), "AADToken"):
            yield "properties.authMode is not AADToken: static endpoint keys grant access"
        return
    if r.type == t.STORAGE_ACCOUNT:
        value = get(r.props, "allowSharedKeyAccess")
        if not is_unknown(value) and not is_false(value):
            yield "allowSharedKeyAccess is not false: account keys grant full data access"
        return
    path = "properties.disableLocalAuth" if r.type == t.COGNITIVE_ACCOUNT else "disableLocalAuth"
    if not_true(get(r.props, path)):
        yield f"{path} is not true: API keys grant access without Entra ID"
