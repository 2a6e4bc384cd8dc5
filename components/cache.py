"""Cache: an ElastiCache replication group (Redis OSS or Valkey) or a Memcached cluster.

A component of its own rather than part of Database: it has its own engine, parameter family,
snapshot model and failover rules, and several systems (portfolio, allthrive) use one without
sharing anything with PostgreSQL but the grant pattern, which lives in `_common.allow_ingress`.

This includes a subnet group, a security group with no ingress until `allow_from`, a parameter
group, encryption at rest and TLS-only transit, automatic failover and multi-AZ from two nodes,
snapshots with retention and a final snapshot, and the slow log in a log group with retention.

Memcached is a different kind of cache, and ElastiCache gives it less (ElastiCache User Guide, "Comparing
node-based Valkey, Memcached, and Redis OSS clusters" and "In-transit encryption (Memcached)", checked
2026-12-04): TLS from 1.6.12 on, but no encryption at rest, no AUTH or RBAC (the security group is the only
gate), no replicas or failover (nodes partition the keys; losing one loses its share, which the application
refills), no snapshots and no slow log. A Memcached cache is one `aws.elasticache.Cluster` with its nodes spread
over the AZs, and settings it cannot honour are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components import aws_data
from components._common import (
    IngressGrants,
    PrivateStoreArgs,
    child_opts,
    physical_name,
    stateful_opts,
    tags_for,
)
from components._settings import (
    BackupWindow,
    MaintenanceWindow,
    Problems,
    RetentionDays,
    Settings,
    check_windows,
    matching,
)

_REDIS_FLOOR = (6, 2)
"""The program's floor for Redis OSS (not AWS's): TLS-only transit and the AUTH-less grants assume 6.2+."""
_MEMCACHED_FLOOR = (1, 6, 12)
"""Memcached's first version with TLS on ElastiCache (ElastiCache for Memcached 1.6.12 release notes, 2022-05-26)."""
_MEMCACHED_PORT = 11211
_MEMCACHED_UNSUPPORTED = ("snapshot_retention_days", "snapshot_window", "final_snapshot")
"""Settings Memcached has no use for: it keeps no snapshots."""


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _version_floor(engine: str) -> tuple[int, ...]:
    return {"redis": _REDIS_FLOOR, "memcached": _MEMCACHED_FLOOR}.get(engine, ())


