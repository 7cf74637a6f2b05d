"""The AI gateway (components/k8s/gateway.py, gateway_routes.py, <cloud>/gateway_keys.py): config errors with key
paths, routes and limits as values (weighted backends, a mirror), and what the reference plans register on every
cloud: the pinned Helm releases, the Gateway, a route and an authentication policy per vLLM endpoint naming only
the teams allowed it, a key per team in the cloud's secret manager and in the gateway's Secret, the teams' limits,
the metering scrape target, every custom resource valid against its CRD's schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from llmops_landing_zone.components import resolve, tokens
from llmops_landing_zone.components.config import parse_zone
from llmops_landing_zone.components.k8s import gateway_routes as gr
from llmops_landing_zone.components.k8s import images
from llmops_landing_zone.components.k8s.vllm import canary_service_name
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline
from plan_checks import config_errors, stack_zone
from llmops_landing_zone.llz.cli import app

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).with_name("crd_schemas")
PROD = ("aws-prod", "gcp-prod", "azure-prod")
GATEWAY_TYPES = (tokens.K8S_GATEWAY_CLASS, tokens.K8S_GATEWAY, tokens.K8S_HTTP_ROUTE, tokens.K8S_EG_ENVOY_PROXY,
                 tokens.K8S_EG_BACKEND, tokens.K8S_EG_SECURITY_POLICY, tokens.K8S_EG_BACKEND_TRAFFIC_POLICY,
                 tokens.K8S_AIGW_ROUTE, tokens.K8S_AIGW_SERVICE_BACKEND)


def schema(api_version: str, kind: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{api_version.replace('/', '_')}_{kind}.json").read_text())["schema"]


def valid(api_version: str, kind: str, spec: dict[str, Any], name: str = "x") -> None:
    jsonschema.validate({"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "ingress"},
                         "spec": spec}, schema(api_version, kind))


# --- config ---------------------------------------------------------------------------------------------------


def test_gateway_defaults_on_with_vllm_endpoints_and_every_vllm_endpoint_for_a_team() -> None:
    zone, provider = stack_zone("aws-dev")
    cfg = parse_zone(zone, provider)
    assert cfg.gateway.enabled and cfg.gateway.exposure == "internal" and cfg.gateway.authentication == "api-key"
    zone["endpoints"] = {k: v for k, v in zone["endpoints"].items() if v.get("runtime") == "managed"}
    for team in zone["teams"].values():
        team.pop("limits", None)
    assert parse_zone(zone, provider).gateway.enabled is False  # no vLLM endpoint, no gateway


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda z: z["teams"]["research"].update(models=["chat", "ghost"]), "teams.research.models.1",
     "'ghost' is not an endpoint of the zone"),
    (lambda z: z["teams"]["research"].update(models=["summarize"]), "teams.research.models.0", "managed endpoint"),
    (lambda z: z["teams"]["analysts"]["limits"]["models"].update(reasoning={"tokensPerMinute": 10}),
     "teams.analysts.limits.models.reasoning", "may not call 'reasoning'"),
    (lambda z: z["teams"]["analysts"]["limits"]["models"].update(ghost={"requestsPerMinute": 10}),
     "teams.analysts.limits.models.ghost", "not an endpoint of the zone"),
    (lambda z: z["teams"]["analysts"].update(limits={}), "teams.analysts.limits", "set tokensPerMinute"),
    (lambda z: z["teams"]["analysts"].update(limits={"tokensPerMinute": 0}), "teams.analysts.limits.tokensPerMinute",
     ""),
    (lambda z: z.update(gateway={"exposure": "public"}), "gateway.tls", "needs TLS"),
    (lambda z: z.update(gateway={"exposure": "public", "authentication": "none",
                                 "tls": {"certificateSecret": "gw-tls"}}), "gateway.authentication", "public"),
    (lambda z: z.update(gateway={"authentication": "none"}), "gateway.authentication", "prod gateway"),
    (lambda z: z.update(gateway={"enabled": False}), "teams.research.limits", "does not deploy"),
])
def test_bad_gateway_and_team_config_is_refused_with_its_key_path(change: Any, path: str, words: str) -> None:
    zone, provider = stack_zone("aws-prod")
    zone["teams"]["analysts"]["limits"].setdefault("models", {})
    change(zone)
    lines = config_errors(zone, provider)
    assert any(line.startswith(f"llmops:zone.{path}:") and words in line for line in lines), lines


def test_a_gateway_without_vllm_endpoints_is_refused() -> None:
    zone, provider = stack_zone("aws-dev")
    zone["endpoints"] = {k: v for k, v in zone["endpoints"].items() if v.get("runtime") == "managed"}
    zone["gateway"] = {"enabled": True}
    assert any(line.startswith("llmops:zone.gateway.enabled:") for line in config_errors(zone, provider))


def test_the_cli_exits_2_on_a_bad_team_model(tmp_path: Path) -> None:
    text = (ROOT / "stacks" / "Pulumi.aws-prod.yaml").read_text()
    doc = yaml.safe_load(text)
    doc["config"]["llmops:zone"]["teams"]["analysts"]["models"] = ["ghost"]
    bad = tmp_path / "Pulumi.bad-gw.yaml"
    bad.write_text(yaml.safe_dump(doc))
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "llmops:zone.teams.analysts.models.0" in result.output and "Traceback" not in result.output


# --- routes and limits as values ------------------------------------------------------------------------------
def test_a_two_backend_weighted_route_keeps_the_stable_names_and_validates() -> None:
    route = gr.endpoint_route("chat", "llama", [("chat", 8000, 90), ("chat-canary", 8000, 10)], "llm-serving",
                              teams=["b", "a"])
    spec = gr.ai_gateway_route_spec(route, "ai-gateway")
    (rule,) = spec["rules"]
    assert rule["backendRefs"] == [{"name": "chat", "weight": 90}, {"name": "chat-chat-canary", "weight": 10}]
    assert rule["matches"] == [{"headers": [{"type": "Exact", "name": gr.MODEL_HEADER, "value": "llama"}]}]
    assert {c["type"] for c in spec["llmRequestCosts"]} == {"InputToken", "OutputToken", "TotalToken"}
    valid("aigateway.envoyproxy.io/v1beta1", "AIGatewayRoute", spec)
    for b in route.backends:
        valid("gateway.envoyproxy.io/v1alpha1", "Backend", gr.backend_spec(b))
        valid("aigateway.envoyproxy.io/v1beta1", "AIServiceBackend", gr.ai_service_backend_spec(gr.backend_name(route, b)))
    assert gr.backend_spec(route.backends[1]) == {
        "endpoints": [{"fqdn": {"hostname": "chat-canary.llm-serving.svc.cluster.local", "port": 8000}}]}
    assert route.teams == ("a", "b")


def test_a_mirrored_route_is_an_http_route_with_a_request_mirror() -> None:
    route = gr.endpoint_route("chat", "llama", [("chat", 8000, 100)], "llm-serving", mirror=("chat-shadow", 8000, 100),
                              teams=["research"])
    assert route.kind == "HTTPRoute"
    spec = gr.http_route_spec(route, "ai-gateway")
    (rule,) = spec["rules"]
    assert rule["filters"] == [{"type": "RequestMirror", "requestMirror": {"backendRef": {
        "group": "gateway.envoyproxy.io", "kind": "Backend", "name": "chat-chat-shadow"}}}]
    assert rule["backendRefs"] == [{"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "chat", "weight": 100}]
    valid("gateway.networking.k8s.io/v1", "HTTPRoute", spec)
    policy = gr.security_policy_spec(route)
    assert policy["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "chat"}]
    valid("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", policy)
    with pytest.raises(ValueError, match="no request mirror"):
        gr.ai_gateway_route_spec(route, "ai-gateway")
    with pytest.raises(ValueError, match="distinct"):
        gr.endpoint_route("chat", "llama", [("chat", 8000, 100)], "llm-serving", mirror=("chat", 8000, 100))
    with pytest.raises(ValueError, match="weights"):
        gr.endpoint_route("chat", "llama", [("chat", 8000, 0)], "llm-serving")


def test_limits_become_per_team_and_per_model_rules_with_token_costs_and_a_429_body() -> None:
    spec = gr.traffic_policy_spec("ai-gateway", [
        gr.Limit("research", None, tokens_per_minute=1000, requests_per_minute=60),
        gr.Limit("research", "llama", tokens_per_minute=300)])
    valid("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy", spec)
    rules = spec["rateLimit"]["global"]["rules"]
    requests, tokens_all, tokens_model = rules
    team = {"name": gr.TEAM_HEADER, "type": "Exact", "value": "research"}
    assert requests == {"clientSelectors": [{"headers": [team]}], "limit": {"requests": 60, "unit": "Minute"}}
    assert tokens_all["limit"] == {"requests": 1000, "unit": "Minute"}
    assert tokens_all["cost"]["request"] == {"from": "Number", "number": 0}
    assert tokens_all["cost"]["response"]["metadata"] == {"namespace": "io.envoy.ai_gateway", "key": "llm_total_token"}
    assert tokens_model["clientSelectors"][0]["headers"] == [
        team, {"name": gr.MODEL_HEADER, "type": "Exact", "value": "llama"}]
    (override,) = spec["responseOverride"]
    assert override["match"]["statusCodes"] == [{"type": "Value", "value": 429}]
    assert json.loads(override["response"]["body"]["inline"])["error"]["code"] == 429


def test_a_model_no_team_may_call_is_denied_outright() -> None:
    route = gr.endpoint_route("chat", "llama", [("chat", 8000, 100)], "llm-serving")
    policy = gr.security_policy_spec(route)
    assert policy["authorization"] == {"defaultAction": "Deny"} and "apiKeyAuth" not in policy
    valid("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", policy)


def test_the_access_log_carries_team_model_and_tokens_never_a_body() -> None:
    fields = gr.ACCESS_LOG_FIELDS
    assert {"team", "model", "prompt_tokens", "completion_tokens", "total_tokens"} <= set(fields)
    assert not any("BODY" in v for v in fields.values())


# --- the reference plans --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {s: offline.plan(s) for s in PROD}


def _named(plan: Plan, type_: str) -> dict[str, PlannedResource]:
    return {r.inputs["metadata"]["name"]: r for r in plan.of_type(type_)}


@pytest.mark.parametrize("stack", PROD)
def test_the_plan_holds_the_pinned_gateway_releases(stack: str, plans: dict[str, Plan]) -> None:
    releases = {r.inputs["name"]: r.inputs for r in plans[stack].of_type(tokens.K8S_HELM_RELEASE)}
    for name, chart in (("envoy-gateway", images.ENVOY_GATEWAY_CHART), ("ai-gateway-crds", images.AI_GATEWAY_CRDS_CHART),
                        ("ai-gateway", images.AI_GATEWAY_CHART)):
        assert (releases[name]["chart"], releases[name]["version"]) == (f"oci://docker.io/envoyproxy/{chart.name}",
                                                                        chart.version)
    eg = releases["envoy-gateway"]["values"]["config"]["envoyGateway"]
    assert eg["extensionApis"]["enableBackend"] is True
    assert eg["provider"]["kubernetes"]["deploy"]["type"] == "GatewayNamespace"  # proxies in `ingress`
    assert eg["rateLimit"]["backend"]["redis"]["url"].startswith("ratelimit-redis.envoy-gateway-system.")
    assert releases["ai-gateway"]["values"]["controller"]["metricsRequestHeaderAttributes"] == f"{gr.TEAM_HEADER}:team"


@pytest.mark.parametrize("stack", PROD)
def test_routes_auth_keys_and_limits_follow_the_config(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    vllm = sorted(k for k, e in cfg.endpoints.items() if e.runtime == "vllm")
    assert sorted(_named(plan, tokens.K8S_AIGW_ROUTE)) == vllm
    (gateway,) = plan.of_type(tokens.K8S_GATEWAY)
    assert gateway.inputs["metadata"]["namespace"] == "ingress"
    assert gateway.inputs["spec"]["listeners"] == [{"name": "http", "protocol": "HTTP", "port": 80}]
    policies = _named(plan, tokens.K8S_EG_SECURITY_POLICY)
    assert sorted(policies) == vllm
    for key in vllm:
        allowed = sorted(t for t, team in cfg.teams.items() if team.models is None or key in team.models)
        refs = policies[key].inputs["spec"]["apiKeyAuth"]["credentialRefs"]
        assert [r["name"] for r in refs] == [f"gateway-key-{t}" for t in allowed]
        assert policies[key].inputs["spec"]["apiKeyAuth"]["forwardClientIDHeader"] == gr.TEAM_HEADER
    secrets = _named(plan, tokens.K8S_SECRET)
    for team in cfg.teams:
        assert set(secrets[f"gateway-key-{team}"].inputs["stringData"]) == {team}
    (limits,) = plan.of_type(tokens.K8S_EG_BACKEND_TRAFFIC_POLICY)
    limited = {h["value"] for r in limits.inputs["spec"]["rateLimit"]["global"]["rules"]
               for h in r["clientSelectors"][0]["headers"] if h["name"] == gr.TEAM_HEADER}
    assert limited == set(cfg.teams)


@pytest.mark.parametrize("stack", PROD)
def test_the_canary_takes_its_configured_share_at_the_gateway(stack: str, plans: dict[str, Plan]) -> None:
    """Each prod stack's chat endpoint releases an A/B canary: its route splits between the endpoint's Service and
    the canary's (components/k8s/vllm.py canary_service_name) by the configured weight; the stable Backend keeps
    its name."""
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    canaries = {k: e.canary for k, e in cfg.endpoints.items() if e.runtime == "vllm" and e.canary}
    assert canaries, f"{stack} should release a vLLM canary"
    routes = _named(plan, tokens.K8S_AIGW_ROUTE)
    backends = _named(plan, tokens.K8S_EG_BACKEND)
    for key, canary in canaries.items():
        assert not canary.mirror
        (rule,) = routes[key].inputs["spec"]["rules"]
        assert [(b["name"], b["weight"]) for b in rule["backendRefs"]] == [
            (key, 100 - canary.weight), (f"{key}-{canary_service_name(key)}", canary.weight)]
        host = backends[f"{key}-{canary_service_name(key)}"].inputs["spec"]["endpoints"][0]["fqdn"]["hostname"]
        assert host.startswith(f"{canary_service_name(key)}.")
        assert key in backends


def test_a_shadow_canary_is_a_partial_request_mirror() -> None:
    """mirror: true copies the canary's weight in percent of the endpoint's requests; the endpoint keeps them all."""
    zone, provider = stack_zone("aws-prod")
    zone["endpoints"]["chat"]["canary"] = {"model": "mistral-7b", "weight": 20, "mirror": True, "replicas": {"min": 1, "max": 1}}
    cfg = parse_zone(zone, provider)
    routes = {r.endpoint: r for r in resolve.gateway(cfg, "llm-serving", 8000)[0]}
    route = routes["chat"]
    assert route.kind == "HTTPRoute"
    assert [(b.service, b.weight) for b in route.backends] == [("chat", 100)]
    spec = gr.http_route_spec(route, "ai-gateway")
    (rule,) = spec["rules"]
    assert rule["filters"][0]["requestMirror"]["percent"] == 20
    assert rule["filters"][0]["requestMirror"]["backendRef"]["name"] == f"chat-{canary_service_name('chat')}"
    valid("gateway.networking.k8s.io/v1", "HTTPRoute", spec)
    with pytest.raises(ValueError, match="1..100"):
        gr.endpoint_route("chat", "llama", [("chat", 8000, 100)], "llm-serving", mirror=("chat-canary", 8000, 0))


CLOUD_SECRETS = {"aws-prod": tokens.AWS_SECRET, "gcp-prod": tokens.GCP_SECRET, "azure-prod": tokens.AZURE_KEY_VAULT_SECRET}


@pytest.mark.parametrize("stack", PROD)
def test_each_team_key_is_generated_once_and_kept_in_the_cloud_secret_manager(stack: str, plans: dict[str, Plan]) -> None:
    plan = plans[stack]
    _, _, cfg = offline.load(stack)
    assert len(plan.of_type(tokens.RANDOM_PASSWORD)) == len(cfg.teams)
    for pw in plan.of_type(tokens.RANDOM_PASSWORD):
        assert pw.inputs["length"] >= 32 and pw.inputs["special"] is False
    secrets = [s for s in plan.of_type(CLOUD_SECRETS[stack]) if "-gateway-keys-" in s.name]
    assert len(secrets) == len(cfg.teams)
    if stack == "aws-prod":
        data_key = next(r for r in plan.of_type(tokens.KMS_KEY) if r.name.endswith("-data-key"))
        assert all(data_key.urn in s.dependencies and s.inputs["kmsKeyId"] for s in secrets)  # the zone's data key
        assert {s.inputs["name"] for s in secrets} == {f"{cfg.name}/gateway/{t}" for t in cfg.teams}
    elif stack == "gcp-prod":
        assert len(plan.of_type(tokens.GCP_SECRET_VERSION)) == len(cfg.teams)
        assert all([r["location"] for r in s.inputs["replication"]["userManaged"]["replicas"]] == [cfg.region]
                   for s in secrets)
    else:
        assert {s.inputs["secretName"] for s in secrets} == {f"gateway-{t}" for t in cfg.teams}


@pytest.mark.parametrize("stack", PROD)
def test_gateway_custom_resources_match_their_crd_schemas(stack: str, plans: dict[str, Plan]) -> None:
    found = [r for t in GATEWAY_TYPES for r in plans[stack].of_type(t)]
    assert {r.type for r in found} >= {tokens.K8S_GATEWAY, tokens.K8S_AIGW_ROUTE, tokens.K8S_EG_SECURITY_POLICY,
                                       tokens.K8S_EG_BACKEND_TRAFFIC_POLICY, tokens.K8S_EG_ENVOY_PROXY}
    for r in found:
        doc = {k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")}
        jsonschema.validate(doc, schema(doc["apiVersion"], doc["kind"]))


def test_the_schemas_reject_a_broken_route() -> None:
    with pytest.raises(jsonschema.ValidationError):
        valid("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy",
              {"rateLimit": {"type": "Global", "global": {"rules": [{"limit": {"requests": 1, "unit": "Fortnight"}}]}}})


@pytest.mark.parametrize(("stack", "annotation"), [
    ("aws-prod", ("service.beta.kubernetes.io/aws-load-balancer-internal", "true")),
    ("gcp-prod", ("networking.gke.io/load-balancer-type", "Internal")),
    ("azure-prod", ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"))])
def test_the_proxy_service_is_an_internal_load_balancer_and_logs_json(stack: str, annotation: tuple[str, str],
                                                                      plans: dict[str, Plan]) -> None:
    (proxy,) = plans[stack].of_type(tokens.K8S_EG_ENVOY_PROXY)
    service = proxy.inputs["spec"]["provider"]["kubernetes"]["envoyService"]
    assert service["annotations"][annotation[0]] == annotation[1]
    (log,) = proxy.inputs["spec"]["telemetry"]["accessLog"]["settings"]
    assert log["format"] == {"type": "JSON", "json": gr.ACCESS_LOG_FIELDS}


def test_redis_holds_only_counters_and_admits_only_the_rate_limit_namespace(plans: dict[str, Plan]) -> None:
    plan = plans["aws-prod"]
    redis = _named(plan, tokens.K8S_DEPLOYMENT)["ratelimit-redis"].inputs["spec"]["template"]["spec"]
    (container,) = redis["containers"]
    assert container["image"] == images.GATEWAY_REDIS.ref
    assert ["--save", "", "--appendonly", "no"] == container["args"][1:5]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    policy = _named(plan, tokens.K8S_NETWORK_POLICY)["ratelimit-redis"].inputs["spec"]
    assert policy["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "envoy-gateway-system"}}}]


def test_the_gateway_token_metrics_are_collected_on_every_cloud(plans: dict[str, Plan]) -> None:
    config = next(r for r in plans["aws-prod"].of_type(tokens.K8S_CONFIG_MAP) if "prometheus.yml" in r.inputs["data"])
    jobs = {j["job_name"]: j for j in yaml.safe_load(config.inputs["data"]["prometheus.yml"])["scrape_configs"]}
    assert jobs["ai-gateway"]["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["ingress"]}}]
    (gmp,) = [r for r in plans["gcp-prod"].of_type(tokens.K8S_GMP_POD_MONITORING)
              if r.inputs["metadata"]["name"] == "ai-gateway"]
    assert gmp.inputs["spec"]["endpoints"][0]["port"] == "aigw-admin"
    (ama,) = [r for r in plans["azure-prod"].of_type(tokens.K8S_AZURE_POD_MONITOR)
              if r.inputs["metadata"]["namespace"] == "ingress"]
    assert ama.inputs["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "envoy"}}


def test_endpoints_serving_one_model_are_told_apart_by_their_keys() -> None:
    from llmops_landing_zone.components import resolve

    zone, provider = stack_zone("aws-dev")
    (key, ep) = next((k, e) for k, e in zone["endpoints"].items() if e.get("runtime", "vllm") == "vllm")
    zone["endpoints"]["twin"] = copy.deepcopy(ep)
    for pool in zone["gpuPools"].values():
        pool["maxNodes"] = 16  # room for both
    routes, _ = resolve.gateway(parse_zone(zone, provider), "llm-serving", 8000)
    by = {r.endpoint: r for r in routes}
    assert (by[key].model, by["twin"].model) == (key, "twin")
    spec = gr.ai_gateway_route_spec(by["twin"], "ai-gateway")
    assert spec["rules"][0]["backendRefs"][0]["modelNameOverride"] == by["twin"].upstream_model
    valid("aigateway.envoyproxy.io/v1beta1", "AIGatewayRoute", spec)


def test_gcp_team_keys_are_encrypted_with_the_zone_data_key(plans: dict[str, Plan]) -> None:
    """Secret Manager encrypts each key with the zone's data key in the zone's region, after its service agent
    may use that key."""
    plan = plans["gcp-prod"]
    (data_key,) = [r for r in plan.of_type("gcp:kms/cryptoKey:CryptoKey") if r.name.endswith("-data")]
    (grant,) = [r for r in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
                if r.name.endswith("-data-secretmanager")]
    secrets = plan.of_type(tokens.GCP_SECRET)
    assert secrets
    for secret in secrets:
        (replica,) = secret.inputs["replication"]["userManaged"]["replicas"]
        assert replica["location"] == plan.region
        assert replica["customerManagedEncryption"]["kmsKeyName"].endswith(f"/cryptoKeys/{data_key.inputs['name']}")
        assert grant.urn in secret.dependencies
