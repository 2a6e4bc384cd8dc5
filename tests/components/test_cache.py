"""Cache: private, encrypted, TLS-only Redis/Valkey with failover from two nodes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components import Cache, CacheArgs, CacheSettings

SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def args(**overrides) -> CacheArgs:
    """Args in the test VPC; `protect` goes to the Args, every other override to the settings."""
    protect = overrides.pop("protect", False)
    settings = CacheSettings(**{"node_type": "cache.t4g.micro", "parameters": {"maxmemory-policy": "allkeys-lru"},
                                **overrides})
    return CacheArgs(settings=settings, vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS, protect=protect,
                     tags={"env": "test"})


def test_cache_is_encrypted_at_rest_and_requires_tls(record) -> None:
    mon = record(lambda: Cache("cache", args()))
    group = mon.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert group["atRestEncryptionEnabled"] is True
    assert group["transitEncryptionEnabled"] is True and group["transitEncryptionMode"] == "required"
    assert group["subnetGroupName"] == mon.one("aws:elasticache/subnetGroup:SubnetGroup").outputs["name"]
    assert mon.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"] == SUBNETS


def test_one_node_has_no_failover_two_nodes_fail_over_across_azs(record) -> None:
    single = record(lambda: Cache("cache", args(nodes=1))).one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert single.inputs["numCacheClusters"] == 1
    assert single.inputs["automaticFailoverEnabled"] is False and single.inputs["multiAzEnabled"] is False
    pair = record(lambda: Cache("cache", args(nodes=2))).one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert pair.inputs["numCacheClusters"] == 2
    assert pair.inputs["automaticFailoverEnabled"] is True and pair.inputs["multiAzEnabled"] is True


def test_parameter_group_family_follows_engine_and_version(record) -> None:
    mon = record(lambda: Cache("cache", args(engine="valkey", engine_version="8.0")))
    params = mon.one("aws:elasticache/parameterGroup:ParameterGroup")
    assert params.inputs["family"] == "valkey8"
    assert params.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "allkeys-lru"}]
    assert mon.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["parameterGroupName"] == params.outputs["name"]


def test_snapshots_final_snapshot_and_protection(record) -> None:
    mon = record(lambda: Cache("cache", args(snapshot_retention_days=5, snapshot_window="03:00-05:00",
                                             protect=True)), stack="prod")
    group = mon.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.inputs["snapshotRetentionLimit"] == 5 and group.inputs["snapshotWindow"] == "03:00-05:00"
    assert group.inputs["finalSnapshotIdentifier"] == "platform-prod-cache-final"
    assert group.protect is True and group.retain_on_delete is True


def test_slow_log_goes_to_a_group_with_retention(record) -> None:
    mon = record(lambda: Cache("cache", args(log_retention_days=14)))
    log = mon.one("aws:cloudwatch/logGroup:LogGroup")
    assert log.inputs["retentionInDays"] == 14
    (delivery,) = mon.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["logDeliveryConfigurations"]
    assert delivery["destination"] == log.outputs["name"] and delivery["logType"] == "slow-log"


def test_only_granted_groups_reach_the_cache_port(record) -> None:
    def build():
        cache = Cache("cache", args())
        cache.allow_from("worker", "sg-0worker00000000000")
        return cache.security_group_id

    mon = record(build)
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup")
    (rule,) = mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.name == "cache-from-worker" and rule.inputs["securityGroupId"] == sg.id
    assert rule.inputs["referencedSecurityGroupId"] == "sg-0worker00000000000"
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (6379, 6379)


def test_redis_6_2_uses_the_family_aws_names_redis6_x(record) -> None:
    # AWS names families unevenly; "redis6" (engine + major) does not exist and CreateCacheParameterGroup
    # refuses it. The family comes from the API model's list (components/aws_data.py).
    params = record(lambda: Cache("cache", args(engine="redis", engine_version="6.2"))).one(
        "aws:elasticache/parameterGroup:ParameterGroup")
    assert params.inputs["family"] == "redis6.x"


def test_a_version_without_a_family_is_refused_before_anything_is_declared() -> None:
    with pytest.raises(ValidationError, match="expected one of .* for valkey .*got '9.0'"):
        args(engine="valkey", engine_version="9.0")
