"""ContainerService: an ECS Fargate cluster, its services and their load balancers.

This includes:
- a cluster with Container Insights and the FARGATE / FARGATE_SPOT capacity providers;
- per service: a log group with retention, an execution role that may pull its image, write its
  log group and read exactly its secrets, a task role (ECS Exec and EFS mounts; everything else is
  granted by the owner of the resource through `task_role_names`), a task definition (Fargate
  cpu/memory, x86 or ARM64, secrets via `valueFrom`, container health check, EFS volumes), a
  security group admitting only its load balancer and named peers, and a service in private
  subnets without public IPs, with circuit-breaker rollback, deployments as `deployment` says (100/200 %
  by default), ECS Exec as configured, capacity-provider split and target-tracking autoscaling on CPU,
  memory, requests or a queue's backlog per task;
- Service Connect (a Cloud Map namespace) when services reach each other by name;
- load balancers built by `_alb.py`;
- a new deployment of every service whose secret changed (rotated by RDS every 7 days, or put by an
  operator): an EventBridge rule per service on Secrets Manager's `Secret Label Updated` event starts
  a state machine that calls ECS UpdateService with forceNewDeployment, because tasks read secrets
  only when they start;
- `runtime_needs`: what each task, load balancer and the redeploy machine do at run time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components._alb import (
    BuiltLoadBalancer,
    LoadBalancerSettings,
    LoadBalancerSpec,
    RouteSettings,
    Target,
    TargetHealthCheckSettings,
    build_load_balancer,
)
from components._common import (
    child_opts,
    distinct,
    physical_name,
    policy_document,
    pull_and_read_statements,
    service_role,
    tags_for,
)
from components._runtime import (
    Access,
    Connection,
    Need,
    Refresh,
    api_egress_needs,
    assumed_by,
    image_pull_needs,
    log_needs,
    published,
    secret_read_needs,
)
from components._scheduled import ScheduledRun, build_schedule
from components._service import (
    ContainerHealthCheckSettings,
    ScalingSettings,
    SecretEnv,
    ServiceSettings,
    ServiceSpec,
    Volume,
    WorkloadRefs,
    check_service_wiring,
)
from components._states import (
    ECS_SERVICE_ERRORS,
    TARGET_RETRY,
    RedeployServiceTask,
    Retry,
    StateMachineDefinition,
    logged_state_machine,
    machine_starter,
)
from components.cluster import ClusterSettings

__all__ = [
    "ContainerHealthCheckSettings", "ContainerService", "ContainerServiceArgs", "LoadBalancerSettings",
    "LoadBalancerSpec", "RouteSettings", "ScalingSettings", "SecretEnv", "ServiceSettings", "ServiceSpec",
    "TargetHealthCheckSettings", "Volume", "WorkloadRefs",
]


@dataclass(frozen=True, kw_only=True)
class ContainerServiceArgs:
    """Inputs for :class:`ContainerService`: the cluster settings, the services and load balancers, the network."""

    settings: ClusterSettings
    """`platform:cluster` (Container Insights level)."""
    services: Mapping[str, ServiceSpec]
    """Services by name."""
    load_balancers: Mapping[str, LoadBalancerSpec] = field(default_factory=dict)
    """Load balancers by key."""
    vpc_id: pulumi.Input[str]
    """VPC of the task and load balancer security groups."""
    vpc_cidr: pulumi.Input[str]
    """Default client range of internal load balancers."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets for the tasks: private ones, or public ones with `public_ip`."""
    public_ip: bool = False
    """Give each task a public IP (tasks in public subnets reach AWS and the internet through the internet gateway;
    `settings.task_subnets: public`)."""
    region: str
    """The stack's region."""
    account_id: pulumi.Input[str]
    """Account id (trust-policy conditions, log-bucket paths)."""
    protect: bool = False
    """Protect the access-log buckets (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        check_service_wiring("ContainerServiceArgs", self.services, self.load_balancers)


class ContainerService(pulumi.ComponentResource):
    """ECS Fargate services behind application load balancers."""

    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    service_names: dict[str, pulumi.Output[str]]
    """ECS service name by service."""
    security_group_ids: dict[str, pulumi.Output[str]]
    """Task security group by service (grant it access to databases, caches, file systems)."""
    task_role_names: dict[str, pulumi.Output[str]]
    """Task role by service (owners of buckets, state machines, ... attach their grants to it)."""
    task_role_arns: dict[str, pulumi.Output[str]]
    log_group_names: dict[str, pulumi.Output[str]]
    load_balancer_arns: dict[str, pulumi.Output[str]]
    load_balancer_arn_suffixes: dict[str, pulumi.Output[str]]
    """For CloudWatch metrics (`LoadBalancer` dimension)."""
    load_balancer_dns_names: dict[str, pulumi.Output[str]]
    load_balancer_zone_ids: dict[str, pulumi.Output[str]]
    target_group_arn_suffixes: dict[str, pulumi.Output[str]]
    """For CloudWatch metrics (`TargetGroup` dimension), by service."""
    origin_secrets: dict[str, pulumi.Output[str]]
    """Secret header value CloudFront must send, by load balancer (CloudFront-only ones)."""
    release_tasks: dict[str, dict[str, Any]]
    """By service with a release task: its task definition, subnets, security groups and timeout, for
    `tools/release.py` (the stack exports them as app_release_tasks)."""
    schedule_machine_arns: dict[str, pulumi.Output[str]]
    """By scheduled service: the state machine each run is an execution of (alarm on its failures)."""
    schedule_dead_letter_names: dict[str, pulumi.Output[str]]
    """By scheduled service: the queue of starts Scheduler gave up on (alarm when not empty)."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What the tasks, load balancers and the redeploy machine do at run time (`components._runtime`)."""

    def __init__(self, name: str, args: ContainerServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:ContainerService", name, None, opts)
        self._name, self._args = name, args
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.settings.container_insights)],
            tags=tags_for(args.tags, name, "cluster"), opts=child_opts(self),
        )
        providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-cluster", cluster_name=cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", base=0, weight=1)],
            opts=child_opts(self),
        )
        namespace = None
        if any(s.discovery_name or s.allow_from for s in args.services.values()):
            namespace = aws.servicediscovery.HttpNamespace(
                f"{name}-services", name=physical_name(name, 200), description=f"{name}: Service Connect",
                tags=tags_for(args.tags, name, "services"), opts=child_opts(self),
            )

        lbs: dict[str, BuiltLoadBalancer] = {}
        for key, lb_spec in sorted(args.load_balancers.items()):
            targets = {svc: Target(port=spec.settings.port, health_check=spec.settings.health_check, routes=spec.settings.routes,
                                   default_route=spec.settings.default_route,
                                   deregistration_delay=spec.settings.deployment.deregistration_delay)
                       for svc, spec in args.services.items() if spec.settings.load_balancer == key and spec.settings.port}
            lbs[key] = build_load_balancer(self, name, key, lb_spec, vpc_id=args.vpc_id, vpc_cidr=args.vpc_cidr,
                                           account_id=args.account_id, targets=targets, protect=args.protect,
                                           tags=args.tags)

        groups = {svc: aws.ec2.SecurityGroup(
            f"{name}-{svc}", vpc_id=args.vpc_id, description=f"{name}-{svc}: tasks",
            tags=tags_for(args.tags, name, svc), opts=child_opts(self)) for svc in sorted(args.services)}
        self._groups = groups
        self.service_names, self.task_role_names, self.task_role_arns, self.log_group_names = {}, {}, {}, {}
        self.release_tasks = {}
        self.target_group_arn_suffixes = {}
        self.schedule_machine_arns, self.schedule_dead_letter_names = {}, {}
        self._needs: list[Need] = []
        self._redeploy: dict[str, tuple[aws.ecs.Service, list[pulumi.Input[str]]]] = {}
        for svc, spec in sorted(args.services.items()):
            self._service(svc, spec, cluster, providers, namespace, groups, lbs)
        if self._redeploy:
            self._redeploy_on_secret_change(cluster)
        for built in lbs.values():
            self._needs += built.needs

        self.cluster_name, self.cluster_arn = cluster.name, cluster.arn
        self.security_group_ids = {svc: g.id for svc, g in groups.items()}
        self.load_balancer_arns = {k: b.load_balancer.arn for k, b in lbs.items()}
        self.load_balancer_arn_suffixes = {k: b.load_balancer.arn_suffix for k, b in lbs.items()}
        self.load_balancer_dns_names = {k: b.load_balancer.dns_name for k, b in lbs.items()}
        self.load_balancer_zone_ids = {k: b.load_balancer.zone_id for k, b in lbs.items()}
        self.origin_secrets = {k: b.origin_secret for k, b in lbs.items() if b.origin_secret is not None}
        self.runtime_needs = published(self._needs)
        self.register_outputs({
            "cluster_name": self.cluster_name, "cluster_arn": self.cluster_arn,
            "service_names": self.service_names, "security_group_ids": self.security_group_ids,
            "task_role_names": self.task_role_names, "task_role_arns": self.task_role_arns,
            "log_group_names": self.log_group_names, "load_balancer_arns": self.load_balancer_arns,
            "load_balancer_arn_suffixes": self.load_balancer_arn_suffixes,
            "load_balancer_dns_names": self.load_balancer_dns_names,
            "load_balancer_zone_ids": self.load_balancer_zone_ids,
            "target_group_arn_suffixes": self.target_group_arn_suffixes, "origin_secrets": self.origin_secrets,
            "release_tasks": self.release_tasks, "schedule_machine_arns": self.schedule_machine_arns,
            "schedule_dead_letter_names": self.schedule_dead_letter_names, "runtime_needs": self.runtime_needs,
        })

    # -- one service -----------------------------------------------------------------------------
    def _service(self, svc: str, spec: ServiceSpec, cluster: aws.ecs.Cluster,
                 providers: aws.ecs.ClusterCapacityProviders, namespace: aws.servicediscovery.HttpNamespace | None,
                 groups: dict[str, aws.ec2.SecurityGroup], lbs: dict[str, BuiltLoadBalancer]) -> None:
        name, args = self._name, self._args
        base = f"{name}-{svc}"
        sg = groups[svc]
        self._network_rules(svc, spec, sg, groups, lbs)
        log_group = aws.cloudwatch.LogGroup(
            base, name=f"/ecs/{physical_name(name, 200)}/{svc}", retention_in_days=spec.settings.log_retention_days,
            tags=tags_for(args.tags, name, svc), opts=child_opts(self))
        execution_role, task_role = self._roles(svc, spec, log_group)
        task = aws.ecs.TaskDefinition(
            base,
            family=physical_name(base, 255),
            cpu=str(spec.settings.cpu),
            memory=str(spec.settings.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                cpu_architecture="ARM64" if spec.settings.architecture == "arm64" else "X86_64",
                operating_system_family="LINUX"),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=self._container(svc, spec, log_group),
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(
                name=v.name,
                efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                    file_system_id=v.file_system_id, transit_encryption="ENABLED",
                    authorization_config=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                        access_point_id=v.access_point_id, iam="ENABLED")))
                for v in spec.volumes],
            tags=tags_for(args.tags, name, svc), opts=child_opts(self),
        )
        self.task_role_names[svc] = task_role.name
        self.task_role_arns[svc] = task_role.arn
        self.log_group_names[svc] = log_group.name
        capacity = spec.settings.capacity
        shares = [(p, b, w) for p, b, w in (("FARGATE", capacity.fargate.base, capacity.fargate.weight),
                                            ("FARGATE_SPOT", capacity.fargate_spot.base, capacity.fargate_spot.weight))
                  if w or b]
        if spec.settings.schedule is not None:
            # Not kept running: the schedule runs the task definition, each run a new task with fresh secrets.
            scheduled = build_schedule(self, ScheduledRun(
                name=base, settings=spec.settings.schedule, cluster_arn=cluster.arn, cluster_name=cluster.name,
                task_definition_arn=task.arn, role_arns=[execution_role.arn, task_role.arn], subnet_ids=args.subnet_ids,
                security_group_ids=[sg.id], exec=spec.settings.exec, key=f"services.{svc}.schedule",
                assign_public_ip=args.public_ip,
                capacity=[{"CapacityProvider": p, "Base": b, "Weight": w} for p, b, w in shares]),
                region=args.region, account_id=args.account_id, tags=args.tags)
            self._needs += scheduled.needs
            self.schedule_machine_arns[svc] = scheduled.machine_arn
            self.schedule_dead_letter_names[svc] = scheduled.dead_letter_name
            self._declare(svc, spec, sg, None, execution_role, task_role, log_group, None)
            return
        lb = lbs.get(spec.settings.load_balancer or "")
        strategies = [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider=p, base=b, weight=w)
                      for p, b, w in shares]
        attachments = None
        if lb is not None:
            assert spec.settings.port is not None, "ServiceSettings requires a port behind a load balancer"
            attachments = [aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=lb.target_groups[svc].arn, container_name=svc, container_port=spec.settings.port)]
        service = aws.ecs.Service(
            base,
            cluster=cluster.arn,
            task_definition=task.arn,
            desired_count=spec.settings.desired_count,
            capacity_provider_strategies=strategies,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids, security_groups=[sg.id], assign_public_ip=args.public_ip),
            load_balancers=attachments,
            health_check_grace_period_seconds=spec.settings.grace_period if lb is not None else None,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            # A singleton stops its old task before starting the new one; by default everything else starts
            # the new tasks first and keeps full capacity.
            deployment_minimum_healthy_percent=spec.settings.rollout[0],
            deployment_maximum_percent=spec.settings.rollout[1],
            enable_execute_command=spec.settings.exec,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            service_connect_configuration=self._service_connect(svc, spec, namespace),
            tags=tags_for(args.tags, name, svc),
            # The autoscaler owns the task count once it exists; Pulumi must not reset it on
            # every `up`. Listener rules must exist before ECS attaches the target group.
            opts=child_opts(self, depends_on=[providers, *(lb.rules if lb is not None else [])],
                            ignore_changes=["desired_count"] if spec.settings.scaling is not None else None),
        )
        if spec.settings.scaling is not None:
            self._autoscaling(svc, spec.settings.scaling, cluster, service, lb, spec.backlog_queue_name)
        self._declare(svc, spec, sg, lb, execution_role, task_role, log_group, service)
        release = spec.settings.release_task
        if release is not None:
            # The same task as the service's (image, roles, secrets, volumes, logs), with the release
            # command and no ports. The deploy updates this definition first, runs it, and rolls the
            # service out only when it exits 0 (pulumi-up.yml).
            release_task = aws.ecs.TaskDefinition(
                f"{base}-release",
                family=physical_name(f"{base}-release", 255),
                cpu=task.cpu, memory=task.memory, network_mode="awsvpc", requires_compatibilities=["FARGATE"],
                runtime_platform=task.runtime_platform, execution_role_arn=execution_role.arn,
                task_role_arn=task_role.arn,
                container_definitions=self._container(svc, spec, log_group, command=release.command),
                volumes=task.volumes, tags=tags_for(args.tags, name, f"{svc}-release"), opts=child_opts(self),
            )
            # The family, not the ARN: `run-task` then starts the newest revision, the one the targeted update
            # just registered (a targeted `pulumi up` leaves the stack's outputs as they were).
            self.release_tasks[svc] = {
                "cluster": cluster.name, "task_definition": release_task.family, "container": svc,
                "subnets": args.subnet_ids, "security_groups": [sg.id], "timeout_seconds": release.timeout_seconds,
                "assign_public_ip": args.public_ip,
            }
        self.service_names[svc] = service.name
        if lb is not None:
            self.target_group_arn_suffixes[svc] = lb.target_groups[svc].arn_suffix

    def _declare(self, svc: str, spec: ServiceSpec, sg: aws.ec2.SecurityGroup, lb: BuiltLoadBalancer | None,
                 execution: aws.iam.Role, task: aws.iam.Role, log_group: aws.cloudwatch.LogGroup,
                 service: aws.ecs.Service | None) -> None:
        """The service's run-time needs: what its tasks, its load balancer and its peers do."""
        args, base = self._args, f"{self._name}-{svc}"
        workload, at = f"{base} tasks", f"services.{svc}"
        starting = f"{base} task start (execution role)"
        # ECS assumes both roles for the task; the trust admits it only for this account's tasks.
        task_arn = pulumi.Output.concat(f"arn:aws:ecs:{args.region}:", args.account_id, f":task/{self._name}/0123456789abcdef")
        self._needs += [assumed_by(workload, "ecs-tasks.amazonaws.com", role.arn, "start the task with its roles", at,
                                   {"aws:SourceAccount": args.account_id, "aws:SourceArn": task_arn})
                        for role in (execution, task)]
        self._needs += image_pull_needs(starting, execution.arn, spec.repository_arn, f"{at}.image")
        self._needs += log_needs(starting, execution.arn, log_group.arn, at)
        self._needs += secret_read_needs(starting, execution.arn, [s.arn for s in spec.secrets.values()],
                                         spec.secret_kms_key_arns, args.region, f"{at}.secrets",
                                         "inject the secrets when the task starts")
        if spec.settings.exec:
            self._needs.append(Access(
                workload=workload, principal=task.arn, resources=["*"], key=f"{at}.exec",
                actions=["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                         "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                why="open ECS Exec sessions"))
        for volume in spec.volumes:
            self._needs.append(Access(
                workload=workload, principal=task.arn, resources=[volume.file_system_arn], key=f"{at}.volumes",
                actions=["elasticfilesystem:ClientMount"] + ([] if volume.read_only else ["elasticfilesystem:ClientWrite"]),
                why=f"mount {volume.path} (IAM authorisation of the access point)",
                context={"elasticfilesystem:AccessPointArn": volume.access_point_arn, "aws:SecureTransport": True}))
        self._needs += [use.by(workload, task.arn) for use in spec.uses]
        self._needs += api_egress_needs(workload, sg.id, args.subnet_ids, key=at, reads_secrets=bool(spec.secrets),
                                        pulls_from_ecr=spec.repository_arn is not None, public_ip=args.public_ip)
        self._needs += [reach.by(workload, sg.id, args.subnet_ids) for reach in spec.reaches]
        for peer in sorted(spec.allow_from):
            for port in sorted(set(spec.settings.ports().values())):
                self._needs.append(Connection(
                    workload=f"{self._name}-{peer} tasks", source=self._groups[peer].id, subnets=args.subnet_ids,
                    target=sg.id, port=port, why=f"call {svc} through Service Connect", key=f"services.{peer}.connects_to"))
        if lb is not None and spec.settings.port is not None:
            self._needs.append(Connection(
                workload=f"load balancer {spec.settings.load_balancer}", source=lb.security_group.id,
                subnets=args.subnet_ids, target=sg.id, port=spec.settings.port,
                why="forward requests and run the health check on the target port", key=f"{at}.port"))
        if spec.secrets and service is not None:  # a scheduled task reads its secrets afresh at every run
            arns = [s.arn for s in spec.secrets.values()]
            self._redeploy[svc] = (service, arns)
            self._needs.append(Refresh(workload=workload, runtime="ecs", service=service.arn, secrets=arns,
                                       key=f"{at}.secrets", why="tasks read the secrets once, when they start"))

    def _redeploy_on_secret_change(self, cluster: aws.ecs.Cluster) -> None:
        """Redeploy each service when a secret it reads gets a new current value.

        Secrets Manager sends `Secret Label Updated` to EventBridge when AWSCURRENT moves to a new version, on
        every rotation (RDS-managed master secrets rotate every 7 days by default) and every `put-secret-value`
        (Secrets Manager User Guide, "Secret event notifications"; checked 2026-12-04). ECS injects secrets only
        when a container starts, and names a new deployment as the remedy (ECS Developer Guide, "Pass Secrets
        Manager secrets through Amazon ECS environment variables"). Each service's rule starts one machine that
        calls UpdateService with forceNewDeployment; new tasks start with the new value and replace the old ones
        (minimum healthy 100 %). What remains: managed rotation completes within about a minute (Secrets Manager
        User Guide, "Managed rotation"), and until the new tasks are healthy, connections the old tasks open anew
        are refused; connections they hold keep working.
        """
        name, args = self._name, self._args
        definition = StateMachineDefinition(
            comment=f"{name}: start a new deployment of the service named in the input",
            start_at="Redeploy", timeout_seconds=300,
            states={"Redeploy": RedeployServiceTask(cluster_arn=cluster.arn, retry=[Retry(errors=ECS_SERVICE_ERRORS)])})
        services = [service.arn for service, _ in self._redeploy.values()]
        built = logged_state_machine(
            self, f"{name}-redeploy", definition=definition, account_id=args.account_id,
            description=f"{name}: redeploy a service whose secret changed", names=("log", "role", "machine"),
            log_group_name=f"/aws/vendedlogs/states/{physical_name(name, 180)}-redeploy", log_level="ERROR",
            retention_days=30, tags=args.tags,
            statements=[{"Sid": "RedeployOwnServices", "Effect": "Allow", "Action": "ecs:UpdateService",
                         "Resource": services}])
        trigger, starting = machine_starter(
            self, f"{name}-redeploy-trigger", machine_arn=built.machine.arn, account_id=args.account_id,
            description=f"{name}: EventBridge starts the redeploy machine", workload=f"{name} redeploy trigger",
            tags=tags_for(args.tags, name, "redeploy-trigger"), key="services")
        for svc, (service, secrets) in sorted(self._redeploy.items()):
            rule = aws.cloudwatch.EventRule(
                f"{name}-{svc}-secret-changed", description=f"{name}-{svc}: a secret it reads has a new value",
                event_pattern=pulumi.Output.json_dumps({
                    "source": ["aws.secretsmanager"], "detail-type": ["Secret Label Updated"],
                    "resources": distinct(secrets), "detail": {"labelUpdated": ["AWSCURRENT"]}}),
                tags=tags_for(args.tags, name, f"{svc}-secret-changed"), opts=child_opts(self))
            aws.cloudwatch.EventTarget(
                f"{name}-{svc}-secret-changed", rule=rule.name, arn=built.machine.arn, role_arn=trigger.arn,
                input=pulumi.Output.json_dumps({"service": service.arn}), retry_policy=TARGET_RETRY,
                opts=child_opts(self))
        self._needs += [*starting, *built.needs, Access(
            workload=f"{name} redeploy machine", principal=built.role.arn, actions=["ecs:UpdateService"],
            resources=services, why="start a new deployment of the service", key="services")]

    def _network_rules(self, svc: str, spec: ServiceSpec, sg: aws.ec2.SecurityGroup,
                       groups: dict[str, aws.ec2.SecurityGroup], lbs: dict[str, BuiltLoadBalancer]) -> None:
        name, tags = self._name, self._args.tags
        # Tasks call out (APIs, AWS endpoints, peers): egress is open, ingress is not.
        aws.vpc.SecurityGroupEgressRule(f"{name}-{svc}-egress", security_group_id=sg.id, ip_protocol="-1",
                                        cidr_ipv4="0.0.0.0/0", description="tasks call out",
                                        tags=tags_for(tags, name, f"{svc}-egress"), opts=child_opts(self))
        lb = lbs.get(spec.settings.load_balancer or "")
        if lb is not None and spec.settings.port is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{svc}-from-{spec.settings.load_balancer}", security_group_id=sg.id,
                referenced_security_group_id=lb.security_group.id, ip_protocol="tcp", from_port=spec.settings.port,
                to_port=spec.settings.port, description=f"from load balancer {spec.settings.load_balancer}",
                tags=tags_for(tags, name, f"{svc}-from-{spec.settings.load_balancer}"),
                opts=child_opts(self))
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{spec.settings.load_balancer}-to-{svc}", security_group_id=lb.security_group.id,
                referenced_security_group_id=sg.id, ip_protocol="tcp", from_port=spec.settings.port, to_port=spec.settings.port,
                description=f"to {svc} tasks", tags=tags_for(tags, name, f"{spec.settings.load_balancer}-to-{svc}"),
                opts=child_opts(self))
        ports = sorted(set(([spec.settings.port] if spec.settings.port else []) + list(spec.settings.extra_ports.values())))
        for peer in sorted(spec.allow_from):
            for port in ports:
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-{svc}-from-{peer}-{port}", security_group_id=sg.id,
                    referenced_security_group_id=groups[peer].id, ip_protocol="tcp", from_port=port, to_port=port,
                    description=f"from service {peer}", tags=tags_for(tags, name, f"{svc}-from-{peer}-{port}"),
                    opts=child_opts(self))

    def _roles(self, svc: str, spec: ServiceSpec,
               log_group: aws.cloudwatch.LogGroup) -> tuple[aws.iam.Role, aws.iam.Role]:
        name, args = self._name, self._args
        trust = pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            # Only ECS acting for this account may assume it (confused-deputy guard).
            "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id},
                          "ArnLike": {"aws:SourceArn": pulumi.Output.concat(
                              f"arn:aws:ecs:{args.region}:", args.account_id, ":*")}},
        }]})
        statements: list[dict[str, Any]] = [{
            "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group.arn, ":*"),
        }]
        statements += pull_and_read_statements(spec.repository_arn, [s.arn for s in spec.secrets.values()],
                                               spec.secret_kms_key_arns, args.region)
        execution = service_role(self, f"{name}-{svc}-execution", trust=trust,
                                 description=f"{name}-{svc}: pull image, write logs, read its secrets",
                                 tags=tags_for(args.tags, name, f"{svc}-execution"),
                                 policy=policy_document(statements))
        task_statements: list[dict[str, Any]] = []
        if spec.settings.exec:
            # ECS Exec's SSM channels take no resource-level permissions.
            task_statements.append({"Sid": "EcsExec", "Effect": "Allow", "Resource": "*", "Action": [
                "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]})
        for volume in spec.volumes:
            task_statements.append({
                "Sid": f"Mount{volume.name.title().replace('-', '')}", "Effect": "Allow",
                "Action": ["elasticfilesystem:ClientMount"] + ([] if volume.read_only else ["elasticfilesystem:ClientWrite"]),
                "Resource": volume.file_system_arn,
                "Condition": {"StringEquals": {"elasticfilesystem:AccessPointArn": volume.access_point_arn}},
            })
        task = service_role(self, f"{name}-{svc}-task", trust=trust,
                            description=f"{name}-{svc}: what the application may do",
                            tags=tags_for(args.tags, name, f"{svc}-task"),
                            policy=policy_document(task_statements) if task_statements else None)
        return execution, task

    def _container(self, svc: str, spec: ServiceSpec, log_group: aws.cloudwatch.LogGroup,
                   command: list[str] | None = None) -> pulumi.Output[str]:
        """The container definition; with `command`, the release task's (that command, no ports or health check)."""
        ports = []
        if spec.settings.port is not None and command is None:
            ports.append({"name": "http", "containerPort": spec.settings.port, "protocol": "tcp", "appProtocol": "http"})
        for port_name, port in sorted(spec.settings.extra_ports.items() if command is None else ()):
            mapping = {"name": port_name, "containerPort": port, "protocol": "tcp"}
            if port_name in ("grpc", "http2"):
                mapping["appProtocol"] = port_name
            ports.append(mapping)
        container: dict[str, Any] = {
            "name": svc,
            "image": spec.image,
            "essential": True,
            "portMappings": ports,
            "environment": [{"name": k, "value": v} for k, v in sorted(spec.variables.items())],
            "secrets": [{"name": k, "valueFrom": pulumi.Output.concat(s.arn, f":{s.key}::") if s.key else s.arn}
                        for k, s in sorted(spec.secrets.items())],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group.name, "awslogs-region": self._args.region,
                "awslogs-stream-prefix": spec.settings.log_stream_prefix or svc}},
            "mountPoints": [{"sourceVolume": v.name, "containerPath": v.path, "readOnly": v.read_only}
                            for v in spec.volumes],
            # An init process reaps zombies and is required for ECS Exec sessions.
            "linuxParameters": {"initProcessEnabled": True},
        }
        if command is not None:
            container["command"] = list(command)
            return pulumi.Output.json_dumps([container])
        if spec.settings.command:
            container["command"] = list(spec.settings.command)
        if spec.settings.deployment.stop_timeout is not None:
            container["stopTimeout"] = spec.settings.deployment.stop_timeout
        if spec.settings.container_health_check is not None:
            hc = spec.settings.container_health_check
            container["healthCheck"] = {"command": list(hc.command), "interval": hc.interval, "timeout": hc.timeout,
                                        "retries": hc.retries, "startPeriod": hc.start_period}
        return pulumi.Output.json_dumps([container])

    def _service_connect(self, svc: str, spec: ServiceSpec, namespace: aws.servicediscovery.HttpNamespace | None,
                         ) -> aws.ecs.ServiceServiceConnectConfigurationArgs | None:
        if namespace is None:
            return None
        services = []
        if spec.discovery_name:
            named = {"http": spec.settings.port} if spec.settings.port else {}
            named.update(spec.settings.extra_ports)
            for port_name, port in sorted(named.items()):
                discovery = spec.discovery_name if port_name == "http" else f"{spec.discovery_name}-{port_name}"
                services.append(aws.ecs.ServiceServiceConnectConfigurationServiceArgs(
                    port_name=port_name, discovery_name=discovery,
                    client_alias=[aws.ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs(
                        port=port, dns_name=spec.discovery_name)]))
        # Every service is a client of the namespace, so peers resolve by their discovery names.
        return aws.ecs.ServiceServiceConnectConfigurationArgs(enabled=True, namespace=namespace.arn,
                                                               services=services or None)

    def _autoscaling(self, svc: str, scaling: ScalingSettings, cluster: aws.ecs.Cluster, service: aws.ecs.Service,
                     lb: BuiltLoadBalancer | None, spec_queue: pulumi.Input[str] | None) -> None:
        base = f"{self._name}-{svc}"
        target = aws.appautoscaling.Target(
            base, min_capacity=scaling.min, max_capacity=scaling.max,
            resource_id=pulumi.Output.concat("service/", cluster.name, "/", service.name),
            scalable_dimension="ecs:service:DesiredCount", service_namespace="ecs",
            tags=tags_for(self._args.tags, self._name, svc), opts=child_opts(self))
        metrics: list[tuple[str, int | None, str, pulumi.Input[str] | None]] = [
            ("cpu", scaling.cpu_target, "ECSServiceAverageCPUUtilization", None),
            ("memory", scaling.memory_target, "ECSServiceAverageMemoryUtilization", None),
        ]
        if lb is not None:
            label = pulumi.Output.concat(lb.load_balancer.arn_suffix, "/", lb.target_groups[svc].arn_suffix)
            metrics.append(("requests", scaling.requests_per_target, "ALBRequestCountPerTarget", label))
        if scaling.backlog_per_task is not None:
            self._backlog_policy(base, scaling, target, cluster, service, spec_queue)
        for suffix, value, metric, resource_label in metrics:
            if value is None:
                continue
            aws.appautoscaling.Policy(
                f"{base}-{suffix}", policy_type="TargetTrackingScaling", resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension, service_namespace=target.service_namespace,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=value, scale_in_cooldown=scaling.scale_in_cooldown,
                    scale_out_cooldown=scaling.scale_out_cooldown,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=resource_label)),
                opts=child_opts(self))

    def _backlog_policy(self, base: str, scaling: ScalingSettings, target: aws.appautoscaling.Target,
                        cluster: aws.ecs.Cluster, service: aws.ecs.Service, queue_name: pulumi.Input[str] | None) -> None:
        """Hold the messages waiting per running task: the queue's visible messages over the service's running tasks
        (Container Insights), the metric-math pattern of the Application Auto Scaling User Guide ("Create a target
        tracking scaling policy using metric math", example "Amazon SQS queue backlog per task"; checked 2026-12-04)."""
        assert queue_name is not None, "ServiceSpec.backlog_queue_name is set with scaling.backlog_per_task"
        assert scaling.backlog_per_task is not None, "called only for a backlog target"
        metric = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs
        stat = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs
        of = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs
        dim = aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs
        aws.appautoscaling.Policy(
            f"{base}-backlog", policy_type="TargetTrackingScaling", resource_id=target.resource_id,
            scalable_dimension=target.scalable_dimension, service_namespace=target.service_namespace,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=scaling.backlog_per_task, scale_in_cooldown=scaling.scale_in_cooldown,
                scale_out_cooldown=scaling.scale_out_cooldown,
                customized_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs(
                    metrics=[
                        metric(id="m1", label="messages waiting", return_data=False, metric_stat=stat(stat="Sum", metric=of(
                            namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
                            dimensions=[dim(name="QueueName", value=queue_name)]))),
                        metric(id="m2", label="running tasks", return_data=False, metric_stat=stat(stat="Average", metric=of(
                            namespace="ECS/ContainerInsights", metric_name="RunningTaskCount",
                            dimensions=[dim(name="ClusterName", value=cluster.name),
                                        dim(name="ServiceName", value=service.name)]))),
                        metric(id="e1", label="backlog per task", expression="m1 / m2", return_data=True),
                    ])),
            opts=child_opts(self))