class CacheSettings(Settings):
    """`platform:cache`: an ElastiCache replication group (Redis OSS or Valkey) or a Memcached cluster."""

    engine: Literal["redis", "valkey", "memcached"] = "redis"
    """Cache engine. Memcached has TLS but no encryption at rest, AUTH, failover or snapshots (see the module)."""
    engine_version: str = "7.1"
    """An engine version ElastiCache offers (DescribeCacheEngineVersions) and names a parameter group family
    for: redis 6.2+ (6.2, 7.0, 7.1), valkey 7.2, 8.0, 8.1, ..., memcached 1.6.12+ (1.6.22); required for memcached."""
    node_type: Annotated[str, matching(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", "an ElastiCache node type such as cache.t4g.micro")]
    """Node type offered in the stack's region, e.g. cache.t4g.micro."""
    nodes: int = Field(1, ge=1, le=6)
    """Redis OSS and Valkey: primary plus replicas, 2+ enables automatic failover and multi-AZ. Memcached: nodes
    sharing the keys, spread over the AZs from 2 on."""
    port: int = Field(6379, ge=1024, le=65535)
    """Listener port; unset, the engine's own (6379; 11211 for memcached)."""
    subnet_tier: Literal["isolated", "private"] = "isolated"
    """Network tier the cache lives in."""
    parameters: dict[str, str] = {"maxmemory-policy": "allkeys-lru"}
    """Engine parameters for the cache's parameter group; unset on memcached, none."""
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

    @model_validator(mode="before")
    @classmethod
    def _engine_defaults(cls, data: Any) -> Any:
        # Memcached listens on its own port and has none of Redis's parameters.
        if isinstance(data, dict) and data.get("engine") == "memcached":
            data = {"port": _MEMCACHED_PORT, "parameters": {}, **data}
        return data

    @model_validator(mode="after")
    def _rules(self) -> CacheSettings:
        problems = Problems()
        floor = _version_floor(self.engine)
        usable = [v for v in aws_data.cache_engine_versions(self.engine)
                  if aws_data.cache_parameter_group_family(self.engine, v) is not None
                  and tuple(map(int, v.split(".")[:len(floor)])) >= floor]
        if self.engine == "memcached" and "engine_version" not in self.model_fields_set:
            problems.add("engine_version", f"required for memcached, one of {', '.join(sorted(usable, key=_numbers))}")
        elif self.engine_version not in usable:
            offered = aws_data.cache_engine_versions(self.engine)
            if self.engine_version not in offered:
                why = f"ElastiCache offers {self.engine} {', '.join(offered)}"
            elif aws_data.cache_parameter_group_family(self.engine, self.engine_version) is None:
                why = "ElastiCache's API names no parameter group family for it"
            elif self.engine == "memcached":
                why = "Memcached has TLS only from 1.6.12"
            else:
                why = "the program needs Redis OSS 6.2 or later"
            problems.add("engine_version", f"expected one of {', '.join(sorted(usable, key=_numbers))} for {self.engine} "
                                           f"({why}); got {self.engine_version!r}")
        if self.engine == "memcached":
            for key in _MEMCACHED_UNSUPPORTED:
                if key in self.model_fields_set:
                    problems.add(key, "Memcached keeps no snapshots; remove it (its data lives only in memory)")
        else:
            check_windows(problems, "snapshot_window", self.snapshot_window, self.maintenance_window, min_minutes=60)
        return problems.done(self)

    @property
    def memcached(self) -> bool:
        """A Memcached cluster rather than a Redis OSS/Valkey replication group."""
        return self.engine == "memcached"

    @property
    def fails_over(self) -> bool:
        """Survives the loss of a node with its data: a replica takes over (Redis OSS/Valkey, 2+ nodes)."""
        return not self.memcached and self.nodes >= 2

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
    """A private, TLS-only cache: an encrypted Redis/Valkey replication group, or a Memcached cluster."""

    primary_endpoint: pulumi.Output[str]
    """Host name of the primary (writes); Memcached: the cluster's configuration endpoint (node discovery)."""
    reader_endpoint: pulumi.Output[str]
    """Host name spreading reads over the replicas (Memcached: the configuration endpoint)."""
    port: pulumi.Output[int]
    """Listener port (TLS required)."""
    security_group_id: pulumi.Output[str]
    """The cache's security group (no ingress until `allow_from`)."""
    replication_group_id: pulumi.Output[str]
    """Replication group id, or the Memcached cluster's id."""
    node_dimensions: list[dict[str, pulumi.Output[str] | str]]
    """CloudWatch dimensions of each node, in order (AWS/ElastiCache per-node metrics)."""
    cpu_metric: str
    """The node metric that says the cache is out of CPU: the engine thread's (Redis OSS and Valkey run one),
    or the host's for multi-threaded Memcached (ElastiCache User Guide, "Which metrics should I monitor?")."""

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
        group_id = physical_name(name, 34)
        if args.settings.memcached:
            cluster = self._memcached(name, args, group_id, params, subnets)
            self.primary_endpoint = self.reader_endpoint = cluster.cluster_address
            self.replication_group_id = cluster.cluster_id
            # Memcached nodes are numbered 0001, 0002, ... within the cluster.
            self.node_dimensions = [{"CacheClusterId": cluster.cluster_id, "CacheNodeId": f"{i:04d}"}
                                    for i in range(1, args.settings.nodes + 1)]
            self.cpu_metric = "CPUUtilization"
        else:
            group = self._replication_group(name, args, group_id, params, subnets)
            self.primary_endpoint = group.primary_endpoint_address
            self.reader_endpoint = group.reader_endpoint_address
            self.replication_group_id = group.replication_group_id
            # A replication group's members are cache clusters named <group>-001, -002, ...
            self.node_dimensions = [{"CacheClusterId": pulumi.Output.concat(group.replication_group_id, f"-{i:03d}")}
                                    for i in range(1, args.settings.nodes + 1)]
            self.cpu_metric = "EngineCPUUtilization"
        self.port = pulumi.Output.from_input(args.settings.port)
        self.security_group_id = self._ingress_sg.id
        self.register_outputs({
            "primary_endpoint": self.primary_endpoint,
            "reader_endpoint": self.reader_endpoint,
            "port": self.port,
            "security_group_id": self.security_group_id,
            "replication_group_id": self.replication_group_id,
        })

    def _replication_group(self, name: str, args: CacheArgs, group_id: str, params: aws.elasticache.ParameterGroup,
                           subnets: aws.elasticache.SubnetGroup) -> aws.elasticache.ReplicationGroup:
        slow_log = aws.cloudwatch.LogGroup(f"{name}-slow-log", retention_in_days=args.settings.log_retention_days,
                                           tags=tags_for(args.tags, name, "slow-log"), opts=child_opts(self))
        failover = args.settings.fails_over
        return aws.elasticache.ReplicationGroup(
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

    def _memcached(self, name: str, args: CacheArgs, cluster_id: str, params: aws.elasticache.ParameterGroup,
                   subnets: aws.elasticache.SubnetGroup) -> aws.elasticache.Cluster:
        # TLS is set at creation only; there is no at-rest encryption, AUTH, snapshot or log delivery to set, and
        # minor upgrades are a Redis OSS/Valkey setting (CreateCacheCluster, ElastiCache API Reference, 2026-12-04).
        nodes = args.settings.nodes
        return aws.elasticache.Cluster(
            f"{name}-cluster",
            cluster_id=cluster_id,
            engine="memcached",
            engine_version=args.settings.engine_version,
            node_type=args.settings.node_type,
            num_cache_nodes=nodes,
            az_mode="cross-az" if nodes >= 2 else "single-az",
            port=args.settings.port,
            parameter_group_name=params.name,
            subnet_group_name=subnets.name,
            security_group_ids=[self._ingress_sg.id],
            transit_encryption_enabled=True,
            maintenance_window=args.settings.maintenance_window,
            tags=tags_for(args.tags, name, "cluster"),
            # Nothing in it outlives a restart, but its name and endpoint do: protected like the other stores.
            opts=stateful_opts(self, args.protect),
        )
