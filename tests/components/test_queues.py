"""Queues: encrypted, TLS-only work queues with dead-letter queues, and the rights services get on them."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import Queues, QueuesArgs, QueueSettings, ServiceSettings
from components.queues import RECEIVE_ACTIONS, SEND_ACTIONS, queue_uses
from stack_config import format_errors


@pytest.mark.parametrize(("key", "unset", "passing", "failing"), [
    ("visibility_timeout", 30, [0, 43200], [-1, 43201]),
    ("retention_days", 4, [1, 14], [0, 15]),
    ("receive_wait_seconds", 20, [0, 20], [-1, 21]),
    ("delay_seconds", 0, [0, 900], [-1, 901]),
    ("max_receive_count", 5, [1, 1000], [0, 1001]),
    ("dead_letter_retention_days", 14, [14], [0, 15]),
])
def test_each_queue_setting_is_bounded_where_sqs_bounds_it(key, unset, passing, failing) -> None:
    assert getattr(QueueSettings(), key) == unset
    for value in passing:
        assert getattr(QueueSettings(**{key: value}), key) == value
    for value in failing:
        with pytest.raises(ValidationError, match=key):
            QueueSettings(**{key: value})


def test_the_dead_letter_queue_keeps_messages_at_least_as_long_as_its_source() -> None:
    assert QueueSettings(retention_days=7, dead_letter_retention_days=7).dead_letter_retention_days == 7
    with pytest.raises(ValidationError, match="@dead_letter_retention_days: must be at least retention_days"):
        QueueSettings(retention_days=7, dead_letter_retention_days=6)


@pytest.fixture
def mon(record):
    def build() -> None:
        queues = Queues("queues", QueuesArgs(settings={"jobs": QueueSettings(visibility_timeout=600, max_receive_count=3)}))
        queues.grant("web", "web-task", {"jobs": "send"})
        queues.grant("worker", "worker-task", {"jobs": "receive"})
        queues.grant("both", "both-task", {"jobs": "send_receive"})
    return record(build)


def test_a_queue_is_encrypted_and_hands_failed_messages_to_its_own_dead_letter_queue(mon) -> None:
    queue = mon.one("aws:sqs/queue:Queue", "queues-jobs")
    dead = mon.one("aws:sqs/queue:Queue", "queues-jobs-dead-letters")
    for q in (queue, dead):
        assert q.inputs["sqsManagedSseEnabled"] is True
    assert json.loads(queue.inputs["redrivePolicy"]) == {"deadLetterTargetArn": dead.outputs["arn"], "maxReceiveCount": 3}
    assert (queue.inputs["visibilityTimeoutSeconds"], queue.inputs["messageRetentionSeconds"],
            queue.inputs["receiveWaitTimeSeconds"]) == (600, 4 * 86400, 20)
    assert dead.inputs["messageRetentionSeconds"] == 14 * 86400
    allow = mon.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "queues-jobs-dead-letters").inputs
    assert allow["queueUrl"] == dead.outputs["url"]
    assert json.loads(allow["redriveAllowPolicy"]) == {"redrivePermission": "byQueue", "sourceQueueArns": [queue.outputs["arn"]]}


@pytest.mark.parametrize("name", ["queues-jobs", "queues-jobs-dead-letters"])
def test_both_queues_refuse_requests_without_tls(mon, name) -> None:
    queue = mon.one("aws:sqs/queue:Queue", name)
    policy = mon.one("aws:sqs/queuePolicy:QueuePolicy", name).inputs
    assert policy["queueUrl"] == queue.outputs["url"]
    (statement,) = json.loads(policy["policy"])["Statement"]
    assert statement == {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
                         "Resource": queue.outputs["arn"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


@pytest.mark.parametrize(("service", "actions"), [
    ("web", set(SEND_ACTIONS)), ("worker", set(RECEIVE_ACTIONS)), ("both", set(SEND_ACTIONS) | set(RECEIVE_ACTIONS))])
def test_a_service_gets_exactly_the_rights_it_names_on_exactly_that_queue(mon, service, actions) -> None:
    grant = mon.one("aws:iam/rolePolicy:RolePolicy", f"queues-grant-{service}").inputs
    assert grant["role"] == f"{service}-task"
    (statement,) = json.loads(grant["policy"])["Statement"]
    assert statement["Effect"] == "Allow" and set(statement["Action"]) == actions
    assert statement["Resource"] == mon.one("aws:sqs/queue:Queue", "queues-jobs").outputs["arn"]
    assert "sqs:SendMessage" not in actions or service != "worker"


def test_what_a_service_does_with_a_queue_is_declared_for_the_run_time_stage() -> None:
    uses = queue_uses({"jobs": "arn:q"}, {"jobs": "send_receive"}, "services.w.queues")
    assert [(u.actions, u.resources, u.key) for u in uses] == [
        (["sqs:SendMessage"], ["arn:q"], "services.w.queues.jobs"),
        (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], ["arn:q"], "services.w.queues.jobs")]
    assert all(u.context == {"aws:SecureTransport": True} for u in uses)


# -- a worker scaling on its backlog ---------------------------------------------------------------------------------

WORKER = {"image": {"uri": "example/worker:1"}, "cpu": 256, "memory": 512}


@pytest.mark.parametrize(("settings", "key"), [
    ({"queues": {"jobs": "receive"}, "scaling": {"min": 0, "max": 4, "backlog_per_task": 10}}, "scaling.min"),
    ({"queues": {"jobs": "send"}, "scaling": {"min": 1, "max": 4, "backlog_per_task": 10}}, "scaling.backlog_per_task"),
    ({"queues": {"a": "receive", "b": "receive"}, "scaling": {"min": 1, "max": 4, "backlog_per_task": 10}},
     "scaling.backlog_per_task"),
    ({"queues": {"a": "receive"}, "scaling": {"min": 1, "max": 4, "backlog_per_task": 10, "queue": "b"}}, "scaling.queue"),
    ({"queues": {"a": "receive"}, "scaling": {"min": 1, "max": 4, "queue": "a"}}, "scaling.queue"),
])
def test_backlog_scaling_needs_one_queue_it_receives_from_and_a_task_to_divide_by(settings, key) -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(**WORKER, **settings)
    assert f"  - {key}: " in format_errors(caught.value, ServiceSettings, "Pulumi.test.yaml")


@pytest.mark.parametrize(("queues", "scaling", "queue"), [
    ({"jobs": "receive"}, {"min": 1, "max": 4, "backlog_per_task": 1}, "jobs"),
    ({"a": "send_receive", "b": "send"}, {"min": 1, "max": 4, "backlog_per_task": 100000}, "a"),
    ({"a": "receive", "b": "receive"}, {"min": 1, "max": 4, "backlog_per_task": 5, "queue": "b"}, "b"),
])
def test_the_queue_a_worker_scales_on(queues, scaling, queue) -> None:
    assert ServiceSettings(**WORKER, queues=queues, scaling=scaling).backlog_queue == queue


@pytest.mark.parametrize("value", [0, 100001])
def test_backlog_per_task_is_bounded(value) -> None:
    with pytest.raises(ValidationError, match="backlog_per_task"):
        ServiceSettings(**WORKER, queues={"jobs": "receive"}, scaling={"min": 1, "max": 4, "backlog_per_task": value})
