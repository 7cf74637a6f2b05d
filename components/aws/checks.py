"""AWS rules of the stack config (registered with components.config.registry; no provider SDK imported)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from llmops_landing_zone.components.aws.names import NAME_RULES
from llmops_landing_zone.components.config.checks import name_issues
from llmops_landing_zone.components.config.models import ZoneConfig, existing_issues
from llmops_landing_zone.components.config.registry import Issue, register
from llmops_landing_zone.components.k8s.images import CLUSTER_AUTOSCALER_TAGS


@register("aws")
def names(cfg: ZoneConfig) -> Iterator[Issue]:
    yield from name_issues(cfg, NAME_RULES)


@register("aws")
def autoscaler_line(cfg: ZoneConfig) -> Iterator[Issue]:
    """EKS runs our Cluster Autoscaler, whose release line must match the cluster's minor version."""
    if cfg.cluster.kubernetes_version not in CLUSTER_AUTOSCALER_TAGS:
        yield ("cluster.kubernetesVersion", (f"no Cluster Autoscaler release is recorded for "
               f"{cfg.cluster.kubernetes_version}; recorded: {', '.join(CLUSTER_AUTOSCALER_TAGS)}"))


VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
# EKS cluster names: 1-100 characters, a letter or digit first, then letters, digits, - and _ (CreateCluster API).
EKS_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")


@register("aws")
def existing(cfg: ZoneConfig) -> Iterator[Issue]:
    """network.existing (vpcId, privateSubnetIds) and cluster.existing (name): complete, AWS-only, well-formed."""
    net, cluster = cfg.network.existing, cfg.cluster.existing
    yield from existing_issues(net, cluster, "aws", ("vpc_id", "private_subnet_ids"), ("name",))
    if net is not None:
        if net.vpc_id is not None and not VPC_ID.match(net.vpc_id):
            yield "network.existing.vpcId", f"'{net.vpc_id}' is not a VPC id (vpc- and 8 or 17 hex digits)"
        for i, subnet in enumerate(net.private_subnet_ids or []):
            if not SUBNET_ID.match(subnet):
                yield (f"network.existing.privateSubnetIds.{i}",
                       f"'{subnet}' is not a subnet id (subnet- and 8 or 17 hex digits)")
            elif subnet in (net.private_subnet_ids or [])[:i]:
                yield f"network.existing.privateSubnetIds.{i}", f"'{subnet}' is listed twice"
        if net.private_subnet_ids and len(net.private_subnet_ids) < 2:
            yield "network.existing.privateSubnetIds", ("EKS needs subnets in at least two availability zones; "
                                                        "list two or more")
    if cluster is not None and cluster.name is not None and not EKS_NAME.match(cluster.name):
        yield "cluster.existing.name", f"'{cluster.name}' is not an EKS cluster name"


@register("aws")
def grafana_network(cfg: ZoneConfig) -> Iterator[Issue]:
    """Amazon Managed Grafana admits requests through the zone's grafana-workspace interface endpoint: in a VPC
    the zone does not own, that endpoint (private DNS) is the network owner's to create."""
    if cfg.observability.grafana and cfg.network.existing is not None:
        yield "observability.grafana", ("needs a network the zone creates: on network.existing the grafana-workspace "
                                        "VPC endpoint is the network owner's; set it to false")
