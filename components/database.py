"""Database: PostgreSQL or MySQL, as an RDS instance or an Aurora cluster.

This includes:
- a customer-managed KMS key (rotation on) for storage, the master-user secret and Performance Insights;
- a subnet group in the given (isolated) subnets and a security group with no ingress until a
  peer is granted access with `allow_from`;
- a parameter group of the engine's family forcing TLS (`rds.force_ssl = 1` on PostgreSQL,
  `require_secure_transport` on MySQL; the cluster parameter group for Aurora) and turning on the
  logs it exports (MySQL writes its slow-query, general and audit logs only when asked);
- the master password generated and kept by RDS in Secrets Manager (nothing in config or state);
- backups, maintenance window, copy-tags-to-snapshot, deletion protection and a stably named final
  snapshot; Pulumi `protect` and `retainOnDelete` when asked (prod);
- RDS: gp3 storage with autoscaling, multi-AZ; Aurora: provisioned or Serverless v2 instances;
- enhanced monitoring (with its role), Performance Insights and log exports into log groups
  created here with a retention period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components import aws_data
from components._common import (
    IngressGrants,
    PrivateStoreArgs,
    assume_role_policy,
    child_opts,
    physical_name,
    service_role,
    stateful_opts,
    tags_for,
)
from components._runtime import Access, Need, assumed_by, published
from components._settings import (
    BackupWindow,
    MaintenanceWindow,
    Problems,
    RetentionDays,
    Settings,
    check_windows,
    matching,
)

Engine = Literal["postgres", "aurora-postgresql", "mysql", "aurora-mysql"]
"""The engines the program runs: RDS for PostgreSQL, Aurora PostgreSQL, RDS for MySQL, Aurora MySQL."""


@dataclass(frozen=True)
class EngineFacts:
    """What the program needs to know of one engine (each fact cites where it was checked)."""

    label: str
    """The engine's name in messages."""
    aurora: bool
    """An Aurora cluster (True) or an RDS instance."""
    port: int
    """The engine's default port (RDS API Reference, CreateDBInstance/CreateDBCluster `Port`)."""
    tls: tuple[str, str]
    """The parameter (and its value) that refuses connections without TLS."""
    default_logs: tuple[str, ...]
    """Log types exported when none are given."""
    log_parameters: Mapping[str, Mapping[str, str]]
    """Parameters that make the engine write a log type it would otherwise not write (MySQL)."""

    @property
    def mysql(self) -> bool:
        """MySQL-compatible (MySQL semantics for TLS, logs and versions)."""
        return "mysql" in self.label.lower()

    @property
    def sql(self) -> str:
        """The SQL engine, whichever service runs it: PostgreSQL or MySQL."""
        return "MySQL" if self.mysql else "PostgreSQL"


# MySQL writes its slow-query and general logs only when they are on, and only to a file can RDS publish them
# (RDS User Guide, "Publishing MySQL logs to Amazon CloudWatch Logs"; Aurora User Guide, "Publishing Amazon Aurora
# MySQL logs to Amazon CloudWatch Logs": the error log is on by default, the others must be enabled; checked
# 2026-12-04). Aurora MySQL's audit log is its Advanced Auditing (`server_audit_logging`, cluster parameters; the
# events logged are connections and the statements that change users, grants and schemas, not every query).
_MYSQL_LOGS = {"slowquery": {"slow_query_log": "1", "log_output": "FILE"},
               "general": {"general_log": "1", "log_output": "FILE"}}
_MYSQL_AUDIT_EVENTS = "CONNECT,QUERY_DCL,QUERY_DDL"
_AURORA_MYSQL_AUDIT = {"server_audit_logging": "1", "server_audit_events": _MYSQL_AUDIT_EVENTS}
"""Aurora MySQL's Advanced Auditing; RDS for MySQL logs the same events through its audit plugin option."""

