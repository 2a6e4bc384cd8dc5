"""Every numeric bound of the components' settings models, at its edge: the bound itself passes, the nearest value
beyond it is refused, naming its key (another rule may refuse the edge itself: only the bound's refusal counts there).

The cases come from the reference stacks' own values (tests/fixtures) and the examples: wherever a stack sets a
bounded number, that number is moved to each bound of its field and one step past it, and the stack is validated
whole, as `pulumi up` would. A bound loosened by mistake (`ge=60` becoming `ge=6`), or a validator that stops
reporting its key, fails here; the `Field` docstrings say why each bound is what it is.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any

import annotated_types
import pytest
from pydantic import BaseModel

from config_errors import _path, is_map, model_in
from stack_config import ConfigError, StackConfig, from_mapping
from tests.conftest import EXAMPLE_FILES
from tests.test_stack_config import raw

SOURCES = ["dev", "prod", *(str(p) for p in EXAMPLE_FILES if p.name in (
    "Pulumi.bioinformatics.yaml", "Pulumi.semiont.yaml", "Pulumi.wordpress.yaml"))]
"""The reference stacks and the examples that reach what they leave out (EKS, EC2 Batch, Aurora, EFS, MySQL)."""

Path_ = tuple[str | int, ...]

EXPECTED_BOUNDS: dict[str, dict[str, float]] = {
    "AccessPointSettings.gid": {"ge": 0, "le": 4294967295},
    "AccessPointSettings.uid": {"ge": 0, "le": 4294967295},
    "AlarmsSettings.alb_5xx_count": {"ge": 1},
    "AlarmsSettings.cache_cpu_percent": {"ge": 1, "le": 100},
    "AlarmsSettings.cpu_percent": {"ge": 1, "le": 100},
    "AlarmsSettings.db_connections": {"ge": 1},
    "AlarmsSettings.db_cpu_percent": {"ge": 1, "le": 100},
    "AlarmsSettings.db_free_storage_gb": {"ge": 1},
    "AlarmsSettings.memory_percent": {"ge": 1, "le": 100},
    "AlarmsSettings.periods": {"ge": 1, "le": 10},
    "AlarmsSettings.target_response_seconds": {"gt": 0},
    "AppBucketSettings.expiration_days": {"ge": 1},
    "AppBucketSettings.noncurrent_expiration_days": {"ge": 1, "le": 3650},
    "AppBucketSettings.transition_days": {"ge": 1},
    "BackupSettings.cold_storage_after_days": {"ge": 1},
    "BackupSettings.retention_days": {"ge": 1, "le": 36500},
    "BatchStepSettings.memory": {"ge": 512, "le": 1048576},
    "BatchStepSettings.retry_attempts": {"ge": 1, "le": 10},
    "BatchStepSettings.scratch_gb": {"ge": 21, "le": 200},
    "BatchStepSettings.timeout_seconds": {"ge": 60, "le": 1209600},
    "BatchStepSettings.vcpu": {"gt": 0, "le": 192},
    "BucketLifecycleSettings.expiration_days": {"ge": 1},
    "BucketLifecycleSettings.transition_days": {"ge": 1},
    "BudgetSettings.monthly_limit_usd": {"gt": 0},
    "CacheSettings.nodes": {"ge": 1, "le": 6},
    "CacheSettings.port": {"ge": 1024, "le": 65535},
    "CacheSettings.snapshot_retention_days": {"ge": 0, "le": 35},
    "CacheTtlSettings.default": {"ge": 0},
    "CacheTtlSettings.max": {"ge": 0},
    "CacheTtlSettings.min": {"ge": 0},
    "CapacityShareSettings.base": {"ge": 0, "le": 100000},
    "CapacityShareSettings.weight": {"ge": 0, "le": 1000},
    "ContainerHealthCheckSettings.interval": {"ge": 5, "le": 300},
    "ContainerHealthCheckSettings.retries": {"ge": 1, "le": 10},
    "ContainerHealthCheckSettings.start_period": {"ge": 0, "le": 300},
    "ContainerHealthCheckSettings.timeout": {"ge": 2, "le": 60},
    "CostBudgetConfig.fixed_usd": {"gt": 0},
    "CostBudgetConfig.monthly_usd": {"gt": 0},
    "DatabaseSettings.allocated_storage_gb": {"ge": 20, "le": 65536},
    "DatabaseSettings.backtrack_hours": {"ge": 0, "le": 72},
    "DatabaseSettings.backup_retention_days": {"ge": 1, "le": 35},
    "DatabaseSettings.instances": {"ge": 1, "le": 15},
    "DatabaseSettings.max_allocated_storage_gb": {"ge": 21, "le": 65536},
    "DatabaseSettings.port": {"ge": 1150, "le": 65535},
    "DeploymentSettings.deregistration_delay": {"ge": 0, "le": 3600},
    "DeploymentSettings.maximum_percent": {"ge": 100, "le": 200},
    "DeploymentSettings.minimum_healthy_percent": {"ge": 0, "le": 100},
    "DeploymentSettings.stop_timeout": {"ge": 2, "le": 120},
    "DnsRecordSettings.ttl": {"ge": 0, "le": 2147483647},
    "EdgeSettings.access_log_days": {"ge": 1, "le": 3650},
    "ForEachSettings.max_concurrency": {"ge": 1, "le": 1000},
    "ForEachSettings.max_items": {"ge": 1, "le": 10000},
    "GeneratedSecretSettings.length": {"ge": 16, "le": 512},
    "LoadBalancerSettings.idle_timeout": {"ge": 1, "le": 4000},
    "NetworkSettings.az_count": {"ge": 2, "le": 3},
    "NodeGroupSettings.desired_size": {"ge": 0, "le": 450},
    "NodeGroupSettings.disk_size_gb": {"ge": 20, "le": 16384},
    "NodeGroupSettings.max_size": {"ge": 1, "le": 450},
    "NodeGroupSettings.min_size": {"ge": 0, "le": 450},
    "PipelineSettings.instance_volume_gb": {"ge": 30, "le": 16384},
    "PipelineSettings.max_vcpus": {"ge": 1, "le": 10000},
    "QueueSettings.dead_letter_retention_days": {"ge": 1, "le": 14},
    "QueueSettings.delay_seconds": {"ge": 0, "le": 900},
    "QueueSettings.max_receive_count": {"ge": 1, "le": 1000},
    "QueueSettings.priority": {"ge": 0, "le": 1000},
    "QueueSettings.receive_wait_seconds": {"ge": 0, "le": 20},
    "QueueSettings.retention_days": {"ge": 1, "le": 14},
    "QueueSettings.visibility_timeout": {"ge": 0, "le": 43200},
    "RegistrySettings.keep_tagged": {"ge": 1, "le": 1000},
    "RegistrySettings.untagged_expiry_days": {"ge": 1, "le": 365},
    "ReleaseTaskSettings.timeout_seconds": {"ge": 60, "le": 3600},
    "RouteSettings.priority": {"ge": 1, "le": 49999},
    "ScalingSettings.backlog_per_task": {"ge": 1, "le": 100000},
    "ScalingSettings.cpu_target": {"ge": 10, "le": 95},
    "ScalingSettings.max": {"ge": 1, "le": 1000},
    "ScalingSettings.memory_target": {"ge": 10, "le": 95},
    "ScalingSettings.min": {"ge": 0, "le": 1000},
    "ScalingSettings.requests_per_target": {"ge": 1, "le": 100000},
    "ScalingSettings.scale_in_cooldown": {"ge": 0, "le": 3600},
    "ScalingSettings.scale_out_cooldown": {"ge": 0, "le": 3600},
    "ScheduleSettings.max_event_age_seconds": {"ge": 60, "le": 86400},
    "ScheduleSettings.retries": {"ge": 0, "le": 185},
    "ScheduleSettings.timeout_seconds": {"ge": 60, "le": 86400},
    "ServerlessV2Settings.max_capacity": {"ge": 1, "le": 256},
    "ServerlessV2Settings.min_capacity": {"ge": 0, "le": 256},
    "ServerlessV2Settings.seconds_until_auto_pause": {"ge": 300, "le": 86400},
    "ServiceSettings.desired_count": {"ge": 0, "le": 1000},
    "ServiceSettings.grace_period": {"ge": 0, "le": 7200},
    "ServiceSettings.port": {"ge": 1, "le": 65535},
    "StartScheduleSettings.max_event_age_seconds": {"ge": 60, "le": 86400},
    "StartScheduleSettings.retries": {"ge": 0, "le": 185},
    "TargetHealthCheckSettings.healthy_threshold": {"ge": 2, "le": 10},
    "TargetHealthCheckSettings.interval": {"ge": 5, "le": 300},
    "TargetHealthCheckSettings.timeout": {"ge": 2, "le": 120},
    "TargetHealthCheckSettings.unhealthy_threshold": {"ge": 2, "le": 10},
    "WafSettings.rate_limit": {"ge": 10, "le": 2000000000},
}
"""Every numeric bound of every settings model a stack reaches, written out: the models must say exactly this (a
bound changed on purpose changes here too, in the same review), and the edges below are taken from here, not from
the code under test."""


def _bounds(field: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in field.metadata:
        for kind in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, kind.capitalize())):
                found[kind] = getattr(item, kind)
    return found


def bounded_values(model: type[BaseModel], values: Any, at: Path_ = ()) -> Iterator[tuple[str, Path_, bool]]:
    """(model.field, path, whole numbers) of every number `values` sets in a bounded field of `model`."""
    if not isinstance(values, dict):
        return
    for key, value in values.items():
        field = model.model_fields.get(key)
        if field is None:
            continue
        if _bounds(field) and isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{model.__name__}.{key}", (*at, key), isinstance(value, int)
            continue
        inner = model_in(field.annotation)
        if inner is None:
            continue
        if is_map(field.annotation) and isinstance(value, dict):
            for name, entry in value.items():
                yield from bounded_values(inner, entry, (*at, key, name))
        elif isinstance(value, list):
            for i, entry in enumerate(value):
                yield from bounded_values(inner, entry, (*at, key, i))
        else:
            yield from bounded_values(inner, value, (*at, key))


def _edges(bounds: dict[str, float], whole: bool) -> Iterator[tuple[str, float, bool]]:
    """(which edge, value, passes) for each bound: the bound (or the nearest value inside), the nearest outside."""
    def step(x: float, toward: float) -> float:
        return x + (1 if toward > x else -1) if whole else math.nextafter(x, toward)
    for kind, bound in bounds.items():
        inside, outside = {"ge": (bound, step(bound, -math.inf)), "gt": (step(bound, math.inf), bound),
                           "le": (bound, step(bound, math.inf)), "lt": (step(bound, -math.inf), bound)}[kind]
        if whole and not float(inside).is_integer():
            inside = math.ceil(inside) if kind in ("ge", "gt") else math.floor(inside)
        yield f"{kind} {bound}: {inside}", inside, True
        yield f"{kind} {bound}: {outside}", outside, False


def _cases() -> Iterator[Any]:
    seen: set[tuple[str, str]] = set()
    for source in SOURCES:
        for field, path, whole in bounded_values(StackConfig, raw(source)):
            for edge, value, passes in _edges(EXPECTED_BOUNDS.get(field, {}), whole):
                # One case per field and edge: the same field in another stack or entry tests the same bound.
                if (field, edge) not in seen:
                    seen.add((field, edge))
                    yield pytest.param(source, path, value, passes, id=f"{field} {edge}")


def _set(values: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(values)
    node: Any = copied
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copied


def _problems_at(values: dict[str, Any], path: Path_) -> list[str]:
    try:
        from_mapping(values, "Pulumi.test.yaml")
    except ConfigError as exc:
        key = _path(path)
        return [line for line in str(exc).splitlines() if line.startswith(f"  - {key}:")]
    return []


CASES = list(_cases())


@pytest.mark.parametrize(("source", "path", "value", "passes"), CASES)
def test_a_settings_bound_holds_at_its_edge(source: str, path: Path_, value: float, passes: bool) -> None:
    found = _problems_at(_set(raw(source), path, value), path)
    if passes:
        # Another rule may still refuse the value (a Fargate pair, prod's minimum, a TTL inside min..max): only the
        # bound's own refusal may not appear.
        by_bound = [line for line in found if "expected greater than" in line or "expected less than" in line]
        assert by_bound == [], f"{_path(path)} = {value} is inside its bounds but refused"
    else:
        assert found, f"{_path(path)} = {value} is outside its bounds but accepted"


def _declared(model: type[BaseModel], seen: set[type[BaseModel]]) -> dict[str, dict[str, float]]:
    if model in seen:
        return {}
    seen.add(model)
    found = {}
    for key, field in model.model_fields.items():
        if bounds := _bounds(field):
            found[f"{model.__name__}.{key}"] = bounds
        inner = model_in(field.annotation)
        if inner is not None:
            found |= _declared(inner, seen)
    return found


def test_the_models_declare_exactly_the_expected_bounds() -> None:
    assert _declared(StackConfig, set()) == EXPECTED_BOUNDS


def test_the_bounds_cover_the_reference_stacks() -> None:
    # Enough of the models is reached for the test above to mean something: every section the reference stacks
    # set with a bounded number has its bounds tested.
    sections = {case.values[1][0] for case in CASES}
    assert {"network", "database", "cache", "services", "pipeline", "alarms", "edge"} <= sections
