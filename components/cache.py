"""Cache: an ElastiCache replication group (Redis OSS or Valkey).

A component of its own rather than part of Database: it has its own engine, parameter family,
snapshot model and failover rules, and several systems (portfolio, allthrive) use one without
sharing anything with PostgreSQL but the grant pattern, which lives in `_common.allow_ingress`.

This includes a subnet group, a security group with no ingress until `allow_from`, a parameter
group, encryption at rest and TLS-only transit, automatic failover and multi-AZ from two nodes,
snapshots with retention and a final snapshot, and the slow log in a log group with retention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from pydantic import Field, model_validator

from components import aws_data
from components._common import (
    IngressGrants, PrivateStoreArgs, child_opts, physical_name, stateful_opts, tags_for,
)
from components._settings import BackupWindow, MaintenanceWindow, Problems, RetentionDays, Settings, check_windows, matching


_REDIS_FLOOR = (6, 2)
"""The program's floor for Redis OSS (not AWS's): TLS-only transit and the AUTH-less grants assume 6.2+."""


class CacheSettings(Settings):
    """`platform:cache`: an ElastiCache replication group (Redis OSS or Valkey)."""

    engine: Literal["redis", "valkey"] = "redis"
    """Cache engine."""
    engine_version: str = "7.1"
    """An engine version ElastiCache offers (DescribeCacheEngineVersions) and names a parameter group family
    for: redis 6.2+ (6.2, 7.0, 7.1), valkey 7.2, 8.0, 8.1, ..."""
    node_type: matching(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", "an ElastiCache node type such as cache.t4g.micro")  # type: ignore[valid-type]
    """Node type offered in the stack's region, e.g. cache.t4g.micro."""
    nodes: int = Field(1, ge=1, le=6)
    """Primary plus replicas; 2+ enables automatic failover and multi-AZ."""
    port: int = Field(6379, ge=1024, le=65535)
    """Listener port."""
    subnet_tier: Literal["isolated", "private"] = "isolated"
    """Network tier the cache lives in."""
    parameters: dict[str, str] = {"maxmemory-policy": "allkeys-lru"}
    """Engine parameters for the cache's parameter group."""
    snapshot_retention_days: int = Field(1, ge=0, le=35)
    """Daily snapshot retention; 0 disables snapshots."""
    snapshot_window: BackupWindow = "03:00-05:00"
    """Daily UTC snapshot window."""
    maintenance_window: MaintenanceWindow = "sun:05:00-sun:06:00"
    """Weekly UTC maintenance window."""
    final_snapshot: bool = True
    """Take a final snapshot when the replication group is deleted."""
    log_retention_days: RetentionDays = 30
    """Retention of the slow-log group."""

    @model_validator(mode="after")
    def _rules(self) -> CacheSettings:
        problems = Problems()
        usable = [v for v in aws_data.cache_engine_versions(self.engine)
                  if aws_data.cache_parameter_group_family(self.engine, v) is not None
                  and (self.engine != "redis" or tuple(map(int, v.split(".")[:2])) >= _REDIS_FLOOR)]
        if self.engine_version not in usable:
            offered = aws_data.cache_engine_versions(self.engine)
            if self.engine_version not in offered:
                why = f"ElastiCache offers {self.engine} {', '.join(offered)}"
            elif aws_data.cache_parameter_group_family(self.engine, self.engine_version) is None:
                why = "ElastiCache's API names no parameter group family for it"
            else:
                why = "the program needs Redis OSS 6.2 or later"
            problems.add("engine_version", f"expected one of {', '.join(usable)} for {self.engine} ({why}); "
                                           f"got {self.engine_version!r}")
        check_windows(problems, "snapshot_window", self.snapshot_window, self.maintenance_window, min_minutes=60)
        return problems.done(self)

    @property
    def parameter_family(self) -> str:
        """The parameter group family of the engine version (redis 6.2 -> redis6.x, valkey 8.0 -> valkey8)."""
        family = aws_data.cache_parameter_group_family(self.engine, self.engine_version)
        assert family is not None  # the validator refuses versions without one
        return family


@dataclass(frozen=True, kw_only=True)
class CacheArgs(PrivateStoreArgs):
    """Inputs for :class:`Cache`: its settings (`platform:cache`) beside where it lives."""

    settings: CacheSettings
    """Engine, node type, failover and snapshots of the cache."""


class Cache(IngressGrants, pulumi.ComponentResource):
    """A private, encrypted, TLS-only Redis/Valkey replication group."""

    primary_endpoint: pulumi.Output[str]
    """Host name of the primary (writes)."""
    reader_endpoint: pulumi.Output[str]
    """Host name spreading reads over the replicas."""
    port: pulumi.Output[int]
    """Listener port (TLS required)."""
    security_group_id: pulumi.Output[str]
    """The cache's security group (no ingress until `allow_from`)."""
    replication_group_id: pulumi.Output[str]
    """Replication group id (alarm dimension)."""

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Cache", name, None, opts)
        self._name = name
        self._port = args.settings.port
        self._tags = dict(args.tags)
        self._ingress_sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: {args.settings.engine}, reachable only from granted groups",
            tags=tags_for(args.tags, name, "sg"), opts=child_opts(self),
        )
        subnets = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids, description=f"{name}: cache subnets",
            tags=tags_for(args.tags, name, "subnets"), opts=child_opts(self),
        )
        # AWS names families unevenly (redis6.x, redis7, valkey8): take the name from its API's list.
        family = args.settings.parameter_family
        params = aws.elasticache.ParameterGroup(
            f"{name}-params", family=family, description=f"{name}: {family} parameters",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name=k, value=v)
                        for k, v in sorted(args.settings.parameters.items())],
            tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        slow_log = aws.cloudwatch.LogGroup(f"{name}-slow-log", retention_in_days=args.settings.log_retention_days,
                                           tags=tags_for(args.tags, name, "slow-log"), opts=child_opts(self))
        group_id = physical_name(name, 34)
        failover = args.settings.nodes >= 2
        group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=group_id,
            description=f"{name}: {args.settings.engine} {args.settings.engine_version}",
            engine=args.settings.engine,
            engine_version=args.settings.engine_version,
            node_type=args.settings.node_type,
            num_cache_clusters=args.settings.nodes,
            automatic_failover_enabled=failover,
            multi_az_enabled=failover,
            port=args.settings.port,
            parameter_group_name=params.name,
            subnet_group_name=subnets.name,
            security_group_ids=[self._ingress_sg.id],
            at_rest_encryption_enabled=True,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            snapshot_retention_limit=args.settings.snapshot_retention_days,
            snapshot_window=args.settings.snapshot_window,
            maintenance_window=args.settings.maintenance_window,
            final_snapshot_identifier=f"{group_id}-final" if args.settings.final_snapshot else None,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                destination=slow_log.name, destination_type="cloudwatch-logs", log_format="json", log_type="slow-log",
            )],
            tags=tags_for(args.tags, name, "group"),
            opts=stateful_opts(self, args.protect),
        )
        self.primary_endpoint = group.primary_endpoint_address
        self.reader_endpoint = group.reader_endpoint_address
        self.port = pulumi.Output.from_input(args.settings.port)
        self.security_group_id = self._ingress_sg.id
        self.replication_group_id = group.replication_group_id
        self.register_outputs({
            "primary_endpoint": self.primary_endpoint,
            "reader_endpoint": self.reader_endpoint,
            "port": self.port,
            "security_group_id": self.security_group_id,
            "replication_group_id": self.replication_group_id,
        })
