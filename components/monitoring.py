"""Monitoring: the alarm topic, alarms on every moving part, a dashboard and a cost budget.

The topic is encrypted with its own KMS key whose policy lets CloudWatch (and EventBridge)
publish; subscribers are emails. Alarms: service CPU and memory, load balancer 5xx and target
response time, unhealthy targets per service, database CPU / connections / free storage, cache
CPU. Every alarm notifies on ALARM and OK. The budget notifies the topic (and mails) at the
configured percentages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components._common import child_opts, physical_name, policy_document, tags_for
from components._runtime import Access, Need, Trigger, published
from components._settings import Settings, matching

_PERIOD = 300  # seconds: one alarm period


# Services that publish to the alarm topic: alarms, EventBridge rules, budget notifications.
_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"]


Email = Annotated[str, matching(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address")]


class BudgetSettings(Settings):
    """An AWS Budgets monthly cost budget with email alerts."""

    monthly_limit_usd: float = Field(gt=0)
    """Monthly budget in USD."""
    thresholds_percent: list[Annotated[int, Field(ge=1, le=1000)]] = [80, 100]
    """Alert when actual spend passes these percentages of the limit."""
    emails: list[Email] = []
    """Who is told; default: alarms.emails."""
    tag_filter: dict[str, str] = {}
    """Only count costs carrying these (activated cost allocation) tags."""


class AlarmsSettings(Settings):
    """`platform:alarms`: an SNS topic, alarms, a dashboard and an optional budget."""

    emails: list[Email] = []
    """Subscribers of the alarm topic (each confirms by email)."""
    periods: int = Field(2, ge=1, le=10)
    """Consecutive 5-minute periods above a threshold before an alarm fires."""
    cpu_percent: int = Field(80, ge=1, le=100)
    """Service CPU utilisation threshold."""
    memory_percent: int = Field(80, ge=1, le=100)
    """Service memory utilisation threshold."""
    alb_5xx_count: int = Field(10, ge=1)
    """Load balancer 5xx responses per period."""
    target_response_seconds: float = Field(2.0, gt=0)
    """Average target response time."""
    db_cpu_percent: int = Field(80, ge=1, le=100)
    """Database CPU threshold."""
    db_connections: int = Field(80, ge=1)
    """Database connections threshold."""
    db_free_storage_gb: int = Field(5, ge=1)
    """Alarm when free database storage falls below this."""
    cache_cpu_percent: int = Field(75, ge=1, le=100)
    """Cache engine CPU threshold."""
    dashboard: bool = True
    """A CloudWatch dashboard for the stack."""
    budget: BudgetSettings | None = None
    """Monthly cost budget."""


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    """Inputs for :class:`Monitoring`: its settings (`platform:alarms`) and the things to watch; each is optional."""

    settings: AlarmsSettings
    """Subscribers, thresholds, dashboard and budget."""
    account_id: pulumi.Input[str]
    """The account (topic policy, budget)."""
    region: str
    """The stack's region (dashboard widgets)."""
    cluster_name: pulumi.Input[str] | None = None
    """ECS or EKS cluster of `services`."""
    kubernetes_namespace: str | None = None
    """Set for EKS: `services` are Kubernetes Services in this namespace (Container Insights metrics)."""
    services: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """ECS service name (or Kubernetes Service name) by service key."""
    load_balancers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Load balancer ARN suffix by key."""
    target_groups: Mapping[str, tuple[str, pulumi.Input[str]]] = field(default_factory=dict)
    """Service key -> (load balancer key, target group ARN suffix)."""
    db_instances: Sequence[pulumi.Input[str]] = ()
    """DB instance identifiers (static count)."""
    db_free_storage: bool = True
    """RDS instances report FreeStorageSpace (Aurora does not)."""
    cache_nodes: Sequence[Mapping[str, pulumi.Input[str]]] = ()
    """CloudWatch dimensions of each cache node (`Cache.node_dimensions`)."""
    cache_cpu_metric: str = "EngineCPUUtilization"
    """The node metric that says the cache is out of CPU (`Cache.cpu_metric`)."""
    dead_letter_queues: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Dead-letter queue names by what they catch: a message there is work that failed for good."""
    state_machines: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Step Functions state machine ARN by key: alarms on failed and timed-out executions."""
    event_alerts: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """EventBridge patterns (JSON) by key whose events are sent to the topic (e.g. failed Batch jobs)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if self.services and self.cluster_name is None:
            raise ValueError("MonitoringArgs: services are watched in their cluster; pass cluster_name")


