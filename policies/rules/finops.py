"""FinOps: budgets wherever GPU capacity exists, budgets that warn before the money is gone, budgets that
cover what the zone costs (the FinOps cost estimate), nothing planned that the estimate cannot price, and dev
GPU capacity that scales to zero."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from llmops_landing_zone.components import tokens as t
from llmops_landing_zone.policies.base import ADVICE, ADVISORY, MANDATORY, Context, Resource, Stack, resource_rule, stack_rule
from llmops_landing_zone.policies.rules.gpu import gpu_capacity, pool_view
from llmops_landing_zone.policies.values import UNKNOWN, get, is_false, is_true, is_unknown, listed, number

PROD_ONLY = {"dev": ADVISORY, "staging": ADVISORY, "prod": MANDATORY}
CLOUD_BUDGETS = {"aws": (t.AWS_BUDGET,), "gcp": (t.GCP_BUDGET,), "azure": t.AZURE_BUDGETS}
MONTHS = {"MONTHLY": 1, "QUARTERLY": 3, "ANNUALLY": 12, "Monthly": 1, "Quarterly": 3, "Annually": 12,
          "BillingMonth": 1, "BillingQuarter": 3, "BillingAnnual": 12, "MONTH": 1, "QUARTER": 3, "YEAR": 12}


@dataclass
class Notification:
    threshold_percent: Any  # float, or UNKNOWN
    forecast: Any  # bool, or UNKNOWN
    recipients: bool | None  # None: unknown


def _is(value: Any, expected: str) -> Any:
    return UNKNOWN if is_unknown(value) else value == expected


@dataclass
class BudgetView:
    """A budget on any cloud, in one vocabulary."""

    resource: Resource
    monthly_limit: Any  # USD per month (float), None if not a fixed amount, UNKNOWN during preview
    notifications: list[Notification] = field(default_factory=list)
    unknown_notifications: bool = False


def budget_view(r: Resource) -> BudgetView | None:
    p = r.props
    if r.type == t.AWS_BUDGET:
        amount = get(p, "limitAmount")
        months = MONTHS.get(get(p, "timeUnit", "MONTHLY"), 1)
        limit = UNKNOWN if is_unknown(amount) else (number(amount) / months if number(amount) else None)
        notes = get(p, "notifications", [])
        view = BudgetView(r, limit, unknown_notifications=is_unknown(notes))
        for n in listed(notes) if not is_unknown(notes) else []:
            if not isinstance(n, dict):
                view.unknown_notifications = True
                continue
            kind, threshold = n.get("thresholdType", "PERCENTAGE"), n.get("threshold")
            if is_unknown(kind) or is_unknown(threshold):
                pct: Any = UNKNOWN
            elif kind == "ABSOLUTE_VALUE":
                pct = (number(threshold) or 0) / (limit * months) * 100 if isinstance(limit, float) and limit else None
            else:
                pct = number(threshold)
            emails, topics = n.get("subscriberEmailAddresses"), n.get("subscriberSnsTopicArns")
            recipients = None if is_unknown(emails) or is_unknown(topics) else bool(listed(emails) or listed(topics))
            view.notifications.append(Notification(pct, _is(n.get("notificationType"), "FORECASTED"), recipients))
        return view
    if r.type == t.GCP_BUDGET:
        units = get(p, "amount.specifiedAmount.units")
        period = get(p, "budgetFilter.calendarPeriod", "MONTH")
        months = 1 if is_unknown(period) else MONTHS.get(period, 1)
        limit = UNKNOWN if is_unknown(units) else (number(units) / months if number(units) is not None else None)
        if limit is not None and not is_unknown(limit):
            limit += (number(get(p, "amount.specifiedAmount.nanos")) or 0) / 1e9 / months
        rules = get(p, "thresholdRules", [])
        updates = get(p, "allUpdatesRule", {})
        if is_unknown(updates):
            recipients: bool | None = None
        else:
            channels = listed(get(updates, "monitoringNotificationChannels", []))
            topic = get(updates, "pubsubTopic")
            # Without disableDefaultIamRecipients, billing admins of the account get the emails.
            defaults_on = not is_true(get(updates, "disableDefaultIamRecipients", False))
            recipients = bool(channels or topic or defaults_on)
        view = BudgetView(r, limit, unknown_notifications=is_unknown(rules))
        for rule in listed(rules) if not is_unknown(rules) else []:
            if not isinstance(rule, dict):
                view.unknown_notifications = True
                continue
            pct = rule.get("thresholdPercent")
            view.notifications.append(Notification(
                UNKNOWN if is_unknown(pct) else (number(pct) * 100 if number(pct) is not None else None),
                _is(rule.get("spendBasis"), "FORECASTED_SPEND"), recipients))
        return view
    if r.type in t.AZURE_BUDGETS:
        amount = get(p, "amount")
        grain = get(p, "timeGrain", "Monthly")
        months = 1 if is_unknown(grain) else MONTHS.get(grain, 1)
        limit = UNKNOWN if is_unknown(amount) else (number(amount) / months if number(amount) is not None else None)
        notes = get(p, "notifications", {})
        view = BudgetView(r, limit, unknown_notifications=is_unknown(notes))
        for n in (notes.values() if isinstance(notes, dict) else []):
            if not isinstance(n, dict):
                view.unknown_notifications = True
                continue
            if is_false(n.get("enabled", True)):
                continue
            contacts = [n.get(k) for k in ("contactEmails", "contactGroups", "contactRoles")]
            recipients = None if any(is_unknown(c) for c in contacts) else any(listed(c) for c in contacts)
            pct = n.get("threshold")
            view.notifications.append(Notification(UNKNOWN if is_unknown(pct) else number(pct),
                                                   _is(n.get("thresholdType"), "Forecasted"), recipients))
        return view
    return None


def zone_budgets(stack: Stack) -> list[BudgetView]:
    return [v for r in stack.of_type(*t.BUDGETS) if (v := budget_view(r)) is not None]


@stack_rule(
    name="budget-for-gpu-capacity", scope="multi-cloud",
    types=[*t.GPU_POOLS, *t.MANAGED_GPU_ENDPOINTS, *t.BUDGETS], severity="high",
    description="A stack that creates GPU capacity (GPU node pools or managed GPU endpoints) also creates a "
                "budget of the same cloud.",
    remediation="Add budget: {monthlyLimitUsd, thresholdsPercent, forecastAlerts: true, notify} to the stack "
                "config (GCP also needs budget.billingAccount).",
    config_path="budget")
def budget_for_gpu(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    gpu = gpu_capacity(stack.resources)
    cloud = stack.cloud
    if not gpu or cloud is None:
        return
    if not stack.of_type(*CLOUD_BUDGETS[cloud]):
        names = ", ".join(sorted(r.name for r in gpu)[:5])
        yield f"GPU capacity ({names}) without a budget on {cloud}", None


@resource_rule(
    name="budget-forecast-alert", scope="multi-cloud", types=t.BUDGETS, severity="medium",
    description="Budgets alert on forecasted spend, not only on actual spend (GPU bills arrive fast).",
    remediation="Keep budget.forecastAlerts true: the zone adds a forecast notification at each threshold.",
    config_path="budget.forecastAlerts",
    properties=("notifications", "thresholdRules"))
def budget_forecast(r: Resource, ctx: Context) -> Iterator[str]:
    view = budget_view(r)
    if view is None or view.unknown_notifications or any(is_unknown(n.forecast) for n in view.notifications):
        return
    if not any(n.forecast for n in view.notifications):
        yield "no notification on forecasted spend"


@resource_rule(
    name="budget-notifies-someone", scope="multi-cloud", types=t.BUDGETS, severity="medium",
    description="Every budget notification reaches somebody (email, SNS/Pub/Sub topic, channel or action group).",
    remediation="List recipients under budget.notify.emails (or wire the budget to the zone's alert topic).",
    config_path="budget.notify", properties=("notifications", "allUpdatesRule"))
def budget_recipients(r: Resource, ctx: Context) -> Iterator[str]:
    view = budget_view(r)
    if view is None or view.unknown_notifications:
        return
    if not view.notifications:
        yield "the budget has no notifications"
    elif any(n.recipients is False for n in view.notifications):
        yield "a budget notification has no recipients"


def _limit(stack: Stack) -> tuple[float | None, BudgetView | None]:
    """The zone's monthly budget (the largest fixed one), or None; UNKNOWN limits make coverage unknowable."""
    views = zone_budgets(stack)
    known = [v for v in views if isinstance(v.monthly_limit, float)]
    if any(is_unknown(v.monthly_limit) for v in views) or not known:
        return None, None
    best = max(known, key=lambda v: v.monthly_limit)
    return best.monthly_limit, best


