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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components._common import (
    IngressGrants, assume_role_policy, child_opts, physical_name, service_role, stateful_opts, tags_for,
)

DEFAULT_LOG_EXPORTS = {"postgres": ("postgresql", "upgrade"), "aurora-postgresql": ("postgresql",)}
"""Log types exported when none are given. Aurora PostgreSQL has no `upgrade` log (RDS API reference,
CreateDBCluster EnableCloudwatchLogsExports; `components.aws_data.rds_log_exports` reads the list)."""

_ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
_CA = "rds-ca-rsa2048-g1"


@dataclass(frozen=True, kw_only=True)
class DatabaseArgs:
    """Inputs for :class:`Database`."""

    vpc_id: pulumi.Input[str]
    """VPC of the database's security group."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets (two AZs or more) for the subnet group; isolated ones by default."""
    engine: Literal["postgres", "aurora-postgresql"] = "postgres"
    """RDS for PostgreSQL or Aurora PostgreSQL."""
    engine_version: str
    """Engine version (`16.3`; major-only such as `16` is fine for RDS)."""
    instance_class: str
    """Instance class (`db.t4g.micro`, `db.r6g.large`, `db.serverless`)."""
    allocated_storage_gb: int | None = None
    """RDS: initial gp3 storage."""
    max_allocated_storage_gb: int | None = None
    """RDS: storage autoscaling ceiling; None disables autoscaling."""
    multi_az: bool = False
    """RDS: synchronous standby in another AZ."""
    instances: int = 1
    """Aurora: number of cluster instances."""
    serverless_capacity: tuple[float, float] | None = None
    """Aurora Serverless v2 (min, max) ACUs."""
    seconds_until_auto_pause: int | None = None
    """Aurora Serverless v2 with min 0: idle seconds before pausing."""
    db_name: str = "app"
    """Initial database name."""
    master_username: str = "appadmin"
    """Master user name (1-16 letters or digits: Aurora takes no `_`); the password lives only in Secrets Manager."""
    port: int = 5432
    """Listener port."""
    backup_retention_days: int = 7
    """Automated backup retention."""
    backup_window: str = "03:00-04:00"
    """Daily UTC backup window."""
    maintenance_window: str = "mon:04:00-mon:05:00"
    """Weekly UTC maintenance window."""
    deletion_protection: bool = True
    """AWS-side deletion protection."""
    final_snapshot: bool = True
    """Take a stably named final snapshot (`<identifier>-final`) when the database is deleted."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the key, database and its instances."""
    performance_insights: bool = False
    """Performance Insights, encrypted with the database key."""
    monitoring_interval: int = 60
    """Enhanced monitoring interval (seconds); 0 = off."""
    log_exports: Sequence[str] | None = None
    """Log types exported to CloudWatch Logs; None: the engine's `DEFAULT_LOG_EXPORTS`."""
    log_retention_days: int = 30
    """Retention of the exported-log groups."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    """Extra engine parameters (applied at the next reboot)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        aurora = self.engine == "aurora-postgresql"
        if not aurora and self.allocated_storage_gb is None:
            raise ValueError("DatabaseArgs: RDS needs allocated_storage_gb")
        if aurora and self.multi_az:
            raise ValueError("DatabaseArgs: multi_az is an RDS setting; use instances for Aurora")
        if (self.instance_class == "db.serverless") != (self.serverless_capacity is not None):
            raise ValueError("DatabaseArgs: serverless_capacity goes with instance_class db.serverless")
        if "rds.force_ssl" in self.parameters:
            raise ValueError("DatabaseArgs: rds.force_ssl is always 1")

    @property
    def exported_logs(self) -> tuple[str, ...]:
        """The log types exported: the given ones, or the engine's default."""
        return tuple(self.log_exports) if self.log_exports is not None else DEFAULT_LOG_EXPORTS[self.engine]


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

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Database", name, None, opts)
        self._name = name
        self._port = args.port
        self._tags = dict(args.tags)
        aurora = args.engine == "aurora-postgresql"
        major = args.engine_version.split(".")[0]

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
        if args.monitoring_interval:
            monitoring_role = service_role(
                self, f"{name}-monitoring", trust=assume_role_policy("monitoring.rds.amazonaws.com"),
                description=f"{name}: enhanced monitoring", tags=tags_for(args.tags, name, "monitoring"),
                managed_policy_arns=[_ENHANCED_MONITORING_POLICY])

        # Explicit, stable identifiers: operators and snapshots know the database by name, and a
        # replacement fails on the name clash instead of quietly creating an empty database.
        identifier = physical_name(name, 57)
        final_snapshot = f"{identifier}-final"
        log_groups = self._log_groups(args, f"/aws/rds/{'cluster' if aurora else 'instance'}/{identifier}")
        common = dict(
            engine=args.engine,
            engine_version=args.engine_version,
            storage_encrypted=True,
            kms_key_id=key.arn,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=key.arn,
            vpc_security_group_ids=[self._ingress_sg.id],
            db_subnet_group_name=subnet_group.name,
            port=args.port,
            backup_retention_period=args.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.final_snapshot,
            final_snapshot_identifier=final_snapshot if args.final_snapshot else None,
            iam_database_authentication_enabled=True,
            enabled_cloudwatch_logs_exports=list(args.exported_logs),
            # Automated backups outlive the database whenever a final snapshot is wanted.
            delete_automated_backups=not args.final_snapshot,
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
        self.port = pulumi.Output.from_input(args.port)
        self.db_name = pulumi.Output.from_input(args.db_name)
        self.kms_key_arn = key.arn
        self.security_group_id = self._ingress_sg.id
        self.register_outputs({
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
                                    retention_in_days=args.log_retention_days,
                                    tags=tags_for(args.tags, self._name, f"log-{kind}"), opts=child_opts(self))
            for kind in args.exported_logs
        ]

    def _monitoring(self, args: DatabaseArgs, key: aws.kms.Key, role: aws.iam.Role | None) -> dict:
        return dict(
            monitoring_interval=args.monitoring_interval,
            monitoring_role_arn=role.arn if role is not None else None,
            performance_insights_enabled=args.performance_insights,
            performance_insights_kms_key_id=key.arn if args.performance_insights else None,
            performance_insights_retention_period=7 if args.performance_insights else None,
        )

    def _rds(self, name: str, args: DatabaseArgs, major: str, identifier: str, common: dict,
             key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
             log_groups: list[aws.cloudwatch.LogGroup]) -> aws.rds.Instance:
        params = aws.rds.ParameterGroup(
            f"{name}-params", family=f"postgres{major}", description=f"{name}: TLS-only PostgreSQL {major}",
            parameters=_parameters(args.parameters), tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        return aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            instance_class=args.instance_class,
            db_name=args.db_name,
            username=args.master_username,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb,
            storage_type="gp3",
            multi_az=args.multi_az,
            publicly_accessible=False,
            parameter_group_name=params.name,
            backup_window=args.backup_window,
            maintenance_window=args.maintenance_window,
            auto_minor_version_upgrade=True,
            ca_cert_identifier=_CA,
            **self._monitoring(args, key, monitoring_role),
            **common,
            opts=stateful_opts(self, args.protect, depends_on=log_groups),
        )

    def _aurora(self, name: str, args: DatabaseArgs, major: str, identifier: str, common: dict,
                key: aws.kms.Key, monitoring_role: aws.iam.Role | None,
                log_groups: list[aws.cloudwatch.LogGroup]) -> tuple[aws.rds.Cluster, list[aws.rds.ClusterInstance]]:
        params = aws.rds.ClusterParameterGroup(
            f"{name}-params", family=f"aurora-postgresql{major}",
            description=f"{name}: TLS-only Aurora PostgreSQL {major}",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(**p) for p in _parameters(args.parameters)],
            tags=tags_for(args.tags, name, "params"), opts=child_opts(self),
        )
        serverless = None
        if args.serverless_capacity is not None:
            low, high = args.serverless_capacity
            serverless = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                min_capacity=low, max_capacity=high,
                seconds_until_auto_pause=args.seconds_until_auto_pause if low == 0 else None,
            )
        cluster = aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine_mode="provisioned",
            database_name=args.db_name,
            master_username=args.master_username,
            db_cluster_parameter_group_name=params.name,
            preferred_backup_window=args.backup_window,
            preferred_maintenance_window=args.maintenance_window,
            serverlessv2_scaling_configuration=serverless,
            **common,
            opts=stateful_opts(self, args.protect, depends_on=log_groups),
        )
        members = []
        # Members are interchangeable (failover promotes any of them), so an ordinal is their
        # stable key: adding one appends, removing the last one never renames the others.
        for ordinal in range(1, args.instances + 1):
            members.append(aws.rds.ClusterInstance(
                f"{name}-instance-{ordinal}",
                identifier=f"{identifier}-{ordinal}",
                cluster_identifier=cluster.id,
                engine=args.engine,
                engine_version=args.engine_version,
                instance_class=args.instance_class,
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
