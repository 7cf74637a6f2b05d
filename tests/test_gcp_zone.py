"""The GCP landing zone, checked on the recorded offline plans of stacks/Pulumi.gcp-prod.yaml and
gcp-dev.yaml: per entity the expected types and key inputs, prod versus dev defaults, stateful options,
Kubernetes objects (schema, scheduling, checkov), and that every nested input key exists in the installed
pulumi-gcp SDK (a typo would otherwise only surface at the provider)."""

from __future__ import annotations

import importlib
import inspect
import ipaddress
import json
import re
from typing import Any

import pytest
from k8s_validation import CheckovReport, assert_k8s_valid, assert_tolerations_match_taints, checkov_report

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.common import ZONE_TAG, zone_labels
from llmops_landing_zone.components.config import load_stack_file
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.cluster import NODE_ROLES
from llmops_landing_zone.components.gcp.keys import ENCRYPTER_DECRYPTER, PURPOSES, ROTATION
from llmops_landing_zone.components.gcp.network import gcp_ranges
from llmops_landing_zone.components.gcp.zone import project_apis
from llmops_landing_zone.components.gcp.rbac import MODEL_USER_PERMISSIONS, PROJECT_SCOPE
from llmops_landing_zone.components.gcp.serving import MODEL_GARDEN
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.mocks import GCP_PROJECT_NUMBER
from llmops_landing_zone.llz.offline import stacks_dir

NODE_POOL = "gcp:container/nodePool:NodePool"
ACCOUNT = "gcp:serviceaccount/account:Account"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
KEY = "gcp:kms/cryptoKey:CryptoKey"
KEY_IAM = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
STATEFUL_TYPES = {
    "gcp:kms/keyRing:KeyRing", KEY, "gcp:storage/bucket:Bucket",
    "gcp:logging/projectBucketConfig:ProjectBucketConfig", "gcp:vertex/aiIndex:AiIndex",
    "gcp:alloydb/cluster:Cluster", "gcp:alloydb/instance:Instance",
}


@pytest.fixture(scope="module")
def prod() -> Plan:
    return offline.plan("gcp-prod")


@pytest.fixture(scope="module")
def dev() -> Plan:
    return offline.plan("gcp-dev")


@pytest.fixture(scope="module")
def prod_cfg() -> ZoneConfig:
    return load_stack_file(stacks_dir() / "Pulumi.gcp-prod.yaml")


@pytest.fixture(scope="module")
def dev_cfg() -> ZoneConfig:
    return load_stack_file(stacks_dir() / "Pulumi.gcp-dev.yaml")


def by_name(plan: Plan, type_: str) -> dict[str, PlannedResource]:
    return {r.name: r for r in plan.of_type(type_)}


def members_with(plan: Plan, role: str) -> set[str]:
    return {r.inputs["member"] for r in plan.of_type(PROJECT_IAM) if r.inputs["role"] == role}


def ancestors(plan: Plan, r: PlannedResource) -> list[str]:
    out, parent = [], r.parent
    while parent:
        p = plan.by_urn(parent)
        out.append(p.type)
        parent = p.parent
    return out


# --- the whole zone -----------------------------------------------------------------------------------------
def test_one_component_per_entity_under_the_zone(prod: Plan) -> None:
    counts = prod.counts()
    for component, n in {"llmops:gcp:ProjectServices": 1, "llmops:gcp:Keys": 1, "llmops:gcp:Network": 1,
                         "llmops:gcp:Cluster": 1, "llmops:gcp:GpuPool": 2, "llmops:gcp:ModelBucket": 1,
                         "llmops:gcp:VllmService": 2, "llmops:gcp:VertexEndpoint": 1,
                         "llmops:gcp:VectorSearch": 1, "llmops:gcp:AlloyDbVectorStore": 1,
                         "llmops:gcp:TeamRoles": 1, "llmops:gcp:TeamAccess": 3,
                         "llmops:gcp:Audit": 1, "llmops:gcp:Budget": 1, "llmops:k8s:ClusterAddons": 1,
                         "llmops:k8s:VllmEndpoint": 3, "llmops:k8s:TeamNamespace": 3}.items():  # chat's canary
        assert counts[component] == n, component
    assert counts[NODE_POOL] == 3  # system + l4-serving + h100-serving
    assert counts[ACCOUNT] == 6  # system nodes, two GPU pools, two vLLM endpoints, KEDA (observability)
    for r in prod.resources:
        if r.type != "llmops:index:LandingZone" and not r.is_provider:
            assert "llmops:index:LandingZone" in ancestors(prod, r), r.name


def test_logical_names_are_unique_per_type(prod: Plan) -> None:
    seen = [(r.type, r.name) for r in prod.resources]
    assert len(seen) == len(set(seen))


def test_every_gcp_resource_names_the_project(prod: Plan, prod_cfg: ZoneConfig) -> None:
    for r in prod.resources:
        if r.type.startswith("gcp:") and "project" in _args_of(r.type):
            assert r.inputs.get("project") == prod_cfg.project, r.name


