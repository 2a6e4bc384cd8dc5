"""A typed subset of the Amazon States Language: just what the program's machines need.

Definitions are built from these dataclasses and serialised once, so a state machine is never a
hand-pasted JSON string: names, transitions and the service integrations are checked here.
`logged_state_machine` builds a machine with its role and execution log the same way for every
component (BatchPipeline's pipeline, ContainerService's redeploy-on-secret-change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from components._common import assume_role_policy, child_opts, policy_document, service_role, tags_for
from components._runtime import Access, assumed_by

SUBMIT_JOB_SYNC = "arn:aws:states:::batch:submitJob.sync"
"""Step Functions' Batch integration that waits for the job to finish."""
BATCH_SERVICE_ERRORS = ("Batch.AWSBatchException", "Batch.ServerException", "Batch.TooManyRequestsException")
"""Transient Batch API errors worth retrying (a failed job is not one of them: Batch retries those)."""
ECS_UPDATE_SERVICE = "arn:aws:states:::aws-sdk:ecs:updateService"
"""Step Functions' AWS SDK integration calling ECS UpdateService (no Lambda in between)."""
ECS_SERVICE_ERRORS = ("Ecs.ServerException", "Ecs.ThrottlingException", "Ecs.EcsException")
"""Transient ECS API errors worth retrying."""


@dataclass(frozen=True, kw_only=True)
class Retry:
    """A Retry rule."""

    errors: Sequence[str]
    interval_seconds: int = 10
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "IntervalSeconds": self.interval_seconds,
                "MaxAttempts": self.max_attempts, "BackoffRate": self.backoff_rate}


@dataclass(frozen=True, kw_only=True)
class Catch:
    """A Catch rule sending matching errors to another state."""

    errors: Sequence[str]
    next: str
    result_path: str = "$.error"

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "ResultPath": self.result_path, "Next": self.next}


@dataclass(frozen=True, kw_only=True)
class BatchJobTask:
    """Submit a Batch job and wait for it (`submitJob.sync`)."""

    job_name: str
    job_queue_arn: pulumi.Input[str]
    job_definition_arn: pulumi.Input[str]
    environment: Mapping[str, str] = field(default_factory=dict)
    """Container environment overrides; values starting with `$` are JSONPath into the input, `States.` an intrinsic."""
    next: str | None = None
    """The following state; None ends the execution here."""
    result_path: str = "$.job"
    retry: Sequence[Retry] = ()
    catch: Sequence[Catch] = ()

    def to_asl(self) -> dict[str, Any]:
        # `$...` is a path into the input, `States.<fn>(...)` an intrinsic function; anything else is literal.
        overrides = [{"Name": k, "Value.$": v} if v.startswith(("$", "States.")) else {"Name": k, "Value": v}
                     for k, v in sorted(self.environment.items())]
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": SUBMIT_JOB_SYNC,
            "Parameters": {"JobName": self.job_name, "JobQueue": self.job_queue_arn,
                           "JobDefinition": self.job_definition_arn,
                           "ContainerOverrides": {"Environment": overrides}},
            "ResultPath": self.result_path,
        }
        if self.retry:
            state["Retry"] = [r.to_asl() for r in self.retry]
        return _ending(state, self.next, self.catch)


@dataclass(frozen=True, kw_only=True)
class RedeployServiceTask:
    """Start a new deployment of an ECS service with the same task definition (`forceNewDeployment`): new tasks
    read their secrets again when they start (ECS Developer Guide, "Pass Secrets Manager secrets through Amazon
    ECS environment variables": a running container does not see a rotated value; force a new deployment)."""

    cluster_arn: pulumi.Input[str]
    service_path: str = "$.service"
    """JSONPath to the service ARN in the execution's input."""
    retry: Sequence[Retry] = ()

    next: str | None = None

    def to_asl(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "Type": "Task", "Resource": ECS_UPDATE_SERVICE,
            "Parameters": {"Cluster": self.cluster_arn, "Service.$": self.service_path, "ForceNewDeployment": True},
            "ResultPath": None, "End": True,
        }
        if self.retry:
            state["Retry"] = [r.to_asl() for r in self.retry]
        return state


