"""BatchPipeline: uploads land in S3, Step Functions runs AWS Batch jobs, results land in S3.

This includes:
- a customer-managed KMS key and two private buckets (uploads, results) with SSE-KMS bucket keys,
  versioning, a TLS-only policy, lifecycle rules, and EventBridge notifications on uploads;
- AWS Batch: compute environments on Fargate Spot then Fargate (or EC2 Spot then on-demand with an
  allocation strategy) in private subnets behind an egress-only security group, a job queue
  ordering them, one job definition per step (resources, retry strategy with evaluateOnExit,
  timeout, logs to a log group with retention);
- an execution role (image, logs, the step's secrets) and a job role that may read the uploads
  bucket and write the results bucket, nothing else;
- a Standard state machine built from a typed definition (`_states.py`): one `submitJob.sync`
  task per step with Retry and Catch, a failure state, logging and X-Ray tracing; its role may
  submit only to this queue and these job definitions;
- an EventBridge rule starting the machine for every object created under the upload prefix;
- `grant(...)`, letting a service start executions, submit jobs or use the buckets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._bucket import (
    BucketLifecycleSettings,
    BucketSpec,
    Expiry,
    bucket_key_statement,
    bucket_kms_key,
    object_access_statements,
    private_bucket,
)
from components._common import (
    assume_role_policy,
    child_opts,
    physical_name,
    policy_document,
    pull_and_read_statements,
    service_role,
    tags_for,
)
from components._pipeline_graph import definition, step_layers
from components._runtime import (
    Access,
    Need,
    Trigger,
    api_egress_needs,
    assumed_by,
    image_pull_needs,
    log_needs,
    published,
    secret_read_needs,
)
from components._scheduled import StartScheduleSettings, start_on_schedule
from components._service import WorkloadRefs
from components._settings import (
    ImageSettings,
    Problems,
    RetentionDays,
    SecretRefSettings,
    Settings,
    fargate_problem,
    matching,
)
from components._states import (
    TARGET_RETRY,
    logged_state_machine,
    machine_starter,
)
from components.storage import BUCKET_ACTIONS, BucketAccess

PipelineAccess = Literal["start", "submit", "read_uploads", "write_uploads", "read_results"]
RESERVED_ENV = frozenset({"UPLOADS_BUCKET", "RESULTS_BUCKET", "INPUT_BUCKET", "INPUT_KEY", "EXECUTION_NAME"})
"""Environment the platform gives every job (the buckets, the object that started the run, the execution)."""


class ForEachSettings(Settings):
    """One job per item of a list parameter, some at a time."""

    parameter: str
    """A parameter of kind list (`pipeline.parameters`) whose items the step runs over."""
    env: Annotated[str, matching(r"^[A-Z][A-Z0-9_]{0,63}$", "an environment variable name such as CHROMOSOME")] = "ITEM"
    """The environment variable each job finds its item in."""
    max_concurrency: int = Field(10, ge=1, le=1000)
    """Items run at once (an inline Map runs at most 40 at a time whatever is asked; Step Functions Developer Guide,
    "Map state", checked 2026-12-04)."""
    max_items: int = Field(100, ge=1, le=10000)
    """The most items a run takes (more fail the run at its start); bounds the run's timeout."""


class ParameterSettings(Settings):
    """A value each execution passes to every job (its environment variable is the name in upper case)."""

    kind: Literal["string", "list"] = "string"
    """`string`, or `list` (of strings: a for_each runs over it; jobs get it as a JSON array)."""
    default: str | list[str] | None = None
    """Used when the execution's input has none; unset: the parameter is required."""
    description: str = ""
    """What it is, for operators starting runs."""

    @model_validator(mode="after")
    def _default_kind(self) -> ParameterSettings:
        problems = Problems()
        if self.default is not None and isinstance(self.default, list) != (self.kind == "list"):
            problems.add("default", f"a {self.kind} parameter's default is a {'list of strings' if self.kind == 'list' else 'string'}")
        return problems.done(self)


class QueueSettings(Settings):
    """A Batch job queue: jobs of a higher priority start first where queues share compute."""

    priority: int = Field(1, ge=0, le=1000)
    """Batch's queue priority (0-1000, higher first; AWS::Batch::JobQueue Priority)."""
    spot: bool = True
    """Spot capacity first (falling back to on-demand); false: on-demand only, for work that must not wait."""


