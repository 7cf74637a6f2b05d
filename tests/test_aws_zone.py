"""The AWS landing zone, entity by entity, on the recorded plans of the aws-dev and aws-prod stacks.

Each test reads what the program registered (types, key inputs, options, dependencies), never log text.
"""

from __future__ import annotations

import inspect
import ipaddress
import json
import re
from importlib import import_module

import pytest
from plan_checks import assert_engine_names_only

from llmops_landing_zone.components import catalog, sizing
from llmops_landing_zone.components.aws import base, names
from llmops_landing_zone.components.aws.gpu_pool import CA_TEMPLATE, discovery_tags
from llmops_landing_zone.components.common import ZONE_TAG, zone_tags
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, PoolScheduling
from llmops_landing_zone.components.network_plan import plan_subnets
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from llmops_landing_zone.llz.mocks import ACCOUNT_ID

REGION = "us-east-1"
LOG_TYPES = {"api", "audit", "authenticator", "controllerManager", "scheduler"}
STATEFUL_TYPES = {
    "aws:amp/workspace:Workspace",  # serving metrics (components/aws/monitoring.py)
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:opensearch/serverlessCollection:ServerlessCollection",
    "aws:rds/cluster:Cluster",
    "aws:cloudtrail/trail:Trail",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
}


@pytest.fixture(scope="module")
def stacks() -> dict[str, tuple[ZoneConfig, Plan]]:
    out = {}
    for env in ("dev", "prod"):
        _, _, cfg = offline.load(f"aws-{env}")
        out[env] = (cfg, offline.plan(f"aws-{env}"))
    return out


@pytest.fixture(scope="module")
def dev(stacks: dict) -> Plan:
    return stacks["dev"][1]


@pytest.fixture(scope="module")
def prod(stacks: dict) -> Plan:
    return stacks["prod"][1]


@pytest.fixture(scope="module")
def prod_cfg(stacks: dict) -> ZoneConfig:
    return stacks["prod"][0]


@pytest.fixture(scope="module")
def dev_cfg(stacks: dict) -> ZoneConfig:
    return stacks["dev"][0]


def one(plan: Plan, type_: str, name: str) -> PlannedResource:
    return plan.one(type_, name)


def key_arn(plan: Plan, purpose: str) -> str:
    """ARN of a zone key, read from its alias' dependants: the alias targets the key id."""
    alias = one(plan, "aws:kms/alias:Alias", f"acme-llm-{purpose}-alias")
    return f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{alias.inputs['targetKeyId']}"


def policy(r: PlannedResource, field: str = "policy") -> dict:
    return json.loads(r.inputs[field])


def statements(doc: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in doc["Statement"]}


def as_list(v: str | list[str]) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


# --- the whole plan -----------------------------------------------------------------------------------------


