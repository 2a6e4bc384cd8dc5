"""FileSystem: an encrypted EFS file system for task volumes.

This includes a customer-managed KMS key, lifecycle rules (to Infrequent Access and back on
access), automatic backups, a file system policy refusing non-TLS and anonymous clients, one
mount target per given subnet, a security group open on NFS only to granted peers
(`allow_from`), and access points (a directory with a fixed POSIX owner each).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components._common import IngressGrants, child_opts, policy_document, stateful_opts, tags_for
from components._settings import AbsolutePath, SecretKey, Settings, matching


class AccessPointSettings(Settings):
    """An EFS access point: a directory with a fixed POSIX owner."""

    path: AbsolutePath
    """Root directory of the access point."""
    uid: int = Field(1000, ge=0, le=4294967295)
    """POSIX user id files are created with."""
    gid: int = Field(1000, ge=0, le=4294967295)
    """POSIX group id files are created with."""
    permissions: Annotated[str, matching(r"^[0-7]{3,4}$", "octal permissions such as 0750")] = "0750"
    """Permissions of the root directory when EFS creates it."""


class FileSystemSettings(Settings):
    """`platform:file_system`: an encrypted EFS file system for task volumes."""

    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    """Throughput mode."""
    transition_to_ia: Literal["AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS",
                              "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS"] | None = "AFTER_30_DAYS"
    """Lifecycle: move files to Infrequent Access after this long unread."""
    backup: bool = True
    """AWS Backup's automatic daily backups of the file system."""
    access_points: dict[SecretKey, AccessPointSettings] = {}
    """Access points by name; services mount them through `volumes`."""


@dataclass(frozen=True, kw_only=True)
class FileSystemArgs:
    """Inputs for :class:`FileSystem`: its settings (`platform:file_system`) and what the stack supplies."""

    settings: FileSystemSettings
    """Throughput, lifecycle, backups and access points."""
    vpc_id: pulumi.Input[str]
    """VPC of the security group."""
    subnets: Mapping[str, pulumi.Input[str]]
    """Subnet per stable key (AZ name or subnet id), one mount target each."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the file system and its key."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


class FileSystem(IngressGrants, pulumi.ComponentResource):
    """EFS, encrypted at rest and in transit, reachable only from granted security groups."""

    file_system_id: pulumi.Output[str]
    """The file system id (fs-...)."""
    file_system_arn: pulumi.Output[str]
    """The file system ARN (IAM conditions for mounting)."""
    security_group_id: pulumi.Output[str]
    """The mount targets' security group."""
    access_point_ids: dict[str, pulumi.Output[str]]
    """Access point id by name."""
    access_point_arns: dict[str, pulumi.Output[str]]
    """Access point ARN by name."""

    def __init__(self, name: str, args: FileSystemArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:FileSystem", name, None, opts)
        self._name, self._port, self._tags = name, 2049, dict(args.tags)
        key = aws.kms.Key(f"{name}-key", description=f"{name}: EFS encryption", enable_key_rotation=True,
                          deletion_window_in_days=30, tags=tags_for(args.tags, name, "key"),
                          opts=stateful_opts(self, args.protect))
        lifecycle = []
        if args.settings.transition_to_ia is not None:
            lifecycle = [aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia=args.settings.transition_to_ia),
                         aws.efs.FileSystemLifecyclePolicyArgs(transition_to_primary_storage_class="AFTER_1_ACCESS")]
        fs = aws.efs.FileSystem(
            f"{name}-fs", encrypted=True, kms_key_id=key.arn, performance_mode="generalPurpose",
            throughput_mode=args.settings.throughput_mode, lifecycle_policies=lifecycle,
            tags=tags_for(args.tags, name, "fs"), opts=stateful_opts(self, args.protect),
        )
        aws.efs.BackupPolicy(f"{name}-backup", file_system_id=fs.id,
                             backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(
                                 status="ENABLED" if args.settings.backup else "DISABLED"),
                             opts=child_opts(self))
        # Deny-only policy: with a policy in place nothing is allowed unless an IAM identity
        # policy allows it, so anonymous NFS mounts stop working and TLS becomes mandatory.
        aws.efs.FileSystemPolicy(f"{name}-policy", file_system_id=fs.id, policy=policy_document([{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
            "Resource": fs.arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }]), opts=child_opts(self))
        self._ingress_sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: NFS from granted groups only",
            tags=tags_for(args.tags, name, "sg"), opts=child_opts(self),
        )
        for key_name, subnet_id in sorted(args.subnets.items()):
            aws.efs.MountTarget(f"{name}-mount-{key_name}", file_system_id=fs.id, subnet_id=subnet_id,
                                security_groups=[self._ingress_sg.id], opts=child_opts(self))
        self.access_point_ids, self.access_point_arns = {}, {}
        for ap_name, ap in sorted(args.settings.access_points.items()):
            point = aws.efs.AccessPoint(
                f"{name}-{ap_name}", file_system_id=fs.id,
                posix_user=aws.efs.AccessPointPosixUserArgs(uid=ap.uid, gid=ap.gid),
                root_directory=aws.efs.AccessPointRootDirectoryArgs(
                    path=ap.path, creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                        owner_uid=ap.uid, owner_gid=ap.gid, permissions=ap.permissions)),
                tags=tags_for(args.tags, name, ap_name), opts=child_opts(self),
            )
            self.access_point_ids[ap_name] = point.id
            self.access_point_arns[ap_name] = point.arn
        self.file_system_id = fs.id
        self.file_system_arn = fs.arn
        self.security_group_id = self._ingress_sg.id
        self.register_outputs({
            "file_system_id": self.file_system_id, "file_system_arn": self.file_system_arn,
            "security_group_id": self.security_group_id, "access_point_ids": self.access_point_ids,
            "access_point_arns": self.access_point_arns,
        })