def test_labels_on_every_labelable_gcp_resource(prod: Plan, prod_cfg: ZoneConfig) -> None:
    labels = zone_labels(prod_cfg.name, prod_cfg.environment, prod_cfg.tags)
    arg = {"gcp:monitoring/notificationChannel:NotificationChannel": "userLabels",
           "gcp:container/cluster:Cluster": "resourceLabels"}
    labelled = set()
    for r in prod.resources:
        if not r.type.startswith("gcp:"):
            continue
        field = arg.get(r.type, "labels")
        if _snake(field) in _args_of(r.type):
            assert labels.items() <= (r.inputs.get(field) or {}).items(), r.name
            labelled.add(r.type.rsplit(":", 1)[1])
    assert labelled == {"Cluster", "Instance", "Address", "ForwardingRule", "GlobalAddress", "CryptoKey",
                        "NotificationChannel", "Topic", "Bucket", "AiIndex", "AiIndexEndpoint", "Repository", "Secret"}
    for value in labels.values():  # GCP label rules
        assert re.fullmatch(r"[a-z0-9_-]{0,63}", value)
    # A notification channel's `labels` configure the channel: only the address may be there.
    for ch in prod.of_type("gcp:monitoring/notificationChannel:NotificationChannel"):
        assert set(ch.inputs["labels"]) == {"email_address"}


def test_apis_are_enabled_and_never_disabled_on_destroy(prod: Plan, dev: Plan, prod_cfg: ZoneConfig,
                                                        dev_cfg: ZoneConfig) -> None:
    for plan, cfg in ((prod, prod_cfg), (dev, dev_cfg)):
        services = plan.of_type("gcp:projects/service:Service")
        assert sorted(s.inputs["service"] for s in services) == sorted(project_apis(cfg))
        assert all(s.inputs["disableOnDestroy"] is False for s in services)
    prod_apis = {s.inputs["service"] for s in prod.of_type("gcp:projects/service:Service")}
    dev_apis = {s.inputs["service"] for s in dev.of_type("gcp:projects/service:Service")}
    assert {"alloydb.googleapis.com", "aiplatform.googleapis.com", "billingbudgets.googleapis.com",
            "binaryauthorization.googleapis.com"} <= prod_apis
    assert "alloydb.googleapis.com" not in dev_apis and "binaryauthorization.googleapis.com" not in dev_apis


def test_stateful_resources_are_protected_and_retained_in_prod_only(prod: Plan, dev: Plan) -> None:
    for r in prod.resources:
        expected = (True, True) if r.type in STATEFUL_TYPES else (False, False)
        assert (r.protect, r.retainOnDelete) == expected, r.name
    assert {r.type for r in prod.resources if r.protect} == STATEFUL_TYPES
    assert not any(r.protect or r.retainOnDelete for r in dev.resources)


def test_cloud_side_deletion_protection_follows_the_environment(prod: Plan, dev: Plan) -> None:
    for plan, expected in ((prod, True), (dev, False)):
        assert plan.one("gcp:container/cluster:Cluster").inputs["deletionProtection"] is expected
    assert prod.one("gcp:alloydb/cluster:Cluster").inputs["deletionProtection"] is True


# --- keys ---------------------------------------------------------------------------------------------------
def test_one_rotated_key_per_purpose_hsm_in_prod(prod: Plan, dev: Plan) -> None:
    for plan, level in ((prod, "HSM"), (dev, "SOFTWARE")):
        keys = by_name(plan, KEY)
        assert sorted(keys) == sorted(f"acme-llm-{p}" for p in PURPOSES)
        ring = plan.one("gcp:kms/keyRing:KeyRing")
        for key in keys.values():
            assert key.inputs["rotationPeriod"] == ROTATION == "7776000s"
            assert key.inputs["purpose"] == "ENCRYPT_DECRYPT"
            assert key.inputs["versionTemplate"]["protectionLevel"] == level
            assert ring.urn in key.dependencies


def test_service_agents_get_encrypter_decrypter_on_their_key_only(prod: Plan, prod_cfg: ZoneConfig) -> None:
    keys = {r.urn: r.name.removeprefix("acme-llm-") for r in prod.of_type(KEY)}
    ring = f"projects/{prod_cfg.project}/locations/us-central1/keyRings/acme-llm-keys"
    key_ids = {f"{ring}/cryptoKeys/acme-llm-{p}": p for p in PURPOSES}
    agent = f"serviceAccount:service-{GCP_PROJECT_NUMBER}@"
    expected = {
        "gke-secrets": {agent + "container-engine-robot.iam.gserviceaccount.com"},
        "boot-disk": {agent + "compute-system.iam.gserviceaccount.com"},
        "logs": {agent + "gcp-sa-logging.iam.gserviceaccount.com"},
        "data": {agent + d for d in ("gs-project-accounts.iam.gserviceaccount.com",
                                     "gcp-sa-aiplatform.iam.gserviceaccount.com",
                                     "gcp-sa-alloydb.iam.gserviceaccount.com",
                                     "gcp-sa-pubsub.iam.gserviceaccount.com",
                                     "gcp-sa-secretmanager.iam.gserviceaccount.com")},  # the gateway's team keys
    }
    grants: dict[str, set[str]] = {p: set() for p in PURPOSES}
    for g in prod.of_type(KEY_IAM):
        assert g.inputs["role"] == ENCRYPTER_DECRYPTER
        grants[key_ids[g.inputs["cryptoKeyId"]]].add(g.inputs["member"])
    assert grants == expected
    assert keys  # no key ring or project level KMS grant exists at all
    assert not prod.of_type("gcp:kms/keyRingIAMMember:KeyRingIAMMember")
    assert not [r for r in prod.of_type(PROJECT_IAM) if "cloudkms" in r.inputs["role"]]