ENGINES: Mapping[str, EngineFacts] = {
    # rds.force_ssl (RDS User Guide, "Using SSL with a PostgreSQL DB instance"; Aurora: the cluster parameter).
    # Aurora PostgreSQL has no `upgrade` log (RDS API reference, CreateDBCluster EnableCloudwatchLogsExports;
    # `components.aws_data.rds_log_exports` reads the list).
    "postgres": EngineFacts("RDS for PostgreSQL", False, 5432, ("rds.force_ssl", "1"), ("postgresql", "upgrade"), {}),
    "aurora-postgresql": EngineFacts("Aurora PostgreSQL", True, 5432, ("rds.force_ssl", "1"), ("postgresql",), {}),
    # require_secure_transport: "set to 1 (ON) to require SSL/TLS", dynamic, no reboot (RDS User Guide, "Requiring
    # SSL/TLS for all connections to a MySQL DB instance", the newest page, checked 2026-12-04; Aurora User Guide,
    # "Security with Amazon Aurora MySQL": ON for the DB cluster parameter group).
    "mysql": EngineFacts("RDS for MySQL", False, 3306, ("require_secure_transport", "1"), ("error", "slowquery"),
                         _MYSQL_LOGS),
    "aurora-mysql": EngineFacts("Aurora MySQL", True, 3306, ("require_secure_transport", "ON"),
                                ("error", "slowquery", "audit"), {**_MYSQL_LOGS, "audit": _AURORA_MYSQL_AUDIT}),
}
"""Every engine the program runs, by its RDS name."""

_ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
_CA = "rds-ca-rsa2048-g1"


_PG_MIN_MAJOR = 13
"""The program's floor (not AWS's): older PostgreSQL majors are past their community end of life."""
_MYSQL_MAJORS = ("8.0", "8.4")
"""MySQL majors the program runs (older ones are past their community end of life; AWS's data decides the minors)."""
# Aurora serverless v2 may scale to 0 ACU (auto-pause) only from these versions on (Aurora User Guide, "Aurora
# Serverless v2 capacity"; Aurora MySQL from 3.08.0, every 8.4 release; checked 2026-12-04).
_AURORA_PAUSE_MIN = {13: 15, 14: 12, 15: 7, 16: 3}
_AURORA_MYSQL_PAUSE_MIN = (3, 8, 0)
# RDS for MySQL's audit log comes from the MariaDB Audit Plugin option, offered for MySQL 8.0.28 and higher 8.0
# versions (RDS User Guide, "MariaDB Audit Plugin support for MySQL", checked 2026-12-04); not for 8.4.
_MYSQL_AUDIT_PLUGIN_FROM = ("8.0", 28)
_VERSION_FORMS = {
    "postgres": (r"(\d+)(?:\.(\d+))?", "as a major (RDS picks its current minor) or major.minor"),
    "aurora-postgresql": (r"(\d+)\.(\d+)", "with its minor version"),
    "mysql": (r"(8\.[04])(?:\.(\d+))?", "as 8.0 or 8.4 (RDS picks its current minor) or the full version"),
    "aurora-mysql": (r"(8\.[04])\.mysql_aurora\.(\d+\.\d+\.\d+)", "as Aurora names it"),
}


def _version(problems: Problems, engine: str, value: str) -> tuple[str, str | None] | None:
    """(major, rest) of a version AWS offers new databases, or None after noting why not.

    AWS's lists (components/aws_data.py): RDS takes a major (`16`, `8.0`: its current minor) or a full version;
    Aurora clusters need the full version. Limitless versions need DB shard groups, which this program does not make.
    """
    aurora = ENGINES[engine].aurora
    current = aws_data.rds_current_versions(engine, cluster=aurora)
    example = current[-1] if current else "16"
    pattern, form = _VERSION_FORMS[engine]
    match = re.fullmatch(pattern, value)
    if match is None or (engine in ("postgres", "aurora-postgresql") and int(match.group(1)) < _PG_MIN_MAJOR):
        floor = f"{_PG_MIN_MAJOR} or later" if "postgres" in engine else f"MySQL {' or '.join(_MYSQL_MAJORS)}"
        problems.add("engine_version", f"expected a version of {engine}, {floor}, {form}, e.g. {example}; got {value!r}")
        return None
    status = aws_data.rds_version_status(engine, value, cluster=aurora)
    if status != "current":
        offer = ", ".join(aws_data.rds_suggested_versions(engine, value, cluster=aurora))
        why = "is deprecated: AWS refuses new databases on it" if status == "deprecated" else "is not offered by AWS"
        problems.add("engine_version", f"{engine} {value} {why}; current versions: {offer}")
        return None
    return match.group(1), match.group(2)


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _mysql_audit_plugin(major: str, minor: str | None) -> bool:
    """Whether RDS for MySQL `major`.`minor` has the audit plugin (a bare major gets the current minor)."""
    first_major, first_minor = _MYSQL_AUDIT_PLUGIN_FROM
    return major == first_major and (minor is None or int(minor) >= first_minor)


