"""AiGateway: the zone's one OpenAI-compatible entry, Envoy Gateway + Envoy AI Gateway from pinned charts.

- Envoy Gateway (namespace ``envoy-gateway-system``) with the settings Envoy AI Gateway needs (Backend API, the
  extension manager hooks of manifests/envoy-gateway-values.yaml at v1.1.0), global rate limiting backed by a
  small Redis beside it, and the proxies deployed in the Gateway's own namespace (``ingress``), which every vLLM
  endpoint's NetworkPolicy already admits. The Redis holds only the rate-limit counters of the current window:
  no persistence, a restart resets them; a NetworkPolicy admits only the controller namespace (the rate-limit
  service).
- Envoy AI Gateway (namespace ``envoy-ai-gateway-system``): its CRDs chart, then its controller, which adds the
  request-body processor to the proxies and maps the team header to the ``team`` label of its token metrics.
- In ``ingress``: the GatewayClass, an EnvoyProxy (the load balancer annotations of the cloud: internal by
  default; the JSON access log of components/k8s/gateway_routes.py), the Gateway, one route per model
  (``gateway_routes``), a SecurityPolicy per route accepting only the keys of the teams allowed that model, one
  Secret per team holding its key, and one BackendTrafficPolicy with the teams' limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.apps import v1 as apps
from pulumi_kubernetes.core import v1 as core
from pulumi_kubernetes.helm import v3 as helm
from pulumi_kubernetes.meta import v1 as metav1
from pulumi_kubernetes.networking import v1 as net

from llmops_landing_zone.components.k8s import gateway_routes as gr
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.meta import (
    INGRESS_NAMESPACE,
    labels,
    metadata,
    namespace_peer,
    pod_security_labels,
    restricted_container_security,
    restricted_pod_security,
    selector_labels,
)

TYPE = "llmops:k8s:AiGateway"
APP = "ai-gateway"
NAMESPACE = INGRESS_NAMESPACE  # the Gateway, its routes, policies, key Secrets and proxies
CONTROLLER_NAMESPACE = "envoy-gateway-system"
AI_CONTROLLER_NAMESPACE = "envoy-ai-gateway-system"
GATEWAY = "ai-gateway"  # the Gateway, its GatewayClass and EnvoyProxy
CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
REDIS = "ratelimit-redis"
REDIS_PORT = 6379
GATEWAY_API = "gateway.networking.k8s.io/v1"
EG_API = "gateway.envoyproxy.io/v1alpha1"
AIGW_API = "aigateway.envoyproxy.io/v1beta1"
# Where Prometheus finds the token metrics: the AI gateway's processor runs as a sidecar of each proxy pod
# (labels of Envoy Gateway's proxy pods, internal/infrastructure/kubernetes/proxy/resource.go at v1.9.0) and
# serves /metrics on its admin port (container port "aigw-admin", 1064: internal/controller/extproc_builder.go).
PROXY_APP = "envoy"
# The proxy pods' Envoy container (same source), whose stdout carries the JSON access log.
PROXY_CONTAINER = "envoy"
METRICS_PORT_NAME = "aigw-admin"
METRICS_PORT = 1064

# The load balancer in front of the proxies, per cloud. AWS: an NLB from the in-tree service controller
# (kubernetes.io/docs/reference/labels-annotations-taints, service.beta.kubernetes.io/aws-load-balancer-*);
# GKE: an internal passthrough NLB (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer);
# AKS: the internal Standard load balancer (learn.microsoft.com/azure/aks/internal-lb).
_INTERNAL_LB = {
    "aws": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            "service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    "gcp": {"networking.gke.io/load-balancer-type": "Internal"},
    "azure": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
}
_PUBLIC_LB = {"aws": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, "gcp": {}, "azure": {}}


def load_balancer_annotations(cloud: str, exposure: str) -> dict[str, str]:
    if exposure not in ("internal", "public"):
        raise ValueError(f"exposure {exposure!r} is not internal or public")
    return dict((_INTERNAL_LB if exposure == "internal" else _PUBLIC_LB)[cloud])


@dataclass
class AiGatewayArgs:
    routes: list[gr.ModelRoute]
    team_keys: dict[str, pulumi.Input[str]]  # team -> its API key (a secret output)
    limits: list[gr.Limit] = field(default_factory=list)
    authenticate: bool = True
    service_annotations: dict[str, str] = field(default_factory=dict)  # load_balancer_annotations(...)
    tls_secret: str | None = None  # a kubernetes.io/tls Secret in NAMESPACE: HTTPS on 443
    node_selector: dict[str, str] = field(default_factory=dict)  # controllers and Redis: the system nodes
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # e.g. the ingress namespace's add-ons

    def problems(self) -> list[str]:
        out = [f"route {r.endpoint}: {p}" for r in self.routes for p in r.problems()]
        unknown = sorted({t for r in self.routes for t in r.teams} - set(self.team_keys))
        if unknown and self.authenticate:
            out.append(f"routes name teams without a key: {', '.join(unknown)}")
        if len({r.model for r in self.routes}) != len(self.routes):
            out.append("two routes serve the same model name")
        return out


def envoy_gateway_values(node_selector: dict[str, str]) -> dict[str, Any]:
    """Envoy Gateway's chart values for Envoy AI Gateway (manifests/envoy-gateway-values.yaml and
    examples/token_ratelimit/envoy-gateway-values-addon.yaml of ai-gateway v1.1.0), proxies in the Gateway's
    namespace."""
    hooks = {"listener": {"includeAll": True}, "route": {"includeAll": True}, "cluster": {"includeAll": True},
             "secret": {"includeAll": True}}
    return {
        "config": {"envoyGateway": {
            "gateway": {"controllerName": CONTROLLER_NAME},
            "provider": {"type": "Kubernetes", "kubernetes": {"deploy": {"type": "GatewayNamespace"}}},
            "extensionApis": {"enableEnvoyPatchPolicy": True, "enableBackend": True},
            "extensionManager": {
                "hooks": {"xdsTranslator": {"translation": hooks, "post": ["Translation", "Cluster", "Route"]}},
                "service": {"fqdn": {
                    "hostname": f"ai-gateway-controller.{AI_CONTROLLER_NAMESPACE}.svc.cluster.local", "port": 1063}}},
            "rateLimit": {"backend": {"type": "Redis", "redis": {
                "url": f"{REDIS}.{CONTROLLER_NAMESPACE}.svc.cluster.local:{REDIS_PORT}"}}},
        }},
        **({"deployment": {"pod": {"nodeSelector": node_selector}}} if node_selector else {}),
    }


def ai_gateway_values() -> dict[str, Any]:
    team = f"{gr.TEAM_HEADER}:{gr.METRICS_TEAM_LABEL}"
    return {"controller": {"metricsRequestHeaderAttributes": team, "logRequestHeaderAttributes": team},
            "extProc": {"logFormat": "json"}}


def envoy_proxy_spec(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "provider": {"type": "Kubernetes", "kubernetes": {
            "envoyService": {"type": "LoadBalancer", "annotations": annotations or None}}},
        "telemetry": {"accessLog": {"settings": [{
            "format": {"type": "JSON", "json": dict(gr.ACCESS_LOG_FIELDS)},
            "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}]}},
    }


def gateway_spec(tls_secret: str | None) -> dict[str, Any]:
    listener: dict[str, Any] = {"name": "http", "protocol": "HTTP", "port": 80}
    if tls_secret:
        listener = {"name": "https", "protocol": "HTTPS", "port": 443,
                    "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": tls_secret}]}}
    return {"gatewayClassName": GATEWAY, "listeners": [listener],
            "infrastructure": {"parametersRef": {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy",
                                                 "name": GATEWAY}}}


class AiGateway(pulumi.ComponentResource):
    """Envoy Gateway, Envoy AI Gateway, their Redis, and the zone's Gateway, routes, keys and limits."""

    def __init__(self, name: str, args: AiGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if problems := args.problems():
            raise ValueError(f"AiGateway {name!r}: " + "; ".join(problems))
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)

        def lbl(component: str) -> dict[str, str]:
            return labels(APP, GATEWAY, component)

        namespaces = {
            ns: core.Namespace(f"{name}-ns-{ns}", metadata=metadata(ns, {**lbl("namespace"),
                                                                         **pod_security_labels("restricted")}),
                               opts=child)
            for ns in (CONTROLLER_NAMESPACE, AI_CONTROLLER_NAMESPACE)}
        self.redis = self._redis(name, namespaces[CONTROLLER_NAMESPACE], a)

        def release(logical: str, chart: images.Chart, namespace: str, values: dict[str, Any],
                    after: list[pulumi.Resource]) -> helm.Release:
            return helm.Release(
                f"{name}-{logical}", name=logical, chart=f"{chart.repository}/{chart.name}", version=chart.version,
                namespace=namespaces[namespace].metadata.name, values=values,
                atomic=True, cleanup_on_fail=True, timeout=600,
                opts=pulumi.ResourceOptions(parent=self, depends_on=after or None))

        self.envoy_gateway = release("envoy-gateway", images.ENVOY_GATEWAY_CHART, CONTROLLER_NAMESPACE,
                                     envoy_gateway_values(a.node_selector), [self.redis])
        self.ai_gateway_crds = release("ai-gateway-crds", images.AI_GATEWAY_CRDS_CHART, AI_CONTROLLER_NAMESPACE,
                                       {}, [self.envoy_gateway])
        self.ai_gateway = release("ai-gateway", images.AI_GATEWAY_CHART, AI_CONTROLLER_NAMESPACE,
                                  ai_gateway_values(), [self.ai_gateway_crds])
        controllers: list[pulumi.Resource] = [self.envoy_gateway, self.ai_gateway, *a.depends_on]

        def custom(logical: str, api: str, kind: str, obj: str, spec: dict[str, Any],
                   namespace: str | None = NAMESPACE) -> CustomResource:
            return CustomResource(f"{name}-{logical}", api_version=api, kind=kind,
                                  metadata=metadata(obj, lbl(kind.lower()), namespace), spec=spec,
                                  opts=pulumi.ResourceOptions(parent=self, depends_on=controllers))

        self.gateway_class = custom("class", GATEWAY_API, "GatewayClass", GATEWAY,
                                    {"controllerName": CONTROLLER_NAME}, namespace=None)
        self.envoy_proxy = custom("proxy", EG_API, "EnvoyProxy", GATEWAY, envoy_proxy_spec(a.service_annotations))
        self.gateway = custom("gateway", GATEWAY_API, "Gateway", GATEWAY, gateway_spec(a.tls_secret))

        self.key_secrets = {
            team: core.Secret(
                f"{name}-key-{team}", metadata=metadata(gr.key_secret_name(team), lbl("api-key"), NAMESPACE),
                type="Opaque", string_data={team: key},  # the key under the client id (apiKeyAuth's format)
                opts=pulumi.ResourceOptions(parent=self, depends_on=a.depends_on or None))
            for team, key in sorted(a.team_keys.items())}

        self.routes: dict[str, CustomResource] = {}
        self.security_policies: dict[str, CustomResource] = {}
        for r in a.routes:
            for b in gr.all_backends(r):
                bname = gr.backend_name(r, b)
                custom(f"backend-{bname}", EG_API, "Backend", bname, gr.backend_spec(b))
                if r.mirror is None:
                    custom(f"aibackend-{bname}", AIGW_API, "AIServiceBackend", bname, gr.ai_service_backend_spec(bname))
            if r.mirror is None:
                route = custom(f"route-{r.endpoint}", AIGW_API, "AIGatewayRoute", r.endpoint,
                               gr.ai_gateway_route_spec(r, GATEWAY))
            else:
                route = custom(f"httproute-{r.endpoint}", GATEWAY_API, "HTTPRoute", r.endpoint,
                               gr.http_route_spec(r, GATEWAY))
            self.routes[r.endpoint] = route
            if a.authenticate:
                self.security_policies[r.endpoint] = CustomResource(
                    f"{name}-auth-{r.endpoint}", api_version=EG_API, kind="SecurityPolicy",
                    metadata=metadata(r.endpoint, lbl("securitypolicy"), NAMESPACE),
                    spec=gr.security_policy_spec(r),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[
                        route, *(self.key_secrets[t] for t in r.teams), *controllers]))
        self.limits = custom("limits", EG_API, "BackendTrafficPolicy", f"{GATEWAY}-limits",
                             gr.traffic_policy_spec(GATEWAY, a.limits)) if a.limits else None
        self.url = (f"https://{GATEWAY}.{NAMESPACE}" if a.tls_secret else f"http://{GATEWAY}.{NAMESPACE}") + "/v1"
        self.register_outputs({"gateway": GATEWAY, "routes": sorted(self.routes)})

    def _redis(self, name: str, namespace: core.Namespace, a: AiGatewayArgs) -> apps.Deployment:
        ns = namespace.metadata.name
        lbls = labels(REDIS, GATEWAY, "rate-limit-store", images.GATEWAY_REDIS.version)
        select = selector_labels(REDIS, GATEWAY)
        child = pulumi.ResourceOptions(parent=self)
        core.Service(f"{name}-redis-svc", metadata=metadata(REDIS, lbls, ns),
                     spec=core.ServiceSpecArgs(selector=select, ports=[core.ServicePortArgs(
                         name="redis", port=REDIS_PORT, target_port="redis", protocol="TCP")]),
                     opts=child)
        net.NetworkPolicy(
            f"{name}-redis-netpol", metadata=metadata(REDIS, lbls, ns),
            spec=net.NetworkPolicySpecArgs(
                pod_selector=metav1.LabelSelectorArgs(match_labels=select), policy_types=["Ingress"],
                ingress=[net.NetworkPolicyIngressRuleArgs(
                    from_=[namespace_peer(CONTROLLER_NAMESPACE)],
                    ports=[net.NetworkPolicyPortArgs(port=REDIS_PORT, protocol="TCP")])]),
            opts=child)
        probe = core.ProbeArgs(tcp_socket=core.TCPSocketActionArgs(port=REDIS_PORT), period_seconds=10)
        image = images.GATEWAY_REDIS
        container = core.ContainerArgs(
            name="redis", image=image.ref, image_pull_policy="IfNotPresent" if image.digest else "Always",
            # Counters only: no snapshots, no append-only file; reachable only through the NetworkPolicy above.
            args=["redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no",
                  "--maxmemory", "200mb", "--maxmemory-policy", "volatile-ttl"],
            ports=[core.ContainerPortArgs(name="redis", container_port=REDIS_PORT, protocol="TCP")],
            readiness_probe=probe, liveness_probe=probe,
            resources=core.ResourceRequirementsArgs(requests={"cpu": "50m", "memory": "128Mi"},
                                                    limits={"cpu": "500m", "memory": "256Mi"}),
            security_context=restricted_container_security(),
            volume_mounts=[core.VolumeMountArgs(name="data", mount_path="/data")])
        return apps.Deployment(
            f"{name}-redis", metadata=metadata(REDIS, lbls, ns),
            spec=apps.DeploymentSpecArgs(
                replicas=1, selector=metav1.LabelSelectorArgs(match_labels=select),
                strategy=apps.DeploymentStrategyArgs(type="Recreate"),
                template=core.PodTemplateSpecArgs(
                    metadata=metav1.ObjectMetaArgs(labels=lbls),
                    spec=core.PodSpecArgs(
                        security_context=restricted_pod_security(), automount_service_account_token=False,
                        node_selector=a.node_selector or None, containers=[container],
                        volumes=[core.VolumeArgs(name="data", empty_dir=core.EmptyDirVolumeSourceArgs(
                            size_limit="64Mi"))]))),
            opts=child)
