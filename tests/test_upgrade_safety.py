"""Upgrade safety: a stack deployed with an earlier release keeps its resources, and routine config edits
change resources in place instead of replacing them (or rolling GPU nodes).

Release records
---------------
``tests/releases/<version>/<stack>.urns`` holds, one per line and sorted, every URN the reference stack
``<stack>`` planned in release ``<version>``. Each recorded URN must still be planned, or be named in the
``aliases`` of a resource planned now (Pulumi then moves the state instead of deleting the resource), or be
listed in ``REMOVED_ON_PURPOSE`` with the reason. URNs hold no versions or other config values, so the
reference stacks may change their values (e.g. Kubernetes 1.31 -> 1.35) and still be compared by name.

To record the next release (after tagging it, from a clean checkout of this repository)::

    git worktree add /tmp/rel <release commit>
    python3.11 -m venv /tmp/rel/.venv && /tmp/rel/.venv/bin/pip install -q -e /tmp/rel
    LLZ_TODAY=<date the release's stacks are valid on> /tmp/rel/.venv/bin/python -c '
    from pathlib import Path
    from llmops_landing_zone.llz import offline   # releases before the rename: from llz import offline
    out = Path("/path/to/repo/tests/releases/<version>"); out.mkdir(parents=True, exist_ok=True)
    for s in offline.all_stacks():
        urns = sorted(r.urn for r in offline.plan(s).resources)
        (out / f"{s}.urns").write_text("".join(u + "\\n" for u in urns))'
    git worktree remove --force /tmp/rel

(a virtualenv of its own, so the release's code is planned, not this checkout's editable install).
Keep the older records: a user may upgrade from any of them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from llmops_landing_zone.components import sizing
from llmops_landing_zone.components.aws.cluster import STABLE_TAG_KEYS
from llmops_landing_zone.components.common import ENV_TAG, MANAGED_BY_TAG, ZONE_TAG
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.gpu_pool import PREVIOUS_NAMES
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import engine, offline

RELEASES = Path(__file__).parent / "releases"
RECORDS = sorted(RELEASES.glob("*/*.urns"))

# Recorded URNs whose resources a later landed change removed on purpose (so no alias can stand for them).
REMOVED_ON_PURPOSE: dict[str, str] = {
    # c5bd2f0 (Isolation): AKS teams get Kubernetes RBAC only. The "AKS RBAC Reader/Writer/Admin" assignments on
    # the team namespace were dropped, because Writer/Admin let a developer delete the zone's default-deny
    # NetworkPolicy; what a team may do in the cluster is now the namespace's Kubernetes Role.
    **{f"urn:pulumi:{stack}::llmops-landing-zone::llmops:index:LandingZone$llmops:azure:TeamAccess$azure-native:authorization:"
       f"RoleAssignment::acme-llm-team-{team}-aks-ns-{oid}": "AKS namespace Azure RBAC role removed (c5bd2f0)"
       for stack, team, oid in (
           ("azure-dev", "research", "3f2a9c1e-7b4d-4e8a-9c61-2d5f8b0a1e34"),
           ("azure-prod", "analysts", "d91b6e2f-4c7a-4f18-8e3b-5a0c2d7f9e61"),
           ("azure-prod", "platform", "8c4e1b7a-2d9f-4a63-b5e0-6f1a3c9d2b87"),
           ("azure-prod", "research", "3f2a9c1e-7b4d-4e8a-9c61-2d5f8b0a1e34"),
       )},
    # c5bd2f0 also stopped creating AWS team roles for teams without members; no reference stack has such a
    # team, so none is recorded here.
    # Serving observability: with observability on (the default), KEDA's ScaledObject owns each vLLM endpoint's
    # HPA (named after the endpoint, created by KEDA in the cluster), so the zone's own CPU HPA is removed.
    **{u: "CPU HPA replaced by the endpoint's KEDA ScaledObject (serving observability)"
       for f in (Path(__file__).with_name("releases")).glob("*/*.urns")
       for u in f.read_text().split() if "HorizontalPodAutoscaler" in u},
}

_plans: dict[str, Plan] = {}


def plan_of(stack: str) -> Plan:
    """Each reference stack planned once per test process."""
    if stack not in _plans:
        _plans[stack] = offline.plan(stack)
    return _plans[stack]


def covered(plan: Plan) -> set[str]:
    """URNs a deployment of ``plan`` keeps: its own and every alias it names."""
    return {r.urn for r in plan.resources} | {a for r in plan.resources for a in r.aliases}


# --- earlier releases ------------------------------------------------------------------------------------------

def test_every_reference_stack_has_a_record() -> None:
    assert RECORDS, "no release records under tests/releases/"
    recorded = {p.stem for p in RECORDS}
    assert recorded <= set(offline.all_stacks()), recorded - set(offline.all_stacks())
    for release in {p.parent for p in RECORDS}:
        assert {p.stem for p in release.glob("*.urns")} == set(offline.all_stacks()), release.name


@pytest.mark.parametrize("record", RECORDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_recorded_urn_disappears_without_an_alias(record: Path) -> None:
    stack = record.stem
    recorded = record.read_text().split()
    assert recorded == sorted(set(recorded)) and all(u.startswith(f"urn:pulumi:{stack}::") for u in recorded)
    missing = sorted(set(recorded) - covered(plan_of(stack)) - set(REMOVED_ON_PURPOSE))
    assert not missing, (
        f"{stack}: {len(missing)} URN(s) of release {record.parent.name} are neither planned nor aliased; "
        f"a deployed stack would delete (and recreate under a new name) these resources. Add "
        f"pulumi.Alias(name=..., parent=...) for each old name, or list an intended removal in "
        f"REMOVED_ON_PURPOSE:\n" + "\n".join(missing))


def test_removed_on_purpose_lists_only_recorded_urns_that_are_gone() -> None:
    """The exemptions stay honest: each names a URN some release recorded and no current plan covers."""
    recorded = {u for p in RECORDS for u in p.read_text().split()}
    for urn in REMOVED_ON_PURPOSE:
        stack = urn.split("::")[0].removeprefix("urn:pulumi:")
        assert urn in recorded, urn
        assert urn not in covered(plan_of(stack)), f"{urn} is planned again; drop it from REMOVED_ON_PURPOSE"


# --- GCP GPU node pools: every landed logical name ---------------------------------------------------------

# Logical names the GPU NodePool had in landed history, always under its GpuPool component ("{z}" zone, "{key}"
# pool): afe2f76 "{z}-{key}", 1d1d725 "{z}-gpu-{key}", 22376ba onwards "{z}-{key}" again. The service account
# ("{z}-np-{key}") and its grants kept their names throughout.
LANDED_NODE_POOL_NAMES = ("{z}-{key}", "{z}-gpu-{key}")


@pytest.mark.parametrize("stack", ["gcp-dev", "gcp-prod"])
def test_gpu_node_pools_keep_every_landed_urn(stack: str) -> None:
    plan = plan_of(stack)
    pools = [r for r in plan.of_type("gcp:container/nodePool:NodePool") if "llmops:gcp:GpuPool$" in r.urn]
    assert pools
    assert set(PREVIOUS_NAMES) | {"{z}-{key}"} == set(LANDED_NODE_POOL_NAMES)
    z = offline.load(stack)[2].name
    for pool in pools:
        key = pool.name.removeprefix(f"{z}-")
        prefix = pool.urn.rsplit("::", 1)[0]
        landed = {f"{prefix}::{n.format(z=z, key=key)}" for n in LANDED_NODE_POOL_NAMES}
        assert landed - {pool.urn} == set(pool.aliases), (pool.urn, pool.aliases)
        # the same parent (the GpuPool component) in every landed version
        assert prefix.endswith("::llmops:index:LandingZone$llmops:gcp:GpuPool$gcp:container/nodePool:NodePool")
    # the one renamed URN of 1d1d725, literally (gcp-prod's H100 pool)
    if stack == "gcp-prod":
        assert ("urn:pulumi:gcp-prod::llmops-landing-zone::llmops:index:LandingZone$llmops:gcp:GpuPool$gcp:container/nodePool:NodePool::"
                "acme-llm-gpu-h100-serving") in covered(plan)


# --- AWS: a tag change never rolls nodes -------------------------------------------------------------------

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def test_aws_tag_change_keeps_launch_templates_and_retags_node_groups() -> None:
    """One more user tag: no launch template changes what goes into a template version (so no new version
    and no rolling replacement of the node group); the node groups' tags (an in-place update) carry it."""
    cfg = offline.load("aws-prod")[2]
    tagged = cfg.model_copy(deep=True)
    tagged.tags["project"] = "search-relaunch"
    before, after = offline.plan_config(cfg, "aws-prod"), offline.plan_config(tagged, "aws-prod")

    templates = before.of_type(LAUNCH_TEMPLATE)
    assert len(templates) == 1 + len(sizing.effective_pools(cfg))  # the system group's and one per pool
    for t in templates:
        new = after.by_urn(t.urn)
        # The template resource's own `tags` (zone auto-tagging) are updated in place: EC2 tags the template,
        # the provider makes a new version only for version fields. Every version field is unchanged.
        assert {k: v for k, v in new.inputs.items() if k != "tags"} == \
               {k: v for k, v in t.inputs.items() if k != "tags"}, t.name
        assert new.inputs.get("tags", {}) == {**t.inputs.get("tags", {}), "project": "search-relaunch"}
        for spec in t.inputs["tagSpecifications"]:
            assert set(spec["tags"]) == {*STABLE_TAG_KEYS, "Name"}, (t.name, spec)
            assert not set(spec["tags"]) & set(cfg.tags), (t.name, spec)

    groups = before.of_type(NODE_GROUP)
    assert groups
    for g in groups:
        new = after.by_urn(g.urn)
        assert new.inputs["tags"] == {**g.inputs["tags"], "project": "search-relaunch"}, g.name
        assert new.inputs["launchTemplate"] == g.inputs["launchTemplate"], g.name
        assert {k: v for k, v in new.inputs.items() if k != "tags"} == \
               {k: v for k, v in g.inputs.items() if k != "tags"}, g.name


