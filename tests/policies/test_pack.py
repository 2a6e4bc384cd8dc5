"""The pack as the CLI loads it: PulumiPolicy.yaml, its requirements, and __main__ building the PolicyPack."""

from __future__ import annotations

import runpy
import sys

import pulumi_policy
import pytest
import yaml

from policies.rules import POLICIES, RULES
from tools.harness import PROJECT_DIR

PACK = PROJECT_DIR / "policies"


def test_pack_manifest_is_a_python_pack() -> None:
    manifest = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python" and manifest["runtime"]["options"]["virtualenv"] == "venv"
    assert manifest["description"] and manifest["version"]


def test_pack_requirements_pin_what_the_program_pins() -> None:
    def pins(path):
        return {line.split("==")[0]: line for line in path.read_text().splitlines() if "==" in line}

    pack, program = pins(PACK / "requirements.txt"), pins(PROJECT_DIR / "requirements.txt")
    assert "pulumi-policy" in pack
    assert all(program[name] == line for name, line in pack.items()), "pack and program pin different versions"


def test_main_builds_one_pack_with_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []

    class Capture:
        def __init__(self, **kwargs):
            built.append(kwargs)

    # The real PolicyPack starts the analyzer's gRPC server; the CLI runs the pack with its own
    # directory on sys.path, which the monkeypatch reproduces.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", Capture)
    monkeypatch.syspath_prepend(str(PACK))
    monkeypatch.delitem(sys.modules, "rules", raising=False)
    monkeypatch.delitem(sys.modules, "framework", raising=False)
    runpy.run_path(str(PACK / "__main__.py"), run_name="__main__")
    assert len(built) == 1
    pack = built[0]
    assert pack["name"] == "platform-guardrails"
    assert [p.name for p in pack["policies"]] == [p.name for p in POLICIES]


def test_rules_are_many_unique_kebab_case_and_say_what_to_change() -> None:
    names = [r.name for r in RULES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    for rule in RULES:
        assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
        assert rule.description and rule.remediation, rule.name
        assert (rule.check is None) != (rule.stack_check is None), rule.name
        assert rule.enforcement in {"advisory", "mandatory"}, rule.name


def test_every_policy_carries_its_fsbp_control_and_a_config_schema() -> None:
    for rule, policy in zip(RULES, POLICIES, strict=True):
        assert policy.name == rule.name
        assert policy.config_schema is not None and "environment" in policy.config_schema.properties
        if rule.fsbp:
            assert policy.framework is not None and policy.framework.reference == rule.fsbp
