"""The whole program (`__main__.py`) per committed stack, under mocks."""

from __future__ import annotations

import json

import pytest

from stack_config import ConfigError
from tools.harness import RecordingMonitor, run_program

STATEFUL_TYPES = {
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:kms/key:Key",
    "aws:elasticache/replicationGroup:ReplicationGroup",
}
"""Resources whose loss loses data (keys included: without them backups are unreadable)."""


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_stack_declares_every_component_and_exports(stack, name: str) -> None:
    mon = stack(name)
    components = {r.type for r in mon.records() if not r.custom}
    assert {"platform:components:Network", "platform:components:Database", "platform:components:Cache"} <= components
    assert mon.exports["env"] == name
    for key in ("network_vpc_id", "network_private_subnet_ids", "db_endpoint", "db_secret_arn", "cache_primary_endpoint"):
        assert mon.exports[key], key


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_resource_belongs_to_a_component(stack, name: str) -> None:
    mon = stack(name)
    loose = [r.name for r in mon.records() if r.custom and mon.component_of(r) is None]
    assert loose == []


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_child_names_are_prefixed_with_their_component(stack, name: str) -> None:
    mon = stack(name)
    for rec in mon.records():
        owner = mon.component_of(rec)
        if owner is not None:
            assert rec.name.startswith(f"{owner.name}-"), (rec.type, rec.name)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_taggable_resources_carry_env_owner_and_a_name(stack, name: str) -> None:
    mon = stack(name)
    tagged = [r for r in mon.records() if r.custom and "tags" in r.inputs]
    assert len(tagged) > 20
    for rec in tagged:
        tags = rec.inputs["tags"]
        owner = mon.component_of(rec)
        assert owner is not None
        assert tags["env"] == name and tags["owner"] and tags["cost-center"], rec.name
        assert tags["Name"].startswith(f"{owner.name}-"), (rec.name, tags["Name"])


def test_stateful_resources_are_protected_and_retained_in_prod(stack) -> None:
    stateful = [r for r in stack("prod").records() if r.type in STATEFUL_TYPES]
    assert {r.type for r in stateful} >= {"aws:rds/instance:Instance", "aws:kms/key:Key",
                                         "aws:elasticache/replicationGroup:ReplicationGroup"}
    for rec in stateful:
        assert rec.protect is True and rec.retain_on_delete is True, rec.name


def test_dev_can_be_torn_down(stack) -> None:
    for rec in stack("dev").records():
        assert not rec.protect, rec.name


def test_prod_database_survives_an_az_and_a_mistake(stack) -> None:
    db = stack("prod").one("aws:rds/instance:Instance")
    assert db.inputs["multiAz"] is True
    assert db.inputs["deletionProtection"] is True
    assert db.inputs["backupRetentionPeriod"] >= 14
    assert db.inputs["skipFinalSnapshot"] is False and db.inputs["finalSnapshotIdentifier"] == "platform-prod-db-final"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_no_password_in_inputs_or_exports(stack, name: str) -> None:
    mon = stack(name)
    for rec in mon.records():
        assert not {"password", "masterPassword", "authToken"} & set(rec.inputs), rec.name
    assert "password" not in json.dumps(mon.exports).lower()


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_database_and_cache_sit_in_isolated_subnets(stack, name: str) -> None:
    mon = stack(name)
    isolated = set(mon.exports["network_isolated_subnet_ids"])
    assert set(mon.one("aws:rds/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated
    assert set(mon.one("aws:elasticache/subnetGroup:SubnetGroup").inputs["subnetIds"]) == isolated


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_program_tolerates_unknowns_in_preview(stack, name: str) -> None:
    mon = stack(name, preview=True)
    assert len([r for r in mon.records() if r.custom]) == len([r for r in stack(name).records() if r.custom])


def test_bad_config_fails_before_any_resource_is_declared() -> None:
    monitor = RecordingMonitor()
    with pytest.raises(ConfigError, match=r"network\.cidr: expected an IPv4 network"):
        run_program("dev", overrides={"network": {"cidr": "10.0.0.0/33"}}, monitor=monitor)
    assert monitor.registered == {}
    assert monitor.invocations == []


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_only_granted_security_groups_reach_database_and_cache_ports(stack, name: str) -> None:
    mon = stack(name)
    guarded = {mon.one("aws:ec2/securityGroup:SecurityGroup", "db-sg").id: 5432,
               mon.one("aws:ec2/securityGroup:SecurityGroup", "cache-sg").id: 6379}
    for rule in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        port = guarded.get(rule.inputs["securityGroupId"])
        if port is None:
            continue
        assert rule.inputs.get("referencedSecurityGroupId"), rule.name
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs), rule.name
        assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (port, port), rule.name
