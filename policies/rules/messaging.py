"""SQS queues and SNS topics."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject  # type: ignore[no-redef]

from .shared import setting

sns_encrypted = setting("kmsMasterKeyId", bool, "Topic {name} has no KMS key (kmsMasterKeyId).")


def sqs_encrypted(res: Subject) -> Iterator[str]:
    if res.props.get("sqsManagedSseEnabled") is False and not res.props.get("kmsMasterKeyId"):
        yield f"Queue {res.name} is not encrypted at rest."
    elif res.props.get("sqsManagedSseEnabled") is None and not res.props.get("kmsMasterKeyId"):
        # SQS encrypts new queues with SSE-SQS by default (SQS API CreateQueue, SqsManagedSseEnabled; 2026-11-30),
        # but only a key of our own can be scoped and audited.
        return


def sns_delivery_logging(res: Subject) -> Iterator[str]:
    feedback = [k for k in res.props if str(k).endswith("FailureFeedbackRoleArn") and res.props.get(k)]
    if not feedback:
        yield f"Topic {res.name} logs no delivery status."
