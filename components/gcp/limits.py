"""GCP limits that config validation checks before anything is planned (no provider SDK import here).

Each function returns a problem message or None; ``components/config/checks.py`` attaches the key path.
The components use the same constants, so the check and the code cannot drift apart.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# The zone's CIDR feeds GKE's pod range (a quarter of it) and private services access (an eighth, and AlloyDB
# needs at least a /24), see components/gcp/network.py.
MIN_CIDR_PREFIX = 20
# Cloud Billing budgets notify at most five Cloud Monitoring channels (AllUpdatesRule).
MAX_BUDGET_CHANNELS = 5
# The GKE system node pool is the zone's pool named "system" (components/gcp/cluster.py).
SYSTEM_POOL_KEY = "system"


def cidr_problem(cidr: str) -> str | None:
    prefix = ipaddress.ip_network(cidr).prefixlen
    if prefix > MIN_CIDR_PREFIX:
        return (f"{cidr} is too small for a GCP zone: use a /{MIN_CIDR_PREFIX} or larger, so GKE pods get a "
                "/22 and private services access a /24 or more")
    return None


def budget_channels_problem(emails: list[str]) -> str | None:
    if len(emails) > MAX_BUDGET_CHANNELS:
        return (f"GCP budgets notify at most {MAX_BUDGET_CHANNELS} email channels; {len(emails)} are listed "
                "(use a group address)")
    return None


def group_domains(members: Iterable[str]) -> list[str]:
    """The domains of the ``group:`` IAM members, sorted."""
    return sorted({m.split("@", 1)[1].lower() for m in members if m.startswith("group:")})


def group_domains_problem(domains: list[str]) -> str | None:
    """Google Groups for RBAC reads one security group per cluster (gke-security-groups@<domain>), so every
    ``group:`` member must belong to that one domain."""
    if len(domains) > 1:
        return (f"group: members span several domains ({', '.join(domains)}); Google Groups for RBAC uses "
                "one gke-security-groups@<domain> per cluster, so use groups of one domain")
    return None


def reserved_pool_problem() -> str:
    return (f"'{SYSTEM_POOL_KEY}' names the GKE system node pool, and a vllm endpoint without a pool gets a "
            "pool of its own key; rename the endpoint or set its pool")