class BatchStepSettings(Settings):
    """One pipeline step: a Batch job run by the state machine, in list order."""

    name: Annotated[str, matching(r"^[a-z][a-z0-9_-]{0,39}$", "a short step name such as align or call_variants")]
    """Step name."""
    image: ImageSettings
    """Job image."""
    vcpu: float = Field(gt=0, le=192)
    """vCPUs (Fargate: 0.25, 0.5, 1, 2, 4, 8, 16 or 32, with a memory Fargate pairs with it)."""
    memory: int = Field(ge=512, le=1048576)
    """Memory in MiB (Fargate: a valid combination with vcpu)."""
    command: list[str] = []
    """Command override."""
    environment: dict[str, str] = {}
    """Plain environment variables (UPLOADS_BUCKET and RESULTS_BUCKET are always set)."""
    secrets: dict[str, SecretRefSettings] = {}
    """Environment variables filled from Secrets Manager."""
    architecture: Literal["arm64", "x86_64"] = "x86_64"
    """CPU architecture (Fargate)."""
    retry_attempts: int = Field(3, ge=1, le=10)
    """Batch attempts (capacity interruptions retry; application failures do not)."""
    timeout_seconds: int = Field(3600, ge=60, le=1209600)
    """Per-attempt timeout."""
    after: list[str] | None = None
    """Steps this one waits for. Unset: the step before it in the list (none for the first); `[]`: it starts the
    run. Steps whose waits allow it run at once (a Parallel state); the chains between forks run in order."""
    for_each: ForEachSettings | None = None
    """Run this step once per item of a list parameter (a Map state); a chain of steps with the same for_each runs
    as one Map, item by item."""
    queue: str = "default"
    """The job queue (`pipeline.queues`) its jobs wait in."""
    scratch_gb: int | None = Field(None, ge=21, le=200)
    """Fargate only: the job's ephemeral storage in GiB (21-200; Batch API Reference EphemeralStorage, checked
    2026-12-04); unset: Fargate's 20 GiB. EC2 jobs use the instances' volume (`pipeline.instance_volume_gb`)."""