def _unpriced(est: Any) -> list[Any]:
    """Items the estimate could not price (``priced`` False): left out of its totals, never counted as zero."""
    return [i for i in getattr(est, "items", None) or [] if getattr(i, "priced", True) is False]


def _lower_bound(est: Any) -> str:
    n = len(_unpriced(est))
    return f" (not counting {n} resource(s) the estimate cannot price)" if n else ""


def _coverage(stack: Stack) -> tuple[float, BudgetView, Any] | None:
    """(budget limit, its view, cost estimate) when both are known; None makes the coverage rules not apply."""
    limit, view = _limit(stack)
    if limit is None or view is None:
        return None
    est = stack.estimate()
    return None if est is None else (limit, view, est)


@stack_rule(
    name="budget-covers-minimum-cost", scope="multi-cloud", types=t.BUDGETS, severity="high",
    enforcement=PROD_ONLY,
    description="The monthly budget covers the estimated monthly cost of the zone at minimum scale (every pool "
                "and endpoint at its minimum), so the alerts mean something.",
    remediation="Raise budget.monthlyLimitUsd to at least the minimum-scale estimate (llz cost STACK), or lower "
                "the minimums (gpuPools.*.minNodes, endpoints.*.replicas.min).",
    config_path="budget.monthlyLimitUsd")
