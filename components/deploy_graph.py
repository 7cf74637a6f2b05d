"""The deploy graph of a recorded plan: how long a first ``pulumi up`` of it takes, and how long it must take.

**Durations.** ``catalog/data/create-durations.csv`` gives a typical create time in minutes per resource type,
each row with its source (cloud documentation, a provider issue thread, or "assumption" stated) and an as-of
date. A row's ``type`` is an exact Pulumi type or a glob (``aws:s3/*``); the exact type wins, then the longest
matching glob, then the ``*`` row, the default for any type not listed.

**Graph.** One node per custom resource (providers included), weighted by its type's duration. Pulumi starts a
resource once everything it waits for is created, so there is an edge ``before -> after`` for:

- every recorded dependency of ``after`` (Pulumi's dependencies: ``depends_on`` plus every resource whose
  outputs are among its inputs). A dependency on a component stands for all of the component's custom
  descendants, as Pulumi expands it (the SDK has usually done so already when recording);
- its provider (a Kubernetes resource waits for the provider, which waits for the cluster's endpoint).

Component resources take no time and add no edge: a child waits for its own dependencies only, not for its
parent's (``depends_on`` given to a component is not inherited by its children).

**Critical path.** The longest chain of create times through the graph: with unlimited parallelism (Pulumi
runs independent creates concurrently), the estimated duration of a first deploy.

**Floor.** The critical path of the same graph restricted to the edges in ``NECESSARY``: the chains the clouds
and Kubernetes themselves impose. An edge is necessary when its ``after`` resource cannot be created, or would
fail or never become ready, before its ``before`` resource exists: the API call names the earlier resource
(a subnet names its VPC, a node group its cluster and role), or the cloud checks it while creating (nodes cannot
join without the node role's policies and the networking add-ons; a pod cannot become ready without a node).
``NECESSARY`` lists them as (before type, after type) glob pairs, each with its reason; an edge matching none
is spurious, an ordering the program chose that the cloud does not need. The floor is a lower bound for any
program deploying the same resources with the same durations: a plan whose critical path equals its floor has
no spurious edge lengthening its deploy.
"""

from __future__ import annotations

import csv
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from llmops_landing_zone.components.plan import Plan, PlannedResource

DURATIONS_CSV = Path(__file__).parent / "catalog" / "data" / "create-durations.csv"
DEFAULT = "*"


@dataclass(frozen=True)
class Duration:
    type: str  # exact type or glob
    minutes: float
    source: str
    as_of: str

    @property
    def is_assumption(self) -> bool:
        return "assumption" in self.source.lower()


@cache
def durations() -> dict[str, Duration]:
    """The rows of create-durations.csv by type (or glob). Every row has a source and an as-of date."""
    out: dict[str, Duration] = {}
    with DURATIONS_CSV.open(newline="") as fh:
        for row in csv.DictReader(fh):
            d = Duration(row["type"].strip(), float(row["minutes"]), row["source"].strip(), row["as_of"].strip())
            if d.type in out:
                raise ValueError(f"{DURATIONS_CSV.name}: {d.type} listed twice")
            if not d.source or not d.as_of or d.minutes < 0:
                raise ValueError(f"{DURATIONS_CSV.name}: {d.type} needs a source, an as-of date and minutes >= 0")
            out[d.type] = d
    if DEFAULT not in out:
        raise ValueError(f"{DURATIONS_CSV.name}: no default row ({DEFAULT!r})")
    return out


@cache
def duration(type_: str) -> Duration:
    """The row for a resource type: exact, else the longest matching glob, else the default."""
    table = durations()
    if type_ in table:
        return table[type_]
    globs = [k for k in table if k != DEFAULT and any(c in k for c in "*?[") and fnmatch.fnmatchcase(type_, k)]
    return table[max(globs, key=len)] if globs else table[DEFAULT]


@dataclass(frozen=True)
class Rule:
    before: str  # type glob of the resource waited for
    after: str  # type glob of the waiting resource
    why: str

    def matches(self, before: str, after: str) -> bool:
        return fnmatch.fnmatchcase(before, self.before) and fnmatch.fnmatchcase(after, self.after)


