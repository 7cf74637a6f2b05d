"""Kubernetes objects of a recorded plan, as the plain manifests the Kubernetes provider would apply.

Each ``kubernetes:<group>/<version>:<Kind>`` resource the engine recorded carries the object's fields as
its inputs (apiVersion, kind, metadata, spec / data / rules / subjects / roleRef ...). Rebuilding them lets
any Kubernetes tool (kubernetes-validate, checkov, kubectl --dry-run) check what Pulumi will create.
Integral numbers come back from the engine as floats (protobuf Struct); they are restored to ints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from llmops_landing_zone.components.plan import Plan, PlannedResource

# Resources of the kubernetes package that are not one API object: Helm releases, YAML/kustomize
# bundles (components whose children are recorded on their own), server-side-apply patches (partial).
_NOT_OBJECTS = re.compile(r"^kubernetes:(helm\.sh/|yaml[:/]|kustomize[:/])|Patch$")
_TYPE = re.compile(r"^kubernetes:(?P<group>[^:]+)/(?P<version>[^:/]+):(?P<kind>\w+)$")
_HEAD = ("apiVersion", "kind", "metadata")


def is_object(resource: PlannedResource) -> bool:
    t = resource.type
    return resource.custom and t.startswith("kubernetes:") and not _NOT_OBJECTS.search(t)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def api_version_and_kind(resource: PlannedResource) -> tuple[str, str]:
    """From the inputs (the SDK always sets them) or, failing that, from the type token."""
    api_version, kind = resource.inputs.get("apiVersion"), resource.inputs.get("kind")
    if api_version and kind:
        return str(api_version), str(kind)
    m = _TYPE.match(resource.type)
    if not m:
        raise ValueError(f"{resource.urn}: cannot tell apiVersion/kind from type {resource.type!r}")
    group = m["group"]
    return (m["version"] if group == "core" else f"{group}/{m['version']}"), m["kind"]


def manifest(resource: PlannedResource) -> dict[str, Any]:
    api_version, kind = api_version_and_kind(resource)
    body = _plain({k: v for k, v in resource.inputs.items() if k not in _HEAD})
    out: dict[str, Any] = {"apiVersion": api_version, "kind": kind,
                           "metadata": _plain(resource.inputs.get("metadata") or {})}
    out.update(dict(sorted(body.items())))
    return out


def manifests(plan: Plan | Iterable[PlannedResource]) -> list[dict[str, Any]]:
    resources = plan.resources if isinstance(plan, Plan) else plan
    return [manifest(r) for r in resources if is_object(r)]


def object_id(m: dict[str, Any]) -> str:
    """``Kind.namespace.name`` (checkov's resource id; "default" when a namespaced object names none)."""
    meta = m.get("metadata") or {}
    return f"{m['kind']}.{meta.get('namespace', 'default')}.{meta.get('name', '')}"


def to_yaml(items: Iterable[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(list(items), sort_keys=False, default_flow_style=False)


def write(plan: Plan | Iterable[PlannedResource], directory: str | Path) -> list[Path]:
    """One YAML file per object (``<kind>-<namespace>-<name>.yaml``), so tools report per file."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, m in enumerate(manifests(plan)):
        stem = re.sub(r"[^A-Za-z0-9.-]+", "-", object_id(m)).strip("-").lower()
        path = out_dir / f"{i:04d}-{stem}.yaml"
        path.write_text(yaml.safe_dump(m, sort_keys=False))
        paths.append(path)
    return paths
