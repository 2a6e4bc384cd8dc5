"""AWS Batch and Step Functions."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject, dig, document
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject, dig, document  # type: ignore[no-redef]



def sfn_logging(res: Subject) -> Iterator[str]:
    config = res.props.get("loggingConfiguration")
    if dig(config, "level") in (None, "OFF") or not dig(config, "logDestination"):
        yield f"State machine {res.name} does not log executions."
    elif dig(config, "includeExecutionData") is not True:
        yield f"State machine {res.name} logs events without their execution data (input, output, errors)."


def batch_not_privileged(res: Subject) -> Iterator[str]:
    container = document(res.props.get("containerProperties"))
    if container.get("privileged") is True:
        yield f"Job definition {res.name} runs its container privileged."
