"""Scheduled tasks: a service's task run on a schedule instead of kept running (`services.<name>.schedule`).

The task is the service's own: its image, command, size, roles, secrets, volumes, network and log
group. EventBridge Scheduler starts, at each time of the schedule (cron or rate, in a time zone), a
Standard state machine that

1. with `overlap: skip`, lists the tasks this schedule started that are still running and ends
   quietly when there is one (a run never starts beside the previous one);
2. runs the task and waits for it (`ecs:runTask.sync`, Step Functions Developer Guide, "Run Amazon ECS
   or Fargate tasks with Step Functions"; checked 2026-12-04);
3. fails when the task could not start or a container exited with a code other than 0.

A failed run fails the execution, which the stack's alarms watch (ExecutionsFailed); a start that
Scheduler could not make after its retries lands in a dead-letter queue, alarmed when not empty.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components._common import assume_role_policy, child_opts, physical_name, policy_document, service_role, tags_for
from components._runtime import Access, Need, assumed_by
from components._settings import Problems, Settings
from components._states import ECS_SERVICE_ERRORS, RunScheduledTask, logged_state_machine

_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")


class StartScheduleSettings(Settings):
    """When EventBridge Scheduler starts a state machine, and how long it keeps trying."""

    expression: str
    """`cron(minutes hours day-of-month month day-of-week year)` or `rate(<n> minute|minutes|hour|hours|day|days)`,
    as EventBridge Scheduler reads them, e.g. `cron(0 3 * * ? *)` (03:00 daily) or `rate(15 minutes)`."""
    timezone: str = "UTC"
    """IANA time zone the cron expression is read in (e.g. Europe/Berlin); daylight saving is followed."""
    retries: int = Field(2, ge=0, le=185)
    """Times Scheduler retries a start it could not make (0-185, Scheduler API RetryPolicy; checked 2026-12-04)."""
    max_event_age_seconds: int = Field(3600, ge=60, le=86400)
    """How long Scheduler keeps retrying a start (60-86400 s), after which it goes to the dead-letter queue."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)")
        return value

    @model_validator(mode="after")
    def _rules(self) -> StartScheduleSettings:
        problems = Problems()
        problem = expression_problem(self.expression)
        if problem is not None:
            problems.add("expression", problem)
        return problems.done(self)


class ScheduleSettings(StartScheduleSettings):
    """When the service's task runs (EventBridge Scheduler), and what happens when a run fails or overlaps."""

    overlap: Literal["skip", "allow"] = "skip"
    """`skip`: a run whose predecessor is still running ends without starting the task; `allow`: runs may overlap."""
    timeout_seconds: int = Field(3600, ge=60, le=86400)
    """Longest a run may take before it is stopped and counted as failed."""


def expression_problem(expression: str) -> str | None:
    """What EventBridge Scheduler would refuse in a cron or rate expression, or None (Scheduler User Guide, "Schedule
    types": six cron fields, one of day-of-month and day-of-week `?`; rate with a positive value whose unit agrees
    with it in number; checked 2026-12-04)."""
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            return "a rate is at least 1"
        if (value == 1) != (not unit.endswith("s")):
            return f"write rate({value} {unit.rstrip('s') if value == 1 else unit.rstrip('s') + 's'})"
        return None
    cron = _CRON.fullmatch(expression)
    if cron is None:
        return (f"expected cron(minutes hours day-of-month month day-of-week year) or rate(<n> <unit>); got "
                f"{expression!r}")
    day_of_month, day_of_week = cron.group(3), cron.group(5)
    if (day_of_month == "?") == (day_of_week == "?"):
        return "exactly one of day-of-month (3rd field) and day-of-week (5th) must be ?, e.g. cron(0 3 * * ? *)"
    return None


