"""Scheduled tasks: EventBridge Scheduler starts a machine that runs the service's task once, never twice at a time."""

from __future__ import annotations

import json

import jsonata
import pytest
from pydantic import ValidationError

from components import ServiceSettings
from components._scheduled import ScheduleSettings, expression_problem
from tests.components.test_container_service import build, services
from tests.conftest import service_spec


@pytest.mark.parametrize(("key", "unset", "passing", "failing"), [
    ("retries", 2, [0, 185], [-1, 186]),
    ("max_event_age_seconds", 3600, [60, 86400], [59, 86401]),
    ("timeout_seconds", 3600, [60, 86400], [59, 86401]),
])
def test_each_schedule_setting_is_bounded(key, unset, passing, failing) -> None:
    assert getattr(ScheduleSettings(expression="rate(1 hour)"), key) == unset
    for value in passing:
        assert getattr(ScheduleSettings(expression="rate(1 hour)", **{key: value}), key) == value
    for value in failing:
        with pytest.raises(ValidationError, match=key):
            ScheduleSettings(expression="rate(1 hour)", **{key: value})


@pytest.mark.parametrize(("expression", "problem"), [
    ("cron(0 3 * * ? *)", None), ("cron(0/15 * ? * MON-FRI *)", None), ("rate(1 minute)", None),
    ("rate(15 minutes)", None), ("rate(1 day)", None), ("rate(2 days)", None),
    ("cron(0 3 * * * *)", "exactly one of day-of-month"), ("cron(0 3 ? * ? *)", "exactly one of day-of-month"),
    ("cron(0 3 * * ?)", "expected cron("), ("0 3 * * *", "expected cron("),
    ("rate(1 minutes)", "write rate(1 minute)"), ("rate(5 minute)", "write rate(5 minutes)"),
    ("rate(0 minutes)", "at least 1"), ("rate(5 weeks)", "expected cron("),
])
def test_an_expression_is_refused_exactly_when_scheduler_would(expression, problem) -> None:
    found = expression_problem(expression)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(("zone", "valid"), [("UTC", True), ("Europe/Berlin", True), ("America/New_York", True),
                                             ("Europe/Berlim", False), ("CET+1", False), ("", False)])
def test_the_time_zone_is_an_iana_one(zone, valid) -> None:
    if valid:
        assert ScheduleSettings(expression="cron(0 3 * * ? *)", timezone=zone).timezone == zone
    else:
        with pytest.raises(ValidationError, match="timezone"):
            ScheduleSettings(expression="cron(0 3 * * ? *)", timezone=zone)


JOB = {"image": {"uri": "example/api:1"}, "cpu": 256, "memory": 512, "schedule": {"expression": "rate(1 hour)"}}


@pytest.mark.parametrize(("key", "value"), [
    ("load_balancer", "main"), ("port", 8000), ("extra_ports", {"grpc": 50051}), ("scaling", {"min": 1, "max": 2}),
    ("singleton", True), ("discovery_name", "job"), ("desired_count", 2), ("deployment", {"stop_timeout": 10}),
    ("release_task", {"command": ["migrate"]}), ("grace_period", 30),
])
def test_a_scheduled_task_refuses_what_only_a_running_service_has(key, value) -> None:
    with pytest.raises(ValidationError, match=f"@{key}: a scheduled task is not kept running"):
        ServiceSettings(**{**JOB, key: value})
    assert ServiceSettings(**JOB, exec=True, command=["python", "job.py"]).schedule.overlap == "skip"


def job(overlap: str = "skip"):
    return service_spec("example/api:1", cpu=256, memory=512, command=["python", "job.py"],
                        schedule={"expression": "cron(0 3 * * ? *)", "timezone": "Europe/Berlin", "overlap": overlap,
                                  "retries": 4, "max_event_age_seconds": 600, "timeout_seconds": 1800},
                        capacity={"fargate": {"base": 0, "weight": 0}, "fargate_spot": {"weight": 1}})


@pytest.fixture
def mon(record):
    return record(lambda: build(services={**services(), "nightly": job()}))


def _definition(mon) -> dict:
    return json.loads(mon.one("aws:sfn/stateMachine:StateMachine", "app-nightly-schedule-machine").inputs["definition"])


def test_the_schedule_starts_the_machine_with_retries_and_a_dead_letter_queue(mon) -> None:
    schedule = mon.one("aws:scheduler/schedule:Schedule", "app-nightly-schedule").inputs
    machine = mon.one("aws:sfn/stateMachine:StateMachine", "app-nightly-schedule-machine")
    dead = mon.one("aws:sqs/queue:Queue", "app-nightly-schedule-dead-letters")
    role = mon.one("aws:iam/role:Role", "app-nightly-scheduler")
    assert (schedule["scheduleExpression"], schedule["scheduleExpressionTimezone"]) == ("cron(0 3 * * ? *)", "Europe/Berlin")
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    target = schedule["target"]
    assert (target["arn"], target["roleArn"], target["deadLetterConfig"]) == (
        machine.outputs["arn"], role.outputs["arn"], {"arn": dead.outputs["arn"]})
    assert target["retryPolicy"] == {"maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 600}
    assert dead.inputs["sqsManagedSseEnabled"] is True
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"} and trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-nightly-scheduler").inputs["policy"])
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("states:StartExecution", machine.outputs["arn"]), ("sqs:SendMessage", dead.outputs["arn"])]
    # Not kept running: no ECS service, and no redeploy on secret change (each run reads its secrets afresh).
    assert "app-nightly" not in [s.name for s in mon.of_type("aws:ecs/service:Service")]


