"""The offline policy run: every committed stack passes, and broken stacks are caught."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from policies.rules import POLICIES
from tests.conftest import EXAMPLE_FILES, FIXTURE_DEV, FIXTURE_DEV_POLICY, FIXTURE_PROD, STACK_FILES
from tools.__main__ import main
from tools.harness import RecordingMonitor, load_stack_config, run_program
from tools.policy_run import PolicyConfigError, load_policy_config, run_policies


def _run(monitor: RecordingMonitor, stack: str, config: dict | None = None):
    return run_policies(monitor, POLICIES, load_policy_config(stack) if config is None else config)


@pytest.mark.parametrize("path", STACK_FILES + EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_committed_stack_passes_every_mandatory_rule(stack, path: Path) -> None:
    from tools.policy_run import stack_policy_config

    # The pack as plan and the workflows run it: the shipped config, the stack's waivers and what it says of itself.
    report = run_policies(stack(path), POLICIES, stack_policy_config(load_stack_config(path)))
    assert report.mandatory == [], "\n".join(f"{v.policy}: {v.message}" for v in report.mandatory)
    assert report.evaluated + len(report.skipped) + len(report.opt_in) == len(POLICIES)
    assert report.unknown == []


def test_disabled_rules_carry_their_reason_into_the_report(stack) -> None:
    report = _run(stack("dev"), "dev")
    assert set(report.skipped) == set(load_policy_config("dev"))
    assert all(reason for reason in report.skipped.values())


def test_all_mandatory_turns_advisory_findings_into_failures(stack) -> None:
    monitor = stack(FIXTURE_DEV)
    quiet = _run(monitor, "fixture-dev", {})
    strict = _run(monitor, "fixture-dev", {"all": "mandatory"})
    # Without dev's config its cost choices (no ALB access logs, no enhanced monitoring) are advisory
    # findings, beside the pack's other advisories; "all": "mandatory" makes exactly those blocking.
    assert {"alb-access-logs", "rds-enhanced-monitoring"} <= {v.policy for v in quiet.advisory}
    # "all" reaches the opt-in rules too (the engine's precedence), so they may add findings of their own.
    from policies.rules import RULES

    opt_in = {r.name for r in RULES if r.opt_in}
    strict_rules = {v.policy for v in strict.mandatory}
    assert quiet.mandatory == [] and {v.policy for v in quiet.advisory} == strict_rules - opt_in


def test_opt_in_rules_stay_off_until_a_stack_turns_them_on(stack) -> None:
    from policies.rules import RULES

    opt_in = {r.name for r in RULES if r.opt_in}
    off = _run(stack(FIXTURE_DEV), "fixture-dev", load_policy_config("fixture-dev", FIXTURE_DEV_POLICY))
    assert set(off.opt_in) == opt_in and not {v.policy for v in off.violations} & opt_in
    on = _run(stack(FIXTURE_DEV), "fixture-dev", {"vpc-ec2-endpoint": "mandatory"})
    assert "vpc-ec2-endpoint" in {v.policy for v in on.mandatory}  # dev's VPC has no EC2 endpoint
    assert "vpc-ec2-endpoint" not in on.opt_in


def _dev_section(key: str, **changes) -> dict:
    section = dict(yaml.safe_load(FIXTURE_DEV.read_text())["config"][f"platform:{key}"])
    return {key: {**section, **changes}}


# Settings the config accepts (they are legitimate on some stack) but the guardrails refuse.
@pytest.mark.parametrize(("overrides", "rule"), [
    (_dev_section("database", log_exports=[]), "rds-log-exports"),
    (_dev_section("edge", cloudfront=False, waf=None), "alb-waf-or-cloudfront-only"),
], ids=["database-without-logs", "public-alb-without-waf"])
def test_a_broken_stack_config_is_caught(overrides: dict, rule: str) -> None:
    report = _run(run_program(FIXTURE_DEV, overrides=overrides), "fixture-dev", load_policy_config("fixture-dev", FIXTURE_DEV_POLICY))
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
    monitor = _tampered(stack(FIXTURE_DEV), typ, **inputs)
    assert rule in {v.policy for v in _run(monitor, "fixture-dev", load_policy_config("fixture-dev", FIXTURE_DEV_POLICY)).mandatory}


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
        _run(stack(FIXTURE_DEV), "fixture-dev", config)


def test_plan_exits_1_on_a_mandatory_violation_and_names_the_rule(tmp_path: Path, capsys) -> None:
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory"}))
    assert main(["plan", str(FIXTURE_DEV), "--policy-config", str(strict)]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY alb-access-logs [FSBP ELB.5]" in out
    assert "result:    FAIL" in out


def test_plan_exits_2_on_a_malformed_policy_config(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"no-such-rule": "mandatory"}))
    assert main(["plan", str(FIXTURE_DEV), "--policy-config", str(bad)]) == 2
    assert "unknown rule 'no-such-rule'" in capsys.readouterr().err


# -- waivers: from the stack file to the pack's config, and through the offline run ----------------------


def _with_waivers(tmp_path: Path, source: Path, waivers: list[dict], **config_changes) -> Path:
    doc = yaml.safe_load(source.read_text())
    doc["config"]["platform:policy_waivers"] = waivers
    for key, value in config_changes.items():
        doc["config"][key] = value
    # Named like the committed stack, so its policies/config.<stack>.json (the shipped one) applies.
    path = tmp_path / source.name.replace("fixture-", "")
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _waiver(rule: str, resource: str, expires: str | None = None) -> dict:
    # The date is taken when the waiver is made, not when this module was imported (a run crossing midnight).
    return {"rule": rule, "resource": resource, "reason": "a reason long enough", "owner": "platform-team",
            "expires": expires or str(date.today() + timedelta(days=30))}


def test_the_stack_files_waivers_reach_each_rules_config(tmp_path: Path) -> None:
    from tools.policy_run import stack_policy_config

    flow_logs = _waiver("vpc-flow-logs", "*::network-vpc")
    path = _with_waivers(tmp_path, FIXTURE_DEV, [_waiver("alb-access-logs", "app-main"), flow_logs])
    config = stack_policy_config(load_stack_config(path))
    assert config["alb-access-logs"]["enforcementLevel"] == "disabled"  # policies/config.dev.json stays
    assert [w["resource"] for w in config["alb-access-logs"]["waivers"]] == ["app-main"]
    assert config["vpc-flow-logs"] == {"waivers": [{"resource": "*::network-vpc", "reason": "a reason long enough",
                                                    "owner": "platform-team", "expires": flow_logs["expires"]}]}


@pytest.mark.parametrize(("rule", "message"), [
    ("alb-acess-logs", "no policy rule 'alb-acess-logs'"),
    ("rds-not-public", "cannot be waived"),
])
def test_a_waiver_of_an_unknown_or_unwaivable_rule_is_bad_input(tmp_path: Path, rule: str, message: str) -> None:
    from tools.policy_run import stack_policy_config

    path = _with_waivers(tmp_path, FIXTURE_DEV, [_waiver(rule, "db-instance")])
    with pytest.raises(PolicyConfigError, match=message) as caught:
        stack_policy_config(load_stack_config(path))
    assert "platform:policy_waivers[0].rule" in str(caught.value)
    assert main(["policy-config", str(path)]) == 2


def test_plan_lists_active_waivers_and_reports_expired_ones_again(tmp_path: Path, capsys) -> None:
    # prod without CloudFront access logs breaks cloudfront-access-logs (mandatory in prod) on edge-cdn.
    edge = dict(yaml.safe_load(FIXTURE_PROD.read_text())["config"]["platform:edge"], access_log_days=None)
    active = _with_waivers(tmp_path, FIXTURE_PROD, [_waiver("cloudfront-access-logs", "edge-cdn"),
                                                          _waiver("waf-logging", "no-such-acl")],
                           **{"platform:edge": edge})
    assert main(["plan", str(active)]) == 0
    out = capsys.readouterr().out
    assert "waived cloudfront-access-logs on edge-cdn: a reason long enough (owner platform-team" in out
    assert "unused waiver waf-logging for no-such-acl" in out and "1 waived" in out
    (tmp_path / "old").mkdir()
    expired = _with_waivers(tmp_path / "old", FIXTURE_PROD,
                            [_waiver("cloudfront-access-logs", "edge-cdn", "2026-01-01")], **{"platform:edge": edge})
    assert main(["plan", str(expired)]) == 1
    out = capsys.readouterr().out
    assert "MANDATORY cloudfront-access-logs" in out and "has expired" in out and "waived cloudfront" not in out


def test_an_expired_waiver_of_a_mandatory_rule_blocks_again(record) -> None:
    from components import Cache, CacheArgs, CacheSettings

    mon = record(lambda: Cache("cache", CacheArgs(
        settings=CacheSettings(node_type="cache.t4g.micro", nodes=2, snapshot_retention_days=0),
        vpc_id="vpc-0123456789abcdef0", subnet_ids=["subnet-0aaaaaaaaaaaaaaa1"], protect=True, tags={"env": "prod"})))
    waiver = {"resource": "cache-group", "reason": "a reason long enough", "owner": "data-team"}
    active = run_policies(mon, POLICIES, {"elasticache-snapshots-prod": {"waivers": [{**waiver, "expires": "2099-01-01"}]}})
    assert active.mandatory == [] and [(r, u.rsplit("::", 1)[-1]) for r, u, _ in active.waived] == [
        ("elasticache-snapshots-prod", "cache-group")]
    expired = run_policies(mon, POLICIES, {"elasticache-snapshots-prod": {"waivers": [{**waiver, "expires": "2020-01-01"}]}})
    (violation,) = [v for v in expired.mandatory if v.policy == "elasticache-snapshots-prod"]
    assert "has expired" in violation.message and expired.waived == []


def _public_dev(tmp_path: Path, **changes) -> Path:
    doc = yaml.safe_load(FIXTURE_DEV.read_text())
    config = doc["config"]
    config["platform:cluster"] = {**(config.get("platform:cluster") or {}), "task_subnets": "public"}
    config["platform:network"] = {**config["platform:network"], "egress": "none"}
    del config["platform:pipeline"]
    config["platform:services"]["api"].pop("pipeline")
    config.update(changes)
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_a_dev_with_public_tasks_is_told_so_as_advisories_in_plan_and_in_the_real_runs(tmp_path: Path, capsys) -> None:
    from tools.policy_run import PUBLIC_TASK_RULES, stack_policy_config

    path = _public_dev(tmp_path)
    config = stack_policy_config(load_stack_config(path))
    assert {rule: config[rule]["enforcementLevel"] for rule in PUBLIC_TASK_RULES} == {
        "ecs-no-public-ip": "advisory", "ecs-private-subnets": "advisory"}
    assert all("task_subnets: public" in config[rule]["reason"] for rule in PUBLIC_TASK_RULES)
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ADVISORY ecs-no-public-ip" in out and "ADVISORY ecs-private-subnets" in out and "MANDATORY" not in out
    # Private tasks keep both rules as the shipped config says (mandatory).
    assert "ecs-no-public-ip" not in stack_policy_config(load_stack_config(FIXTURE_DEV))
