"""Budget: a monthly cost budget on the zone's cost-allocation tag, with alerts and anomaly detection.

- The budget counts only spend tagged ``llmops-zone=<zone>`` (every zone resource carries the tag, GPU
  instances and volumes through the launch templates). The tag must be activated once per payer account as
  a cost-allocation tag (Billing console or ``aws ce update-cost-allocation-tags-status``) before AWS Budgets
  and Cost Explorer can filter on it; it cannot be activated before it has been seen on a resource, so it is
  not managed here.
- One notification per threshold on ACTUAL spend and, with ``forecastAlerts``, on FORECASTED spend (a budget
  holds up to ten, enough for the five thresholds the config allows), to the configured emails and an SNS
  topic for chat/incident tooling. The topic is encrypted with its own CMK whose policy lets only AWS
  Budgets (and Cost Anomaly Detection, when it publishes there) use it; the topic policy admits only those
  services, from this account (docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html).
- A Cost Anomaly Detection monitor on the same tag, with a subscription alerting on anomalies worth 1% of
  the monthly limit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from llmops_landing_zone.components.aws.base import AwsContext, Statement, document, document_of, statement
from llmops_landing_zone.components.aws.keys import DELETION_WINDOW_DAYS, admin_statement
from llmops_landing_zone.components.common import ZONE_TAG, child, stateful

TYPE = "llmops:aws:Budget"
MIN_ANOMALY_USD = 10.0


def publishers(ctx: AwsContext, emails: Sequence[str], extra: tuple[str, ...] = ()) -> list[str]:
    """Services that publish to the topic: Budgets always; Cost Anomaly Detection when there is no email
    to send its alerts to (email subscriptions cannot be IMMEDIATE, SNS ones can); ``extra`` ones (``aps``:
    the serving alerts of Amazon Managed Service for Prometheus, components/aws/monitoring.py)."""
    services = [ctx.service("budgets")]
    if not emails:
        services.append(ctx.service("costalerts"))
    return services + [ctx.service(s) for s in extra]


def topic_key_policy(ctx: AwsContext, services: list[str]) -> str:
    return document(
        admin_statement(ctx),
        statement("AlertServicesUse", ["kms:GenerateDataKey*", "kms:Decrypt"], "*",
                  principal={"Service": services},
                  condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}}),
    )


def topic_statements(ctx: AwsContext, services: list[str], topic_arn: str) -> list[Statement]:
    return [
        statement("AlertServicesPublish", "SNS:Publish", topic_arn, principal={"Service": services},
                  condition={"StringEquals": {"aws:SourceAccount": ctx.account_id}}),
        statement("DenyInsecureTransport", "SNS:Publish", topic_arn, principal={"AWS": "*"}, effect="Deny",
                  condition={"Bool": {"aws:SecureTransport": "false"}}),
    ]


def notifications(args: BudgetArgs, topic_arn: pulumi.Input[str]) -> list[dict]:
    kinds = ["ACTUAL", "FORECASTED"] if args.forecast_alerts else ["ACTUAL"]
    return [
        {"comparison_operator": "GREATER_THAN", "threshold": threshold, "threshold_type": "PERCENTAGE",
         "notification_type": kind, "subscriber_email_addresses": list(args.emails),
         "subscriber_sns_topic_arns": [topic_arn]}
        for kind in kinds for threshold in args.thresholds_percent
    ]


@dataclass
class BudgetArgs:
    name: str  # the zone's name: the cost-allocation tag value the budget counts, and the name prefix
    ctx: AwsContext
    monthly_limit_usd: float
    thresholds_percent: list[float] = field(default_factory=lambda: [50.0, 80.0, 100.0])
    forecast_alerts: bool = True  # also alert on FORECASTED spend
    emails: list[str] = field(default_factory=list)  # none: alerts go to the SNS topic only
    protect: bool = True  # protect + retainOnDelete on the alert topic's key
    extra_publishers: tuple[str, ...] = ()  # further services allowed to publish to the alerts topic


class Budget(pulumi.ComponentResource):
    budget: aws.budgets.Budget
    topic: aws.sns.Topic

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE, name, None, opts)
        ctx, z = args.ctx, args.name
        services = publishers(ctx, args.emails, args.extra_publishers)

        key = aws.kms.Key(f"{z}-budget-alerts-key", description=f"{z}: budget and cost anomaly alerts",
                          enable_key_rotation=True, deletion_window_in_days=DELETION_WINDOW_DAYS,
                          policy=topic_key_policy(ctx, services), opts=stateful(args.protect, self))
        aws.kms.Alias(f"{z}-budget-alerts-alias", name=f"alias/{z}-budget-alerts", target_key_id=key.key_id,
                      opts=child(self))
        self.topic = aws.sns.Topic(f"{z}-budget-alerts", name=f"{z}-budget-alerts", kms_master_key_id=key.arn,
                                   opts=child(self))
        topic_policy = aws.sns.TopicPolicy(
            f"{z}-budget-alerts", arn=self.topic.arn,
            policy=document_of(lambda arn: topic_statements(ctx, services, arn), self.topic.arn),
            opts=child(self))

        self.budget = aws.budgets.Budget(
            f"{z}-monthly", name=f"{z}-monthly", account_id=ctx.account_id, budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.monthly_limit_usd:.2f}", limit_unit="USD",
            # Budgets' tag filter syntax: user:<key>$<value> for user-defined cost-allocation tags.
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:{ZONE_TAG}${z}"]}],
            notifications=notifications(args, self.topic.arn),
            opts=child(self, depends_on=[topic_policy]))

        monitor = aws.costexplorer.AnomalyMonitor(
            f"{z}-spend", name=f"{z}-spend", monitor_type="CUSTOM",
            # Cost Explorer expressions name user tags without the "user:" prefix.
            monitor_specification=json.dumps(
                {"Tags": {"Key": ZONE_TAG, "Values": [z], "MatchOptions": ["EQUALS"]}}),
            opts=child(self))
        impact = max(MIN_ANOMALY_USD, round(args.monthly_limit_usd * 0.01, 2))
        subscribers = ([{"type": "EMAIL", "address": e} for e in args.emails]
                       or [{"type": "SNS", "address": self.topic.arn}])
        aws.costexplorer.AnomalySubscription(
            f"{z}-spend-anomalies", name=f"{z}-spend-anomalies", account_id=ctx.account_id,
            frequency="DAILY" if args.emails else "IMMEDIATE", monitor_arn_lists=[monitor.arn],
            subscribers=subscribers,
            threshold_expression={"dimension": {"key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                                                "match_options": ["GREATER_THAN_OR_EQUAL"],
                                                "values": [f"{impact:.2f}"]}},
            opts=child(self, depends_on=[topic_policy]))
        self.register_outputs({"budget": self.budget.name, "topicArn": self.topic.arn})