@dataclass(frozen=True, kw_only=True)
class Fail:
    """End the execution as failed."""

    error: str
    cause: str

    def to_asl(self) -> dict[str, Any]:
        return {"Type": "Fail", "Error": self.error, "Cause": self.cause}


@dataclass(frozen=True, kw_only=True)
class PrepareInput:
    """A JSONata Pass state (in a JSONPath machine) that turns whatever started the execution into the one input
    shape every later state reads, so no path of theirs can be missing (a JSONPath on an absent field fails)."""

    output: str
    """The JSONata expression, `{% ... %}`."""
    next: str

    def to_asl(self) -> dict[str, Any]:
        return {"Type": "Pass", "QueryLanguage": "JSONata", "Output": self.output, "Next": self.next}


@dataclass(frozen=True, kw_only=True)
class Branch:
    """A chain of states run inside a Parallel or Map state (its own scope: errors end it, its parent catches)."""

    start_at: str
    states: Mapping[str, BatchJobTask | ForEach]

    def __post_init__(self) -> None:
        _check_transitions(self.start_at, self.states)

    def to_asl(self) -> dict[str, Any]:
        return {"StartAt": self.start_at, "States": {name: state.to_asl() for name, state in self.states.items()}}


@dataclass(frozen=True, kw_only=True)
class ParallelBranches:
    """Run branches at once and continue when every one has finished; the input goes on unchanged."""

    branches: Sequence[Branch]
    next: str | None = None
    catch: Sequence[Catch] = ()

    def to_asl(self) -> dict[str, Any]:
        state: dict[str, Any] = {"Type": "Parallel", "Branches": [b.to_asl() for b in self.branches], "ResultPath": None}
        return _ending(state, self.next, self.catch)


@dataclass(frozen=True, kw_only=True)
class ForEach:
    """Run a chain once per item of a list in the input (an inline Map), at most `max_concurrency` at a time."""

    items_path: str
    max_concurrency: int
    item_selector: Mapping[str, str]
    """Each iteration's input (`key.$`: a path into the input, or `$$.Map.Item.Value`)."""
    body: Branch
    next: str | None = None
    catch: Sequence[Catch] = ()

    def to_asl(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "Type": "Map", "ItemsPath": self.items_path, "MaxConcurrency": self.max_concurrency,
            "ItemSelector": {f"{k}.$": v for k, v in self.item_selector.items()},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, **self.body.to_asl()}, "ResultPath": None}
        return _ending(state, self.next, self.catch)


def _ending(state: dict[str, Any], next_state: str | None, catch: Sequence[Catch]) -> dict[str, Any]:
    if catch:
        state["Catch"] = [c.to_asl() for c in catch]
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


State = BatchJobTask | RedeployServiceTask | Fail | PrepareInput | ParallelBranches | ForEach


def _targets(state: Any) -> list[str]:
    """The states `state` may go to next (its Next and its Catch targets)."""
    targets = [state.next] if getattr(state, "next", None) else []
    return targets + [c.next for c in getattr(state, "catch", ())]


def _check_transitions(start_at: str, states: Mapping[str, Any]) -> None:
    if start_at not in states:
        raise ValueError(f"StartAt {start_at!r} is not a state")
    for name, state in states.items():
        for target in _targets(state):
            if target not in states:
                raise ValueError(f"state {name!r} transitions to unknown state {target!r}")

SECRET_READ = "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue"
"""Step Functions' AWS SDK integration calling Secrets Manager GetSecretValue."""
SECRET_WRITE = "arn:aws:states:::aws-sdk:secretsmanager:putSecretValue"
"""Step Functions' AWS SDK integration calling Secrets Manager PutSecretValue."""
SECRETS_ERRORS = ("SecretsManager.InternalServiceErrorException", "SecretsManager.ThrottlingException")
"""Transient Secrets Manager errors worth retrying."""

