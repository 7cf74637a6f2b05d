"""Azure names built by this package and their service limits (checked at config validation).

Every name with a limit a 12-character zone name plus a 16-character key can hit is a rule here, and the
components build those names through ``rule.render`` so the check cannot drift from the code.

Globally unique names (Key Vault, storage, AI Search, Cosmos DB: they become DNS names under vault.azure.net,
blob.core.windows.net, search.windows.net, documents.azure.com; Azure ML online endpoints are unique per
region) carry a 6-hex-character suffix derived from the subscription id (``subscription_suffix``): the same
stack in the same subscription always renders the same names (stable URNs and physical names, no random
part), while the same zone name in another subscription (e.g. dev and prod both called ``acme-llm``) does not
collide. Config validation renders the suffix as six placeholder characters, so the length check is exact.
Limits: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from llmops_landing_zone.components.naming import NameRule

SUFFIX_LEN = 6


def subscription_suffix(subscription_id: str) -> str:
    """Six lowercase hex characters, a pure function of the subscription id (valid in every Azure name)."""
    return hashlib.sha256(subscription_id.lower().encode()).hexdigest()[:SUFFIX_LEN]


@dataclass(frozen=True)
class SuffixedNameRule(NameRule):
    """A globally unique name: ``template`` plus ``-<suffix>`` (or ``<suffix>`` for alphanumeric names)."""

    def render(self, zone: str, key: str = "", suffix: str | None = None) -> str:
        sfx = suffix if suffix is not None else "0" * SUFFIX_LEN
        assert len(sfx) == SUFFIX_LEN and re.fullmatch(r"[a-z0-9]+", sfx), sfx
        base = super().render(zone, key)
        return f"{base}{sfx}" if self.alnum else f"{base}-{sfx}"


# Key Vault: 3-24, letters, digits and hyphens, globally unique.
KEY_VAULT = SuffixedNameRule("Key Vault", "{zone}-kv", 24, min_len=3)
ML_KEY_VAULT = SuffixedNameRule("Key Vault", "{zone}-mlkv", 24, min_len=3)
# Storage accounts: 3-24 lowercase letters and digits, globally unique.
AUDIT_STORAGE = SuffixedNameRule("storage account", "{zone}audit", 24, alnum=True, min_len=3)
MODEL_STORAGE = SuffixedNameRule("storage account", "{zone}models", 24, alnum=True, min_len=3)
ML_STORAGE = SuffixedNameRule("storage account", "{zone}mlws", 24, alnum=True, min_len=3)
# AKS: Linux agent pool names are 1-12 lowercase letters and digits, starting with a letter.
# Container registries: 5-50 letters and digits, globally unique.
CONTAINER_REGISTRY = SuffixedNameRule("container registry", "{zone}acr", 50, alnum=True, min_len=5)
AGENT_POOL = NameRule("AKS agent pool", "{key}", 12, over="gpuPools", alnum=True)
SYSTEM_POOL = "system"  # the system agent pool; a GPU pool key may not render to it (checks.py)
AKS_CLUSTER = NameRule("AKS cluster", "{zone}-aks", 63)
AKS_NODE_RESOURCE_GROUP = NameRule("resource group", "{zone}-aks-nodes", 80)
# AI Search: 2-60 lowercase letters, digits and hyphens; Cosmos DB accounts: 3-44.
SEARCH_SERVICE = SuffixedNameRule("AI Search service", "{zone}-{key}", 60, over="vectorStores", min_len=2,
                                  engine="ai-search")
COSMOS_ACCOUNT = SuffixedNameRule("Cosmos DB account", "{zone}-{key}", 44, over="vectorStores", min_len=3,
                                  engine="cosmosdb")
# Azure ML: workspaces 3-33; online endpoints 3-32 and unique per region. Only managed endpoints get one, so
# the endpoint rule is checked by checks.py for those only (a vLLM endpoint key may be longer).
ML_WORKSPACE = NameRule("Azure ML workspace", "{zone}-mlw", 33, min_len=3)
ML_ENDPOINT = SuffixedNameRule("Azure ML online endpoint", "{zone}-{key}", 32, min_len=3)
# Action group short names are at most 12 characters (what an SMS or email shows as the sender).
DEPLOY_RUNNER_JOB = NameRule("Container Apps job", "{zone}-deploy", 32)  # also the runner's label
ACTION_GROUP_SHORT = NameRule("action group short name", "{zone}", 12)

NAME_RULES = [
    KEY_VAULT, ML_KEY_VAULT, AUDIT_STORAGE, MODEL_STORAGE, ML_STORAGE, AGENT_POOL, AKS_CLUSTER,
    AKS_NODE_RESOURCE_GROUP, SEARCH_SERVICE, COSMOS_ACCOUNT, ML_WORKSPACE, ACTION_GROUP_SHORT,
    DEPLOY_RUNNER_JOB,
]