# The edges the clouds and Kubernetes impose (see the module docstring). Deliberately absent, so spurious:
# node group -> node group (a GPU pool does not need the system pool: nodes join through the node role and the
# networking add-ons), EKS cluster -> security group (a security group exists without its rules; the rule
# naming the cluster's security group is its own resource), and any edge into a Kubernetes workload from an
# unrelated cloud resource.
NECESSARY: tuple[Rule, ...] = (
    # --- anything -> its provider's resources, and the cluster -> its provider -------------------------
    Rule("pulumi:providers:*", "*", "a resource is created through its provider, configured first"),
    Rule("*", "pulumi:providers:kubernetes", "the provider's kubeconfig is the cluster's endpoint and CA"),
    # --- Kubernetes objects -----------------------------------------------------------------------------
    Rule("kubernetes:core/v1:Namespace", "kubernetes:*", "a namespaced object needs its namespace"),
    Rule("kubernetes:core/v1:ServiceAccount", "kubernetes:apps/v1:*", "a pod template names its service account"),
    Rule("kubernetes:rbac.authorization.k8s.io/v1:*", "kubernetes:rbac.authorization.k8s.io/v1:*",
         "a binding names its role (the API server rejects escalation through an unknown role)"),
    Rule("kubernetes:rbac.authorization.k8s.io/v1:*", "kubernetes:apps/v1:*",
         "a controller fails its readiness checks until its RBAC exists"),
    Rule("kubernetes:apps/v1:*", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
         "an HPA scales a workload that exists"),
    Rule("kubernetes:networking.k8s.io/v1:NetworkPolicy", "kubernetes:apps/v1:*",
         "the zone's security contract: no pod runs before its namespace's default-deny policy"),
    Rule("kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:Deployment",
         "GPU pods request nvidia.com/gpu, which only the device plugin DaemonSet advertises"),
    Rule("aws:eks/nodeGroup:NodeGroup", "kubernetes:apps/v1:*", "pods become ready only on a node"),
    Rule("gcp:container/nodePool:NodePool", "kubernetes:apps/v1:*", "pods become ready only on a node"),
    Rule("azure-native:containerservice:AgentPool", "kubernetes:apps/v1:*", "pods become ready only on a node"),
    Rule("aws:eks/podIdentityAssociation:PodIdentityAssociation", "kubernetes:apps/v1:*",
         "the pods' AWS credentials (model download, autoscaling calls) are injected at pod creation"),
    Rule("gcp:serviceaccount/*", "kubernetes:*", "the Kubernetes service account names its Workload Identity"),
    Rule("gcp:projects/iAMMember:IAMMember", "kubernetes:apps/v1:*",
         "the pods' Google credentials need their role bindings to start (model download)"),
    Rule("gcp:storage/bucketIAMMember:BucketIAMMember", "kubernetes:apps/v1:*",
         "the pods read weights from the bucket at start"),
    Rule("azure-native:managedidentity:*", "kubernetes:*", "the service account and pods name the workload identity"),
    Rule("azure-native:authorization:RoleAssignment", "kubernetes:apps/v1:*",
         "the pods read weights from the model store at start"),
    Rule("aws:eks/accessEntry:AccessEntry", "kubernetes:*", "a team's RBAC binds the group its access entry maps"),
    # object storage a workload reads at start
    Rule("aws:s3/*", "kubernetes:apps/v1:*", "the pods read weights from the bucket at start"),
    # --- AWS -----------------------------------------------------------------------------------------------
    Rule("aws:ec2/vpc:Vpc", "aws:*", "the resource is created inside the VPC"),
    Rule("aws:ec2/subnet:Subnet", "aws:*", "the resource is placed in the subnets"),
    Rule("aws:ec2/internetGateway:InternetGateway", "aws:ec2/*", "a public NAT and the default route need the IGW"),
    Rule("aws:ec2/eip:Eip", "aws:ec2/natGateway:NatGateway", "the NAT gateway takes the EIP's allocation id"),
    Rule("aws:ec2/natGateway:NatGateway", "aws:ec2/route:Route", "the route targets the NAT gateway"),
    Rule("aws:ec2/routeTable:RouteTable", "aws:ec2/*", "routes, associations and gateway endpoints name the table"),
    Rule("aws:ec2/securityGroup:SecurityGroup", "aws:*", "the resource (or rule) names the security group"),
    Rule("aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/securityGroup:SecurityGroup",
         "the egress rule names the S3 endpoint's prefix list"),
    Rule("aws:ec2/launchTemplate:LaunchTemplate", "aws:eks/nodeGroup:NodeGroup", "the node group names its template"),
    Rule("aws:kms/key:Key", "aws:*", "the resource is encrypted with (or names) the key"),
    Rule("aws:iam/role:Role", "aws:*", "the resource names (or assumes) the role"),
    Rule("aws:iam/rolePolicy:RolePolicy", "aws:*", "the service checks the role's permissions on create"),
    Rule("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:eks/*",
         "EKS checks the cluster role's policy; nodes join only with the worker, CNI and ECR policies"),
    Rule("aws:cloudwatch/logGroup:LogGroup", "aws:*",
         "the service would create the log group itself (no key, no retention) and Pulumi's create would fail"),
    Rule("aws:eks/cluster:Cluster", "aws:eks/*", "add-ons, node groups, access entries and pod identity "
         "associations belong to the cluster"),
    Rule("aws:eks/cluster:Cluster", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
         "the OIDC provider's URL is the cluster's issuer"),
    Rule("aws:eks/cluster:Cluster", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
         "the rule admits the cluster security group EKS creates"),
    Rule("aws:eks/cluster:Cluster", "pulumi:providers:kubernetes", "the kubeconfig is the cluster's endpoint"),
    Rule("aws:eks/addon:Addon", "aws:eks/nodeGroup:NodeGroup",
         "with bootstrapSelfManagedAddons off, nodes are NotReady (the group fails) until the VPC CNI, kube-proxy "
         "and the Pod Identity agent exist"),
    Rule("aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", "CoreDNS stays DEGRADED until nodes can run it"),
    Rule("aws:eks/nodeGroup:NodeGroup", "aws:autoscaling/tag:Tag", "the tag names the node group's ASG"),
    Rule("aws:s3/bucket:Bucket", "aws:*", "the resource configures (or names) the bucket"),
    Rule("aws:s3/*", "aws:s3/*", "S3 rejects a policy before ownership/public-access settings, "
         "object lock and lifecycle before versioning, logging before the target's policy"),
    Rule("aws:s3/*", "aws:cloudtrail/trail:Trail", "CloudTrail checks the bucket policy on create"),
    Rule("aws:s3/*", "aws:sagemaker/model:Model", "SageMaker reads the model artifact at create"),
    Rule("aws:sns/*", "aws:*", "the subscriber names the topic (and needs its policy to publish)"),
    Rule("aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint", "aws:opensearch/*",
         "the network policy names the endpoint"),
    Rule("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
         "aws:opensearch/serverlessCollection:ServerlessCollection",
         "a collection cannot be created before its encryption policy"),
    Rule("aws:rds/*", "aws:rds/*", "the cluster names its subnet and parameter groups; instances their cluster"),
    Rule("aws:sagemaker/*", "aws:*", "config names the model, endpoint the config, scaling the endpoint"),
    Rule("aws:appautoscaling/*", "aws:appautoscaling/*", "the policy names the scalable target"),
    Rule("aws:costexplorer/*", "aws:costexplorer/*", "the subscription names the monitor"),
    # --- GCP -----------------------------------------------------------------------------------------------
    Rule("gcp:projects/service:Service", "gcp:*", "the API must be enabled before its resources are created"),
    Rule("gcp:projects/serviceIdentity:ServiceIdentity", "gcp:*", "the binding names the service agent"),
    Rule("gcp:kms/*", "gcp:*", "the resource is encrypted with the key (and the service agent may use it)"),
    Rule("gcp:compute/network:Network", "gcp:*", "the resource is created in (or peers with) the network"),
    Rule("gcp:compute/subnetwork:Subnetwork", "gcp:*", "the resource is placed in the subnetwork"),
    Rule("gcp:compute/router:Router", "gcp:compute/routerNat:RouterNat", "the NAT is part of the router"),
    Rule("gcp:compute/address:Address", "gcp:*", "the resource names the reserved address"),
    Rule("gcp:compute/globalAddress:GlobalAddress", "gcp:*", "the peering or database names the reserved range"),
    Rule("gcp:servicenetworking/connection:Connection", "gcp:*", "private services access must be peered"),
    Rule("gcp:serviceaccount/account:Account", "gcp:*", "the resource names (or runs as) the service account"),
    Rule("gcp:projects/iAMCustomRole:IAMCustomRole", "gcp:*", "the binding names the role"),
    Rule("gcp:projects/iAMMember:IAMMember", "gcp:container/*",
         "GKE checks the node service account's roles; nodes fail to register without them"),
    Rule("gcp:container/cluster:Cluster", "gcp:*", "the node pool (or binding) names the cluster"),
    Rule("gcp:container/cluster:Cluster", "pulumi:providers:kubernetes", "the kubeconfig is the cluster's endpoint"),
    Rule("gcp:storage/bucket:Bucket", "gcp:*", "the resource names the bucket"),
    Rule("gcp:logging/*", "gcp:*", "the sink names the bucket; the binding names the sink's writer identity"),
    Rule("gcp:pubsub/*", "gcp:*", "the binding or channel names the topic"),
    Rule("gcp:monitoring/*", "gcp:*", "the budget names the notification channel"),
    Rule("gcp:alloydb/cluster:Cluster", "gcp:alloydb/instance:Instance", "the instance belongs to the cluster"),
    Rule("gcp:vertex/*", "gcp:vertex/*", "a deployed index names its index and its endpoint"),
    Rule("gcp:vertex/aiIndexEndpointDeployedIndex:AiIndexEndpointDeployedIndex", "gcp:compute/forwardingRule:*",
         "the PSC forwarding rule targets the service attachment Vertex creates when the index is deployed"),
    # --- Azure ---------------------------------------------------------------------------------------------
    Rule("azure-native:resources:ResourceGroup", "azure-native:*", "the resource is created in the group"),
    Rule("azure-native:network:*", "azure-native:*", "the resource is placed in (or linked to) the network"),
    Rule("azure-native:privatedns:*", "azure-native:*", "the link or zone group names the private DNS zone"),
    Rule("azure-native:keyvault:*", "azure-native:*", "the resource is encrypted with (or names) the key/vault"),
    Rule("azure-native:managedidentity:*", "azure-native:*", "the resource runs as (or grants) the identity"),
    Rule("azure-native:authorization:RoleAssignment", "azure-native:*",
         "the service checks the identity's role on create (CMK access, network join, registry pull)"),
    Rule("azure-native:compute:DiskEncryptionSet", "azure-native:*", "the cluster's disks use the encryption set"),
    Rule("azure-native:operationalinsights:*", "azure-native:*", "the diagnostic setting or add-on names the workspace"),
    Rule("azure-native:storage:*", "azure-native:*", "the resource names the account or container"),
    Rule("azure-native:containerservice:ManagedCluster", "azure-native:*", "the pool or assignment names the cluster"),
    Rule("azure-native:containerservice:ManagedCluster", "pulumi:providers:kubernetes",
         "the kubeconfig is the cluster's credentials"),
    Rule("azure-native:*", "azure-native:authorization:*", "the assignment or lock names its scope"),
    Rule("azure-native:*", "azure-native:network:PrivateEndpoint", "the private endpoint connects to the resource"),
    Rule("azure-native:*", "azure-native:monitor:*", "the diagnostic or autoscale setting names its resource"),
    Rule("azure-native:cosmosdb:*", "azure-native:cosmosdb:*", "container in database in account"),
    Rule("azure-native:machinelearningservices:*", "azure-native:*",
         "endpoint in workspace, deployment in endpoint"),
    Rule("azure-native:applicationinsights:*", "azure-native:machinelearningservices:*",
         "the workspace names its Application Insights"),
    Rule("azure-native:monitor:ActionGroup", "azure-native:consumption:*", "the budget names the action group"),
)