@dataclass(frozen=True, kw_only=True)
class ScheduledRun:
    """What a schedule runs: the task definition with the network and capacity of its service."""

    name: str
    """The schedule's logical name (`<component>-<service>`)."""
    settings: ScheduleSettings
    """When and how (`services.<name>.schedule`)."""
    cluster_arn: pulumi.Input[str]
    """The cluster the task runs in."""
    cluster_name: pulumi.Input[str]
    """Its name (the task ARNs the machine follows)."""
    task_definition_arn: pulumi.Input[str]
    """The service's task definition (this revision)."""
    role_arns: Sequence[pulumi.Input[str]]
    """The task's execution and task roles (the machine passes them to ECS)."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The service's subnets."""
    security_group_ids: Sequence[pulumi.Input[str]]
    """The service's security group."""
    capacity: Sequence[Mapping[str, Any]]
    """Capacity provider strategy: [{CapacityProvider, Base, Weight}]."""
    exec: bool = False
    """ECS Exec into the running task."""
    assign_public_ip: bool = False
    """Tasks in public subnets get a public IP (cluster.task_subnets: public)."""
    key: str
    """The stack-file key (`services.<name>.schedule`)."""


@dataclass(frozen=True, kw_only=True)
class BuiltSchedule:
    """A schedule with its machine and dead-letter queue."""

    machine_arn: pulumi.Output[str]
    """The machine each run is an execution of (alarmed on failures)."""
    dead_letter_name: pulumi.Output[str]
    """The queue of starts Scheduler gave up on (alarmed when not empty)."""
    needs: list[Need]
    """What the scheduler and the machine do at run time."""