def _auto_pause_problem(engine: str, version: tuple[str, str | None], written: str) -> str | None:
    """Why an Aurora cluster of `engine` at `version` (major, rest) cannot pause at 0 ACU, or None."""
    major, rest = version
    if engine == "aurora-mysql":
        if major == "8.0" and _numbers(rest or "") < _AURORA_MYSQL_PAUSE_MIN:
            return f"0 ACU (auto-pause) needs Aurora MySQL 3.08.0 or later; got {written}"
        return None
    need = _AURORA_PAUSE_MIN.get(int(major))
    if need is not None and int(rest or 0) < need:
        return f"0 ACU (auto-pause) needs Aurora PostgreSQL {major}.{need} or later; got {written}"
    return None


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


SnapshotRef = Annotated[str, matching(
    r"^([a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(snapshot|cluster-snapshot):[a-zA-Z][a-zA-Z0-9:-]{0,254})$",
    "an RDS snapshot name, or the ARN of a DB or cluster snapshot")]
"""A DB snapshot or cluster snapshot (RDS API Reference: identifiers start with a letter; letters, digits, hyphens)."""


class DatabaseSettings(Settings):
    """`platform:database`: PostgreSQL or MySQL, as an RDS instance or an Aurora cluster."""

    engine: Engine = "postgres"
    """`postgres` (RDS for PostgreSQL), `aurora-postgresql`, `mysql` (RDS for MySQL) or `aurora-mysql`."""
    engine_version: str
    """A version AWS offers new databases (not deprecated). RDS: a major (`16`, `8.0`; RDS picks its current minor,
    and automatic minor upgrades never drift from it) or a full version (`16.15`, `8.0.42`); Aurora needs the full
    version (`16.15`, `8.0.mysql_aurora.3.10.1`)."""
    instance_class: Annotated[str, matching(r"^db\.([a-z0-9-]+\.[a-z0-9]+|serverless)$", "an RDS instance class such as db.t4g.micro or db.r6g.large")]
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
    backtrack_hours: int = Field(0, ge=0, le=72)
    """Aurora MySQL only: how far back the cluster can be rewound in place (0 turns backtracking off; AWS allows up
    to 72 hours). Only a new cluster takes it: turning it on later means restoring a snapshot into a new one."""
    db_name: str = Field("app", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    """Name of the initial database."""
    master_username: str = "appadmin"
    """Master user: 1-16 letters or digits starting with a letter (RDS also takes `_`), not reserved (rdsadmin;
    on PostgreSQL also admin and the SQL key words); its password is generated and kept in Secrets Manager by RDS."""
    port: int = Field(5432, ge=1150, le=65535)
    """Listener port; unset, the engine's own (5432 PostgreSQL, 3306 MySQL)."""
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
    restore_from_snapshot: SnapshotRef | None = None
    """Create the database from this snapshot (its data, database and master user): an RDS snapshot's name or ARN
    for RDS; for Aurora a cluster snapshot's name or ARN, or the ARN of an RDS snapshot of the same engine family to
    move to Aurora (README: Changing the database). Read only when the database is created; leaving it in place, or
    removing it afterwards, changes nothing."""
    log_retention_days: RetentionDays = 30
    """Retention of the exported database logs."""
    performance_insights: bool = False
    """Performance Insights (Database Insights standard); not on micro/small burstable classes."""
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds; 0 turns it off."""
    log_exports: list[str] | None = None
    """Log types exported to CloudWatch Logs, from those the engine offers (PostgreSQL: postgresql, upgrade on RDS,
    instance on Aurora, iam-db-auth-error; MySQL: error, slowquery, general, audit, iam-db-auth-error, instance on
    Aurora). The engine is set to write what is exported. Unset: postgresql (and upgrade on RDS); error and slowquery
    on MySQL, and audit on Aurora MySQL."""
    parameters: dict[Annotated[str, matching(r"^[a-z_.]+$", "an engine parameter name such as log_min_duration_statement or long_query_time")], str] = {}
    """Extra engine parameters (pending the next reboot). The TLS parameter (`rds.force_ssl`, `require_secure_transport`)
    and those that turn on an exported log are the program's and cannot be overridden. Names are checked for form
    only: no AWS data the program pins lists each family's parameters (DescribeEngineDefaultParameters is an API
    call), so a misspelt name is refused by RDS at deploy."""

    @model_validator(mode="before")
    @classmethod
    def _engine_port(cls, data: Any) -> Any:
        # The port's default is the engine's: a MySQL client expects 3306 unless told otherwise.
        engine = data.get("engine") if isinstance(data, dict) else None
        if isinstance(engine, str) and engine in ENGINES and "port" not in data:
            data = {**data, "port": ENGINES[engine].port}
        return data

    @model_validator(mode="after")
    def _engine_rules(self) -> DatabaseSettings:
        problems = Problems()
        facts = ENGINES[self.engine]
        version = _version(problems, self.engine, self.engine_version)
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
        for key in sorted(set(self.parameters) & set(self.program_parameters)):
            why = "TLS required" if key == facts.tls[0] else "it writes an exported log"
            problems.add("parameters", f"{key} is always {self.program_parameters[key]} ({why}); remove it")
        if self.engine == "mysql" and "audit" in self.exported_logs and version is not None:
            if not _mysql_audit_plugin(*version):
                problems.add("log_exports", f"RDS for MySQL writes an audit log only from MySQL 8.0.28 to the last 8.0 "
                                            f"(the MariaDB Audit Plugin); {self.engine_version} has none: drop audit")
        if self.backtrack_hours and self.engine != "aurora-mysql":
            problems.add("backtrack_hours", "backtracking is Aurora MySQL's; remove it")
        if facts.aurora:
            for key in ("allocated_storage_gb", "max_allocated_storage_gb", "multi_az"):
                if key in self.model_fields_set:
                    problems.add(key, f"not used with {self.engine} (storage grows by itself; use `instances` for HA)")
            if (self.instance_class == "db.serverless") != (self.serverless_v2 is not None):
                problems.add("serverless_v2", "set serverless_v2 together with instance_class db.serverless (and only then)")
            if self.serverless_v2 is not None and self.serverless_v2.min_capacity == 0 and version is not None:
                pause = _auto_pause_problem(self.engine, version, self.engine_version)
                if pause:
                    problems.add("serverless_v2.min_capacity", pause)
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
            # or ARN), or migrates an RDS DB snapshot of its family, which only its ARN names (RDS API Reference,
            # RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot `SnapshotIdentifier`; checked 2026-12-04).
            if not facts.aurora and ":cluster-snapshot:" in snapshot:
                problems.add("restore_from_snapshot", "an RDS instance restores from a DB snapshot, not a cluster "
                                                      f"snapshot; give the DB snapshot, or set engine: aurora-{'mysql' if facts.mysql else 'postgresql'}")
        check_windows(problems, "backup_window", self.backup_window, self.maintenance_window, min_minutes=30)
        return problems.done(self)

    @property
    def facts(self) -> EngineFacts:
        """What the program knows of the engine."""
        return ENGINES[self.engine]

    @property
    def exported_logs(self) -> tuple[str, ...]:
        """The log types exported: the given ones, or the engine's default."""
        return tuple(self.log_exports) if self.log_exports is not None else self.facts.default_logs

    @property
    def program_parameters(self) -> dict[str, str]:
        """The parameters the program sets: TLS required, and each exported log written."""
        params = dict([self.facts.tls])
        for kind in self.exported_logs:
            params.update(self.facts.log_parameters.get(kind, {}))
        return params

    @property
    def highly_available(self) -> bool:
        """Survives the loss of one AZ: RDS multi-AZ or Aurora with a reader."""
        return self.instances >= 2 if self.facts.aurora else self.multi_az


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs(PrivateStoreArgs):
    """Inputs for :class:`Database`: its settings (`platform:database`) beside where it lives."""

    settings: DatabaseSettings
    """Engine, size, durability and logging of the database."""