def necessary_rule(before: str, after: str) -> Rule | None:
    """The NECESSARY rule admitting an edge between these two types, or None (a spurious edge)."""
    return next((r for r in NECESSARY if r.matches(before, after)), None)


@dataclass(frozen=True)
class Edge:
    before: PlannedResource
    after: PlannedResource

    @property
    def rule(self) -> Rule | None:
        return necessary_rule(self.before.type, self.after.type)

    @property
    def necessary(self) -> bool:
        return self.rule is not None

    def __str__(self) -> str:
        return f"{label(self.before)} -> {label(self.after)}"


def label(r: PlannedResource) -> str:
    return f"{r.type.split(':')[-1]} {r.name}"


@dataclass
class Graph:
    nodes: dict[str, PlannedResource]  # custom resources and providers, by URN
    waits_for: dict[str, set[str]]  # URN -> URNs it waits for

    def edges(self) -> Iterable[Edge]:
        for after, befores in sorted(self.waits_for.items()):
            for before in sorted(befores):
                yield Edge(self.nodes[before], self.nodes[after])


def graph(plan: Plan) -> Graph:
    """The plan's deploy graph (module docstring): custom resources, their dependencies and providers."""
    by_urn = {r.urn: r for r in plan.resources}
    nodes = {r.urn: r for r in plan.resources if r.custom}
    children: dict[str, list[str]] = {}
    for r in plan.resources:
        if r.parent:
            children.setdefault(r.parent, []).append(r.urn)

    def expand(urn: str) -> set[str]:
        """A dependency as the custom resources it stands for (a component: all its custom descendants)."""
        if urn in nodes:
            return {urn}
        out: set[str] = set()
        if urn in by_urn:
            for child in children.get(urn, []):
                out |= expand(child)
        return out

    waits_for: dict[str, set[str]] = {}
    for urn, r in nodes.items():
        deps: set[str] = set()
        for dep in r.dependencies:
            deps |= expand(dep)
        if r.provider:
            provider = r.provider if r.provider in nodes else r.provider.rsplit("::", 1)[0]
            deps |= expand(provider)
        deps.discard(urn)
        waits_for[urn] = deps
    return Graph(nodes, waits_for)