class Monitoring(pulumi.ComponentResource):
    """Alarm topic, alarms, dashboard, budget."""

    topic_arn: pulumi.Output[str]
    """SNS topic every alarm notifies."""
    alarm_names: pulumi.Output[list[str]]
    """Names of the alarms created."""
    dashboard_name: pulumi.Output[str]
    """CloudWatch dashboard ("" when off)."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What the alarm, event and budget publishers do at run time (`components._runtime`)."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Monitoring", name, None, opts)
        self._name, self._args = name, args
        key = aws.kms.Key(
            f"{name}-key", description=f"{name}: alarm topic", enable_key_rotation=True, deletion_window_in_days=30,
            policy=policy_document([
                {"Sid": "AccountAdministers", "Effect": "Allow",
                 "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", args.account_id, ":root")},
                 "Action": "kms:*", "Resource": "*"},
                # Encrypted topics only receive from services the key lets encrypt.
                {"Sid": "AlarmServicesPublish", "Effect": "Allow",
                 "Principal": {"Service": _PUBLISHERS},
                 "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}}},
            ]),
            tags=tags_for(args.tags, name, "key"), opts=child_opts(self),
        )
        topic = aws.sns.Topic(f"{name}-alerts", kms_master_key_id=key.arn, tags=tags_for(args.tags, name, "alerts"),
                              opts=child_opts(self))
        aws.sns.TopicPolicy(f"{name}-alerts", arn=topic.arn, policy=policy_document([
            {"Sid": "AlarmServicesPublish", "Effect": "Allow",
             "Principal": {"Service": _PUBLISHERS},
             "Action": "sns:Publish", "Resource": topic.arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}}},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
             "Resource": topic.arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]), opts=child_opts(self))
        for email in args.settings.emails:
            aws.sns.TopicSubscription(f"{name}-email-{_slug(email)}", topic=topic.arn, protocol="email",
                                      endpoint=email, opts=child_opts(self))
        self._topic = topic
        self._triggers: list[Need] = []
        names = self._alarms()
        for alert, pattern in sorted(args.event_alerts.items()):
            rule = aws.cloudwatch.EventRule(f"{name}-{alert}", description=f"{name}: {alert} events to the alarm topic",
                                            event_pattern=pattern, tags=tags_for(args.tags, name, alert),
                                            opts=child_opts(self))
            aws.cloudwatch.EventTarget(f"{name}-{alert}", rule=rule.name, arn=topic.arn, opts=child_opts(self))
            parsed = pulumi.Output.from_input(pattern).apply(json.loads)
            self._triggers.append(Trigger(
                workload=f"{alert} alerts", source=parsed.apply(lambda p: str(p["source"][0])),
                detail_type=parsed.apply(lambda p: str(p["detail-type"][0])), target=topic.arn, key="alarms",
                why=f"tell on-call about {alert.replace('-', ' ')}"))
        if args.settings.budget is not None:
            self._budget(args.settings.budget)
        self.dashboard_name = self._dashboard() if args.settings.dashboard else pulumi.Output.from_input("")
        self.topic_arn = topic.arn
        self.alarm_names = pulumi.Output.all(*names)
        # Each publisher is an AWS service: only the topic policy and the key policy can let it publish
        # (SNS Developer Guide, encrypted topics need the publishing service in the key policy).
        needs: list[Need] = list(self._triggers)
        for publisher in _PUBLISHERS:
            who = f"{publisher.split('.')[0]} notifications"
            context = {"aws:SourceAccount": args.account_id, "aws:SecureTransport": True}
            needs += [Access(workload=who, principal=f"service:{publisher}", actions=["sns:Publish"],
                             resources=[topic.arn], key="alarms", why="notify the alarm topic", context=context),
                      Access(workload=who, principal=f"service:{publisher}", actions=["kms:GenerateDataKey", "kms:Decrypt"],
                             resources=[key.arn], key="alarms", why="publish to the encrypted topic", context=context)]
        self.runtime_needs = published(needs)
        self.register_outputs({"topic_arn": self.topic_arn, "alarm_names": self.alarm_names,
                               "dashboard_name": self.dashboard_name, "runtime_needs": self.runtime_needs})

    def _alarm(self, key: str, description: str, namespace: str, metric: str, dimensions: Mapping[str, pulumi.Input[str]],
               threshold: float, *, statistic: str = "Average", comparison: str = "GreaterThanThreshold",
               periods: int | None = None) -> pulumi.Output[str]:
        alarm = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{key}",
            alarm_description=description,
            namespace=namespace, metric_name=metric, dimensions=dict(dimensions), statistic=statistic,
            period=_PERIOD, evaluation_periods=periods or self._args.settings.periods, threshold=threshold,
            comparison_operator=comparison, treat_missing_data="notBreaching",
            alarm_actions=[self._topic.arn], ok_actions=[self._topic.arn],
            tags=tags_for(self._args.tags, self._name, key), opts=child_opts(self),
        )
        return alarm.name

    def _alarms(self) -> list[pulumi.Output[str]]:
        args, t = self._args, self._args.settings
        names = []
        dims: dict[str, pulumi.Input[str]]
        for svc, service_name in sorted(args.services.items()):
            assert args.cluster_name is not None  # MonitoringArgs refuses services without their cluster
            if args.kubernetes_namespace is None:
                namespace, cpu, memory = "AWS/ECS", "CPUUtilization", "MemoryUtilization"
                dims = {"ClusterName": args.cluster_name, "ServiceName": service_name}
            else:
                namespace, cpu, memory = ("ContainerInsights", "pod_cpu_utilization_over_pod_limit",
                                          "pod_memory_utilization_over_pod_limit")
                dims = {"ClusterName": args.cluster_name, "Namespace": args.kubernetes_namespace,
                        "Service": service_name}
            names.append(self._alarm(f"{svc}-cpu", f"{svc}: CPU above {t.cpu_percent}%", namespace, cpu, dims,
                                     t.cpu_percent))
            names.append(self._alarm(f"{svc}-memory", f"{svc}: memory above {t.memory_percent}%", namespace, memory,
                                     dims, t.memory_percent))
        for lb, suffix in sorted(args.load_balancers.items()):
            dims = {"LoadBalancer": suffix}
            names.append(self._alarm(f"{lb}-5xx", f"load balancer {lb}: more than {t.alb_5xx_count} 5xx per 5 min",
                                     "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", dims, t.alb_5xx_count,
                                     statistic="Sum"))
            names.append(self._alarm(f"{lb}-target-5xx", f"load balancer {lb}: targets answered 5xx",
                                     "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dims, t.alb_5xx_count,
                                     statistic="Sum"))
            names.append(self._alarm(f"{lb}-latency", f"load balancer {lb}: target response above {t.target_response_seconds}s",
                                     "AWS/ApplicationELB", "TargetResponseTime", dims, t.target_response_seconds))
        for svc, (lb, tg_suffix) in sorted(args.target_groups.items()):
            names.append(self._alarm(f"{svc}-unhealthy", f"{svc}: unhealthy targets", "AWS/ApplicationELB",
                                     "UnHealthyHostCount",
                                     {"LoadBalancer": args.load_balancers[lb], "TargetGroup": tg_suffix}, 0,
                                     statistic="Maximum"))
        for i, instance in enumerate(args.db_instances, start=1):
            dims = {"DBInstanceIdentifier": instance}
            names.append(self._alarm(f"db-{i}-cpu", f"database instance {i}: CPU above {t.db_cpu_percent}%",
                                     "AWS/RDS", "CPUUtilization", dims, t.db_cpu_percent))
            names.append(self._alarm(f"db-{i}-connections", f"database instance {i}: over {t.db_connections} connections",
                                     "AWS/RDS", "DatabaseConnections", dims, t.db_connections))
            if args.db_free_storage:
                names.append(self._alarm(f"db-{i}-storage", f"database instance {i}: under {t.db_free_storage_gb} GB free",
                                         "AWS/RDS", "FreeStorageSpace", dims, t.db_free_storage_gb * 1024**3,
                                         comparison="LessThanThreshold", statistic="Minimum"))
        for i, node in enumerate(args.cache_nodes, start=1):
            names.append(self._alarm(f"cache-{i}-cpu", f"cache node {i}: engine CPU above {t.cache_cpu_percent}%",
                                     "AWS/ElastiCache", args.cache_cpu_metric, node, t.cache_cpu_percent))
        for key, queue in sorted(args.dead_letter_queues.items()):
            # One message is one failed job: alarm at once, on the queue's maximum over the period.
            names.append(self._alarm(f"{key}-dead-letters", f"{key}: messages that failed every delivery",
                                     "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue}, 0,
                                     statistic="Maximum", periods=1))
        for key, arn in sorted(args.state_machines.items()):
            for metric, what in (("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed out")):
                names.append(self._alarm(f"{key}-{what.replace(' ', '-')}", f"{key}: an execution {what}",
                                         "AWS/States", metric, {"StateMachineArn": arn}, 0, statistic="Sum",
                                         comparison="GreaterThanThreshold", periods=1))
        return names

    def _budget(self, budget: BudgetSettings) -> None:
        emails = list(budget.emails or self._args.settings.emails)
        aws.budgets.Budget(
            f"{self._name}-budget",
            budget_type="COST", limit_amount=f"{budget.monthly_limit_usd:.2f}", limit_unit="USD", time_unit="MONTHLY",
            cost_filters=[aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue", values=[f"user:{k}${v}" for k, v in sorted(budget.tag_filter.items())])]
            if budget.tag_filter else None,
            notifications=[aws.budgets.BudgetNotificationArgs(
                comparison_operator="GREATER_THAN", threshold=pct, threshold_type="PERCENTAGE",
                notification_type="ACTUAL", subscriber_email_addresses=emails or None,
                # The topic always hears it (AWS refuses a notification without a subscriber).
                subscriber_sns_topic_arns=[self._topic.arn])
                for pct in budget.thresholds_percent],
            tags=tags_for(self._args.tags, self._name, "budget"),
            opts=child_opts(self),
        )

    def _dashboard(self) -> pulumi.Output[str]:
        args = self._args

        def widget(title: str, metrics: list[list[Any]]) -> dict[str, Any]:
            return {"type": "metric", "width": 12, "height": 6, "properties": {
                "title": title, "region": args.region, "stat": "Average", "period": _PERIOD, "metrics": metrics}}

        widgets = []
        if args.services and args.kubernetes_namespace is None:
            widgets.append(widget("Services: CPU %", [
                ["AWS/ECS", "CPUUtilization", "ClusterName", args.cluster_name, "ServiceName", s]
                for s in args.services.values()]))
            widgets.append(widget("Services: memory %", [
                ["AWS/ECS", "MemoryUtilization", "ClusterName", args.cluster_name, "ServiceName", s]
                for s in args.services.values()]))
        elif args.services:
            for title, metric in (("CPU", "pod_cpu_utilization_over_pod_limit"),
                                  ("memory", "pod_memory_utilization_over_pod_limit")):
                widgets.append(widget(f"Services: {title} % of limit", [
                    ["ContainerInsights", metric, "ClusterName", args.cluster_name, "Namespace",
                     args.kubernetes_namespace, "Service", s] for s in args.services.values()]))
        for lb, suffix in sorted(args.load_balancers.items()):
            widgets.append(widget(f"Load balancer {lb}: requests, 5xx, latency", [
                ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", suffix, {"stat": "Sum"}],
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", suffix, {"stat": "Sum"}],
                ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", suffix, {"yAxis": "right"}]]))
        if args.db_instances:
            widgets.append(widget("Database: CPU % and connections", [
                m for i in args.db_instances for m in (
                    ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", i],
                    ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", i, {"yAxis": "right"}])]))
        if args.cache_nodes:
            widgets.append(widget("Cache: engine CPU %", [
                ["AWS/ElastiCache", args.cache_cpu_metric, *(part for dim in sorted(n.items()) for part in dim)]
                for n in args.cache_nodes]))
        dashboard = aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard", dashboard_name=physical_name(self._name, 200),
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}), opts=child_opts(self))
        return dashboard.dashboard_name


def _slug(email: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in email.lower()).strip("-")
