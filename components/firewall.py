"""Firewall: a WAFv2 web ACL with its logging, for CloudFront or for a regional load balancer.

A component of its own because three consumers attach it differently: CloudFront takes its ARN
(CLOUDFRONT scope, which AWS only accepts in us-east-1: created through an explicit provider when
the stack is elsewhere), an ECS load balancer gets a web ACL association, and an EKS ingress gets
it as an annotation that the AWS Load Balancer Controller applies.

Rules, in priority order: geo block, a per-IP rate limit, AWS managed rule groups and, where large
uploads must pass, the common rule set's body-size rule turned into a label that only blocks
outside the upload paths. Logs go to CloudWatch (`aws-waf-logs-*`) with retention and with the
authorization and cookie headers redacted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field

from components._common import child_opts, physical_name, tags_for
from components._settings import RetentionDays, Settings, matching

MANAGED_RULE_GROUPS = {
    "common": "AWSManagedRulesCommonRuleSet",
    "known_bad_inputs": "AWSManagedRulesKnownBadInputsRuleSet",
    "ip_reputation": "AWSManagedRulesAmazonIpReputationList",
    "anonymous_ip": "AWSManagedRulesAnonymousIpList",
    "sqli": "AWSManagedRulesSQLiRuleSet",
    "linux": "AWSManagedRulesLinuxRuleSet",
}
"""Our short names for AWS managed rule groups."""
_BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"


class WafSettings(Settings):
    """WAFv2 web ACL in front of the site."""

    managed_rules: list[Literal["common", "known_bad_inputs", "ip_reputation", "anonymous_ip", "sqli", "linux"]] = [
        "common", "known_bad_inputs", "ip_reputation"]
    """AWS managed rule groups to apply."""
    rate_limit: int | None = Field(2000, ge=10, le=2000000000)
    """Requests per IP per `rate_window_seconds` before blocking; unset: no rate rule."""
    rate_window_seconds: Literal[60, 120, 300, 600] = 300
    """Window of the rate rule."""
    geo_block: list[Annotated[str, matching(r"^[A-Z]{2}$", "an ISO 3166 country code such as KP")]] = []
    """Countries whose requests are blocked."""
    large_body_paths: list[str] = []
    """Path prefixes where the common rule set's 8 KB body limit is not enforced (uploads)."""
    log_retention_days: RetentionDays = 30
    """Retention of the WAF log group."""


