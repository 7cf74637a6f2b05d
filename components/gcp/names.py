"""GCP names built by this package and their service limits (checked at config validation).

Every name with a limit tight enough to be hit by a 12-character zone name plus a 16-character key is a
``NameRule``; the components build those names through ``rule.render``, so the check cannot drift from the
code. Service account ids (6-30 chars, https://cloud.google.com/iam/docs/service-accounts-create) carry a
distinct infix per purpose (``np`` node pool, ``ep`` endpoint), so a pool and an endpoint with the same key
never collide.
"""

from llmops_landing_zone.components.naming import NameRule

# Service account ids: ^[a-z][a-z0-9-]{4,28}[a-z0-9]$
NODE_SERVICE_ACCOUNT = NameRule("service account", "{zone}-np-{key}", 30, over="gpuPools", min_len=6)
SYSTEM_NODE_SERVICE_ACCOUNT = NameRule("service account", "{zone}-nodes", 30, min_len=6)
ENDPOINT_SERVICE_ACCOUNT = NameRule("service account", "{zone}-ep-{key}", 30, over="endpoints", min_len=6)
# GKE: cluster and node pool names are at most 40 characters.
GKE_CLUSTER = NameRule("GKE cluster", "{zone}", 40)
NODE_POOL = NameRule("GKE node pool", "{zone}-gpu-{key}", 40, over="gpuPools")  # never "{zone}-system"
SYSTEM_NODE_POOL = NameRule("GKE node pool", "{zone}-system", 40)
# AlloyDB cluster and instance ids: RFC 1035, at most 63 characters.
ALLOYDB_CLUSTER = NameRule("AlloyDB cluster", "{zone}-{key}", 63, over="vectorStores")
ALLOYDB_INSTANCE = NameRule("AlloyDB instance", "{zone}-{key}-primary", 63, over="vectorStores")
# Custom IAM role ids: [a-zA-Z0-9_.]{3,64}, no hyphen (rendered with underscores by rbac.py).
CUSTOM_ROLE = NameRule("custom IAM role", "llmops_{zone}_{key}", 64, min_len=3)
# Vertex AI Vector Search deployed index ids: a letter, then letters, digits and underscores, at most 128.
DEPLOYED_INDEX = NameRule("Vertex AI deployed index", "{zone}_{key}", 128, over="vectorStores")

NAME_RULES = [
    NODE_SERVICE_ACCOUNT, SYSTEM_NODE_SERVICE_ACCOUNT, ENDPOINT_SERVICE_ACCOUNT, GKE_CLUSTER, NODE_POOL,
    SYSTEM_NODE_POOL, ALLOYDB_CLUSTER, ALLOYDB_INSTANCE, DEPLOYED_INDEX,
]


def underscored(name: str) -> str:
    """Ids that allow no hyphen (custom roles, deployed indexes) take the same name with underscores."""
    return name.replace("-", "_")
