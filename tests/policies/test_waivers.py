"""Waivers: one rule silenced for one resource, with a reason, an owner and an expiry; never for public
data or admin rights. The pack applies them itself (a real `pulumi preview` sees the same)."""

from __future__ import annotations

from datetime import date

import pytest

from policies import framework
from policies import rules as R
from policies.framework import Waiver, judge
from policies.rules import RULES
from tests.policies.test_rules import Res, StackFx, evaluate

ON = date(2026, 11, 30)
URN = "urn:pulumi:prod::platform::platform:components:ContainerService$aws:lb/loadBalancer:LoadBalancer::app-main"


def waiver(resource: str = "app-main", expires: str = "2026-11-30") -> dict:
    return {"resource": resource, "reason": "logs go to the WAF log group meanwhile", "owner": "platform-team",
            "expires": expires}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framework, "today", lambda: ON)


@pytest.mark.parametrize(("resource", "covered"), [
    ("app-main", True),                                   # by name
    ("app-other", False),
    ("*::app-main", True),                                # by URN pattern
    ("*$aws:lb/loadBalancer:LoadBalancer::*", True),
    ("*$aws:rds/instance:Instance::*", False),
    (URN, True),                                          # the exact URN
])
def test_a_waiver_names_its_resources_by_name_or_urn_pattern(resource: str, covered: bool) -> None:
    kept, matched = judge("m", "app-main", URN, [Waiver.parse(waiver(resource))], True, ON)
    assert (kept is None) is covered and (matched is not None) is covered


@pytest.mark.parametrize(("expires", "silenced"), [
    ("2026-12-31", True),
    ("2026-11-30", True),   # the last day it holds
    ("2026-11-29", False),  # the day after: the violation is back
])
def test_a_waiver_holds_through_its_expiry_date(expires: str, silenced: bool) -> None:
    kept, _ = judge("ALB app-main keeps no access logs.", "app-main", URN, [Waiver.parse(waiver(expires=expires))],
                    True, ON)
    assert (kept is None) is silenced
    if not silenced:
        assert "has expired" in kept and "platform-team" in kept and "2026-11-29" in kept


def test_a_rule_about_public_data_or_admin_rights_ignores_waivers() -> None:
    kept, matched = judge("Bucket b is public.", "b", "urn:x::b", [Waiver.parse(waiver("b", "2027-01-01"))], False, ON)
    assert matched is not None and kept is not None and "cannot be waived" in kept
    assert {r.name for r in RULES if not r.waivable} == {
        "rds-not-public", "s3-public-access-block", "s3-no-public-acl", "s3-policy-no-public-principal",
        "ecr-policy-not-public", "sns-policy-not-public", "sqs-policy-not-public", "kms-policy-not-public",
        "iam-no-full-admin", "iam-no-admin-attachment", "iam-trust-not-public", "github-oidc-trust-restricted"}


def test_the_pack_applies_waivers_to_resource_rules() -> None:
    lb = Res(R.LB, {"internal": False, "loadBalancerType": "application", "tags": {"env": "prod"}}, "app-main")
    assert evaluate("alb-access-logs", lb)  # the violation the waiver is for
    assert evaluate("alb-access-logs", lb, {"waivers": [waiver()]}) == []
    (expired,) = evaluate("alb-access-logs", lb, {"waivers": [waiver(expires="2026-11-29")]})
    assert "has expired" in expired
    assert evaluate("alb-access-logs", lb, {"waivers": [waiver("app-other")]})  # another resource's waiver


def test_the_pack_applies_waivers_to_stack_rules_and_never_to_unwaivable_ones() -> None:
    vpc = StackFx([Res(R.VPC, {"id": "vpc-1", "tags": {"env": "prod"}}, "network-vpc")])
    assert evaluate("vpc-flow-logs", vpc)
    assert evaluate("vpc-flow-logs", vpc, {"waivers": [waiver("network-vpc")]}) == []
    public = Res(R.RDS_INSTANCE, {"publiclyAccessible": True, "tags": {"env": "prod"}}, "db-instance")
    (kept,) = evaluate("rds-not-public", public, {"waivers": [waiver("db-instance", "2027-01-01")]})
    assert "cannot be waived" in kept


def test_every_rule_takes_waivers_in_its_config_schema() -> None:
    from policies.rules import POLICIES

    for policy in POLICIES:
        schema = policy.config_schema.properties["waivers"]
        assert schema["items"]["required"] == ["resource", "reason", "owner", "expires"], policy.name
