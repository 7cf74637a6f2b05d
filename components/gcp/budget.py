"""Budget: a Cloud Billing budget on the zone's spend, with alerts by email and to a Pub/Sub topic.

The budget lives on ``budget.billingAccount`` and counts only the zone's project and resources carrying the
zone label (``llmops-zone``; the Budget API allows one label pair). Threshold rules fire on current spend and,
with ``forecastAlerts``, on forecasted spend; the API's ``thresholdPercent`` is a fraction (1.0 = 100%).
Every update goes to a CMEK-encrypted topic kept in the zone's region, for automation (e.g. scaling GPU
pools down), and to one Cloud Monitoring email channel per address (the API takes at most five).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from llmops_landing_zone.components.common import ZONE_TAG, child, gcp_label, zone_labels
from llmops_landing_zone.components.config.models import ZoneConfig
from llmops_landing_zone.components.gcp.keys import DATA, Keys
from llmops_landing_zone.components.gcp.limits import MAX_BUDGET_CHANNELS
from llmops_landing_zone.components.gcp.project import GcpContext, ProjectServices
from llmops_landing_zone.components.naming import name

TYPE = "llmops:gcp:Budget"
# Cloud Billing publishes budget notifications as this Google-managed account; it needs publish rights on the
# topic (https://cloud.google.com/billing/docs/how-to/budgets-programmatic-notifications).
BUDGET_PUBLISHER = "serviceAccount:billing-budget-alert@system.gserviceaccount.com"


@dataclass
class BudgetArgs:
    cfg: ZoneConfig
    ctx: GcpContext
    keys: Keys
    services: ProjectServices


class Budget(pulumi.ComponentResource):
    topic: gcp.pubsub.Topic
    channels: list[gcp.monitoring.NotificationChannel]
    budget: gcp.billing.Budget

    def __init__(self, name_: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name_, None, opts)
        cfg, ctx = args.cfg, args.ctx
        b = cfg.budget
        assert b is not None and b.billing_account, "config validation requires budget.billingAccount on GCP"
        z = cfg.name
        self.topic = gcp.pubsub.Topic(
            f"{z}-budget", name=name(z, "budget"), project=ctx.project, kms_key_name=args.keys.key(DATA),
            message_storage_policy={"allowed_persistence_regions": [ctx.region]},
            opts=child(self, depends_on=[*args.keys.ready(DATA), *args.services.deps("pubsub")]))
        publisher = gcp.pubsub.TopicIAMMember(
            f"{z}-budget-publisher", project=ctx.project, topic=self.topic.name,
            role="roles/pubsub.publisher", member=BUDGET_PUBLISHER, opts=child(self))
        self.channels = [
            gcp.monitoring.NotificationChannel(
                f"{z}-budget-{hashlib.sha256(email.encode()).hexdigest()[:8]}", project=ctx.project,
                type="email", display_name=f"{z} budget: {email}", labels={"email_address": email},
                opts=child(self, depends_on=args.services.deps("monitoring")))
            for email in b.notify.emails
        ]
        bases = ["CURRENT_SPEND", "FORECASTED_SPEND"] if b.forecast_alerts else ["CURRENT_SPEND"]
        rules = [{"threshold_percent": t / 100, "spend_basis": basis}
                 for basis in bases for t in b.thresholds_percent]
        channels = self.channels[:MAX_BUDGET_CHANNELS]  # config validation refuses more
        units = int(b.monthly_limit_usd)
        nanos = round((b.monthly_limit_usd - units) * 1e9)
        label_key = gcp_label(ZONE_TAG)
        self.budget = gcp.billing.Budget(
            f"{z}-budget", billing_account=b.billing_account, display_name=f"{z} monthly budget",
            amount={"specified_amount": {"currency_code": "USD", "units": str(units),
                                         **({"nanos": nanos} if nanos else {})}},
            budget_filter={"projects": [ctx.number.apply(lambda n: f"projects/{n}")],
                           "labels": {label_key: zone_labels(cfg)[label_key]},
                           "calendar_period": "MONTH", "credit_types_treatment": "INCLUDE_ALL_CREDITS"},
            threshold_rules=rules,
            all_updates_rule={"pubsub_topic": self.topic.id, "schema_version": "1.0",
                              "monitoring_notification_channels": [c.id for c in channels]},
            opts=child(self, depends_on=[publisher, *args.services.deps("billingbudgets")]))
        self.register_outputs({"budget": self.budget.name, "topic": self.topic.id})
