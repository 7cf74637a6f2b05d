"""AWS mock outputs: ids, ARNs and endpoints shaped like the real ones, derived from the resource name so a
plan is identical run to run. Inputs are echoed back by the engine; these add what AWS computes."""

from __future__ import annotations

import hashlib
from typing import Any

from llmops_landing_zone.components import tokens
from llmops_landing_zone.llz.mocks.base import ACCOUNT_ID, CallFn, MockContext, OutputFn


def arn(ctx: MockContext, resource: str) -> str:
    return f"arn:aws:{ctx.module}:{ctx.region}:{ACCOUNT_ID}:{resource}"


def _uuid(ctx: MockContext) -> str:
    d = ctx.digest(32)
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"


def _generic(ctx: MockContext) -> dict[str, Any]:
    return {"arn": arn(ctx, f"{ctx.type.split(':')[-1].lower()}/{ctx.name}")}


def _ec2(prefix: str, kind: str) -> OutputFn:
    """EC2-style ids (``vpc-0abc...``) and ARNs (``arn:aws:ec2:<region>:<account>:vpc/vpc-0abc...``)."""
    def fn(ctx: MockContext) -> dict[str, Any]:
        rid = f"{prefix}-0{ctx.digest(16)}"
        return {"id": rid, "arn": arn(ctx, f"{kind}/{rid}"), "ownerId": ACCOUNT_ID}
    return fn


def _vpc(ctx: MockContext) -> dict[str, Any]:
    out = _ec2("vpc", "vpc")(ctx)
    return {**out, "defaultSecurityGroupId": f"sg-0{ctx.digest(16)}",
            "mainRouteTableId": f"rtb-0{ctx.digest(16)}", "defaultNetworkAclId": f"acl-0{ctx.digest(16)}"}


def _vpc_endpoint(ctx: MockContext) -> dict[str, Any]:
    out = _ec2("vpce", "vpc-endpoint")(ctx)
    if ctx.inputs.get("vpcEndpointType") == "Gateway":
        out["prefixListId"] = f"pl-{ctx.digest(8)}"  # what a gateway endpoint exposes for security groups
    else:
        svc = str(ctx.inputs.get("serviceName", "")).rsplit(".", 1)[-1]
        out["dnsEntries"] = [{"dnsName": f"{out['id']}.{svc}.{ctx.region}.vpce.amazonaws.com",
                              "hostedZoneId": "Z7HUB22UULQXV"}]
    return out


def _nat(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"nat-0{ctx.digest(16)}", "publicIp": f"203.0.113.{int(ctx.digest(2), 16) % 250 + 1}"}


def _eip(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"eipalloc-0{ctx.digest(16)}", "allocationId": f"eipalloc-0{ctx.digest(16)}",
            "publicIp": f"198.51.100.{int(ctx.digest(2), 16) % 250 + 1}"}


# base64 of a PEM-shaped placeholder certificate
CA_DATA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1vY2sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="


def _eks_cluster(ctx: MockContext) -> dict[str, Any]:
    name = ctx.inputs.get("name", ctx.name)
    oidc_id = ctx.digest(32).upper()
    return {
        "id": name,
        "arn": arn(ctx, f"cluster/{name}"),
        "endpoint": f"https://{ctx.digest(32).upper()}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": CA_DATA},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{oidc_id}"}]}],
        "vpcConfig": {**ctx.inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-0{ctx.digest(16)}",
                      "vpcId": f"vpc-0{ctx.digest(16)}"},
        "version": ctx.inputs.get("version", "1.35"),
        "platformVersion": "eks.20",
        "status": "ACTIVE",
    }


def _node_group(ctx: MockContext) -> dict[str, Any]:
    cluster = ctx.inputs.get("clusterName", "cluster")
    name = ctx.inputs.get("nodeGroupName", ctx.name)
    uid = _uuid(ctx)
    return {
        "id": f"{cluster}:{name}",
        "arn": arn(ctx, f"nodegroup/{cluster}/{name}/{uid}"),
        # EKS names the group's Auto Scaling group eks-<nodegroup>-<uuid>
        "resources": [{"autoscalingGroups": [{"name": f"eks-{name}-{uid}"}],
                       "remoteAccessSecurityGroupId": ""}],
        "status": "ACTIVE",
    }


def _launch_template(ctx: MockContext) -> dict[str, Any]:
    rid = f"lt-0{ctx.digest(16)}"
    return {"id": rid, "arn": arn(ctx, f"launch-template/{rid}"), "latestVersion": 1, "defaultVersion": 1}


