"""The stack-level settings no component reads (stack_settings.py): policy waivers and acknowledged replacements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from components import _settings
from stack_config import from_mapping
from tests.test_stack_config import (
    problems,
    raw,
)

# -- policy waivers (platform:policy_waivers) -------------------------------------------------------------


def _waiver(**changes) -> dict[str, Any]:
    return {"rule": "alb-access-logs", "resource": "app-main", "reason": "logs reach the WAF log group meanwhile",
            "owner": "platform-team", "expires": "2027-01-31", **changes}


@pytest.mark.parametrize(("changes", "problem"), [
    ({}, None),
    ({"expires": "2027-12-01"}, None),  # 366 days after 2026-11-30: the longest a waiver may run
    ({"expires": "2027-12-02"}, "policy_waivers[0].expires: at most 366 days ahead (2027-12-01)"),
    ({"expires": "soon"}, "policy_waivers[0].expires:"),
    ({"owner": None}, "policy_waivers[0].owner:"),
    ({"reason": "because"}, "policy_waivers[0].reason:"),
    ({"rule": "ALB access logs"}, "policy_waivers[0].rule: expected a policy rule name such as alb-access-logs"),
    ({"expiry": "2027-01-31"}, "policy_waivers[0].expiry: unknown key. Did you mean 'expires'?"),
])
def test_a_waiver_has_a_rule_a_resource_a_reason_an_owner_and_a_near_expiry(monkeypatch, changes, problem) -> None:
    monkeypatch.setattr(_settings, "today", lambda: date(2026, 11, 30))
    mapping = raw("dev")
    mapping["policy_waivers"] = [{k: v for k, v in _waiver(**changes).items() if v is not None}]
    if problem is None:
        assert from_mapping(mapping).policy_waivers[0].owner == "platform-team"
    else:
        assert any(p.startswith(problem) for p in problems(mapping)), problems(mapping)


# -- acknowledged replacements (platform:acknowledged_replacements, read by ./run diff) ----------------------


@pytest.mark.parametrize(("entry", "problem"), [
    ({"resource": "db-instance", "reason": "snapshot taken"}, None),
    ({"resource": "db-instance", "reason": "ten chars!"}, None),  # the shortest reason accepted
    ({"resource": "db-instance", "reason": "nine char"}, "acknowledged_replacements[0].reason:"),
    ({"resource": "db-instance"}, "acknowledged_replacements[0].reason:"),
    ({"resource": "", "reason": "snapshot taken"}, "acknowledged_replacements[0].resource:"),
    ({"resource": "db-instance", "reasons": "snapshot taken"}, "acknowledged_replacements[0].reasons: unknown key"),
])
def test_an_acknowledged_replacement_names_the_resource_and_why(entry, problem) -> None:
    mapping = raw("prod")
    mapping["acknowledged_replacements"] = [entry]
    if problem is None:
        assert from_mapping(mapping).acknowledged_replacements[0].resource == "db-instance"
    else:
        assert any(p.startswith(problem) for p in problems(mapping)), problems(mapping)
