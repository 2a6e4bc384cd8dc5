"""Secrets: application secrets in Secrets Manager, encrypted with the stack's own KMS key.

Values never come from config. A secret either has its value put by an operator
(`aws secretsmanager put-secret-value ...`, for third-party API keys) or is generated here with
pulumi-random (signing keys), in which case the value is stored as a Pulumi secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components._common import child_opts, stateful_opts, tags_for


@dataclass(frozen=True, kw_only=True)
class SecretSpec:
    """One secret."""

    name: str | None = None
    """Physical name (apps may look it up by name); default `<project>/<stack>/<component>/<key>`."""
    description: str = ""
    """What it holds."""
    generate_length: int | None = None
    """Generate a random value of this many characters; None: an operator puts the value."""
    generate_punctuation: bool = False
    """Include punctuation in a generated value."""


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    """Inputs for :class:`Secrets`."""

    secrets: Mapping[str, SecretSpec]
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

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Secrets", name, None, opts)
        key = aws.kms.Key(
            f"{name}-key", description=f"{name}: application secrets", enable_key_rotation=True,
            deletion_window_in_days=30, tags=tags_for(args.tags, name, "key"), opts=stateful_opts(self, args.protect),
        )
        self.arns, self.names = {}, {}
        for key_name, spec in sorted(args.secrets.items()):
            physical = spec.name or f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}/{key_name}"
            secret = aws.secretsmanager.Secret(
                f"{name}-{key_name}",
                name=physical,
                description=spec.description or f"{key_name} ({'generated' if spec.generate_length else 'put by operators'})",
                kms_key_id=key.arn,
                recovery_window_in_days=args.recovery_window_days,
                tags=tags_for(args.tags, name, key_name),
                opts=stateful_opts(self, args.protect),
            )
            if spec.generate_length is not None:
                value = random.RandomPassword(
                    f"{name}-{key_name}", length=spec.generate_length, special=spec.generate_punctuation,
                    opts=child_opts(self),
                )
                aws.secretsmanager.SecretVersion(
                    f"{name}-{key_name}", secret_id=secret.id, secret_string=value.result, opts=child_opts(self),
                )
            self.arns[key_name] = secret.arn
            self.names[key_name] = secret.name
        self.kms_key_arn = key.arn
        self.register_outputs({"arns": self.arns, "names": self.names, "kms_key_arn": self.kms_key_arn})
