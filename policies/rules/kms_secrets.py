"""KMS keys and Secrets Manager secrets."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, dig, subjects
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, dig, subjects  # type: ignore[no-redef]

from .types import SECRET, SECRET_ROTATION


def secret_cmk(res: Subject) -> Iterator[str]:
    key = str(res.props.get("kmsKeyId") or "")
    if not key or key == "alias/aws/secretsmanager" or key.endswith(":alias/aws/secretsmanager"):
        yield f"Secret {res.name} uses the default aws/secretsmanager key, which cannot be scoped or audited per application."


def kms_rotation(res: Subject) -> Iterator[str]:
    if res.props.get("enableKeyRotation") is not True and res.props.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT") in (None, "SYMMETRIC_DEFAULT"):
        yield f"KMS key {res.name} does not rotate."


def secret_rotation(stack: Stack) -> Iterator[tuple[str, str]]:
    rotated = {r.props.get("secretId") for r in stack.of(SECRET_ROTATION)}
    for secret in subjects(stack.of(SECRET)):
        if not ({secret.props.get("id"), secret.props.get("arn")} & rotated):
            yield f"Secret {secret.name} is never rotated.", secret.urn


def rotation_period(res: Subject) -> Iterator[str]:
    days = dig(res.props, "rotationRules", "automaticallyAfterDays")
    if days is not None and float(days) > 90:
        yield f"Secret rotation {res.name} waits {days:g} days; 90 is the most."
