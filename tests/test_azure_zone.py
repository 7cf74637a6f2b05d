"""The Azure landing zone, entity by entity, on the recorded plans of the azure-dev and azure-prod stacks.

Each test reads what the program registered (types, key inputs, options, dependencies), never log text.
"""

from __future__ import annotations

import datetime as dt
import inspect
import ipaddress
import json
from importlib import import_module

import pytest
from plan_checks import assert_engine_names_only

from llmops_landing_zone.components import catalog, resolve, sizing
from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.audit import workspace_retention
from llmops_landing_zone.components.azure.base import FORBIDDEN_ROLES, ROLES
from llmops_landing_zone.components.azure.budget import MAX_NOTIFICATIONS, budget_start, notification_plan
from llmops_landing_zone.components.azure.cluster import AKS_LOG_CATEGORIES, cluster_cidrs
from llmops_landing_zone.components.azure.gpu_pool import AKS_SPOT_TAINT, scheduling
from llmops_landing_zone.components.azure.network import PRIVATE_DNS_ZONES, private_dns_zones, subnet_layout
from llmops_landing_zone.components.azure.registry import registry_model
from llmops_landing_zone.components.common import zone_tags
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.mocks import AZURE_SUBSCRIPTION, AZURE_TENANT
from llmops_landing_zone.llz.mocks.azure import ARM, DEPLOYER_OBJECT_ID, EXTENSION

SUFFIX = names.subscription_suffix(AZURE_SUBSCRIPTION)
RG_ID = f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/acme-llm-rg"
STATEFUL_TYPES = {
    "azure-native:monitor:AzureMonitorWorkspace",  # serving metrics (components/azure/monitoring.py)
    "azure-native:resources:ResourceGroup",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:applicationinsights:Component",
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:operationalinsights:Workspace",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobContainer",
    "azure-native:search:Service",
    "azure-native:cosmosdb:DatabaseAccount",
    "azure-native:cosmosdb:SqlResourceSqlDatabase",
    "azure-native:cosmosdb:SqlResourceSqlContainer",
    "azure-native:machinelearningservices:Workspace",
}
# Stateful resources that get a CanNotDelete lock in prod (keys, databases and containers sit below them).
LOCKED_TYPES = {
    "azure-native:keyvault:Vault",
    "azure-native:operationalinsights:Workspace",
    "azure-native:storage:StorageAccount",
    "azure-native:search:Service",
    "azure-native:cosmosdb:DatabaseAccount",
    "azure-native:machinelearningservices:Workspace",
}


@pytest.fixture(scope="module")
def stacks() -> dict[str, tuple[ZoneConfig, Plan]]:
    return {env: (offline.load(f"azure-{env}")[2], offline.plan(f"azure-{env}")) for env in ("dev", "prod")}


@pytest.fixture(scope="module")
def dev(stacks: dict) -> Plan:
    return stacks["dev"][1]


@pytest.fixture(scope="module")
def prod(stacks: dict) -> Plan:
    return stacks["prod"][1]


@pytest.fixture(scope="module")
def dev_cfg(stacks: dict) -> ZoneConfig:
    return stacks["dev"][0]


@pytest.fixture(scope="module")
def prod_cfg(stacks: dict) -> ZoneConfig:
    return stacks["prod"][0]


@pytest.fixture(scope="module")
def second_step(prod_cfg: ZoneConfig) -> tuple[dict[str, PlannedResource], set[str], dict[str, list[str]]]:
    """The prod program run once more as `pulumi up` would after the first deployment (lock flag set), with
    what the plan JSON does not carry recorded too: unmocked invokes and ignoreChanges."""
    from llmops_landing_zone.components.config.loader import pulumi_config_values
    from llmops_landing_zone.components.program import main
    from llmops_landing_zone.llz import engine

    ignored: dict[str, list[str]] = {}
    original = engine.RecordingMonitor.RegisterResource

    def spy(self, request):
        ignored[request.name] = list(request.ignoreChanges)
        return original(self, request)

    locked = prod_cfg.model_copy(deep=True)
    locked.audit.lock_immutability = True
    raw = {"llmops:zone": locked.model_dump(by_alias=True)}
    engine.RecordingMonitor.RegisterResource = spy  # type: ignore[method-assign]
    try:
        records, mocks = engine.run(lambda: main(locked), stack="t", config=pulumi_config_values(raw),
                                    region="eastus")
    finally:
        engine.RecordingMonitor.RegisterResource = original  # type: ignore[method-assign]
    return {r.name: r for r in records}, set(mocks.unmocked_calls), ignored


def arm_id(path: str) -> str:
    return f"{RG_ID}/providers/{path}"


def role_of(r: PlannedResource) -> str:
    return r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]


def grants(plan: Plan) -> list[PlannedResource]:
    return plan.of_type("azure-native:authorization:RoleAssignment")


def endpoints_for(plan: Plan, target_id: str) -> list[PlannedResource]:
    return [r for r in plan.of_type("azure-native:network:PrivateEndpoint")
            if r.inputs["privateLinkServiceConnections"][0]["privateLinkServiceId"] == target_id]


# --- the whole plan -----------------------------------------------------------------------------------------


def test_both_stacks_plan_with_every_entity(dev: Plan, prod: Plan) -> None:
    common = {"llmops:azure:Network", "llmops:azure:Keys", "llmops:azure:Audit", "llmops:azure:Cluster",
              "llmops:azure:GpuPool", "llmops:azure:ModelStore", "llmops:azure:VllmService",
              "llmops:azure:AiSearch", "llmops:azure:TeamAccess", "llmops:azure:Budget"}
    managed = {"llmops:azure:MlWorkspace", "llmops:azure:ManagedEndpoint", "llmops:azure:CosmosVectorStore"}
    prod_kinds = {r.type for r in prod.resources}
    dev_kinds = {r.type for r in dev.resources}
    assert common | managed <= prod_kinds
    assert common <= dev_kinds and not managed & dev_kinds
    assert {"llmops:k8s:ClusterAddons", "llmops:k8s:VllmEndpoint", "llmops:k8s:TeamNamespace"} <= dev_kinds


def test_every_azure_resource_sits_under_a_zone_component(prod: Plan) -> None:
    components = {r.urn: r for r in prod.resources if not r.custom}
    for r in prod.resources:
        if r.type.startswith("azure-native:"):
            assert r.parent in components and components[r.parent].type.startswith("llmops:azure:"), r.name


def test_no_resource_is_auto_named(dev: Plan, prod: Plan) -> None:
    """azure-native invents a random physical name when its name argument is missing: every resource passes
    one (the mock table says which input names each type)."""
    for plan in (dev, prod):
        for r in plan.resources:
            if not r.type.startswith("azure-native:"):
                continue
            token = r.type.removeprefix("azure-native:")
            if token == "monitor:SubscriptionDiagnosticSetting":
                field = "name"
            else:
                field = ARM[token][1] if token in ARM else EXTENSION[token][2]
            assert isinstance(r.inputs.get(field), str) and r.inputs[field], (r.type, r.name, field)


