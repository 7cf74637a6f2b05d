"""How a zone with a private API server is deployed from CI: two passes of one stack, computed from its plan.

A prod zone's Kubernetes API server is private (EKS private endpoint, AKS private cluster), so a hosted CI runner
cannot create the in-cluster layer. The deploy workflow therefore runs ``pulumi up`` twice on the same stack:

1. the **cloud pass**, from a hosted runner with the deploy role:
   ``pulumi up --exclude <each Kubernetes provider> --exclude-dependents``: everything but the in-cluster layer,
   including the deploy runner that sits in the zone's network;
2. the **cluster pass**, from that runner inside the network:
   ``pulumi up --target <each Kubernetes provider> --target-dependents``: the in-cluster layer only.

Pulumi skips untargeted resources that do not exist yet and does not configure untargeted providers
(pulumi/pulumi#12628, #24259), so each pass needs only its own credentials and network path. ``--exclude`` and
``--target`` with ``-dependents`` follow the engine's dependency relation: explicit and property dependencies,
the parent and the provider of a resource. This module computes the same closure so the tests can hold the
split: the cloud pass never needs something only the cluster pass creates, and the cluster pass creates as few
cloud resources as possible (each one needs a permission on the runner's role).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from llmops_landing_zone.components.plan import Plan, PlannedResource

KUBERNETES_PROVIDER = "pulumi:providers:kubernetes"
# Amazon/Azure Managed Grafana answer only inside the zone's network too (components/<cloud>/dashboards.py): their
# API objects (data source, dashboard) go with the in-cluster layer, from the runner.
GRAFANA_PROVIDER = "pulumi:providers:grafana"
IN_NETWORK_PROVIDERS = (KUBERNETES_PROVIDER, GRAFANA_PROVIDER)
IN_NETWORK_TYPES = ("kubernetes:", "grafana:")  # objects of an in-network API, not cloud resources


def provider_urn(r: PlannedResource) -> str | None:
    """A provider reference is ``<urn>::<id>`` (Pulumi's form) or the URN alone (the offline plan's); a URN has
    three ``::`` separators (urn:pulumi:<stack>::<project>::<type>::<name>)."""
    if not r.provider:
        return None
    return r.provider.rsplit("::", 1)[0] if r.provider.count("::") > 3 else r.provider


def depends_on(r: PlannedResource) -> set[str]:
    """What Pulumi's --target-dependents / --exclude-dependents count as the resources ``r`` depends on."""
    out = set(r.dependencies)
    if r.parent:
        out.add(r.parent)
    if (p := provider_urn(r)) is not None:
        out.add(p)
    return out


@dataclass(frozen=True)
class Passes:
    cluster_providers: tuple[str, ...]  # the URNs the two `pulumi up` commands name
    in_cluster: frozenset[str]  # the providers and everything depending on them: the cluster pass
    cloud: frozenset[str]  # everything else: the cloud pass

    def cloud_resources_in_cluster_pass(self, plan: Plan) -> list[PlannedResource]:
        """Cloud resources (not Kubernetes objects, providers or components) the cluster pass creates."""
        return [r for r in plan.resources if r.urn in self.in_cluster and r.custom and not r.is_provider
                and not r.type.startswith(IN_NETWORK_TYPES)]

    def cloud_pass_leaks(self, plan: Plan) -> list[tuple[str, str]]:
        """(resource, dependency) pairs where the cloud pass would need something only the cluster pass creates.
        Empty by construction of the closure; kept as the invariant the tests state."""
        return [(r.urn, d) for r in plan.resources if r.urn in self.cloud
                for d in depends_on(r) if d in self.in_cluster]


def passes(plan: Plan) -> Passes:
    dependents: dict[str, set[str]] = defaultdict(set)
    for r in plan.resources:
        for d in depends_on(r):
            dependents[d].add(r.urn)
    providers = tuple(sorted(r.urn for r in plan.resources if r.type in IN_NETWORK_PROVIDERS))
    layer, todo = set(providers), list(providers)
    while todo:
        for v in dependents.get(todo.pop(), ()):
            if v not in layer:
                layer.add(v)
                todo.append(v)
    every = {r.urn for r in plan.resources}
    return Passes(providers, frozenset(layer), frozenset(every - layer))