class PipelineSettings(Settings):
    """`platform:pipeline`: uploads -> Step Functions -> AWS Batch steps -> results."""

    compute: Literal["fargate", "ec2_spot"] = "fargate"
    """Fargate (Spot first) or EC2 Spot (on-demand fallback)."""
    spot: bool = True
    """Fargate: try FARGATE_SPOT before FARGATE."""
    max_vcpus: int = Field(16, ge=1, le=10000)
    """Ceiling of each compute environment."""
    instance_types: list[str] = ["optimal"]
    """EC2 instance types or families (ec2_spot)."""
    allocation_strategy: Literal["SPOT_PRICE_CAPACITY_OPTIMIZED", "SPOT_CAPACITY_OPTIMIZED"] = "SPOT_PRICE_CAPACITY_OPTIMIZED"
    """EC2 Spot allocation strategy."""
    steps: list[BatchStepSettings] = Field(min_length=1)
    """Steps in execution order."""
    uploads: BucketLifecycleSettings = BucketLifecycleSettings()
    """Lifecycle of the uploads bucket."""
    results: BucketLifecycleSettings = BucketLifecycleSettings()
    """Lifecycle of the results bucket."""
    trigger: Literal["uploads", "schedule", "manual"] = "uploads"
    """What starts a run: each upload (under trigger_prefix), a schedule, or an operator or a service (`start`)."""
    trigger_prefix: str = ""
    """Only uploads under this key prefix start the pipeline ("" = all)."""
    schedule: StartScheduleSettings | None = None
    """With trigger: schedule, when runs start (EventBridge Scheduler, with retries and a dead-letter queue)."""
    parameters: dict[Annotated[str, matching(r"^[a-z][a-z0-9_]{0,39}$", "a parameter name such as sample_id")], ParameterSettings] = {}
    """Values each run passes to every job: `{"parameters": {"sample_id": "NA12878"}}` as the execution's input."""
    queues: dict[Annotated[str, matching(r"^[a-z][a-z0-9-]{0,39}$", "a queue name such as default or priority")], QueueSettings] = {"default": QueueSettings()}
    """Job queues sharing the compute environments, by name (steps pick one; `default` unless they say)."""
    external_buckets: dict[str, BucketAccess] = {}
    """Buckets outside the stack (`platform:external_buckets`) the jobs may read or write."""
    instance_volume_gb: int = Field(100, ge=30, le=16384)
    """ec2_spot: each instance's encrypted gp3 root volume, the jobs' scratch space (the ECS AMI needs 30)."""
    log_level: Literal["ALL", "ERROR", "FATAL"] = "ERROR"
    """Step Functions execution logging level (`OFF` is not offered: the pack's sfn-logging rule requires the log)."""
    log_retention_days: RetentionDays = 30
    """Retention of job and execution logs."""
    tracing: bool = True
    """X-Ray tracing of executions."""

    @model_validator(mode="after")
    def _rules(self) -> PipelineSettings:
        problems = Problems()
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            problems.add("steps", f"step names must be unique; got {names}")
        self._graph_rules(problems, names)
        self._start_rules(problems)
        for i, step in enumerate(self.steps):
            if self.compute == "fargate":
                # Batch on Fargate takes ECS Fargate's pairs (Batch API reference ResourceRequirement).
                fargate_problem(problems, f"steps[{i}].", step.vcpu * 1024, step.memory, vcpu=True)
            elif step.vcpu != int(step.vcpu):
                problems.add(f"steps[{i}].vcpu", f"EC2 jobs take whole vCPUs; got {step.vcpu:g}")
        if self.compute == "fargate" and "instance_types" in self.model_fields_set:
            problems.add("instance_types", "only for compute: ec2_spot")
        if self.compute == "fargate" and "instance_volume_gb" in self.model_fields_set:
            problems.add("instance_volume_gb", "only for compute: ec2_spot (Fargate jobs take steps[].scratch_gb)")
        for i, step in enumerate(self.steps):
            if step.scratch_gb is not None and self.compute != "fargate":
                problems.add(f"steps[{i}].scratch_gb", "Fargate only; EC2 jobs use pipeline.instance_volume_gb")
            if step.queue not in self.queues:
                problems.add(f"steps[{i}].queue", f"not a queue of pipeline.queues ({', '.join(sorted(self.queues))})")
        if "default" not in self.queues and any("queue" not in s.model_fields_set for s in self.steps):
            problems.add("queues", "steps that name no queue wait in `default`; declare it, or name a queue in each step")
        return problems.done(self)

    def _graph_rules(self, problems: Problems, names: list[str]) -> None:
        """Waits name other steps and never go round; a for_each names a list parameter."""
        for i, step in enumerate(self.steps):
            for name in step.after or []:
                if name not in names or name == step.name:
                    problems.add(f"steps[{i}].after", f"names no other step ({', '.join(n for n in names if n != step.name)}); "
                                                      f"got {name!r}")
            if step.for_each is not None:
                param = self.parameters.get(step.for_each.parameter)
                if param is None or param.kind != "list":
                    lists = [k for k, p in self.parameters.items() if p.kind == "list"]
                    problems.add(f"steps[{i}].for_each.parameter", f"names no list parameter ({', '.join(lists) or 'none declared'}); "
                                                                   f"got {step.for_each.parameter!r}")
                taken = {n.upper() for n in self.parameters} | set(step.environment) | RESERVED_ENV
                if step.for_each.env in taken:
                    problems.add(f"steps[{i}].for_each.env", f"{step.for_each.env} is already set (a parameter, the step's "
                                                             "environment or the platform's); pick another")
            clash = sorted(({n.upper() for n in self.parameters} | RESERVED_ENV) & set(step.environment))
            if clash:
                problems.add(f"steps[{i}].environment", f"{', '.join(clash)} are set by the platform or a parameter")
        if not problems.lines:
            try:
                self.waits()
                step_layers(self)
            except ValueError as cycle:
                problems.add("steps", str(cycle))

    def _start_rules(self, problems: Problems) -> None:
        """What starts a run can give every required parameter."""
        if (self.trigger == "schedule") != (self.schedule is not None):
            problems.add("schedule", "set schedule together with trigger: schedule (and only then)")
        if self.trigger != "uploads" and "trigger_prefix" in self.model_fields_set:
            problems.add("trigger_prefix", "only for trigger: uploads")
        required = sorted(k for k, p in self.parameters.items() if p.default is None)
        if required and self.trigger != "manual":
            problems.add("parameters", f"{', '.join(required)} {'has' if len(required) == 1 else 'have'} no default, but "
                                       f"{'an upload' if self.trigger == 'uploads' else 'the schedule'} starts runs without "
                                       "parameters: give a default, or set trigger: manual")

    def waits(self) -> dict[str, list[str]]:
        """Each step's waits: its `after`, else the step before it."""
        names = [s.name for s in self.steps]
        return {s.name: list(s.after) if s.after is not None else names[max(i - 1, 0):i] for i, s in enumerate(self.steps)}

    @property
    def prepared(self) -> bool:
        """The machine starts by shaping its input (parameters, lists, or a start that is not an upload)."""
        return bool(self.parameters) or self.trigger != "uploads"


@dataclass(frozen=True, kw_only=True)
class OutsideBucket:
    """A bucket outside the stack the jobs use (`platform:external_buckets`)."""

    arn: pulumi.Input[str]
    """The bucket's ARN."""
    kms_key_arn: pulumi.Input[str] | None = None
    """Its SSE-KMS key, if it has one of its own."""


