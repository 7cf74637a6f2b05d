"""The optional hooks of the Azure network, keys and cluster components, as plain values: diagnostic settings
into a log sink, and the CanNotDelete lock of a stateful resource. (``base.diagnostics`` and
``base.delete_lock`` do the same from the zone's config for the other components.)"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure.base import ALL_LOGS, LogSink


def diagnostic_setting(logical: str, prefix: str, *, resource_id: pulumi.Input[str], sink: LogSink,
                       parent: pulumi.Resource, logs: list[dict[str, Any]] | None = None,
                       metrics: list[dict[str, Any]] | None = None) -> azure.monitor.DiagnosticSetting:
    """A resource's logs (and metrics) into the sink's workspace and storage (setting ``<prefix>-audit``)."""
    return azure.monitor.DiagnosticSetting(
        logical, name=f"{prefix}-audit", resource_uri=resource_id, workspace_id=sink.workspace_id,
        storage_account_id=sink.storage_account_id, log_analytics_destination_type="Dedicated",
        logs=ALL_LOGS if logs is None else logs, metrics=metrics or [],
        opts=pulumi.ResourceOptions(parent=parent))


def deletion_lock(logical: str, prefix: str, *, scope: pulumi.Input[str], parent: pulumi.Resource,
                  what: str) -> azure.authorization.ManagementLockByScope:
    """A CanNotDelete lock (``<prefix>-do-not-delete``) on a stateful resource: the cloud-side guard next to
    Pulumi's ``protect``."""
    return azure.authorization.ManagementLockByScope(
        logical, lock_name=f"{prefix}-do-not-delete", scope=scope, level="CanNotDelete",
        notes=f"llmops zone {prefix}: {what} holds data; remove deletionProtection first to delete it",
        opts=pulumi.ResourceOptions(parent=parent))
