"""Queues: SQS queues that feed workers, each with its dead-letter queue.

A worker service reads a queue (`services.<name>.queues: {jobs: receive}`) and may scale on its
backlog per task; other services send to it. Each queue here is encrypted at rest (SSE-SQS, free
and on by default, SQS API Reference, CreateQueue `SqsManagedSseEnabled`), refuses requests that
are not TLS, and moves a message that failed `max_receive_count` times to its own dead-letter
queue, which only that queue may use (redrive allow policy) and which keeps messages longer than
the source, since a message's age counts from when it was first sent (SQS Developer Guide,
"Using dead-letter queues"; checked 2026-12-04). The owner of the queues grants each service its
rights on them (`grant`), as Storage does for buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._common import child_opts, physical_name, policy_document, tags_for
from components._runtime import Use
from components._settings import Problems, Settings

__all__ = ["QueueRight", "QueueSettings", "Queues", "QueuesArgs", "queue_uses"]

QueueRight = Literal["send", "receive", "send_receive"]
"""What a service may do with a queue: put messages, take them (receive, delete, extend), or both."""

SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
"""Sending: SendMessage (batches too), and the two calls SDKs make to find the queue and read its settings."""
RECEIVE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
                   "sqs:GetQueueUrl")
"""Consuming: take a message, delete it when done, extend its visibility while working on it."""

DAY = 86400


class QueueSettings(Settings):
    """One SQS standard queue with its dead-letter queue (bounds: SQS API Reference, CreateQueue; checked 2026-12-04)."""

    visibility_timeout: int = Field(30, ge=0, le=43200)
    """Seconds a received message stays hidden from other consumers; longer than a job takes (0-43200)."""
    retention_days: int = Field(4, ge=1, le=14)
    """Days an unconsumed message is kept (SQS: 60 s to 14 days)."""
    receive_wait_seconds: int = Field(20, ge=0, le=20)
    """Long polling: seconds a receive waits for a message (0-20); 20 makes the fewest empty, billed receives."""
    delay_seconds: int = Field(0, ge=0, le=900)
    """Seconds every new message is hidden before its first delivery (0-900)."""
    max_receive_count: int = Field(5, ge=1, le=1000)
    """Deliveries before a message moves to the dead-letter queue (SQS Developer Guide, maximum receives 1-1000)."""
    dead_letter_retention_days: int = Field(14, ge=1, le=14)
    """Days the dead-letter queue keeps a message; at least retention_days (a message's age counts from its first send)."""

    @model_validator(mode="after")
    def _rules(self) -> QueueSettings:
        problems = Problems()
        if self.dead_letter_retention_days < self.retention_days:
            problems.add("dead_letter_retention_days", f"must be at least retention_days ({self.retention_days}): a "
                         "message's age counts from its first send, so a shorter dead-letter retention loses it "
                         f"early; got {self.dead_letter_retention_days}")
        return problems.done(self)


@dataclass(frozen=True, kw_only=True)
class QueuesArgs:
    """Inputs for :class:`Queues`: its settings (`platform:queues`, by name)."""

    settings: Mapping[str, QueueSettings]
    """Queues by name (`platform:queues`)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


class Queues(pulumi.ComponentResource):
    """SQS queues by name, each with an encrypted, TLS-only dead-letter queue."""

    urls: dict[str, pulumi.Output[str]]
    """Queue URL by name (what SDKs send to and receive from)."""
    arns: dict[str, pulumi.Output[str]]
    """Queue ARN by name (grants)."""
    names: dict[str, pulumi.Output[str]]
    """Queue name (the `QueueName` dimension of its metrics)."""
    dead_letter_names: dict[str, pulumi.Output[str]]
    """Dead-letter queue name by queue (alarmed when it is not empty)."""

    def __init__(self, name: str, args: QueuesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Queues", name, None, opts)
        self._name = name
        self.urls, self.arns, self.names, self.dead_letter_names = {}, {}, {}, {}
        for key, spec in sorted(args.settings.items()):
            base = f"{name}-{key}"
            dead = aws.sqs.Queue(
                f"{base}-dead-letters", name=physical_name(f"{base}-dead-letters", 80),
                message_retention_seconds=spec.dead_letter_retention_days * DAY, sqs_managed_sse_enabled=True,
                tags=tags_for(args.tags, name, f"{key}-dead-letters"), opts=child_opts(self))
            queue = aws.sqs.Queue(
                base, name=physical_name(base, 80), visibility_timeout_seconds=spec.visibility_timeout,
                message_retention_seconds=spec.retention_days * DAY, receive_wait_time_seconds=spec.receive_wait_seconds,
                delay_seconds=spec.delay_seconds, sqs_managed_sse_enabled=True,
                redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": dead.arn,
                                                         "maxReceiveCount": spec.max_receive_count}),
                tags=tags_for(args.tags, name, key), opts=child_opts(self))
            # Only this queue may move messages into its dead-letter queue.
            aws.sqs.RedriveAllowPolicy(f"{base}-dead-letters", queue_url=dead.url, redrive_allow_policy=pulumi.Output.json_dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [queue.arn]}), opts=child_opts(self))
            for suffix, target in (("", queue), ("-dead-letters", dead)):
                aws.sqs.QueuePolicy(f"{base}{suffix}", queue_url=target.url, policy=policy_document([{
                    "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
                    "Resource": target.arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
                    opts=child_opts(self))
            self.urls[key], self.arns[key], self.names[key] = queue.url, queue.arn, queue.name
            self.dead_letter_names[key] = dead.name
        self.register_outputs({"urls": self.urls, "arns": self.arns, "names": self.names,
                               "dead_letter_names": self.dead_letter_names})

    def grant(self, service: str, role_name: pulumi.Input[str], rights: Mapping[str, QueueRight]) -> None:
        """Let `service`'s task role use the queues in `rights` as each says (send, receive, or both)."""
        statements = [{"Sid": f"{_sid(queue)}{_sid(right)}", "Effect": "Allow",
                       "Action": sorted({*(SEND_ACTIONS if "send" in right else ()),
                                         *(RECEIVE_ACTIONS if "receive" in right else ())}),
                       "Resource": self.arns[queue]} for queue, right in sorted(rights.items())]
        aws.iam.RolePolicy(f"{self._name}-grant-{service}", role=role_name, policy=policy_document(statements),
                           opts=child_opts(self))


def queue_uses(arns: Mapping[str, pulumi.Input[str]], rights: Mapping[str, QueueRight], key: str) -> list[Use]:
    """What a service with `rights` calls at run time (`components._runtime.Use`), per queue."""
    uses = []
    for queue, right in sorted(rights.items()):
        if "send" in right:
            uses.append(Use(actions=["sqs:SendMessage"], resources=[arns[queue]], key=f"{key}.{queue}",
                            why=f"send messages to {queue}", context={"aws:SecureTransport": True}))
        if "receive" in right:
            uses.append(Use(actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
                            resources=[arns[queue]], key=f"{key}.{queue}", why=f"work through {queue}",
                            context={"aws:SecureTransport": True}))
    return uses


def _sid(text: str) -> str:
    return "".join(part.title() for part in text.replace("-", "_").split("_"))
