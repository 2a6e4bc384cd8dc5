"""The offline policy run: every committed stack passes, and broken stacks are caught."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from policies.rules import POLICIES
from tests.conftest import EXAMPLE_FILES, STACK_FILES
from tools.__main__ import main
from tools.harness import RecordingMonitor, load_stack_config, run_program
from tools.policy_run import PolicyConfigError, load_policy_config, run_policies


def _run(monitor: RecordingMonitor, stack: str, config: dict | None = None):
    return run_policies(monitor, POLICIES, load_policy_config(stack) if config is None else config)


@pytest.mark.parametrize("path", STACK_FILES + EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_committed_stack_passes_every_mandatory_rule(stack, path: Path) -> None:
    name = load_stack_config(path).stack
    report = _run(stack(path), name)
    assert report.mandatory == [], "\n".join(f"{v.policy}: {v.message}" for v in report.mandatory)
    assert report.evaluated + len(report.skipped) == len(POLICIES)
    assert report.unknown == []


def test_disabled_rules_carry_their_reason_into_the_report(stack) -> None:
    report = _run(stack("dev"), "dev")
    assert set(report.skipped) == set(load_policy_config("dev"))
    assert all(reason for reason in report.skipped.values())


def test_all_mandatory_turns_advisory_findings_into_failures(stack) -> None:
    monitor = stack("dev")
    quiet = _run(monitor, "dev", {})
    strict = _run(monitor, "dev", {"all": "mandatory"})
    # Without dev's config its cost choices (no ALB access logs, no enhanced monitoring) are advisory
    # findings; "all": "mandatory" makes exactly those blocking.
    assert {v.policy for v in quiet.advisory} == {v.policy for v in strict.mandatory} == {
        "alb-access-logs", "rds-enhanced-monitoring"}


def _dev_section(key: str, **changes) -> dict:
    section = dict(yaml.safe_load(Path("Pulumi.dev.yaml").read_text())["config"][f"platform:{key}"])
    return {key: {**section, **changes}}


# Settings the config accepts (they are legitimate on some stack) but the guardrails refuse.
@pytest.mark.parametrize(("overrides", "rule"), [
    (_dev_section("database", log_exports=[]), "rds-log-exports"),
    (_dev_section("edge", cloudfront=False, waf=None), "alb-waf-or-cloudfront-only"),
], ids=["database-without-logs", "public-alb-without-waf"])
def test_a_broken_stack_config_is_caught(overrides: dict, rule: str) -> None:
    report = _run(run_program("dev", overrides=overrides), "dev")
    assert [v.policy for v in report.mandatory] == [rule]


def _tampered(recorded: RecordingMonitor, typ: str, **inputs) -> RecordingMonitor:
    # A copy of the graph with one resource's inputs changed, as hand-written code outside the components might.
    monitor = copy.copy(recorded)
    monitor.registered = dict(recorded.registered)
    target = monitor.of_type(typ)[0]
    monitor.registered[target.urn] = replace(target, inputs={**target.inputs, **inputs},
                                             outputs={**target.outputs, **inputs})
    return monitor


@pytest.mark.parametrize(("typ", "inputs", "rule"), [
    ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", {"blockPublicPolicy": False}, "s3-public-access-block"),
    ("aws:rds/cluster:Cluster", {"storageEncrypted": False}, "rds-storage-encrypted"),
    ("aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": True}, "rds-not-public"),
    ("aws:ecs/service:Service", {"networkConfiguration": {"assignPublicIp": True, "subnets": []}}, "ecs-no-public-ip"),
])
def test_a_tampered_graph_is_caught(stack, typ: str, inputs: dict, rule: str) -> None:
    monitor = _tampered(stack("dev"), typ, **inputs)
    assert rule in {v.policy for v in _run(monitor, "dev").mandatory}


def test_the_eks_cluster_is_reported_as_not_fully_checkable(stack) -> None:
    bio = next(p for p in EXAMPLE_FILES if "bioinformatics" in p.name)
    report = _run(stack(bio), "bioinformatics")
    assert any("eks:index:Cluster" in note for note in report.not_checkable)


@pytest.mark.parametrize(("config", "message"), [
    ({"alb-access-logs": "disabled"}, "disabled without a reason"),
    ({"alb-acess-logs": "mandatory"}, "unknown rule 'alb-acess-logs'"),
    ({"alb-access-logs": "blocking"}, "unknown enforcement level 'blocking'"),
])
def test_a_malformed_policy_config_is_refused(stack, config: dict, message: str) -> None:
    with pytest.raises(PolicyConfigError, match=message):
        _run(stack("dev"), "dev", config)


def test_plan_exits_1_on_a_mandatory_violation_and_names_the_rule(tmp_path: Path, capsys) -> None:
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory"}))
    assert main(["plan", "dev", "--policy-config", str(strict)]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY alb-access-logs [FSBP ELB.5]" in out
    assert "result:    FAIL" in out


def test_plan_exits_2_on_a_malformed_policy_config(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"no-such-rule": "mandatory"}))
    assert main(["plan", "dev", "--policy-config", str(bad)]) == 2
    assert "unknown rule 'no-such-rule'" in capsys.readouterr().err