def test_launch_template_tags_still_attribute_cost() -> None:
    """Instances and volumes keep the zone's cost-allocation tag (and environment, managed-by, Name)."""
    cfg = offline.load("aws-prod")[2]
    assert set(STABLE_TAG_KEYS) == {ZONE_TAG, ENV_TAG, MANAGED_BY_TAG}
    for t in plan_of("aws-prod").of_type(LAUNCH_TEMPLATE):
        kinds = {s["resourceType"] for s in t.inputs["tagSpecifications"]}
        assert {"instance", "volume"} <= kinds
        for spec in t.inputs["tagSpecifications"]:
            assert spec["tags"] == {ZONE_TAG: cfg.name, ENV_TAG: cfg.environment, MANAGED_BY_TAG: "pulumi",
                                    "Name": t.name}


# --- GKE system pool: systemNodes.count changes in place ----------------------------------------------------

SYSTEM_POOL = "urn:pulumi:gcp-prod::llmops-landing-zone::llmops:index:LandingZone$llmops:gcp:Cluster$gcp:container/nodePool:NodePool::" \
              "acme-llm-system"


def plan_recording_ignore_changes(cfg: ZoneConfig, stack: str,
                                  monkeypatch: pytest.MonkeyPatch) -> tuple[Plan, dict[str, list[str]]]:
    """A plan plus each resource's ``ignoreChanges`` as registered (the plan record does not keep options
    other than protect/retainOnDelete, so read them off the RegisterResource requests)."""
    ignored: dict[str, list[str]] = {}
    register = engine.RecordingMonitor.RegisterResource

    def spy(self: engine.RecordingMonitor, request: Any) -> Any:
        ignored[self.make_urn(request.parent, request.type, request.name)] = list(request.ignoreChanges)
        return register(self, request)

    with monkeypatch.context() as m:
        m.setattr(engine.RecordingMonitor, "RegisterResource", spy)
        return offline.plan_config(cfg, stack), ignored


