"""Monitoring: every alarm notifies the encrypted topic; dashboard; budget."""

from __future__ import annotations

import json

import pytest

from components import AlarmsSettings, BudgetSettings, Monitoring, MonitoringArgs


def build(**overrides) -> MonitoringArgs:
    values = dict(account_id="123456789012", region="us-east-1",
                  cluster_name="app-cluster", services={"api": "app-api-1", "frontend": "app-frontend-1"},
                  load_balancers={"main": "app/app-main/123"}, target_groups={"api": ("main", "targetgroup/app-api/1")},
                  db_instances=["platform-test-db"], cache_nodes=[{"CacheClusterId": "platform-test-cache-001"},
                                                                  {"CacheClusterId": "platform-test-cache-002"}])
    settings: dict = dict(emails=["ops@example.com"], periods=2, cpu_percent=80, memory_percent=80)
    for key, value in overrides.items():
        (settings if key in AlarmsSettings.model_fields else values)[key] = value
    return MonitoringArgs(settings=AlarmsSettings(**settings), **values)


def test_every_alarm_goes_to_the_topic_on_alarm_and_ok(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build()))
    topic = mon.one("aws:sns/topic:Topic")
    alarms = mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == 2 * 2 + 3 + 1 + 3 + 2
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]] == alarm.inputs["okActions"]


def test_service_alarms_fire_above_80_percent_for_two_periods(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build()))
    cpu = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-api-cpu").inputs
    assert (cpu["namespace"], cpu["metricName"], cpu["threshold"], cpu["evaluationPeriods"]) == (
        "AWS/ECS", "CPUUtilization", 80, 2)
    assert cpu["dimensions"] == {"ClusterName": "app-cluster", "ServiceName": "app-api-1"}
    memory = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-frontend-memory").inputs
    assert memory["metricName"] == "MemoryUtilization" and memory["comparisonOperator"] == "GreaterThanThreshold"


def test_load_balancer_database_and_cache_alarms(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build()))
    alarm = {a.name.removeprefix("monitoring-"): a.inputs for a in mon.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarm["main-5xx"]["metricName"] == "HTTPCode_ELB_5XX_Count" and alarm["main-5xx"]["statistic"] == "Sum"
    assert alarm["main-latency"]["metricName"] == "TargetResponseTime"
    assert alarm["api-unhealthy"]["dimensions"] == {"LoadBalancer": "app/app-main/123", "TargetGroup": "targetgroup/app-api/1"}
    assert alarm["db-1-storage"]["comparisonOperator"] == "LessThanThreshold"
    assert alarm["db-1-storage"]["threshold"] == 5 * 1024**3
    assert alarm["cache-2-cpu"]["dimensions"] == {"CacheClusterId": "platform-test-cache-002"}


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build()))
    key = mon.one("aws:kms/key:Key")
    assert mon.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == key.outputs["arn"]
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert "cloudwatch.amazonaws.com" in statements["AlarmServicesPublish"]["Principal"]["Service"]
    (sub,) = mon.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert (sub.inputs["protocol"], sub.inputs["endpoint"]) == ("email", "ops@example.com")


def test_budget_mails_at_each_threshold(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build(budget=BudgetSettings(monthly_limit_usd=90, thresholds_percent=[80, 100],
                                                                      tag_filter={"env": "prod"}))))
    budget = mon.one("aws:budgets/budget:Budget").inputs
    assert (budget["limitAmount"], budget["limitUnit"], budget["timeUnit"]) == ("90.00", "USD", "MONTHLY")
    assert [n["threshold"] for n in budget["notifications"]] == [80, 100]
    assert all(n["subscriberEmailAddresses"] == ["ops@example.com"] for n in budget["notifications"])
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:env$prod"]}]


def test_dashboard_shows_each_watched_part(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build()))
    body = json.loads(mon.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles == ["Services: CPU %", "Services: memory %", "Load balancer main: requests, 5xx, latency",
                      "Database: CPU % and connections", "Cache: engine CPU %"]


def test_budget_without_addresses_still_notifies_the_topic_which_lets_budgets_publish(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build(emails=[], budget=BudgetSettings(monthly_limit_usd=100))))
    topic = mon.one("aws:sns/topic:Topic")
    for notification in mon.one("aws:budgets/budget:Budget").inputs["notifications"]:
        assert notification["subscriberSnsTopicArns"] == [topic.outputs["arn"]]
        assert not notification.get("subscriberEmailAddresses")
    topic_policy = json.loads(mon.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    key_policy = json.loads(mon.one("aws:kms/key:Key").inputs["policy"])
    for doc in (topic_policy, key_policy):
        publishers = next(s for s in doc["Statement"] if s["Sid"] == "AlarmServicesPublish")["Principal"]["Service"]
        assert "budgets.amazonaws.com" in publishers


def test_a_message_in_a_dead_letter_queue_alarms_at_once(record) -> None:
    mon = record(lambda: Monitoring("monitoring", build(dead_letter_queues={"jobs": "app-jobs-dead-letters"})))
    alarm = mon.one("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-jobs-dead-letters").inputs
    topic = mon.one("aws:sns/topic:Topic").outputs["arn"]
    assert (alarm["namespace"], alarm["metricName"], alarm["dimensions"]) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": "app-jobs-dead-letters"})
    assert (alarm["statistic"], alarm["threshold"], alarm["comparisonOperator"], alarm["evaluationPeriods"]) == (
        "Maximum", 0, "GreaterThanThreshold", 1)
    assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]


def test_services_are_watched_in_their_cluster() -> None:
    # Their alarms' dimensions name the cluster: without it the alarms would watch nothing, silently.
    with pytest.raises(ValueError, match="cluster_name"):
        build(cluster_name=None)
    assert build(cluster_name=None, services={}).cluster_name is None
