"""Backup: a KMS-encrypted, lockable vault with a daily plan selecting the given resources."""

from __future__ import annotations

import pytest

from components import Backup, BackupArgs

DB = "arn:aws:rds:us-east-1:123456789012:cluster:platform-prod-db"


def test_daily_plan_into_an_encrypted_locked_vault(record) -> None:
    mon = record(lambda: Backup("backup", BackupArgs(resource_arns=[DB], retention_days=35, vault_lock=True,
                                                     protect=True)), stack="prod")
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
    with pytest.raises(ValueError, match="90 days"):
        BackupArgs(resource_arns=[DB], retention_days=100, cold_storage_after_days=30)
