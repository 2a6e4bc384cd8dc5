"""AWS's data as the program reads it from the pinned cfn-lint and botocore packages."""

from __future__ import annotations

import re
from datetime import date
from importlib.metadata import version

import pytest

from components import aws_data
from tools.harness import PROJECT_DIR


def _pins() -> dict[str, str]:
    text = (PROJECT_DIR / "requirements.txt").read_text()
    return dict(re.findall(r"^([\w-]+)==([\w.]+)$", text, re.M))


def test_the_data_comes_from_the_pinned_packages_and_says_when_it_was_taken() -> None:
    pins = _pins()
    cfn, boto = aws_data.data_sources()
    assert (cfn.name, cfn.version) == ("cfn-lint", pins["cfn-lint"]) == ("cfn-lint", version("cfn-lint"))
    assert (boto.name, boto.version) == ("botocore", pins["botocore"]) == ("botocore", version("botocore"))
    assert aws_data.BOTOCORE_RELEASE[0] == pins["botocore"]  # bump the month with the pin
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cfn.as_of) and re.fullmatch(r"\d{4}-\d{2}", boto.as_of)


def test_log_types_per_engine_as_the_rds_api_lists_them() -> None:
    assert aws_data.rds_log_exports("aurora-postgresql") == ("instance", "postgresql", "iam-db-auth-error")
    assert aws_data.rds_log_exports("postgres") == ("postgresql", "upgrade", "iam-db-auth-error")


@pytest.mark.parametrize(("engine", "value", "cluster", "status"), [
    ("postgres", "16", False, "current"),  # RDS picks the current minor of a major
    ("postgres", "16.4", False, "deprecated"),
    ("postgres", "16.15", False, "current"),
    ("postgres", "42", False, "unknown"),
    ("postgres", "16.99", False, "unknown"),
    ("aurora-postgresql", "16.4", True, "deprecated"),
    ("aurora-postgresql", "16.15", True, "current"),
])
def test_engine_version_status(engine: str, value: str, cluster: bool, status: str) -> None:
    assert aws_data.rds_version_status(engine, value, cluster=cluster) == status


def test_current_versions_exclude_deprecated_limitless_and_bare_majors() -> None:
    current = aws_data.rds_current_versions("aurora-postgresql", cluster=True, major="16")
    assert current[-1] == "16.15" and "16.4" not in current
    assert all(re.fullmatch(r"16\.\d+", v) for v in current)


def test_suggested_versions_prefer_the_same_major() -> None:
    current = aws_data.rds_current_versions("aurora-postgresql", cluster=True, major="16")
    assert aws_data.rds_suggested_versions("aurora-postgresql", "16.4", cluster=True) == current[-3:]
    # A major AWS never offered: the newest current versions of any major.
    assert aws_data.rds_suggested_versions("postgres", "99.1", cluster=False) == (
        aws_data.rds_current_versions("postgres", cluster=False)[-3:])


@pytest.mark.parametrize(("version", "today", "status"), [
    ("1.33", date(2026, 7, 29), "standard"),   # the last day of standard support
    ("1.33", date(2026, 7, 30), "extended"),
    ("1.33", date(2027, 7, 29), "extended"),   # the last day of extended support
    ("1.33", date(2027, 7, 30), "ended"),
    ("1.36", date(2026, 11, 30), "newer"),     # after the table's newest (1.35)
    ("1.28", date(2026, 11, 30), "unknown"),   # before the table's oldest
    ("", date(2026, 11, 30), "unknown"),
])
def test_eks_support_at_the_calendar_boundaries(version: str, today: date, status: str) -> None:
    found, row = aws_data.eks_support(version, today)
    assert found == status
    assert (row is None) == (status in ("newer", "unknown"))


def test_regions_partitions_and_no_pseudo_regions() -> None:
    regions = aws_data.regions()
    assert regions["us-east-1"] == "aws" and regions["cn-north-1"] == "aws-cn" and regions["us-gov-west-1"] == "aws-us-gov"
    assert not any(r.endswith("-global") for r in regions)


def test_classes_and_node_types_are_per_region_and_engine() -> None:
    aurora = aws_data.rds_instance_classes("us-east-1", "aurora-postgresql")
    assert {"db.serverless", "db.t4g.medium", "db.r6g.large"} <= aurora and "db.t4g.micro" not in aurora
    assert "db.t4g.micro" in aws_data.rds_instance_classes("us-east-1", "postgres")
    assert aws_data.rds_instance_classes("mars-north-1", "postgres") == frozenset()
    assert "cache.t4g.micro" in aws_data.cache_node_types("us-east-1")


def test_cache_families_as_aws_names_them() -> None:
    assert {"redis6.x", "redis7", "valkey7", "valkey8"} <= set(aws_data.cache_parameter_families())
    assert aws_data.cache_parameter_group_family("redis", "6.2") == "redis6.x"
    assert aws_data.cache_parameter_group_family("valkey", "8.1") == "valkey8"
    assert aws_data.cache_parameter_group_family("valkey", "9.0") is None


def test_fargate_pairs() -> None:
    pairs = aws_data.fargate_memory_by_cpu()
    assert pairs[256] == (512, 1024, 2048) and pairs[1024][0] == 2048 and pairs[1024][-1] == 8192
    assert set(pairs) == {256, 512, 1024, 2048, 4096, 8192, 16384, 32768}


@pytest.mark.parametrize(("engine", "name", "problem"), [
    ("aurora-postgresql", "appadmin", None),
    ("aurora-postgresql", "app_admin", "letters or numbers"),
    ("postgres", "app_admin", None),
    ("postgres", "Admin", "reserved"),  # case does not escape it
    ("postgres", "rdsadmin", "reserved"),
    ("postgres", "p" * 16, None),
    ("postgres", "p" * 17, "1-16"),
])
def test_master_user_names(engine: str, name: str, problem: str | None) -> None:
    found = aws_data.rds_master_username_problem(engine, name)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_zone_letters_run_to_the_last_zone_the_pinned_table_lists() -> None:
    assert aws_data.availability_zone_letters("us-east-1") == "abcdef"
    # us-west-1's accounts each see two of a-c: every letter up to the last listed is somebody's zone.
    assert aws_data.availability_zone_letters("us-west-1") == "abc"
    assert aws_data.availability_zone_letters("eu-west-1") == "abc"
    assert aws_data.availability_zone_letters("xx-nowhere-1") is None
