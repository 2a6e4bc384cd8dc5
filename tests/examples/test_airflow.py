"""examples/Pulumi.airflow.yaml: hankehly/deploy-airflow-on-ecs-fargate as a stack file (Celery on SQS)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.conftest import container_of
from tools.harness import MOCK_DATABASE_PASSWORD, PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.airflow.yaml"


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)



def test_celery_takes_its_work_from_one_sqs_queue_with_a_dead_letter_queue(mon) -> None:
    queue = mon.one("aws:sqs/queue:Queue", "queues-celery")
    dead = mon.one("aws:sqs/queue:Queue", "queues-celery-dead-letters")
    assert json.loads(queue.inputs["redrivePolicy"]) == {"deadLetterTargetArn": dead.outputs["arn"], "maxReceiveCount": 3}
    assert queue.inputs["visibilityTimeoutSeconds"] == 21600
    for service in ("webserver", "scheduler", "worker"):
        env = {e["name"]: e["value"] for e in container_of(mon, f"app-{service}")["environment"]}
        assert env["X_AIRFLOW_SQS_CELERY_BROKER_PREDEFINED_QUEUE_URL"] == queue.outputs["url"]
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "sqs://"
    rights = {}
    for grant in mon.of_type("aws:iam/rolePolicy:RolePolicy"):
        if grant.name.startswith("queues-grant-"):
            (statement,) = json.loads(grant.inputs["policy"])["Statement"]
            assert statement["Resource"] == queue.outputs["arn"]
            rights[grant.name.removeprefix("queues-grant-")] = set(statement["Action"])
    assert "sqs:ReceiveMessage" in rights["worker"] and "sqs:SendMessage" in rights["worker"]
    assert "sqs:ReceiveMessage" not in rights["scheduler"] | rights["webserver"]


def test_workers_scale_on_the_backlog_per_task_between_one_and_five(mon) -> None:
    target = mon.one("aws:appautoscaling/target:Target", "app-worker").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (1, 5)
    policy = mon.one("aws:appautoscaling/policy:Policy", "app-worker-backlog").inputs["targetTrackingScalingPolicyConfiguration"]
    assert policy["targetValue"] == 4
    (messages,) = [m for m in policy["customizedMetricSpecification"]["metrics"] if m["id"] == "m1"]
    assert messages["metricStat"]["metric"]["dimensions"] == [
        {"name": "QueueName", "value": mon.one("aws:sqs/queue:Queue", "queues-celery").outputs["name"]}]
    assert container_of(mon, "app-worker")["stopTimeout"] == 120  # Celery's warm shutdown


def test_the_database_urls_are_composed_secrets_never_environment(mon) -> None:
    composed = {s.name: s.outputs["arn"] for s in mon.of_type("aws:secretsmanager/secret:Secret") if s.name.startswith("composed-")}
    for service in ("webserver", "scheduler", "worker"):
        container = container_of(mon, f"app-{service}")
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        for var in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
            assert secrets[var] == composed[f"composed-{service}-{var}"]
            assert var not in {e["name"] for e in container["environment"]}
    version = mon.one("aws:secretsmanager/secretVersion:SecretVersion", "composed-worker-AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    assert "secretString" in version.secret_paths
    assert f"airflow:{quote(MOCK_DATABASE_PASSWORD, safe='')}@" in version.inputs["secretString"]
    assert version.inputs["secretString"].startswith("postgresql+psycopg2://airflow:")
    # Only the composed secrets hold the password: no input or target input carries it in clear.
    clear = [r.name for r in mon.records() if MOCK_DATABASE_PASSWORD in json.dumps(r.inputs)]
    assert clear == []


def test_a_rotation_of_the_rds_secret_recomposes_each_url(mon) -> None:
    rds_secret = mon.one("aws:rds/instance:Instance", "db-instance").outputs["masterUserSecrets"][0]["secretArn"]
    rules = [r for r in mon.of_type("aws:cloudwatch/eventRule:EventRule") if r.name.startswith("composed-")]
    assert len(rules) == 6
    assert all(json.loads(r.inputs["eventPattern"])["resources"] == [rds_secret] for r in rules)


def test_one_scheduler_and_the_published_health_checks(mon) -> None:
    scheduler = mon.one("aws:ecs/service:Service", "app-scheduler").inputs
    assert (scheduler["desiredCount"], scheduler["deploymentMinimumHealthyPercent"],
            scheduler["deploymentMaximumPercent"]) == (1, 0, 100)
    assert "SchedulerJob" in container_of(mon, "app-scheduler")["healthCheck"]["command"][1]
    web = mon.one("aws:lb/targetGroup:TargetGroup", "app-webserver").inputs["healthCheck"]
    assert (web["path"], web["interval"], web["timeout"], web["unhealthyThreshold"]) == ("/health", 30, 10, 5)
    assert container_of(mon, "app-webserver-release")["command"] == ["db", "migrate"]


def test_flowers_own_load_balancer_carries_its_own_stricter_web_acl_and_the_ui_the_sites(mon) -> None:
    acls = {a.name: a for a in mon.of_type("aws:wafv2/webAcl:WebAcl")}
    associations = {a.name: a.inputs for a in mon.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")}
    flower_lb = mon.one("aws:lb/loadBalancer:LoadBalancer", "app-flower-lb").outputs["arn"]
    assert associations["app-flower-lb-waf"] == {"resourceArn": flower_lb, "webAclArn": acls["flower-lb-waf-acl"].outputs["arn"]}
    main_lb = mon.one("aws:lb/loadBalancer:LoadBalancer", "app-main").outputs["arn"]
    assert associations["edge-waf"] == {"resourceArn": main_lb, "webAclArn": acls["waf-acl"].outputs["arn"]}
    rules = {r["name"]: r for r in acls["flower-lb-waf-acl"].inputs["rules"]}
    assert rules["rate-limit"]["statement"]["rateBasedStatement"]["limit"] == 300
    assert rules["rate-limit"]["action"] == {"block": {}}
    assert "AWSManagedRulesAnonymousIpList" in {r["statement"]["managedRuleGroupStatement"]["name"]
                                                for r in rules.values() if "managedRuleGroupStatement" in r["statement"]}
    logging = mon.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "flower-lb-waf-logs").inputs
    assert logging["resourceArn"] == acls["flower-lb-waf-acl"].outputs["arn"]
