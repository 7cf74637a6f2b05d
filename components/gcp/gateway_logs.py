"""GatewayAccessLogs (GCP): the AI gateway's access records (one JSON line per request: team, model, status,
token counts; never a prompt or completion, components/k8s/gateway_routes.py) kept in the zone's audit bucket.

GKE's WORKLOADS logging (components/gcp/cluster.py) already ships every container's stdout to Cloud Logging,
where the ``_Default`` sink keeps it 30 days. A sink of its own copies the proxies' stdout, and nothing else,
into the audit log bucket (CMEK, ``audit.retentionDays``, locked when ``audit.immutable``). A separate sink
rather than a wider audit-sink filter: the audit sink's filter stays the audit logs only, and an exclusion
added to ``_Default`` (to save its ingestion) does not touch this copy. The filter names the cluster, the
``ingress`` namespace, the Envoy container of Envoy Gateway's proxy pods and the stdout log (the access log's
sink; Envoy's own messages go to stderr). Filter fields: cloud.google.com/logging/docs/api/v2/resource-list
(k8s_container: cluster_name, namespace_name, container_name) and cloud.google.com/logging/docs/view/logging-query-language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.naming import name

TYPE = "llmops:gcp:GatewayAccessLogs"


def access_log_filter(project: str, cluster: str, namespace: str, container: str) -> str:
    return " AND ".join([
        'resource.type="k8s_container"',
        f'resource.labels.cluster_name="{cluster}"',
        f'resource.labels.namespace_name="{namespace}"',
        f'resource.labels.container_name="{container}"',
        f'logName="projects/{project}/logs/stdout"',
    ])


@dataclass
class GatewayAccessLogsArgs:
    name: str  # the zone's name
    project: str
    cluster_name: str  # the GKE cluster running the gateway
    namespace: str  # where the proxies run (components/k8s/gateway.py NAMESPACE)
    container: str  # the proxy container writing the access log
    destination: str  # the audit log bucket (components/gcp/audit.py Audit.destination)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # the audit bucket


class GatewayAccessLogs(pulumi.ComponentResource):
    sink: gcp.logging.ProjectSink

    def __init__(self, name_: str, args: GatewayAccessLogsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        a = args
        self.filter = access_log_filter(a.project, a.cluster_name, a.namespace, a.container)
        # The bucket is in the sink's own project: its writer identity needs no grant (see components/gcp/audit.py).
        self.sink = gcp.logging.ProjectSink(
            f"{a.name}-gateway-access", name=name(a.name, "gateway-access"), project=a.project,
            destination=a.destination, filter=self.filter, unique_writer_identity=True,
            description=f"{a.name}: the AI gateway's access records (team, model, tokens) to the audit bucket",
            opts=child(self, depends_on=a.depends_on or None))
        self.register_outputs({"sink": self.sink.name})
