"""A typed subset of the Amazon States Language: just what BatchPipeline's machines need.

Definitions are built from these dataclasses and serialised once, so a state machine is never a
hand-pasted JSON string: names, transitions and the Batch `.sync` integration are checked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

SUBMIT_JOB_SYNC = "arn:aws:states:::batch:submitJob.sync"
"""Step Functions' Batch integration that waits for the job to finish."""
BATCH_SERVICE_ERRORS = ("Batch.AWSBatchException", "Batch.ServerException", "Batch.TooManyRequestsException")
"""Transient Batch API errors worth retrying (a failed job is not one of them: Batch retries those)."""


@dataclass(frozen=True, kw_only=True)
class Retry:
    """A Retry rule."""

    errors: Sequence[str]
    interval_seconds: int = 10
    max_attempts: int = 3
    backoff_rate: float = 2.0

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "IntervalSeconds": self.interval_seconds,
                "MaxAttempts": self.max_attempts, "BackoffRate": self.backoff_rate}


@dataclass(frozen=True, kw_only=True)
class Catch:
    """A Catch rule sending matching errors to another state."""

    errors: Sequence[str]
    next: str
    result_path: str = "$.error"

    def to_asl(self) -> dict[str, Any]:
        return {"ErrorEquals": list(self.errors), "ResultPath": self.result_path, "Next": self.next}


@dataclass(frozen=True, kw_only=True)
class BatchJobTask:
    """Submit a Batch job and wait for it (`submitJob.sync`)."""

    job_name: str
    job_queue_arn: pulumi.Input[str]
    job_definition_arn: pulumi.Input[str]
    environment: Mapping[str, str] = field(default_factory=dict)
    """Container environment overrides; values starting with `$` are JSONPath into the input."""
    next: str | None = None
    """The following state; None ends the execution here."""
    result_path: str = "$.job"
    retry: Sequence[Retry] = ()
    catch: Sequence[Catch] = ()

    def to_asl(self) -> dict[str, Any]:
        overrides = [{"Name": k, "Value.$": v} if v.startswith("$") else {"Name": k, "Value": v}
                     for k, v in sorted(self.environment.items())]
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": SUBMIT_JOB_SYNC,
            "Parameters": {"JobName": self.job_name, "JobQueue": self.job_queue_arn,
                           "JobDefinition": self.job_definition_arn,
                           "ContainerOverrides": {"Environment": overrides}},
            "ResultPath": self.result_path,
        }
        if self.retry:
            state["Retry"] = [r.to_asl() for r in self.retry]
        if self.catch:
            state["Catch"] = [c.to_asl() for c in self.catch]
        if self.next is None:
            state["End"] = True
        else:
            state["Next"] = self.next
        return state


@dataclass(frozen=True, kw_only=True)
class Fail:
    """End the execution as failed."""

    error: str
    cause: str

    def to_asl(self) -> dict[str, Any]:
        return {"Type": "Fail", "Error": self.error, "Cause": self.cause}


State = BatchJobTask | Fail


@dataclass(frozen=True, kw_only=True)
class StateMachineDefinition:
    """A whole machine: states by name, where it starts, an overall timeout."""

    comment: str
    start_at: str
    states: Mapping[str, State]
    timeout_seconds: int

    def __post_init__(self) -> None:
        if self.start_at not in self.states:
            raise ValueError(f"StartAt {self.start_at!r} is not a state")
        for name, state in self.states.items():
            targets = [state.next] if isinstance(state, BatchJobTask) and state.next else []
            if isinstance(state, BatchJobTask):
                targets += [c.next for c in state.catch]
            for target in targets:
                if target not in self.states:
                    raise ValueError(f"state {name!r} transitions to unknown state {target!r}")

    def to_json(self) -> pulumi.Output[str]:
        """The ASL document (ARNs may still be Outputs)."""
        return pulumi.Output.json_dumps({
            "Comment": self.comment,
            "StartAt": self.start_at,
            "TimeoutSeconds": self.timeout_seconds,
            "States": {name: state.to_asl() for name, state in self.states.items()},
        })