COMPOSE_EXPRESSION = (
    "{% $join($map($states.input.parts, function($p) { $exists($p.text) ? $p.text : ("
    "$raw := $values[$p.source]; "
    "$value := $exists($p.key) ? $lookup($parse($raw), $p.key) : $raw; "
    "$p.encode ? $encodeUrlComponent($value) : $value) }), '') %}"
)
"""JSONata joining a recipe's parts (components.composed_secrets.recipe): text as it is, each secret piece from
`$values` (the sources' current values, in order), one JSON key of it when the part names one, percent-encoded when
the value is a URL. JSONata 2.0.6 as Step Functions runs it: no `$eval`, no `??` or `?:` (2.1)."""


@dataclass(frozen=True, kw_only=True)
class ComposeSecretMachine:
    """A JSONata machine that reads a recipe's source secrets (a Map over their ARNs) and writes the recomposed
    value to its target secret (`components.composed_secrets`)."""

    comment: str
    timeout_seconds: int = 300

    def to_json(self) -> pulumi.Output[str]:
        """The ASL document."""
        retry = [Retry(errors=SECRETS_ERRORS).to_asl()]
        return pulumi.Output.json_dumps({
            "Comment": self.comment, "QueryLanguage": "JSONata", "StartAt": "ReadSources",
            "TimeoutSeconds": self.timeout_seconds,
            "States": {
                "ReadSources": {
                    "Type": "Map", "Items": "{% $states.input.sources %}",
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Read", "States": {
                        "Read": {"Type": "Task", "Resource": SECRET_READ, "Arguments": {"SecretId": "{% $states.input %}"},
                                 "Output": "{% $states.result.SecretString %}", "Retry": retry, "End": True}}},
                    "Assign": {"values": "{% $states.result %}"}, "Output": "{% $states.input %}", "Next": "Write"},
                "Write": {"Type": "Task", "Resource": SECRET_WRITE,
                          "Arguments": {"SecretId": "{% $states.input.target %}", "SecretString": COMPOSE_EXPRESSION},
                          "Output": "{% $states.result.VersionId %}", "Retry": retry, "End": True},
            },
        })


@dataclass(frozen=True, kw_only=True)
class StateMachineDefinition:
    """A whole machine: states by name, where it starts, an overall timeout."""

    comment: str
    start_at: str
    states: Mapping[str, State]
    timeout_seconds: int

    def __post_init__(self) -> None:
        _check_transitions(self.start_at, self.states)
        names = list(_all_names(self.states))
        if len(names) != len(set(names)):
            raise ValueError(f"state names repeat across branches: {sorted({n for n in names if names.count(n) > 1})}")

    def to_json(self) -> pulumi.Output[str]:
        """The ASL document (ARNs may still be Outputs)."""
        return pulumi.Output.json_dumps({
            "Comment": self.comment,
            "StartAt": self.start_at,
            "TimeoutSeconds": self.timeout_seconds,
            "States": {name: state.to_asl() for name, state in self.states.items()},
        })


def _all_names(states: Mapping[str, Any]) -> list[str]:
    """Every state name of a machine, nested ones included (ASL wants them unique across the machine)."""
    names = list(states)
    for state in states.values():
        for branch in [*getattr(state, "branches", ()), *([state.body] if isinstance(state, ForEach) else [])]:
            names += _all_names(branch.states)
    return names


RUN_TASK_SYNC = "arn:aws:states:::ecs:runTask.sync"
"""Step Functions' optimized ECS integration that runs a task and waits until it stops."""
ECS_LIST_TASKS = "arn:aws:states:::aws-sdk:ecs:listTasks"
"""Step Functions' AWS SDK integration calling ECS ListTasks."""
RUN_TASK_ERRORS = ("AmazonECS.Unknown",)
"""What runTask.sync raises when RunTask answers with failures (no Fargate capacity, for one): worth retrying
(Step Functions Developer Guide, "Run Amazon ECS or Fargate tasks": a non-empty Failures field fails the task with
AmazonECS.Unknown; checked 2026-12-04)."""


