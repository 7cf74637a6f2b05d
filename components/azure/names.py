"""Azure names built by this package and their service limits (checked at config validation)."""

from components.naming import NameRule

KEY_VAULT = NameRule("Key Vault", "{zone}-kv", 24, min_len=3)
AUDIT_STORAGE = NameRule("storage account", "{zone}audit", 24, alnum=True, min_len=3)
MODEL_STORAGE = NameRule("storage account", "{zone}models", 24, alnum=True, min_len=3)
AGENT_POOL = NameRule("AKS agent pool", "{key}", 12, over="gpuPools", alnum=True)
SEARCH_SERVICE = NameRule("AI Search service", "{zone}-{key}", 60, over="vectorStores", min_len=2)
COSMOS_ACCOUNT = NameRule("Cosmos DB account", "{zone}-{key}", 44, over="vectorStores", min_len=3)
AKS_CLUSTER = NameRule("AKS cluster", "{zone}-aks", 63)

NAME_RULES = [KEY_VAULT, AUDIT_STORAGE, MODEL_STORAGE, AGENT_POOL, SEARCH_SERVICE, COSMOS_ACCOUNT, AKS_CLUSTER]
