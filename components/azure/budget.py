"""Budget: a monthly Cost Management budget over the zone's resource groups, with Actual and Forecasted
notifications to an action group of email receivers.

Scope: the zone's resource group alone would miss the largest cost of the zone, the GPU VM scale sets, which
AKS keeps in its own node resource group. The budget is therefore defined at subscription scope and filtered
to both resource groups (``ResourceGroupName In [...]``): exactly the zone's resources, nothing else.

Notifications: Azure allows five per budget. Each threshold gets an Actual notification; with forecastAlerts
the highest thresholds also get a Forecasted one (at least one, since a forecast near the limit is the early
warning that matters): ``f = min(n, max(1, 5 - n))`` forecasts on the top ``f`` thresholds and Actual on the
top ``5 - f``. Three thresholds give 3 Actual + 2 Forecasted; five give the top four Actual + one Forecasted.
https://learn.microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure

from llmops_landing_zone.components.azure import names
from llmops_landing_zone.components.azure.base import AzureContext
from llmops_landing_zone.components.common import child
from llmops_landing_zone.components.naming import name

TYPE = "llmops:azure:Budget"
MAX_NOTIFICATIONS = 5


def notification_plan(thresholds: list[float], forecast: bool) -> list[tuple[str, float]]:
    """(thresholdType, percent) pairs, at most five (see the module docstring)."""
    th = sorted(thresholds)
    if not forecast:
        return [("Actual", t) for t in th[-MAX_NOTIFICATIONS:]]
    n_forecast = min(len(th), max(1, MAX_NOTIFICATIONS - len(th)))
    n_actual = min(len(th), MAX_NOTIFICATIONS - n_forecast)
    return [("Actual", t) for t in th[len(th) - n_actual:]] + [("Forecasted", t) for t in th[len(th) - n_forecast:]]


def notification_key(kind: str, threshold: float) -> str:
    return f"{kind.lower()}-{threshold:g}".replace(".", "_")


def budget_start(today: dt.date) -> str:
    """The first day of ``today``'s month. Azure accepts a past start date only inside the current month (the
    time grain), so no fixed date works at creation; the budget ignores later changes of ``timePeriod``, so
    the value of the first `pulumi up` stays and later runs show no monthly diff. URNs never depend on it."""
    return f"{today.year:04d}-{today.month:02d}-01T00:00:00Z"


@dataclass
class BudgetArgs:
    name: str  # the zone's name: prefix of the budget and the action group
    ctx: AzureContext
    monthly_limit_usd: float
    resource_group: pulumi.Input[str]  # where the action group lives
    resource_groups: list[str]  # the budget's filter: the zone's resource group and the AKS node resource group
    thresholds_percent: list[float] = field(default_factory=lambda: [50.0, 80.0, 100.0])
    forecast_alerts: bool = True  # also alert on Forecasted spend (within Azure's five notifications)
    emails: list[str] = field(default_factory=list)  # the action group's email receivers
    today: dt.date | None = None  # injectable for tests; default: today (UTC)


class Budget(pulumi.ComponentResource):
    def __init__(self, name_: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        ctx, z = args.ctx, args.name
        self.action_group = azure.monitor.ActionGroup(
            name(z, "budget-alerts"), action_group_name=name(z, "budget-alerts"),
            resource_group_name=args.resource_group, location="global", enabled=True,
            group_short_name=names.ACTION_GROUP_SHORT.render(z),
            email_receivers=[{"name": f"email-{i}", "email_address": e, "use_common_alert_schema": True}
                             for i, e in enumerate(args.emails)],
            opts=child(self))
        today = args.today or dt.datetime.now(dt.UTC).date()
        notifications = {
            notification_key(kind, t): {
                "enabled": True, "operator": "GreaterThan", "threshold": t, "threshold_type": kind,
                "contact_emails": [], "contact_groups": [self.action_group.id], "locale": "en-us",
            }
            for kind, t in notification_plan(args.thresholds_percent, args.forecast_alerts)
        }
        self.budget = azure.consumption.Budget(
            name(z, "budget"), budget_name=name(z, "monthly"), scope=ctx.subscription_scope,
            amount=args.monthly_limit_usd, category="Cost", time_grain="Monthly",
            time_period={"start_date": budget_start(today)},
            filter={"dimensions": {"name": "ResourceGroupName", "operator": "In", "values": args.resource_groups}},
            notifications=notifications,
            opts=child(self, ignore_changes=["timePeriod"]))
        self.register_outputs({"budget": name(z, "monthly"), "actionGroupId": self.action_group.id})
