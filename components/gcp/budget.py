"""Budget: a Cloud Billing budget on the zone's spend, with alerts by email and to a Pub/Sub topic.

The budget lives on ``budget.billingAccount`` and counts only the zone's project and resources carrying the
zone label (``llmops-zone``; the Budget API allows one label pair). Threshold rules fire on current spend and,
with ``forecastAlerts``, on forecasted spend; the API's ``thresholdPercent`` is a fraction (1.0 = 100%).
Every update goes to a CMEK-encrypted topic kept in the zone's region, for automation (e.g. scaling GPU
pools down), and to one Cloud Monitoring email channel per address (the API takes at most five).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import ZONE_TAG, child, gcp_label
from llmops_landing_zone.components.gcp.limits import MAX_BUDGET_CHANNELS
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.naming import name

TYPE = "llmops:gcp:Budget"
# Cloud Billing publishes budget notifications as this Google-managed account; it needs publish rights on the
# topic (https://cloud.google.com/billing/docs/how-to/budgets-programmatic-notifications).
BUDGET_PUBLISHER = "serviceAccount:billing-budget-alert@system.gserviceaccount.com"


@dataclass
class BudgetArgs:
    name: str  # the zone's name: the zone label value the budget counts, and the name prefix
    ctx: GcpContext
    billing_account: str  # budget.billingAccount: where the budget lives
    monthly_limit_usd: float
    encryption_key: pulumi.Input[str]  # the Cloud KMS key id of the alert topic (CMEK)
    services: ProjectServices  # the topic, channels and budget wait for the APIs they call
    thresholds_percent: list[float] = field(default_factory=lambda: [50.0, 80.0, 100.0])
    forecast_alerts: bool = True  # also alert on FORECASTED spend
    emails: list[str] = field(default_factory=list)  # one email channel each (at most five)
    depends_on: list[pulumi.Resource] = field(default_factory=list)  # before the topic: the key's grants


class Budget(pulumi.ComponentResource):
    topic: gcp.pubsub.Topic
    channels: list[gcp.monitoring.NotificationChannel]
    budget: gcp.billing.Budget

    def __init__(self, name_: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        ctx, z = args.ctx, args.name
        assert args.billing_account, "config validation requires budget.billingAccount on GCP"
        self.topic = gcp.pubsub.Topic(
            f"{z}-budget", name=name(z, "budget"), project=ctx.project, kms_key_name=args.encryption_key,
            message_storage_policy={"allowed_persistence_regions": [ctx.region]},
            opts=child(self, depends_on=[*args.depends_on, *args.services.deps("pubsub")]))
        publisher = gcp.pubsub.TopicIAMMember(
            f"{z}-budget-publisher", project=ctx.project, topic=self.topic.name,
            role="roles/pubsub.publisher", member=BUDGET_PUBLISHER, opts=child(self))
        self.channels = [
            gcp.monitoring.NotificationChannel(
                f"{z}-budget-{hashlib.sha256(email.encode()).hexdigest()[:8]}", project=ctx.project,
                type="email", display_name=f"{z} budget: {email}", labels={"email_address": email},
                opts=child(self, depends_on=args.services.deps("monitoring")))
            for email in args.emails
        ]
        bases = ["CURRENT_SPEND", "FORECASTED_SPEND"] if args.forecast_alerts else ["CURRENT_SPEND"]
        rules = [{"threshold_percent": t / 100, "spend_basis": basis}
                 for basis in bases for t in args.thresholds_percent]
        channels = self.channels[:MAX_BUDGET_CHANNELS]  # config validation refuses more
        units = int(args.monthly_limit_usd)
        nanos = round((args.monthly_limit_usd - units) * 1e9)
        self.budget = gcp.billing.Budget(
            f"{z}-budget", billing_account=args.billing_account, display_name=f"{z} monthly budget",
            amount={"specified_amount": {"currency_code": "USD", "units": str(units),
                                         **({"nanos": nanos} if nanos else {})}},
            budget_filter={"projects": [ctx.number.apply(lambda n: f"projects/{n}")],
                           # the zone label every resource carries (components.common.zone_labels)
                           "labels": {gcp_label(ZONE_TAG): gcp_label(z)},
                           "calendar_period": "MONTH", "credit_types_treatment": "INCLUDE_ALL_CREDITS"},
            threshold_rules=rules,
            all_updates_rule={"pubsub_topic": self.topic.id, "schema_version": "1.0",
                              "monitoring_notification_channels": [c.id for c in channels]},
            opts=child(self, depends_on=[publisher, *args.services.deps("billingbudgets")]))
        self.register_outputs({"budget": self.budget.name, "topic": self.topic.id})
