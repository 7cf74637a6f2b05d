"""The offline engine: run the same program as ``pulumi up`` under Pulumi's mock runtime and record it.

``pulumi.runtime.set_mocks`` replaces the engine and resource monitor with in-process fakes. Our
``RecordingMonitor`` subclasses the SDK's ``MockMonitor`` and keeps every RegisterResource request as the
engine would see it (type, name, parent, camelCase inputs, protect, retainOnDelete, dependencies), while
``RecordingMocks`` answers with realistic outputs (ARNs, ids, endpoints, kubeconfigs) so dependent code runs.
No CLI, no credentials, no network.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from llmops_landing_zone.components.plan import Plan, PlannedResource
from llmops_landing_zone.llz.mocks import GCP_PROJECT_NUMBER, MockContext, tables
from llmops_landing_zone.llz.mocks.aws import GENERIC as AWS_GENERIC

PROJECT = "llmops-landing-zone"


class OfflineRunError(Exception):
    """The program failed under the mock runtime (a bug in a component, not a config error)."""


def jsonable(value: Any, secrets: list[str] | None = None, path: str = "") -> Any:
    """Inputs as plain JSON: secrets unwrapped (their paths appended to ``secrets``, so the plan JSON can
    mask them), resource references as their URN, unknowns as a marker."""
    if isinstance(value, Mapping):
        if rpc._special_sig_key in value:
            sig = value[rpc._special_sig_key]
            if sig == rpc._special_secret_sig:
                if secrets is not None:
                    secrets.append(path)
                return jsonable(value.get("value"))
            if sig == rpc._special_resource_sig:
                return value.get("urn")
        return {str(k): jsonable(v, secrets, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, secrets, f"{path}.{i}") for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, pulumi.Resource):
        return getattr(value, "_name", str(value))
    if rpc.UNKNOWN == value:
        return "<computed>"
    return str(value)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str, project: str = "") -> None:
        self.region = region
        self.project = project
        self.outputs, self.calls = tables()
        self.unmocked_calls: set[str] = set()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        ctx = MockContext(args.typ, args.name, dict(args.inputs), self.region, self.project)
        fn = self.outputs.get(args.typ)
        if fn is None and args.typ.startswith("aws:"):
            fn = AWS_GENERIC
        extra = fn(ctx) if fn else {}
        state = {**args.inputs, **extra}
        resource_id = str(state.pop("id", None) or f"{args.name}-{ctx.digest()}")
        if args.typ.startswith("gcp:") and "project" not in state and self.project:
            state["project"] = self.project
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        fn = self.calls.get(args.token)
        if fn is None:
            self.unmocked_calls.add(args.token)
            return {}
        return fn(dict(args.args), self.region)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.records: list[PlannedResource] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the real engine builds them: the type is qualified by the parent's whole qualified type
        (``LandingZone$GpuPool$NodePool``; the SDK's create_urn does the same), not only by the parent's own
        type as the SDK's MockMonitor does, and the root Stack's type is never part of it."""
        if parent and "::pulumi:pulumi:Stack::" not in parent:
            type_ = f"{parent.split('::')[2]}${type_}"
        return super().make_urn("", type_, name)

    def _alias_urns(self, request) -> list[str]:
        """Aliases as the URNs they stand for (a spec names only what differs from the resource itself)."""
        urns = []
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urns.append(self.make_urn(parent, spec.type or request.type, spec.name or request.name))
        return urns

    def RegisterResource(self, request):
        """MockMonitor.RegisterResource, recording the request; inputs are deserialized once for both."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        args = pulumi.runtime.MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False)
        resource_id, state = self.mocks.new_resource(args)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        secrets: list[str] = []
        recorded = jsonable(inputs, secrets)
        self.records.append(PlannedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=None if not request.parent or "::pulumi:pulumi:Stack::" in request.parent else request.parent,
            custom=bool(request.custom),
            inputs=recorded,
            protect=bool(request.protect),
            retainOnDelete=bool(request.retainOnDelete),
            dependencies=sorted(set(request.dependencies)),
            provider=request.provider.rsplit("::", 1)[0] if request.provider else None,  # "<urn>::<id>"
            aliases=self._alias_urns(request),
            secrets=secrets,
        ))
        obj = _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=obj)


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run(
    program: Callable[[], Any],
    *,
    stack: str,
    config: Mapping[str, str],
    region: str,
    gcp_project: str = "",
) -> tuple[list[PlannedResource], RecordingMocks]:
    """Run ``program`` under mocks with ``config`` (as Pulumi would pass it) and return what it registered."""
    mocks = RecordingMocks(region, gcp_project)
    monitor = RecordingMonitor(mocks)
    logger = logging.getLogger(f"llz.engine.{stack}")
    logger.propagate = False
    errors = _ErrorLog()
    logger.addHandler(errors)
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config))
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, logger=logger, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    # The SDK allocates many short-lived cyclic objects (outputs, futures, tasks) per resource. With the cyclic
    # collector on, full collections rescan the growing heap and cost more per resource as the plan grows
    # (measured: over half the run time at 2,000 resources). A plan run is bounded, so the collector pauses for
    # the run; the heap that was live before it (SDK modules, earlier plans) is frozen out of the collector's
    # view, so the one full collection afterwards scans only what this run allocated.
    collecting = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        _sync_await(run_pulumi_func(program))
    except pulumi.RunError as exc:
        raise OfflineRunError(str(exc)) from None
    finally:
        logger.removeHandler(errors)
        if collecting:
            gc.enable()
            gc.collect()
    if errors.messages:
        raise OfflineRunError("\n".join(errors.messages))
    return monitor.records, mocks


__all__ = ["GCP_PROJECT_NUMBER", "OfflineRunError", "Plan", "RecordingMocks", "RecordingMonitor", "run"]
