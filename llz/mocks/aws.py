"""AWS mock outputs: ids, ARNs and endpoints shaped like the real ones, derived from the resource name so a
plan is identical run to run. Inputs are echoed back by the engine; these add what AWS computes."""

from __future__ import annotations

from typing import Any

from llz.mocks.base import ACCOUNT_ID, CallFn, MockContext, OutputFn


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
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/addon:Addon": lambda ctx: {
        "arn": arn(ctx, f"addon/{ctx.inputs.get('clusterName')}/{ctx.inputs.get('addonName')}/{_uuid(ctx)}"),
        "addonVersion": "v1.0.0-eksbuild.1"},
    "aws:eks/accessEntry:AccessEntry": lambda ctx: {
        "accessEntryArn":
            arn(ctx, f"access-entry/{ctx.inputs.get('clusterName')}/role/{ACCOUNT_ID}/{_uuid(ctx)}")},
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": lambda ctx: {
        "associationId": f"a-{ctx.digest(17)}",
        "associationArn":
            arn(ctx, f"podidentityassociation/{ctx.inputs.get('clusterName')}/a-{ctx.digest(17)}")},
    "aws:iam/role:Role": _iam,
    "aws:iam/policy:Policy": _iam,
    "aws:iam/user:User": _iam,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda ctx: {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/"
               f"{ctx.inputs.get('url', '').removeprefix('https://')}"},
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": lambda ctx: {"arn": arn(ctx, ctx.inputs.get("name", f"alias/{ctx.name}")),
                                        "targetKeyArn": arn(ctx, f"key/{ctx.inputs.get('targetKeyId', '')}")},
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sns/topic:Topic": _named("sns", "", sep=""),
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": lambda ctx: {
        "id": ctx.inputs.get("identifier", ctx.name),
        "arn": f"arn:aws:rds:{ctx.region}:{ACCOUNT_ID}:db:{ctx.inputs.get('identifier', ctx.name)}",
        "endpoint":
            f"{ctx.inputs.get('identifier', ctx.name)}.{ctx.digest(12)}.{ctx.region}.rds.amazonaws.com"},
    "aws:rds/subnetGroup:SubnetGroup": _named("rds", "subgrp", sep=":"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _named("rds", "cluster-pg", sep=":"),
    "aws:opensearch/serverlessCollection:ServerlessCollection": lambda ctx: {
        "id": ctx.digest(20),
        "arn": f"arn:aws:aoss:{ctx.region}:{ACCOUNT_ID}:collection/{ctx.digest(20)}",
        "collectionEndpoint": f"https://{ctx.digest(20)}.{ctx.region}.aoss.amazonaws.com",
        "dashboardEndpoint": f"https://{ctx.digest(20)}.{ctx.region}.aoss.amazonaws.com/_dashboards"},
    "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint": lambda ctx: {
        "id": f"vpce-0{ctx.digest(16)}"},
    "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy": lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name), "policyVersion": f"MTY{ctx.digest(12)}"},
    "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy": lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name), "policyVersion": f"MTY{ctx.digest(12)}"},
    "aws:cloudwatch/logGroup:LogGroup": lambda ctx: {
        "id": ctx.inputs.get("name", ctx.name),
        "arn": f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:{ctx.inputs.get('name', ctx.name)}"},
    "aws:cloudtrail/trail:Trail": _named("cloudtrail", "trail"),
    "aws:sagemaker/model:Model": _named("sagemaker", "model"),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _named("sagemaker", "endpoint-config"),
    "aws:sagemaker/endpoint:Endpoint": _named("sagemaker", "endpoint"),
    "aws:appautoscaling/target:Target": lambda ctx: {
        "id": ctx.inputs.get("resourceId", ctx.name),
        "arn": arn(ctx, f"scalable-target/{ctx.digest(32)}")},
    "aws:budgets/budget:Budget": lambda ctx: {
        "id": f"{ACCOUNT_ID}:{ctx.inputs.get('name', ctx.name)}",
        "arn": f"arn:aws:budgets::{ACCOUNT_ID}:budget/{ctx.inputs.get('name', ctx.name)}"},
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": lambda ctx: {
        "id": f"arn:aws:ce::{ACCOUNT_ID}:anomalymonitor/{_uuid(ctx)}",
        "arn": f"arn:aws:ce::{ACCOUNT_ID}:anomalymonitor/{_uuid(ctx)}"},
    "aws:costexplorer/anomalySubscription:AnomalySubscription": lambda ctx: {
        "id": f"arn:aws:ce::{ACCOUNT_ID}:anomalysubscription/{_uuid(ctx)}",
        "arn": f"arn:aws:ce::{ACCOUNT_ID}:anomalysubscription/{_uuid(ctx)}"},
}
GENERIC: OutputFn = _generic

CALLS: dict[str, CallFn] = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args, region: {
        "accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer", "userId": "AIDAMOCK",
        "id": ACCOUNT_ID},
    "aws:index/getRegion:getRegion": lambda args, region: {"name": region, "region": region, "id": region},
    "aws:index/getPartition:getPartition": lambda args, region: {
        "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"},
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args, region: {
        "names": [f"{region}{c}" for c in "abcdef"], "zoneIds": [f"use1-az{i}" for i in range(1, 7)],
        "id": region},
}
