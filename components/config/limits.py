"""Caps on a stack file, so that a hostile or careless file is refused quickly with a message, never a traceback,
an exhausted stack or gigabytes of memory. Documented in README.md ("The stack config").

The YAML caps are enforced while loading (``stack_file.StackLoader``), the count caps by the models
(``max_length``); ``COUNT_LIMITS`` gives each count cap its reason for the message.
"""

from __future__ import annotations

MAX_FILE_BYTES = 1024 * 1024  # a stack file is a few KB; 1 MiB is far beyond any real one
MAX_BASELINE_BYTES = 16 * 1024 * 1024  # a baseline lists one entry per accepted finding
MAX_DEPTH = 50  # nesting of mappings and sequences, counted from the top of the file (the zone is at level 3)
MAX_VALUES = 50_000  # keys, list items and scalars: a real stack has hundreds; parsing 50,000 takes about a second
MAX_ALIASES = 100  # YAML aliases (*name) in one file
MAX_ALIAS_EXPANSION = 10_000  # values YAML aliases may add when expanded (a "billion laughs" adds 10**9)

# AWS and Azure take 50 tags per resource; the zone adds its own (llmops-zone, environment, managed-by) and some
# resources more (Name, the autoscaler's discovery tags), so the stack's own tags stop at 40.
MAX_TAGS = 40
MAX_GPU_POOLS = 100
MAX_ENDPOINTS = 200
MAX_VECTOR_STORES = 50
MAX_TEAMS = 200
MAX_TEAM_MEMBERS = 500
MAX_SUPPRESSIONS = 500

# last key of the path -> (cap, what is counted, why)
COUNT_LIMITS: dict[str, tuple[int, str, str]] = {
    "tags": (MAX_TAGS, "tags", "AWS and Azure take 50 per resource, and the zone adds up to 10 of its own"),
    "gpuPools": (MAX_GPU_POOLS, "GPU pools", "the landing zone's cap"),
    "endpoints": (MAX_ENDPOINTS, "endpoints", "the landing zone's cap"),
    "vectorStores": (MAX_VECTOR_STORES, "vector stores", "the landing zone's cap"),
    "teams": (MAX_TEAMS, "teams", "the landing zone's cap"),
    "members": (MAX_TEAM_MEMBERS, "members per team", "the landing zone's cap"),
    "suppressions": (MAX_SUPPRESSIONS, "suppressions", "the landing zone's cap"),
}


def count_message(key: str, actual: object) -> str | None:
    """The message for a collection over its cap, or None when ``key`` has no documented cap."""
    if key not in COUNT_LIMITS:
        return None
    cap, what, why = COUNT_LIMITS[key]
    got = f"; got {actual}" if isinstance(actual, int) else ""
    return f"at most {cap} {what} ({why}){got}"
