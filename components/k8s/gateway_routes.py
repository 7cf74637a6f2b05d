"""What the AI gateway routes and limits, as plain values: no Pulumi, no Kubernetes SDK (tests call it directly).

- A ``ModelRoute`` is one model name clients send (the OpenAI ``model`` field) -> weighted backends (a Kubernetes
  Service and port each) and an optional mirror backend that receives a copy of every request and whose answer
  is dropped. ``endpoint_route`` builds one from an endpoint; a canary adds a second weighted backend or a
  mirror, nothing else changes.
- Routes without a mirror become ``AIGatewayRoute`` rules (Envoy AI Gateway v1beta1): the AI gateway parses the
  request body, sets ``x-ai-eg-model`` and counts the response's tokens into dynamic metadata
  (``llmRequestCosts``), which the token limits and the access log read. ``AIGatewayRoute`` has no mirror field
  (CRD at v1.1.0: rules hold matches, backendRefs with weight and priority, timeouts); Gateway API's
  ``HTTPRoute`` has the ``RequestMirror`` filter, so a mirrored route is an ``HTTPRoute`` on the same Gateway,
  matching the same header. Its requests are counted by the request limits, not by the token limits.
- Limits (``teams.<name>.limits``) become global rate-limit rules of one ``BackendTrafficPolicy`` on the
  Gateway, keyed on the team header the API key authentication forwards (``TEAM_HEADER``) and, per model, on
  the model header. Token rules cost 0 on the request and the response's total tokens on the way back (the
  pattern of Envoy AI Gateway's examples/token_ratelimit), so the request that crosses a limit completes and
  the next one gets 429.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MODEL_HEADER = "x-ai-eg-model"  # set by the AI gateway from the request body's "model"
TEAM_HEADER = "x-llz-team"  # the client id (the team) of the API key, forwarded by the SecurityPolicy
AI_METADATA_NAMESPACE = "io.envoy.ai_gateway"  # the AI gateway's fixed dynamic metadata namespace
# llmRequestCosts: metadata keys the AI gateway fills from each response's usage.
COSTS = (("llm_input_token", "InputToken"), ("llm_output_token", "OutputToken"), ("llm_total_token", "TotalToken"))
TOKEN_COST_KEY = "llm_total_token"
RATE_LIMITED_BODY = ('{"error":{"type":"rate_limit_exceeded","code":429,"message":"the team\'s requests or '
                     'tokens per minute at this gateway are used up; retry after the minute"}}')
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class Backend:
    """A Kubernetes Service behind the gateway, and its share of the route's traffic."""

    service: str
    namespace: str
    port: int
    weight: int = 1

    @property
    def fqdn(self) -> str:
        return f"{self.service}.{self.namespace}.svc.cluster.local"


@dataclass(frozen=True)
class ModelRoute:
    endpoint: str  # the endpoint's config key: names the route's objects
    model: str  # the model name clients send
    backends: tuple[Backend, ...]
    mirror: Backend | None = None
    teams: tuple[str, ...] = ()  # teams whose keys the route accepts
    upstream_model: str | None = None  # the name the backends serve, when clients send another (``model``)

    def problems(self) -> list[str]:
        out = []
        if not _NAME.match(self.endpoint):
            out.append(f"endpoint {self.endpoint!r} must be a DNS label")
        if not self.backends:
            out.append("a route needs at least one backend")
        if any(b.weight < 0 for b in self.backends) or sum(b.weight for b in self.backends) <= 0:
            out.append("backend weights must be >= 0 and not all 0")
        names = [b.service for b in self.backends] + ([self.mirror.service] if self.mirror else [])
        if len(set(names)) != len(names):
            out.append(f"backends and mirror must be distinct Services, got {names}")
        if self.mirror and not 1 <= self.mirror.weight <= 100:
            out.append(f"the mirror's share must be 1..100 percent, got {self.mirror.weight}")
        if self.mirror and self.upstream_model:
            out.append("a mirrored route (HTTPRoute) cannot rewrite the model name")
        return out

    @property
    def kind(self) -> str:
        return "HTTPRoute" if self.mirror else "AIGatewayRoute"


