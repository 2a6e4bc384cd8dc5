"""ContainerService: an ECS Fargate cluster, its services and their load balancers.

This includes:
- a cluster with Container Insights and the FARGATE / FARGATE_SPOT capacity providers;
- per service: a log group with retention, an execution role that may pull its image, write its
  log group and read exactly its secrets, a task role (ECS Exec and EFS mounts; everything else is
  granted by the owner of the resource through `task_role_names`), a task definition (Fargate
  cpu/memory, x86 or ARM64, secrets via `valueFrom`, container health check, EFS volumes), a
  security group admitting only its load balancer and named peers, and a service in private
  subnets without public IPs, with circuit-breaker rollback, 100/200 % deployments, ECS Exec as
  configured, capacity-provider split and target-tracking autoscaling;
- Service Connect (a Cloud Map namespace) when services reach each other by name;
- load balancers built by `_alb.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components._alb import (
    BuiltLoadBalancer,
    LoadBalancerSpec,
    Route,
    Target,
    TargetHealthCheck,
    build_load_balancer,
)
from components._common import (
    child_opts, physical_name, policy_document, pull_and_read_statements, service_role, tags_for,
)

__all__ = [
    "ContainerHealthCheck", "ContainerService", "ContainerServiceArgs", "LoadBalancerSpec", "Route", "Scaling",
    "SecretEnv", "ServiceSpec", "TargetHealthCheck", "Volume",
]


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


@dataclass(frozen=True, kw_only=True)
class ContainerHealthCheck:
    """Docker health check inside the container."""

    command: Sequence[str]
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 60


@dataclass(frozen=True, kw_only=True)
class Scaling:
    """Target-tracking autoscaling."""

    min: int
    max: int
    cpu_target: int | None = 70
    memory_target: int | None = None
    requests_per_target: int | None = None
    scale_in_cooldown: int = 300
    scale_out_cooldown: int = 60


@dataclass(frozen=True, kw_only=True)
class ServiceSpec:
    """One container service."""

    image: pulumi.Input[str]
    """Full image reference."""
    repository_arn: pulumi.Input[str] | None = None
    """ECR repository of the image (the execution role may pull only from it); None: public image."""
    cpu: int
    """Fargate CPU units."""
    memory: int
    """Memory (MiB)."""
    port: int | None = None
    """Main (HTTP) container port."""
    extra_ports: Mapping[str, int] = field(default_factory=dict)
    """Further named ports."""
    architecture: Literal["arm64", "x86_64"] = "arm64"
    desired_count: int = 1
    command: Sequence[str] | None = None
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    secret_kms_key_arns: Sequence[pulumi.Input[str]] = ()
    """KMS keys the secrets are encrypted with (decrypt only via Secrets Manager)."""
    load_balancer: str | None = None
    """Key of the load balancer serving it."""
    routes: Sequence[Route] = ()
    default_route: bool = False
    health_check: TargetHealthCheck = TargetHealthCheck()
    container_health_check: ContainerHealthCheck | None = None
    scaling: Scaling | None = None
    fargate_base: int = 1
    fargate_weight: int = 1
    spot_base: int = 0
    spot_weight: int = 0
    exec: bool = False
    """ECS Exec (`aws ecs execute-command`)."""
    grace_period: int = 60
    volumes: Sequence[Volume] = ()
    discovery_name: str | None = None
    """Service Connect name peers use."""
    allow_from: Sequence[str] = ()
    """Other services of this component that may reach its ports."""
    log_retention_days: int = 30
    log_stream_prefix: str | None = None


@dataclass(frozen=True, kw_only=True)
class ContainerServiceArgs:
    """Inputs for :class:`ContainerService`."""

    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    """Default client range of internal load balancers."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Private subnets for the tasks."""
    region: str
    account_id: pulumi.Input[str]
    """Account id (trust-policy conditions, log-bucket paths)."""
    services: Mapping[str, ServiceSpec]
    load_balancers: Mapping[str, LoadBalancerSpec] = field(default_factory=dict)
    container_insights: str = "enabled"
    protect: bool = False
    """Protect the access-log buckets (prod)."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for svc, spec in self.services.items():
            if spec.load_balancer is not None and spec.load_balancer not in self.load_balancers:
                raise ValueError(f"ContainerServiceArgs: service {svc} uses unknown load balancer {spec.load_balancer}")
            if spec.load_balancer is not None and spec.port is None:
                raise ValueError(f"ContainerServiceArgs: service {svc} needs a port behind a load balancer")
            for peer in spec.allow_from:
                if peer not in self.services:
                    raise ValueError(f"ContainerServiceArgs: service {svc} allows unknown service {peer}")


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

    def __init__(self, name: str, args: ContainerServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:ContainerService", name, None, opts)
        self._name, self._args = name, args
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.container_insights)],
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
            targets = {svc: Target(port=spec.port, health_check=spec.health_check, routes=spec.routes,
                                   default_route=spec.default_route)
                       for svc, spec in args.services.items() if spec.load_balancer == key and spec.port}
            lbs[key] = build_load_balancer(self, name, key, lb_spec, vpc_id=args.vpc_id, vpc_cidr=args.vpc_cidr,
                                           account_id=args.account_id, targets=targets, protect=args.protect,
                                           tags=args.tags)

        groups = {svc: aws.ec2.SecurityGroup(
            f"{name}-{svc}", vpc_id=args.vpc_id, description=f"{name}-{svc}: tasks",
            tags=tags_for(args.tags, name, svc), opts=child_opts(self)) for svc in sorted(args.services)}
        self.service_names, self.task_role_names, self.task_role_arns, self.log_group_names = {}, {}, {}, {}
        self.target_group_arn_suffixes = {}
        for svc, spec in sorted(args.services.items()):
            self._service(svc, spec, cluster, providers, namespace, groups, lbs)

        self.cluster_name, self.cluster_arn = cluster.name, cluster.arn
        self.security_group_ids = {svc: g.id for svc, g in groups.items()}
        self.load_balancer_arns = {k: b.load_balancer.arn for k, b in lbs.items()}
        self.load_balancer_arn_suffixes = {k: b.load_balancer.arn_suffix for k, b in lbs.items()}
        self.load_balancer_dns_names = {k: b.load_balancer.dns_name for k, b in lbs.items()}
        self.load_balancer_zone_ids = {k: b.load_balancer.zone_id for k, b in lbs.items()}
        self.origin_secrets = {k: b.origin_secret for k, b in lbs.items() if b.origin_secret is not None}
        self.register_outputs({
            "cluster_name": self.cluster_name, "cluster_arn": self.cluster_arn,
            "service_names": self.service_names, "security_group_ids": self.security_group_ids,
            "task_role_names": self.task_role_names, "task_role_arns": self.task_role_arns,
            "log_group_names": self.log_group_names, "load_balancer_arns": self.load_balancer_arns,
            "load_balancer_arn_suffixes": self.load_balancer_arn_suffixes,
            "load_balancer_dns_names": self.load_balancer_dns_names,
            "load_balancer_zone_ids": self.load_balancer_zone_ids,
            "target_group_arn_suffixes": self.target_group_arn_suffixes, "origin_secrets": self.origin_secrets,
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
            base, name=f"/ecs/{physical_name(name, 200)}/{svc}", retention_in_days=spec.log_retention_days,
            tags=tags_for(args.tags, name, svc), opts=child_opts(self))
        execution_role, task_role = self._roles(svc, spec, log_group)
        task = aws.ecs.TaskDefinition(
            base,
            family=physical_name(base, 255),
            cpu=str(spec.cpu),
            memory=str(spec.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                cpu_architecture="ARM64" if spec.architecture == "arm64" else "X86_64",
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
        lb = lbs.get(spec.load_balancer or "")
        strategies = [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider=p, base=b, weight=w)
                      for p, b, w in (("FARGATE", spec.fargate_base, spec.fargate_weight),
                                      ("FARGATE_SPOT", spec.spot_base, spec.spot_weight)) if w or b]
        service = aws.ecs.Service(
            base,
            cluster=cluster.arn,
            task_definition=task.arn,
            desired_count=spec.desired_count,
            capacity_provider_strategies=strategies,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids, security_groups=[sg.id], assign_public_ip=False),
            load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=lb.target_groups[svc].arn, container_name=svc, container_port=spec.port)]
            if lb is not None else None,
            health_check_grace_period_seconds=spec.grace_period if lb is not None else None,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_execute_command=spec.exec,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            service_connect_configuration=self._service_connect(svc, spec, namespace),
            tags=tags_for(args.tags, name, svc),
            # The autoscaler owns the task count once it exists; Pulumi must not reset it on
            # every `up`. Listener rules must exist before ECS attaches the target group.
            opts=child_opts(self, depends_on=[providers, *(lb.rules if lb is not None else [])],
                            ignore_changes=["desired_count"] if spec.scaling is not None else None),
        )
        if spec.scaling is not None:
            self._autoscaling(svc, spec.scaling, cluster, service, lb)
        self.service_names[svc] = service.name
        self.task_role_names[svc] = task_role.name
        self.task_role_arns[svc] = task_role.arn
        self.log_group_names[svc] = log_group.name
        if lb is not None:
            self.target_group_arn_suffixes[svc] = lb.target_groups[svc].arn_suffix

    def _network_rules(self, svc: str, spec: ServiceSpec, sg: aws.ec2.SecurityGroup,
                       groups: dict[str, aws.ec2.SecurityGroup], lbs: dict[str, BuiltLoadBalancer]) -> None:
        name, tags = self._name, self._args.tags
        # Tasks call out (APIs, AWS endpoints, peers): egress is open, ingress is not.
        aws.vpc.SecurityGroupEgressRule(f"{name}-{svc}-egress", security_group_id=sg.id, ip_protocol="-1",
                                        cidr_ipv4="0.0.0.0/0", description="tasks call out",
                                        tags=tags_for(tags, name, f"{svc}-egress"), opts=child_opts(self))
        lb = lbs.get(spec.load_balancer or "")
        if lb is not None and spec.port is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{svc}-from-{spec.load_balancer}", security_group_id=sg.id,
                referenced_security_group_id=lb.security_group.id, ip_protocol="tcp", from_port=spec.port,
                to_port=spec.port, description=f"from load balancer {spec.load_balancer}",
                tags=tags_for(tags, name, f"{svc}-from-{spec.load_balancer}"),
                opts=child_opts(self))
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{spec.load_balancer}-to-{svc}", security_group_id=lb.security_group.id,
                referenced_security_group_id=sg.id, ip_protocol="tcp", from_port=spec.port, to_port=spec.port,
                description=f"to {svc} tasks", tags=tags_for(tags, name, f"{spec.load_balancer}-to-{svc}"),
                opts=child_opts(self))
        ports = sorted({p for p in ([spec.port] if spec.port else []) + list(spec.extra_ports.values())})
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
        statements: list[dict] = [{
            "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group.arn, ":*"),
        }]
        statements += pull_and_read_statements(spec.repository_arn, [s.arn for s in spec.secrets.values()],
                                               spec.secret_kms_key_arns, args.region)
        execution = service_role(self, f"{name}-{svc}-execution", trust=trust,
                                 description=f"{name}-{svc}: pull image, write logs, read its secrets",
                                 tags=tags_for(args.tags, name, f"{svc}-execution"),
                                 policy=policy_document(statements))
        task_statements: list[dict] = []
        if spec.exec:
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

    def _container(self, svc: str, spec: ServiceSpec, log_group: aws.cloudwatch.LogGroup) -> pulumi.Output[str]:
        ports = []
        if spec.port is not None:
            ports.append({"name": "http", "containerPort": spec.port, "protocol": "tcp", "appProtocol": "http"})
        for port_name, port in sorted(spec.extra_ports.items()):
            mapping = {"name": port_name, "containerPort": port, "protocol": "tcp"}
            if port_name in ("grpc", "http2"):
                mapping["appProtocol"] = port_name
            ports.append(mapping)
        container: dict = {
            "name": svc,
            "image": spec.image,
            "essential": True,
            "portMappings": ports,
            "environment": [{"name": k, "value": v} for k, v in sorted(spec.environment.items())],
            "secrets": [{"name": k, "valueFrom": pulumi.Output.concat(s.arn, f":{s.key}::") if s.key else s.arn}
                        for k, s in sorted(spec.secrets.items())],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group.name, "awslogs-region": self._args.region,
                "awslogs-stream-prefix": spec.log_stream_prefix or svc}},
            "mountPoints": [{"sourceVolume": v.name, "containerPath": v.path, "readOnly": v.read_only}
                            for v in spec.volumes],
            # An init process reaps zombies and is required for ECS Exec sessions.
            "linuxParameters": {"initProcessEnabled": True},
        }
        if spec.command:
            container["command"] = list(spec.command)
        if spec.container_health_check is not None:
            hc = spec.container_health_check
            container["healthCheck"] = {"command": list(hc.command), "interval": hc.interval, "timeout": hc.timeout,
                                        "retries": hc.retries, "startPeriod": hc.start_period}
        return pulumi.Output.json_dumps([container])

    def _service_connect(self, svc: str, spec: ServiceSpec, namespace: aws.servicediscovery.HttpNamespace | None,
                         ) -> aws.ecs.ServiceServiceConnectConfigurationArgs | None:
        if namespace is None:
            return None
        services = []
        if spec.discovery_name:
            named = {"http": spec.port} if spec.port else {}
            named.update(spec.extra_ports)
            for port_name, port in sorted(named.items()):
                discovery = spec.discovery_name if port_name == "http" else f"{spec.discovery_name}-{port_name}"
                services.append(aws.ecs.ServiceServiceConnectConfigurationServiceArgs(
                    port_name=port_name, discovery_name=discovery,
                    client_alias=aws.ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs(
                        port=port, dns_name=spec.discovery_name)))
        # Every service is a client of the namespace, so peers resolve by their discovery names.
        return aws.ecs.ServiceServiceConnectConfigurationArgs(enabled=True, namespace=namespace.arn,
                                                               services=services or None)

    def _autoscaling(self, svc: str, scaling: Scaling, cluster: aws.ecs.Cluster, service: aws.ecs.Service,
                     lb: BuiltLoadBalancer | None) -> None:
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
        for suffix, value, metric, label in metrics:
            if value is None:
                continue
            aws.appautoscaling.Policy(
                f"{base}-{suffix}", policy_type="TargetTrackingScaling", resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension, service_namespace=target.service_namespace,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=value, scale_in_cooldown=scaling.scale_in_cooldown,
                    scale_out_cooldown=scaling.scale_out_cooldown,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label)),
                opts=child_opts(self))