def test_both_stacks_plan_with_every_entity(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        kinds = {r.type for r in plan.resources if r.type.startswith("llmops:aws:")}
        assert {
            "llmops:aws:Keys",
            "llmops:aws:Network",
            "llmops:aws:Cluster",
            "llmops:aws:GpuPool",
            "llmops:aws:ModelBucket",
            "llmops:aws:Serving",
            "llmops:aws:TeamAccess",
            "llmops:aws:OpenSearchVectorStore",
            "llmops:aws:Audit",
            "llmops:aws:Budget",
        } <= kinds
    assert {"llmops:aws:ManagedEndpoint", "llmops:aws:AuroraVectorStore"} <= {r.type for r in prod.resources}
    assert not {"llmops:aws:ManagedEndpoint", "llmops:aws:AuroraVectorStore"} & {
        r.type for r in dev.resources
    }


def test_every_aws_resource_sits_under_a_zone_component(prod: Plan) -> None:
    components = {r.urn: r for r in prod.resources if not r.custom}
    for r in prod.resources:
        if r.type.startswith("aws:"):
            assert r.parent in components and components[r.parent].type.startswith("llmops:aws:"), r.name


def _aws_class(type_: str) -> type:
    module, cls = type_.split(":")[1].split("/")[0], type_.rsplit(":", 1)[-1]
    return getattr(import_module(f"pulumi_aws.{module}"), cls)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def test_no_resource_is_auto_named(dev: Plan, prod: Plan) -> None:
    """Pulumi appends a random suffix to a name it generates. Every resource type that could be auto-named
    (it has an ``X`` and an ``X_prefix`` argument) gets an explicit, deterministic ``X``."""
    checked = 0
    for plan in (dev, prod):
        for r in plan.resources:
            if not r.type.startswith("aws:"):
                continue
            params = inspect.signature(_aws_class(r.type)._internal_init).parameters
            for p in params:
                if p.endswith("_prefix") and p.removesuffix("_prefix") in params:
                    field = _camel(p.removesuffix("_prefix"))
                    assert isinstance(r.inputs.get(field), str), (r.type, r.name, field)
                    checked += 1
    assert checked > 50


def test_every_taggable_resource_carries_the_zone_tags(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    checked = 0
    for plan, cfg in ((dev, dev_cfg), (prod, prod_cfg)):
        expected = zone_tags(cfg.name, cfg.environment, cfg.tags)
        for r in plan.resources:
            if not r.type.startswith("aws:"):
                continue
            if "tags" in inspect.signature(_aws_class(r.type)._internal_init).parameters:
                assert expected.items() <= (r.inputs.get("tags") or {}).items(), r.name
                checked += 1
    assert checked > 100


def test_no_snake_case_key_reaches_the_engine(prod: Plan, dev: Plan) -> None:
    """A snake_case key in a nested input is an argument the SDK did not recognise (a typo that the real
    provider would reject or silently drop); map-valued inputs hold user keys and are skipped."""
    assert_engine_names_only((dev, prod), "aws:", maps={"tags", "tagsAll", "environment", "labels"})


# --- network ------------------------------------------------------------------------------------------------


def test_network_subnets_follow_the_shared_plan(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    for plan, cfg in ((dev, dev_cfg), (prod, prod_cfg)):
        carve = plan_subnets(cfg.network.cidr, cfg.network.zones)
        azs = [f"{REGION}{c}" for c in "abcdef"][: cfg.network.zones]
        assert one(plan, "aws:ec2/vpc:Vpc", "acme-llm-vpc").inputs["cidrBlock"] == cfg.network.cidr
        for az, private, public in zip(azs, carve.private, carve.public, strict=True):
            p = one(plan, "aws:ec2/subnet:Subnet", f"acme-llm-private-{az}").inputs
            q = one(plan, "aws:ec2/subnet:Subnet", f"acme-llm-public-{az}").inputs
            assert (p["availabilityZone"], p["cidrBlock"], p["mapPublicIpOnLaunch"]) == (az, private, False)
            assert (q["availabilityZone"], q["cidrBlock"], q["mapPublicIpOnLaunch"]) == (az, public, False)
            assert (
                p["tags"]["kubernetes.io/role/internal-elb"] == "1"
                and q["tags"]["kubernetes.io/role/elb"] == "1"
            )
        assert len(plan.of_type("aws:ec2/subnet:Subnet")) == 2 * cfg.network.zones


def test_nat_per_zone_in_prod_one_in_dev(dev: Plan, prod: Plan, prod_cfg: ZoneConfig) -> None:
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == prod_cfg.network.zones == 3
    # each private route table of prod defaults to the NAT of its own zone
    nats = {r.urn: r for r in prod.of_type("aws:ec2/natGateway:NatGateway")}
    for az in "abc":
        route = one(prod, "aws:ec2/route:Route", f"acme-llm-private-{REGION}{az}-default")
        nat = next(n for u, n in nats.items() if u in route.dependencies)
        assert nat.name == f"acme-llm-nat-{REGION}{az}"
    dev_nat = dev.of_type("aws:ec2/natGateway:NatGateway")[0].urn
    assert all(dev_nat in r.dependencies for r in dev.of_type("aws:ec2/route:Route") if "private" in r.name)


def test_vpc_endpoints_and_their_security_group(dev: Plan, prod: Plan) -> None:
    def services(plan: Plan) -> dict[str, PlannedResource]:
        return {
            r.inputs["serviceName"].removeprefix(f"com.amazonaws.{REGION}."): r
            for r in plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        }

    base_set = {"s3", "ecr.api", "ecr.dkr", "sts", "logs", "aps-workspaces"}  # aps: serving metrics (AMP)
    assert set(services(dev)) == base_set
    # prod has a managed endpoint, and a private Amazon Managed Grafana reached through its own endpoint
    assert set(services(prod)) == base_set | {"sagemaker.runtime", "grafana-workspace"}
    prod_eps = services(prod)
    assert (
        prod_eps["s3"].inputs["vpcEndpointType"] == "Gateway"
        and len(prod_eps["s3"].inputs["routeTableIds"]) == 3
    )
    sg = one(prod, "aws:ec2/securityGroup:SecurityGroup", "acme-llm-endpoints")
    for svc, ep in prod_eps.items():
        if svc != "s3":
            assert ep.inputs["vpcEndpointType"] == "Interface" and ep.inputs["privateDnsEnabled"] is True
            assert len(ep.inputs["subnetIds"]) == 3 and sg.urn in ep.dependencies
    assert sg.inputs["egress"] == []
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in sg.inputs["ingress"]] == [
        (443, 443, ["10.40.0.0/16"])
    ]
    default_sg = one(prod, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "acme-llm-default-sg").inputs
    assert default_sg["ingress"] == [] and default_sg["egress"] == []
    aoss = one(prod, "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint", "acme-llm-aoss").inputs
    assert aoss["name"] == "acme-llm-aoss" and len(aoss["subnetIds"]) == 3


def test_flow_logs_go_to_a_kms_encrypted_log_group(prod: Plan, prod_cfg: ZoneConfig) -> None:
    flow = one(prod, "aws:ec2/flowLog:FlowLog", "acme-llm-vpc").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestinationType"] == "cloud-watch-logs"
    group = one(prod, "aws:cloudwatch/logGroup:LogGroup", "acme-llm-flow-logs").inputs
    assert flow["logDestination"].endswith(f"log-group:{group['name']}")
    assert group["kmsKeyId"] == key_arn(prod, "audit")
    role = one(prod, "aws:iam/role:Role", "acme-llm-flow-logs")
    trust = policy(role, "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    assert flow["iamRoleArn"].endswith("role/acme-llm-flow-logs")


# --- keys ---------------------------------------------------------------------------------------------------


def test_keys_rotate_and_give_root_administration_but_no_crypto(prod: Plan) -> None:
    keys = prod.of_type("aws:kms/key:Key")
    assert {k.name for k in keys} == {
        "acme-llm-cluster-key",
        "acme-llm-audit-key",
        "acme-llm-data-key",
        "acme-llm-budget-alerts-key",
    }
    for k in keys:
        assert k.inputs["enableKeyRotation"] is True and k.inputs["deletionWindowInDays"] == 30
        stmts = statements(policy(k))
        admin = stmts["KeyAdministration"]
        assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
        assert not {"kms:*", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"} & set(admin["Action"])
        # every other grant is conditioned, or names one exact principal (the Auto Scaling role)
        for sid, s in stmts.items():
            if sid != "KeyAdministration":
                assert "Condition" in s or "AWSServiceRoleForAutoScaling" in json.dumps(s["Principal"]), sid
    assert {a.inputs["name"] for a in prod.of_type("aws:kms/alias:Alias")} == {
        "alias/acme-llm-cluster",
        "alias/acme-llm-audit",
        "alias/acme-llm-data",
        "alias/acme-llm-budget-alerts",
    }


def test_key_policies_scope_services_with_conditions(prod: Plan) -> None:
    cluster = statements(policy(one(prod, "aws:kms/key:Key", "acme-llm-cluster-key")))
    assert (
        cluster["UseThroughEks"]["Condition"]["StringEquals"]["kms:ViaService"]
        == f"eks.{REGION}.amazonaws.com"
    )
    audit = statements(policy(one(prod, "aws:kms/key:Key", "acme-llm-audit-key")))
    assert audit["CloudWatchLogsUse"]["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert "kms:EncryptionContext:aws:logs:arn" in audit["CloudWatchLogsUse"]["Condition"]["StringLike"]
    trail = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/acme-llm-trail"
    assert audit["CloudTrailEncrypt"]["Condition"]["StringEquals"]["aws:SourceArn"] == trail
    data = statements(policy(one(prod, "aws:kms/key:Key", "acme-llm-data-key")))
    via = data["UseThroughZoneServices"]["Condition"]["StringEquals"]["kms:ViaService"]
    assert {f"{s}.{REGION}.amazonaws.com" for s in ("s3", "rds", "sagemaker", "aoss", "ec2")} <= set(via)
    assert data["GrantsForZoneServices"]["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
    assert (
        one(
            prod, "aws:ebs/encryptionByDefault:EncryptionByDefault", "acme-llm-ebs-encryption-by-default"
        ).inputs["enabled"]
        is True
    )


def test_every_zone_log_group_is_covered_by_the_audit_key(prod: Plan) -> None:
    import fnmatch

    doc = statements(policy(one(prod, "aws:kms/key:Key", "acme-llm-audit-key")))
    patterns = doc["CloudWatchLogsUse"]["Condition"]["StringLike"]["kms:EncryptionContext:aws:logs:arn"]
    groups = prod.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert {g.inputs["name"] for g in groups} == {
        "/aws/codebuild/acme-llm-deploy",
        "/aws/vpc/acme-llm-flow-logs",
        "/aws/eks/acme-llm/cluster",
        "/aws/cloudtrail/acme-llm-trail",
        "/aws/rds/cluster/acme-llm-catalog/postgresql",
        "/aws/sagemaker/Endpoints/acme-llm-summarize",
        "/aws/containers/acme-llm-gateway-access",  # the AI gateway's access records
    }
    for g in groups:
        arn = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{g.inputs['name']}"
        assert any(fnmatch.fnmatchcase(arn, p) for p in patterns), arn


# --- cluster ------------------------------------------------------------------------------------------------


def test_cluster_is_private_encrypted_logged_and_uses_access_entries(prod: Plan) -> None:
    eks = one(prod, "aws:eks/cluster:Cluster", "acme-llm-eks")
    i = eks.inputs
    assert i["name"] == "acme-llm" and i["version"] == "1.35"
    assert i["vpcConfig"]["endpointPrivateAccess"] is True and i["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in i["vpcConfig"] and len(i["vpcConfig"]["subnetIds"]) == 3
    assert i["encryptionConfig"] == {
        "resources": ["secrets"],
        "provider": {"keyArn": key_arn(prod, "cluster")},
    }
    assert set(i["enabledClusterLogTypes"]) == LOG_TYPES
    assert i["accessConfig"]["authenticationMode"] == "API"
    assert i["bootstrapSelfManagedAddons"] is False
    log_group = one(prod, "aws:cloudwatch/logGroup:LogGroup", "acme-llm-eks")
    assert log_group.urn in eks.dependencies  # created first, with the audit key and a retention


def test_cluster_public_endpoint_only_when_set_and_only_for_authorized_networks(dev_cfg: ZoneConfig) -> None:
    cfg = dev_cfg.model_copy(deep=True)
    cfg.cluster.public_endpoint = True
    cfg.cluster.authorized_networks = ["203.0.113.0/24"]
    vpc = offline.plan_config(cfg).one("aws:eks/cluster:Cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]
    assert vpc["endpointPrivateAccess"] is True


def test_cluster_identity_addons_and_roles(prod: Plan) -> None:
    oidc = one(prod, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "acme-llm-oidc").inputs
    assert oidc["url"].startswith(f"https://oidc.eks.{REGION}.amazonaws.com/id/")
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"]
    addons = {a.inputs["addonName"]: a for a in prod.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns",
                           "kube-state-metrics"}  # the last for serving observability
    system = one(prod, "aws:eks/nodeGroup:NodeGroup", "acme-llm-system")
    assert system.urn in addons["coredns"].dependencies  # CoreDNS needs nodes to become active
    assert addons["vpc-cni"].urn in system.dependencies  # nodes need the CNI to become ready
    attached = {
        (r.inputs["role"], r.inputs["policyArn"].rsplit("/", 1)[-1])
        for r in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached == {
        ("acme-llm-cluster", "AmazonEKSClusterPolicy"),
        ("acme-llm-node", "AmazonEKSWorkerNodePolicy"),
        ("acme-llm-node", "AmazonEC2ContainerRegistryPullOnly"),
        ("acme-llm-node", "AmazonEKS_CNI_Policy"),
    }
    trust = policy(one(prod, "aws:iam/role:Role", "acme-llm-cluster"), "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}


def test_network_policies_are_enforced_by_the_vpc_cni(dev: Plan, prod: Plan) -> None:
    """EKS ignores NetworkPolicy objects unless the VPC CNI runs its network policy agent: wherever the zone
    writes a NetworkPolicy (every team namespace's default-deny), the vpc-cni add-on turns enforcement on."""
    for plan in (dev, prod):
        assert plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        addons = {a.inputs["addonName"]: a.inputs for a in plan.of_type("aws:eks/addon:Addon")}
        assert json.loads(addons["vpc-cni"]["configurationValues"]) == {"enableNetworkPolicy": "true"}
        assert all("configurationValues" not in a for k, a in addons.items() if k != "vpc-cni")


def test_system_node_group_is_small_and_on_demand(prod: Plan, prod_cfg: ZoneConfig) -> None:
    ng = one(prod, "aws:eks/nodeGroup:NodeGroup", "acme-llm-system").inputs
    assert ng["instanceTypes"] == [catalog.system_node("aws").name]
    assert ng["capacityType"] == "ON_DEMAND" and ng["amiType"] == "AL2023_x86_64_STANDARD"
    sys_cfg = prod_cfg.cluster.system_nodes
    assert ng["scalingConfig"] == {
        "minSize": sys_cfg.count,
        "desiredSize": sys_cfg.count,
        "maxSize": sys_cfg.max_count,
    }
    assert "taints" not in ng


# --- GPU pools ----------------------------------------------------------------------------------------------


def test_gpu_pools_take_shape_and_scheduling_from_the_shared_contracts(
    prod: Plan, dev: Plan, prod_cfg: ZoneConfig, dev_cfg: ZoneConfig
) -> None:
    for plan, cfg in ((prod, prod_cfg), (dev, dev_cfg)):
        pools = sizing.effective_pools(cfg)
        assert len(plan.of_type("llmops:aws:GpuPool")) == len(pools)
        for key, pool in pools.items():
            name = names.NODE_GROUP.render(cfg.name, key)
            ng = one(plan, "aws:eks/nodeGroup:NodeGroup", name).inputs
            shape = sizing.pool_shape(cfg, key)
            sched = PoolScheduling.for_pool("aws", key, pool.gpu, pool.gpus_per_node, shape.name)
            assert ng["amiType"] == "AL2023_x86_64_NVIDIA" and ng["instanceTypes"] == [shape.name]
            assert ng["labels"] == sched.labels and ng["taints"] == [sched.taint.aws]
            assert ng["scalingConfig"] == {
                "minSize": pool.min_nodes,
                "desiredSize": pool.min_nodes,
                "maxSize": pool.max_nodes,
            }
            assert ng["capacityType"] == ("SPOT" if pool.capacity == "spot" else "ON_DEMAND")
            assert ng["taints"] == [{"key": GPU_RESOURCE, "value": "true", "effect": "NO_SCHEDULE"}]
    assert one(dev, "aws:eks/nodeGroup:NodeGroup", "acme-llm-l4-serving").inputs["capacityType"] == "SPOT"
    assert one(prod, "aws:eks/nodeGroup:NodeGroup", "acme-llm-h100-serving").inputs["instanceTypes"] == [
        "p5.48xlarge"
    ]


def test_gpu_pools_scale_from_zero_with_autoscaler_node_templates(dev: Plan) -> None:
    ng = one(dev, "aws:eks/nodeGroup:NodeGroup", "acme-llm-l4-serving")
    assert ng.inputs["scalingConfig"]["minSize"] == 0
    expected = {
        f"{CA_TEMPLATE}/label/llmops.io/pool": "l4-serving",
        f"{CA_TEMPLATE}/label/llmops.io/gpu": "L4",
        f"{CA_TEMPLATE}/taint/nvidia.com/gpu": "true:NoSchedule",
        f"{CA_TEMPLATE}/resources/nvidia.com/gpu": "1",
    }
    assert expected.items() <= ng.inputs["tags"].items()
    asg_tags = {
        t.inputs["tag"]["key"]: t.inputs["tag"]["value"]
        for t in dev.of_type("aws:autoscaling/tag:Tag")
        if ng.urn in t.dependencies
    }
    # the ASG also carries the autoscaler's discovery tags (the node group's own tags are documentation)
    assert asg_tags == {**expected, **discovery_tags("acme-llm")}
    for t in dev.of_type("aws:autoscaling/tag:Tag"):
        group = "l4-serving" if ng.urn in t.dependencies else "system"
        assert t.inputs["autoscalingGroupName"].startswith(f"eks-acme-llm-{group}-")
        assert t.inputs["tag"]["propagateAtLaunch"] is False


def test_node_launch_templates_require_imdsv2_and_encrypt_gp3_with_the_cmk(prod: Plan) -> None:
    templates = prod.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert {t.name for t in templates} == {"acme-llm-system", "acme-llm-l4-serving", "acme-llm-h100-serving"}
    for t in templates:
        md = t.inputs["metadataOptions"]
        assert md["httpTokens"] == "required" and 1 <= md["httpPutResponseHopLimit"] <= 2
        (bdm,) = t.inputs["blockDeviceMappings"]
        ebs = bdm["ebs"]
        assert (ebs["volumeType"], ebs["encrypted"], ebs["kmsKeyId"]) == (
            "gp3",
            "true",
            key_arn(prod, "data"),
        )
        assert "imageId" not in t.inputs and "instanceType" not in t.inputs  # the node group sets both
        for spec in t.inputs["tagSpecifications"]:  # GPU hours land on the zone's cost-allocation tag
            assert spec["tags"][ZONE_TAG] == "acme-llm"
    for ng in prod.of_type("aws:eks/nodeGroup:NodeGroup"):
        lt = next(t for t in templates if t.urn in ng.dependencies)
        assert ng.inputs["launchTemplate"]["id"].startswith("lt-") and lt.name == ng.inputs["nodeGroupName"]


# --- serving ------------------------------------------------------------------------------------------------


def test_model_bucket_is_private_encrypted_and_versioned(prod: Plan) -> None:
    bucket = one(prod, "aws:s3/bucket:Bucket", "acme-llm-models")
    name = f"acme-llm-models-{ACCOUNT_ID}-{REGION}"
    assert bucket.inputs["bucket"] == name and bucket.protect
    _assert_private_bucket(prod, "acme-llm-models", name, key_arn(prod, "data"))


def _assert_private_bucket(plan: Plan, logical: str, name: str, key: str) -> None:
    pab = one(
        plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{logical}-public-access"
    ).inputs
    assert all(
        pab[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    sse = one(
        plan,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        f"{logical}-sse",
    ).inputs["rules"][0]
    assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key}
    versioning = one(plan, "aws:s3/bucketVersioning:BucketVersioning", f"{logical}-versioning").inputs
    assert versioning["versioningConfiguration"]["status"] == "Enabled"
    doc = statements(policy(one(plan, "aws:s3/bucketPolicy:BucketPolicy", f"{logical}-policy")))
    tls = doc["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(tls["Resource"]) == {f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"}


def test_vllm_endpoints_run_through_the_k8s_layer_with_a_pod_identity_role(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    vllm = [k for k, e in prod_cfg.endpoints.items() if e.runtime == "vllm"]
    canaries = [f"{k}-canary" for k in vllm if prod_cfg.endpoints[k].canary is not None]
    assert {r.name for r in prod.of_type("llmops:k8s:VllmEndpoint")} == {f"acme-llm-{k}" for k in vllm + canaries}
    role = one(prod, "aws:iam/role:Role", "acme-llm-serving")
    trust = policy(role, "assumeRolePolicy")["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert set(trust["Action"]) == {"sts:AssumeRole", "sts:TagSession"}
    assert (
        trust["Condition"]["ArnEquals"]["aws:SourceArn"]
        == f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/acme-llm"
    )
    for key in vllm:
        assoc = one(prod, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"acme-llm-{key}").inputs
        assert assoc == {
            "clusterName": "acme-llm",
            "namespace": "llm-serving",
            "serviceAccount": key,
            "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/acme-llm-serving",
            "tags": assoc["tags"],
        }
        sa = next(
            r
            for r in prod.of_type("kubernetes:core/v1:ServiceAccount")
            if r.inputs["metadata"]["name"] == key and r.inputs["metadata"]["namespace"] == "llm-serving"
        )
        assert sa is not None
        deploy = next(
            r for r in prod.of_type("kubernetes:apps/v1:Deployment") if r.inputs["metadata"]["name"] == key
        )
        # Pod Identity only reaches pods created after the association: the pods must wait for it.
        assoc_urn = one(prod, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"acme-llm-{key}").urn
        assert assoc_urn in deploy.dependencies
        container = deploy.inputs["spec"]["template"]["spec"]["containers"][0]
        gpus = str(sizing.replica_gpus(prod_cfg, key))
        assert container["resources"]["limits"][GPU_RESOURCE] == gpus
        args = container["args"]
        model = args[0]
        assert model.startswith(
            f"s3://acme-llm-models-{ACCOUNT_ID}-{REGION}/"
        )  # weights from the zone's bucket


def test_serving_role_can_only_read_the_model_bucket(prod: Plan) -> None:
    doc = policy(one(prod, "aws:iam/rolePolicy:RolePolicy", "acme-llm-serving"))
    bucket = f"arn:aws:s3:::acme-llm-models-{ACCOUNT_ID}-{REGION}"
    for s in doc["Statement"]:
        assert s["Effect"] == "Allow"
        for action in as_list(s["Action"]):
            service, verb = action.split(":")
            assert not verb.startswith(("Put", "Delete", "Create", "Update", "Write")) and "*" not in verb, (
                action
            )
            if service == "s3":
                assert all(r in (bucket, f"{bucket}/*") for r in as_list(s["Resource"]))
            elif service == "kms":
                assert verb == "Decrypt" and s["Condition"]["StringEquals"]["kms:ViaService"].startswith(
                    "s3."
                )
            else:
                assert action == "aoss:APIAccessAll" and s["Condition"]["StringEquals"][
                    "aoss:collection"
                ] == ["acme-llm-docs"]


def test_managed_endpoint_is_isolated_private_encrypted_and_autoscaled(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    model = one(prod, "aws:sagemaker/model:Model", "acme-llm-summarize").inputs
    assert model["enableNetworkIsolation"] is True
    assert len(model["vpcConfig"]["subnets"]) == 3 and len(model["vpcConfig"]["securityGroupIds"]) == 1
    image = model["primaryContainer"]["image"]
    assert re.fullmatch(
        rf"763104351884\.dkr\.ecr\.{REGION}\.amazonaws\.com/huggingface-pytorch-tgi-inference:"
        r"[\w.-]+-tgi[\d.]+-gpu-py\d+-cu\d+-ubuntu[\d.]+(-v[\d.]+)?",
        image,
    )
    (source,) = model["primaryContainer"]["modelDataSource"]["s3DataSources"]
    assert (
        source["s3Uri"] == f"s3://acme-llm-models-{ACCOUNT_ID}-{REGION}/mistralai/Mistral-7B-Instruct-v0.1/"
    )
    config = one(
        prod, "aws:sagemaker/endpointConfiguration:EndpointConfiguration", "acme-llm-summarize"
    ).inputs
    assert config["kmsKeyArn"] == key_arn(prod, "data")
    (variant,) = config["productionVariants"]
    shape = sizing.managed_shape(prod_cfg, "summarize")
    assert variant["instanceType"].startswith("ml.") and variant["instanceType"].endswith(
        shape.name.removeprefix("ml.")
    )
    assert variant["modelName"] == model["name"] and variant["initialInstanceCount"] == 1
    endpoint = one(prod, "aws:sagemaker/endpoint:Endpoint", "acme-llm-summarize").inputs
    assert endpoint == {
        "name": "acme-llm-summarize",
        "endpointConfigName": config["name"],
        "tags": endpoint["tags"],
    }
    target = one(prod, "aws:appautoscaling/target:Target", "acme-llm-summarize").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (1, 3)
    assert target["resourceId"] == "endpoint/acme-llm-summarize/variant/AllTraffic"
    scaling = one(prod, "aws:appautoscaling/policy:Policy", "acme-llm-summarize").inputs
    assert scaling["policyType"] == "TargetTrackingScaling" and scaling["resourceId"] == target["resourceId"]
    sg = one(prod, "aws:ec2/securityGroup:SecurityGroup", "acme-llm-summarize-sagemaker").inputs
    assert sg["ingress"] == [] and all(e["fromPort"] == e["toPort"] == 443 for e in sg["egress"])


# Service principals that pass no source context when they assume a role (EC2 instance profiles, the EKS
# control plane): their trust policies cannot carry aws:SourceArn.
NO_SOURCE_CONTEXT = {"ec2.amazonaws.com", "eks.amazonaws.com"}


def test_service_trust_policies_carry_confused_deputy_conditions(prod: Plan) -> None:
    expected = {
        "acme-llm-trail-logs": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/acme-llm-trail",
        "acme-llm-summarize-sagemaker": f"arn:aws:sagemaker:{REGION}:{ACCOUNT_ID}:*",
    }
    for name, source_arn in expected.items():
        (stmt,) = policy(one(prod, "aws:iam/role:Role", name), "assumeRolePolicy")["Statement"]
        assert stmt["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                                     "ArnLike": {"aws:SourceArn": source_arn}}, name
    for role in prod.of_type("aws:iam/role:Role"):
        for stmt in policy(role, "assumeRolePolicy")["Statement"]:
            service = stmt["Principal"].get("Service")
            if service and service not in NO_SOURCE_CONTEXT:
                cond = stmt.get("Condition", {})
                assert cond.get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT_ID, role.name
                assert "aws:SourceArn" in {**cond.get("ArnLike", {}), **cond.get("ArnEquals", {})}, role.name


def test_managed_shape_falls_back_to_an_ml_prefixed_compute_shape() -> None:
    from llmops_landing_zone.components.aws.serving import ml_instance_type

    assert ml_instance_type(catalog.shape_named("aws", "g6.xlarge")) == "ml.g6.xlarge"
    sm = catalog.shapes("aws", "sagemaker")
    if sm:
        assert ml_instance_type(sm[0]) == sm[0].name


# --- vector stores ------------------------------------------------------------------------------------------


def test_opensearch_collection_is_cmk_encrypted_vpc_only_and_admits_only_zone_roles(prod: Plan) -> None:
    coll = one(prod, "aws:opensearch/serverlessCollection:ServerlessCollection", "acme-llm-docs")
    assert coll.inputs["type"] == "VECTORSEARCH" and coll.inputs["name"] == "acme-llm-docs"
    enc = one(prod, "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy", "acme-llm-docs-enc")
    net = one(prod, "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy", "acme-llm-docs-net")
    assert enc.urn in coll.dependencies and net.urn in coll.dependencies  # encryption policy first
    assert json.loads(enc.inputs["policy"]) == {
        "Rules": [{"ResourceType": "collection", "Resource": ["collection/acme-llm-docs"]}],
        "AWSOwnedKey": False,
        "KmsARN": key_arn(prod, "data"),
    }
    (rule,) = json.loads(net.inputs["policy"])
    vpce = one(prod, "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint", "acme-llm-aoss")
    assert rule["AllowFromPublic"] is False and len(rule["SourceVPCEs"]) == 1 and vpce.urn in net.dependencies
    data = json.loads(
        one(
            prod, "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy", "acme-llm-docs-data"
        ).inputs["policy"]
    )
    principals = {p for entry in data for p in entry["Principal"]}
    roles = {
        f"arn:aws:iam::{ACCOUNT_ID}:role/acme-llm-{r}"
        for r in ("serving", "team-research", "team-platform", "team-analysts")
    }
    assert principals == roles
    perms = {
        entry["Description"].split()[0]: {p for rule in entry["Rules"] for p in rule["Permission"]}
        for entry in data
    }
    assert "aoss:WriteDocument" not in perms["serving"] | perms["viewer"]
    assert "aoss:DeleteIndex" in perms["admin"] and "aoss:DeleteIndex" not in perms["developer"]
    assert not any("*" in p for ps in perms.values() for p in ps)


def test_aurora_pgvector_is_private_encrypted_iam_auth_and_protected_in_prod(prod: Plan) -> None:
    db = one(prod, "aws:rds/cluster:Cluster", "acme-llm-catalog")
    i = db.inputs
    assert i["engine"] == "aurora-postgresql" and tuple(map(int, i["engineVersion"].split("."))) >= (15, 4)
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == key_arn(prod, "data")
    assert i["iamDatabaseAuthenticationEnabled"] is True and i["manageMasterUserPassword"] is True
    assert "masterPassword" not in i and i["masterUserSecretKmsKeyId"] == key_arn(prod, "data")
    assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == "acme-llm-catalog-final" and i["backupRetentionPeriod"] >= 7
    assert i["serverlessv2ScalingConfiguration"]["minCapacity"] >= 0.5
    subnets = one(prod, "aws:rds/subnetGroup:SubnetGroup", "acme-llm-catalog").inputs["subnetIds"]
    private = {r.urn for r in prod.of_type("aws:ec2/subnet:Subnet") if "private" in r.name}
    group = one(prod, "aws:rds/subnetGroup:SubnetGroup", "acme-llm-catalog")
    assert len(subnets) == 3 and private <= set(group.dependencies)
    db_sg = one(prod, "aws:ec2/securityGroup:SecurityGroup", "acme-llm-catalog-db")
    sg = db_sg.inputs
    eks = one(prod, "aws:eks/cluster:Cluster", "acme-llm-eks")
    # No inline ingress: the one rule (from the cluster's security group) is its own resource, so the group and
    # the database do not wait for EKS; only the rule does.
    assert "ingress" not in sg and sg["egress"] == [] and eks.urn not in db_sg.dependencies
    (rule,) = [r for r in prod.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if db_sg.urn in r.dependencies]
    ingress = rule.inputs
    assert (ingress["ipProtocol"], ingress["fromPort"], ingress["toPort"]) == ("tcp", 5432, 5432)
    assert "cidrIpv4" not in ingress and ingress["referencedSecurityGroupId"].startswith("sg-")
    assert eks.urn in rule.dependencies
    instances = prod.of_type("aws:rds/clusterInstance:ClusterInstance")
    assert len(instances) == 2 and all(
        x.inputs["instanceClass"] == "db.serverless" and x.inputs["publiclyAccessible"] is False
        for x in instances
    )
    params = one(prod, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "acme-llm-catalog").inputs
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"} in params["parameters"]


def test_aurora_in_dev_has_no_deletion_protection_and_no_final_snapshot(dev_cfg: ZoneConfig) -> None:
    from llmops_landing_zone.components.config.models import VectorStoreConfig

    cfg = dev_cfg.model_copy(deep=True)
    cfg.vector_stores["catalog"] = VectorStoreConfig(engine="aurora-pgvector", dimensions=768)
    plan = offline.plan_config(cfg)
    db = plan.one("aws:rds/cluster:Cluster")
    assert db.inputs["deletionProtection"] is False and db.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in db.inputs and not db.protect and not db.retainOnDelete
    assert len(plan.of_type("aws:rds/clusterInstance:ClusterInstance")) == 1
    assert plan.one("aws:eks/cluster:Cluster").inputs["deletionProtection"] is False


# --- RBAC ---------------------------------------------------------------------------------------------------


def test_team_roles_are_assumable_by_members_and_mapped_into_the_cluster(
    prod: Plan, prod_cfg: ZoneConfig
) -> None:
    for key, team in prod_cfg.teams.items():
        name = names.TEAM_ROLE.render("acme-llm", key)
        role = one(prod, "aws:iam/role:Role", name)
        (trust,) = policy(role, "assumeRolePolicy")["Statement"]
        assert trust["Principal"] == {"AWS": sorted(team.members)} and trust["Action"] == "sts:AssumeRole"
        entry = one(prod, "aws:eks/accessEntry:AccessEntry", name).inputs
        assert entry["kubernetesGroups"] == [f"llmops:{key}"] and entry["type"] == "STANDARD"
        assert entry["principalArn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
        binding = next(
            r
            for r in prod.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
            if r.inputs["metadata"]["namespace"] == f"team-{key}"
        )
        assert binding.inputs["subjects"] == [
            {"kind": "Group", "name": f"llmops:{key}", "apiGroup": "rbac.authorization.k8s.io"}
        ]
        quota = next(
            r
            for r in prod.of_type("kubernetes:core/v1:ResourceQuota")
            if r.inputs["metadata"]["namespace"] == f"team-{key}"
        )
        assert quota.inputs["spec"]["hard"][f"requests.{GPU_RESOURCE}"] == str(team.gpu_quota)


def test_team_policies_grow_with_the_role(prod: Plan) -> None:
    def actions(team: str) -> set[str]:
        doc = policy(one(prod, "aws:iam/rolePolicy:RolePolicy", f"acme-llm-team-{team}"))
        return {a for s in doc["Statement"] for a in as_list(s["Action"])}

    viewer, developer, admin = actions("analysts"), actions("research"), actions("platform")
    assert viewer < developer < admin
    assert "eks:DescribeCluster" in viewer and "s3:GetObject" not in viewer
    assert {"s3:GetObject", "sagemaker:InvokeEndpoint", "aoss:APIAccessAll"} <= developer
    assert "s3:PutObject" not in developer and "s3:PutObject" in admin


def test_team_without_members_gets_no_role_and_nothing_trusts_the_account_root(prod_cfg: ZoneConfig) -> None:
    cfg = prod_cfg.model_copy(deep=True)
    cfg.teams["ops"] = cfg.teams["analysts"].model_copy(update={"members": []})
    plan = offline.plan_config(cfg)
    name = names.TEAM_ROLE.render("acme-llm", "ops")
    assert not [r for r in plan.of_type("aws:iam/role:Role") if r.name == name]
    assert not [r for r in plan.of_type("aws:eks/accessEntry:AccessEntry") if r.name == name]
    assert not [r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == name]
    # the namespace (quota, default-deny) still exists, bound to a group nobody is mapped into
    assert any(r.inputs["metadata"]["name"] == "team-ops" for r in plan.of_type("kubernetes:core/v1:Namespace"))
    root = f"arn:aws:iam::{ACCOUNT_ID}:root"
    for role in plan.of_type("aws:iam/role:Role"):
        for stmt in policy(role, "assumeRolePolicy")["Statement"]:
            assert root not in as_list(stmt["Principal"].get("AWS", [])), role.name


# --- audit --------------------------------------------------------------------------------------------------


def test_trail_is_multi_region_validated_encrypted_with_model_data_events(prod: Plan) -> None:
    trail = one(prod, "aws:cloudtrail/trail:Trail", "acme-llm-trail").inputs
    assert trail["isMultiRegionTrail"] is True and trail["enableLogFileValidation"] is True
    assert trail["includeGlobalServiceEvents"] is True and trail["kmsKeyId"] == key_arn(prod, "audit")
    assert trail["s3BucketName"] == f"acme-llm-audit-{ACCOUNT_ID}-{REGION}"
    assert trail["cloudWatchLogsGroupArn"].endswith("log-group:/aws/cloudtrail/acme-llm-trail:*")
    data = next(s for s in trail["advancedEventSelectors"] if "Model" in s["name"])
    fields = {f["field"]: f for f in data["fieldSelectors"]}
    assert fields["eventCategory"]["equals"] == ["Data"]
    assert fields["resources.ARN"]["startsWiths"] == [f"arn:aws:s3:::acme-llm-models-{ACCOUNT_ID}-{REGION}/"]


def test_audit_bucket_is_worm_private_and_lets_only_the_trail_write(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    for plan, cfg, mode in ((prod, prod_cfg, "COMPLIANCE"), (dev, dev_cfg, "GOVERNANCE")):
        name = f"acme-llm-audit-{ACCOUNT_ID}-{REGION}"
        assert one(plan, "aws:s3/bucket:Bucket", "acme-llm-audit").inputs["objectLockEnabled"] is True
        lock = one(
            plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "acme-llm-audit-lock"
        )
        assert lock.inputs["rule"]["defaultRetention"] == {"mode": mode, "days": cfg.audit.retention_days}
        _assert_private_bucket(plan, "acme-llm-audit", name, key_arn(plan, "audit"))
        doc = statements(policy(one(plan, "aws:s3/bucketPolicy:BucketPolicy", "acme-llm-audit-policy")))
        write = doc["CloudTrailWrite"]
        assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert write["Resource"] == f"arn:aws:s3:::{name}/AWSLogs/{ACCOUNT_ID}/*"
        assert write["Condition"]["StringEquals"]["aws:SourceArn"].endswith(":trail/acme-llm-trail")
        (rule,) = one(
            plan,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "acme-llm-audit-lifecycle",
        ).inputs["rules"]
        assert rule["expiration"]["days"] == cfg.audit.retention_days and rule["status"] == "Enabled"


def test_log_groups_have_retention_and_the_audit_key(
    dev: Plan, prod: Plan, dev_cfg: ZoneConfig, prod_cfg: ZoneConfig
) -> None:
    for plan, cfg in ((dev, dev_cfg), (prod, prod_cfg)):
        for g in plan.of_type("aws:cloudwatch/logGroup:LogGroup"):
            days = g.inputs["retentionInDays"]
            assert days in base.RETENTION_DAYS and days >= cfg.audit.retention_days
            assert g.inputs["kmsKeyId"] == key_arn(plan, "audit")


# --- budget -------------------------------------------------------------------------------------------------


def test_budget_filters_on_the_zone_tag_and_alerts_per_threshold(prod: Plan, prod_cfg: ZoneConfig) -> None:
    b = one(prod, "aws:budgets/budget:Budget", "acme-llm-monthly").inputs
    assert b["budgetType"] == "COST" and b["timeUnit"] == "MONTHLY" and float(b["limitAmount"]) == 150000
    assert b["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:{ZONE_TAG}$acme-llm"]}]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:acme-llm-budget-alerts"
    got = {(n["notificationType"], n["threshold"]) for n in b["notifications"]}
    th = prod_cfg.budget.thresholds_percent
    assert (
        got == {(kind, t) for kind in ("ACTUAL", "FORECASTED") for t in th} and len(b["notifications"]) <= 10
    )
    for n in b["notifications"]:
        assert n["subscriberSnsTopicArns"] == [topic]
        assert n["subscriberEmailAddresses"] == prod_cfg.budget.notify.emails


def test_budget_topic_is_encrypted_and_only_budgets_may_publish(prod: Plan) -> None:
    topic = one(prod, "aws:sns/topic:Topic", "acme-llm-budget-alerts").inputs
    key = one(prod, "aws:kms/key:Key", "acme-llm-budget-alerts-key")
    assert topic["kmsMasterKeyId"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/")
    key_stmts = statements(policy(key))
    # aps: Amazon Managed Service for Prometheus sends the serving alerts to the same topic; cloudwatch: the
    # managed endpoints' alarms
    publishers = {"Service": ["budgets.amazonaws.com", "aps.amazonaws.com", "cloudwatch.amazonaws.com"]}
    assert key_stmts["AlertServicesUse"]["Principal"] == publishers
    doc = statements(policy(one(prod, "aws:sns/topicPolicy:TopicPolicy", "acme-llm-budget-alerts")))
    allows = [s for s in doc.values() if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allows] == [publishers]
    assert allows[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}
    assert allows[0]["Action"] == "SNS:Publish"


def test_cost_anomaly_monitor_watches_the_zone_tag(prod: Plan, prod_cfg: ZoneConfig) -> None:
    monitor = one(prod, "aws:costexplorer/anomalyMonitor:AnomalyMonitor", "acme-llm-spend")
    spec = json.loads(monitor.inputs["monitorSpecification"])
    assert monitor.inputs["monitorType"] == "CUSTOM" and spec["Tags"] == {
        "Key": ZONE_TAG,
        "Values": ["acme-llm"],
        "MatchOptions": ["EQUALS"],
    }
    sub = one(prod, "aws:costexplorer/anomalySubscription:AnomalySubscription", "acme-llm-spend-anomalies")
    assert monitor.urn in sub.dependencies
    assert {s["address"] for s in sub.inputs["subscribers"]} == set(prod_cfg.budget.notify.emails)
    assert sub.inputs["thresholdExpression"]["dimension"]["key"] == "ANOMALY_TOTAL_IMPACT_ABSOLUTE"


def test_no_budget_resources_without_a_budget(dev_cfg: ZoneConfig) -> None:
    cfg = dev_cfg.model_copy(deep=True)
    cfg.budget = None
    plan = offline.plan_config(cfg)
    assert not [
        r for r in plan.resources if r.type.startswith(("aws:budgets", "aws:costexplorer", "aws:sns"))
    ]


def test_anomaly_alerts_go_to_the_topic_when_no_email_is_configured(dev_cfg: ZoneConfig) -> None:
    cfg = dev_cfg.model_copy(deep=True)
    cfg.budget.notify.emails = []
    plan = offline.plan_config(cfg)
    sub = plan.one("aws:costexplorer/anomalySubscription:AnomalySubscription").inputs
    assert sub["frequency"] == "IMMEDIATE" and [s["type"] for s in sub["subscribers"]] == ["SNS"]
    doc = json.loads(plan.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    publishers = next(s for s in doc["Statement"] if s["Effect"] == "Allow")["Principal"]["Service"]
    assert publishers == ["budgets.amazonaws.com", "costalerts.amazonaws.com", "aps.amazonaws.com"]


# --- prod vs dev --------------------------------------------------------------------------------------------


def test_stateful_resources_are_protected_and_retained_in_prod_only(dev: Plan, prod: Plan) -> None:
    for plan, keep in ((prod, True), (dev, False)):
        stateful = [r for r in plan.resources if r.type in STATEFUL_TYPES]
        assert {r.type for r in stateful} >= STATEFUL_TYPES - {"aws:rds/cluster:Cluster"}
        for r in stateful:
            assert (r.protect, r.retainOnDelete) == (keep, keep), (r.type, r.name)
    # nothing else is protected: config changes can replace compute and networking freely
    assert not [r for r in prod.resources if r.protect and r.type not in STATEFUL_TYPES]


def test_prod_and_dev_differ_as_designed(dev: Plan, prod: Plan) -> None:
    def eks(plan: Plan) -> dict:
        return plan.one("aws:eks/cluster:Cluster").inputs

    assert eks(prod)["deletionProtection"] is True and eks(dev)["deletionProtection"] is False
    coll = "aws:opensearch/serverlessCollection:ServerlessCollection"
    assert prod.one(coll).inputs["standbyReplicas"] == "ENABLED"
    assert dev.one(coll).inputs["standbyReplicas"] == "DISABLED"


# --- in-cluster objects -------------------------------------------------------------------------------------


def test_kubernetes_objects_validate_and_pass_checkov(dev: Plan, prod: Plan, prod_cfg: ZoneConfig) -> None:
    from k8s_validation import assert_k8s_valid, checkov_report

    for plan in (dev, prod):
        assert_k8s_valid(plan, prod_cfg.cluster.kubernetes_version)
    report = checkov_report(prod)
    assert report.failures == []
    # the Cluster Autoscaler was scanned, and only its two scoped, reasoned exceptions apply to it
    autoscaler = {
        a["check_id"] for a in report.accepted if a["resource"] == "Deployment.kube-system.cluster-autoscaler"
    }
    assert autoscaler == {"CKV_K8S_43", "CKV_K8S_38"}


def test_serving_pods_tolerate_and_select_the_pools_the_cloud_built(dev: Plan, prod: Plan) -> None:
    from k8s_validation import assert_tolerations_match_taints

    for plan in (dev, prod):
        placement = assert_tolerations_match_taints(plan)
        deployments = {k: v for k, v in placement.items() if k.startswith("Deployment.")}
        assert deployments and all(len(v) == 1 for v in deployments.values())
    assert assert_tolerations_match_taints(prod)["Deployment.llm-serving.reasoning"] == ["h100-serving"]


def test_cidr_of_every_subnet_is_inside_the_vpc(prod: Plan) -> None:
    vpc = ipaddress.ip_network(one(prod, "aws:ec2/vpc:Vpc", "acme-llm-vpc").inputs["cidrBlock"])
    for s in prod.of_type("aws:ec2/subnet:Subnet"):
        assert ipaddress.ip_network(s.inputs["cidrBlock"]).subnet_of(vpc)


# --- other shapes of config ---------------------------------------------------------------------------------


def test_minimal_config_is_already_private_and_complete() -> None:
    from llmops_landing_zone.components.config import parse_zone

    cfg = parse_zone(
        {
            "name": "mini",
            "cloud": "aws",
            "environment": "dev",
            "network": {"cidr": "10.60.0.0/16", "zones": 1},
        },
        {"aws:region": "eu-west-1"},
    )
    plan = offline.plan_config(cfg)
    eks = plan.one("aws:eks/cluster:Cluster").inputs
    assert (
        eks["vpcConfig"]["endpointPublicAccess"] is False and set(eks["enabledClusterLogTypes"]) == LOG_TYPES
    )
    # models, audit trail and the audit bucket's access logs: every bucket blocks public access
    assert len(plan.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) == 3
    assert plan.one("aws:cloudtrail/trail:Trail").inputs["isMultiRegionTrail"] is True
    assert not plan.of_type("llmops:aws:GpuPool") and not plan.of_type("aws:budgets/budget:Budget")
    assert all(r.inputs["availabilityZone"] == "eu-west-1a" for r in plan.of_type("aws:ec2/subnet:Subnet"))


def test_explicit_architecture_sized_pool_and_managed_fp8_endpoint() -> None:
    from llmops_landing_zone.components.config import parse_zone

    raw = {
        "name": "arch",
        "cloud": "aws",
        "environment": "staging",
        "network": {"cidr": "10.60.0.0/16", "zones": 2},
        "endpoints": {
            "custom": {
                "model": {
                    "name": "acme/tiny-7b",
                    "layers": 32,
                    "attentionHeads": 32,
                    "kvHeads": 8,
                    "headDim": 128,
                    "parameters": 7_000_000_000,
                    "maxContext": 32768,
                },
                "precision": "int4",
                "maxContext": 4096,
                "concurrency": 4,
                "runtime": "vllm",
            },
            "m": {
                "model": "llama-3.1-8b",
                "runtime": "managed",
                "precision": "fp8",
                "maxContext": 4096,
                "concurrency": 4,
            },
        },
    }
    cfg = parse_zone(raw, {"aws:region": "eu-west-1"})
    plan = offline.plan_config(cfg)
    # a pool sized for the endpoint without one, named after it
    ng = plan.one("aws:eks/nodeGroup:NodeGroup", "arch-custom").inputs
    assert ng["instanceTypes"] == [sizing.pool_shape(cfg, "custom").name]
    pod = plan.one("kubernetes:apps/v1:Deployment", "arch-custom-deploy").inputs["spec"]["template"]["spec"]
    deploy = pod["containers"][0]
    assert (
        deploy["args"][0]
        == f"s3://arch-models-{ACCOUNT_ID}-eu-west-1/acme/tiny-7b/"
    )
    container = plan.one("aws:sagemaker/model:Model").inputs["primaryContainer"]
    assert container["environment"]["QUANTIZE"] == "fp8" and "DTYPE" not in container["environment"]
    assert container["image"].startswith("763104351884.dkr.ecr.eu-west-1.amazonaws.com/")
