"""CloudWatch log groups and log delivery."""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject  # type: ignore[no-redef]

from .shared import setting


def log_group_kms(res: Subject) -> Iterator[str]:
    key = res.props.get("kmsKeyId")
    if key and not re.match(r"^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key/", str(key)):
        yield f"Log group {res.name} names its KMS key as {key!r}; CloudWatch Logs needs the key ARN."


retention_set = setting("retentionInDays", bool, "Log group {name} keeps logs forever (no retentionInDays).")


def retention_year(res: Subject) -> Iterator[str]:
    # 0 or unset is "never expire": kept longer than any minimum.
    days = res.props.get("retentionInDays")
    minimum = int(res.config.get("minimumDays") or 365)
    if days and int(days) < minimum:
        yield f"Log group {res.name} keeps logs {int(days)} days, under {minimum}."


def log_group_encrypted(res: Subject) -> Iterator[str]:
    if not res.props.get("kmsKeyId"):
        yield f"Log group {res.name} is encrypted only with the service key (no kmsKeyId)."