def test_system_node_count_changes_the_pool_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = offline.load("gcp-prod")[2]
    more = cfg.model_copy(deep=True)
    more.cluster.system_nodes.count = cfg.cluster.system_nodes.count + cfg.network.zones + 1
    more.cluster.system_nodes.max_count = max(cfg.cluster.system_nodes.max_count, more.cluster.system_nodes.count)
    (before, ignored), (after, _) = (plan_recording_ignore_changes(c, "gcp-prod", monkeypatch)
                                     for c in (cfg, more))
    old, new = before.by_urn(SYSTEM_POOL), after.by_urn(SYSTEM_POOL)
    # initialNodeCount forces a new pool; it only sizes the pool at creation and is ignored afterwards
    assert ignored[SYSTEM_POOL] == ["initialNodeCount"]
    assert new.inputs["initialNodeCount"] == math.ceil(more.cluster.system_nodes.count / cfg.network.zones)
    assert new.inputs["initialNodeCount"] != old.inputs["initialNodeCount"]  # the case the option is for
    # every other difference is the autoscaling bounds, which GKE updates in place
    changed = {k for k in set(old.inputs) | set(new.inputs) if old.inputs.get(k) != new.inputs.get(k)}
    assert changed == {"initialNodeCount", "autoscaling"}, changed
    assert new.inputs["autoscaling"] == {**old.inputs["autoscaling"],
                                         "totalMinNodeCount": more.cluster.system_nodes.count,
                                         "totalMaxNodeCount": more.cluster.system_nodes.max_count}
    # GPU pools: their initialNodeCount is a constant 0, ignored too (GKE resizes may move the read-back value)
    gpu = [r.urn for r in before.of_type("gcp:container/nodePool:NodePool") if "llmops:gcp:GpuPool$" in r.urn]
    assert gpu and all(ignored[u] == ["initialNodeCount"] for u in gpu)
    # nothing else in the zone changes
    assert {r.urn for r in before.resources if r.inputs != after.by_urn(r.urn).inputs} == {SYSTEM_POOL}


# --- GKE intranode visibility ------------------------------------------------------------------------------

@pytest.mark.parametrize("stack", ["gcp-dev", "gcp-prod"])
def test_gke_intranode_visibility_on(stack: str) -> None:
    cluster = plan_of(stack).one("gcp:container/cluster:Cluster")
    assert cluster.inputs["enableIntranodeVisibility"] is True
