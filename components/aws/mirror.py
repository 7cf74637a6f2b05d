"""Registry mirror: an ECR pull-through cache rule for Docker Hub, so GPU nodes pull the vLLM image from ECR in
the zone's region over the VPC's ECR interface endpoints (components/aws/network.py) instead of from Docker Hub
through the NAT gateway.

ECR's Docker Hub upstream needs Docker Hub credentials in a Secrets Manager secret whose name starts with
``ecr-pullthroughcache/`` (docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-secret.html).
The zone creates the secret, encrypted with the data key, and never its value: put
``{"username": ..., "accessToken": ...}`` into it once (``aws secretsmanager put-secret-value``) before the
first pull. The first pull of an image creates its repository ``<prefix>/<upstream path>`` and imports it, which
needs ``ecr:CreateRepository`` and ``ecr:BatchImportUpstreamImage`` on the pulling role: granted to the node role
for the mirror's prefix only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.common import child

TYPE = "llmops:aws:RegistryMirror"
DOCKER_HUB = "registry-1.docker.io"
PREFIX = "docker-hub"  # the ECR namespace of the cached images
SECRET_PREFIX = "ecr-pullthroughcache/"  # ECR only reads credential secrets under this name prefix


@dataclass
class RegistryMirrorArgs:
    name: str  # the zone's name prefix
    account_id: str
    region: str
    partition: str
    dns_suffix: str  # amazonaws.com (or the partition's)
    key_arn: pulumi.Input[str]  # CMK of the credential secret
    node_role_name: pulumi.Input[str]  # the role GPU nodes pull images as
    tags: dict[str, str]


def registry_host(account_id: str, region: str, dns_suffix: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.{dns_suffix}"


def mirror_repository(host: str, upstream_repository: str) -> str:
    """The ECR path of a Docker Hub repository (``docker.io/vllm/vllm-openai`` -> ``<host>/docker-hub/vllm/...``)."""
    return f"{host}/{PREFIX}/{upstream_repository.removeprefix('docker.io/')}"


class RegistryMirror(pulumi.ComponentResource):
    def __init__(self, name: str, args: RegistryMirrorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        self.credentials = aws.secretsmanager.Secret(
            f"{name}-docker-hub", name=f"{SECRET_PREFIX}{args.name}-docker-hub", kms_key_id=args.key_arn,
            description="Docker Hub credentials of the ECR pull-through cache (value set out of band)",
            tags=args.tags, opts=child(self))
        self.rule = aws.ecr.PullThroughCacheRule(
            f"{name}-docker-hub-rule", ecr_repository_prefix=PREFIX, upstream_registry_url=DOCKER_HUB,
            credential_arn=self.credentials.arn, opts=child(self))
        repos = f"arn:{args.partition}:ecr:{args.region}:{args.account_id}:repository/{PREFIX}/*"
        self.node_policy = aws.iam.RolePolicy(
            f"{name}-node-import", name="pull-through-cache", role=args.node_role_name,
            # Import takes no resource scope in the IAM reference parliament checks against; ECR only imports for
            # repositories under a pull-through cache rule's prefix anyway. Creation is scoped to the prefix.
            policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Sid": "CreateCachedRepositories", "Effect": "Allow", "Action": "ecr:CreateRepository",
                 "Resource": repos},
                {"Sid": "ImportUpstreamImages", "Effect": "Allow", "Action": "ecr:BatchImportUpstreamImage",
                 "Resource": "*"}]}),
            opts=child(self))
        self.host = registry_host(args.account_id, args.region, args.dns_suffix)
        self.register_outputs({"registry": self.host, "prefix": PREFIX})
