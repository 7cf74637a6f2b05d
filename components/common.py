"""Shared interface pieces every cloud uses: tags/labels, stateful options, child options.

One concept, one name, one place: a component never builds tags or protect flags by hand.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

import pulumi

ZONE_TAG = "llmops-zone"  # the cost-allocation tag budgets filter on (label on GCP)
ENV_TAG = "llmops-environment"
MANAGED_BY_TAG = "managed-by"


def zone_tags(name: str, environment: str = "", tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags for AWS and Azure resources: the user's ``tags`` plus the zone's own keys (which win)."""
    return {**(tags or {}), ZONE_TAG: name, ENV_TAG: environment, MANAGED_BY_TAG: "pulumi"}


def gcp_label(text: str) -> str:
    """GCP label rules: lowercase letters, digits, _ and -, at most 63 characters."""
    return re.sub(r"[^a-z0-9_-]", "_", text.lower())[:63]


def labels_of(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as GCP labels (camelCase keys become snake_case, then sanitised)."""
    return {gcp_label(re.sub(r"(?<!^)([A-Z])", r"_\1", k)): gcp_label(v) for k, v in tags.items()}


def zone_labels(name: str, environment: str = "", tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """The zone's tags as GCP labels."""
    return labels_of(zone_tags(name, environment, tags))


def stateful(protect: bool, parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for anything holding user data (keys, buckets, logs, vector stores): with ``protect`` (prod, or
    protectStateful) it is protected and retained, so no config change or `pulumi destroy` can delete it."""
    return pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect, **kwargs)


def tagged(opts: pulumi.ResourceOptions | None, tags: dict[str, str] | None = None,
           labels: dict[str, str] | None = None) -> pulumi.ResourceOptions | None:
    """A component's options plus a transformation putting ``tags`` (AWS, Azure) or ``labels`` (GCP) on each
    of its resources: the tags hook of a component used without the zone (the zone tags everything itself)."""
    if not tags and not labels:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
        transformations=[tagging(tags or {}, labels or {})]))


def child(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **kwargs)


# GCP types whose resource labels are not called ``labels``: a notification channel's ``labels`` configure the
# channel (e.g. ``email_address``; unknown keys are rejected) and its resource labels are ``user_labels``; a GKE
# cluster's are ``resource_labels`` (GKE copies them onto the node VMs and disks, so billing sees them).
GCP_LABEL_ARG = {
    "gcp:monitoring/notificationChannel:NotificationChannel": "user_labels",
    "gcp:container/cluster:Cluster": "resource_labels",
}


def _accepts(resource: pulumi.Resource, arg: str) -> bool:
    init = getattr(type(resource), "_internal_init", None)
    return init is not None and arg in inspect.signature(init).parameters


def auto_tagging(tags: Mapping[str, str]) -> pulumi.ResourceTransformation:
    """A transformation (inherited by every child of the zone) that puts ``tags`` (the zone's, ``zone_tags``)
    on every resource whose type accepts ``tags`` (AWS, Azure) or ``labels`` (GCP). Explicit tags on a resource
    are kept; the zone keys are added on top."""
    return tagging(dict(tags), labels_of(tags))


def tagging(tags: dict[str, str], labels: dict[str, str]) -> pulumi.ResourceTransformation:
    """``auto_tagging`` for given tags and labels."""
    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if not isinstance(args.resource, pulumi.CustomResource) or args.type_.startswith("kubernetes:"):
            return None
        props = dict(args.props)
        if args.type_.startswith("gcp:"):
            arg = GCP_LABEL_ARG.get(args.type_, "labels")
            if not _accepts(args.resource, arg):
                return None
            props[arg] = {**labels, **(props.get(arg) or {})}
        elif args.type_.startswith(("aws:", "azure-native:")):
            if not _accepts(args.resource, "tags"):
                return None
            props["tags"] = {**tags, **(props.get("tags") or {})}
        else:
            return None
        return pulumi.ResourceTransformationResult(props, args.opts)

    return transform


def api_key(logical: str, parent: pulumi.Resource) -> pulumi.Output[str]:
    """A random 48-character API key (letters and digits: safe in a header), kept in Pulumi state as a secret.
    pulumi_random generates it once and keeps it until the resource is replaced (rotation: ``pulumi up
    --replace`` on it); no cloud generates a secret value inside its secret store's own resource."""
    import pulumi_random as random  # only zones with a gateway need it

    password = random.RandomPassword(logical, length=48, special=False,
                                     opts=pulumi.ResourceOptions(parent=parent))
    return pulumi.Output.secret(password.result)