# --- network ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cidr,zones", [("10.60.0.0/16", 3), ("10.70.0.0/16", 2), ("10.0.0.0/20", 1),
                                         ("172.16.0.0/12", 6), ("192.168.0.0/18", 4)])
def test_address_plan_never_overlaps(cidr: str, zones: int) -> None:
    r = gcp_ranges(cidr, zones)
    nets = [ipaddress.ip_network(n) for n in (r.nodes, r.services, r.pods, r.services_access)]
    assert all(n.subnet_of(ipaddress.ip_network(cidr)) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])
    assert ipaddress.ip_network(r.services_access).prefixlen <= 24  # AlloyDB's minimum allocation


def test_vpc_subnet_nat_and_private_services_access(prod: Plan, prod_cfg: ZoneConfig) -> None:
    ranges = gcp_ranges(prod_cfg.network.cidr, prod_cfg.network.zones)
    assert prod.one("gcp:compute/network:Network").inputs["autoCreateSubnetworks"] is False
    subnet = prod.one("gcp:compute/subnetwork:Subnetwork").inputs
    assert subnet["ipCidrRange"] == ranges.nodes and subnet["privateIpGoogleAccess"] is True
    assert {s["rangeName"]: s["ipCidrRange"] for s in subnet["secondaryIpRanges"]} == {
        "pods": ranges.pods, "services": ranges.services}
    assert subnet["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA"
    nat = prod.one("gcp:compute/routerNat:RouterNat").inputs
    assert nat["natIpAllocateOption"] == "AUTO_ONLY"
    assert nat["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}
    assert nat["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    psa = prod.one("gcp:compute/globalAddress:GlobalAddress").inputs
    assert psa["purpose"] == "VPC_PEERING"
    assert f"{psa['address']}/{psa['prefixLength']:.0f}" == ranges.services_access
    conn = prod.one("gcp:servicenetworking/connection:Connection")
    assert conn.inputs["service"] == "servicenetworking.googleapis.com"
    assert conn.inputs["reservedPeeringRanges"] == [psa["name"]]


def test_firewall_denies_by_default_in_both_directions(prod: Plan, prod_cfg: ZoneConfig) -> None:
    rules = {r.inputs["name"]: r.inputs for r in prod.of_type("gcp:compute/firewall:Firewall")}
    for direction in ("ingress", "egress"):
        deny = rules[f"acme-llm-deny-all-{direction}"]
        assert deny["denies"] == [{"protocol": "all"}] and deny["priority"] == 65534
        assert deny["logConfig"] == {"metadata": "INCLUDE_ALL_METADATA"}
    allows = [r for r in rules.values() if "allows" in r]
    assert all(r["priority"] < 65534 for r in allows)
    for r in allows:  # nothing from the internet reaches the nodes; only Google's health checkers
        if r["direction"] == "INGRESS":
            assert r["sourceRanges"] in ([prod_cfg.network.cidr], ["35.191.0.0/16", "130.211.0.0/22"])
    internet_out = [r for r in allows if r["direction"] == "EGRESS" and "0.0.0.0/0" in r["destinationRanges"]]
    assert [r["allows"] for r in internet_out] == [[{"protocol": "tcp", "ports": ["443"]}]]


# --- cluster ------------------------------------------------------------------------------------------------
def test_private_cluster_with_cmek_secrets_and_workload_identity(prod: Plan, prod_cfg: ZoneConfig) -> None:
    c = prod.one("gcp:container/cluster:Cluster").inputs
    assert c["privateClusterConfig"]["enablePrivateNodes"] is True
    assert c["privateClusterConfig"]["enablePrivateEndpoint"] is True
    authorized = c["masterAuthorizedNetworksConfig"]["cidrBlocks"]
    assert [b["cidrBlock"] for b in authorized] == [prod_cfg.network.cidr]
    assert c["masterAuthorizedNetworksConfig"]["gcpPublicCidrsAccessEnabled"] is False
    assert c["workloadIdentityConfig"] == {"workloadPool": "acme-llm-prod.svc.id.goog"}
    assert c["databaseEncryption"]["state"] == "ENCRYPTED"
    assert c["databaseEncryption"]["keyName"].endswith("/cryptoKeys/acme-llm-gke-secrets")
    assert c["enableShieldedNodes"] is True and c["enableLegacyAbac"] is False
    assert c["releaseChannel"] == {"channel": "STABLE"} and c["minMasterVersion"] == "1.35"
    assert c["datapathProvider"] == "ADVANCED_DATAPATH"  # enforces the k8s layer's NetworkPolicies
    assert c["removeDefaultNodePool"] is True
    assert c["masterAuth"]["clientCertificateConfig"]["issueClientCertificate"] is False
    assert {"SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"} <= set(c["loggingConfig"]["enableComponents"])
    assert "DCGM" in c["monitoringConfig"]["enableComponents"]
    assert c["monitoringConfig"]["managedPrometheus"]["enabled"]
    assert c["authenticatorGroupsConfig"] == {"securityGroup": "gke-security-groups@example.com"}
    assert c["binaryAuthorization"]["evaluationMode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"
    assert c["ipAllocationPolicy"] == {"clusterSecondaryRangeName": "pods",
                                       "servicesSecondaryRangeName": "services"}
    assert c["nodeLocations"] == ["us-central1-a", "us-central1-b", "us-central1-c"]
    # even the short-lived default pool never runs as the Compute Engine default service account
    assert c["nodeConfig"]["serviceAccount"] == "acme-llm-nodes@acme-llm-prod.iam.gserviceaccount.com"


def test_dev_cluster_relaxes_cost_not_security(dev: Plan) -> None:
    c = dev.one("gcp:container/cluster:Cluster").inputs
    assert c["releaseChannel"] == {"channel": "REGULAR"} and "binaryAuthorization" not in c
    assert c["privateClusterConfig"]["enablePrivateEndpoint"] is True
    assert c["nodeLocations"] == ["us-central1-a", "us-central1-b"]
    assert c["databaseEncryption"]["state"] == "ENCRYPTED"


def test_cluster_waits_for_its_key_grants(prod: Plan) -> None:
    cluster = prod.one("gcp:container/cluster:Cluster")
    grants = {g.urn for g in prod.of_type(KEY_IAM)
              if g.inputs["cryptoKeyId"].endswith(("acme-llm-gke-secrets", "acme-llm-boot-disk"))}
    assert len(grants) == 2 and grants <= set(cluster.dependencies)


def test_system_pool_and_node_identities(prod: Plan, prod_cfg: ZoneConfig) -> None:
    system = by_name(prod, NODE_POOL)["acme-llm-system"].inputs
    assert system["nodeConfig"]["machineType"] == catalog.system_node("gcp").name
    assert system["autoscaling"]["totalMinNodeCount"] == prod_cfg.cluster.system_nodes.count
    for sa in prod.of_type(ACCOUNT):
        assert len(sa.inputs["accountId"]) <= 30
    node_sas = [f"serviceAccount:{a}@acme-llm-prod.iam.gserviceaccount.com"
                for a in ("acme-llm-nodes", "acme-llm-np-l4-serving", "acme-llm-np-h100-serving")]
    for member in node_sas:
        roles = {r.inputs["role"] for r in prod.of_type(PROJECT_IAM) if r.inputs["member"] == member}
        assert roles == set(NODE_ROLES)


# --- GPU pools ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", ["gcp-prod", "gcp-dev"])
def test_gpu_pools_follow_the_catalog_and_the_scheduling_contract(stack: str, prod: Plan, dev: Plan) -> None:
    plan = prod if stack == "gcp-prod" else dev
    cfg = load_stack_file(stacks_dir() / f"Pulumi.{stack}.yaml")
    pools = by_name(plan, NODE_POOL)
    for key, pool in sizing.effective_pools(cfg).items():
        shape = sizing.pool_shape(cfg, key)
        p = pools[f"acme-llm-{key}"].inputs
        nc = p["nodeConfig"]
        assert p["name"] == f"acme-llm-gpu-{key}"
        assert nc["machineType"] == shape.name
        (acc,) = nc["guestAccelerators"]
        assert acc["type"] == catalog.gpu_models()[shape.gpu].gke_accelerator
        assert acc["count"] == shape.gpus
        assert acc["gpuDriverInstallationConfig"] == {"gpuDriverVersion": "LATEST"}
        assert p["autoscaling"] == {"totalMinNodeCount": pool.min_nodes, "totalMaxNodeCount": pool.max_nodes,
                                    "locationPolicy": "ANY"}
        assert p["initialNodeCount"] == 0
        assert nc["spot"] is (pool.capacity == "spot")
        assert nc["bootDiskKmsKey"].endswith("/cryptoKeys/acme-llm-boot-disk")
        assert nc["workloadMetadataConfig"] == {"mode": "GKE_METADATA"}
        assert nc["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableIntegrityMonitoring": True}
        assert p["management"] == {"autoRepair": True, "autoUpgrade": True}
        assert nc["serviceAccount"] == f"acme-llm-np-{key}@{cfg.project}.iam.gserviceaccount.com"
        assert "-compute@developer.gserviceaccount.com" not in nc["serviceAccount"]
        assert nc["taints"] == [{"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"}]
        # GKE sets cloud.google.com/* labels itself and rejects them in a node pool's labels
        assert nc["labels"] == {"llmops.io/pool": key, "llmops.io/gpu": shape.gpu}
        assert {ZONE_TAG: "acme-llm", "llmops-pool": key}.items() <= nc["resourceLabels"].items()


def test_dev_pool_is_spot_and_scales_to_zero(dev: Plan) -> None:
    p = by_name(dev, NODE_POOL)["acme-llm-l4-serving"].inputs
    assert p["nodeConfig"]["spot"] is True and p["autoscaling"]["totalMinNodeCount"] == 0


# --- serving ------------------------------------------------------------------------------------------------
def test_model_bucket_is_private_versioned_and_cmek(prod: Plan) -> None:
    b = prod.one("gcp:storage/bucket:Bucket").inputs
    assert b["name"] == "acme-llm-prod-acme-llm-models"
    assert b["uniformBucketLevelAccess"] is True and b["publicAccessPrevention"] == "enforced"
    assert b["versioning"] == {"enabled": True} and b["location"] == "US-CENTRAL1"
    assert b["encryption"]["defaultKmsKeyName"].endswith("/cryptoKeys/acme-llm-data")


def test_vllm_identity_reads_only_the_model_bucket(prod: Plan) -> None:
    for key in ("chat", "reasoning"):
        email = f"acme-llm-ep-{key}@acme-llm-prod.iam.gserviceaccount.com"
        member = f"serviceAccount:{email}"
        grants = [r.inputs for r in prod.of_type(BUCKET_IAM) if r.inputs["member"] == member]
        assert grants == [{"bucket": "acme-llm-prod-acme-llm-models", "role": "roles/storage.objectViewer",
                           "member": member}]
        assert not [r for r in prod.of_type(PROJECT_IAM) if r.inputs["member"] == member]
        wis = [r.inputs for r in prod.of_type("gcp:serviceaccount/iAMMember:IAMMember")
               if r.inputs["serviceAccountId"].endswith(email)]
        assert {wi["role"] for wi in wis} == {"roles/iam.workloadIdentityUser"}
        ksas = [key, f"{key}-canary"] if key == "chat" else [key]  # chat's canary runs as the same identity
        assert sorted(wi["member"] for wi in wis) == sorted(
            f"serviceAccount:acme-llm-prod.svc.id.goog[llm-serving/{k}]" for k in ksas)
        sa = by_name(prod, "kubernetes:core/v1:ServiceAccount")[f"acme-llm-{key}-sa"].inputs["metadata"]
        assert (sa["namespace"], sa["name"]) == ("llm-serving", key)
        assert sa["annotations"] == {"iam.gke.io/gcp-service-account": email}


def test_vllm_streams_weights_from_the_bucket(prod: Plan, prod_cfg: ZoneConfig) -> None:
    for key in ("chat", "reasoning"):
        deploy = by_name(prod, "kubernetes:apps/v1:Deployment")[f"acme-llm-{key}-deploy"]
        args = deploy.inputs["spec"]["template"]["spec"]["containers"][0]["args"]
        hf = catalog.model_architectures()[prod_cfg.endpoints[key].model].hf_name
        sharded = f"-sharded-tp{sizing.replica_gpus(prod_cfg, key)}/"
        assert args[0].removesuffix(sharded) == f"gs://acme-llm-prod-acme-llm-models/{hf}"
        assert args[args.index("--tensor-parallel-size") + 1] == str(sizing.replica_gpus(prod_cfg, key))


def test_in_cluster_parts_use_the_gke_provider_and_gke_agents(prod: Plan) -> None:
    k8s_objects = [r for r in prod.resources if r.type.startswith("kubernetes:")]
    assert k8s_objects and all(r.provider and r.provider.endswith("::acme-llm-gke") for r in k8s_objects)
    kinds = {r.type for r in k8s_objects}
    assert "kubernetes:apps/v1:DaemonSet" not in kinds  # GKE runs the device plugin and managed DCGM


def test_managed_endpoint_deploys_from_model_garden_privately(prod: Plan, prod_cfg: ZoneConfig) -> None:
    g = prod.one("gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment").inputs
    ep = prod_cfg.endpoints["summarize"]
    assert g["publisherModelName"] == MODEL_GARDEN[(ep.model, ep.precision)]
    shape = sizing.managed_shape(prod_cfg, "summarize")
    assert g["deployConfig"]["dedicatedResources"] == {
        "machineSpec": {"machineType": shape.name,
                        "acceleratorType": catalog.gpu_models()[shape.gpu].vertex_accelerator,
                        "acceleratorCount": shape.gpus},
        "minReplicaCount": ep.replicas.min, "maxReplicaCount": ep.replicas.max}
    psc = g["endpointConfig"]["privateServiceConnectConfig"]
    assert psc["enablePrivateServiceConnect"] is True and psc["projectAllowlists"] == ["acme-llm-prod"]
    assert psc["pscAutomationConfigs"] == {"projectId": "acme-llm-prod",
                                           "network": "projects/acme-llm-prod/global/networks/acme-llm-vpc"}
    assert not prod.of_type("gcp:vertex/aiEndpoint:AiEndpoint")


# --- vector stores ------------------------------------------------------------------------------------------
def test_vertex_vector_search_is_streaming_private_and_cmek(prod: Plan) -> None:
    index = prod.one("gcp:vertex/aiIndex:AiIndex").inputs
    assert index["indexUpdateMethod"] == "STREAM_UPDATE"
    assert index["metadata"]["config"]["dimensions"] == 1024
    assert index["metadata"]["config"]["distanceMeasureType"] == "COSINE_DISTANCE"
    assert index["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/acme-llm-data")
    endpoint = prod.one("gcp:vertex/aiIndexEndpoint:AiIndexEndpoint").inputs
    assert endpoint["publicEndpointEnabled"] is False
    assert endpoint["privateServiceConnectConfig"] == {"enablePrivateServiceConnect": True,
                                                      "projectAllowlists": ["acme-llm-prod"]}
    assert "kmsKeyName" in endpoint["encryptionSpec"]
    deployed = prod.one("gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex")
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,127}", deployed.inputs["deployedIndexId"])
    assert deployed.inputs["dedicatedResources"]["minReplicaCount"] == 2  # prod: no single point of failure
    rule = prod.one("gcp:compute/forwardingRule:ForwardingRule")
    assert rule.inputs["target"].startswith("projects/") and "/serviceAttachments/" in rule.inputs["target"]
    assert rule.inputs["loadBalancingScheme"] == "" and deployed.urn in rule.dependencies


def test_alloydb_is_private_cmek_backed_up_and_iam_authenticated(prod: Plan) -> None:
    db = prod.one("gcp:alloydb/cluster:Cluster")
    c = db.inputs
    assert c["networkConfig"] == {"network": "projects/acme-llm-prod/global/networks/acme-llm-vpc",
                                  "allocatedIpRange": "acme-llm-psa"}
    assert c["encryptionConfig"]["kmsKeyName"].endswith("/cryptoKeys/acme-llm-data")
    assert c["automatedBackupPolicy"]["enabled"] is True
    assert c["automatedBackupPolicy"]["encryptionConfig"] == c["encryptionConfig"]
    assert c["continuousBackupConfig"]["enabled"] is True
    assert prod.one("gcp:servicenetworking/connection:Connection").urn in db.dependencies
    primary = prod.one("gcp:alloydb/instance:Instance").inputs
    assert primary["instanceType"] == "PRIMARY" and primary["availabilityType"] == "REGIONAL"
    assert primary["databaseFlags"] == {"alloydb.iam_authentication": "on"}
    assert primary["networkConfig"] == {"enablePublicIp": False}
    assert primary["clientConnectionConfig"]["sslConfig"]["sslMode"] == "ENCRYPTED_ONLY"


# --- RBAC ---------------------------------------------------------------------------------------------------
def test_no_basic_roles_anywhere(prod: Plan) -> None:
    for r in prod.resources:
        role = r.inputs.get("role") if r.type.startswith("gcp:") else None
        assert role not in ("roles/owner", "roles/editor", "roles/viewer"), r.name


def test_team_roles_are_least_privilege(prod: Plan) -> None:
    research, admins = "group:ml-research@example.com", "group:platform-admins@example.com"
    analysts = "group:analysts@example.com"

    def roles(member: str) -> set[str]:
        return {r.inputs["role"] for r in prod.of_type(PROJECT_IAM) if r.inputs["member"] == member}

    custom = "projects/acme-llm-prod/roles/llmops_acme_llm_model_user"
    viewer = {"roles/container.clusterViewer", "roles/monitoring.viewer", "roles/logging.viewer",
              "roles/aiplatform.viewer"}
    assert roles(analysts) == viewer
    assert roles(research) == viewer | {custom, "roles/alloydb.client", "roles/alloydb.databaseUser",
                                        "roles/serviceusage.serviceUsageConsumer"}
    assert roles(admins) == roles(research) | {"roles/monitoring.editor", "roles/logging.privateLogViewer"}
    assert roles("user:oncall@example.com") == roles(admins)
    bucket_roles = {r.inputs["member"]: r.inputs["role"] for r in prod.of_type(BUCKET_IAM)
                    if not r.inputs["member"].startswith("serviceAccount:")}
    assert bucket_roles[analysts] == "roles/storage.objectViewer"
    assert bucket_roles[research] == "roles/storage.objectViewer"
    role = prod.one("gcp:projects/iAMCustomRole:IAMCustomRole").inputs
    assert role["roleId"] == "llmops_acme_llm_model_user" and role["permissions"] == MODEL_USER_PERMISSIONS
    assert not [p for p in role["permissions"] if p.endswith((".create", ".delete", ".setIamPolicy"))]


def test_only_admins_can_write_model_weights(prod: Plan, prod_cfg: ZoneConfig) -> None:
    """Serving loads whatever sits in the model bucket: developers and viewers read it, admins write it."""
    writers = {"roles/storage.objectAdmin", "roles/storage.objectUser", "roles/storage.objectCreator",
               "roles/storage.admin", "roles/storage.legacyBucketWriter"}
    by_member = {}
    for r in prod.of_type(BUCKET_IAM):
        by_member.setdefault(r.inputs["member"], set()).add(r.inputs["role"])
    for team in prod_cfg.teams.values():
        for member in team.members:
            if team.role == "admin":
                assert by_member[member] == {"roles/storage.objectAdmin"}, member
            else:
                assert by_member[member] == {"roles/storage.objectViewer"}, member
    # nobody gets storage write on the whole project either
    assert not [r for r in prod.of_type(PROJECT_IAM) if r.inputs["role"] in writers]


def test_team_grants_are_scoped_to_the_zone_resources_where_the_service_allows(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    members = {m for t in prod_cfg.teams.values() for m in t.members}
    custom = "projects/acme-llm-prod/roles/llmops_acme_llm_model_user"
    project = [r for r in prod.of_type(PROJECT_IAM) if r.inputs["member"] in members]
    assert project
    for r in project:  # every project-wide team grant has a documented reason (no narrower scope exists)
        role = "model_user" if r.inputs["role"] == custom else r.inputs["role"]
        assert role in PROJECT_SCOPE, role
        assert not role.startswith(("roles/storage.", "roles/cloudkms.")), role
    # data access is bound on the zone's model bucket itself
    bucket = [r for r in prod.of_type(BUCKET_IAM) if r.inputs["member"] in members]
    assert {r.inputs["bucket"] for r in bucket} == {"acme-llm-prod-acme-llm-models"}
    assert {r.inputs["member"] for r in bucket} == members


def test_network_policies_are_enforced_by_dataplane_v2(prod: Plan, dev: Plan) -> None:
    """GKE enforces NetworkPolicies with Dataplane V2 (ADVANCED_DATAPATH): wherever the zone writes one."""
    for plan in (prod, dev):
        assert plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        cluster = plan.one("gcp:container/cluster:Cluster").inputs
        assert cluster["datapathProvider"] == "ADVANCED_DATAPATH"
        assert "networkPolicy" not in cluster or not cluster["networkPolicy"].get("enabled")


def test_team_namespaces_bind_the_iam_members(prod: Plan) -> None:
    bindings = {r.inputs["metadata"]["namespace"]: r.inputs["subjects"]
                for r in prod.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")}
    rbac = "rbac.authorization.k8s.io"
    assert bindings["team-research"] == [{"kind": "Group", "name": "ml-research@example.com",
                                          "apiGroup": rbac}]
    assert {"kind": "User", "name": "oncall@example.com", "apiGroup": rbac} in bindings["team-platform"]


# --- audit and budget ---------------------------------------------------------------------------------------
def test_data_access_audit_logs_to_a_locked_cmek_bucket(prod: Plan, dev: Plan) -> None:
    configs = {r.inputs["service"]: r.inputs
               for r in prod.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")}
    assert set(configs) == {"aiplatform.googleapis.com", "storage.googleapis.com", "container.googleapis.com"}
    for c in configs.values():
        assert sorted(x["logType"] for x in c["auditLogConfigs"]) == ["ADMIN_READ", "DATA_READ", "DATA_WRITE"]
    bucket = prod.one("gcp:logging/projectBucketConfig:ProjectBucketConfig")
    assert bucket.inputs["retentionDays"] == 365 and bucket.inputs["locked"] is True
    assert bucket.inputs["cmekSettings"]["kmsKeyName"].endswith("/cryptoKeys/acme-llm-logs")
    sink = prod.one("gcp:logging/projectSink:ProjectSink", "acme-llm-audit")  # gateway-access: its own test
    assert sink.inputs["destination"] == (
        "logging.googleapis.com/projects/acme-llm-prod/locations/us-central1/buckets/acme-llm-audit")
    assert "cloudaudit.googleapis.com" in sink.inputs["filter"] and bucket.urn in sink.dependencies
    dev_bucket = dev.one("gcp:logging/projectBucketConfig:ProjectBucketConfig").inputs
    assert dev_bucket["locked"] is False and dev_bucket["retentionDays"] == 90


def test_budget_filters_the_zone_and_alerts_by_topic_and_email(prod: Plan, prod_cfg: ZoneConfig) -> None:
    b = prod.one("gcp:billing/budget:Budget")
    i = b.inputs
    assert i["billingAccount"] == prod_cfg.budget.billing_account
    assert i["amount"] == {"specifiedAmount": {"currencyCode": "USD", "units": "150000"}}
    assert i["budgetFilter"]["projects"] == [f"projects/{GCP_PROJECT_NUMBER}"]
    assert i["budgetFilter"]["labels"] == {ZONE_TAG: "acme-llm"}
    rules = {(r["spendBasis"], r["thresholdPercent"]) for r in i["thresholdRules"]}
    assert rules == {(basis, t) for basis in ("CURRENT_SPEND", "FORECASTED_SPEND") for t in (0.5, 0.8, 1.0)}
    assert i["allUpdatesRule"]["pubsubTopic"] == "projects/acme-llm-prod/topics/acme-llm-budget"
    channels = prod.of_type("gcp:monitoring/notificationChannel:NotificationChannel")
    emails = sorted(c.inputs["labels"]["email_address"] for c in channels)
    assert emails == sorted(prod_cfg.budget.notify.emails)
    notified = i["allUpdatesRule"]["monitoringNotificationChannels"]
    assert len(notified) == len(channels) == len(set(notified))
    assert all(re.fullmatch(r"projects/acme-llm-prod/notificationChannels/\d+", n) for n in notified)
    assert {c.urn for c in channels} <= set(b.dependencies)
    topic = prod.one("gcp:pubsub/topic:Topic").inputs
    assert topic["kmsKeyName"].endswith("/cryptoKeys/acme-llm-data")
    assert topic["messageStoragePolicy"] == {"allowedPersistenceRegions": ["us-central1"]}
    publisher = prod.one("gcp:pubsub/topicIAMMember:TopicIAMMember")
    assert publisher.inputs["member"] == "serviceAccount:billing-budget-alert@system.gserviceaccount.com"
    assert publisher.urn in b.dependencies


def test_forecast_alerts_off_means_current_spend_only(prod_cfg: ZoneConfig) -> None:
    cfg = prod_cfg.model_copy(deep=True)
    assert cfg.budget is not None
    cfg.budget.forecast_alerts = False
    cfg.budget.monthly_limit_usd = 1234.5
    b = offline.plan_config(cfg).one("gcp:billing/budget:Budget").inputs
    assert {r["spendBasis"] for r in b["thresholdRules"]} == {"CURRENT_SPEND"}
    assert b["amount"]["specifiedAmount"] == {"currencyCode": "USD", "units": "1234", "nanos": 500_000_000}


# --- the installed SDK knows every key we send -------------------------------------------------------------
def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel).lower()


def _resource_class(type_: str) -> type:
    _, module, cls = type_.split(":")
    return getattr(importlib.import_module(f"pulumi_gcp.{module.split('/')[0]}"), cls)


def _args_of(type_: str) -> dict[str, str]:
    resource = _resource_class(type_)
    cls = getattr(importlib.import_module(resource.__module__), resource.__name__ + "Args")
    params = inspect.signature(cls.__init__).parameters
    return {n: str(p.annotation) for n, p in params.items() if n != "__self__"}


def _unknown_keys(value: Any, annotation: str, inputs_module: Any, path: str) -> list[str]:
    found = re.findall(r"'(\w+Args)'", annotation)
    if not found or inputs_module is None:
        return []
    cls = getattr(inputs_module, found[0])
    params = {n: str(p.annotation) for n, p in inspect.signature(cls.__init__).parameters.items()}
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for k, v in item.items():
            if _snake(k) not in params:
                out.append(f"{path}.{k}")
            else:
                out += _unknown_keys(v, params[_snake(k)], inputs_module, f"{path}.{k}")
    return out


@pytest.mark.parametrize("stack", ["gcp-prod", "gcp-dev"])
def test_every_input_key_exists_in_the_installed_sdk(stack: str, prod: Plan, dev: Plan) -> None:
    plan = prod if stack == "gcp-prod" else dev
    unknown = []
    for r in plan.resources:
        if not r.type.startswith("gcp:"):
            continue
        args = _args_of(r.type)
        try:
            package = _resource_class(r.type).__module__.rsplit(".", 1)[0]
            inputs_module = importlib.import_module(package + "._inputs")
        except ModuleNotFoundError:
            inputs_module = None
        for k, v in r.inputs.items():
            if _snake(k) not in args:
                unknown.append(f"{r.type}.{k}")
            elif k not in ("labels", "userLabels", "resourceLabels", "databaseFlags"):
                unknown += _unknown_keys(v, args[_snake(k)], inputs_module, f"{r.type}.{k}")
    assert unknown == []



# --- Kubernetes objects: schema, scheduling, checkov -------------------------------------------------------
@pytest.fixture(scope="module")
def checkov(prod: Plan) -> CheckovReport:  # the one checkov run of this module
    return checkov_report(prod)


def test_kubernetes_objects_validate_against_the_cluster_version(prod: Plan, dev: Plan,
                                                                  prod_cfg: ZoneConfig) -> None:
    assert assert_k8s_valid(prod, prod_cfg.cluster.kubernetes_version) == []
    assert assert_k8s_valid(dev, "1.35") == []


def test_serving_pods_tolerate_the_taints_of_the_pools_they_select(prod: Plan) -> None:
    placement = assert_tolerations_match_taints(prod)  # pools read from the GKE node pools in the plan
    assert placement == {"Deployment.llm-serving.chat": ["l4-serving"],
                         "Deployment.llm-serving.chat-canary": ["l4-serving"],  # the canary shares its pool
                         "Deployment.llm-serving.reasoning": ["h100-serving"]}


def test_checkov_finds_nothing_beyond_the_skip_list(checkov: CheckovReport) -> None:
    assert checkov.failures == [], "\n".join(f"{f['check_id']} {f['resource']}: {f['check_name']}"
                                             for f in checkov.failures)
    assert checkov.resources >= 20 and checkov.passed > 200  # it really scanned the plan
    # GKE runs no node agent of ours: the one accepted finding is the AI gateway's tag-pinned Redis
    assert [(a["check_id"], a["resource"]) for a in checkov.accepted] == [
        ("CKV_K8S_43", "Deployment.envoy-gateway-system.ratelimit-redis")]


def test_kubeconfig_reaches_a_private_cluster_through_the_dns_endpoint(prod: Plan) -> None:
    (provider,) = [r for r in prod.resources if r.type == "pulumi:providers:kubernetes"]
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    (cluster,) = kubeconfig["clusters"]
    assert re.fullmatch(r"https://gke-[0-9a-f]+-\d+\.us-central1\.gke\.goog", cluster["cluster"]["server"])
    assert "certificate-authority-data" not in cluster["cluster"]  # a publicly trusted certificate
    assert kubeconfig["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    c = prod.one("gcp:container/cluster:Cluster").inputs
    assert c["controlPlaneEndpointsConfig"] == {"dnsEndpointConfig": {"allowExternalTraffic": True}}