@dataclass(frozen=True)
class Step:
    resource: PlannedResource
    start: float  # minutes after the deploy starts
    minutes: float

    @property
    def finish(self) -> float:
        return self.start + self.minutes


@dataclass
class CriticalPath:
    steps: list[Step] = field(default_factory=list)

    @property
    def minutes(self) -> float:
        return self.steps[-1].finish if self.steps else 0.0

    @property
    def edges(self) -> list[Edge]:
        return [Edge(a.resource, b.resource) for a, b in zip(self.steps, self.steps[1:], strict=False)]

    def spurious(self) -> list[Edge]:
        """The edges on this path that no NECESSARY rule admits: those lengthening it beyond the floor."""
        return [e for e in self.edges if not e.necessary]

    def describe(self) -> str:
        lines = [f"{self.minutes:5.1f} min"]
        for s in self.steps:
            lines.append(f"  {s.start:5.1f} +{s.minutes:4.1f}  {label(s.resource)}")
        return "\n".join(lines)


def _longest(g: Graph, keep: callable) -> CriticalPath:  # type: ignore[valid-type]
    waits = {u: {b for b in bs if keep(g.nodes[b], g.nodes[u])} for u, bs in g.waits_for.items()}
    order: list[str] = []
    pending = {u: len(bs) for u, bs in waits.items()}
    released: dict[str, list[str]] = {}
    for u, bs in waits.items():
        for b in bs:
            released.setdefault(b, []).append(u)
    ready = sorted(u for u, n in pending.items() if n == 0)
    while ready:
        u = ready.pop()
        order.append(u)
        for v in released.get(u, []):
            pending[v] -= 1
            if pending[v] == 0:
                ready.append(v)
        ready.sort()
    if len(order) != len(waits):
        stuck = sorted(u for u, n in pending.items() if n)
        raise ValueError(f"dependency cycle among {stuck[:5]}")
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for u in order:
        best = max(sorted(waits[u]), key=lambda b: finish[b], default=None)
        start = finish[best] if best is not None else 0.0
        finish[u] = start + duration(g.nodes[u].type).minutes
        via[u] = best
    if not finish:
        return CriticalPath()
    end = max(sorted(finish), key=lambda u: finish[u])
    chain: list[str] = []
    cur: str | None = end
    while cur is not None:
        chain.append(cur)
        cur = via[cur]
    chain.reverse()
    steps = []
    for u in chain:
        m = duration(g.nodes[u].type).minutes
        steps.append(Step(g.nodes[u], finish[u] - m, m))
    return CriticalPath(steps)


def critical_path(plan: Plan) -> CriticalPath:
    """The estimated first deploy: the longest chain of create times through every edge Pulumi waits on."""
    return _longest(graph(plan), lambda before, after: True)


def floor(plan: Plan) -> CriticalPath:
    """The floor: the longest chain through NECESSARY edges only (module docstring)."""
    return _longest(graph(plan), lambda before, after: necessary_rule(before.type, after.type) is not None)


def spurious_edges(plan: Plan) -> list[Edge]:
    """Every edge of the plan's deploy graph that no NECESSARY rule admits (on the critical path or not)."""
    return [e for e in graph(plan).edges() if not e.necessary]
