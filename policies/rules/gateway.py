"""AI gateway guardrails: every route to a model authenticates its callers, and every team that holds a key has
limits (components/k8s/gateway.py builds both; these rules catch a plan where either is lost or was never set).

Routes are the AIGatewayRoutes and HTTPRoutes attached to a Gateway; a route is authenticated when a
SecurityPolicy targets it with API keys (apiKeyAuth with at least one key Secret), JWT, or an authorization that
denies by default. A team is a client id of those API keys (the key Secret ``gateway-key-<team>``); its limits are
the global rate-limit rules of a BackendTrafficPolicy selecting it by the team header.
"""

from __future__ import annotations

from collections.abc import Iterator

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.components.k8s.gateway_routes import TEAM_HEADER, key_secret_name
from llmops_landing_zone.policies.base import PROD, Context, Stack, stack_rule
from llmops_landing_zone.policies.values import get, is_unknown, listed

KEY_SECRET_PREFIX = key_secret_name("")


def _authenticates(spec: dict) -> bool:
    keys = get(spec, "apiKeyAuth.credentialRefs")
    if is_unknown(keys) or listed(keys):
        return True
    if get(spec, "jwt.providers"):
        return True
    return get(spec, "authorization.defaultAction") == "Deny" and not listed(get(spec, "authorization.rules"))


def _targets(spec: dict) -> set[tuple[str, str]]:
    return {(ref.get("kind", ""), ref.get("name", "")) for ref in listed(get(spec, "targetRefs"))
            if isinstance(ref, dict)}


@stack_rule(
    name="gateway-authenticated", scope="multi-cloud", types=[*t.K8S_GATEWAY_ROUTES, t.K8S_EG_SECURITY_POLICY],
    severity="high", enforcement=PROD,
    description="Every AI gateway route to a model authenticates its callers (a team's API key, or JWT).",
    remediation="Keep gateway.authentication: api-key (the default): the zone puts a SecurityPolicy with the "
                "allowed teams' keys on every route.",
    config_path="gateway.authentication")
def gateway_authenticated(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    covered: set[tuple[str, str]] = set()
    for policy in stack.of_type(t.K8S_EG_SECURITY_POLICY):
        spec = get(policy.props, "spec", {})
        if is_unknown(spec):
            return  # not known until apply: nothing to judge
        refs = listed(get(spec, "targetRefs"))
        if any(is_unknown(r) or (isinstance(r, dict) and any(map(is_unknown, r.values()))) for r in refs):
            return
        if isinstance(spec, dict) and _authenticates(spec):
            covered |= _targets(spec)
    for route in stack.of_type(*t.K8S_GATEWAY_ROUTES):
        kind, name = get(route.props, "kind"), get(route.props, "metadata.name")
        if is_unknown(name) or is_unknown(kind):
            continue
        if (kind, name) not in covered:
            yield f"gateway route {name} ({kind}) accepts requests without authentication", route.urn


def limited_teams(stack: Stack) -> set[str] | None:
    """Teams selected by a global rate-limit rule of a BackendTrafficPolicy (by the team header); None when a
    rule is not known until apply."""
    teams = set()
    for policy in stack.of_type(t.K8S_EG_BACKEND_TRAFFIC_POLICY):
        for rule in listed(get(policy.props, "spec.rateLimit.global.rules")):
            for selector in listed(get(rule, "clientSelectors")):
                for header in listed(get(selector, "headers")):
                    if is_unknown(header) or (isinstance(header, dict) and is_unknown(header.get("value"))):
                        return None
                    if isinstance(header, dict) and header.get("name") == TEAM_HEADER and header.get("value"):
                        teams.add(header["value"])
    return teams


@stack_rule(
    name="gateway-team-limits", scope="multi-cloud", types=[t.K8S_SECRET, t.K8S_EG_BACKEND_TRAFFIC_POLICY],
    severity="medium", enforcement=PROD,
    description="Every team holding an AI gateway key has limits: tokens or requests per minute.",
    remediation="Set teams.<name>.limits (tokensPerMinute, requestsPerMinute, or per model) for the team.",
    config_path="teams.<name>.limits")
def gateway_team_limits(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    limited = limited_teams(stack)
    if limited is None:
        return
    for secret in stack.of_type(t.K8S_SECRET):
        name = get(secret.props, "metadata.name")
        if isinstance(name, str) and name.startswith(KEY_SECRET_PREFIX):
            team = name.removeprefix(KEY_SECRET_PREFIX)
            if team not in limited:
                yield f"team {team} can call the AI gateway without tokens or requests per minute limits", secret.urn
