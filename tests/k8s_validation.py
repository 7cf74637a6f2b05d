"""Shared checks on the Kubernetes objects of a recorded plan (tests of the k8s layer and of every cloud).

- ``assert_k8s_valid(plan, "1.31")``: every built-in object validates strictly (unknown fields rejected)
  against the Kubernetes OpenAPI schema of that version, via kubernetes-validate's Python API.
- ``checkov_failures(plan)``: checkov's Kubernetes checks on the manifests, minus the committed skip list
  (tests/checkov_k8s_skips.yaml). checkov lives in its own virtualenv (.venv-tools) and is called as a CLI.
  It takes a few seconds: call it once per test module (module-scoped fixture).
- ``assert_tolerations_match_taints(plan)``: every GPU workload selects at least one real node pool and
  tolerates that pool's taints, with pools read from the cloud node pools in the plan (or given).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml
from kubernetes_validate.utils import all_versions, major_minor
from packaging.version import Version

from llmops_landing_zone.components.k8s.scheduling import GPU_RESOURCE, POOL_LABEL, PoolScheduling, tolerates
from llmops_landing_zone.components.plan import Plan
from llmops_landing_zone.llz import manifests

REPO_ROOT = Path(__file__).resolve().parents[1]
SKIPS_FILE = Path(__file__).with_name("checkov_k8s_skips.yaml")
_CHECK_ID = re.compile(r"^CKV2?_K8S_\d+$")
_BUILTIN_GROUP = re.compile(r"^(|apps|batch|autoscaling|policy|[a-z0-9.-]+\.k8s\.io)$")


# --- schema validation ----------------------------------------------------------------------------------
def schema_version(kubernetes_version: str) -> str:
    """The bundled schema for ``kubernetes_version``: the exact minor if kubernetes-validate ships it,
    otherwise the newest older one (the API only grows, so an older schema never accepts a field the
    cluster lacks)."""
    want = Version(major_minor(kubernetes_version))
    bundled = [v for v in all_versions() if Version(major_minor(v)) <= want]
    if not bundled:
        raise ValueError(f"kubernetes-validate bundles no schema at or below {kubernetes_version}")
    return bundled[-1]


CRD_SCHEMAS = Path(__file__).with_name("crd_schemas")
# azmonitoring.coreos.com/v1 PodMonitor (AKS metrics add-on) is a copy of prometheus-operator's PodMonitor.
_SCHEMA_ALIASES = {"azmonitoring.coreos.com/v1/PodMonitor": "monitoring.coreos.com_v1_PodMonitor.json"}


def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The openAPIV3Schema of a custom resource's CRD, when tests/crd_schemas holds it (each file names its source)."""
    file = _SCHEMA_ALIASES.get(f"{api_version}/{kind}") or f"{api_version.replace('/', '_')}_{kind}.json"
    path = CRD_SCHEMAS / file
    return json.loads(path.read_text())["schema"] if path.exists() else None


