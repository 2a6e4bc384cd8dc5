"""Backup: an AWS Backup plan (KMS-encrypted vault, daily rule, retention) selecting given resources.

Independent of the engines' own snapshots: recovery points live in a vault with their own key,
can be locked against deletion (governance-mode vault lock), and survive the source resource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components import aws_data
from components._common import assume_role_policy, child_opts, service_role, stateful_opts, tags_for
from components._runtime import Access, Need, assumed_by, managed_needs, published
from components._settings import Problems, Settings, matching

_BACKUP_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
]


class BackupSettings(Settings):
    """`platform:backup`: an AWS Backup plan over the stack's data."""

    resources: list[Literal["database", "file_system", "pipeline_buckets", "buckets"]] = ["database"]
    """What the plan selects."""
    schedule: Annotated[str, matching(r"^cron\([^)]+\)$", "a cron expression such as cron(0 5 * * ? *)")] = "cron(0 5 * * ? *)"
    """When the daily backup runs (UTC)."""
    retention_days: int = Field(35, ge=1, le=36500)
    """How long recovery points are kept."""
    cold_storage_after_days: int | None = Field(None, ge=1)
    """Move recovery points to cold storage after this many days (90+ days before deletion)."""
    vault_lock: bool = False
    """Lock the vault: recovery points cannot be deleted early (governance mode)."""

    @model_validator(mode="after")
    def _rules(self) -> BackupSettings:
        problems = Problems()
        if self.cold_storage_after_days is not None and self.retention_days < self.cold_storage_after_days + 90:
            problems.add("retention_days", f"must be at least cold_storage_after_days + 90 ({self.cold_storage_after_days + 90}); got {self.retention_days}")
        return problems.done(self)


@dataclass(frozen=True, kw_only=True)
class BackupArgs:
    """Inputs for :class:`Backup`: its settings (`platform:backup`) and the ARNs the stack selects."""

    settings: BackupSettings
    """Schedule, retention, cold storage and vault lock."""
    resource_arns: Sequence[pulumi.Input[str]]
    """What to back up besides buckets (database cluster/instance, file system)."""
    bucket_arns: Sequence[pulumi.Input[str]] = ()
    """S3 buckets to back up (versioned ones: AWS Backup needs versioning); the role then gets the S3 policies."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the vault and its key."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if not self.resource_arns and not self.bucket_arns:
            raise ValueError("BackupArgs: nothing to back up")


class Backup(pulumi.ComponentResource):
    """A vault, a daily plan and its selection."""

    vault_name: pulumi.Output[str]
    plan_id: pulumi.Output[str]
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What AWS Backup does at run time with its role (`components._runtime`)."""

    def __init__(self, name: str, args: BackupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Backup", name, None, opts)
        key = aws.kms.Key(f"{name}-key", description=f"{name}: backup vault", enable_key_rotation=True,
                          deletion_window_in_days=30, tags=tags_for(args.tags, name, "key"),
                          opts=stateful_opts(self, args.protect))
        vault = aws.backup.Vault(f"{name}-vault", kms_key_arn=key.arn, force_destroy=False,
                                 tags=tags_for(args.tags, name, "vault"), opts=stateful_opts(self, args.protect))
        if args.settings.vault_lock:
            aws.backup.VaultLockConfiguration(f"{name}-vault-lock", backup_vault_name=vault.name,
                                              min_retention_days=args.settings.retention_days, opts=child_opts(self))
        plan = aws.backup.Plan(
            f"{name}-plan",
            rules=[aws.backup.PlanRuleArgs(
                rule_name="daily", target_vault_name=vault.name, schedule=args.settings.schedule,
                start_window=60, completion_window=360,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(
                    delete_after=args.settings.retention_days, cold_storage_after=args.settings.cold_storage_after_days),
                recovery_point_tags=tags_for(args.tags, name, "recovery-point"))],
            tags=tags_for(args.tags, name, "plan"), opts=child_opts(self))
        role = service_role(self, f"{name}-service", trust=assume_role_policy("backup.amazonaws.com"),
                            description=f"{name}: AWS Backup takes and restores recovery points",
                            tags=tags_for(args.tags, name, "service"),
                            managed_policy_arns=_BACKUP_POLICIES + (list(aws_data.BACKUP_S3_POLICIES) if args.bucket_arns else []))
        aws.backup.Selection(f"{name}-selection", plan_id=plan.id, iam_role_arn=role.arn,
                             resources=[*args.resource_arns, *args.bucket_arns], opts=child_opts(self))
        who = f"{name} (AWS Backup)"
        # AWS Backup Developer Guide, "Default service role for AWS Backup" and "Amazon S3 backups" (checked
        # 2026-12-04): the service's permissions are these managed policies.
        needs: list[Need] = [*managed_needs(who, role.arn, _BACKUP_POLICIES + (list(aws_data.BACKUP_S3_POLICIES)
                                                                                  if args.bucket_arns else []),
                                            "take and restore recovery points", "backup.resources"),
                             assumed_by(who, "backup.amazonaws.com", role.arn, "take recovery points with its role", "backup")]
        for arn in args.bucket_arns:
            # S3 backups read every version of every object (AWS Backup Developer Guide, S3 backups).
            needs += [Access(workload=who, principal=role.arn, key="backup.resources", why="back up the bucket",
                             actions=["s3:ListBucketVersions", "s3:GetBucketVersioning", "s3:GetBucketTagging"],
                             resources=[arn]),
                      Access(workload=who, principal=role.arn, key="backup.resources", why="back up the objects",
                             actions=["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
                             resources=[pulumi.Output.concat(arn, "/*")])]
        self.vault_name = vault.name
        self.plan_id = plan.id
        self.runtime_needs = published(needs)
        self.register_outputs({"vault_name": self.vault_name, "plan_id": self.plan_id,
                               "runtime_needs": self.runtime_needs})
