"""How a service's tasks roll out: the deployment settings ECS and EKS share.

`services.<name>.deployment` sets how many tasks a rollout may stop and start at once, how long a
stopping container has to finish its work, and how long the load balancer keeps sending in-flight
requests to a target being removed. ECS reads them as the service's deployment configuration, the
container's `stopTimeout` and the target group's deregistration delay; EKS as the Deployment's
rolling update, the pod's termination grace period and the target group attribute the Load
Balancer Controller sets.
"""

from __future__ import annotations

import math

from pydantic import Field

from components._settings import Settings

DEFAULT_DEREGISTRATION_DELAY = 30
"""Seconds a removed target keeps its in-flight requests (ELB's own default is 300, which slows every rollout by
five minutes for requests that finish in well under a second)."""


class DeploymentSettings(Settings):
    """How a rollout replaces the service's tasks (a singleton always stops its task first: 0 % / 100 %)."""

    minimum_healthy_percent: int = Field(100, ge=0, le=100)
    """Tasks that keep running during a rollout, as a % of the desired count (rounded up). 100: full capacity
    throughout; lower stops old tasks before their replacements are healthy."""
    maximum_percent: int = Field(200, ge=100, le=200)
    """Tasks that may run during a rollout, as a % of the desired count (rounded down). 200 starts every
    replacement at once; a rollout never runs more than old plus new, so more than 200 changes nothing, and
    below 100 every rollout runs short of the desired count (none at all for one task)."""
    stop_timeout: int | None = Field(None, ge=2, le=120)
    """Seconds a container has after SIGTERM before it is killed (Fargate allows 2-120, CloudFormation schema of
    AWS::ECS::TaskDefinition StopTimeout, cfn-lint 1.58.0, checked 2026-12-04); unset: 30 on ECS and Kubernetes."""
    deregistration_delay: int = Field(DEFAULT_DEREGISTRATION_DELAY, ge=0, le=3600)
    """Seconds the load balancer lets in-flight requests finish on a task being removed (0-3600, ELBv2 API
    Reference, TargetGroupAttribute `deregistration_delay.timeout_seconds`, checked 2026-12-04); load-balanced
    services only."""


def rollout_problem(minimum_healthy_percent: int, maximum_percent: int, tasks: int) -> str | None:
    """Why a rolling deployment of `tasks` tasks could never start a replacement, or None.

    ECS keeps at least ceil(tasks * minimum / 100) running and runs at most floor(tasks * maximum / 100)
    (ECS API Reference, DeploymentConfiguration); when the two meet, no old task may stop and no new one may start,
    and the rollout waits until the circuit breaker fails it."""
    if tasks < 1:
        return None
    keep = math.ceil(tasks * minimum_healthy_percent / 100)
    most = math.floor(tasks * maximum_percent / 100)
    if keep < most:
        return None
    return (f"with {tasks} task(s), {minimum_healthy_percent} % keeps {keep} running and {maximum_percent} % allows "
            f"{most} in all, so no replacement can ever start; raise maximum_percent or lower minimum_healthy_percent")
