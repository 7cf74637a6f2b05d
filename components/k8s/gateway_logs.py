"""GatewayLogShipper: a Fluent Bit DaemonSet that ships only the AI gateway proxies' access log to CloudWatch Logs.

EKS ships no container logs by itself. Of the two AWS ways to add them, the EKS add-on
amazon-cloudwatch-observability runs the CloudWatch agent and a Fluent Bit that tails every container (plus
host and data-plane logs) into log groups it names itself (/aws/containerinsights/<cluster>/...); its
configuration is the add-on's, and limiting it to one namespace means replacing that configuration wholesale.
A DaemonSet of our own is smaller and says exactly what leaves the cluster: it tails only the files of the
proxies' Envoy container in ``ingress`` (kubelet's ``/var/log/containers/<pod>_<namespace>_<container>-<id>.log``),
keeps only the stdout stream (Envoy's own messages go to stderr), parses each JSON line and drops the CRI framing,
and writes the records, as they are, to one encrypted log group with the core ``cloudwatch_logs`` output (no group
creation). The gateway's metrics are scraped by the metrics agent; these files are read by nothing else.

Credentials: EKS Pod Identity (the agent's ServiceAccount is associated with a role by components/aws/gateway_logs.py;
Fluent Bit reads AWS_CONTAINER_CREDENTIALS_FULL_URI and the token file since fluent/fluent-bit #10115).
Root is needed to read the kubelet's root-owned log files; the container is otherwise locked down (no
capabilities, read-only root filesystem, no privilege escalation, no API token: it reads files, not the API).
The tail offsets live in a host path, so a restarted agent resumes where it stopped instead of resending.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.meta import v1 as metav1

from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import labels, metadata, pod_security_labels, selector_labels

TYPE = "llmops:k8s:GatewayLogShipper"
APP = "gateway-log-shipper"  # also its ServiceAccount (the Pod Identity association names it)
NAMESPACE = "gateway-logs"
HEALTH_PORT = 2020
CONFIG_DIR = "/fluent-bit/etc/gateway"
STATE_DIR = "/var/fluent-bit/gateway-state"  # on the node: tail offsets and the file buffer


def tail_path(namespace: str, container: str) -> str:
    """kubelet's symlink of each container's log: ``<pod>_<namespace>_<container>-<container id>.log``."""
    return f"/var/log/containers/*_{namespace}_{container}-*.log"


def fluent_bit_config(*, path: str, region: str, log_group: str) -> dict[str, str]:
    """The agent's configuration files (Fluent Bit's classic format)."""
    main = f"""[SERVICE]
    Flush             5
    Log_Level         info
    Parsers_File      {CONFIG_DIR}/parsers.conf
    HTTP_Server       On
    HTTP_Listen       0.0.0.0
    HTTP_Port         {HEALTH_PORT}
    Health_Check      On
    storage.path      {STATE_DIR}/buffer/
    storage.sync      normal

[INPUT]
    Name              tail
    Tag               gateway.*
    Path              {path}
    multiline.parser  cri
    DB                {STATE_DIR}/tail.db
    DB.locking        true
    storage.type      filesystem
    Mem_Buf_Limit     16MB
    Skip_Long_Lines   On
    Refresh_Interval  10

[FILTER]
    Name              grep
    Match             gateway.*
    Regex             stream ^stdout$

[FILTER]
    Name              parser
    Match             gateway.*
    Key_Name          log
    Parser            access_json
    Reserve_Data      Off

[OUTPUT]
    Name              cloudwatch_logs
    Match             gateway.*
    region            {region}
    log_group_name    {log_group}
    log_stream_prefix proxy-
    auto_create_group Off
"""
    parsers = """[PARSER]
    Name              access_json
    Format            json