def _iam(ctx: MockContext) -> dict[str, Any]:
    kind = ctx.type.split(":")[-1].lower()
    name = ctx.inputs.get("name", ctx.name)
    return {"id": name, "arn": f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}", "name": name,
            "uniqueId": ("AROA" if kind == "role" else "ANPA") + ctx.digest(17).upper()}


def _role_policy(ctx: MockContext) -> dict[str, Any]:
    return {"id": f"{ctx.inputs.get('role', 'role')}:{ctx.inputs.get('name', ctx.name)}"}


def _kms_key(ctx: MockContext) -> dict[str, Any]:
    key_id = _uuid(ctx)
    return {"id": key_id, "arn": arn(ctx, f"key/{key_id}"), "keyId": key_id}


def _bucket(ctx: MockContext) -> dict[str, Any]:
    name = ctx.inputs.get("bucket", ctx.name)
    return {"id": name, "arn": f"arn:aws:s3:::{name}", "bucket": name,
            "bucketDomainName": f"{name}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com"}


def _rds_cluster(ctx: MockContext) -> dict[str, Any]:
    ident = ctx.inputs.get("clusterIdentifier", ctx.name)
    return {
        "id": ident,
        "arn": f"arn:aws:rds:{ctx.region}:{ACCOUNT_ID}:cluster:{ident}",
        "endpoint": f"{ident}.cluster-{ctx.digest(12)}.{ctx.region}.rds.amazonaws.com",
        "readerEndpoint": f"{ident}.cluster-ro-{ctx.digest(12)}.{ctx.region}.rds.amazonaws.com",
        "clusterResourceId": f"cluster-{ctx.digest(26).upper()}",
        "masterUserSecrets": [{
            "secretArn":
                f"arn:aws:secretsmanager:{ctx.region}:{ACCOUNT_ID}:secret:rds!cluster-{_uuid(ctx)}-AbCdEf",
            "kmsKeyId": ctx.inputs.get("masterUserSecretKmsKeyId", ""), "secretStatus": "active"}],
        "port": 5432,
    }


def _named(service: str, kind: str, sep: str = "/") -> OutputFn:
    """Resources whose ARN ends in their ``name`` input (SageMaker, CloudTrail, Budgets...)."""
    def fn(ctx: MockContext) -> dict[str, Any]:
        name = ctx.inputs.get("name", ctx.name)
        return {"id": name, "arn": f"arn:aws:{service}:{ctx.region}:{ACCOUNT_ID}:{kind}{sep}{name}"}
    return fn


