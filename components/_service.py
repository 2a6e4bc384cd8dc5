"""What a container service is, whichever runtime runs it: its settings and what the stack resolves for it.

`ServiceSettings` is the schema of `platform:services.<name>` (image, size, ports, routing, scaling,
secrets, volumes, queues, deployment); `ServiceSpec` is one service as a runtime component takes it:
those settings plus the image URI, secret ARNs, endpoints and grants the stack resolved
(`wiring.py`). ContainerService (ECS) and KubernetesService (EKS) both take `ServiceSpec`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

import pulumi
from pydantic import Field, field_validator, model_validator

from components import _inject
from components._alb import LoadBalancerSpec, RouteSettings, TargetHealthCheckSettings
from components._runtime import Reach, Use
from components._scheduled import ScheduleSettings
from components._settings import (
    AbsolutePath,
    EnvName,
    ImageSettings,
    Problems,
    ResourceName,
    RetentionDays,
    SecretRefSettings,
    Settings,
    fargate_problem,
)
from components._workload import DeploymentSettings, rollout_problem
from components.queues import QueueRight


@dataclass(frozen=True, kw_only=True)
class SecretEnv:
    """An environment variable filled from Secrets Manager."""

    arn: pulumi.Input[str]
    """Secret ARN."""
    key: str | None = None
    """JSON key within the secret; None: the whole value."""


@dataclass(frozen=True, kw_only=True)
class Volume:
    """An EFS access point mounted into the container."""

    name: str
    """Volume name (the access point's key)."""
    file_system_id: pulumi.Input[str]
    file_system_arn: pulumi.Input[str]
    access_point_id: pulumi.Input[str]
    access_point_arn: pulumi.Input[str]
    path: str
    """Mount path in the container."""
    read_only: bool = False


class ContainerHealthCheckSettings(Settings):
    """Docker health check run inside the container."""

    command: list[str] = Field(min_length=2)
    """`["CMD-SHELL", "curl -f http://localhost:3000/ || exit 1"]` or `["CMD", ...]`."""
    interval: int = Field(30, ge=5, le=300)
    """Seconds between checks."""
    timeout: int = Field(5, ge=2, le=60)
    """Seconds before a check fails."""
    retries: int = Field(3, ge=1, le=10)
    """Failures before the container is unhealthy."""
    start_period: int = Field(60, ge=0, le=300)
    """Grace period after start."""

    @field_validator("command")
    @classmethod
    def _form(cls, value: list[str]) -> list[str]:
        if value[0] not in ("CMD", "CMD-SHELL"):
            raise ValueError(f"must start with CMD or CMD-SHELL; got {value[0]!r}")
        return value


class ScalingSettings(Settings):
    """Target-tracking autoscaling of a service's task count."""

    min: int = Field(1, ge=0, le=1000)
    """Fewest tasks."""
    max: int = Field(1, ge=1, le=1000)
    """Most tasks."""
    cpu_target: int | None = Field(70, ge=10, le=95)
    """Average CPU % to hold; unset: no CPU policy."""
    memory_target: int | None = Field(None, ge=10, le=95)
    """Average memory % to hold; unset: no memory policy."""
    requests_per_target: int | None = Field(None, ge=1, le=100000)
    """ALB requests per task per minute to hold (load-balanced services)."""
    backlog_per_task: int | None = Field(None, ge=1, le=100000)
    """Messages waiting per running task to hold, on the queue the service receives from (Application Auto Scaling
    User Guide, "target tracking using metric math": SQS backlog per ECS task, the running tasks from Container
    Insights, which every ECS cluster here has on)."""
    queue: ResourceName | None = None
    """The queue backlog_per_task reads; unset: the one queue the service receives from."""
    scale_in_cooldown: int = Field(300, ge=0, le=3600)
    """Seconds between scale-in steps."""
    scale_out_cooldown: int = Field(60, ge=0, le=3600)
    """Seconds between scale-out steps."""

    @model_validator(mode="after")
    def _rules(self) -> ScalingSettings:
        problems = Problems()
        if self.max < self.min:
            problems.add("max", f"must be >= min ({self.min}); got {self.max}")
        if (self.cpu_target, self.memory_target, self.requests_per_target, self.backlog_per_task) == (None,) * 4:
            problems.add("cpu_target", "set at least one of cpu_target, memory_target, requests_per_target, "
                                       "backlog_per_task")
        if self.backlog_per_task is not None and self.min < 1:
            # Backlog per task divides by the running tasks: at zero the metric has no value and nothing scales out.
            problems.add("min", "backlog_per_task divides the backlog by the running tasks; keep min at 1 or more")
        if self.queue is not None and self.backlog_per_task is None:
            problems.add("queue", "only with backlog_per_task")
        return problems.done(self)


class CapacityShareSettings(Settings):
    """Base tasks and relative weight on one capacity provider."""

    base: int = Field(0, ge=0, le=100000)
    """Tasks always placed here first."""
    weight: int = Field(0, ge=0, le=1000)
    """Share of the tasks beyond the bases."""


class CapacitySettings(Settings):
    """How tasks split between FARGATE and FARGATE_SPOT."""

    fargate: CapacityShareSettings = CapacityShareSettings(base=1, weight=1)
    """On-demand Fargate."""
    fargate_spot: CapacityShareSettings = CapacityShareSettings()
    """Fargate Spot (up to 70% cheaper, may be interrupted)."""

    @model_validator(mode="after")
    def _rules(self) -> CapacitySettings:
        problems = Problems()
        if self.fargate.weight + self.fargate_spot.weight == 0:
            problems.add("fargate.weight", "at least one provider needs a weight above 0")
        if self.fargate.base and self.fargate_spot.base:
            problems.add("fargate_spot.base", "only one capacity provider may have a base")
        return problems.done(self)


class VolumeSettings(Settings):
    """An EFS access point mounted into the container."""

    access_point: str
    """A key of `file_system.access_points`."""
    path: AbsolutePath
    """Mount path in the container."""
    read_only: bool = False
    """Mount read-only."""


class ReleaseTaskSettings(Settings):
    """A one-off command run before each rollout of the service (database migrations)."""

    command: list[str] = Field(min_length=1)
    """What to run in the service's image, e.g. [python, manage.py, migrate, --noinput]."""
    timeout_seconds: int = Field(900, ge=60, le=3600)
    """How long the deploy waits for it; longer counts as a failure and stops the rollout."""


class ServiceSettings(Settings):
    """One container service: image, size, ports, routing, scaling, secrets, volumes, peers."""

    image: ImageSettings
    """What to run."""
    port: int | None = Field(None, ge=1, le=65535)
    """Main container port (HTTP); required behind a load balancer."""
    extra_ports: dict[ResourceName, Annotated[int, Field(ge=1, le=65535)]] = {}
    """Further named ports reachable by peers (e.g. grpc: 50051)."""
    cpu: int
    """CPU units (256 = 0.25 vCPU)."""
    memory: int
    """Memory in MiB; must be a Fargate combination with cpu."""
    architecture: Literal["arm64", "x86_64"] = "arm64"
    """CPU architecture of the image."""
    desired_count: int = Field(1, ge=0, le=1000)
    """Tasks to run (the autoscaler moves it between scaling.min and max)."""
    command: list[str] | None = None
    """Override the image's command."""
    environment: dict[str, str] = {}
    """Plain environment variables (never secrets)."""
    secrets: dict[str, SecretRefSettings] = {}
    """Environment variables filled from Secrets Manager."""
    inject: dict[EnvName, str] = {}
    """The application's own names for what the platform knows, as templates of references: `DB_HOST:
    "{database.host}"`, `DATABASE_URL: "postgresql://{database.user}:{database.password}@{database.host}:5432/app"`
    (components/_inject.py lists the references). A value holding a secret is injected from Secrets Manager and
    recomposed when that secret rotates."""
    load_balancer: str | None = None
    """A key of `platform:load_balancers`; unset: not load balanced (workers)."""
    routes: list[RouteSettings] = []
    """Path rules on the load balancer."""
    default_route: bool = False
    """Receives what no rule matches on its load balancer."""
    health_check: TargetHealthCheckSettings = TargetHealthCheckSettings()
    """Load balancer health check."""
    container_health_check: ContainerHealthCheckSettings | None = None
    """Health check inside the container."""
    scaling: ScalingSettings | None = None
    """Autoscaling; unset: a fixed desired_count."""
    capacity: CapacitySettings = CapacitySettings()
    """FARGATE / FARGATE_SPOT split."""
    exec: bool = False
    """Allow `aws ecs execute-command` into the tasks."""
    singleton: bool = False
    """Exactly one task, never two, even during a deployment (a scheduler such as celery beat, which would run
    every job twice): deploys stop the old task before starting the new one (maximum 100 %, minimum 0 %)."""
    grace_period: int = Field(60, ge=0, le=7200)
    """Seconds the load balancer health check is ignored after a task starts."""
    deployment: DeploymentSettings = DeploymentSettings()
    """How rollouts replace the tasks: healthy and maximum %, stop timeout, deregistration delay."""
    volumes: list[VolumeSettings] = []
    """EFS access points to mount."""
    discovery_name: ResourceName | None = None
    """Name peers reach this service by through Service Connect (e.g. weaviate)."""
    connects_to: list[str] = []
    """What this service may reach: database, cache, or other services by name."""
    pipeline: list[Literal["start", "submit", "read_uploads", "write_uploads", "read_results"]] = []
    """Rights on platform:pipeline: start executions, submit jobs, read/write its buckets."""
    buckets: dict[str, Literal["read", "read_write"]] = {}
    """Rights on platform:buckets by bucket (the service gets its name as BUCKET_<NAME>)."""
    queues: dict[str, QueueRight] = {}
    """Rights on platform:queues by queue: send, receive or send_receive (the service gets its URL as
    QUEUE_<NAME>_URL). A worker receives; scaling.backlog_per_task scales it on the queue's backlog."""
    log_retention_days: RetentionDays = 30
    """Retention of the service's log group."""
    log_stream_prefix: str | None = None
    """awslogs stream prefix; default: the service name."""
    schedule: ScheduleSettings | None = None
    """Run the task on a schedule (EventBridge Scheduler) instead of keeping it running: a cron job with the
    service's image, command, roles, secrets and network. ECS only."""
    release_task: ReleaseTaskSettings | None = None
    """A command the deploy runs once, as a task with this service's image, network, roles and secrets, before
    each rollout (`tools/release.py`, in pulumi-up.yml); its failure stops the rollout. ECS only."""

    @model_validator(mode="after")
    def _rules(self) -> ServiceSettings:
        problems = Problems()
        fargate_problem(problems, "", self.cpu, self.memory, vcpu=False)
        for var, template in sorted(self.inject.items()):
            try:
                _inject.parse(template)
            except ValueError as error:
                problems.add(f"inject.{var}", str(error))
            for other in ("environment", "secrets"):
                if var in getattr(self, other):
                    problems.add(f"inject.{var}", f"{var} is also set in {other}; keep one")
        if self.load_balancer is None:
            for key in ("routes", "default_route", "grace_period", "health_check"):
                if key in self.model_fields_set and getattr(self, key):
                    problems.add(key, "only for services behind a load balancer; set load_balancer")
            if self.scaling is not None and self.scaling.requests_per_target is not None:
                problems.add("scaling.requests_per_target", "needs a load balancer")
        else:
            if self.port is None:
                problems.add("port", "required behind a load balancer")
            if not self.routes and not self.default_route:
                problems.add("routes", "a load-balanced service needs routes or default_route: true")
        if self.discovery_name is not None and self.port is None and not self.extra_ports:
            problems.add("discovery_name", "needs port or extra_ports to expose")
        if self.load_balancer is None and "deregistration_delay" in self.deployment.model_fields_set:
            problems.add("deployment.deregistration_delay", "only for services behind a load balancer; remove it")
        if self.schedule is not None:
            for key in ("load_balancer", "port", "extra_ports", "scaling", "singleton", "discovery_name", "desired_count",
                        "deployment", "release_task", "grace_period"):
                if key in self.model_fields_set:
                    problems.add(key, "a scheduled task is not kept running: it has no "
                                      f"{key.replace('_', ' ')}; remove it (or the schedule)")
        if self.singleton:
            for key in ("minimum_healthy_percent", "maximum_percent"):
                if key in self.deployment.model_fields_set:
                    problems.add(f"deployment.{key}", "a singleton always deploys at 0 % / 100 % (its one task stops "
                                                      "before the next starts); remove it")
        else:
            counts = range(max(1, self.scaling.min), self.scaling.max + 1) if self.scaling else [self.desired_count]
            stuck = next((p for p in (rollout_problem(*self.rollout, n) for n in counts) if p), None)
            if stuck is not None:
                problems.add("deployment.maximum_percent", stuck)
        if self.singleton:
            if self.desired_count != 1:
                problems.add("desired_count", f"a singleton runs exactly one task; got {self.desired_count}")
            if self.scaling is not None:
                problems.add("scaling", "a singleton runs exactly one task; remove scaling")
            if self.load_balancer is not None:
                problems.add("singleton", "a load-balanced service must not stop serving during deploys; "
                                          "singletons are for workers and schedulers")
        if self.scaling is not None and self.scaling.backlog_per_task is not None:
            received = sorted(q for q, right in self.queues.items() if "receive" in right)
            if self.scaling.queue is None and len(received) != 1:
                problems.add("scaling.backlog_per_task", "needs the queue it reads: receive from exactly one queue "
                             f"(queues: {{jobs: receive}}) or name it in scaling.queue; receives from {received or 'none'}")
            elif self.scaling.queue is not None and self.scaling.queue not in received:
                problems.add("scaling.queue", f"the service does not receive from {self.scaling.queue!r}; "
                                              f"add {self.scaling.queue}: receive to queues")
        if self.scaling is not None and not self.scaling.min <= self.desired_count <= self.scaling.max:
            problems.add("desired_count", f"must lie within scaling.min..max ({self.scaling.min}..{self.scaling.max}); got {self.desired_count}")
        return problems.done(self)

    @property
    def backlog_queue(self) -> str | None:
        """The queue the service scales on (scaling.backlog_per_task), or None."""
        if self.scaling is None or self.scaling.backlog_per_task is None:
            return None
        return self.scaling.queue or next(q for q, right in sorted(self.queues.items()) if "receive" in right)

    @property
    def rollout(self) -> tuple[int, int]:
        """(minimum healthy %, maximum %) of a rolling deployment: a singleton's 0/100, else `deployment`'s."""
        if self.singleton:
            return 0, 100
        return self.deployment.minimum_healthy_percent, self.deployment.maximum_percent

    def ports(self) -> dict[str, int]:
        """Named container ports: `http` for `port`, then the extra ones."""
        named = {"http": self.port} if self.port is not None else {}
        return {**named, **self.extra_ports}


@dataclass(frozen=True, kw_only=True)
class WorkloadRefs:
    """What the stack resolved a service's or a batch job's references to: its image and its secrets."""

    image: pulumi.Input[str]
    """Full image reference."""
    repository_arn: pulumi.Input[str] | None = None
    """ECR repository of the image (the execution role may pull only from it); None: public image."""
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    """Environment variables filled from Secrets Manager."""
    secret_kms_key_arns: Sequence[pulumi.Input[str]] = ()
    """KMS keys the secrets are encrypted with (decrypt only via Secrets Manager)."""
    uses: Sequence[Use] = ()
    """AWS calls the stack says it makes (pipeline rights, buckets): declared as its run-time needs."""
    reaches: Sequence[Reach] = ()
    """Data stores the stack says it connects to (`connects_to`, volumes): declared as its run-time needs."""


@dataclass(frozen=True, kw_only=True)
class ServiceSpec(WorkloadRefs):
    """One container service: its settings (`platform:services.<name>`) and what the stack resolved for it."""

    settings: ServiceSettings
    """Size, ports, routing, scaling, capacity, health checks and logging."""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Variables the stack adds (endpoints of what it connects to); `settings.environment` wins over them."""
    volumes: Sequence[Volume] = ()
    """Its `settings.volumes`, resolved to access points."""
    discovery_name: str | None = None
    """Service Connect name peers use."""
    allow_from: Sequence[str] = ()
    """Other services of this component that may reach its ports."""
    backlog_queue_name: pulumi.Input[str] | None = None
    """Name of the queue `settings.scaling.backlog_per_task` reads (its `QueueName` metric dimension)."""

    @property
    def variables(self) -> dict[str, pulumi.Input[str]]:
        """Every plain environment variable: the stack's, then the service's own."""
        return {**self.environment, **self.settings.environment}



def check_service_wiring(owner: str, services: Mapping[str, ServiceSpec],
                         load_balancers: Mapping[str, LoadBalancerSpec]) -> None:
    """Services name only load balancers and peers that were passed in (ECS and EKS alike)."""
    for svc, spec in services.items():
        lb = spec.settings.load_balancer
        if lb is not None and lb not in load_balancers:
            raise ValueError(f"{owner}: service {svc} uses unknown load balancer {lb}")
        for peer in spec.allow_from:
            if peer not in services:
                raise ValueError(f"{owner}: service {svc} allows unknown service {peer}")