def endpoint_route(endpoint: str, model: str, backends: Iterable[tuple[str, int, int]], namespace: str,
                   mirror: tuple[str, int, int] | None = None, teams: Iterable[str] = (),
                   upstream_model: str | None = None) -> ModelRoute:
    """The route of one endpoint: ``backends`` are (Service name, port, weight); ``mirror`` (Service name, port,
    percent of requests copied); ``upstream_model`` rewrites the request's model for the backends
    (AIGatewayRoute's modelNameOverride)."""
    route = ModelRoute(endpoint, model, tuple(Backend(s, namespace, p, w) for s, p, w in backends),
                       Backend(mirror[0], namespace, mirror[1], mirror[2]) if mirror else None, tuple(sorted(teams)),
                       upstream_model)
    if problems := route.problems():
        raise ValueError(f"gateway route {endpoint!r}: " + "; ".join(problems))
    return route


def backend_name(route: ModelRoute, backend: Backend) -> str:
    """Names of the Backend / AIServiceBackend of one Service: the endpoint's own Service keeps the endpoint's
    name, so adding a canary Service never renames the stable objects."""
    return route.endpoint if backend.service == route.endpoint else f"{route.endpoint}-{backend.service}"[:63]


def _model_match(route: ModelRoute) -> dict[str, Any]:
    return {"headers": [{"type": "Exact", "name": MODEL_HEADER, "value": route.model}]}


def _parent(gateway: str) -> dict[str, str]:
    return {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway}


def ai_gateway_route_spec(route: ModelRoute, gateway: str) -> dict[str, Any]:
    """AIGatewayRoute (aigateway.envoyproxy.io/v1beta1) spec of a route without a mirror."""
    if route.mirror is not None:
        raise ValueError("AIGatewayRoute has no request mirror; use http_route_spec for a mirrored route")
    return {
        "parentRefs": [_parent(gateway)],
        "rules": [{"matches": [_model_match(route)],
                   "backendRefs": [{"name": backend_name(route, b), "weight": b.weight,
                                    **({"modelNameOverride": route.upstream_model} if route.upstream_model else {})}
                                   for b in route.backends]}],
        "llmRequestCosts": [{"metadataKey": key, "type": kind} for key, kind in COSTS],
    }