OUTPUTS: dict[str, OutputFn] = {
    tokens.AWS_VPC: _vpc,
    tokens.AWS_SUBNET: _ec2("subnet", "subnet"),
    tokens.AWS_INTERNET_GATEWAY: _ec2("igw", "internet-gateway"),
    tokens.AWS_NAT_GATEWAY: _nat,
    tokens.AWS_EIP: _eip,
    tokens.AWS_ROUTE_TABLE: _ec2("rtb", "route-table"),
    tokens.AWS_SECURITY_GROUP: _ec2("sg", "security-group"),
    tokens.AWS_DEFAULT_SECURITY_GROUP: _ec2("sg", "security-group"),
    tokens.AWS_VPC_ENDPOINT: _vpc_endpoint,
    tokens.AWS_FLOW_LOG: _ec2("fl", "vpc-flow-log"),
    tokens.EC2_LAUNCH_TEMPLATE: _launch_template,
    tokens.EKS_CLUSTER: _eks_cluster,
    tokens.EKS_NODE_GROUP: _node_group,
    tokens.AWS_EKS_ADDON: lambda ctx: {
        "arn": arn(ctx, f"addon/{ctx.inputs.get('clusterName')}/{ctx.inputs.get('addonName')}/{_uuid(ctx)}"),
        "addonVersion": "v1.0.0-eksbuild.1"},
    tokens.AWS_EKS_ACCESS_ENTRY: lambda ctx: {
        "accessEntryArn":
            arn(ctx, f"access-entry/{ctx.inputs.get('clusterName')}/role/{ACCOUNT_ID}/{_uuid(ctx)}")},
    tokens.AWS_EKS_POD_IDENTITY_ASSOCIATION: lambda ctx: {
        "associationId": f"a-{ctx.digest(17)}",
        "associationArn":
            arn(ctx, f"podidentityassociation/{ctx.inputs.get('clusterName')}/a-{ctx.digest(17)}")},
    tokens.IAM_ROLE: _iam,
    tokens.IAM_POLICY: _iam,
    tokens.AWS_IAM_USER: _iam,
    tokens.IAM_ROLE_POLICY: _role_policy,
    tokens.AWS_IAM_OIDC_PROVIDER: lambda ctx: {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/"
               f"{ctx.inputs.get('url', '').removeprefix('https://')}"},
    tokens.KMS_KEY: _kms_key,
    tokens.AWS_KMS_ALIAS: lambda ctx: {"arn": arn(ctx, ctx.inputs.get("name", f"alias/{ctx.name}")),
                                        "targetKeyArn": arn(ctx, f"key/{ctx.inputs.get('targetKeyId', '')}")},
    tokens.AWS_S3_BUCKET: _bucket,
    tokens.AWS_S3_BUCKET_V2: _bucket,
    tokens.AWS_SNS_TOPIC: _named("sns", "", sep=""),
    tokens.RDS_CLUSTER: _rds_cluster,
    tokens.RDS_CLUSTER_INSTANCE: lambda ctx: {
        "id": ctx.inputs.get("identifier", ctx.name),
        "arn": f"arn:aws:rds:{ctx.region}:{ACCOUNT_ID}:db:{ctx.inputs.get('identifier', ctx.name)}",
        "endpoint":
            f"{ctx.inputs.get('identifier', ctx.name)}.{ctx.digest(12)}.{ctx.region}.rds.amazonaws.com"},
    tokens.AWS_RDS_SUBNET_GROUP: _named("rds", "subgrp", sep=":"),
    tokens.AWS_RDS_CLUSTER_PARAMETER_GROUP: _named("rds", "cluster-pg", sep=":"),
    tokens.AOSS_COLLECTION: lambda ctx: {
        "id": ctx.digest(20),
        "arn": f"arn:aws:aoss:{ctx.region}:{ACCOUNT_ID}:collection/{ctx.digest(20)}",
        "collectionEndpoint": f"https://{ctx.digest(20)}.{ctx.region}.aoss.amazonaws.com",
        "dashboardEndpoint": f"https://{ctx.digest(20)}.{ctx.region}.aoss.amazonaws.com/_dashboards"},
    tokens.AWS_AOSS_VPC_ENDPOINT: lambda ctx: {
        "id": f"vpce-0{ctx.digest(16)}"},
    tokens.AOSS_SECURITY_POLICY: lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name), "policyVersion": f"MTY{ctx.digest(12)}"},
    tokens.AWS_AOSS_ACCESS_POLICY: lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name), "policyVersion": f"MTY{ctx.digest(12)}"},
    tokens.LOG_GROUP: lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name),
        "arn": f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:{ctx.inputs.get('name', ctx.name)}"},
    tokens.CLOUDTRAIL: _named("cloudtrail", "trail"),
    tokens.SAGEMAKER_MODEL: _named("sagemaker", "model"),
    tokens.SAGEMAKER_ENDPOINT_CONFIG: _named("sagemaker", "endpoint-config"),
    tokens.AWS_SAGEMAKER_ENDPOINT: _named("sagemaker", "endpoint"),
    tokens.AWS_APPAUTOSCALING_TARGET: lambda ctx: {
        "id": ctx.inputs.get("resourceId", ctx.name),
        "arn": arn(ctx, f"scalable-target/{ctx.digest(32)}")},
    tokens.AWS_AMP_WORKSPACE: lambda ctx: {
        "id": f"ws-{_uuid(ctx)}", "arn": f"arn:aws:aps:{ctx.region}:{ACCOUNT_ID}:workspace/ws-{_uuid(ctx)}",
        "prometheusEndpoint": f"https://aps-workspaces.{ctx.region}.amazonaws.com/workspaces/ws-{_uuid(ctx)}/"},
    tokens.AWS_GRAFANA_WORKSPACE: lambda ctx: {
        "id": f"g-{ctx.digest(10)}", "arn": arn(ctx, f"/workspaces/g-{ctx.digest(10)}"),
        "endpoint": f"g-{ctx.digest(10)}.grafana-workspace.{ctx.region}.amazonaws.com"},
    tokens.AWS_GRAFANA_SERVICE_ACCOUNT: lambda ctx: {"id": ctx.digest(8), "serviceAccountId": ctx.digest(8)},
    tokens.AWS_GRAFANA_SERVICE_ACCOUNT_TOKEN: lambda ctx: {
        "id": ctx.digest(8), "serviceAccountTokenId": ctx.digest(8), "key": f"glsa_mock_{ctx.digest(16)}"},
    tokens.AWS_BUDGET: lambda ctx: {
        "id": f"{ACCOUNT_ID}:{ctx.inputs.get('name', ctx.name)}",
        "arn": f"arn:aws:budgets::{ACCOUNT_ID}:budget/{ctx.inputs.get('name', ctx.name)}"},
    tokens.AWS_ANOMALY_MONITOR: lambda ctx: {
        "id": f"arn:aws:ce::{ACCOUNT_ID}:anomalymonitor/{_uuid(ctx)}",
        "arn": f"arn:aws:ce::{ACCOUNT_ID}:anomalymonitor/{_uuid(ctx)}"},
    tokens.AWS_ANOMALY_SUBSCRIPTION: lambda ctx: {
        "id": f"arn:aws:ce::{ACCOUNT_ID}:anomalysubscription/{_uuid(ctx)}",
        "arn": f"arn:aws:ce::{ACCOUNT_ID}:anomalysubscription/{_uuid(ctx)}"},
}
GENERIC: OutputFn = _generic

