"""Secrets: KMS-encrypted secrets; generated values never come from config."""

from __future__ import annotations

from components import Secrets, SecretsArgs, SecretSettings


def test_secrets_use_the_component_key_and_keep_a_recovery_window(record) -> None:
    mon = record(lambda: Secrets("secrets", SecretsArgs(settings={
        "jwt": SecretSettings(generate={"length": 64}),
        "oauth": SecretSettings(name="production/app/oauth", description="ids")},
        protect=True)), stack="prod")
    key = mon.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True and key.protect is True
    secrets = {s.name: s for s in mon.of_type("aws:secretsmanager/secret:Secret")}
    assert secrets["secrets-jwt"].inputs["name"] == "platform/prod/secrets/jwt"
    assert secrets["secrets-oauth"].inputs["name"] == "production/app/oauth"
    for secret in secrets.values():
        assert secret.inputs["kmsKeyId"] == key.outputs["arn"] and secret.inputs["recoveryWindowInDays"] == 30
        assert secret.protect is True and secret.retain_on_delete is True


def test_only_generated_secrets_get_a_value_and_it_is_kept_secret(record) -> None:
    mon = record(lambda: Secrets("secrets", SecretsArgs(settings={
        "jwt": SecretSettings(generate={"length": 64}), "oauth": SecretSettings()})))
    (version,) = mon.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.inputs["secretId"] == mon.one("aws:secretsmanager/secret:Secret", "secrets-jwt").id
    assert "secretString" in version.secret_paths
    password = mon.one("random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] == 64
