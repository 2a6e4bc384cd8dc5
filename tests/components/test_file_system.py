"""FileSystem: encrypted EFS, TLS-only, mount targets per AZ, access points, granted NFS."""

from __future__ import annotations

import json

from components import FileSystem, FileSystemArgs, FileSystemSettings


def build(**overrides) -> FileSystemArgs:
    values = dict(vpc_id="vpc-0123456789abcdef0",
                  subnets={"us-east-1a": "subnet-0aaaaaaaaaaaaaaa1", "us-east-1b": "subnet-0aaaaaaaaaaaaaaa2"},
                  settings=FileSystemSettings(access_points={"uploads": {"path": "/uploads", "uid": 1001, "gid": 1001}}))
    values.update(overrides)
    return FileSystemArgs(**values)


def test_file_system_is_encrypted_with_lifecycle_and_backups(record) -> None:
    mon = record(lambda: FileSystem("files", build(protect=True)), stack="prod")
    fs = mon.one("aws:efs/fileSystem:FileSystem")
    assert fs.inputs["encrypted"] is True and fs.inputs["kmsKeyId"] == mon.one("aws:kms/key:Key").outputs["arn"]
    assert fs.inputs["lifecyclePolicies"] == [{"transitionToIa": "AFTER_30_DAYS"},
                                              {"transitionToPrimaryStorageClass": "AFTER_1_ACCESS"}]
    assert fs.protect is True and fs.retain_on_delete is True
    assert mon.one("aws:efs/backupPolicy:BackupPolicy").inputs["backupPolicy"] == {"status": "ENABLED"}


def test_policy_refuses_clients_without_tls(record) -> None:
    mon = record(lambda: FileSystem("files", build()))
    (statement,) = json.loads(mon.one("aws:efs/fileSystemPolicy:FileSystemPolicy").inputs["policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_one_mount_target_per_subnet_behind_a_granted_only_group(record) -> None:
    def build_and_grant():
        files = FileSystem("files", build())
        files.allow_from("api", "sg-0api000000000000a")
        return files.security_group_id

    mon = record(build_and_grant)
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup").id
    targets = {t.name: t.inputs for t in mon.of_type("aws:efs/mountTarget:MountTarget")}
    assert set(targets) == {"files-mount-us-east-1a", "files-mount-us-east-1b"}
    assert all(t["securityGroups"] == [sg] for t in targets.values())
    (rule,) = mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert (rule.inputs["fromPort"], rule.inputs["referencedSecurityGroupId"]) == (2049, "sg-0api000000000000a")


def test_access_points_pin_a_directory_and_its_owner(record) -> None:
    mon = record(lambda: FileSystem("files", build()))
    point = mon.one("aws:efs/accessPoint:AccessPoint").inputs
    assert point["posixUser"] == {"uid": 1001, "gid": 1001}
    assert point["rootDirectory"]["path"] == "/uploads"
    assert point["rootDirectory"]["creationInfo"] == {"ownerUid": 1001, "ownerGid": 1001, "permissions": "0750"}