def test_the_machine_skips_a_run_while_the_last_one_runs_then_runs_the_task_and_checks_its_exit(mon) -> None:
    definition = _definition(mon)
    assert (definition["QueryLanguage"], definition["StartAt"], definition["TimeoutSeconds"]) == ("JSONata", "ListRunning", 1800)
    states = definition["States"]
    task = mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-nightly")
    cluster = mon.one("aws:ecs/cluster:Cluster")
    listing = states["ListRunning"]
    assert listing["Arguments"] == {"Cluster": cluster.outputs["arn"], "StartedBy": listing["Arguments"]["StartedBy"],
                                    "DesiredStatus": "RUNNING"}
    assert states["AlreadyRunning?"]["Choices"] == [{"Condition": "{% $states.input > 0 %}", "Next": "SkipOverlap"}]
    assert states["AlreadyRunning?"]["Default"] == "Run" and states["SkipOverlap"]["Type"] == "Succeed"
    run = states["Run"]
    assert run["Resource"] == "arn:aws:states:::ecs:runTask.sync" and run["Next"] == "ExitedZero?"
    args = run["Arguments"]
    assert (args["TaskDefinition"], args["Cluster"], args["StartedBy"]) == (
        task.outputs["arn"], cluster.outputs["arn"], listing["Arguments"]["StartedBy"])
    assert args["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE_SPOT", "Base": 0, "Weight": 1}]
    assert args["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert args["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"] == [
        mon.one("aws:ec2/securityGroup:SecurityGroup", "app-nightly").outputs["id"]]
    assert states["ExitedZero?"]["Default"] == "Done" and states["TaskFailed"]["Type"] == "Fail"


def test_with_overlap_allowed_the_machine_starts_at_the_run_and_may_not_list_tasks(record) -> None:
    mon = record(lambda: build(services={**services(), "nightly": job("allow")}))
    definition = _definition(mon)
    assert definition["StartAt"] == "Run" and "ListRunning" not in definition["States"]
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-nightly-schedule-role").inputs["policy"])
    assert "SeeRunningRuns" not in [s.get("Sid") for s in policy["Statement"]]


@pytest.mark.parametrize(("codes", "failed"), [([0], False), ([0, 0], False), ([0, 1], True), ([137], True)])
def test_any_container_exiting_non_zero_fails_the_run(mon, codes, failed) -> None:
    condition = _definition(mon)["States"]["ExitedZero?"]["Choices"][0]["Condition"]
    expression = jsonata.Jsonata(condition.removeprefix("{%").removesuffix("%}"))
    expression.assign("states", {"input": [{"Name": f"c{i}", "ExitCode": c} for i, c in enumerate(codes)]})
    assert expression.evaluate(None) is failed


def test_the_machine_may_run_exactly_this_task_on_this_cluster_and_pass_exactly_its_roles(mon) -> None:
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "app-nightly-schedule-role").inputs["policy"])
    by_sid = {s.get("Sid"): s for s in policy["Statement"]}
    cluster = mon.one("aws:ecs/cluster:Cluster").outputs
    on_cluster = {"ArnEquals": {"ecs:cluster": cluster["arn"]}}
    assert (by_sid["RunTheTask"]["Action"], by_sid["RunTheTask"]["Resource"], by_sid["RunTheTask"]["Condition"]) == (
        "ecs:RunTask", mon.one("aws:ecs/taskDefinition:TaskDefinition", "app-nightly").outputs["arn"], on_cluster)
    assert by_sid["FollowTheTask"]["Action"] == ["ecs:DescribeTasks", "ecs:StopTask"]
    assert by_sid["FollowTheTask"]["Resource"] == f"arn:aws:ecs:us-east-1:123456789012:task/{cluster['name']}/*"
    assert (by_sid["SeeRunningRuns"]["Action"], by_sid["SeeRunningRuns"]["Resource"], by_sid["SeeRunningRuns"]["Condition"]) == (
        "ecs:ListTasks", "*", on_cluster)
    assert by_sid["PassTaskRoles"]["Resource"] == [mon.one("aws:iam/role:Role", f"app-nightly-{r}").outputs["arn"]
                                                   for r in ("execution", "task")]
    assert by_sid["PassTaskRoles"]["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    assert by_sid["SyncRule"]["Resource"] == "arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForECSTaskRule"
    assert by_sid["SyncRule"]["Action"] == ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
