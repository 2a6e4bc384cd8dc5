"""Database: private, encrypted, TLS-only PostgreSQL with RDS-managed credentials."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import Database, DatabaseArgs, DatabaseSettings

SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def _args(settings: dict, overrides: dict) -> DatabaseArgs:
    """Args in the test VPC; `protect` goes to the Args, every other override to the settings."""
    protect = overrides.pop("protect", False)
    return DatabaseArgs(settings=DatabaseSettings(**{**settings, **overrides}), vpc_id="vpc-0123456789abcdef0",
                        subnet_ids=SUBNETS, protect=protect, tags={"env": "test"})


def rds(**overrides) -> DatabaseArgs:
    return _args(dict(engine_version="16", instance_class="db.t4g.medium", allocated_storage_gb=20,
                      max_allocated_storage_gb=100), overrides)


def aurora(**overrides) -> DatabaseArgs:
    return _args(dict(engine="aurora-postgresql", engine_version="16.15", instance_class="db.r6g.large", instances=2),
                 overrides)


def test_rds_instance_is_private_encrypted_with_its_own_key_and_has_no_password(record) -> None:
    mon = record(lambda: Database("db", rds()))
    instance = mon.one("aws:rds/instance:Instance")
    key = mon.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    i = instance.inputs
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == key.outputs["arn"]
    assert i["publiclyAccessible"] is False
    assert i["manageMasterUserPassword"] is True and i["masterUserSecretKmsKeyId"] == key.outputs["arn"]
    assert "password" not in i
    assert i["storageType"] == "gp3" and i["allocatedStorage"] == 20 and i["maxAllocatedStorage"] == 100
    assert i["copyTagsToSnapshot"] is True and i["engineVersion"] == "16"
    assert i["dbSubnetGroupName"] == mon.one("aws:rds/subnetGroup:SubnetGroup").outputs["name"]
    assert mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"] == SUBNETS


def test_tls_is_forced_through_the_parameter_group(record) -> None:
    mon = record(lambda: Database("db", rds(parameters={"log_min_duration_statement": "500"})))
    group = mon.one("aws:rds/parameterGroup:ParameterGroup")
    assert group.inputs["family"] == "postgres16"
    params = {p["name"]: p for p in group.inputs["parameters"]}
    assert params["rds.force_ssl"]["value"] == "1" and params["rds.force_ssl"]["applyMethod"] == "immediate"
    assert params["log_min_duration_statement"]["applyMethod"] == "pending-reboot"
    assert mon.one("aws:rds/instance:Instance").inputs["parameterGroupName"] == group.outputs["name"]


def test_security_group_admits_only_granted_groups_on_the_db_port(record) -> None:
    def build():
        db = Database("db", rds(port=5433))
        db.allow_from("api", "sg-0api000000000000a")
        return db.security_group_id

    mon = record(build)
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup")
    assert mon.one("aws:rds/instance:Instance").inputs["vpcSecurityGroupIds"] == [sg.id]
    (rule,) = mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.name == "db-from-api"
    assert rule.inputs["securityGroupId"] == sg.id
    assert rule.inputs["referencedSecurityGroupId"] == "sg-0api000000000000a"
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 5433, 5433)
    assert "cidrIpv4" not in rule.inputs
    assert mon.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_without_grants_nothing_reaches_the_database(record) -> None:
    mon = record(lambda: Database("db", rds()))
    assert mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []


def test_protected_database_keeps_key_data_and_a_stably_named_final_snapshot(record) -> None:
    mon = record(lambda: Database("db", rds(protect=True, deletion_protection=True)), stack="prod")
    instance = mon.one("aws:rds/instance:Instance")
    assert instance.inputs["identifier"] == "platform-prod-db"
    assert instance.inputs["finalSnapshotIdentifier"] == "platform-prod-db-final"
    assert instance.inputs["skipFinalSnapshot"] is False and instance.inputs["deleteAutomatedBackups"] is False
    assert instance.inputs["deletionProtection"] is True
    for rec in (instance, mon.one("aws:kms/key:Key")):
        assert rec.protect is True and rec.retain_on_delete is True


def test_unprotected_database_skips_the_final_snapshot(record) -> None:
    mon = record(lambda: Database("db", rds(deletion_protection=False, final_snapshot=False)))
    instance = mon.one("aws:rds/instance:Instance")
    assert instance.inputs["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in instance.inputs
    assert not instance.protect


def test_exported_logs_land_in_groups_with_retention_named_as_rds_names_them(record) -> None:
    mon = record(lambda: Database("db", rds(log_exports=["postgresql", "upgrade"], log_retention_days=14)),
                 stack="dev")
    groups = {g.inputs["name"]: g for g in mon.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {"/aws/rds/instance/platform-dev-db/postgresql", "/aws/rds/instance/platform-dev-db/upgrade"}
    assert all(g.inputs["retentionInDays"] == 14 for g in groups.values())
    instance = mon.one("aws:rds/instance:Instance")
    assert {g.urn for g in groups.values()} <= set(instance.dependencies)


def test_enhanced_monitoring_has_its_role_and_performance_insights_uses_the_key(record) -> None:
    mon = record(lambda: Database("db", rds(monitoring_interval=30, performance_insights=True)))
    instance = mon.one("aws:rds/instance:Instance").inputs
    role = mon.one("aws:iam/role:Role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert instance["monitoringInterval"] == 30 and instance["monitoringRoleArn"] == role.outputs["arn"]
    assert instance["performanceInsightsEnabled"] is True
    assert instance["performanceInsightsKmsKeyId"] == mon.one("aws:kms/key:Key").outputs["arn"]


def test_monitoring_off_creates_no_role(record) -> None:
    mon = record(lambda: Database("db", rds(monitoring_interval=0)))
    assert mon.of_type("aws:iam/role:Role") == []


def test_aurora_cluster_has_tls_cluster_parameters_and_n_instances(record) -> None:
    mon = record(lambda: Database("db", aurora(protect=True)))
    cluster = mon.one("aws:rds/cluster:Cluster")
    c = cluster.inputs
    assert c["engine"] == "aurora-postgresql" and c["storageEncrypted"] is True and c["manageMasterUserPassword"] is True
    assert "masterPassword" not in c
    params = mon.one("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert params.inputs["family"] == "aurora-postgresql16"
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"} in params.inputs["parameters"]
    members = sorted(mon.of_type("aws:rds/clusterInstance:ClusterInstance"), key=lambda m: m.name)
    assert [m.name for m in members] == ["db-instance-1", "db-instance-2"]
    assert [m.inputs["promotionTier"] for m in members] == [0, 1]
    for member in members:
        assert member.inputs["clusterIdentifier"] == cluster.id and member.inputs["publiclyAccessible"] is False
        assert member.protect is True
    assert cluster.protect is True
    assert mon.of_type("aws:rds/instance:Instance") == []


def test_aurora_serverless_v2_can_pause_in_dev(record) -> None:
    mon = record(lambda: Database("db", aurora(instance_class="db.serverless", instances=1, serverless_v2={
        "min_capacity": 0, "max_capacity": 4, "seconds_until_auto_pause": 600})))
    scaling = mon.one("aws:rds/cluster:Cluster").inputs["serverlessv2ScalingConfiguration"]
    assert scaling == {"minCapacity": 0, "maxCapacity": 4, "secondsUntilAutoPause": 600}
    assert mon.one("aws:rds/clusterInstance:ClusterInstance").inputs["instanceClass"] == "db.serverless"


def test_outputs_expose_endpoint_port_secret_and_group(record) -> None:
    mon = record(lambda: Database("db", rds()))
    outputs = mon.one("platform:components:Database").registered_outputs
    assert outputs["endpoint"].endswith(".rds.amazonaws.com") and outputs["port"] == 5432
    assert outputs["secret_arn"].startswith("arn:aws:secretsmanager:")
    assert outputs["security_group_id"] == mon.one("aws:ec2/securityGroup:SecurityGroup").id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"allocated_storage_gb": None}, "required for RDS"),
        ({"instance_class": "db.serverless"}, "db.serverless is an Aurora class"),
        ({"parameters": {"rds.force_ssl": "0"}}, "rds.force_ssl is always 1"),
    ],
)
def test_settings_reject_impossible_combinations(overrides: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        rds(**overrides)


def test_aurora_serverless_settings_go_with_the_serverless_class() -> None:
    with pytest.raises(ValidationError, match="set serverless_v2 together with instance_class db.serverless"):
        aurora(instance_class="db.serverless")


def test_default_log_exports_follow_the_engine(record) -> None:
    # Regression (dev, bioinformatics): Aurora clusters exported `upgrade`, which only RDS for PostgreSQL
    # has; CreateDBCluster refuses it. Each engine's default is a subset of what AWS's API lists.
    from components import aws_data

    instance = record(lambda: Database("db", rds())).one("aws:rds/instance:Instance").inputs
    cluster = record(lambda: Database("db", aurora())).one("aws:rds/cluster:Cluster").inputs
    assert instance["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert cluster["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert set(cluster["enabledCloudwatchLogsExports"]) <= set(aws_data.rds_log_exports("aurora-postgresql"))
    assert set(instance["enabledCloudwatchLogsExports"]) <= set(aws_data.rds_log_exports("postgres"))


def test_the_default_master_user_is_valid_for_both_engines(record) -> None:
    from components import aws_data

    cluster = record(lambda: Database("db", aurora())).one("aws:rds/cluster:Cluster").inputs
    assert cluster["masterUsername"] == "appadmin"
    assert aws_data.rds_master_username_problem("aurora-postgresql", cluster["masterUsername"]) is None
    assert aws_data.rds_master_username_problem("postgres", cluster["masterUsername"]) is None


# -- created from a snapshot (issue 22) -------------------------------------------------------------------------------

DB_SNAPSHOT_ARN = "arn:aws:rds:us-east-1:123456789012:snapshot:platform-prod-db-to-aurora"
CLUSTER_SNAPSHOT_ARN = "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:platform-prod-db-copy"


@pytest.mark.parametrize(("make", "snapshot", "problem"), [
    (rds, "platform-prod-db-before-upgrade", None),                 # a DB snapshot by name
    (rds, DB_SNAPSHOT_ARN, None),
    (rds, CLUSTER_SNAPSHOT_ARN, "an RDS instance restores from a DB snapshot"),
    (aurora, "platform-prod-db-copy", None),                        # a cluster snapshot by name
    (aurora, CLUSTER_SNAPSHOT_ARN, None),
    (aurora, DB_SNAPSHOT_ARN, None),                                # RDS for PostgreSQL -> Aurora
    (rds, "1-starts-with-a-digit", "restore_from_snapshot\n  String should match pattern"),
    (rds, "arn:aws:rds:us-east-1:123456789012:db:platform-prod-db", "restore_from_snapshot\n  String should match pattern"),
])
def test_a_database_is_created_from_a_snapshot_its_engine_can_restore(make, snapshot, problem) -> None:
    if problem is None:
        assert make(restore_from_snapshot=snapshot).settings.restore_from_snapshot == snapshot
    else:
        with pytest.raises(ValidationError, match=problem):
            make(restore_from_snapshot=snapshot)


@pytest.mark.parametrize(("make", "typ", "name", "db_key", "user_key"), [
    (rds, "aws:rds/instance:Instance", "db-instance", "dbName", "username"),
    (aurora, "aws:rds/cluster:Cluster", "db-cluster", "databaseName", "masterUsername"),
])
def test_the_snapshot_is_read_once_and_its_database_and_user_are_kept(record, make, typ, name, db_key, user_key) -> None:
    restored = record(lambda: Database("db", make(restore_from_snapshot=DB_SNAPSHOT_ARN, protect=True))).one(typ, name)
    assert restored.inputs["snapshotIdentifier"] == DB_SNAPSHOT_ARN
    assert db_key not in restored.inputs and user_key not in restored.inputs  # the snapshot's own
    assert restored.inputs["storageEncrypted"] is True and restored.inputs["manageMasterUserPassword"] is True
    # Removing the setting later must not replace the database: the snapshot is ignored after creation.
    fresh = record(lambda: Database("db", make(protect=True))).one(typ, name)
    assert fresh.ignore_changes == restored.ignore_changes == ["snapshotIdentifier"]
    assert fresh.inputs[db_key] == "app" and fresh.protect and fresh.retain_on_delete


# -- MySQL and Aurora MySQL (issue 22) --------------------------------------------------------------------------------


def mysql(**overrides) -> DatabaseArgs:
    return _args(dict(engine="mysql", engine_version="8.0", instance_class="db.t4g.micro", allocated_storage_gb=20),
                 overrides)


def aurora_mysql(**overrides) -> DatabaseArgs:
    return _args(dict(engine="aurora-mysql", engine_version="8.0.mysql_aurora.3.10.1", instance_class="db.r6g.large",
                      instances=2), overrides)


def test_mysql_forces_tls_and_writes_every_log_it_exports(record) -> None:
    mon = record(lambda: Database("db", mysql(parameters={"long_query_time": "2"})))
    group = mon.one("aws:rds/parameterGroup:ParameterGroup")
    assert group.inputs["family"] == "mysql8.0"
    params = {p["name"]: (p["value"], p["applyMethod"]) for p in group.inputs["parameters"]}
    assert params["require_secure_transport"] == ("1", "immediate")
    # The default exports (error, slowquery): MySQL writes the slow-query log only when on, to a file.
    instance = mon.one("aws:rds/instance:Instance").inputs
    assert instance["enabledCloudwatchLogsExports"] == ["error", "slowquery"]
    assert params["slow_query_log"] == ("1", "immediate") and params["log_output"] == ("FILE", "immediate")
    assert "general_log" not in params
    assert params["long_query_time"] == ("2", "pending-reboot")
    assert instance["port"] == 3306 and instance["engine"] == "mysql" and instance["engineVersion"] == "8.0"
    assert instance["iamDatabaseAuthenticationEnabled"] is True and instance["storageEncrypted"] is True
    assert instance["manageMasterUserPassword"] is True and instance["publiclyAccessible"] is False
    assert "optionGroupName" not in instance  # no audit log asked, no plugin
    assert sorted(g.inputs["name"] for g in mon.of_type("aws:cloudwatch/logGroup:LogGroup")) == [
        "/aws/rds/instance/platform-test-db/error", "/aws/rds/instance/platform-test-db/slowquery"]


def test_mysql_audit_log_comes_from_the_audit_plugin_option(record) -> None:
    mon = record(lambda: Database("db", mysql(engine_version="8.0.42", log_exports=["error", "audit"])))
    options = mon.one("aws:rds/optionGroup:OptionGroup")
    assert (options.inputs["engineName"], options.inputs["majorEngineVersion"]) == ("mysql", "8.0")
    (plugin,) = options.inputs["options"]
    assert plugin["optionName"] == "MARIADB_AUDIT_PLUGIN"
    assert plugin["optionSettings"] == [{"name": "SERVER_AUDIT_EVENTS", "value": "CONNECT,QUERY_DCL,QUERY_DDL"}]
    assert mon.one("aws:rds/instance:Instance").inputs["optionGroupName"] == options.outputs["name"]
    params = {p["name"] for p in mon.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params == {"require_secure_transport"}  # slowquery not exported: its switches are not set


@pytest.mark.parametrize(("version", "ok"), [("8.0", True), ("8.0.42", True), ("8.4", False), ("8.4.7", False)])
def test_mysql_audit_log_is_refused_where_the_plugin_is_not_offered(version, ok) -> None:
    if ok:
        assert "audit" in mysql(engine_version=version, log_exports=["audit"]).settings.exported_logs
    else:
        with pytest.raises(ValidationError, match="RDS for MySQL writes an audit log only from MySQL 8.0.28"):
            mysql(engine_version=version, log_exports=["audit"])


@pytest.mark.parametrize(("major", "minor", "offered"), [
    ("8.0", None, True),   # RDS picks the current 8.0 minor
    ("8.0", "28", True),   # the first version with the plugin (nearest passing)
    ("8.0", "27", False),  # nearest failing (AWS's data no longer offers it, so only the helper sees it)
    ("8.4", None, False),
])
def test_the_audit_plugin_boundary(major, minor, offered) -> None:
    from components.database import _mysql_audit_plugin

    assert _mysql_audit_plugin(major, minor) is offered


def test_aurora_mysql_cluster_audits_forces_tls_and_can_backtrack(record) -> None:
    mon = record(lambda: Database("db", aurora_mysql(backtrack_hours=24, protect=True)))
    cluster = mon.one("aws:rds/cluster:Cluster").inputs
    assert cluster["engine"] == "aurora-mysql" and cluster["port"] == 3306
    assert cluster["enabledCloudwatchLogsExports"] == ["error", "slowquery", "audit"]
    assert cluster["backtrackWindow"] == 24 * 3600
    group = mon.one("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    assert group.inputs["family"] == "aurora-mysql8.0"
    params = {p["name"]: p["value"] for p in group.inputs["parameters"]}
    assert params["require_secure_transport"] == "ON"
    assert params["server_audit_logging"] == "1" and params["server_audit_events"] == "CONNECT,QUERY_DCL,QUERY_DDL"
    assert params["slow_query_log"] == "1" and params["log_output"] == "FILE"
    for member in mon.of_type("aws:rds/clusterInstance:ClusterInstance"):
        assert member.inputs["engine"] == "aurora-mysql" and member.protect is True


def test_backtracking_off_sets_no_window(record) -> None:
    assert "backtrackWindow" not in record(lambda: Database("db", aurora_mysql())).one("aws:rds/cluster:Cluster").inputs


@pytest.mark.parametrize(("make", "overrides", "message"), [
    (mysql, {"engine_version": "5.7"}, "expected a version of mysql, MySQL 8.0 or 8.4"),
    (mysql, {"engine_version": "8.1"}, "expected a version of mysql"),
    (mysql, {"engine_version": "8.0.99"}, "is not offered by AWS"),
    (aurora_mysql, {"engine_version": "8.0"}, "as Aurora names it"),
    (aurora_mysql, {"engine_version": "3.10.1"}, "as Aurora names it"),
    (mysql, {"parameters": {"require_secure_transport": "0"}}, "require_secure_transport is always 1"),
    (mysql, {"parameters": {"slow_query_log": "0"}}, "slow_query_log is always 1 .it writes an exported log"),
    (aurora_mysql, {"parameters": {"server_audit_logging": "0"}}, "server_audit_logging is always 1"),
    (mysql, {"backtrack_hours": 1}, "backtracking is Aurora MySQL's"),
    (rds, {"backtrack_hours": 1}, "backtracking is Aurora MySQL's"),
    (aurora_mysql, {"backtrack_hours": 73}, "less than or equal to 72"),
    (mysql, {"restore_from_snapshot": CLUSTER_SNAPSHOT_ARN}, "or set engine: aurora-mysql"),
    (aurora_mysql, {"multi_az": True}, "not used with aurora-mysql"),
    (mysql, {"log_exports": ["postgresql"]}, "mysql exports only audit, error, general, slowquery"),
])
def test_mysql_settings_refuse_what_aws_or_the_engine_would(make, overrides, message) -> None:
    with pytest.raises(ValidationError, match=message):
        make(**overrides)


def test_mysql_parameters_the_program_does_not_own_are_free(record) -> None:
    # Nearest passing: the general log's switch is the user's while the general log is not exported.
    assert mysql(parameters={"general_log": "0"}).settings.parameters == {"general_log": "0"}
    assert aurora_mysql(backtrack_hours=72).settings.backtrack_hours == 72


def test_the_port_defaults_to_the_engines_and_can_be_moved() -> None:
    assert mysql().settings.port == 3306 and aurora_mysql().settings.port == 3306
    assert rds().settings.port == aurora().settings.port == 5432
    assert mysql(port=3307).settings.port == 3307


def test_aurora_mysql_can_pause_on_every_version_aws_offers() -> None:
    scaling = {"min_capacity": 0, "max_capacity": 2}
    for version in ("8.0.mysql_aurora.3.10.1", "8.4.mysql_aurora.8.4.7"):
        aurora_mysql(engine_version=version, instance_class="db.serverless", instances=1, serverless_v2=scaling)


@pytest.mark.parametrize(("engine", "version", "problem"), [
    ("aurora-mysql", ("8.0", "3.08.0"), None),          # the first Aurora MySQL that pauses (nearest passing)
    ("aurora-mysql", ("8.0", "3.07.1"), "needs Aurora MySQL 3.08.0 or later"),  # nearest failing
    ("aurora-mysql", ("8.4", "8.4.7"), None),
    ("aurora-postgresql", ("16", "3"), None),
    ("aurora-postgresql", ("16", "2"), "needs Aurora PostgreSQL 16.3 or later"),
])
def test_the_auto_pause_boundary(engine, version, problem) -> None:
    from components.database import _auto_pause_problem

    found = _auto_pause_problem(engine, version, "x")
    assert found is None if problem is None else problem in found


def test_mysql_prod_durability_reads_the_engine() -> None:
    assert mysql(multi_az=True).settings.highly_available and not mysql().settings.highly_available
    assert aurora_mysql().settings.highly_available and not aurora_mysql(instances=1).settings.highly_available