@dataclass(frozen=True, kw_only=True)
class BatchPipelineArgs:
    """Inputs for :class:`BatchPipeline`: its settings (`platform:pipeline`) and what the stack supplies."""

    settings: PipelineSettings
    """Compute, steps, bucket lifecycles, trigger and logging."""
    jobs: Mapping[str, WorkloadRefs]
    """By step name: the step's image and secrets as the stack resolved them."""
    vpc_id: pulumi.Input[str]
    """VPC of the jobs' security group."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets for the jobs."""
    region: str
    """The stack's region."""
    account_id: pulumi.Input[str]
    """The account (role trust conditions)."""
    outside_buckets: Mapping[str, OutsideBucket] = field(default_factory=dict)
    """The buckets `settings.external_buckets` names, as the stack knows them."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the buckets and their key."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if set(self.outside_buckets) != set(self.settings.external_buckets):
            raise ValueError(f"BatchPipelineArgs: outside_buckets must be exactly settings.external_buckets "
                             f"({sorted(self.settings.external_buckets)})")
        names = [step.name for step in self.settings.steps]
        if sorted(self.jobs) != sorted(names):
            raise ValueError(f"BatchPipelineArgs: jobs must resolve exactly the steps {names}; got {sorted(self.jobs)}")


class BatchPipeline(pulumi.ComponentResource):
    """S3 -> EventBridge -> Step Functions -> AWS Batch -> S3."""

    uploads_bucket_name: pulumi.Output[str]
    """Where inputs land (objects under the trigger prefix start an execution)."""
    uploads_bucket_arn: pulumi.Output[str]
    """ARN of the uploads bucket."""
    results_bucket_name: pulumi.Output[str]
    """Where the jobs write their results."""
    results_bucket_arn: pulumi.Output[str]
    """ARN of the results bucket."""
    kms_key_arn: pulumi.Output[str]
    """Key of both buckets; users of the buckets need it."""
    state_machine_arn: pulumi.Output[str]
    """The Standard state machine running the steps."""
    state_machine_name: pulumi.Output[str]
    """Its name (alarm dimensions)."""
    job_queue_arn: pulumi.Output[str]
    """The `default` job queue (else the first)."""
    job_queue_arns: dict[str, pulumi.Output[str]]
    """Every job queue by name."""
    job_role_name: pulumi.Output[str]
    """The role every job runs with (grants to buckets outside the stack attach here)."""
    schedule_dead_letter_name: pulumi.Output[str] | None
    """With trigger: schedule, the queue of starts Scheduler gave up on (alarmed when not empty)."""
    job_definition_arns: dict[str, pulumi.Output[str]]
    """Job definition ARN (current revision) by step."""
    security_group_id: pulumi.Output[str]
    """The jobs' security group (grant it access to databases)."""
    failure_event_pattern: pulumi.Output[str]
    """EventBridge pattern matching failed jobs of this queue (for alerting)."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What the jobs, the state machine and the trigger do at run time (`components._runtime`)."""

    def __init__(self, name: str, args: BatchPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:BatchPipeline", name, None, opts)
        self._name, self._args = name, args
        key = bucket_kms_key(self, name, "pipeline buckets", args.tags, args.protect)
        uploads = private_bucket(self, name, "uploads", BucketSpec(
            kms_key_arn=key.arn, eventbridge=args.settings.trigger == "uploads", protect=args.protect, tags=args.tags,
            lifecycle=[_expiry("uploads", args.settings.uploads)]))
        results = private_bucket(self, name, "results", BucketSpec(
            kms_key_arn=key.arn, protect=args.protect, tags=args.tags,
            lifecycle=[_expiry("results", args.settings.results)]))
        self._key, self._uploads, self._results = key, uploads, results
        self._needs: list[Need] = []

        sg = aws.ec2.SecurityGroup(f"{name}-jobs", vpc_id=args.vpc_id, description=f"{name}: batch jobs, egress only",
                                   tags=tags_for(args.tags, name, "jobs"), opts=child_opts(self))
        aws.vpc.SecurityGroupEgressRule(f"{name}-jobs-egress", security_group_id=sg.id, ip_protocol="-1",
                                        cidr_ipv4="0.0.0.0/0", description="jobs call out (S3, ECR, APIs)",
                                        tags=tags_for(args.tags, name, "jobs-egress"), opts=child_opts(self))
        logs = aws.cloudwatch.LogGroup(f"{name}-jobs", name=f"/aws/batch/{physical_name(name, 200)}",
                                       retention_in_days=args.settings.log_retention_days,
                                       tags=tags_for(args.tags, name, "jobs"), opts=child_opts(self))
        environments = self._compute(sg)
        queues = {key: self._job_queue(key, spec, environments) for key, spec in sorted(args.settings.queues.items())}
        job_role = self._job_role()
        definitions = {step.name: self._job_definition(step, args.jobs[step.name], logs, job_role)
                       for step in args.settings.steps}
        self._needs += api_egress_needs(
            f"{name} jobs", sg.id, args.subnet_ids, key="pipeline.steps",
            pulls_from_ecr=any(refs.repository_arn is not None for refs in args.jobs.values()),
            reads_secrets=any(refs.secrets for refs in args.jobs.values()))
        self._queues, self._definitions, self._job_role_name = queues, definitions, job_role.name
        machine = self._state_machine()
        self._machine = machine
        self.schedule_dead_letter_name: pulumi.Output[str] | None = None
        if args.settings.trigger == "uploads":
            self._trigger(machine, uploads)
        elif args.settings.trigger == "schedule":
            self._scheduled(machine)

        self.uploads_bucket_name, self.uploads_bucket_arn = uploads.bucket, uploads.arn
        self.results_bucket_name, self.results_bucket_arn = results.bucket, results.arn
        self.kms_key_arn = key.arn
        self.state_machine_arn, self.state_machine_name = machine.arn, machine.name
        self.job_queue_arn = queues["default"].arn if "default" in queues else next(iter(queues.values())).arn
        self.job_queue_arns = {key: q.arn for key, q in queues.items()}
        self.job_role_name = job_role.name
        self.job_definition_arns = {n: d.arn for n, d in definitions.items()}
        self.security_group_id = sg.id
        self.runtime_needs = published(self._needs)
        self.failure_event_pattern = pulumi.Output.json_dumps({
            "source": ["aws.batch"], "detail-type": ["Batch Job State Change"],
            "detail": {"status": ["FAILED"], "jobQueue": [q.arn for q in queues.values()]}})
        self.register_outputs({
            "uploads_bucket_name": self.uploads_bucket_name, "uploads_bucket_arn": self.uploads_bucket_arn,
            "results_bucket_name": self.results_bucket_name, "results_bucket_arn": self.results_bucket_arn,
            "kms_key_arn": self.kms_key_arn, "state_machine_arn": self.state_machine_arn,
            "state_machine_name": self.state_machine_name, "job_queue_arn": self.job_queue_arn,
            "job_definition_arns": self.job_definition_arns, "security_group_id": self.security_group_id,
            "failure_event_pattern": self.failure_event_pattern, "runtime_needs": self.runtime_needs,
        })

    # -- grants --------------------------------------------------------------------------------------
    def grant(self, peer: str, role_name: pulumi.Input[str], access: Sequence[PipelineAccess]) -> aws.iam.RolePolicy:
        """Attach to `role_name` exactly the pipeline rights in `access` (one inline policy named after `peer`)."""
        statements: list[dict[str, Any]] = []
        if "start" in access:
            statements.append({"Sid": "StartPipeline", "Effect": "Allow", "Action": "states:StartExecution",
                               "Resource": self._machine.arn})
            statements.append({"Sid": "FollowPipelineExecutions", "Effect": "Allow",
                               "Action": ["states:DescribeExecution", "states:StopExecution"],
                               "Resource": self._execution_arns()})
        if "submit" in access:
            statements.append({"Sid": "SubmitPipelineJobs", "Effect": "Allow", "Action": "batch:SubmitJob",
                               "Resource": self._submit_resources()})
        buckets = [("read_uploads", self._uploads, ["s3:GetObject"]),
                   ("write_uploads", self._uploads, ["s3:PutObject", "s3:AbortMultipartUpload"]),
                   ("read_results", self._results, ["s3:GetObject"])]
        for right, bucket, actions in buckets:
            if right in access:
                statements += object_access_statements("".join(p.title() for p in right.split("_")), bucket.arn, actions)
        if any(r in access for r in ("read_uploads", "write_uploads", "read_results")):
            statements.append(bucket_key_statement(self._key.arn, self._args.region))
        if not statements:
            raise ValueError(f"BatchPipeline.grant: no access requested for {peer}")
        return aws.iam.RolePolicy(f"{self._name}-grant-{peer}", role=role_name, policy=policy_document(statements),
                                  opts=child_opts(self))

    def _execution_arns(self) -> pulumi.Output[str]:
        return pulumi.Output.concat(f"arn:aws:states:{self._args.region}:", self._args.account_id, ":execution:",
                                    self._machine.name, ":*")

    def _submit_resources(self) -> list[pulumi.Input[str]]:
        # SubmitJob authorises the queue and the job definition (any revision of ours).
        return [*[q.arn for q in self._queues.values()],
                *[pulumi.Output.concat(d.arn_prefix, ":*") for d in self._definitions.values()]]

    def _job_queue(self, key: str, spec: QueueSettings,
                   environments: list[aws.batch.ComputeEnvironment]) -> aws.batch.JobQueue:
        """A queue over the compute environments (Spot first), or over on-demand alone (`spot: false`)."""
        name = self._name
        # The default queue keeps the name the program gave its one queue before queues could be named.
        logical = f"{name}-queue" if key == "default" else f"{name}-queue-{key}"
        ordered = environments if spec.spot else environments[-1:]  # the last environment is the on-demand one
        return aws.batch.JobQueue(
            logical, state="ENABLED", priority=spec.priority,
            compute_environment_orders=[aws.batch.JobQueueComputeEnvironmentOrderArgs(order=i + 1, compute_environment=ce.arn)
                                        for i, ce in enumerate(ordered)],
            tags=tags_for(self._args.tags, name, "queue" if key == "default" else f"queue-{key}"), opts=child_opts(self))

    # -- compute ---------------------------------------------------------------------------------------
    def _compute(self, sg: aws.ec2.SecurityGroup) -> list[aws.batch.ComputeEnvironment]:
        name, args = self._name, self._args

        def environment(kind: str, resources: aws.batch.ComputeEnvironmentComputeResourcesArgs) -> aws.batch.ComputeEnvironment:
            # No service_role: Batch uses its service-linked role (AWSServiceRoleForBatch).
            return aws.batch.ComputeEnvironment(f"{name}-{kind}", type="MANAGED", state="ENABLED",
                                                compute_resources=resources,
                                                tags=tags_for(args.tags, name, kind), opts=child_opts(self))

        if args.settings.compute == "fargate":
            kinds = (["FARGATE_SPOT"] if args.settings.spot else []) + ["FARGATE"]
            return [environment(k.lower().replace("_", "-"), aws.batch.ComputeEnvironmentComputeResourcesArgs(
                type=k, max_vcpus=args.settings.max_vcpus, subnets=args.subnet_ids, security_group_ids=[sg.id])) for k in kinds]
        profile, template = self._ec2_instances()
        common: dict[str, Any] = dict(max_vcpus=args.settings.max_vcpus, min_vcpus=0, subnets=args.subnet_ids, security_group_ids=[sg.id],
                      instance_types=list(args.settings.instance_types), instance_role=profile.arn,
                      launch_template=aws.batch.ComputeEnvironmentComputeResourcesLaunchTemplateArgs(
                          launch_template_id=template.id, version="$Latest"),
                      ec2_configurations=[aws.batch.ComputeEnvironmentComputeResourcesEc2ConfigurationArgs(
                          image_type="ECS_AL2023")],
                      tags=tags_for(args.tags, name, "instances"))
        spot = environment("spot", aws.batch.ComputeEnvironmentComputeResourcesArgs(
            type="SPOT", allocation_strategy=args.settings.allocation_strategy, **common))
        on_demand = environment("on-demand", aws.batch.ComputeEnvironmentComputeResourcesArgs(
            type="EC2", allocation_strategy="BEST_FIT_PROGRESSIVE", **common))
        return [spot, on_demand]

    def _ec2_instances(self) -> tuple[aws.iam.InstanceProfile, aws.ec2.LaunchTemplate]:
        name, args = self._name, self._args
        role = service_role(self, f"{name}-instances", trust=assume_role_policy("ec2.amazonaws.com"),
                            description=f"{name}: ECS agent on Batch instances",
                            tags=tags_for(args.tags, name, "instances"),
                            managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"])
        profile = aws.iam.InstanceProfile(f"{name}-instances", role=role.name, path=role.path,
                                          tags=tags_for(args.tags, name, "instances"), opts=child_opts(self))
        template = aws.ec2.LaunchTemplate(
            f"{name}-instances",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(http_tokens="required", http_endpoint="enabled",
                                                                      http_put_response_hop_limit=2),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda", ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    encrypted="true", volume_size=args.settings.instance_volume_gb, volume_type="gp3",
                    delete_on_termination="true"))],
            tags=tags_for(args.tags, name, "instances"), opts=child_opts(self))
        return profile, template

    # -- jobs -------------------------------------------------------------------------------------------
    def _job_role(self) -> aws.iam.Role:
        name, args = self._name, self._args
        who, key, s3 = f"{name} jobs", "pipeline.steps", {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}
        role = service_role(
            self, f"{name}-job", trust=_ecs_tasks_trust(args), description=f"{name}: read uploads, write results",
            tags=tags_for(args.tags, name, "job"),
            policy=policy_document([
                {"Sid": "ReadUploads", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": pulumi.Output.concat(self._uploads.arn, "/*")},
                {"Sid": "ListUploads", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": self._uploads.arn},
                {"Sid": "WriteResults", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                 "Resource": pulumi.Output.concat(self._results.arn, "/*")},
                {"Sid": "UseBucketKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": self._key.arn,
                 "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}}},
            ]),
        )
        # The jobs' contract: read the object that started the run, write results (UPLOADS_BUCKET, RESULTS_BUCKET).
        self._needs += [
            Access(workload=who, principal=role.arn, actions=["s3:GetObject"], key=key, why="read the uploaded input",
                   resources=[pulumi.Output.concat(self._uploads.arn, "/*")]),
            Access(workload=who, principal=role.arn, actions=["s3:ListBucket"], key=key, why="list the uploads",
                   resources=[self._uploads.arn]),
            Access(workload=who, principal=role.arn, actions=["s3:PutObject", "s3:AbortMultipartUpload"], key=key,
                   why="write the results", resources=[pulumi.Output.concat(self._results.arn, "/*")]),
            Access(workload=who, principal=role.arn, actions=["kms:Decrypt", "kms:GenerateDataKey"], key=key,
                   why="read and write SSE-KMS objects", resources=[self._key.arn], context=s3),
            self._assumed_by_tasks(who, role),
        ]
        self._outside(role)
        return role

    def _outside(self, role: aws.iam.Role) -> None:
        """The jobs' rights on buckets outside the stack: exactly the access each is named with."""
        args = self._args
        if not args.settings.external_buckets:
            return
        statements: list[dict[str, Any]] = []
        who = f"{self._name} jobs"
        for bucket, mode in sorted(args.settings.external_buckets.items()):
            outside = args.outside_buckets[bucket]
            sid = "".join(p.title() for p in f"{mode}_{bucket}".replace("-", "_").split("_"))
            statements += object_access_statements(sid, outside.arn, BUCKET_ACTIONS[mode])
            self._needs.append(Access(workload=who, principal=role.arn, actions=BUCKET_ACTIONS[mode],
                                      resources=[pulumi.Output.concat(outside.arn, "/input/1")],
                                      key=f"pipeline.external_buckets.{bucket}", why=f"{mode.replace('_', '/')} {bucket}"))
            if outside.kms_key_arn is not None:
                statements.append({**bucket_key_statement(outside.kms_key_arn, args.region), "Sid": f"{sid}Key"})
        aws.iam.RolePolicy(f"{self._name}-job-outside", role=role.name, policy=policy_document(statements),
                           opts=child_opts(self))

    def _assumed_by_tasks(self, who: str, role: aws.iam.Role) -> Access:
        return assumed_by(who, "ecs-tasks.amazonaws.com", role.arn, "run the job with its role", "pipeline.steps",
                          {"aws:SourceAccount": self._args.account_id})

    def _job_definition(self, step: BatchStepSettings, refs: WorkloadRefs, logs: aws.cloudwatch.LogGroup,
                        job_role: aws.iam.Role) -> aws.batch.JobDefinition:
        name, args = self._name, self._args
        statements = [{"Sid": "WriteJobLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                       "Resource": pulumi.Output.concat(logs.arn, ":*")}]
        statements += pull_and_read_statements(refs.repository_arn, [s.arn for s in refs.secrets.values()],
                                               refs.secret_kms_key_arns, args.region)
        execution = service_role(self, f"{name}-{step.name}-execution", trust=_ecs_tasks_trust(args),
                                 description=f"{name}-{step.name}: pull image, write logs, read its secrets",
                                 tags=tags_for(args.tags, name, f"{step.name}-execution"),
                                 policy=policy_document(statements))
        at, who = f"pipeline.steps.{step.name}", f"{name}-{step.name} job start (execution role)"
        self._needs += [*image_pull_needs(who, execution.arn, refs.repository_arn, f"{at}.image"),
                        *log_needs(who, execution.arn, logs.arn, at),
                        *secret_read_needs(who, execution.arn, [s.arn for s in refs.secrets.values()],
                                           refs.secret_kms_key_arns, args.region, f"{at}.secrets",
                                           "inject the secrets when the job starts"),
                        self._assumed_by_tasks(who, execution)]
        fargate = args.settings.compute == "fargate"
        environment = {"UPLOADS_BUCKET": self._uploads.bucket, "RESULTS_BUCKET": self._results.bucket,
                       **step.environment}
        container: dict[str, Any] = {
            "image": refs.image,
            "command": list(step.command),
            "jobRoleArn": job_role.arn,
            "executionRoleArn": execution.arn,
            "resourceRequirements": [{"type": "VCPU", "value": f"{step.vcpu:g}"},
                                     {"type": "MEMORY", "value": str(step.memory)}],
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            "secrets": [{"name": k, "valueFrom": pulumi.Output.concat(s.arn, f":{s.key}::") if s.key else s.arn}
                        for k, s in sorted(refs.secrets.items())],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": logs.name, "awslogs-region": args.region, "awslogs-stream-prefix": step.name}},
        }
        if step.scratch_gb is not None:
            container["ephemeralStorage"] = {"sizeInGiB": step.scratch_gb}
        if fargate:
            container.update({
                "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
                "networkConfiguration": {"assignPublicIp": "DISABLED"},
                "runtimePlatform": {"cpuArchitecture": "ARM64" if step.architecture == "arm64" else "X86_64",
                                    "operatingSystemFamily": "LINUX"},
            })
        return aws.batch.JobDefinition(
            f"{name}-{step.name}", type="container", platform_capabilities=["FARGATE" if fargate else "EC2"],
            container_properties=pulumi.Output.json_dumps(container),
            retry_strategy=aws.batch.JobDefinitionRetryStrategyArgs(
                attempts=step.retry_attempts,
                evaluate_on_exits=[
                    # Lost capacity is not the job's fault: run it again. Anything else: stop.
                    aws.batch.JobDefinitionRetryStrategyEvaluateOnExitArgs(on_status_reason="Host EC2*", action="RETRY"),
                    aws.batch.JobDefinitionRetryStrategyEvaluateOnExitArgs(
                        on_status_reason="Your Spot Task was interrupted*", action="RETRY"),
                    aws.batch.JobDefinitionRetryStrategyEvaluateOnExitArgs(on_reason="*", action="EXIT"),
                ]),
            timeout=aws.batch.JobDefinitionTimeoutArgs(attempt_duration_seconds=step.timeout_seconds),
            propagate_tags=True, tags=tags_for(args.tags, name, step.name), opts=child_opts(self),
        )

    def _state_machine(self) -> aws.sfn.StateMachine:
        name, args = self._name, self._args
        rule_arn = pulumi.Output.concat(f"arn:aws:events:{args.region}:", args.account_id,
                                        ":rule/StepFunctionsGetEventsForBatchJobsRule")
        machine = definition(name, args.settings, {key: queue.arn for key, queue in self._queues.items()},
                             {step: job.arn for step, job in self._definitions.items()})
        built = logged_state_machine(
            self, name, definition=machine, account_id=args.account_id,
            description=f"{name}: submit this pipeline's jobs and follow them",
            names=("executions", "orchestrator", "machine"),
            log_group_name=f"/aws/vendedlogs/states/{physical_name(name, 200)}",
            log_level=args.settings.log_level, retention_days=args.settings.log_retention_days,
            tracing=args.settings.tracing, tags=args.tags,
            statements=[
                {"Sid": "SubmitOwnJobs", "Effect": "Allow", "Action": "batch:SubmitJob", "Resource": self._submit_resources()},
                {"Sid": "FollowJobs", "Effect": "Allow", "Action": ["batch:DescribeJobs", "batch:TerminateJob"],
                 "Resource": "*"},  # neither action supports resource-level permissions for jobs it did not tag
                {"Sid": "SyncIntegrationRule", "Effect": "Allow",
                 "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"], "Resource": rule_arn},
            ])
        who = f"{name} state machine"
        self._needs += [*built.needs,
                        Access(workload=who, principal=built.role.arn, actions=["batch:SubmitJob"], key="pipeline.steps",
                               resources=[*[q.arn for q in self._queues.values()],
                                          *[d.arn for d in self._definitions.values()]],
                               why="submit each step's job"),
                        Access(workload=who, principal=built.role.arn, actions=["batch:DescribeJobs", "batch:TerminateJob"],
                               resources=["*"], key="pipeline.steps", why="follow the jobs (and stop them on timeout)"),
                        Access(workload=who, principal=built.role.arn, resources=[rule_arn], key="pipeline.steps",
                               actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                               why="the .sync integration's managed rule reports job completion")]
        return built.machine

    def _scheduled(self, machine: aws.sfn.StateMachine) -> None:
        """EventBridge Scheduler starts a run with no parameters (each takes its default)."""
        name, args = self._name, self._args
        schedule = args.settings.schedule
        assert schedule is not None  # PipelineSettings pairs them
        dead, needs = start_on_schedule(self, f"{name}-schedule", machine_arn=machine.arn, settings=schedule,
                                        account_id=args.account_id, tags=args.tags, key="pipeline.schedule",
                                        run_input=json.dumps({"parameters": {}}), role_name=f"{name}-scheduler",
                                        what=f"{name}: ")
        self.schedule_dead_letter_name = dead
        self._needs += needs

    def _trigger(self, machine: aws.sfn.StateMachine, uploads: aws.s3.Bucket) -> None:
        name, args = self._name, self._args
        key_filter: dict[str, Any] = {"object": {"key": [{"prefix": args.settings.trigger_prefix}]}} if args.settings.trigger_prefix else {}
        rule = aws.cloudwatch.EventRule(
            f"{name}-uploaded", description=f"{name}: start the pipeline for each new upload",
            event_pattern=pulumi.Output.json_dumps({
                "source": ["aws.s3"], "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [uploads.bucket]}, **key_filter}}),
            tags=tags_for(args.tags, name, "uploaded"), opts=child_opts(self))
        who = f"{name} upload trigger (EventBridge)"
        role, needs = machine_starter(self, f"{name}-trigger", machine_arn=machine.arn, account_id=args.account_id,
                                      description=f"{name}: EventBridge starts this state machine",
                                      tags=tags_for(args.tags, name, "trigger"), workload=who,
                                      key="pipeline.trigger_prefix")
        self._needs += [Trigger(workload=who, source="aws.s3", detail_type="Object Created", target=machine.arn,
                                key="pipeline.trigger_prefix", why="start a pipeline run for each upload"), *needs]
        aws.cloudwatch.EventTarget(f"{name}-uploaded", rule=rule.name, arn=machine.arn, role_arn=role.arn,
                                   retry_policy=TARGET_RETRY, opts=child_opts(self))


def _ecs_tasks_trust(args: BatchPipelineArgs) -> pulumi.Output[str]:
    return assume_role_policy("ecs-tasks.amazonaws.com", {"StringEquals": {"aws:SourceAccount": args.account_id}})


def _expiry(prefix: str, rule: BucketLifecycleSettings) -> Expiry:
    return Expiry(id=f"{prefix}-lifecycle", transition_days=rule.transition_days,
                  transition_storage_class=rule.storage_class, expiration_days=rule.expiration_days)