"""
    return {"fluent-bit.conf": main, "parsers.conf": parsers}


@dataclass
class GatewayLogShipperArgs:
    region: str
    log_group: pulumi.Input[str]  # the destination log group's name
    source_namespace: str  # where the proxies run (components/k8s/gateway.py NAMESPACE)
    source_container: str  # their Envoy container (components/k8s/gateway.py PROXY_CONTAINER)
    node_selector: dict[str, str] = field(default_factory=dict)  # where the proxies run: the system nodes
    image: images.Image = images.GATEWAY_LOG_SHIPPER
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the Pod Identity association


class GatewayLogShipper(pulumi.ComponentResource):
    daemon_set: apps.DaemonSet

    def __init__(self, name: str, args: GatewayLogShipperArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)
        lbls = labels(APP, name, "log-shipper", a.image.version)
        select = selector_labels(APP, name)
        # 'privileged': the agent mounts host paths (/var/log, its state directory), which 'baseline' forbids.
        ns = core.Namespace(f"{name}-ns", metadata=metadata(NAMESPACE, {**labels(NAMESPACE, name, "namespace"),
                                                                         **pod_security_labels("privileged", "restricted")}),
                            opts=child)
        namespace = ns.metadata.name
        core.ServiceAccount(f"{name}-sa", metadata=metadata(APP, lbls, namespace),
                            automount_service_account_token=False, opts=child)
        config = pulumi.Output.from_input(a.log_group).apply(lambda group: fluent_bit_config(
            path=tail_path(a.source_namespace, a.source_container), region=a.region, log_group=group))
        config_map = core.ConfigMap(f"{name}-config", metadata=metadata(APP, lbls, namespace), data=config, opts=child)

        health = core.ProbeArgs(http_get=core.HTTPGetActionArgs(path="/api/v1/health", port="http"),
                                period_seconds=30, failure_threshold=3)
        container = core.ContainerArgs(
            name="fluent-bit", image=a.image.ref, image_pull_policy="IfNotPresent" if a.image.digest else "Always",
            command=["/fluent-bit/bin/fluent-bit", "-c", f"{CONFIG_DIR}/fluent-bit.conf"],
            env=[core.EnvVarArgs(name="AWS_REGION", value=a.region)],
            ports=[core.ContainerPortArgs(name="http", container_port=HEALTH_PORT, protocol="TCP")],
            liveness_probe=health, readiness_probe=core.ProbeArgs(
                http_get=core.HTTPGetActionArgs(path="/api/v1/health", port="http"), period_seconds=10),
            resources=core.ResourceRequirementsArgs(requests={"cpu": "50m", "memory": "64Mi"},
                                                    limits={"cpu": "200m", "memory": "200Mi"}),
            security_context=core.SecurityContextArgs(
                run_as_user=0, run_as_non_root=False, privileged=False, allow_privilege_escalation=False,
                read_only_root_filesystem=True, capabilities=core.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
            volume_mounts=[core.VolumeMountArgs(name="logs", mount_path="/var/log", read_only=True),
                           core.VolumeMountArgs(name="state", mount_path=STATE_DIR),
                           core.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True)])
        self.daemon_set = apps.DaemonSet(
            f"{name}-ds", metadata=metadata(APP, lbls, namespace),
            spec=apps.DaemonSetSpecArgs(
                selector=metav1.LabelSelectorArgs(match_labels=select),
                update_strategy=apps.DaemonSetUpdateStrategyArgs(type="RollingUpdate"),
                template=core.PodTemplateSpecArgs(
                    metadata=metav1.ObjectMetaArgs(labels=lbls),
                    spec=core.PodSpecArgs(
                        service_account_name=APP, automount_service_account_token=False,
                        security_context=core.PodSecurityContextArgs(
                            seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault")),
                        node_selector=a.node_selector or None, containers=[container],
                        termination_grace_period_seconds=30,
                        volumes=[
                            core.VolumeArgs(name="logs", host_path=core.HostPathVolumeSourceArgs(
                                path="/var/log", type="Directory")),
                            core.VolumeArgs(name="state", host_path=core.HostPathVolumeSourceArgs(
                                path=STATE_DIR, type="DirectoryOrCreate")),
                            core.VolumeArgs(name="config", config_map=core.ConfigMapVolumeSourceArgs(
                                name=APP))]))),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[config_map, *a.depends_on]))
        self.register_outputs({"namespace": NAMESPACE, "image": a.image.ref})
