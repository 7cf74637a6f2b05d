"""Config changes that cannot be applied in place to what users stored: refused when a stack file is validated
against its previous version (``llz validate STACK --against BASE``, run by the PR workflow against the base
branch), because the clouds would replace the resource (and its data) or not apply the change at all.

- ``name``, ``cloud`` and the region rename or move every resource, stateful ones included;
- a vector store's ``engine``, ``dimensions`` or ``metric``: AWS and Azure do not apply a new dimension count to
  an existing index, GCP refuses or rebuilds it; the vectors stored were embedded for the old one.
"""

from __future__ import annotations

from llmops_landing_zone.components.config.checks import REGION_KEY
from llmops_landing_zone.components.config.models import ZoneConfig

Issue = tuple[str, str]
NEW_STORE = ("add a new store under another key (e.g. {key}-v2) with the new {field}, re-embed into it, switch "
             "readers, then remove '{key}'")


def change_issues(before: ZoneConfig, after: ZoneConfig) -> list[Issue]:
    issues: list[Issue] = []
    for field, what in (("name", "renames every resource of the zone"), ("cloud", "moves the zone to another cloud"),
                        ("region", "moves every resource to another region")):
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            issues.append((f"@{REGION_KEY[after.cloud]}" if field == "region" else field,
                           (f"was {old!r}, now {new!r}: this {what}, replacing stateful resources and their data; "
                           "create a new stack for the new zone instead")))
    for key, store in after.vector_stores.items():
        old_store = before.vector_stores.get(key)
        if old_store is None:
            continue
        for field in ("engine", "dimensions", "metric"):
            old, new = getattr(old_store, field), getattr(store, field)
            if old != new:
                issues.append((f"vectorStores.{key}.{field}",
                               f"was {old!r}, now {new!r}: an existing vector store cannot change its {field} in "
                               f"place; " + NEW_STORE.format(key=key, field=field)))
    return issues