@dataclass(frozen=True, kw_only=True)
class RunScheduledTask:
    """A JSONata machine that runs one ECS task to completion (`components._scheduled`): optionally ends first when
    a task it started earlier still runs, then runs the task, then fails unless every container exited 0."""

    comment: str
    timeout_seconds: int
    skip_if_running: bool
    cluster_arn: pulumi.Input[str]
    task_definition_arn: pulumi.Input[str]
    started_by: str
    """Tag of the tasks this machine starts (ECS startedBy), which the overlap check lists."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: Sequence[pulumi.Input[str]]
    capacity: Sequence[Mapping[str, Any]]
    exec: bool = False
    assign_public_ip: bool = False
    list_errors: Sequence[str] = ()

    def to_json(self) -> pulumi.Output[str]:
        """The ASL document."""
        states: dict[str, Any] = {}
        if self.skip_if_running:
            states["ListRunning"] = {
                "Type": "Task", "Resource": ECS_LIST_TASKS, "Next": "AlreadyRunning?",
                "Arguments": {"Cluster": self.cluster_arn, "StartedBy": self.started_by, "DesiredStatus": "RUNNING"},
                "Output": "{% $count($states.result.TaskArns) %}"}
            if self.list_errors:
                states["ListRunning"]["Retry"] = [Retry(errors=self.list_errors).to_asl()]
            states["AlreadyRunning?"] = {
                "Type": "Choice", "Default": "Run",
                "Choices": [{"Condition": "{% $states.input > 0 %}", "Next": "SkipOverlap"}]}
            states["SkipOverlap"] = {"Type": "Succeed", "Comment": "the previous run still runs: this one is skipped"}
        states["Run"] = {
            "Type": "Task", "Resource": RUN_TASK_SYNC, "Next": "ExitedZero?",
            "Arguments": {
                "Cluster": self.cluster_arn, "TaskDefinition": self.task_definition_arn, "StartedBy": self.started_by,
                "CapacityProviderStrategy": list(self.capacity), "EnableExecuteCommand": self.exec,
                "PropagateTags": "TASK_DEFINITION",
                "NetworkConfiguration": {"AwsvpcConfiguration": {
                    "Subnets": self.subnet_ids, "SecurityGroups": list(self.security_group_ids),
                    "AssignPublicIp": "ENABLED" if self.assign_public_ip else "DISABLED"}}},
            "Output": "{% $states.result.Containers %}",
            "Retry": [Retry(errors=RUN_TASK_ERRORS, interval_seconds=60).to_asl()]}
        states["ExitedZero?"] = {
            "Type": "Choice", "Default": "Done",
            "Choices": [{"Condition": "{% $count($states.input[ExitCode != 0]) > 0 %}", "Next": "TaskFailed"}]}
        states["TaskFailed"] = {"Type": "Fail", "Error": "TaskFailed", "Cause": "a container exited with a code other than 0"}
        states["Done"] = {"Type": "Succeed"}
        return pulumi.Output.json_dumps({
            "Comment": self.comment, "QueryLanguage": "JSONata",
            "StartAt": "ListRunning" if self.skip_if_running else "Run", "TimeoutSeconds": self.timeout_seconds,
            "States": states})


def log_delivery_statement() -> dict[str, Any]:
    """What a state machine's role needs to deliver its execution log to CloudWatch Logs: the vended-log
    delivery API, which takes no resource-level permissions (Step Functions Developer Guide, "IAM policies
    for logging to CloudWatch Logs")."""
    return {"Sid": "VendedLogDelivery", "Effect": "Allow", "Resource": "*", "Action": [
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]}


@dataclass(frozen=True, kw_only=True)
class LoggedMachine:
    """A state machine built by `logged_state_machine`, with its role and log group."""

    machine: aws.sfn.StateMachine
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    needs: list[Access]
    """What the machine itself does at run time: assume its role, deliver its log, trace."""


def logged_state_machine(parent: pulumi.Resource, name: str, *,
                         definition: StateMachineDefinition | ComposeSecretMachine | RunScheduledTask,
                         statements: Sequence[Mapping[str, Any]], account_id: pulumi.Input[str],
                         description: str, log_level: Literal["ALL", "ERROR", "FATAL"], retention_days: int,
                         tags: Mapping[str, str], names: tuple[str, str, str], log_group_name: str,
                         tracing: bool = False) -> LoggedMachine:
    """A Standard state machine whose role may do `statements` and deliver its log, logging execution data
    into a log group with retention. `names` are the (log group, role, machine) roles in the component's
    naming; `log_group_name` is under /aws/vendedlogs/ (no log-group resource policy size limit)."""
    log_role, role_role, machine_role = names
    logs = aws.cloudwatch.LogGroup(f"{name}-{log_role}", name=log_group_name, retention_in_days=retention_days,
                                   tags=tags_for(tags, name, log_role), opts=child_opts(parent))
    statements = [*statements, log_delivery_statement()]
    if tracing:
        statements.append({"Sid": "Tracing", "Effect": "Allow", "Resource": "*", "Action": [
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]})
    role = service_role(
        parent, f"{name}-{role_role}",
        trust=assume_role_policy("states.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account_id}}),
        description=description, tags=tags_for(tags, name, role_role), policy=policy_document(statements))
    machine = aws.sfn.StateMachine(
        f"{name}-{machine_role}", type="STANDARD", role_arn=role.arn, definition=definition.to_json(),
        logging_configuration=aws.sfn.StateMachineLoggingConfigurationArgs(
            level=log_level, include_execution_data=True, log_destination=pulumi.Output.concat(logs.arn, ":*")),
        tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(enabled=tracing),
        tags=tags_for(tags, name, machine_role), opts=child_opts(parent))
    who = f"{name} state machine"
    needs = [
        assumed_by(who, "states.amazonaws.com", role.arn, "run with its role", None, {"aws:SourceAccount": account_id}),
        Access(workload=who, principal=role.arn, resources=["*"], why="deliver its execution log",
               actions=["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                        "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                        "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]),
    ]
    if tracing:
        needs.append(Access(workload=who, principal=role.arn, resources=["*"], why="send X-Ray traces",
                            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                     "xray:GetSamplingTargets"]))
    return LoggedMachine(machine=machine, role=role, log_group=logs, needs=needs)


def machine_starter(parent: pulumi.Resource, logical: str, *, machine_arn: pulumi.Input[str],
                    account_id: pulumi.Input[str], description: str, tags: Mapping[str, str], workload: str,
                    key: str | None) -> tuple[aws.iam.Role, list[Access]]:
    """The role an EventBridge target assumes to start one state machine (and nothing else), with the two
    needs it serves: EventBridge may take it, and it may start the machine."""
    role = service_role(
        parent, logical,
        trust=assume_role_policy("events.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account_id}}),
        description=description, tags=tags,
        policy=policy_document([{"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine_arn}]))
    return role, [
        Access(workload=workload, principal=role.arn, actions=["states:StartExecution"], resources=[machine_arn],
               key=key, why="start the state machine"),
        assumed_by(workload, "events.amazonaws.com", role.arn, "act with its role", key,
                   {"aws:SourceAccount": account_id}),
    ]


TARGET_RETRY = aws.cloudwatch.EventTargetRetryPolicyArgs(maximum_event_age_in_seconds=3600, maximum_retry_attempts=10)
"""How long EventBridge keeps retrying to start a machine: an hour, ten times (a throttled start is not lost)."""