def _backend_ref(route: ModelRoute, backend: Backend) -> dict[str, Any]:
    # Envoy Gateway Backends live beside the route, so no ReferenceGrant into the serving namespace is needed.
    return {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": backend_name(route, backend)}


def http_route_spec(route: ModelRoute, gateway: str) -> dict[str, Any]:
    """HTTPRoute (gateway.networking.k8s.io/v1) spec of a mirrored route: weighted backends, and a
    RequestMirror filter copying the mirror's share of requests to it (its responses are discarded)."""
    if route.mirror is None:
        raise ValueError("a route without a mirror is an AIGatewayRoute (token costs and limits)")
    mirror: dict[str, Any] = {"backendRef": _backend_ref(route, route.mirror)}
    if route.mirror.weight < 100:  # Gateway API: no percent (or fraction) mirrors every request
        mirror["percent"] = route.mirror.weight
    return {
        "parentRefs": [_parent(gateway)],
        "rules": [{
            "matches": [_model_match(route)],
            "filters": [{"type": "RequestMirror", "requestMirror": mirror}],
            "backendRefs": [{**_backend_ref(route, b), "weight": b.weight} for b in route.backends],
        }],
    }


def all_backends(route: ModelRoute) -> tuple[Backend, ...]:
    return route.backends + ((route.mirror,) if route.mirror else ())


def backend_spec(backend: Backend) -> dict[str, Any]:
    """Envoy Gateway Backend (gateway.envoyproxy.io/v1alpha1): the Service by its cluster DNS name."""
    return {"endpoints": [{"fqdn": {"hostname": backend.fqdn, "port": backend.port}}]}


def ai_service_backend_spec(name: str) -> dict[str, Any]:
    """AIServiceBackend: vLLM speaks the OpenAI schema, so no translation."""
    return {"schema": {"name": "OpenAI"},
            "backendRef": {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": name}}


# --- limits ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """One team's limits, over every model (``model`` None) or on one model (its served name)."""

    team: str
    model: str | None = None
    tokens_per_minute: int | None = None
    requests_per_minute: int | None = None


def _selectors(limit: Limit) -> list[dict[str, Any]]:
    headers = [{"name": TEAM_HEADER, "type": "Exact", "value": limit.team}]
    if limit.model is not None:
        headers.append({"name": MODEL_HEADER, "type": "Exact", "value": limit.model})
    return [{"headers": headers}]


def rate_limit_rules(limits: Iterable[Limit]) -> list[dict[str, Any]]:
    """Global rate-limit rules of the gateway's BackendTrafficPolicy, one per limit and kind, sorted."""
    rules = []
    for lim in sorted(limits, key=lambda x: (x.team, x.model or "")):
        if lim.requests_per_minute is not None:
            rules.append({"clientSelectors": _selectors(lim),
                          "limit": {"requests": lim.requests_per_minute, "unit": "Minute"}})
        if lim.tokens_per_minute is not None:
            rules.append({"clientSelectors": _selectors(lim),
                          "limit": {"requests": lim.tokens_per_minute, "unit": "Minute"},
                          "cost": {"request": {"from": "Number", "number": 0},
                                   "response": {"from": "Metadata", "metadata": {
                                       "namespace": AI_METADATA_NAMESPACE, "key": TOKEN_COST_KEY}}}})
    return rules


def traffic_policy_spec(gateway: str, limits: Iterable[Limit]) -> dict[str, Any]:
    """BackendTrafficPolicy on the Gateway: the global limits, and a JSON body on their 429."""
    return {
        "targetRefs": [_parent(gateway)],
        "rateLimit": {"type": "Global", "global": {"rules": rate_limit_rules(limits)}},
        "responseOverride": [{"match": {"statusCodes": [{"type": "Value", "value": 429}]},
                              "response": {"contentType": "application/json",
                                           "body": {"type": "Inline", "inline": RATE_LIMITED_BODY}}}],
    }


def team_limits(teams: Mapping[str, Any], served: Mapping[str, str]) -> list[Limit]:
    """Limits from ``teams.<name>.limits`` (objects with tokens_per_minute, requests_per_minute, models);
    ``served`` maps endpoint keys to the model names clients send."""
    out = []
    for team, lim in teams.items():
        if lim is None:
            continue
        if lim.tokens_per_minute is not None or lim.requests_per_minute is not None:
            out.append(Limit(team, None, lim.tokens_per_minute, lim.requests_per_minute))
        for key, per in lim.models.items():
            out.append(Limit(team, served[key], per.tokens_per_minute, per.requests_per_minute))
    return out


# --- authentication and metering ------------------------------------------------------------------------
def key_secret_name(team: str) -> str:
    return f"gateway-key-{team}"


def security_policy_spec(route: ModelRoute) -> dict[str, Any]:
    """SecurityPolicy on one route: only the keys of the teams allowed the model are accepted (401 for any
    other key); the key's client id (the team) is forwarded in TEAM_HEADER for the limits and the logs, and
    the key itself is stripped before the request reaches the model server."""
    target = [{"group": "gateway.networking.k8s.io" if route.mirror else "aigateway.envoyproxy.io",
               "kind": route.kind, "name": route.endpoint}]
    if not route.teams:  # no team may call the model: every request is refused (403)
        return {"targetRefs": target, "authorization": {"defaultAction": "Deny"}}
    return {
        "targetRefs": target,
        "apiKeyAuth": {
            "credentialRefs": [{"group": "", "kind": "Secret", "name": key_secret_name(t)} for t in route.teams],
            "extractFrom": [{"headers": ["Authorization"]}],
            "forwardClientIDHeader": TEAM_HEADER,
            "sanitize": True,
        },
    }


# Access log: one JSON line per request with the team, the model and the token counts; never a body (the
# prompt and completion are not log fields). Envoy command operators:
# https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#command-operators
ACCESS_LOG_FIELDS: dict[str, str] = {
    "start_time": "%START_TIME%",
    "team": f"%REQ({TEAM_HEADER})%",
    "model": f"%REQ({MODEL_HEADER})%",
    "route": "%ROUTE_NAME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(:PATH)%",
    "status": "%RESPONSE_CODE%",
    "response_flags": "%RESPONSE_FLAGS%",
    "duration_ms": "%DURATION%",
    "upstream": "%UPSTREAM_HOST%",
    "request_id": "%REQ(X-REQUEST-ID)%",
    "prompt_tokens": f"%DYNAMIC_METADATA({AI_METADATA_NAMESPACE}:llm_input_token)%",
    "completion_tokens": f"%DYNAMIC_METADATA({AI_METADATA_NAMESPACE}:llm_output_token)%",
    "total_tokens": f"%DYNAMIC_METADATA({AI_METADATA_NAMESPACE}:llm_total_token)%",
}
# The AI gateway's metrics (gen_ai_client_token_usage, gen_ai_server_request_duration, ...) carry the team as
# a label: controller.metricsRequestHeaderAttributes maps the header to it (ai-gateway-helm values).
METRICS_TEAM_LABEL = "team"