@dataclass(frozen=True, kw_only=True)
class FirewallArgs:
    """Inputs for :class:`Firewall`: its settings (`platform:edge.waf`) and where it is attached."""

    settings: WafSettings
    """Managed rule groups, rate limit, geo blocking and logging."""
    scope: Literal["CLOUDFRONT", "REGIONAL"]
    """CLOUDFRONT (for a distribution) or REGIONAL (for a load balancer)."""
    region: str
    """The stack's region (decides whether CLOUDFRONT needs a us-east-1 provider)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


class Firewall(pulumi.ComponentResource):
    """A WAFv2 web ACL with logging."""

    web_acl_arn: pulumi.Output[str]
    """ARN to attach to CloudFront, a load balancer or an ingress."""
    log_group_name: pulumi.Output[str]
    """WAF log group."""

    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Firewall", name, None, opts)
        child = child_opts(self)
        if args.scope == "CLOUDFRONT" and args.region != "us-east-1":
            provider = aws.Provider(f"{name}-us-east-1", region="us-east-1",
                                    default_tags=aws.ProviderDefaultTagsArgs(tags=dict(args.tags)), opts=child_opts(self))
            child = child_opts(self, provider=provider)
        acl = aws.wafv2.WebAcl(
            f"{name}-acl", scope=args.scope, description=f"{name}: managed rules, rate limit, geo block",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=_rules(args),
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=f"{name}-acl", sampled_requests_enabled=True),
            tags=tags_for(args.tags, name, "acl"), opts=child,
        )
        # WAF only logs to groups whose name starts with aws-waf-logs-, in the ACL's region.
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", name=f"aws-waf-logs-{physical_name(name, 200)}",
                                       retention_in_days=args.settings.log_retention_days,
                                       tags=tags_for(args.tags, name, "logs"), opts=child)
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logs", resource_arn=acl.arn, log_destination_configs=[logs.arn],
            redacted_fields=[aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=h))
                for h in ("authorization", "cookie")],
            opts=child,
        )
        self.web_acl_arn = acl.arn
        self.log_group_name = logs.name
        self.register_outputs({"web_acl_arn": self.web_acl_arn, "log_group_name": self.log_group_name})


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(cloudwatch_metrics_enabled=True, metric_name=metric,
                                                    sampled_requests_enabled=True)


def _rules(args: FirewallArgs) -> list[aws.wafv2.WebAclRuleArgs]:
    rules: list[aws.wafv2.WebAclRuleArgs] = []
    block = aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs())
    if args.settings.geo_block:
        rules.append(aws.wafv2.WebAclRuleArgs(
            name="geo-block", priority=0, action=block, visibility_config=_visibility("geo-block"),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                geo_match_statement=aws.wafv2.WebAclRuleStatementGeoMatchStatementArgs(
                    country_codes=list(args.settings.geo_block)))))
    if args.settings.rate_limit is not None:
        rules.append(aws.wafv2.WebAclRuleArgs(
            name="rate-limit", priority=1, action=block, visibility_config=_visibility("rate-limit"),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                    limit=args.settings.rate_limit, evaluation_window_sec=args.settings.rate_window_seconds, aggregate_key_type="IP"))))
    exempt_uploads = "common" in args.settings.managed_rules and bool(args.settings.large_body_paths)
    for i, group in enumerate(args.settings.managed_rules):
        overrides = None
        if group == "common" and exempt_uploads:
            # Count instead of block: the rule still labels large bodies, and the rule below
            # blocks them everywhere except the upload paths.
            overrides = [aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
                name="SizeRestrictions_BODY",
                action_to_use=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                    count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()))]
        rules.append(aws.wafv2.WebAclRuleArgs(
            name=group.replace("_", "-"), priority=10 + i,
            override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
            visibility_config=_visibility(group.replace("_", "-")),
            statement=aws.wafv2.WebAclRuleStatementArgs(
                managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                    vendor_name="AWS", name=MANAGED_RULE_GROUPS[group], rule_action_overrides=overrides))))
    if exempt_uploads:
        rules.append(aws.wafv2.WebAclRuleArgs(
            name="large-body-outside-uploads", priority=10 + len(args.settings.managed_rules), action=block,
            visibility_config=_visibility("large-body-outside-uploads"),
            statement=_large_body_statement(args.settings.large_body_paths)))
    return rules


def _large_body_statement(paths: Sequence[str]) -> aws.wafv2.WebAclRuleStatementArgs:
    """Requests labelled too large by the common rule set whose path is not an upload path."""
    def starts_with(path: str) -> aws.wafv2.WebAclRuleStatementArgs:
        return aws.wafv2.WebAclRuleStatementArgs(byte_match_statement=aws.wafv2.WebAclRuleStatementByteMatchStatementArgs(
            search_string=path, positional_constraint="STARTS_WITH",
            field_to_match=aws.wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchArgs(
                uri_path=aws.wafv2.WebAclRuleStatementByteMatchStatementFieldToMatchUriPathArgs()),
            text_transformations=[aws.wafv2.WebAclRuleStatementByteMatchStatementTextTransformationArgs(
                priority=0, type="NONE")]))

    upload = (starts_with(paths[0]) if len(paths) == 1 else aws.wafv2.WebAclRuleStatementArgs(
        or_statement=aws.wafv2.WebAclRuleStatementOrStatementArgs(statements=[starts_with(p) for p in paths])))
    return aws.wafv2.WebAclRuleStatementArgs(and_statement=aws.wafv2.WebAclRuleStatementAndStatementArgs(statements=[
        aws.wafv2.WebAclRuleStatementArgs(label_match_statement=aws.wafv2.WebAclRuleStatementLabelMatchStatementArgs(
            scope="LABEL", key=_BODY_SIZE_LABEL)),
        aws.wafv2.WebAclRuleStatementArgs(not_statement=aws.wafv2.WebAclRuleStatementNotStatementArgs(statement=upload)),
    ]))
