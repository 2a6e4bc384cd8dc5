"""Backup: a KMS-encrypted, lockable vault with a daily plan selecting the given resources."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components import Backup, BackupArgs, BackupSettings

DB = "arn:aws:rds:us-east-1:123456789012:cluster:platform-prod-db"


def test_daily_plan_into_an_encrypted_locked_vault(record) -> None:
    mon = record(lambda: Backup("backup", BackupArgs(
        settings=BackupSettings(retention_days=35, vault_lock=True), resource_arns=[DB], protect=True)), stack="prod")
    key = mon.one("aws:kms/key:Key")
    vault = mon.one("aws:backup/vault:Vault")
    assert vault.inputs["kmsKeyArn"] == key.outputs["arn"] and vault.inputs["forceDestroy"] is False
    assert vault.protect is True and key.protect is True
    assert mon.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration").inputs["minRetentionDays"] == 35
    (rule,) = mon.one("aws:backup/plan:Plan").inputs["rules"]
    assert rule["schedule"] == "cron(0 5 * * ? *)" and rule["lifecycle"] == {"deleteAfter": 35}
    assert rule["targetVaultName"] == vault.outputs["name"]
    selection = mon.one("aws:backup/selection:Selection").inputs
    assert selection["resources"] == [DB]
    assert selection["iamRoleArn"] == mon.one("aws:iam/role:Role").outputs["arn"]


def test_cold_storage_needs_ninety_days_before_deletion() -> None:
    with pytest.raises(ValidationError, match=r"must be at least cold_storage_after_days \+ 90 \(120\); got 100"):
        BackupSettings(retention_days=100, cold_storage_after_days=30)
    assert BackupSettings(retention_days=120, cold_storage_after_days=30).retention_days == 120  # the boundary


S3_POLICIES = {"arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
               "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore"}
BUCKET = "arn:aws:s3:::platform-prod-uploads"


def _attached(mon) -> set[str]:
    return {a.inputs["policyArn"] for a in mon.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}


def test_backing_up_buckets_gives_the_role_aws_backups_s3_policies(record) -> None:
    # Regression (prod): the selection held S3 buckets, but the role had only the generic policies, so
    # every S3 backup and restore job would fail.
    mon = record(lambda: Backup("backup", BackupArgs(settings=BackupSettings(), resource_arns=[DB], bucket_arns=[BUCKET])))
    assert _attached(mon) >= S3_POLICIES
    assert mon.one("aws:backup/selection:Selection").inputs["resources"] == [DB, BUCKET]
    without = record(lambda: Backup("backup", BackupArgs(settings=BackupSettings(), resource_arns=[DB])))
    assert _attached(without).isdisjoint(S3_POLICIES)  # least privilege: only when buckets are selected


def test_an_empty_selection_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing to back up"):
        BackupArgs(settings=BackupSettings(), resource_arns=[])
