"""DataLayer: an app stack reads its data stack's exports and grants on them, owning nothing of it."""

from __future__ import annotations

import json

import pytest

from components.data_layer import DataLayer, DataLayerArgs, DataStackSettings

# What a data stack exports (the names __main__.py exports), as the engine hands them over: numbers
# arrive as JSON floats.
EXPORTS = {
    "network_vpc_id": "vpc-0a1b2c3d", "network_vpc_cidr": "10.40.0.0/16",
    "network_availability_zones": ["us-east-1a", "us-east-1b"],
    "network_public_subnet_ids": ["subnet-pub1", "subnet-pub2"],
    "network_private_subnet_ids": ["subnet-prv1", "subnet-prv2"],
    "network_isolated_subnet_ids": ["subnet-iso1", "subnet-iso2"],
    "db_endpoint": "db.example.internal", "db_reader_endpoint": "db.example.internal", "db_port": 5432.0,
    "db_name": "app", "db_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1",
    "db_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/db", "db_security_group_id": "sg-db",
    "cache_primary_endpoint": "cache.example.internal", "cache_port": 6379.0, "cache_security_group_id": "sg-cache",
    "secrets_arns": {"jwt-secret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt"},
    "secrets_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/secrets",
    "files_file_system_id": "fs-1", "files_file_system_arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1",
    "files_access_point_ids": {"uploads": "fsap-1"},
    "files_access_point_arns": {"uploads": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1"},
    "files_security_group_id": "sg-files",
    "storage_bucket_names": {"media": "media-bucket"}, "storage_bucket_arns": {"media": "arn:aws:s3:::media-bucket"},
    "storage_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/buckets",
}


def layer(**overrides) -> DataLayer:
    """The app stack's view of a data stack holding everything; overrides are DataStackSettings fields."""
    settings = dict(name="acme/platform/data", database=True, cache=True, secrets=["jwt-secret"],
                    access_points=["uploads"], buckets=["media"])
    settings.update(overrides)
    return DataLayer("data", DataLayerArgs(settings=DataStackSettings(**settings), region="us-east-1",
                                           tags={"env": "test"}))


def test_reads_one_stack_reference_and_hands_out_typed_values(record) -> None:
    seen: dict = {}

    def build():
        data = layer()
        seen["data"] = data
        assert data.database is not None and data.cache is not None and data.file_system is not None
        return {"port": data.database.port, "cache_port": data.cache.port, "private": data.network.subnet_ids("private"),
                "ap": data.file_system.access_point_ids["uploads"], "secret": data.secrets.arns["jwt-secret"]}

    mon = record(build, stack_outputs={"acme/platform/data": EXPORTS})
    ref = mon.one("pulumi:pulumi:StackReference")
    assert ref.read and ref.inputs["name"] == "acme/platform/data"
    assert ref.parent == mon.one("platform:components:DataLayer").urn
    # Only the read: declaring the layer creates nothing in the app stack.
    assert [r.type for r in mon.records() if r.custom] == ["pulumi:pulumi:StackReference"]


def test_ports_arrive_as_integers_not_json_floats(record) -> None:
    got: dict = {}

    def build():
        data = layer()
        return data.database.port.apply(lambda p: got.update(db=p)), data.cache.port.apply(lambda p: got.update(cache=p))

    record(build, stack_outputs={"acme/platform/data": EXPORTS})
    assert got == {"db": 5432, "cache": 6379} and all(type(v) is int for v in got.values())


def test_grants_are_this_stacks_rules_on_the_data_stacks_groups(record) -> None:
    def build():
        data = layer()
        data.database.allow_from("api", "sg-api")
        data.cache.allow_from("api", "sg-api")
        data.file_system.allow_from("worker", "sg-worker")
        data.storage.grant("api", "api-task-role", {"media": "read"})

    mon = record(build, stack_outputs={"acme/platform/data": EXPORTS})
    component = mon.one("platform:components:DataLayer").urn
    rules = {r.name: r for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert {n: (r.inputs["securityGroupId"], r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"])
            for n, r in rules.items()} == {
        "db-from-api": ("sg-db", "sg-api", 5432), "cache-from-api": ("sg-cache", "sg-api", 6379),
        "files-from-worker": ("sg-files", "sg-worker", 2049)}
    assert all(r.parent == component for r in rules.values())
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy", "storage-grant-api").inputs["policy"])
    assert {s["Sid"]: s["Resource"] for s in policy["Statement"]} == {
        "ReadMedia": "arn:aws:s3:::media-bucket/*", "ReadMediaList": "arn:aws:s3:::media-bucket",
        "UseBucketKey": "arn:aws:kms:us-east-1:123456789012:key/buckets"}

def test_an_entry_the_data_stack_does_not_export_fails_by_name(record) -> None:
    with pytest.raises(Exception, match="files_access_point_(ids|arns) has no 'avatars'"):
        record(lambda: layer(access_points=["avatars"]).file_system.access_point_ids["avatars"],
               stack_outputs={"acme/platform/data": EXPORTS})


def test_an_unknown_stack_is_an_error_in_the_harness_not_an_empty_answer(record) -> None:
    with pytest.raises(Exception, match="no exports for it"):
        record(lambda: layer().network.vpc_id, stack_outputs={})