def _digest(text: str, n: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


# Lookups of an existing network or cluster: shaped like the real answers and derived from the ids asked for, so
# the mock VPC is a /16 of 10.x, each subnet sits in a zone of the region picked by its id, and the cluster's
# OIDC issuer and security group follow its name.
def _get_vpc(args: dict[str, Any], region: str) -> dict[str, Any]:
    vpc = str(args.get("id", ""))
    return {"id": vpc, "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc/{vpc}", "ownerId": ACCOUNT_ID,
            "cidrBlock": f"10.{int(_digest(vpc, 2), 16) % 200 + 20}.0.0/16", "state": "available"}


def _get_subnet(args: dict[str, Any], region: str) -> dict[str, Any]:
    subnet = str(args.get("id", ""))
    zone = f"{region}{'abc'[int(_digest(subnet, 2), 16) % 3]}"
    return {"id": subnet, "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:subnet/{subnet}", "availabilityZone": zone,
            "vpcId": f"vpc-0{_digest(subnet, 16)}", "ownerId": ACCOUNT_ID}


def _get_eks_cluster(args: dict[str, Any], region: str) -> dict[str, Any]:
    name = str(args.get("name", ""))
    return {
        "id": name, "name": name, "arn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:cluster/{name}",
        "endpoint": f"https://{_digest(name, 32).upper()}.gr7.{region}.eks.amazonaws.com",
        "certificateAuthorities": [{"data": CA_DATA}],
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{_digest(name, 32).upper()}"}]}],
        "vpcConfig": {"clusterSecurityGroupId": f"sg-0{_digest(name, 16)}", "vpcId": f"vpc-0{_digest(name, 16)}"},
        "version": "1.35", "status": "ACTIVE", "platformVersion": "eks.20",
    }


CALLS: dict[str, CallFn] = {
    tokens.AWS_GET_VPC: _get_vpc,
    tokens.AWS_GET_SUBNET: _get_subnet,
    tokens.AWS_GET_PREFIX_LIST: lambda args, region: {
        "id": f"pl-{_digest(str(args.get('name')), 8)}", "name": args.get("name"), "cidrBlocks": []},
    tokens.AWS_GET_EKS_CLUSTER: _get_eks_cluster,
    tokens.AWS_GET_OPENID_CONNECT_PROVIDER: lambda args, region: {
        "id": "x", "url": str(args.get("url", "")).removeprefix("https://"),
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{str(args.get('url', '')).removeprefix('https://')}",
        "clientIdLists": ["sts.amazonaws.com"], "thumbprintLists": []},
    tokens.AWS_GET_CALLER_IDENTITY: lambda args, region: {
        "accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer", "userId": "AIDAMOCK",
        "id": ACCOUNT_ID},
    tokens.AWS_GET_REGION: lambda args, region: {"name": region, "region": region, "id": region},
    tokens.AWS_GET_PARTITION: lambda args, region: {
        "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"},
    tokens.AWS_GET_AVAILABILITY_ZONES: lambda args, region: {
        "names": [f"{region}{c}" for c in "abcdef"], "zoneIds": [f"use1-az{i}" for i in range(1, 7)],
        "id": region},
}
