"""Firewall: WAFv2 web ACL rules and logging, CLOUDFRONT scope in us-east-1."""

from __future__ import annotations

from components import Firewall, FirewallArgs, WafSettings


def build(**overrides) -> FirewallArgs:
    """A CloudFront-scope ACL; `scope` goes to the Args, every other override to the settings."""
    scope = overrides.pop("scope", "CLOUDFRONT")
    settings = WafSettings(**{"rate_limit": 100, "geo_block": ["KP", "IR"], "large_body_paths": ["/api/upload"],
                              **overrides})
    return FirewallArgs(settings=settings, scope=scope, region="eu-west-1", tags={"env": "test"})


def test_cloudfront_scope_is_created_in_us_east_1_through_an_explicit_provider(record) -> None:
    mon = record(lambda: Firewall("waf", build()))
    provider = mon.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    acl = mon.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "CLOUDFRONT" and acl.provider.startswith(provider.urn)
    logs = mon.one("aws:cloudwatch/logGroup:LogGroup")
    assert logs.inputs["name"].startswith("aws-waf-logs-") and logs.provider.startswith(provider.urn)
    assert logs.inputs["retentionInDays"] == 30
    logging = mon.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["logDestinationConfigs"] == [logs.outputs["arn"]]
    assert {f["singleHeader"]["name"] for f in logging["redactedFields"]} == {"authorization", "cookie"}


def test_regional_scope_needs_no_extra_provider(record) -> None:
    mon = record(lambda: Firewall("waf", build(scope="REGIONAL")))
    assert mon.of_type("pulumi:providers:aws") == []
    assert mon.one("aws:wafv2/webAcl:WebAcl").inputs["scope"] == "REGIONAL"


def test_rules_rate_limit_geo_block_managed_groups_and_upload_exclusion(record) -> None:
    mon = record(lambda: Firewall("waf", build()))
    acl = mon.one("aws:wafv2/webAcl:WebAcl").inputs
    assert acl["defaultAction"] == {"allow": {}}
    rules = {r["name"]: r for r in acl["rules"]}
    assert rules["rate-limit"]["statement"]["rateBasedStatement"] == {
        "limit": 100, "evaluationWindowSec": 300, "aggregateKeyType": "IP"}
    assert rules["geo-block"]["statement"]["geoMatchStatement"]["countryCodes"] == ["KP", "IR"]
    groups = {r["statement"]["managedRuleGroupStatement"]["name"]: r for r in rules.values()
              if "managedRuleGroupStatement" in r["statement"]}
    assert set(groups) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesAmazonIpReputationList"}
    override = groups["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]["ruleActionOverrides"]
    assert override == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    large = rules["large-body-outside-uploads"]
    assert "block" in large["action"]
    label, negated = large["statement"]["andStatement"]["statements"]
    assert label["labelMatchStatement"]["key"].endswith("SizeRestrictions_Body")
    assert negated["notStatement"]["statement"]["byteMatchStatement"]["searchString"] == "/api/upload"
    priorities = [r["priority"] for r in rules.values()]
    assert len(priorities) == len(set(priorities))


def test_without_upload_paths_the_common_rule_set_blocks_large_bodies(record) -> None:
    mon = record(lambda: Firewall("waf", build(large_body_paths=[], geo_block=[], rate_limit=None)))
    rules = mon.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]
    assert [r["name"] for r in rules] == ["common", "known-bad-inputs", "ip-reputation"]
    assert all("ruleActionOverrides" not in r["statement"]["managedRuleGroupStatement"] for r in rules)
