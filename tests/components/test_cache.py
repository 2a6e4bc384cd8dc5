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


# -- Memcached (issue 22) ---------------------------------------------------------------------------------------------


def memcached(**overrides) -> CacheArgs:
    protect = overrides.pop("protect", False)
    settings = CacheSettings(**{"engine": "memcached", "engine_version": "1.6.22", "node_type": "cache.t4g.micro",
                                **overrides})
    return CacheArgs(settings=settings, vpc_id="vpc-0123456789abcdef0", subnet_ids=SUBNETS, protect=protect,
                     tags={"env": "test"})


def test_memcached_is_one_tls_cluster_spread_over_the_azs(record) -> None:
    mon = record(lambda: Cache("cache", memcached(nodes=3, protect=True)))
    cluster = mon.one("aws:elasticache/cluster:Cluster")
    c = cluster.inputs
    assert (c["engine"], c["engineVersion"], c["numCacheNodes"], c["azMode"]) == ("memcached", "1.6.22", 3, "cross-az")
    assert c["transitEncryptionEnabled"] is True and c["port"] == 11211
    assert c["subnetGroupName"] == mon.one("aws:elasticache/subnetGroup:SubnetGroup").outputs["name"]
    assert c["securityGroupIds"] == [mon.one("aws:ec2/securityGroup:SecurityGroup").id]
    assert cluster.protect is True and cluster.retain_on_delete is True
    assert mon.one("aws:elasticache/parameterGroup:ParameterGroup").inputs["family"] == "memcached1.6"
    assert mon.one("aws:elasticache/parameterGroup:ParameterGroup").inputs.get("parameters", []) == []
    # No replication group, and nothing Memcached cannot take: no slow log, no snapshots.
    assert mon.of_type("aws:elasticache/replicationGroup:ReplicationGroup") == []
    assert mon.of_type("aws:cloudwatch/logGroup:LogGroup") == []
    assert not {"snapshotRetentionLimit", "autoMinorVersionUpgrade", "logDeliveryConfigurations"} & set(c)


def test_one_memcached_node_stays_in_one_az(record) -> None:
    assert record(lambda: Cache("cache", memcached())).one("aws:elasticache/cluster:Cluster").inputs["azMode"] == "single-az"


def test_memcached_nodes_are_watched_on_host_cpu_node_by_node(record) -> None:
    import pulumi

    from tests.conftest import resolved

    def dimensions():
        cache = Cache("cache", memcached(nodes=2))
        assert cache.cpu_metric == "CPUUtilization"   # multi-threaded: the host's CPU, not one engine thread
        return pulumi.Output.all(*[pulumi.Output.all(**d) for d in cache.node_dimensions])

    assert resolved(record, dimensions) == [{"CacheClusterId": "platform-test-cache", "CacheNodeId": "0001"},
                                            {"CacheClusterId": "platform-test-cache", "CacheNodeId": "0002"}]


def test_redis_nodes_are_the_groups_member_clusters(record) -> None:
    import pulumi

    from tests.conftest import resolved

    def dimensions():
        cache = Cache("cache", args(nodes=2))
        assert cache.cpu_metric == "EngineCPUUtilization"
        return pulumi.Output.all(*[pulumi.Output.all(**d) for d in cache.node_dimensions])

    assert resolved(record, dimensions) == [{"CacheClusterId": "platform-test-cache-001"},
                                            {"CacheClusterId": "platform-test-cache-002"}]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"engine_version": "1.6.6"}, "Memcached has TLS only from 1.6.12"),      # nearest failing
    ({"engine_version": "1.5.16"}, "Memcached has TLS only from 1.6.12"),
    ({"engine_version": "1.6.99"}, "ElastiCache offers memcached"),
    ({"snapshot_retention_days": 1}, "Memcached keeps no snapshots"),
    ({"final_snapshot": True}, "Memcached keeps no snapshots"),
    ({"snapshot_window": "03:00-05:00"}, "Memcached keeps no snapshots"),
])
def test_memcached_refuses_what_elasticache_cannot_give_it(overrides, message) -> None:
    with pytest.raises(ValidationError, match=message):
        memcached(**overrides)


def test_memcached_needs_its_version_and_takes_the_first_with_tls() -> None:
    with pytest.raises(ValidationError, match="required for memcached, one of 1.6.12, 1.6.17, 1.6.22"):
        CacheSettings(engine="memcached", node_type="cache.t4g.micro")
    assert memcached(engine_version="1.6.12").settings.engine_version == "1.6.12"   # nearest passing
    settings = memcached().settings
    assert (settings.port, settings.parameters, settings.fails_over) == (11211, {}, False)
    assert not memcached(nodes=2).settings.fails_over and args(nodes=2).settings.fails_over