def _azure_class(type_: str) -> type:
    _, module, cls = type_.split(":")
    return getattr(import_module(f"pulumi_azure_native.{module}"), cls)


def test_every_taggable_resource_carries_the_zone_tags(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    checked = 0
    for plan, cfg in ((dev, dev_cfg), (prod, prod_cfg)):
        for r in plan.resources:
            if r.type.startswith("azure-native:") and \
                    "tags" in inspect.signature(_azure_class(r.type)._internal_init).parameters:
                assert zone_tags(cfg.name, cfg.environment, cfg.tags).items() <= (r.inputs.get("tags") or {}).items(), r.name
                checked += 1
    assert checked > 80


def test_no_snake_case_key_reaches_the_engine(dev: Plan, prod: Plan) -> None:
    """A snake_case key is an argument the SDK did not map (a union-typed input given as a dict, a typo)."""
    assert_engine_names_only((dev, prod), "azure-native:",
                             maps={"tags", "environmentVariables", "nodeLabels", "notifications"})


def test_globally_unique_names_carry_the_subscription_suffix_and_fit(prod: Plan) -> None:
    assert SUFFIX == names.subscription_suffix(AZURE_SUBSCRIPTION.upper())  # case-insensitive, stable
    vaults = {r.inputs["vaultName"] for r in prod.of_type("azure-native:keyvault:Vault")}
    assert vaults == {f"acme-llm-kv-{SUFFIX}", f"acme-llm-mlkv-{SUFFIX}"}
    accounts = {r.inputs["accountName"] for r in prod.of_type("azure-native:storage:StorageAccount")}
    assert accounts == {f"acmellmaudit{SUFFIX}", f"acmellmmodels{SUFFIX}", f"acmellmmlws{SUFFIX}"}
    assert all(3 <= len(a) <= 24 and a.isalnum() and a.islower() for a in accounts)
    assert all(3 <= len(v) <= 24 for v in vaults)
    assert prod.one("azure-native:search:Service").inputs["searchServiceName"] == f"acme-llm-docs-{SUFFIX}"
    assert prod.one("azure-native:cosmosdb:DatabaseAccount").inputs["accountName"] == f"acme-llm-catalog-{SUFFIX}"
    endpoint = prod.one("azure-native:machinelearningservices:OnlineEndpoint").inputs["endpointName"]
    assert endpoint == f"acme-llm-summarize-{SUFFIX}" and len(endpoint) <= 32


def test_every_invoke_is_mocked_and_the_kubeconfig_comes_from_the_user_credentials(second_step: tuple) -> None:
    records, unmocked, _ = second_step
    assert not unmocked
    provider = next(r for r in records.values() if r.type == "pulumi:providers:kubernetes")
    kubeconfig = provider.inputs["kubeconfig"]
    # the exec (Entra ID via kubelogin) kubeconfig of the cluster, decoded from the invoke's base64
    assert "kubelogin" in kubeconfig and "acme-llm-aks" in kubeconfig and kubeconfig.startswith("apiVersion")


# --- network ------------------------------------------------------------------------------------------------


def test_vnet_and_subnets_follow_the_shared_plan(prod: Plan, prod_cfg: ZoneConfig) -> None:
    vnet = prod.one("azure-native:network:VirtualNetwork")
    assert vnet.inputs["addressSpace"]["addressPrefixes"] == [prod_cfg.network.cidr]
    layout = subnet_layout(prod_cfg.network.cidr, prod_cfg.network.zones)
    subnets = {r.inputs["subnetName"]: r for r in prod.of_type("azure-native:network:Subnet")}
    assert {k: s.inputs["addressPrefix"] for k, s in subnets.items()} == {
        "nodes": layout["nodes"], "private-endpoints": layout["endpoints"], "aks-apiserver": layout["apiserver"],
        "deploy-runner": layout["runner"]}
    cidr = ipaddress.ip_network(prod_cfg.network.cidr)
    nets = [ipaddress.ip_network(p) for p in layout.values()]
    assert all(n.subnet_of(cidr) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    assert ipaddress.ip_network(layout["apiserver"]).prefixlen == 28
    assert ipaddress.ip_network(layout["runner"]).prefixlen == 27  # Container Apps workload profiles: /27 minimum
    for s in subnets.values():
        assert s.inputs["defaultOutboundAccess"] is False
    nodes, pes, api = subnets["nodes"], subnets["private-endpoints"], subnets["aks-apiserver"]
    assert nodes.inputs["natGateway"]["id"] == arm_id("Microsoft.Network/natGateways/acme-llm-nat")
    assert nodes.inputs["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/acme-llm-nodes-nsg")
    assert pes.inputs["privateEndpointNetworkPolicies"] == "Enabled"
    assert api.inputs["delegations"][0]["serviceName"] == "Microsoft.ContainerService/managedClusters"
    # one subnet write at a time on the VNet
    assert nodes.urn in pes.dependencies and pes.urn in api.dependencies


def test_egress_is_one_nat_gateway_with_a_static_standard_ip(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        nat = plan.one("azure-native:network:NatGateway")
        ip = plan.one("azure-native:network:PublicIPAddress")
        assert nat.inputs["sku"] == {"name": "Standard"}
        assert nat.inputs["publicIpAddresses"] == [{"id": arm_id("Microsoft.Network/publicIPAddresses/acme-llm-nat-ip")}]
        assert ip.inputs["sku"]["name"] == "Standard" and ip.inputs["publicIPAllocationMethod"] == "Static"


def test_private_endpoint_nsg_admits_only_the_vnet_on_service_ports(prod: Plan, prod_cfg: ZoneConfig) -> None:
    nsg = prod.one("azure-native:network:NetworkSecurityGroup", "acme-llm-endpoints-nsg")
    allow, deny = sorted(nsg.inputs["securityRules"], key=lambda r: r["priority"])
    assert allow["access"] == "Allow" and allow["sourceAddressPrefix"] == "VirtualNetwork"
    assert allow["destinationPortRanges"] == ["443", "10250-10256"]
    assert allow["destinationAddressPrefix"] == subnet_layout(prod_cfg.network.cidr, 3)["endpoints"]
    assert deny["access"] == "Deny" and deny["direction"] == "Inbound" and deny["sourceAddressPrefix"] == "*"


def test_every_private_endpoint_is_in_the_endpoint_subnet_with_its_dns_zones(prod: Plan) -> None:
    zones = {r.inputs["privateZoneName"]: r for r in prod.of_type("azure-native:privatedns:PrivateZone")}
    links = prod.of_type("azure-native:privatedns:VirtualNetworkLink")
    assert {link.inputs["privateZoneName"] for link in links} == set(zones)
    vnet_id = arm_id("Microsoft.Network/virtualNetworks/acme-llm-vnet")
    assert all(link.inputs["virtualNetwork"] == {"id": vnet_id} and link.inputs["registrationEnabled"] is False
               for link in links)
    groups = {r.inputs["privateEndpointName"]: r for r in prod.of_type("azure-native:network:PrivateDnsZoneGroup")}
    endpoints = prod.of_type("azure-native:network:PrivateEndpoint")
    assert len(endpoints) == 12  # + the container registry (registry mirror), Azure Monitor (AMPLS, workspace),
    # the managed Grafana
    seen = set()
    for pe in endpoints:
        assert pe.inputs["subnet"]["id"].endswith("/subnets/private-endpoints")
        group_id = pe.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        seen.add(group_id)
        expected = {f"{arm_id('Microsoft.Network/privateDnsZones/')}{z}" for z in private_dns_zones(group_id, "eastus")}
        configs = groups[pe.inputs["privateEndpointName"]].inputs["privateDnsZoneConfigs"]
        assert {c["privateDnsZoneId"] for c in configs} == expected
    assert seen == {"vault", "blob", "searchService", "Sql", "amlworkspace", "registry", "azuremonitor",
                    "prometheusMetrics", "grafana"}
    assert set(zones) == {z for g in seen for z in private_dns_zones(g, "eastus")}


# --- keys ---------------------------------------------------------------------------------------------------


def test_key_vault_is_rbac_purge_protected_private(dev: Plan, prod: Plan) -> None:
    for plan, sku in ((prod, "premium"), (dev, "standard")):
        vault = plan.one("azure-native:keyvault:Vault", "acme-llm-kv")
        props = vault.inputs["properties"]
        assert props["enableRbacAuthorization"] is True and "accessPolicies" not in props
        assert (props["enablePurgeProtection"], props["enableSoftDelete"], props["softDeleteRetentionInDays"]) == (
            True, True, 90)
        assert props["publicNetworkAccess"] == "Disabled"
        assert props["networkAcls"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
        assert props["sku"]["name"] == sku and props["tenantId"] == AZURE_TENANT
        assert len(endpoints_for(plan, arm_id(f"Microsoft.KeyVault/vaults/acme-llm-kv-{SUFFIX}"))) == 1


def test_keys_per_purpose_rotate_and_live_in_hsms_in_prod(dev: Plan, prod: Plan) -> None:
    for plan, kty in ((prod, "RSA-HSM"), (dev, "RSA")):
        keys = {r.inputs["keyName"]: r.inputs["properties"] for r in plan.of_type("azure-native:keyvault:Key")}
        assert set(keys) == {"acme-llm-aks", "acme-llm-disk", "acme-llm-storage", "acme-llm-data"}
        for props in keys.values():
            assert props["kty"] == kty and props["keySize"] >= 2048
            actions = {a["action"]["type"]: a["trigger"] for a in props["rotationPolicy"]["lifetimeActions"]}
            assert actions == {"rotate": {"timeAfterCreate": "P1Y"}, "notify": {"timeBeforeExpiry": "P30D"}}
            assert props["rotationPolicy"]["attributes"]["expiryTime"] == "P2Y"


def test_cmk_identity_may_only_use_its_three_keys_and_backs_the_disk_encryption_set(prod: Plan) -> None:
    cmk_grants = [g for g in grants(prod) if g.name.startswith("acme-llm-cmk-")]
    assert {role_of(g) for g in cmk_grants} == {ROLES["Key Vault Crypto Service Encryption User"]}
    vault = arm_id(f"Microsoft.KeyVault/vaults/acme-llm-kv-{SUFFIX}")
    assert {g.inputs["scope"] for g in cmk_grants} == {f"{vault}/keys/acme-llm-{k}" for k in ("disk", "storage",
                                                                                              "data")}
    des = prod.one("azure-native:compute:DiskEncryptionSet")
    assert des.inputs["encryptionType"] == "EncryptionAtRestWithCustomerKey"
    assert des.inputs["rotationToLatestKeyVersionEnabled"] is True
    assert des.inputs["activeKey"]["keyUrl"].startswith(f"https://acme-llm-kv-{SUFFIX}.vault.azure.net/keys/acme-llm-disk/")
    assert des.inputs["identity"]["type"] == "UserAssigned"
    assert {g.urn for g in cmk_grants} <= set(des.dependencies)


# --- cluster ------------------------------------------------------------------------------------------------


def test_cluster_is_private_entra_only_kms_encrypted_with_workload_identity(prod: Plan, prod_cfg: ZoneConfig) -> None:
    aks = prod.one("azure-native:containerservice:ManagedCluster").inputs
    api = aks["apiServerAccessProfile"]
    assert api["enablePrivateCluster"] is True and api["enableVnetIntegration"] is True
    assert api["subnetId"].endswith("/subnets/aks-apiserver") and "authorizedIPRanges" not in api
    assert aks["aadProfile"] == {"managed": True, "enableAzureRBAC": True, "tenantID": AZURE_TENANT}
    assert aks["disableLocalAccounts"] is True and aks["enableRBAC"] is True
    assert aks["oidcIssuerProfile"] == {"enabled": True}
    sec = aks["securityProfile"]
    assert sec["workloadIdentity"] == {"enabled": True}
    kms = sec["azureKeyVaultKms"]
    assert kms["enabled"] is True and kms["keyVaultNetworkAccess"] == "Private"
    assert kms["keyVaultResourceId"] == arm_id(f"Microsoft.KeyVault/vaults/acme-llm-kv-{SUFFIX}")
    assert kms["keyId"].startswith(f"https://acme-llm-kv-{SUFFIX}.vault.azure.net/keys/acme-llm-aks/")  # versioned
    assert aks["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    assert aks["kubernetesVersion"] == prod_cfg.cluster.kubernetes_version
    assert aks["diskEncryptionSetID"] == arm_id("Microsoft.Compute/diskEncryptionSets/acme-llm-des")
    assert aks["identity"]["type"] == "UserAssigned" and aks["sku"]["tier"] == "Standard"
    assert aks["nodeResourceGroup"] == "acme-llm-aks-nodes"


def test_cluster_network_is_cni_overlay_with_cilium_policy_and_nat_egress(prod: Plan, prod_cfg: ZoneConfig) -> None:
    net = prod.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]
    assert (net["networkPlugin"], net["networkPluginMode"], net["networkDataplane"], net["networkPolicy"]) == (
        "azure", "overlay", "cilium", "cilium")
    assert net["outboundType"] == "userAssignedNATGateway"
    pod, svc, dns = cluster_cidrs(prod_cfg.network.cidr)
    assert (net["podCidr"], net["serviceCidr"], net["dnsServiceIP"]) == (pod, svc, dns)


def test_network_policies_are_enforced_by_cilium(dev: Plan, prod: Plan) -> None:
    """AKS enforces NetworkPolicies only with a network policy engine: wherever the zone writes one, Cilium."""
    for plan in (dev, prod):
        assert plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        net = plan.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]
        assert (net["networkPolicy"], net["networkDataplane"]) == ("cilium", "cilium")


@pytest.mark.parametrize("vnet", ["10.0.0.0/8", "10.0.0.0/16", "10.244.0.0/16", "172.16.0.0/12",
                                  "192.168.0.0/16", "10.60.0.0/16"])
def test_pod_and_service_ranges_never_overlap_the_vnet_or_each_other(vnet: str) -> None:
    pod, svc, dns = (ipaddress.ip_network(cluster_cidrs(vnet)[0]), ipaddress.ip_network(cluster_cidrs(vnet)[1]),
                     ipaddress.ip_address(cluster_cidrs(vnet)[2]))
    net = ipaddress.ip_network(vnet)
    assert not pod.overlaps(net) and not svc.overlaps(net) and not pod.overlaps(svc) and dns in svc


def test_control_plane_identity_gets_exactly_the_roles_it_needs_before_the_cluster(prod: Plan) -> None:
    aks = prod.one("azure-native:containerservice:ManagedCluster")
    own = {g.name: g for g in grants(prod) if g.name.startswith("acme-llm-aks-") and g.name != "acme-llm-aks-deployer"}
    kv = arm_id(f"Microsoft.KeyVault/vaults/acme-llm-kv-{SUFFIX}")
    assert {(role_of(g), g.inputs["scope"]) for g in own.values()} == {
        (ROLES["Network Contributor"], arm_id("Microsoft.Network/virtualNetworks/acme-llm-vnet")),
        (ROLES["Key Vault Crypto User"], f"{kv}/keys/acme-llm-aks"),
        (ROLES["Key Vault Contributor"], kv),
        (ROLES["Reader"], arm_id("Microsoft.Compute/diskEncryptionSets/acme-llm-des")),
    }
    assert all(g.inputs["principalType"] == "ServicePrincipal" for g in own.values())
    assert {g.urn for g in own.values()} <= set(aks.dependencies)


def test_deployer_is_cluster_admin_through_azure_rbac_only(prod: Plan) -> None:
    deployer = prod.one("azure-native:authorization:RoleAssignment", "acme-llm-aks-deployer").inputs
    assert deployer["principalId"] == DEPLOYER_OBJECT_ID
    assert role_of_inputs(deployer) == ROLES["Azure Kubernetes Service RBAC Cluster Admin"]
    assert deployer["scope"] == arm_id("Microsoft.ContainerService/managedClusters/acme-llm-aks")
    assert "principalType" not in deployer  # a user locally, a service principal in CI: Azure resolves it


def role_of_inputs(inputs: dict) -> str:
    return inputs["roleDefinitionId"].rsplit("/", 1)[-1]


def test_system_pool_is_small_zonal_encrypted_and_from_the_catalog(prod: Plan, prod_cfg: ZoneConfig) -> None:
    (system,) = prod.one("azure-native:containerservice:ManagedCluster").inputs["agentPoolProfiles"]
    assert system["name"] == names.SYSTEM_POOL and system["mode"] == "System"
    assert system["vmSize"] == catalog.system_node("azure").name
    assert (system["minCount"], system["maxCount"]) == (prod_cfg.cluster.system_nodes.count,
                                                        prod_cfg.cluster.system_nodes.max_count)
    assert system["availabilityZones"] == ["1", "2", "3"] and system["enableEncryptionAtHost"] is True
    assert system["vnetSubnetID"].endswith("/subnets/nodes")


def test_public_endpoint_only_when_asked_and_only_for_authorized_networks(dev_cfg: ZoneConfig) -> None:
    cfg = dev_cfg.model_copy(deep=True)
    cfg.cluster.public_endpoint = True
    cfg.cluster.authorized_networks = ["203.0.113.0/24"]
    api = offline.plan_config(cfg).one("azure-native:containerservice:ManagedCluster").inputs[
        "apiServerAccessProfile"]
    assert api["enablePrivateCluster"] is False and api["authorizedIPRanges"] == ["203.0.113.0/24"]
    assert api["enableVnetIntegration"] is True


def test_cluster_control_plane_logs_go_to_the_audit_sink(prod: Plan) -> None:
    diag = prod.one("azure-native:monitor:DiagnosticSetting", "acme-llm-aks-diag").inputs
    assert [entry["category"] for entry in diag["logs"]] == list(AKS_LOG_CATEGORIES)
    assert "kube-audit-admin" in AKS_LOG_CATEGORIES and "guard" in AKS_LOG_CATEGORIES


# --- GPU pools ----------------------------------------------------------------------------------------------


def test_gpu_pools_take_shape_and_scheduling_from_the_shared_contracts(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    for plan, cfg in ((dev, dev_cfg), (prod, prod_cfg)):
        pools = {r.inputs["agentPoolName"]: r.inputs for r in plan.of_type("azure-native:containerservice:AgentPool")}
        effective = sizing.effective_pools(cfg)
        assert set(pools) == {names.AGENT_POOL.render(cfg.name, k) for k in effective}
        for key, pool in effective.items():
            p = pools[names.AGENT_POOL.render(cfg.name, key)]
            sched = scheduling(resolve.pools(cfg)[key])
            assert p["vmSize"] == sizing.pool_shape(cfg, key).name
            assert p["nodeTaints"] == [sched.taint.azure] == ["nvidia.com/gpu=true:NoSchedule"]
            assert p["nodeLabels"] == sched.labels
            assert not any(k.startswith("kubernetes.azure.com") for k in p["nodeLabels"])
            assert p["mode"] == "User" and p["enableAutoScaling"] is True
            assert (p["minCount"], p["maxCount"]) == (pool.min_nodes, pool.max_nodes)
            assert p["gpuProfile"] == {"driver": "Install"} and p["enableEncryptionAtHost"] is True
            assert p["orchestratorVersion"] == cfg.cluster.kubernetes_version
            assert p["resourceName"] == "acme-llm-aks" and p["vnetSubnetID"].endswith("/subnets/nodes")


def test_spot_pools_scale_from_zero_evict_by_delete_and_pay_at_most_on_demand(dev: Plan, prod: Plan) -> None:
    spot = dev.one("azure-native:containerservice:AgentPool").inputs
    assert (spot["scaleSetPriority"], spot["scaleSetEvictionPolicy"], spot["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert spot["minCount"] == 0 and "upgradeSettings" not in spot
    for p in prod.of_type("azure-native:containerservice:AgentPool"):
        assert p.inputs["scaleSetPriority"] == "Regular" and "spotMaxPrice" not in p.inputs


def test_spot_pool_workloads_tolerate_the_taint_aks_adds(dev: Plan, dev_cfg: ZoneConfig) -> None:
    assert AKS_SPOT_TAINT.toleration() in scheduling(resolve.pools(dev_cfg)["a100-serving"]).tolerations()
    for r in dev.resources:
        # GPU workloads: the serving and GPU agents' namespaces (the gateway's Redis runs on the system nodes)
        if r.type in ("kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet") and \
                r.inputs["metadata"].get("namespace") in ("llm-serving", "gpu-system"):
            assert AKS_SPOT_TAINT.toleration() in r.inputs["spec"]["template"]["spec"]["tolerations"], r.name


# --- serving ------------------------------------------------------------------------------------------------


def test_model_storage_is_private_cmk_encrypted_versioned_and_keyless(prod: Plan) -> None:
    acct = prod.one("azure-native:storage:StorageAccount", "acme-llm-model-store").inputs
    assert acct["allowSharedKeyAccess"] is False and acct["publicNetworkAccess"] == "Disabled"
    assert acct["minimumTlsVersion"] == "TLS1_2" and acct["allowBlobPublicAccess"] is False
    assert acct["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "None"}
    enc = acct["encryption"]
    assert enc["keySource"] == "Microsoft.Keyvault" and enc["keyVaultProperties"]["keyName"] == "acme-llm-storage"
    assert "keyVersion" not in enc["keyVaultProperties"]  # follows key rotation
    assert enc["encryptionIdentity"]["encryptionUserAssignedIdentity"].endswith("/acme-llm-cmk")
    blob = prod.one("azure-native:storage:BlobServiceProperties", "acme-llm-model-store-blob").inputs
    assert blob["isVersioningEnabled"] is True and blob["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert blob["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert prod.one("azure-native:storage:BlobContainer").inputs["publicAccess"] == "None"
    assert len(endpoints_for(prod, arm_id(f"Microsoft.Storage/storageAccounts/acmellmmodels{SUFFIX}"))) == 1


def test_vllm_endpoints_use_a_federated_identity_that_only_reads_the_model_container(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    issuer = prod.one("azure-native:containerservice:ManagedCluster")  # the mock's issuer derives from its id
    container = arm_id(f"Microsoft.Storage/storageAccounts/acmellmmodels{SUFFIX}/blobServices/default/containers/"
                       "models")
    vllm = [k for k, ep in prod_cfg.endpoints.items() if ep.runtime == "vllm"]
    assert vllm == ["chat", "reasoning"]
    for key in vllm:
        fic = prod.one("azure-native:managedidentity:FederatedIdentityCredential", f"acme-llm-{key}-vllm-fic").inputs
        assert fic["subject"] == f"system:serviceaccount:llm-serving:{key}"
        assert fic["audiences"] == ["api://AzureADTokenExchange"]
        assert fic["issuer"].startswith("https://eastus.oic.prod-aks.azure.com/") and issuer
        assert fic["resourceName"] == f"acme-llm-{key}-vllm"
        readers = [g for g in grants(prod) if g.name == f"acme-llm-{key}-vllm-models"]
        assert len(readers) == 1 and readers[0].inputs["scope"] == container
        assert role_of(readers[0]) == ROLES["Storage Blob Data Reader"]
        sa = prod.one("kubernetes:core/v1:ServiceAccount", f"acme-llm-{key}-sa").inputs["metadata"]
        client_ids = [r for r in prod.of_type("azure-native:managedidentity:UserAssignedIdentity")
                      if r.name == f"acme-llm-{key}-vllm-id"]
        assert len(client_ids) == 1 and sa["annotations"]["azure.workload.identity/client-id"]
        pod = prod.one("kubernetes:apps/v1:Deployment", f"acme-llm-{key}-deploy").inputs["spec"]["template"]
        assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
        container_spec = pod["spec"]["containers"][0]
        model = container_spec["args"][0]
        assert model.removesuffix(f"-sharded-tp{sizing.replica_gpus(prod_cfg, key)}/") == \
            f"az://models/{catalog.model_architectures()[prod_cfg.endpoints[key].model].hf_name}"
        env = {e["name"]: e["value"] for e in container_spec["env"]}
        assert env["AZURE_STORAGE_ACCOUNT_NAME"] == f"acmellmmodels{SUFFIX}"
    # no identity of the zone gets more than read on the model storage
    model_scopes = [g for g in grants(prod) if "acmellmmodels" in g.inputs["scope"]]
    assert {role_of(g) for g in model_scopes} == {ROLES["Storage Blob Data Reader"]}


def test_managed_endpoint_is_private_entra_only_and_sized_from_the_catalog(prod: Plan, prod_cfg: ZoneConfig) -> None:
    ep_cfg = prod_cfg.endpoints["summarize"]
    ws = prod.one("azure-native:machinelearningservices:Workspace").inputs
    assert ws["publicNetworkAccess"] == "Disabled"
    assert ws["managedNetwork"] == {"isolationMode": "AllowOnlyApprovedOutbound"}
    assert ws["encryption"]["status"] == "Enabled"
    assert ws["encryption"]["keyVaultProperties"]["keyIdentifier"].startswith(
        f"https://acme-llm-kv-{SUFFIX}.vault.azure.net/keys/acme-llm-data/")
    assert ws["systemDatastoresAuthMode"] == "Identity" and ws["hbiWorkspace"] is True
    assert ws["keyVault"].endswith(f"/vaults/acme-llm-mlkv-{SUFFIX}")
    assert ws["storageAccount"].endswith(f"/storageAccounts/acmellmmlws{SUFFIX}")
    assert ws["applicationInsights"].endswith("/components/acme-llm-ml-insights")
    assert len(endpoints_for(prod, arm_id("Microsoft.MachineLearningServices/workspaces/acme-llm-mlw"))) == 1
    online = prod.one("azure-native:machinelearningservices:OnlineEndpoint").inputs
    assert online["properties"]["authMode"] == "AADToken"
    assert online["properties"]["publicNetworkAccess"] == "Disabled"
    dep = prod.one("azure-native:machinelearningservices:OnlineDeployment", "acme-llm-summarize-deployment").inputs
    props = dep["properties"]
    assert props["endpointComputeType"] == "Managed"
    assert props["instanceType"] == sizing.managed_shape(prod_cfg, "summarize").name
    assert catalog.shape_named("azure", props["instanceType"], "azureml") is not None
    assert props["model"] == registry_model(ep_cfg.model, ep_cfg.precision).asset_id
    assert props["requestSettings"]["maxConcurrentRequestsPerInstance"] == ep_cfg.concurrency
    assert dep["sku"]["capacity"] == ep_cfg.replicas.min
    scale = prod.one("azure-native:monitor:AutoscaleSetting").inputs
    assert scale["targetResourceUri"].endswith("/onlineEndpoints/acme-llm-summarize-" + SUFFIX + "/deployments/primary")
    assert scale["profiles"][0]["capacity"] == {"minimum": str(ep_cfg.replicas.min),
                                                "maximum": str(ep_cfg.replicas.max),
                                                "default": str(ep_cfg.replicas.min)}
    directions = {r["scaleAction"]["direction"] for r in scale["profiles"][0]["rules"]}
    assert directions == {"Increase", "Decrease"}


def test_no_autoscale_when_a_managed_endpoint_has_a_fixed_size(prod_cfg: ZoneConfig) -> None:
    cfg = prod_cfg.model_copy(deep=True)
    cfg.endpoints["summarize"].replicas.max = cfg.endpoints["summarize"].replicas.min
    assert not offline.plan_config(cfg).of_type("azure-native:monitor:AutoscaleSetting")


# --- vector stores ------------------------------------------------------------------------------------------


def test_ai_search_is_private_keyless_and_enforces_cmk(dev: Plan, prod: Plan, prod_cfg: ZoneConfig) -> None:
    for plan, sku, replicas in ((prod, "standard", 2), (dev, "basic", 1)):
        svc = plan.one("azure-native:search:Service").inputs
        assert svc["publicNetworkAccess"] == "Disabled" and svc["disableLocalAuth"] is True
        assert "authOptions" not in svc
        assert svc["encryptionWithCmk"] == {"enforcement": "Enabled"}
        assert (svc["sku"]["name"], svc["replicaCount"]) == (sku, replicas)
        (pe,) = endpoints_for(plan, arm_id(f"Microsoft.Search/searchServices/acme-llm-docs-{SUFFIX}"))
        assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["searchService"]
    assert PRIVATE_DNS_ZONES["searchService"] == ("privatelink.search.windows.net",)
    from llmops_landing_zone.components.azure.vector_store import SEARCH_METRIC, search_index_definition  # noqa: F401 - importable
    assert SEARCH_METRIC[prod_cfg.vector_stores["docs"].metric] == "cosine"


def test_ai_search_index_definition_carries_dimensions_metric_and_the_cmk(prod_cfg: ZoneConfig) -> None:
    from llmops_landing_zone.components.azure.vector_store import VectorStoreArgs, search_index_definition

    store = prod_cfg.vector_stores["docs"]
    args = VectorStoreArgs(prod_cfg.name, None, "docs", store.engine, store.dimensions, None, None, None,  # type: ignore[arg-type]
                           metric=store.metric)
    index = json.loads(search_index_definition(args, "https://kv.vault.azure.net/", "acme-llm-data", "/uai"))
    vector = next(f for f in index["fields"] if f["type"] == "Collection(Edm.Single)")
    assert vector["dimensions"] == 1024
    assert index["vectorSearch"]["algorithms"][0]["hnswParameters"]["metric"] == "cosine"
    assert index["encryptionKey"]["keyVaultKeyName"] == "acme-llm-data"


def test_cosmos_is_private_keyless_cmk_with_continuous_backup_and_vector_search(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    acct = prod.one("azure-native:cosmosdb:DatabaseAccount").inputs
    assert {"name": "EnableNoSQLVectorSearch"} in acct["capabilities"]
    assert acct["disableLocalAuth"] is True and acct["publicNetworkAccess"] == "Disabled"
    assert acct["keyVaultKeyUri"] == f"https://acme-llm-kv-{SUFFIX}.vault.azure.net/keys/acme-llm-data"
    assert acct["defaultIdentity"].startswith("UserAssignedIdentity=/subscriptions/")
    assert acct["backupPolicy"] == {"type": "Continuous", "continuousModeProperties": {"tier": "Continuous30Days"}}
    assert acct["minimalTlsVersion"] == "Tls12"
    (pe,) = endpoints_for(prod, arm_id(f"Microsoft.DocumentDB/databaseAccounts/acme-llm-catalog-{SUFFIX}"))
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["Sql"]
    store = prod_cfg.vector_stores["catalog"]
    container = prod.one("azure-native:cosmosdb:SqlResourceSqlContainer")
    res = container.inputs["resource"]
    (embedding,) = res["vectorEmbeddingPolicy"]["vectorEmbeddings"]
    assert embedding == {"path": "/embedding", "dataType": "float32", "dimensions": store.dimensions,
                         "distanceFunction": "dotproduct"}
    assert res["indexingPolicy"]["vectorIndexes"] == [{"path": "/embedding", "type": "diskANN"}]
    assert {"path": "/embedding/*"} in res["indexingPolicy"]["excludedPaths"]
    assert prod.one("azure-native:cosmosdb:DatabaseAccount").urn in container.dependencies
    db = prod.one("azure-native:cosmosdb:SqlResourceSqlDatabase").inputs
    assert db["options"] == {"autoscaleSettings": {"maxThroughput": 4000}}


# --- team access --------------------------------------------------------------------------------------------


def test_team_roles_are_least_privilege_and_scoped(prod: Plan, prod_cfg: ZoneConfig) -> None:
    cluster = arm_id("Microsoft.ContainerService/managedClusters/acme-llm-aks")
    expected_search = {"viewer": "Search Index Data Reader", "developer": "Search Index Data Contributor",
                       "admin": "Search Index Data Contributor"}
    cosmos_roles = {"viewer": "00000000-0000-0000-0000-000000000001",
                    "developer": "00000000-0000-0000-0000-000000000002",
                    "admin": "00000000-0000-0000-0000-000000000002"}
    for key, team in prod_cfg.teams.items():
        (member,) = team.members
        mine = {(role_of(g), g.inputs["scope"]) for g in grants(prod) if g.inputs["principalId"] == member}
        want = {
            (ROLES["Azure Kubernetes Service Cluster User Role"], cluster),
            (ROLES[expected_search[team.role]], arm_id(f"Microsoft.Search/searchServices/acme-llm-docs-{SUFFIX}")),
        }
        if team.role != "viewer":
            want.add((ROLES["AzureML Data Scientist"], arm_id("Microsoft.MachineLearningServices/workspaces/acme-llm-mlw")))
        assert mine == want, key
        (cosmos,) = [r.inputs for r in prod.of_type("azure-native:cosmosdb:SqlResourceSqlRoleAssignment")
                     if r.inputs["principalId"] == member]
        assert cosmos["roleDefinitionId"].endswith(f"/sqlRoleDefinitions/{cosmos_roles[team.role]}")
        assert cosmos["scope"] == arm_id(f"Microsoft.DocumentDB/databaseAccounts/acme-llm-catalog-{SUFFIX}")
        members = [g for g in grants(prod) if g.inputs["principalId"] == member]
        assert all("principalType" not in g.inputs for g in members)  # a user or a group: Azure resolves it


BOOTSTRAP_RG_ID = f"/subscriptions/{AZURE_SUBSCRIPTION}/resourceGroups/acme-pulumi-bootstrap"


def test_no_owner_or_contributor_and_nothing_at_subscription_scope(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        for g in grants(plan):
            assert role_of(g) not in FORBIDDEN_ROLES, g.name
            assert role_of(g) in ROLES.values(), g.name
            # the deploy runner's two grants on the bootstrap's state account and secrets key vault (deploy config)
            assert g.inputs["scope"].startswith((RG_ID + "/", BOOTSTRAP_RG_ID + "/")), g.name
            assert g.inputs["scope"].startswith(RG_ID + "/") or g.name in (
                "acme-llm-deploy-runner-state", "acme-llm-deploy-runner-secrets-key"), g.name
            assert g.inputs["roleDefinitionId"].startswith(f"/subscriptions/{AZURE_SUBSCRIPTION}/providers/")


def test_team_rights_in_the_cluster_are_exactly_the_zone_kubernetes_roles(
    dev: Plan, prod: Plan, prod_cfg: ZoneConfig
) -> None:
    """No Azure RBAC data-plane role for teams (the built-in AKS RBAC Writer/Admin include NetworkPolicy writes):
    members only fetch credentials; Kubernetes RBAC binds them to the namespace Role, which cannot touch the
    zone's NetworkPolicies, DaemonSets or (below admin) ServiceAccounts."""
    data_plane = {ROLES[r] for r in ROLES if "Kubernetes Service RBAC" in r}
    deployer = ROLES["Azure Kubernetes Service RBAC Cluster Admin"]
    for plan in (dev, prod):
        for g in grants(plan):
            if role_of(g) in data_plane:  # the deployer, and the deploy runner that runs the cluster pass
                assert role_of(g) == deployer, g.name
                assert g.inputs["principalId"] == DEPLOYER_OBJECT_ID or g.name == "acme-llm-deploy-runner-cluster-admin"
    roles = {r.inputs["metadata"]["namespace"]: r.inputs["rules"]
             for r in prod.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role")}
    bindings = {r.inputs["metadata"]["namespace"]: r.inputs
                for r in prod.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")}
    write = {"create", "update", "patch", "delete", "deletecollection", "*"}
    for key, team in prod_cfg.teams.items():
        ns = f"team-{key}"
        assert bindings[ns]["roleRef"]["kind"] == "Role"
        assert bindings[ns]["subjects"] == [{"kind": "Group", "name": m, "apiGroup": "rbac.authorization.k8s.io"}
                                            for m in team.members]
        writable = {res for rule in roles[ns] if write & set(rule["verbs"]) for res in rule["resources"]}
        assert not writable & {"networkpolicies", "daemonsets", "resourcequotas", "limitranges"}, key
        if team.role != "admin":
            assert "serviceaccounts" not in writable, key


def test_team_namespaces_bind_member_object_ids_as_groups(prod: Plan, prod_cfg: ZoneConfig) -> None:
    bindings = {r.inputs["metadata"]["namespace"]: r.inputs for r in
                prod.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")}
    for key, team in prod_cfg.teams.items():
        subjects = bindings[f"team-{key}"]["subjects"]
        assert subjects == [{"kind": "Group", "name": m, "apiGroup": "rbac.authorization.k8s.io"}
                            for m in team.members]


def test_role_assignment_names_are_deterministic_guids_per_subscription(prod: Plan) -> None:
    names_ = [g.inputs["roleAssignmentName"] for g in grants(prod)]
    assert len(set(names_)) == len(names_)
    import uuid

    assert all(str(uuid.UUID(n)) == n for n in names_)


# --- audit --------------------------------------------------------------------------------------------------


def test_log_workspace_keeps_logs_as_long_as_azure_allows_up_to_retention_days(dev: Plan, prod: Plan) -> None:
    assert prod.one("azure-native:operationalinsights:Workspace").inputs["retentionInDays"] == 365
    assert dev.one("azure-native:operationalinsights:Workspace").inputs["retentionInDays"] == 90
    assert [workspace_retention(d) for d in (1, 30, 365, 730, 3650)] == [30, 30, 365, 730, 730]
    ws = prod.one("azure-native:operationalinsights:Workspace").inputs
    assert ws["features"]["disableLocalAuth"] is True


DIAGNOSED = {
    "azure-native:network:VirtualNetwork", "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PublicIPAddress", "azure-native:keyvault:Vault", "azure-native:storage:StorageAccount",
    "azure-native:containerservice:ManagedCluster", "azure-native:search:Service",
    "azure-native:cosmosdb:DatabaseAccount", "azure-native:machinelearningservices:Workspace",
    "azure-native:machinelearningservices:OnlineEndpoint", "azure-native:operationalinsights:Workspace",
}


def test_log_workspace_takes_no_public_ingestion_and_queries_need_entra_id(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        ws = plan.one("azure-native:operationalinsights:Workspace").inputs
        assert ws["publicNetworkAccessForIngestion"] == "Disabled"  # diagnostic settings use the backbone
        # no Azure Monitor Private Link Scope: a private query path does not exist, so query stays public
        assert ws["publicNetworkAccessForQuery"] == "Enabled" and ws["features"]["disableLocalAuth"] is True


def test_resource_group_cluster_and_app_insights_are_protected_in_prod(dev: Plan, prod: Plan) -> None:
    for plan, keep in ((prod, True), (dev, False)):
        for type_ in ("azure-native:resources:ResourceGroup", "azure-native:containerservice:ManagedCluster",
                      "azure-native:applicationinsights:Component"):
            for r in plan.of_type(type_):
                assert (r.protect, r.retainOnDelete) == (keep, keep), (type_, r.name)
    assert prod.of_type("azure-native:applicationinsights:Component")


def test_every_resource_with_logs_has_a_diagnostic_setting_without_retention(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        diags = plan.of_type("azure-native:monitor:DiagnosticSetting")
        targets = {d.inputs["resourceUri"] for d in diags}
        ids = {}
        for r in plan.resources:
            if r.type in DIAGNOSED:
                token = r.type.removeprefix("azure-native:")
                path, _ = ARM[token]
                ids[r.name] = arm_id(path.format_map({k: v for k, v in r.inputs.items() if isinstance(v, str)}))
        missing = {n for n, i in ids.items() if i not in targets}
        assert not missing, missing
        # blob logs live on the blob service of every storage account
        for acct in plan.of_type("azure-native:storage:StorageAccount"):
            blob = arm_id(f"Microsoft.Storage/storageAccounts/{acct.inputs['accountName']}/blobServices/default")
            assert blob in targets, acct.name
        for d in diags:
            assert "retentionPolicy" not in json.dumps(d.inputs), d.name
            assert d.inputs["workspaceId"].endswith("/workspaces/acme-llm-logs")


def test_audit_storage_does_not_log_into_itself(prod: Plan) -> None:
    for d in prod.of_type("azure-native:monitor:DiagnosticSetting"):
        if "acmellmaudit" in d.inputs["resourceUri"]:
            assert "storageAccountId" not in d.inputs, d.name
        else:
            assert d.inputs["storageAccountId"].endswith(f"/storageAccounts/acmellmaudit{SUFFIX}"), d.name


def test_activity_log_goes_to_both_sinks(prod: Plan) -> None:
    act = prod.one("azure-native:monitor:SubscriptionDiagnosticSetting").inputs
    assert {entry["category"] for entry in act["logs"]} >= {"Administrative", "Security", "Policy"}
    assert act["workspaceId"].endswith("/workspaces/acme-llm-logs")
    assert act["storageAccountId"].endswith(f"/storageAccounts/acmellmaudit{SUFFIX}")


def test_audit_storage_is_worm_in_prod_and_admits_only_trusted_services(dev: Plan, prod: Plan) -> None:
    audit = prod.one("azure-native:storage:StorageAccount", "acme-llm-audit-store").inputs
    assert audit["immutableStorageWithVersioning"] == {"enabled": True, "immutabilityPolicy": {
        "immutabilityPeriodSinceCreationInDays": 365, "allowProtectedAppendWrites": True, "state": "Unlocked"}}
    assert audit["networkRuleSet"] == {"defaultAction": "Deny", "bypass": "AzureServices"}
    assert audit["allowSharedKeyAccess"] is False and audit["sku"]["name"] == "Standard_GZRS"
    dev_audit = dev.one("azure-native:storage:StorageAccount", "acme-llm-audit-store").inputs
    assert "immutableStorageWithVersioning" not in dev_audit


def test_locking_the_worm_policy_is_the_explicit_second_step(second_step: tuple) -> None:
    records, _, _ = second_step
    policy = records["acme-llm-audit-store"].inputs["immutableStorageWithVersioning"]["immutabilityPolicy"]
    assert policy["state"] == "Locked"


# --- budget -------------------------------------------------------------------------------------------------


def test_budget_covers_both_zone_resource_groups_with_actual_and_forecast_alerts(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    budget = prod.one("azure-native:consumption:Budget").inputs
    assert budget["scope"] == f"/subscriptions/{AZURE_SUBSCRIPTION}"
    assert budget["filter"]["dimensions"] == {"name": "ResourceGroupName", "operator": "In",
                                              "values": ["acme-llm-rg", "acme-llm-aks-nodes"]}
    assert (budget["amount"], budget["category"], budget["timeGrain"]) == (180000, "Cost", "Monthly")
    notes = budget["notifications"]
    assert len(notes) <= MAX_NOTIFICATIONS
    kinds = sorted((n["thresholdType"], n["threshold"]) for n in notes.values())
    assert kinds == [("Actual", 50), ("Actual", 80), ("Actual", 100), ("Forecasted", 80), ("Forecasted", 100)]
    group = arm_id("Microsoft.Insights/actionGroups/acme-llm-budget-alerts")
    assert all(n["contactGroups"] == [group] and n["operator"] == "GreaterThan" for n in notes.values())
    ag = prod.one("azure-native:monitor:ActionGroup").inputs
    assert [r["emailAddress"] for r in ag["emailReceivers"]] == prod_cfg.budget.notify.emails
    assert len(ag["groupShortName"]) <= 12
    start = dt.date.fromisoformat(budget["timePeriod"]["startDate"][:10])
    assert start.day == 1


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("forecast", [True, False])
def test_notification_plan_never_exceeds_five_and_keeps_a_forecast(n: int, forecast: bool) -> None:
    thresholds = [float(10 * (i + 5)) for i in range(n)]
    plan = notification_plan(thresholds, forecast)
    assert len(plan) <= MAX_NOTIFICATIONS and len(set(plan)) == len(plan)
    forecasts = [t for kind, t in plan if kind == "Forecasted"]
    actuals = [t for kind, t in plan if kind == "Actual"]
    assert (len(forecasts) >= 1) is forecast
    assert not forecast or max(thresholds) in forecasts  # the forecast at the top threshold always stays
    assert max(thresholds) in actuals
    if not forecast or 2 * n <= MAX_NOTIFICATIONS:
        assert sorted(actuals) == thresholds


def test_budget_start_is_the_first_of_the_month_and_changes_are_ignored(second_step: tuple) -> None:
    assert budget_start(dt.date(2027, 2, 17)) == "2027-02-01T00:00:00Z"
    assert budget_start(dt.date(2026, 12, 1)) == "2026-12-01T00:00:00Z"
    _, _, ignored = second_step
    assert ignored["acme-llm-budget"] == ["timePeriod"]
    assert ignored["acme-llm-pool-a100-serving"] == ["count"]  # the autoscaler owns the node count
    assert ignored["acme-llm-summarize-deployment"] == ["sku.capacity"]  # and Azure Monitor the instance count


# --- prod vs dev --------------------------------------------------------------------------------------------


def test_stateful_resources_are_protected_retained_and_locked_in_prod_only(dev: Plan, prod: Plan) -> None:
    for plan, keep in ((prod, True), (dev, False)):
        stateful = [r for r in plan.resources if r.type in STATEFUL_TYPES]
        assert {r.type for r in stateful} >= STATEFUL_TYPES - {
            "azure-native:cosmosdb:DatabaseAccount", "azure-native:cosmosdb:SqlResourceSqlDatabase",
            "azure-native:cosmosdb:SqlResourceSqlContainer", "azure-native:machinelearningservices:Workspace",
            "azure-native:applicationinsights:Component"}
        for r in stateful:
            assert (r.protect, r.retainOnDelete) == (keep, keep), (r.type, r.name)
        assert not [r for r in plan.resources if r.protect and r.type not in STATEFUL_TYPES]
    locks = {r.inputs["scope"]: r.inputs for r in prod.of_type("azure-native:authorization:ManagementLockByScope")}
    for r in prod.resources:
        if r.type in LOCKED_TYPES:
            path, _ = ARM[r.type.removeprefix("azure-native:")]
            rid = arm_id(path.format_map({k: v for k, v in r.inputs.items() if isinstance(v, str)}))
            assert locks[rid]["level"] == "CanNotDelete", r.name
    assert len(locks) == len([r for r in prod.resources if r.type in LOCKED_TYPES]) == 9
    assert not dev.of_type("azure-native:authorization:ManagementLockByScope")


def test_prod_and_dev_differ_as_designed(dev: Plan, prod: Plan) -> None:
    def aks(plan: Plan) -> dict:
        return plan.one("azure-native:containerservice:ManagedCluster").inputs

    assert aks(prod)["sku"]["tier"] == "Standard" and aks(dev)["sku"]["tier"] == "Free"
    assert prod.one("azure-native:storage:StorageAccount", "acme-llm-model-store").inputs["sku"]["name"] == \
        "Standard_ZRS"
    assert dev.one("azure-native:storage:StorageAccount", "acme-llm-model-store").inputs["sku"]["name"] == \
        "Standard_LRS"
    assert {"name": "EnableServerless"} not in prod.one("azure-native:cosmosdb:DatabaseAccount").inputs[
        "capabilities"]


def test_deletion_protection_switch_drives_the_locks(dev_cfg: ZoneConfig) -> None:
    cfg = dev_cfg.model_copy(deep=True)
    cfg.deletion_protection = True
    plan = offline.plan_config(cfg)
    scopes = {r.inputs["scope"] for r in plan.of_type("azure-native:authorization:ManagementLockByScope")}
    assert arm_id(f"Microsoft.KeyVault/vaults/acme-llm-kv-{SUFFIX}") in scopes
    # Pulumi protection is a separate switch and stays off
    assert not [r for r in plan.resources if r.protect]


# --- in-cluster objects -------------------------------------------------------------------------------------


def test_kubernetes_objects_validate_and_pass_checkov(dev: Plan, prod: Plan, prod_cfg: ZoneConfig) -> None:
    from k8s_validation import assert_k8s_valid, checkov_failures

    for plan in (dev, prod):
        assert assert_k8s_valid(plan, prod_cfg.cluster.kubernetes_version) == []
    assert checkov_failures(prod) == []


def test_serving_pods_tolerate_and_select_the_pools_the_cloud_built(dev: Plan, prod: Plan) -> None:
    from k8s_validation import assert_tolerations_match_taints

    for plan in (dev, prod):
        placement = assert_tolerations_match_taints(plan)
        deployments = {k: v for k, v in placement.items() if k.startswith("Deployment.")}
        assert deployments and all(len(v) == 1 for v in deployments.values())
    assert assert_tolerations_match_taints(prod)["Deployment.llm-serving.reasoning"] == ["h100-serving"]
