"""Deployment settings: their bounds, the rule that a rollout can always progress, and how both runtimes read them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components import ServiceSettings
from components._workload import DeploymentSettings, rollout_problem

WORKER = {"image": {"uri": "example/worker:1"}, "cpu": 256, "memory": 512}
WEB = {**WORKER, "port": 8000, "load_balancer": "main", "default_route": True}


@pytest.mark.parametrize(("key", "unset", "passing", "failing"), [
    ("minimum_healthy_percent", 100, [0, 100], [-1, 101]),
    ("maximum_percent", 200, [100, 200], [99, 201]),
    ("stop_timeout", None, [2, 120], [1, 121]),
    ("deregistration_delay", 30, [0, 3600], [-1, 3601]),
])
def test_each_deployment_setting_is_bounded_where_aws_bounds_it(key, unset, passing, failing) -> None:
    assert getattr(DeploymentSettings(), key) == unset
    # minimum 0 keeps every maximum progressing, so each bound is tried on its own.
    base = {"minimum_healthy_percent": 0} if key == "maximum_percent" else {}
    for value in passing:
        assert getattr(DeploymentSettings(**{**base, key: value}), key) == value
    for value in failing:
        with pytest.raises(ValidationError, match=key):
            DeploymentSettings(**{**base, key: value})


@pytest.mark.parametrize(("minimum", "maximum", "tasks", "stuck"), [
    (100, 200, 1, False), (100, 100, 1, True),      # full capacity needs room for one more task
    (0, 100, 1, False),                              # stop first, then start: a singleton's rollout
    (50, 150, 1, True), (50, 150, 2, False),         # 1 task: keep 1, at most 1; 2 tasks: keep 1, at most 3
    (100, 149, 2, True), (100, 150, 2, False),       # floor(2 * 1.49) = 2 = the 2 kept; 1.5 allows a third
    (100, 100, 0, False),                            # nothing runs: nothing to replace
])
def test_a_rollout_is_refused_exactly_when_no_replacement_could_start(minimum, maximum, tasks, stuck) -> None:
    assert (rollout_problem(minimum, maximum, tasks) is not None) is stuck


def test_a_stuck_rollout_is_refused_at_any_count_the_autoscaler_may_set() -> None:
    # 4 tasks could roll at 75/100 (keep 3, run 4), one task could not: the scaling floor is what decides.
    with pytest.raises(ValidationError, match=r"@deployment.maximum_percent: with 1 task"):
        ServiceSettings(**WORKER, deployment={"minimum_healthy_percent": 75, "maximum_percent": 100},
                        desired_count=4, scaling={"min": 1, "max": 4})
    assert ServiceSettings(**WORKER, deployment={"minimum_healthy_percent": 75, "maximum_percent": 100},
                           desired_count=4, scaling={"min": 4, "max": 8}).rollout == (75, 100)


@pytest.mark.parametrize("key", ["minimum_healthy_percent", "maximum_percent"])
def test_a_singleton_refuses_rollout_percentages_it_would_override(key) -> None:
    with pytest.raises(ValidationError, match=f"@deployment.{key}: a singleton"):
        ServiceSettings(**WORKER, singleton=True, deployment={key: 100})
    assert ServiceSettings(**WORKER, singleton=True, deployment={"stop_timeout": 120}).rollout == (0, 100)


def test_deregistration_delay_is_for_load_balanced_services_only() -> None:
    with pytest.raises(ValidationError, match="@deployment.deregistration_delay: only for services behind"):
        ServiceSettings(**WORKER, deployment={"deregistration_delay": 0})
    assert ServiceSettings(**WEB, deployment={"deregistration_delay": 0}).deployment.deregistration_delay == 0
