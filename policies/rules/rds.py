"""RDS and Aurora: encryption, TLS, logs, backups, deletion, placement, identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, subjects
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, subjects  # type: ignore[no-redef]

from .shared import setting
from .types import BACKUP_SELECTION, RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_EVENTS, RDS_INSTANCE, RDS_PARAMS

LOG_EXPORT_BY_ENGINE = {"postgres": ("postgresql",), "aurora-postgresql": ("postgresql",), "mysql": ("error",),
                        "mariadb": ("error",), "aurora-mysql": ("error", "audit"), "aurora": ("error", "audit"),
                        "oracle": ("alert",), "sqlserver": ("error",), "db2": ("diag.log",)}
"""The logs each engine must export at least: its primary log (RDS User Guide, "Publishing database logs to
Amazon CloudWatch Logs", checked 2026-11-30), and Aurora MySQL's audit log (FSBP RDS.34, checked 2026-12-04)."""


# ==================================================================================================
# Shared readings
# ==================================================================================================


def effective_engine(res: Subject) -> str | None:
    """The engine a database runs, as AWS reads it: `aurora` is Aurora MySQL's old name, and a cluster without an
    engine is Aurora MySQL (the first Aurora engine, and CloudFormation's and the provider's historical default); an
    instance without one has its engine from a snapshot or source, which the pack cannot see (None)."""
    engine = str(res.props.get("engine") or "")
    if engine == "aurora":
        return "aurora-mysql"
    if not engine and res.type == RDS_CLUSTER:
        return "aurora-mysql"
    return engine or None


# ==================================================================================================
# Encryption at rest
# ==================================================================================================


def storage_encrypted(res: Subject) -> Iterator[str]:
    # A read replica takes its source's encryption (storageEncrypted is not settable on it).
    if res.props.get("replicateSourceDb") or res.props.get("replicationSourceIdentifier"):
        return
    if res.props.get("storageEncrypted") is not True:
        yield f"{res.name} stores data unencrypted (storageEncrypted is not true)."


def force_ssl(res: Subject) -> Iterator[str]:
    family = str(res.props.get("family") or "")
    values = {dig(p, "name"): str(dig(p, "value")) for p in items(res.props.get("parameters"))}
    # PostgreSQL and SQL Server force TLS with rds.force_ssl; MySQL and MariaDB with require_secure_transport
    # (RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance", per engine; checked 2026-11-30).
    if "postgres" in family or family.startswith("sqlserver"):
        if values.get("rds.force_ssl") != "1":
            yield f"Parameter group {res.name} does not force TLS (rds.force_ssl is not 1)."
    elif family.startswith(("mysql", "mariadb", "aurora-mysql", "aurora5")):
        if values.get("require_secure_transport", "").upper() not in ("1", "ON", "TRUE"):
            yield f"Parameter group {res.name} does not force TLS (require_secure_transport is not ON)."


# ==================================================================================================
# Network exposure
# ==================================================================================================


rds_not_public = setting("publiclyAccessible", lambda v: v is not True, "Database {name} is publicly accessible.")


def rds_log_exports(res: Subject) -> Iterator[str]:
    engine = effective_engine(res)
    if engine is None:  # restored from a snapshot or a replica: the engine is its source's, its logs unknown here
        if not as_strings(res.props.get("enabledCloudwatchLogsExports")):
            yield f"Database {res.name} exports no log to CloudWatch."
        return
    needed = LOG_EXPORT_BY_ENGINE.get(engine) or LOG_EXPORT_BY_ENGINE.get(engine.split("-")[0], ("error",))
    missing = [kind for kind in needed if kind not in as_strings(res.props.get("enabledCloudwatchLogsExports"))]
    if missing:
        yield f"Database {res.name} ({engine}) does not export its {' and '.join(missing)} log."


def aurora_backtrack(res: Subject) -> Iterator[str]:
    if effective_engine(res) == "aurora-mysql" and not res.props.get("backtrackWindow"):
        yield f"Aurora MySQL cluster {res.name} cannot be backtracked (backtrackWindow is 0)."


rds_enhanced_monitoring = setting("monitoringInterval", bool, "Database {name} has enhanced monitoring off.")


# ==================================================================================================
# Resilience and data protection
# ==================================================================================================


def backup_retention(res: Subject) -> Iterator[str]:
    days = res.props.get("backupRetentionPeriod")
    minimum = 7 if res.env == "prod" else 1
    if days is None or float(days) < minimum:
        yield f"Database {res.name} keeps backups {days or 0} days; {minimum} is the minimum here."


def final_snapshot(res: Subject) -> Iterator[str]:
    if res.props.get("skipFinalSnapshot") is not False or not res.props.get("finalSnapshotIdentifier"):
        yield f"Database {res.name} would be deleted without a final snapshot."


rds_multi_az = setting("multiAz", lambda v: v is True, "Database {name} is single-AZ.")


def aurora_multi_az(stack: Stack) -> Iterator[tuple[str, str]]:
    members: dict[Any, int] = {}
    for member in stack.of(RDS_CLUSTER_INSTANCE):
        members[member.props.get("clusterIdentifier")] = members.get(member.props.get("clusterIdentifier"), 0) + 1
    for cluster in subjects(stack.of(RDS_CLUSTER)):
        count = members.get(cluster.props.get("id"), 0) + members.get(cluster.props.get("clusterIdentifier"), 0)
        if count < 2:
            yield f"Aurora cluster {cluster.name} has {count} instance(s); a second one in another AZ is needed.", cluster.urn


# ==================================================================================================
# Controls added for breadth (issue 13)
# ==================================================================================================


def rds_iam_auth(res: Subject) -> Iterator[str]:
    if str(effective_engine(res)).startswith("aurora") and res.type == RDS_INSTANCE:
        return  # an Aurora member takes its cluster's setting
    if res.props.get("iamDatabaseAuthenticationEnabled") is not True:
        yield f"Database {res.name} does not accept IAM authentication."


rds_minor_upgrades = setting("autoMinorVersionUpgrade", lambda v: v is not False, "Database {name} does not take automatic minor version upgrades.")


rds_copy_tags = setting("copyTagsToSnapshot", lambda v: v is True, "Database {name} does not copy its tags to snapshots.")


rds_in_vpc = setting("dbSubnetGroupName", bool, "Database {name} names no DB subnet group (it would land in the default VPC).")


def rds_custom_admin(res: Subject) -> Iterator[str]:
    user = str(res.props.get("username") or res.props.get("masterUsername") or "")
    if user.lower() in ("admin", "postgres", "root", "administrator", "master"):
        yield f"Database {res.name} keeps a default administrator name ({user})."


def rds_events(stack: Stack) -> Iterator[tuple[str, str]]:
    kinds = {str(s.props.get("sourceType")) for s in stack.of(RDS_EVENTS)}
    needed = {"db-cluster": RDS_CLUSTER, "db-instance": RDS_INSTANCE, "db-parameter-group": RDS_PARAMS,
              "db-security-group": RDS_INSTANCE}
    for kind, typ in needed.items():
        for res in subjects(stack.of(typ)):
            if kind not in kinds:
                yield f"No RDS event subscription watches {kind} events (for {res.name}).", res.urn


def rds_default_port(res: Subject) -> Iterator[str]:
    defaults = {"postgres": 5432, "aurora-postgresql": 5432, "mysql": 3306, "mariadb": 3306, "aurora-mysql": 3306}
    engine, port = effective_engine(res), res.props.get("port")
    if port is None:  # whatever the engine, an unset port is its default
        yield f"Database {res.name} listens on {engine or 'its engine'}'s default port."
    elif engine in defaults and float(port) == defaults[engine]:
        yield f"Database {res.name} listens on {engine}'s default port."


def rds_backup_plan(stack: Stack) -> Iterator[tuple[str, str]]:
    selected = {a for s in stack.of(BACKUP_SELECTION) for a in as_strings(s.props.get("resources"))}
    for db in subjects(stack.of(RDS_INSTANCE, RDS_CLUSTER)):
        if db.resource_type == RDS_INSTANCE and str(db.props.get("engine") or "").startswith("aurora"):
            continue
        if db.props.get("arn") not in selected and "*" not in selected:
            yield f"Database {db.name} is in no AWS Backup plan.", db.urn