class Database(IngressGrants, pulumi.ComponentResource):
    """PostgreSQL or MySQL (RDS or Aurora), private, encrypted, TLS-only, with RDS-managed credentials."""

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
        facts = args.settings.facts
        aurora = facts.aurora
        family = aws_data.rds_parameter_family(args.settings.engine, args.settings.engine_version)
        # Descriptions are create-only: they keep the wording existing databases were created with.
        self._described = f"{facts.label.removeprefix('RDS for ')} {aws_data.rds_major_version(args.settings.engine, args.settings.engine_version)}"

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
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: {facts.sql}, reachable only from granted groups",
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
            cluster, members = self._aurora(name, args, family, identifier, common, key, monitoring_role, log_groups)
            self.endpoint = cluster.endpoint
            self.reader_endpoint = cluster.reader_endpoint
            self.secret_arn = cluster.master_user_secrets.apply(_managed_secret_arn)
            self.identifier = cluster.cluster_identifier
            self.arn = cluster.arn
            self.instance_identifiers = [m.identifier for m in members]
        else:
            instance = self._rds(name, args, family, identifier, common, key, monitoring_role, log_groups)
            self.endpoint = instance.address
            self.reader_endpoint = instance.address
            self.secret_arn = instance.master_user_secrets.apply(_managed_secret_arn)
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

    def _monitoring(self, args: DatabaseArgs, key: aws.kms.Key, role: aws.iam.Role | None) -> dict[str, Any]:
        return dict(
            monitoring_interval=args.settings.monitoring_interval,
            monitoring_role_arn=role.arn if role is not None else None,
            performance_insights_enabled=args.settings.performance_insights,
            performance_insights_kms_key_id=key.arn if args.settings.performance_insights else None,
            performance_insights_retention_period=7 if args.settings.performance_insights else None,
        )

    def _rds(self, name: str, args: DatabaseArgs, family: str, identifier: str, common: dict[str, Any],
             key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
             log_groups: list[aws.cloudwatch.LogGroup]) -> aws.rds.Instance:
        params = aws.rds.ParameterGroup(
            f"{name}-params", family=family, description=f"{name}: TLS-only {self._described}",
            parameters=_parameters(args.settings), tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        options = None
        if args.settings.engine == "mysql" and "audit" in args.settings.exported_logs:
            # RDS for MySQL writes an audit log only through the MariaDB Audit Plugin option (RDS User Guide, "MariaDB
            # Audit Plugin support for MySQL": option MARIADB_AUDIT_PLUGIN, setting SERVER_AUDIT_EVENTS; 2026-12-04).
            major = aws_data.rds_major_version("mysql", args.settings.engine_version)
            options = aws.rds.OptionGroup(
                f"{name}-options", engine_name="mysql", major_engine_version=major,
                option_group_description=f"{name}: audit log of connections and user, grant and schema changes",
                options=[aws.rds.OptionGroupOptionArgs(option_name="MARIADB_AUDIT_PLUGIN", option_settings=[
                    aws.rds.OptionGroupOptionOptionSettingArgs(name="SERVER_AUDIT_EVENTS", value=_MYSQL_AUDIT_EVENTS)])],
                tags=tags_for(args.tags, name, "options"), opts=child_opts(self),
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
            option_group_name=options.name if options is not None else None,
            backup_window=args.settings.backup_window,
            maintenance_window=args.settings.maintenance_window,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=_CA,
            **self._monitoring(args, key, monitoring_role),
            **common,
            # The snapshot is read once, at creation: removing it later must not replace the database.
            opts=stateful_opts(self, args.protect, depends_on=log_groups, ignore_changes=["snapshot_identifier"]),
        )

    def _aurora(self, name: str, args: DatabaseArgs, family: str, identifier: str, common: dict[str, Any],
                key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
                log_groups: list[aws.cloudwatch.LogGroup]) -> tuple[aws.rds.Cluster, list[aws.rds.ClusterInstance]]:
        params = aws.rds.ClusterParameterGroup(
            f"{name}-params", family=family,
            description=f"{name}: TLS-only {self._described}",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(**p) for p in _parameters(args.settings)],
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
            backtrack_window=args.settings.backtrack_hours * 3600 if args.settings.backtrack_hours else None,
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
                engine=aws.rds.EngineType(args.settings.engine),  # the provider types a member's engine as its enum
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


def _managed_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret | aws.rds.outputs.ClusterMasterUserSecret]) -> str:
    """The master password's secret, which RDS creates and rotates (manage_master_user_password: there is one)."""
    arn = secrets[0].secret_arn
    if arn is None:
        raise ValueError("RDS reported a managed master password without its secret's ARN")
    return arn


def _parameters(settings: DatabaseSettings) -> list[aws.rds.ParameterGroupParameterArgsDict]:
    # The program's parameters (TLS, the exported logs) are dynamic and applied at once; extra parameters may be
    # static, and a static parameter with "immediate" is rejected by the API, so they wait for the next reboot.
    program: list[aws.rds.ParameterGroupParameterArgsDict] = [
        {"name": k, "value": v, "apply_method": "immediate"} for k, v in sorted(settings.program_parameters.items())]
    extra: list[aws.rds.ParameterGroupParameterArgsDict] = [
        {"name": k, "value": v, "apply_method": "pending-reboot"} for k, v in sorted(settings.parameters.items())]
    return program + extra
