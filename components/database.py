"""Database: PostgreSQL as an RDS instance or an Aurora PostgreSQL cluster.

This includes:
- a customer-managed KMS key (rotation on) for storage, the master-user secret and Performance Insights;
- a subnet group in the given (isolated) subnets and a security group with no ingress until a
  peer is granted access with `allow_from`;
- a parameter group forcing TLS (`rds.force_ssl = 1`; the cluster parameter group for Aurora);
- the master password generated and kept by RDS in Secrets Manager (nothing in config or state);
- backups, maintenance window, copy-tags-to-snapshot, deletion protection and a stably named final
  snapshot; Pulumi `protect` and `retainOnDelete` when asked (prod);
- RDS: gp3 storage with autoscaling, multi-AZ; Aurora: provisioned or Serverless v2 instances;
- enhanced monitoring (with its role), Performance Insights and log exports into log groups
  created here with a retention period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components import aws_data
from components._common import (
    IngressGrants, PrivateStoreArgs, assume_role_policy, child_opts, physical_name, service_role, stateful_opts,
    tags_for,
)
from components._runtime import Access, Need, assumed_by, published
from components._settings import (
    BackupWindow, MaintenanceWindow, Problems, RetentionDays, Settings, check_windows, matching,
)

DEFAULT_LOG_EXPORTS = {"postgres": ("postgresql", "upgrade"), "aurora-postgresql": ("postgresql",)}
"""Log types exported when none are given. Aurora PostgreSQL has no `upgrade` log (RDS API reference,
CreateDBCluster EnableCloudwatchLogsExports; `components.aws_data.rds_log_exports` reads the list)."""

_ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
_CA = "rds-ca-rsa2048-g1"


_PG_MIN_MAJOR = 13
"""The program's floor (not AWS's): older PostgreSQL majors are past their community end of life."""
# Aurora serverless v2 may scale to 0 ACU (auto-pause) only from these minor versions on.
_AURORA_PAUSE_MIN = {13: 15, 14: 12, 15: 7, 16: 3}


def _pg_version(problems: Problems, engine: str, value: str) -> tuple[int, int | None] | None:
    """(major, minor) of a version AWS offers new databases, or None after noting why not.

    AWS's lists (components/aws_data.py): RDS takes `16` (its default 16 minor) or `16.15`; Aurora
    clusters need the minor. Limitless versions need DB shard groups, which this program does not make.
    """
    aurora = engine == "aurora-postgresql"
    current = aws_data.rds_current_versions(engine, cluster=aurora)
    example = current[-1] if current else "16"
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", value)
    if match is None or int(match.group(1)) < _PG_MIN_MAJOR or (aurora and match.group(2) is None):
        form = "with its minor version" if aurora else "as a major (RDS picks its current minor) or major.minor"
        problems.add("engine_version", f"expected a version of {engine}, {_PG_MIN_MAJOR} or later, {form}, e.g. "
                                       f"{example}; got {value!r}")
        return None
    status = aws_data.rds_version_status(engine, value, cluster=aurora)
    if status != "current":
        offer = ", ".join(aws_data.rds_suggested_versions(engine, value, cluster=aurora))
        why = "is deprecated: AWS refuses new databases on it" if status == "deprecated" else "is not offered by AWS"
        problems.add("engine_version", f"{engine} {value} {why}; current versions: {offer}")
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None


class ServerlessV2Settings(Settings):
    """Aurora Serverless v2 capacity in ACUs (0.5 steps)."""

    min_capacity: float = Field(ge=0, le=256, multiple_of=0.5)
    """Lowest capacity; 0 lets an idle dev cluster pause."""
    max_capacity: float = Field(ge=1, le=256, multiple_of=0.5)
    """Highest capacity."""
    seconds_until_auto_pause: int = Field(300, ge=300, le=86400)
    """Idle time before pausing (only with min_capacity 0)."""

    @model_validator(mode="after")
    def _ordered(self) -> ServerlessV2Settings:
        problems = Problems()
        if self.max_capacity < self.min_capacity:
            problems.add("max_capacity", f"must be >= min_capacity ({self.min_capacity}); got {self.max_capacity}")
        return problems.done(self)


SnapshotRef = matching(
    r"^([a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):[a-zA-Z][a-zA-Z0-9:-]{0,254})$",
    "an RDS snapshot name, or the ARN of a DB or cluster snapshot")
"""A DB snapshot or cluster snapshot (RDS API Reference: identifiers start with a letter; letters, digits, hyphens)."""


class DatabaseSettings(Settings):
    """`platform:database`: PostgreSQL as an RDS instance or an Aurora cluster."""

    engine: Literal["postgres", "aurora-postgresql"] = "postgres"
    """RDS for PostgreSQL (`postgres`) or Aurora PostgreSQL."""
    engine_version: str
    """PostgreSQL version AWS offers new databases (not deprecated): `16` (RDS picks its current minor, and
    automatic minor upgrades never drift from it) or `16.15`; Aurora needs the minor version."""
    instance_class: matching(r"^db\.([a-z0-9-]+\.[a-z0-9]+|serverless)$", "an RDS instance class such as db.t4g.micro or db.r6g.large")  # type: ignore[valid-type]
    """Instance class orderable for the engine in the stack's region, e.g. db.t4g.micro; Aurora also takes db.serverless."""
    allocated_storage_gb: int | None = Field(None, ge=20, le=65536)
    """RDS only: initial gp3 storage in GiB (20 minimum)."""
    max_allocated_storage_gb: int | None = Field(None, ge=21, le=65536)
    """RDS only: storage autoscaling ceiling in GiB; unset disables autoscaling."""
    multi_az: bool = False
    """RDS only: a synchronous standby in a second AZ."""
    instances: int = Field(1, ge=1, le=15)
    """Aurora only: number of cluster instances (1 writer + readers)."""
    serverless_v2: ServerlessV2Settings | None = None
    """Aurora only: Serverless v2 capacity (requires instance_class db.serverless)."""
    db_name: str = Field("app", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    """Name of the initial database."""
    master_username: str = "appadmin"
    """Master user: 1-16 letters or digits starting with a letter (RDS also takes `_`), not reserved (rdsadmin,
    admin, SQL key words); its password is generated and kept in Secrets Manager by RDS."""
    port: int = Field(5432, ge=1150, le=65535)
    """Listener port."""
    subnet_tier: Literal["isolated", "private"] = "isolated"
    """Network tier the database lives in."""
    backup_retention_days: int = Field(7, ge=1, le=35)
    """Automated backup retention."""
    backup_window: BackupWindow = "03:00-04:00"
    """Daily UTC backup window."""
    maintenance_window: MaintenanceWindow = "mon:04:00-mon:05:00"
    """Weekly UTC maintenance window (must not overlap the backup window)."""
    deletion_protection: bool = True
    """AWS-side deletion protection."""
    final_snapshot: bool = True
    """Take a final snapshot (named `<project>-<stack>-<name>-final`) when the database is deleted."""
    restore_from_snapshot: SnapshotRef | None = None  # type: ignore[valid-type]
    """Create the database from this snapshot (its data, database and master user): an RDS snapshot's name or ARN
    for `postgres`; for Aurora a cluster snapshot's name or ARN, or the ARN of an RDS for PostgreSQL snapshot to move
    to Aurora (README: Changing the database). Read only when the database is created; leaving it in place, or removing it
    afterwards, changes nothing."""
    log_retention_days: RetentionDays = 30
    """Retention of the exported PostgreSQL logs."""
    performance_insights: bool = False
    """Performance Insights (Database Insights standard); not on micro/small burstable classes."""
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds; 0 turns it off."""
    log_exports: list[str] | None = None
    """Log types exported to CloudWatch Logs, from those the engine offers (RDS: postgresql, upgrade,
    iam-db-auth-error; Aurora: instance, postgresql, iam-db-auth-error). Unset: postgresql and upgrade on
    RDS, postgresql on Aurora."""
    parameters: dict[matching(r"^[a-z_.]+$", "a PostgreSQL parameter name such as log_min_duration_statement"), str] = {}  # type: ignore[valid-type]
    """Extra engine parameters; `rds.force_ssl` is always 1 and cannot be overridden."""

    @field_validator("parameters")
    @classmethod
    def _force_ssl_stays(cls, value: dict[str, str]) -> dict[str, str]:
        if "rds.force_ssl" in value:
            raise ValueError("rds.force_ssl is always 1 (TLS required); remove it from parameters")
        return value

    @model_validator(mode="after")
    def _engine_rules(self) -> DatabaseSettings:
        problems = Problems()
        aurora = self.engine == "aurora-postgresql"
        version = _pg_version(problems, self.engine, self.engine_version)
        name_problem = aws_data.rds_master_username_problem(self.engine, self.master_username)
        if name_problem:
            problems.add("master_username", name_problem)
        db_problem = aws_data.rds_database_name_problem(self.engine, self.db_name)
        if db_problem:
            problems.add("db_name", db_problem)
        offered = aws_data.rds_log_exports(self.engine)
        for i, kind in enumerate(self.log_exports or []):
            if kind not in offered:
                problems.add(f"log_exports[{i}]", f"{self.engine} exports only {', '.join(offered)}; got {kind!r}")
        if aurora:
            for key in ("allocated_storage_gb", "max_allocated_storage_gb", "multi_az"):
                if key in self.model_fields_set:
                    problems.add(key, "not used with aurora-postgresql (storage grows by itself; use `instances` for HA)")
            if (self.instance_class == "db.serverless") != (self.serverless_v2 is not None):
                problems.add("serverless_v2", "set serverless_v2 together with instance_class db.serverless (and only then)")
            if self.serverless_v2 is not None and self.serverless_v2.min_capacity == 0 and version is not None:
                major, minor = version
                need = _AURORA_PAUSE_MIN.get(major)
                if need is not None and (minor or 0) < need:
                    problems.add("serverless_v2.min_capacity", f"0 ACU (auto-pause) needs Aurora PostgreSQL {major}.{need} or later; got {self.engine_version}")
        else:
            if "instances" in self.model_fields_set or self.serverless_v2 is not None:
                problems.add("instances", "`instances` and `serverless_v2` are Aurora settings; use multi_az for RDS")
            if self.instance_class == "db.serverless":
                problems.add("instance_class", "db.serverless is an Aurora class; pick e.g. db.t4g.micro for RDS")
            if self.allocated_storage_gb is None:
                problems.add("allocated_storage_gb", "required for RDS (gp3, at least 20)")
            elif self.max_allocated_storage_gb is not None and self.max_allocated_storage_gb <= self.allocated_storage_gb:
                problems.add("max_allocated_storage_gb", f"must exceed allocated_storage_gb ({self.allocated_storage_gb}) or be left out")
            if self.performance_insights and re.match(r"^db\.t\d+g?\.(micro|small)$", self.instance_class):
                problems.add("performance_insights", f"not supported on {self.instance_class}; turn it off or use a medium or larger class")
        snapshot = self.restore_from_snapshot
        if snapshot is not None:
            # RDS restores an instance from a DB snapshot only; Aurora restores a cluster from a cluster snapshot (name
            # or ARN), or migrates an RDS for PostgreSQL DB snapshot, which only its ARN names (RDS API Reference,
            # RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot `SnapshotIdentifier`; checked 2026-12-04).
            if not aurora and ":cluster-snapshot:" in snapshot:
                problems.add("restore_from_snapshot", "an RDS instance restores from a DB snapshot, not a cluster "
                                                      "snapshot; give the DB snapshot, or set engine: aurora-postgresql")
        check_windows(problems, "backup_window", self.backup_window, self.maintenance_window, min_minutes=30)
        return problems.done(self)

    @property
    def exported_logs(self) -> tuple[str, ...]:
        """The log types exported: the given ones, or the engine's default."""
        return tuple(self.log_exports) if self.log_exports is not None else DEFAULT_LOG_EXPORTS[self.engine]

    @property
    def highly_available(self) -> bool:
        """Survives the loss of one AZ: RDS multi-AZ or Aurora with a reader."""
        return self.multi_az if self.engine == "postgres" else self.instances >= 2


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs(PrivateStoreArgs):
    """Inputs for :class:`Database`: its settings (`platform:database`) beside where it lives."""

    settings: DatabaseSettings
    """Engine, size, durability and logging of the database."""


class Database(IngressGrants, pulumi.ComponentResource):
    """PostgreSQL (RDS or Aurora), private, encrypted, TLS-only, with RDS-managed credentials."""

    endpoint: pulumi.Output[str]
    """Writer host name."""
    reader_endpoint: pulumi.Output[str]
    """Reader host name (Aurora reader endpoint; the writer for RDS)."""
    port: pulumi.Output[int]
    """Listener port."""
    db_name: pulumi.Output[str]
    """Name of the initial database."""
    secret_arn: pulumi.Output[str]
    """ARN of the RDS-managed Secrets Manager secret with the master credentials."""
    kms_key_arn: pulumi.Output[str]
    """KMS key encrypting storage and the secret; readers of the secret need kms:Decrypt on it."""
    security_group_id: pulumi.Output[str]
    """The database's security group (no ingress until `allow_from`)."""
    identifier: pulumi.Output[str]
    """RDS instance identifier or Aurora cluster identifier (alarm dimensions)."""
    arn: pulumi.Output[str]
    """ARN of the instance or cluster (AWS Backup selections)."""
    instance_identifiers: list[pulumi.Output[str]]
    """Identifiers of the DB instances (one for RDS, each cluster instance for Aurora), in order."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What enhanced monitoring does at run time (`components._runtime`)."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Database", name, None, opts)
        self._name = name
        self._port = args.settings.port
        self._tags = dict(args.tags)
        aurora = args.settings.engine == "aurora-postgresql"
        major = args.settings.engine_version.split(".")[0]

        # Losing the key loses every backup, so it gets the same protection as the data.
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{name}: database storage, secret and Performance Insights",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=tags_for(args.tags, name, "key"),
            opts=stateful_opts(self, args.protect),
        )
        aws.kms.Alias(f"{name}-key", name=f"alias/{physical_name(name, 200)}", target_key_id=key.key_id,
                      opts=child_opts(self))
        self._ingress_sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: PostgreSQL, reachable only from granted groups",
            tags=tags_for(args.tags, name, "sg"), opts=child_opts(self),
        )
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets", subnet_ids=args.subnet_ids, description=f"{name}: database subnets",
            tags=tags_for(args.tags, name, "subnets"), opts=child_opts(self),
        )
        monitoring_role = None
        needs: list[Need] = []
        if args.settings.monitoring_interval:
            monitoring_role = service_role(
                self, f"{name}-monitoring", trust=assume_role_policy("monitoring.rds.amazonaws.com"),
                description=f"{name}: enhanced monitoring", tags=tags_for(args.tags, name, "monitoring"),
                managed_policy_arns=[_ENHANCED_MONITORING_POLICY])
            who, metrics = f"{name} enhanced monitoring", "arn:aws:logs:*:*:log-group:RDSOSMetrics"
            needs += [
                assumed_by(who, "monitoring.rds.amazonaws.com", monitoring_role.arn, "publish with its role",
                           "database.monitoring_interval"),
                Access(workload=who, principal=monitoring_role.arn, actions=["logs:CreateLogGroup"], resources=[metrics],
                       key="database.monitoring_interval", why="create RDS's OS-metrics log group"),
                Access(workload=who, principal=monitoring_role.arn, actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                       resources=[f"{metrics}:log-stream:db-0123456789"], key="database.monitoring_interval",
                       why="write the OS metrics"),
            ]

        # Explicit, stable identifiers: operators and snapshots know the database by name, and a
        # replacement fails on the name clash instead of quietly creating an empty database.
        identifier = physical_name(name, 57)
        final_snapshot = f"{identifier}-final"
        log_groups = self._log_groups(args, f"/aws/rds/{'cluster' if aurora else 'instance'}/{identifier}")
        common = dict(
            engine=args.settings.engine,
            engine_version=args.settings.engine_version,
            storage_encrypted=True,
            kms_key_id=key.arn,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=key.arn,
            vpc_security_group_ids=[self._ingress_sg.id],
            db_subnet_group_name=subnet_group.name,
            port=args.settings.port,
            backup_retention_period=args.settings.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.settings.deletion_protection,
            skip_final_snapshot=not args.settings.final_snapshot,
            final_snapshot_identifier=final_snapshot if args.settings.final_snapshot else None,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(args.settings.exported_logs),
            # Automated backups outlive the database whenever a final snapshot is wanted.
            delete_automated_backups=not args.settings.final_snapshot,
            tags=tags_for(args.tags, name, "cluster" if aurora else "instance"),
        )
        if aurora:
            cluster, members = self._aurora(name, args, major, identifier, common, key, monitoring_role, log_groups)
            self.endpoint = cluster.endpoint
            self.reader_endpoint = cluster.reader_endpoint
            self.secret_arn = cluster.master_user_secrets.apply(lambda s: s[0].secret_arn)
            self.identifier = cluster.cluster_identifier
            self.arn = cluster.arn
            self.instance_identifiers = [m.identifier for m in members]
        else:
            instance = self._rds(name, args, major, identifier, common, key, monitoring_role, log_groups)
            self.endpoint = instance.address
            self.reader_endpoint = instance.address
            self.secret_arn = instance.master_user_secrets.apply(lambda s: s[0].secret_arn)
            self.identifier = instance.identifier
            self.arn = instance.arn
            self.instance_identifiers = [instance.identifier]
        self.port = pulumi.Output.from_input(args.settings.port)
        self.db_name = pulumi.Output.from_input(args.settings.db_name)
        self.kms_key_arn = key.arn
        self.security_group_id = self._ingress_sg.id
        self.runtime_needs = published(needs)
        self.register_outputs({
            "runtime_needs": self.runtime_needs,
            "endpoint": self.endpoint,
            "reader_endpoint": self.reader_endpoint,
            "port": self.port,
            "db_name": self.db_name,
            "secret_arn": self.secret_arn,
            "kms_key_arn": self.kms_key_arn,
            "security_group_id": self.security_group_id,
            "identifier": self.identifier,
            "arn": self.arn,
            "instance_identifiers": self.instance_identifiers,
        })

    def _log_groups(self, args: DatabaseArgs, prefix: str) -> list[aws.cloudwatch.LogGroup]:
        # RDS would create these itself with no expiry; creating them first sets the retention.
        return [
            aws.cloudwatch.LogGroup(f"{self._name}-log-{kind}", name=f"{prefix}/{kind}",
                                    retention_in_days=args.settings.log_retention_days,
                                    tags=tags_for(args.tags, self._name, f"log-{kind}"), opts=child_opts(self))
            for kind in args.settings.exported_logs
        ]

    def _monitoring(self, args: DatabaseArgs, key: aws.kms.Key, role: aws.iam.Role | None) -> dict:
        return dict(
            monitoring_interval=args.settings.monitoring_interval,
            monitoring_role_arn=role.arn if role is not None else None,
            performance_insights_enabled=args.settings.performance_insights,
            performance_insights_kms_key_id=key.arn if args.settings.performance_insights else None,
            performance_insights_retention_period=7 if args.settings.performance_insights else None,
        )

    def _rds(self, name: str, args: DatabaseArgs, major: str, identifier: str, common: dict,
             key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
             log_groups: list[aws.cloudwatch.LogGroup]) -> aws.rds.Instance:
        params = aws.rds.ParameterGroup(
            f"{name}-params", family=f"postgres{major}", description=f"{name}: TLS-only PostgreSQL {major}",
            parameters=_parameters(args.settings.parameters), tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        return aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            instance_class=args.settings.instance_class,
            # From a snapshot, the database and its master user are the snapshot's.
            db_name=args.settings.db_name if args.settings.restore_from_snapshot is None else None,
            username=args.settings.master_username if args.settings.restore_from_snapshot is None else None,
            snapshot_identifier=args.settings.restore_from_snapshot,
            allocated_storage=args.settings.allocated_storage_gb,
            max_allocated_storage=args.settings.max_allocated_storage_gb,
            storage_type="gp3",
            multi_az=args.settings.multi_az,
            publicly_accessible=False,
            parameter_group_name=params.name,
            backup_window=args.settings.backup_window,
            maintenance_window=args.settings.maintenance_window,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=_CA,
            **self._monitoring(args, key, monitoring_role),
            **common,
            # The snapshot is read once, at creation: removing it later must not replace the database.
            opts=stateful_opts(self, args.protect, depends_on=log_groups, ignore_changes=["snapshot_identifier"]),
        )

    def _aurora(self, name: str, args: DatabaseArgs, major: str, identifier: str, common: dict,
                key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
                log_groups: list[aws.cloudwatch.LogGroup]) -> tuple[aws.rds.Cluster, list[aws.rds.ClusterInstance]]:
        params = aws.rds.ClusterParameterGroup(
            f"{name}-params", family=f"aurora-postgresql{major}",
            description=f"{name}: TLS-only Aurora PostgreSQL {major}",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(**p) for p in _parameters(args.settings.parameters)],
            tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        serverless = None
        scaling = args.settings.serverless_v2
        if scaling is not None:
            serverless = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=scaling.min_capacity, max_capacity=scaling.max_capacity,
                seconds_until_auto_pause=scaling.seconds_until_auto_pause if scaling.min_capacity == 0 else None,
            )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine_mode="provisioned",
            database_name=args.settings.db_name if args.settings.restore_from_snapshot is None else None,
            master_username=args.settings.master_username if args.settings.restore_from_snapshot is None else None,
            snapshot_identifier=args.settings.restore_from_snapshot,
            db_cluster_parameter_group_name=params.name,
            preferred_backup_window=args.settings.backup_window,
            preferred_maintenance_window=args.settings.maintenance_window,
            serverlessv2_scaling_configuration=serverless,
            **common,
            opts=stateful_opts(self, args.protect, depends_on=log_groups, ignore_changes=["snapshot_identifier"]),
        )
        members = []
        # Members are interchangeable (failover promotes any of them), so an ordinal is their
        # stable key: adding one appends, removing the last one never renames the others.
        for ordinal in range(1, args.settings.instances + 1):
            members.append(aws.rds.ClusterInstance(
                f"{name}-instance-{ordinal}",
                identifier=f"{identifier}-{ordinal}",
                cluster_identifier=cluster.id,
                engine=args.settings.engine,
                engine_version=args.settings.engine_version,
                instance_class=args.settings.instance_class,
                db_subnet_group_name=cluster.db_subnet_group_name,
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                ca_cert_identifier=_CA,
                promotion_tier=ordinal - 1,
                **self._monitoring(args, key, monitoring_role),
                tags=tags_for(args.tags, name, f"instance-{ordinal}"),
                opts=stateful_opts(self, args.protect),
            ))
        return cluster, members


def _parameters(extra: Mapping[str, str]) -> list[dict[str, str]]:
    # rds.force_ssl is dynamic and applied at once; extra parameters may be static, and a static
    # parameter with "immediate" is rejected by the API, so they wait for the next reboot.
    return [{"name": "rds.force_ssl", "value": "1", "apply_method": "immediate"}] + [
        {"name": k, "value": v, "apply_method": "pending-reboot"} for k, v in sorted(extra.items())
    ]
