"""Secrets: application secrets in Secrets Manager, encrypted with the stack's own KMS key.

Values never come from config. A secret either has its value put by an operator
(`aws secretsmanager put-secret-value ...`, for third-party API keys) or is generated here with
pulumi-random (signing keys), in which case the value is stored as a Pulumi secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

import pulumi
import pulumi_aws as aws
import pulumi_random as random
from pydantic import Field

from components._common import child_opts, stateful_opts, tags_for
from components._settings import Settings, matching


class GeneratedSecretSettings(Settings):
    """Let the platform generate the secret's value (kept encrypted in Pulumi state)."""

    length: int = Field(48, ge=16, le=512)
    """Number of characters."""
    punctuation: bool = False
    """Include punctuation characters."""


class SecretSettings(Settings):
    """One Secrets Manager secret. Values of non-generated secrets are put by operators, never in config."""

    name: Annotated[str, matching(r"^[A-Za-z0-9_/+=.@-]{1,512}$", "a Secrets Manager name such as production/allthrive/app")] | None = None
    """Physical secret name; default `<project>/<stack>/secrets/<key>`."""
    description: str = ""
    """What the secret holds (JSON keys, who rotates it)."""
    generate: GeneratedSecretSettings | None = None
    """Generate a random value (signing keys); leave out for values put by operators."""


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    """Inputs for :class:`Secrets`: its settings (`platform:secrets`, one entry per key) and the stack's."""

    settings: Mapping[str, SecretSettings]
    """Secrets by key."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on the key and the secrets."""
    recovery_window_days: int = 30
    """Days a deleted secret can still be restored."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


class Secrets(pulumi.ComponentResource):
    """Secrets Manager secrets (by key) under one customer-managed KMS key."""

    arns: dict[str, pulumi.Output[str]]
    """Secret ARN by key."""
    names: dict[str, pulumi.Output[str]]
    """Secret name by key."""
    kms_key_arn: pulumi.Output[str]
    """The key encrypting them; readers need kms:Decrypt on it."""
    value_arns: list[pulumi.Output[str]]
    """The secrets whose value the stack itself writes (generated ones): refreshing the stack reads them."""
    values: dict[str, pulumi.Output[str]]
    """The generated values by key, as Pulumi secrets (values composed into others, `ComposedSecrets`)."""

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Secrets", name, None, opts)
        key = aws.kms.Key(
            f"{name}-key", description=f"{name}: application secrets", enable_key_rotation=True,
            deletion_window_in_days=30, tags=tags_for(args.tags, name, "key"), opts=stateful_opts(self, args.protect),
        )
        self.arns, self.names, self.value_arns, self.values = {}, {}, [], {}
        for key_name, spec in sorted(args.settings.items()):
            physical = spec.name or f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}/{key_name}"
            secret = aws.secretsmanager.Secret(
                f"{name}-{key_name}",
                name=physical,
                description=spec.description or f"{key_name} ({'generated' if spec.generate else 'put by operators'})",
                kms_key_id=key.arn,
                recovery_window_in_days=args.recovery_window_days,
                tags=tags_for(args.tags, name, key_name),
                opts=stateful_opts(self, args.protect),
            )
            if spec.generate is not None:
                value = random.RandomPassword(
                    f"{name}-{key_name}", length=spec.generate.length, special=spec.generate.punctuation,
                    opts=child_opts(self),
                )
                aws.secretsmanager.SecretVersion(
                    f"{name}-{key_name}", secret_id=secret.id, secret_string=value.result, opts=child_opts(self),
                )
                self.value_arns.append(secret.arn)
                self.values[key_name] = pulumi.Output.secret(value.result)
            self.arns[key_name] = secret.arn
            self.names[key_name] = secret.name
        self.kms_key_arn = key.arn
        self.register_outputs({"arns": self.arns, "names": self.names, "kms_key_arn": self.kms_key_arn,
                               "value_arns": self.value_arns})
