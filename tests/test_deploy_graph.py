"""The deploy graph (components/deploy_graph.py): create durations, critical path and floor of the reference
plans. A prod stack's estimated first deploy must not be lengthened by an ordering the cloud does not need:
aws-prod's critical path is within a minute of its floor, and on gcp-prod and azure-prod every edge of the
critical path is in the documented NECESSARY set. A failure names the edges that lengthen the path."""

from __future__ import annotations

import re
from functools import cache

import pytest

from llmops_landing_zone.components import deploy_graph as dg
from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz import offline

PROD = ("aws-prod", "gcp-prod", "azure-prod")


@cache
def plan(stack: str) -> Plan:
    return offline.plan(stack)


def spurious_report(path: dg.CriticalPath) -> str:
    edges = path.spurious()
    named = "\n".join(f"  {e}  ({e.before.type} -> {e.after.type}: in no NECESSARY rule)"
                      for e in edges) or "  (none on the path)"
    return f"edges lengthening the critical path:\n{named}\ncritical path:\n{path.describe()}"


# --- the durations table ---------------------------------------------------------------------------------
def test_every_duration_row_has_a_source_and_an_as_of_date() -> None:
    rows = dg.durations()
    assert dg.DEFAULT in rows
    for d in rows.values():
        assert d.minutes >= 0 and d.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.as_of), d
        # a figure that is not from a document or an issue thread says so
        assert d.is_assumption or "github.com" in d.source or "docs" in d.source.lower() or "AWS" in d.source, d


@pytest.mark.parametrize("stack", offline.all_stacks())
def test_every_planned_type_has_a_listed_duration(stack: str) -> None:
    """No type of a reference plan falls back to the default row: the table covers what the zone creates."""
    unlisted = sorted({r.type for r in plan(stack).resources if r.custom and dg.duration(r.type).type == dg.DEFAULT})
    assert not unlisted, f"add rows to {dg.DURATIONS_CSV.name} for {unlisted}"


def test_exact_type_wins_over_glob_and_default() -> None:
    assert dg.duration("aws:eks/cluster:Cluster").type == "aws:eks/cluster:Cluster"
    assert dg.duration("aws:s3/bucketPolicy:BucketPolicy").type == "aws:s3/*"
    assert dg.duration("example:unknown:Thing").type == dg.DEFAULT


# --- graph semantics ---------------------------------------------------------------------------------------
def _r(urn: str, type_: str, *, parent: str | None = None, custom: bool = True, deps: list[str] | None = None,
       provider: str | None = None) -> PlannedResource:
    return PlannedResource(urn=urn, type=type_, name=urn, parent=parent, custom=custom, inputs={},
                           dependencies=deps or [], provider=provider)


def test_components_take_no_time_and_children_wait_only_for_their_own_dependencies() -> None:
    resources = [
        _r("eks", "aws:eks/cluster:Cluster"),
        _r("k8s", "pulumi:providers:kubernetes", deps=["eks"]),
        _r("comp", "llmops:test:Component", custom=False, deps=["eks"]),  # a component's own dependency...
        _r("ns", "kubernetes:core/v1:Namespace", parent="comp", provider="k8s::id"),
        _r("role", "aws:iam/role:Role", parent="comp"),  # ...is not passed on to its children
        _r("after", "aws:eks/accessEntry:AccessEntry", deps=["comp"]),  # a dependency on a component: its children
    ]
    g = dg.graph(Plan("t", "aws", "dev", resources))
    assert set(g.nodes) == {"eks", "k8s", "ns", "role", "after"}
    assert g.waits_for["role"] == set() and g.waits_for["ns"] == {"k8s"}  # via its provider
    assert g.waits_for["after"] == {"ns", "role"}
    path = dg.critical_path(Plan("t", "aws", "dev", resources))
    assert [s.resource.urn for s in path.steps] == ["eks", "k8s", "ns", "after"]
    assert path.minutes == pytest.approx(10 + 0 + 0.1 + 0.1)


def test_the_floor_ignores_spurious_edges() -> None:
    resources = [
        _r("eks", "aws:eks/cluster:Cluster"),
        _r("system", "aws:eks/nodeGroup:NodeGroup", deps=["eks"]),
        _r("gpu", "aws:eks/nodeGroup:NodeGroup", deps=["eks", "system"]),
    ]
    p = Plan("t", "aws", "dev", resources)
    path, floor = dg.critical_path(p), dg.floor(p)
    assert path.minutes == pytest.approx(18) and floor.minutes == pytest.approx(14)
    assert [str(e) for e in path.spurious()] == ["NodeGroup system -> NodeGroup gpu"]


@pytest.mark.parametrize("stack", offline.all_stacks())
def test_the_floor_bounds_the_critical_path(stack: str) -> None:
    path, floor = dg.critical_path(plan(stack)), dg.floor(plan(stack))
    assert 0 < floor.minutes <= path.minutes + 1e-9
    g = dg.graph(plan(stack))
    assert all(e.before.urn in g.waits_for[e.after.urn] for e in path.edges)  # a chain of real edges


# --- the reference prod stacks --------------------------------------------------------------------------
def test_aws_prod_deploys_within_a_minute_of_its_floor() -> None:
    path, floor = dg.critical_path(plan("aws-prod")), dg.floor(plan("aws-prod"))
    assert path.minutes - floor.minutes <= 1.0, (
        f"aws-prod: critical path {path.minutes:.1f} min against a floor of {floor.minutes:.1f}\n"
        + spurious_report(path))


@pytest.mark.parametrize("stack", ["gcp-prod", "azure-prod"])
def test_no_spurious_edge_on_the_critical_path(stack: str) -> None:
    path = dg.critical_path(plan(stack))
    assert not path.spurious(), f"{stack}: " + spurious_report(path)


def test_aws_gpu_node_groups_wait_for_what_nodes_need_to_join_not_for_the_system_pool() -> None:
    p = plan("aws-prod")
    system = p.one("aws:eks/nodeGroup:NodeGroup", "acme-llm-system")
    join = {r.urn for r in p.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "-node-" in r.name}
    join |= {r.urn for r in p.of_type("aws:eks/addon:Addon") if r.inputs["addonName"] not in ("coredns", "kube-state-metrics")}
    assert len(join) == 6
    eks = p.one("aws:eks/cluster:Cluster")
    for ng in p.of_type("aws:eks/nodeGroup:NodeGroup"):
        if ng is system:
            continue
        assert system.urn not in ng.dependencies, ng.name
        assert join <= set(ng.dependencies) and eks.urn in ng.dependencies, ng.name


def test_aurora_does_not_wait_for_eks() -> None:
    p = plan("aws-prod")
    g = dg.graph(p)
    eks = p.one("aws:eks/cluster:Cluster").urn
    db = p.one("aws:rds/cluster:Cluster").urn

    def upstream(urn: str) -> set[str]:
        seen: set[str] = set()
        todo = [urn]
        while todo:
            for b in g.waits_for[todo.pop()]:
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    assert eks not in upstream(db)
    rule = p.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "acme-llm-catalog-db-from-nodes")
    assert eks in rule.dependencies  # only the rule naming the cluster's security group waits for EKS


def test_team_policies_do_not_wait_for_eks() -> None:
    p = plan("aws-prod")
    eks = p.one("aws:eks/cluster:Cluster").urn
    policies = [r for r in p.of_type("aws:iam/rolePolicy:RolePolicy") if "-team-" in r.name]
    assert policies and all(eks not in r.dependencies for r in policies)
    assert all(f":cluster/{p.one('aws:eks/cluster:Cluster').inputs['name']}" in str(r.inputs["policy"])
               for r in policies)