def build_schedule(parent: pulumi.Resource, run: ScheduledRun, *, region: str, account_id: pulumi.Input[str],
                   tags: Mapping[str, str]) -> BuiltSchedule:
    """The machine that runs the task once, and the schedule (with its role and dead-letter queue) that starts it."""
    base, s = run.name, run.settings
    started_by = physical_name(base, 36)  # ECS limits startedBy to 36 characters
    ecs = pulumi.Output.concat(f"arn:aws:ecs:{region}:", account_id, ":")
    tasks = pulumi.Output.concat(ecs, "task/", run.cluster_name, "/*")
    on_cluster = {"ArnEquals": {"ecs:cluster": run.cluster_arn}}
    statements: list[dict[str, Any]] = [
        {"Sid": "RunTheTask", "Effect": "Allow", "Action": "ecs:RunTask", "Resource": run.task_definition_arn,
         "Condition": on_cluster},
        {"Sid": "FollowTheTask", "Effect": "Allow", "Action": ["ecs:DescribeTasks", "ecs:StopTask"], "Resource": tasks},
        # runTask.sync learns that the task stopped through this EventBridge rule, which Step Functions manages.
        {"Sid": "SyncRule", "Effect": "Allow", "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
         "Resource": pulumi.Output.concat(f"arn:aws:events:{region}:", account_id,
                                          ":rule/StepFunctionsGetEventsForECSTaskRule")},
        {"Sid": "PassTaskRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": list(run.role_arns),
         "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
    ]
    if s.overlap == "skip":
        # ListTasks has no resource-level permission (its resource is a container instance, which Fargate has none
        # of): the cluster condition scopes it.
        statements.append({"Sid": "SeeRunningRuns", "Effect": "Allow", "Action": "ecs:ListTasks", "Resource": "*",
                           "Condition": on_cluster})
    definition = RunScheduledTask(
        comment=f"{base}: run the task once", timeout_seconds=s.timeout_seconds, skip_if_running=s.overlap == "skip",
        cluster_arn=run.cluster_arn, task_definition_arn=run.task_definition_arn, started_by=started_by,
        subnet_ids=run.subnet_ids, security_group_ids=run.security_group_ids, capacity=run.capacity, exec=run.exec,
        list_errors=ECS_SERVICE_ERRORS, assign_public_ip=run.assign_public_ip)
    built = logged_state_machine(
        parent, f"{base}-schedule", definition=definition, account_id=account_id,
        description=f"{base}: run the scheduled task", names=("log", "role", "machine"),
        log_group_name=f"/aws/vendedlogs/states/{physical_name(base, 180)}-schedule", log_level="ERROR",
        retention_days=30, tags=tags, statements=statements)
    dead_name, starts = start_on_schedule(parent, f"{base}-schedule", machine_arn=built.machine.arn, settings=s,
                                          account_id=account_id, tags=tags, key=run.key, run_input="{}",
                                          role_name=f"{base}-scheduler", what=f"{base}: ")
    who = f"{base} schedule machine"
    needs: list[Need] = [
        *built.needs, *starts,
        Access(workload=who, principal=built.role.arn, actions=["ecs:RunTask"], resources=[run.task_definition_arn],
               key=run.key, why="run the task", context={"ecs:cluster": run.cluster_arn}),
        Access(workload=who, principal=built.role.arn, actions=["ecs:DescribeTasks", "ecs:StopTask"],
               resources=[pulumi.Output.concat(ecs, "task/", run.cluster_name, "/0123456789abcdef")], key=run.key,
               why="wait for the task (and stop it at the timeout)", context={"ecs:cluster": run.cluster_arn}),
        Access(workload=who, principal=built.role.arn, actions=["iam:PassRole"], resources=list(run.role_arns),
               key=run.key, why="hand the task its roles", context={"iam:PassedToService": "ecs-tasks.amazonaws.com"}),
        Access(workload=who, principal=built.role.arn,
               actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
               resources=[pulumi.Output.concat(f"arn:aws:events:{region}:", account_id,
                                               ":rule/StepFunctionsGetEventsForECSTaskRule")],
               key=run.key, why="learn when the task stops (runTask.sync)"),
    ]
    if s.overlap == "skip":
        needs.append(Access(workload=who, principal=built.role.arn, actions=["ecs:ListTasks"], resources=["*"],
                            key=run.key, why="see whether the previous run still runs",
                            context={"ecs:cluster": run.cluster_arn}))
    return BuiltSchedule(machine_arn=built.machine.arn, dead_letter_name=dead_name, needs=needs)


def start_on_schedule(parent: pulumi.Resource, base: str, *, machine_arn: pulumi.Input[str],
                      settings: StartScheduleSettings, account_id: pulumi.Input[str], tags: Mapping[str, str],
                      key: str, run_input: str, role_name: str, what: str) -> tuple[pulumi.Output[str], list[Need]]:
    """An EventBridge Scheduler schedule `<base>` starting `machine_arn` with `run_input`, its role (start that
    machine, park a start it gave up on) and its encrypted dead-letter queue `<base>-dead-letters`.

    Returns the queue's name (alarmed when not empty) and what the scheduler does at run time."""
    dead = aws.sqs.Queue(f"{base}-dead-letters", name=physical_name(f"{base}-dead-letters", 80),
                         message_retention_seconds=14 * 86400, sqs_managed_sse_enabled=True,
                         tags=tags_for(tags, base, "dead-letters"), opts=child_opts(parent))
    role = service_role(
        parent, role_name,
        trust=assume_role_policy("scheduler.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account_id}}),
        description=f"{what}EventBridge Scheduler starts the run, or parks it in the dead-letter queue",
        tags=tags_for(tags, role_name.removesuffix("-scheduler"), "scheduler"),
        policy=policy_document([
            {"Sid": "StartRun", "Effect": "Allow", "Action": "states:StartExecution", "Resource": machine_arn},
            {"Sid": "ParkFailedStart", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dead.arn}]))
    aws.scheduler.Schedule(
        base, name=physical_name(base, 64),
        description=f"{what}{settings.expression} ({settings.timezone})", schedule_expression=settings.expression,
        schedule_expression_timezone=settings.timezone,
        flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
        target=aws.scheduler.ScheduleTargetArgs(
            arn=machine_arn, role_arn=role.arn, input=run_input,
            retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                maximum_retry_attempts=settings.retries, maximum_event_age_in_seconds=settings.max_event_age_seconds),
            dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=dead.arn)),
        opts=child_opts(parent))
    scheduler = role_name.removesuffix("-scheduler") + " scheduler"
    return dead.name, [
        assumed_by(scheduler, "scheduler.amazonaws.com", role.arn, "start the run with its role", key,
                   {"aws:SourceAccount": account_id}),
        Access(workload=scheduler, principal=role.arn, actions=["states:StartExecution"], resources=[machine_arn],
               key=key, why="start the run"),
        Access(workload=scheduler, principal=role.arn, actions=["sqs:SendMessage"], resources=[dead.arn], key=key,
               why="park a start that failed every retry"),
    ]
