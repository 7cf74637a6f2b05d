"""Each type token is defined once, in components/tokens.py, and is the name the SDK gives it.

Every string constant there equals the ``pulumi_type`` of the SDK class its token names (resources), or names an
SDK function that invokes it (``get...``/``list...`` tokens). The price rules, the policy pack and the offline
mocks use the constants: no string literal that looks like a type token is left in them.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components import tokens

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"^(aws|gcp|azure-native|kubernetes|grafana|random):[\w/.-]+:\w+$")
PACKAGES = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "azure-native": "pulumi_azure_native",
            "kubernetes": "pulumi_kubernetes", "grafana": "pulumiverse_grafana", "random": "pulumi_random"}

# Tokens the price rules still recognise although the pinned SDKs have no class for them; they are priced or
# matched, never created. Token -> the constant whose SDK class lists it as an alias (plans recorded before
# azure-native 3 moved the resource), or None when no class or alias of the pinned SDK names it.
NO_SDK_CLASS: dict[str, str | None] = {
    tokens.AZURE_INSIGHTS_ACTION_GROUP: tokens.AZURE_ACTION_GROUP,
    tokens.AZURE_INSIGHTS_DIAGNOSTIC_SETTING: tokens.DIAGNOSTIC_SETTING,
    tokens.AZURE_NETWORK_VIRTUAL_NETWORK_LINK: tokens.AZURE_PRIVATE_ZONE_VIRTUAL_NETWORK_LINK,
    tokens.AZURE_NETWORK_PRIVATE_DNS_ZONE: None,  # the private DNS zone is privatedns:PrivateZone
    tokens.AZURE_STORAGE_ACCOUNT_MANAGEMENT_POLICY: None,  # the storage policy is storage:ManagementPolicy
    # Custom resources: pulumi-kubernetes registers them through apiextensions.CustomResource under these types.
    tokens.K8S_KEDA_SCALED_OBJECT: None,
    tokens.K8S_KEDA_TRIGGER_AUTHENTICATION: None,
    tokens.K8S_GMP_POD_MONITORING: None,
    tokens.K8S_GMP_CLUSTER_RULES: None,
    tokens.K8S_AZURE_POD_MONITOR: None,
    tokens.K8S_GATEWAY_CLASS: None,
    tokens.K8S_GATEWAY: None,
    tokens.K8S_HTTP_ROUTE: None,
    tokens.K8S_EG_ENVOY_PROXY: None,
    tokens.K8S_EG_BACKEND: None,
    tokens.K8S_EG_SECURITY_POLICY: None,
    tokens.K8S_EG_BACKEND_TRAFFIC_POLICY: None,
    tokens.K8S_AIGW_ROUTE: None,
    tokens.K8S_AIGW_SERVICE_BACKEND: None,
}
# Literals that match the token pattern without being type tokens.
NOT_TOKENS = {
    "aws:kms:dsse",  # an S3 server-side encryption algorithm (policies/rules/encryption.py)
}

CONSTANTS = {name: value for name, value in vars(tokens).items() if name.isupper()}
STRINGS = {name: value for name, value in CONSTANTS.items() if isinstance(value, str)}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _sdk_object(token: str) -> Any:
    """The SDK class (or invoke function) a token names: provider -> package, module -> submodule, name."""
    provider, module, name = token.split(":")
    parts: list[str]
    if provider == "kubernetes":  # "rbac.authorization.k8s.io/v1" -> rbac.v1, "core/v1" -> core.v1
        group, version = module.split("/")
        parts = [group.split(".")[0], version]
    elif provider == "azure-native":
        parts = [module]
    else:  # "eks/cluster" -> eks, "index/getRegion" -> the package itself
        parts = [] if module.split("/")[0] == "index" else [module.split("/")[0]]
    try:
        mod = importlib.import_module(".".join([PACKAGES[provider], *parts]))
    except ModuleNotFoundError:
        return None
    return getattr(mod, name if name[0].isupper() else _snake(name), None)


@pytest.mark.parametrize("name", sorted(STRINGS))
def test_every_constant_is_the_sdk_type_token(name: str) -> None:
    token = STRINGS[name]
    assert TOKEN.match(token), f"{name} = {token!r} is not shaped like a type token"
    obj = _sdk_object(token)
    if token in NO_SDK_CLASS:
        assert obj is None, f"{name}: the SDK now has {obj}; drop it from NO_SDK_CLASS"
        if (current := NO_SDK_CLASS[token]) is not None:
            assert f'Alias(type_="{token}")' in inspect.getsource(_sdk_object(current)), f"{name}: not an alias"
        return
    assert obj is not None, f"{name} = {token!r}: no such class or function in the SDK"
    if inspect.isclass(obj):
        assert obj.pulumi_type == token, f"{name}: the SDK's class is {obj.pulumi_type!r}"
    else:
        assert f"'{token}'" in inspect.getsource(obj), f"{name}: {obj.__qualname__} does not invoke {token!r}"


def test_every_token_is_defined_once() -> None:
    seen: dict[str, str] = {}
    for name, value in STRINGS.items():
        assert value not in seen, f"{value!r} is both {seen[value]} and {name}"
        seen[value] = name


def test_groups_are_made_of_constants() -> None:
    for name, value in CONSTANTS.items():
        if isinstance(value, tuple):
            assert value and all(v in STRINGS.values() for v in value), name


def _token_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and TOKEN.match(node.value)
            and node.value not in NOT_TOKENS]


USERS = sorted([*(ROOT / "components" / "finops").glob("*.py"), *(ROOT / "policies").rglob("*.py"),
                *(ROOT / "llz" / "mocks").glob("*.py")])


def test_the_users_have_no_token_literals() -> None:
    assert USERS
    assert [hit for path in USERS for hit in _token_literals(path)] == []


def test_policies_tokens_is_an_alias_of_components_tokens() -> None:
    from llmops_landing_zone.policies import tokens as legacy

    names = [n for n in vars(legacy) if n.isupper()]
    assert names and all(getattr(legacy, n) is CONSTANTS[n] for n in names)
