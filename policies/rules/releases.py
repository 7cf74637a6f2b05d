"""Release guardrails: a canary (A/B or shadow) never takes more than half of an endpoint's traffic.

Read on the plan, where each runtime keeps its split: SageMaker variant weights (a production variant's share is
its weight over the sum; a shadow variant samples its weight over the production variant's), the Vertex AI
endpoint's ``trafficSplit``, the Azure ML endpoint's ``traffic`` and ``mirrorTraffic``, and the annotations the
Kubernetes layer puts on a vLLM canary's Deployment and Service (components.k8s.vllm, ``llmops.io/canary-weight``).
Config validation refuses such a weight already (``endpoints.<name>.canary.weight``, 1..50); this catches a plan
built another way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import PROD, Context, Resource, resource_rule
from llmops_landing_zone.policies.values import UNKNOWN, get, json_doc, listed, number

MAX_SHARE = 0.5
# What the zone writes (policies read plans, not components): components.k8s.vllm.CANARY_WEIGHT, the Vertex AI
# endpoint's label naming its canary's deployed model (components.gcp.serving), Azure ML's main deployment.
CANARY_WEIGHT = "llmops.io/canary-weight"
CANARY_LABEL = "llmops-canary-model"
MAIN_DEPLOYMENT = "primary"


def _share(weights: list[Any], main: int | None = None) -> float | None:
    """The share of every entry but the main one (index ``main``; None: the largest), i.e. what the canaries
    take together; None when a weight is unknown or there is nothing to split."""
    values = [number(w) for w in weights]
    if any(v is None for v in values) or len(values) < 2:
        return None
    known = [v for v in values if v is not None]
    total = sum(known)
    kept = known[main] if main is not None else max(known)
    return None if total <= 0 else 1 - kept / total


def _sagemaker(props: Any) -> Iterator[str]:
    production = listed(get(props, "productionVariants", []))
    if UNKNOWN in production:
        return
    weights = [get(v, "initialVariantWeight", 1.0) for v in production]
    share = _share(weights, 0)  # the endpoint's own variant comes first
    if share is not None and share > MAX_SHARE:
        yield f"a canary production variant takes {share:.0%} of the requests (more than {MAX_SHARE:.0%})"
    base = number(weights[0]) if weights else None
    for shadow in listed(get(props, "shadowProductionVariants", [])):
        sampled = number(get(shadow, "initialVariantWeight", 1.0))
        if base and sampled is not None and sampled / base > MAX_SHARE:
            yield (f"shadow variant {get(shadow, 'variantName')} samples {sampled / base:.0%} of the requests "
                   f"(more than {MAX_SHARE:.0%})")


def _vertex(props: Any) -> Iterator[str]:
    split = json_doc(get(props, "trafficSplit"))
    if isinstance(split, dict):
        # The zone labels the endpoint with its canary's deployed model id; without it the largest is the main one.
        canary = get(props, f"labels.{CANARY_LABEL}")
        ids = list(split)
        main = None if not isinstance(canary, str) or canary not in split or len(ids) != 2 else 1 - ids.index(canary)
        share = _share(list(split.values()), main)
        if share is not None and share > MAX_SHARE:
            yield f"the traffic split gives {share:.0%} to the canary (more than {MAX_SHARE:.0%})"


def _azure(props: Any) -> Iterator[str]:
    traffic = get(props, "properties.traffic")
    if isinstance(traffic, dict):
        main = list(traffic).index(MAIN_DEPLOYMENT) if MAIN_DEPLOYMENT in traffic else None
        share = _share(list(traffic.values()), main)
        if share is not None and share > MAX_SHARE:
            yield f"endpoint traffic gives {share:.0%} to the canary deployment (more than 50%)"
    mirror = get(props, "properties.mirrorTraffic")
    if isinstance(mirror, dict):
        copied = [number(v) for v in mirror.values()]
        if all(c is not None for c in copied) and sum(c for c in copied if c is not None) > MAX_SHARE * 100:
            yield f"mirror traffic copies {sum(c for c in copied if c is not None):g}% of the requests (more than 50%)"


def _vllm(props: Any) -> Iterator[str]:
    annotations = get(props, "metadata.annotations")  # annotation keys hold dots: read the map, then the key
    weight = number(annotations.get(CANARY_WEIGHT)) if isinstance(annotations, dict) else None
    if weight is not None and weight > MAX_SHARE * 100:
        yield f"vLLM canary takes {weight:g}% of its endpoint's requests (more than 50%)"


CHECKS = {t.SAGEMAKER_ENDPOINT_CONFIG: _sagemaker, t.VERTEX_ENDPOINT: _vertex, t.ML_ONLINE_ENDPOINT: _azure,
          t.K8S_DEPLOYMENT: _vllm, t.K8S_SERVICE: _vllm}


@resource_rule(
    name="canary-weight-capped", scope="multi-cloud", types=list(CHECKS), severity="high", enforcement=PROD,
    description="A canary, A/B or shadow release takes at most 50% of its endpoint's requests: SageMaker variant "
                "weights, the Vertex AI traffic split, Azure ML traffic and mirror traffic, vLLM canaries.",
    remediation="Lower endpoints.<name>.canary.weight (1..50); to give the new model all the traffic, promote it: "
                "make it the endpoint's model and remove the canary block.",
    config_path="endpoints",
    properties=("productionVariants", "shadowProductionVariants", "trafficSplit", "properties.traffic",
                "properties.mirrorTraffic", "metadata.annotations", "labels"))
def canary_weight_capped(r: Resource, ctx: Context) -> Iterator[str]:
    yield from CHECKS[r.type](r.props)
