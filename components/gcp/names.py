"""GCP names built by this package and their service limits (checked at config validation)."""

from components.naming import NameRule

NODE_SERVICE_ACCOUNT = NameRule("service account id", "{zone}-{key}", 30, over="gpuPools", min_len=6)
ENDPOINT_SERVICE_ACCOUNT = NameRule("service account id", "{zone}-ep-{key}", 30, over="endpoints", min_len=6)
NODE_POOL = NameRule("GKE node pool", "{zone}-{key}", 40, over="gpuPools")
ALLOYDB_CLUSTER = NameRule("AlloyDB cluster id", "{zone}-{key}", 63, over="vectorStores")
GKE_CLUSTER = NameRule("GKE cluster", "{zone}", 40)

NAME_RULES = [NODE_SERVICE_ACCOUNT, ENDPOINT_SERVICE_ACCOUNT, NODE_POOL, ALLOYDB_CLUSTER, GKE_CLUSTER]