def _group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def assert_k8s_valid(plan: Plan, kubernetes_version: str) -> list[str]:
    """Strict schema validation of every built-in object. Custom resources have no bundled schema: they
    are returned (as ``Kind.namespace.name``) for the caller to check otherwise."""
    version = schema_version(kubernetes_version)
    errors, custom = [], []
    items = manifests.manifests(plan)
    assert items, "the plan holds no Kubernetes objects"
    for m in items:
        # A custom resource whose CRD schema is stored (tests/crd_schemas; Gateway API's groups end in .k8s.io)
        if (schema := crd_schema(m["apiVersion"], m["kind"])) is not None:
            errors += [f"{manifests.object_id(m)}: {'/'.join(map(str, e.path))}: {e.message}"
                       for e in jsonschema.Draft7Validator(schema).iter_errors(m)]
            continue
        if not _BUILTIN_GROUP.match(_group(m["apiVersion"])):
            custom.append(manifests.object_id(m))
            continue
        try:
            kubernetes_validate.validate(m, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(str(p) for p in exc.path)
            errors.append(f"{manifests.object_id(m)}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{manifests.object_id(m)}: {exc.message}")
    assert not errors, f"invalid for Kubernetes {version}:\n" + "\n".join(errors)
    return custom


# --- checkov --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Skip:
    id: str
    reason: str
    resources: tuple[str, ...] = ()  # empty: everywhere


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    entries = yaml.safe_load(path.read_text()) or []
    skips = []
    for i, e in enumerate(entries):
        if not _CHECK_ID.match(str(e.get("id", ""))) or len(str(e.get("reason", "")).strip()) < 20:
            raise ValueError(f"{path.name} entry {i}: needs a checkov Kubernetes check id and a real reason")
        skips.append(Skip(e["id"], e["reason"].strip(), tuple(e.get("resources") or ())))
    return skips


def checkov_path() -> Path:
    path = Path(os.environ.get("LLZ_CHECKOV") or REPO_ROOT / ".venv-tools" / "bin" / "checkov")
    if not path.exists():
        raise FileNotFoundError(f"checkov not found at {path}: `make test` creates the .venv-tools venv")
    return path


@dataclass
class CheckovReport:
    failures: list[dict[str, str]]  # failed checks not covered by the skip list
    accepted: list[dict[str, str]]  # failed checks a scoped skip entry covers
    passed: int
    resources: int
    unused_skips: list[str] = field(default_factory=list)  # "ID resource" pairs that matched nothing


def checkov_report(plan: Plan, skips: list[Skip] | None = None) -> CheckovReport:
    skips = load_skips() if skips is None else skips
    everywhere = sorted({s.id for s in skips if not s.resources})
    scoped = {(s.id, r) for s in skips for r in s.resources}
    with tempfile.TemporaryDirectory(prefix="llz-checkov-") as tmp:
        if not manifests.write(plan, tmp):
            return CheckovReport([], [], 0, 0)
        cmd = [str(checkov_path()), "-d", tmp, "--framework", "kubernetes", "-o", "json", "--quiet",
               "--skip-download"]  # offline: no Prisma Cloud guideline download
        if everywhere:
            cmd += ["--skip-check", ",".join(everywhere)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov exited {proc.returncode} without a JSON report:\n"
                           f"{proc.stderr[-3000:]}") from None
    blocks = report if isinstance(report, list) else [report]
    failures, accepted, passed, count = [], [], 0, 0
    for block in blocks:
        summary = block.get("summary", {})
        if summary.get("parsing_errors"):
            raise RuntimeError(f"checkov could not parse {summary['parsing_errors']} manifest(s)")
        passed += int(summary.get("passed", 0))
        count += int(summary.get("resource_count", 0))
        for f in block.get("results", {}).get("failed_checks", []):
            item = {"check_id": f["check_id"], "check_name": f.get("check_name", ""),
                    "resource": f["resource"], "file": f.get("file_path", "")}
            (accepted if (f["check_id"], f["resource"]) in scoped else failures).append(item)
    if count == 0:
        raise RuntimeError("checkov scanned no Kubernetes resource: the manifests were not recognised")
    used = {(a["check_id"], a["resource"]) for a in accepted}
    present = {manifests.object_id(m) for m in manifests.manifests(plan)}
    unused = sorted(f"{c} {r}" for c, r in scoped - used if r in present)
    return CheckovReport(failures, accepted, passed, count, unused)


def checkov_failures(plan: Plan) -> list[dict[str, str]]:
    """Failed checkov checks beyond the committed skip list (empty when the plan is clean)."""
    return checkov_report(plan).failures


# --- scheduling: tolerations against the pools' taints --------------------------------------------------
@dataclass(frozen=True)
class NodePool:
    name: str
    labels: dict[str, str]
    taints: tuple[tuple[str, str, str], ...]  # (key, value, Kubernetes effect)


_EFFECT = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule", "NO_EXECUTE": "NoExecute"}


def _taint(t: dict[str, Any]) -> tuple[str, str, str]:
    effect = str(t.get("effect"))
    return str(t.get("key", "")), str(t.get("value", "") or ""), _EFFECT.get(effect, effect)


def node_pools(plan: Plan) -> list[NodePool]:
    """GPU node pools (those carrying the pool label) of the clouds' managed node pool resources."""
    out = []
    for r in plan.resources:
        i = r.inputs
        if r.type == "aws:eks/nodeGroup:NodeGroup":
            labels, taints = i.get("labels") or {}, [_taint(t) for t in i.get("taints") or []]
        elif r.type == "gcp:container/nodePool:NodePool":
            cfg = i.get("nodeConfig") or {}
            labels, taints = cfg.get("labels") or {}, [_taint(t) for t in cfg.get("taints") or []]
        elif r.type == "azure-native:containerservice:AgentPool":
            labels = i.get("nodeLabels") or {}
            taints = []
            for s in i.get("nodeTaints") or []:
                m = re.fullmatch(r"([^=:]+)(?:=([^:]*))?:(\w+)", s)
                if m:
                    taints.append((m[1], m[2] or "", m[3]))
        else:
            continue
        if POOL_LABEL in labels:
            out.append(NodePool(labels[POOL_LABEL], dict(labels), tuple(taints)))
    return out


def _pool_from_scheduling(p: PoolScheduling) -> NodePool:
    return NodePool(p.pool, p.labels, ((p.taint.key, p.taint.value, p.taint.effect),))


def _pod_spec(m: dict[str, Any]) -> dict[str, Any] | None:
    spec = m.get("spec") or {}
    if m["kind"] == "Pod":
        return spec
    if m["kind"] == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    return (spec.get("template") or {}).get("spec")


def _requirement_holds(labels: dict[str, str], e: dict[str, Any]) -> bool:
    key, op, values = e["key"], e["operator"], e.get("values") or []
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt") and key in labels and labels[key].isdigit():
        return int(labels[key]) > int(values[0]) if op == "Gt" else int(labels[key]) < int(values[0])
    return False


def _selects(pod: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (pod.get("nodeSelector") or {}).items()):
        return False
    required = (((pod.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    return not terms or any(all(_requirement_holds(labels, e) for e in t.get("matchExpressions") or [])
                            for t in terms)


def _uses_gpu_pool(pod: dict[str, Any]) -> bool:
    gpu = any(GPU_RESOURCE in ((c.get("resources") or {}).get(k) or {})
              for c in pod.get("containers") or [] for k in ("requests", "limits"))
    affinity = json.dumps(pod.get("affinity") or {})
    return gpu or POOL_LABEL in (pod.get("nodeSelector") or {}) or POOL_LABEL in affinity


def assert_tolerations_match_taints(plan: Plan,
                                    pools: list[PoolScheduling] | None = None) -> dict[str, list[str]]:
    """Every workload that requests GPUs or selects a GPU pool must select at least one pool, and tolerate
    every NoSchedule/NoExecute taint of each pool it can land on. Returns workload -> pools it can use."""
    known = [_pool_from_scheduling(p) for p in pools] if pools is not None else node_pools(plan)
    errors, placement = [], {}
    for m in manifests.manifests(plan):
        pod = _pod_spec(m)
        if not pod or not _uses_gpu_pool(pod):
            continue
        wid = manifests.object_id(m)
        tolerations = pod.get("tolerations") or []
        candidates = [p for p in known if _selects(pod, p.labels)]
        if not candidates:
            errors.append(f"{wid}: its node selector/affinity matches no GPU pool of "
                          f"{[p.name for p in known]}")
            continue
        usable = []
        for p in candidates:
            missing = [t for t in p.taints
                       if t[2] in ("NoSchedule", "NoExecute") and not tolerates(tolerations, *t)]
            if missing:
                errors.append(f"{wid}: does not tolerate {missing} of pool {p.name!r}")
            else:
                usable.append(p.name)
        placement[wid] = usable
    assert not errors, "scheduling drift:\n" + "\n".join(errors)
    return placement
