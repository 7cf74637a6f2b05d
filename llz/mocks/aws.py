"""AWS mock outputs: ARNs, ids and endpoints shaped like the real ones."""

from __future__ import annotations

from typing import Any

from llz.mocks import ACCOUNT_ID, CallFn, MockContext, OutputFn


def arn(ctx: MockContext, resource: str) -> str:
    return f"arn:aws:{ctx.module}:{ctx.region}:{ACCOUNT_ID}:{resource}"


def _generic(ctx: MockContext) -> dict[str, Any]:
    return {"arn": arn(ctx, f"{ctx.type.split(':')[-1].lower()}/{ctx.name}")}


def _eks_cluster(ctx: MockContext) -> dict[str, Any]:
    return {
        "arn": arn(ctx, f"cluster/{ctx.name}"),
        "endpoint": f"https://{ctx.digest(32).upper()}.gr7.{ctx.region}.eks.amazonaws.com",
        "certificateAuthority": {"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1vY2sKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{ctx.region}.amazonaws.com/id/{ctx.digest(32).upper()}"}]}],
        "vpcConfig": {**ctx.inputs.get("vpcConfig", {}), "clusterSecurityGroupId": f"sg-{ctx.digest(17)}"},
        "version": ctx.inputs.get("version", "1.31"),
    }


def _iam(ctx: MockContext) -> dict[str, Any]:
    kind = ctx.type.split(":")[-1].lower()
    name = ctx.inputs.get("name", ctx.name)
    return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}", "name": name, "uniqueId": ctx.digest(21).upper()}


def _kms_key(ctx: MockContext) -> dict[str, Any]:
    key_id = f"{ctx.digest(8)}-{ctx.digest(4)}-{ctx.digest(4)}-{ctx.digest(4)}-{ctx.digest(12)}"
    return {"arn": arn(ctx, f"key/{key_id}"), "keyId": key_id}


def _bucket(ctx: MockContext) -> dict[str, Any]:
    name = ctx.inputs.get("bucket", ctx.name)
    return {"arn": f"arn:aws:s3:::{name}", "bucket": name, "bucketRegionalDomainName": f"{name}.s3.amazonaws.com"}


OUTPUTS: dict[str, OutputFn] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:iam/role:Role": _iam,
    "aws:iam/policy:Policy": _iam,
    "aws:iam/user:User": _iam,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": lambda ctx: {
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{ctx.inputs.get('url', '').removeprefix('https://')}"},
    "aws:kms/key:Key": _kms_key,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:sns/topic:Topic": lambda ctx: {"arn": f"arn:aws:sns:{ctx.region}:{ACCOUNT_ID}:{ctx.inputs.get('name', ctx.name)}"},
    "aws:ec2/vpc:Vpc": lambda ctx: {"arn": arn(ctx, f"vpc/vpc-{ctx.digest(17)}"), "defaultSecurityGroupId": f"sg-{ctx.digest(17)}"},
    "aws:rds/cluster:Cluster": lambda ctx: {
        "arn": f"arn:aws:rds:{ctx.region}:{ACCOUNT_ID}:cluster:{ctx.inputs.get('clusterIdentifier', ctx.name)}",
        "endpoint": f"{ctx.name}.cluster-{ctx.digest(12)}.{ctx.region}.rds.amazonaws.com",
        "clusterResourceId": f"cluster-{ctx.digest(26).upper()}"},
    "aws:opensearch/serverlessCollection:ServerlessCollection": lambda ctx: {
        "arn": f"arn:aws:aoss:{ctx.region}:{ACCOUNT_ID}:collection/{ctx.digest(20)}",
        "collectionEndpoint": f"https://{ctx.digest(20)}.{ctx.region}.aoss.amazonaws.com"},
    "aws:cloudwatch/logGroup:LogGroup": lambda ctx: {
        "arn": f"arn:aws:logs:{ctx.region}:{ACCOUNT_ID}:log-group:{ctx.inputs.get('name', ctx.name)}"},
    "aws:sagemaker/endpoint:Endpoint": lambda ctx: {
        "arn": f"arn:aws:sagemaker:{ctx.region}:{ACCOUNT_ID}:endpoint/{ctx.inputs.get('name', ctx.name)}"},
}
GENERIC: OutputFn = _generic

CALLS: dict[str, CallFn] = {
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args, region: {
        "accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/deployer", "userId": "AIDAMOCK", "id": ACCOUNT_ID},
    "aws:index/getRegion:getRegion": lambda args, region: {"name": region, "region": region, "id": region},
    "aws:index/getPartition:getPartition": lambda args, region: {"partition": "aws", "dnsSuffix": "amazonaws.com"},
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda args, region: {
        "names": [f"{region}{c}" for c in "abcdef"], "zoneIds": [f"use1-az{i}" for i in range(1, 7)], "id": region},
}