def budget_covers_min(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if (known := _coverage(stack)) is None:
        return
    limit, view, est = known
    if est.monthly_min_usd > limit:
        yield (f"the zone costs about ${est.monthly_min_usd:,.0f}/month at minimum scale{_lower_bound(est)}, more "
               f"than the ${limit:,.0f} budget"), view.resource.urn


@stack_rule(
    name="budget-covers-maximum-cost", scope="multi-cloud", types=t.BUDGETS, severity="medium", enforcement=ADVICE,
    description="Advisory: the estimated monthly cost at maximum scale (every pool and endpoint at its maximum) "
                "exceeds the budget, so autoscaling alone can overrun it.",
    remediation="Accept it knowingly, lower gpuPools.*.maxNodes / endpoints.*.replicas.max, or raise "
                "budget.monthlyLimitUsd.",
    config_path="budget.monthlyLimitUsd")
def budget_covers_max(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    if (known := _coverage(stack)) is None:
        return
    limit, view, est = known
    if est.monthly_max_usd > limit:
        yield (f"at maximum scale the zone costs about ${est.monthly_max_usd:,.0f}/month{_lower_bound(est)}, "
               f"{est.monthly_max_usd / limit:.1f}x the ${limit:,.0f} budget"), view.resource.urn


@stack_rule(
    name="cost-estimate-complete", scope="multi-cloud", severity="medium", enforcement=ADVICE,
    description="Advisory: the cost estimate prices everything the stack plans. A resource it cannot price (a "
                "Vertex AI endpoint whose model the ML pipeline deploys, a type without a price rule) is left out "
                "of the totals the budget rules compare, so its cost is nowhere in the budget.",
    remediation="Budget for it by hand: add its expected monthly cost (machine price x replicas x 730 h) to "
                "budget.monthlyLimitUsd; or serve the model where the zone plans its capacity (a Model Garden "
                "model, or runtime: vllm).",
    config_path="budget.monthlyLimitUsd")
def cost_estimate_complete(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    est = stack.estimate()
    if est is None:
        return
    for i in _unpriced(est):
        yield f"{i.name} ({i.type}) is not priced and not in the cost totals: {i.basis}", i.urn


@stack_rule(
    name="budget-early-warning", scope="multi-cloud", types=t.BUDGETS, severity="medium", enforcement=ADVICE,
    description="Advisory: budget thresholds leave a warning before 100% (an actual-spend threshold below 100% "
                "or a forecast alert).",
    remediation="Add lower thresholds (budget.thresholdsPercent: [50, 80, 100]) or keep budget.forecastAlerts on.",
    config_path="budget.thresholdsPercent")
def budget_early_warning(stack: Stack, ctx: Context) -> Iterator[tuple[str, str | None]]:
    for view in zone_budgets(stack):
        if view.unknown_notifications or any(is_unknown(n.threshold_percent) or is_unknown(n.forecast)
                                             for n in view.notifications):
            continue
        warns = [n for n in view.notifications if n.threshold_percent is not None and
                 (n.threshold_percent < 100 or (n.forecast and n.threshold_percent <= 100))]
        if not warns:
            yield "no notification fires before spend reaches 100% of the budget", view.resource.urn


@resource_rule(
    name="dev-gpu-scale-to-zero", scope="multi-cloud", types=t.GPU_POOLS, severity="medium", enforcement=ADVICE,
    environments=("dev",),
    description="In dev, GPU node pools scale to zero when idle (minimum size 0).",
    remediation="Set gpuPools.<pool>.minNodes: 0 (and endpoints.<ep>.replicas.min: 0 to park an endpoint).",
    config_path="gpuPools", properties=("scalingConfig.minSize", "autoscaling.minNodeCount", "minCount"))
def dev_scale_to_zero(r: Resource, ctx: Context) -> Iterator[str]:
    view = pool_view(r)
    if view is None or not view.gpu or is_unknown(view.min_nodes):
        return
    n = number(view.min_nodes)
    if n is not None and n > 0:
        yield f"dev GPU pool keeps {n:g} node(s) running when idle"
