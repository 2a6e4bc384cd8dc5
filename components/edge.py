"""Edge: CloudFront, WAF and the DNS records in front of a load balancer.

With CloudFront:
- the load balancer is the origin under `origin.<domain>` (its certificate must cover that
  name), reached over HTTPS only with a secret header the load balancer requires;
- API and WebSocket paths are not cached and forward every method, header, cookie and query
  string; an optional private S3 bucket behind Origin Access Control serves the default path;
- a response security-headers policy, TLSv1.2_2021 minimum, HTTP redirected to HTTPS;
- a WAFv2 web ACL in us-east-1 (CLOUDFRONT scope) through an explicit provider.
Without CloudFront the web ACL is REGIONAL and associated with the load balancer.

The web ACL carries AWS managed rule groups, a per-IP rate rule, a geo block and, where large
uploads must pass, the common rule set's body-size rule turned into a label that only blocks
outside the upload paths. It logs to CloudWatch (`aws-waf-logs-*`) with retention.
DNS: A/AAAA aliases to CloudFront (or A to the load balancer), direct names to the load
balancer (WebSockets), an optional www CNAME.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components._bucket import BucketSpec, bucket_policy, private_bucket
from components._common import child_opts, physical_name, tags_for

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
"""AWS managed CloudFront policies (fixed ids)."""
_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
_MANAGED_RULE_GROUPS = {
    "common": "AWSManagedRulesCommonRuleSet",
    "known_bad_inputs": "AWSManagedRulesKnownBadInputsRuleSet",
    "ip_reputation": "AWSManagedRulesAmazonIpReputationList",
    "anonymous_ip": "AWSManagedRulesAnonymousIpList",
    "sqli": "AWSManagedRulesSQLiRuleSet",
    "linux": "AWSManagedRulesLinuxRuleSet",
}
_BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"


@dataclass(frozen=True, kw_only=True)
class WafSpec:
    """The web ACL's rules."""

    managed_rules: Sequence[str] = ("common", "known_bad_inputs", "ip_reputation")
    rate_limit: int | None = 2000
    """Requests per IP per window before blocking; None: no rate rule."""
    rate_window_seconds: int = 300
    geo_block: Sequence[str] = ()
    """ISO country codes to block."""
    large_body_paths: Sequence[str] = ()
    """Path prefixes exempt from the common rule set's body-size limit (uploads)."""
    log_retention_days: int = 30


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    """Inputs for :class:`Edge`."""

    domain_name: str
    """Base domain; hostnames are labels under it."""
    zone_id: pulumi.Input[str]
    region: str
    load_balancer_dns_name: pulumi.Input[str]
    load_balancer_zone_id: pulumi.Input[str]
    load_balancer_arn: pulumi.Input[str]
    hostnames: Sequence[str] = ("",)
    """Labels served by the site ("" = the base domain)."""
    direct_hostnames: Sequence[str] = ()
    """Labels pointing straight at the load balancer."""
    www_cname: bool = False
    cloudfront: bool = True
    cloudfront_certificate_arn: pulumi.Input[str] | None = None
    """us-east-1 certificate covering the hostnames (CloudFront only)."""
    origin_header_value: pulumi.Input[str] | None = None
    """Secret the load balancer requires in `X-Origin-Verify`."""
    price_class: str = "PriceClass_100"
    api_paths: Sequence[str] = ("/api/*",)
    static_site: bool = False
    waf: WafSpec | None = WafSpec()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cloudfront and self.cloudfront_certificate_arn is None:
            raise ValueError("EdgeArgs: CloudFront needs cloudfront_certificate_arn (us-east-1)")
        if self.static_site and not self.cloudfront:
            raise ValueError("EdgeArgs: a static site is served through CloudFront")

    def fqdn(self, label: str) -> str:
        """`www` -> `www.example.com`; "" -> `example.com`."""
        return f"{label}.{self.domain_name}" if label else self.domain_name

    @property
    def origin_hostname(self) -> str:
        """Name CloudFront reaches the load balancer by (covered by the load balancer's certificate)."""
        return f"origin.{self.domain_name}"


class Edge(pulumi.ComponentResource):
    """CloudFront (optional), WAF and DNS for the site."""

    url: pulumi.Output[str]
    """https URL of the first hostname."""
    distribution_id: pulumi.Output[str]
    """CloudFront distribution id ("" without CloudFront)."""
    distribution_domain_name: pulumi.Output[str]
    """*.cloudfront.net name ("" without CloudFront)."""
    web_acl_arn: pulumi.Output[str]
    """WAF web ACL ("" without WAF)."""
    static_bucket_name: pulumi.Output[str]
    """Bucket of the static site ("" without one); deploy the frontend build into it."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Edge", name, None, opts)
        self._name, self._args = name, args
        provider = None
        if args.cloudfront and args.waf is not None and args.region != "us-east-1":
            provider = aws.Provider(f"{name}-us-east-1", region="us-east-1",
                                    default_tags=aws.ProviderDefaultTagsArgs(tags=dict(args.tags)),
                                    opts=child_opts(self))
        acl = self._web_acl(args.waf, provider) if args.waf is not None else None
        self.web_acl_arn = acl.arn if acl is not None else pulumi.Output.from_input("")
        self.distribution_id = self.distribution_domain_name = self.static_bucket_name = pulumi.Output.from_input("")

        lb_alias = aws.route53.RecordAliasArgs(name=args.load_balancer_dns_name, zone_id=args.load_balancer_zone_id,
                                               evaluate_target_health=True)
        if args.cloudfront:
            self._record("origin", args.origin_hostname, "A", lb_alias)
            distribution = self._distribution(acl)
            cf_alias = aws.route53.RecordAliasArgs(name=distribution.domain_name,
                                                   zone_id=distribution.hosted_zone_id, evaluate_target_health=False)
            for label in args.hostnames:
                for record_type in ("A", "AAAA"):
                    self._record(label or "apex", args.fqdn(label), record_type, cf_alias)
            self.distribution_id = distribution.id
            self.distribution_domain_name = distribution.domain_name
        else:
            for label in args.hostnames:
                self._record(label or "apex", args.fqdn(label), "A", lb_alias)
            if acl is not None:
                aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=args.load_balancer_arn,
                                            web_acl_arn=acl.arn, opts=child_opts(self))
        for label in args.direct_hostnames:
            self._record(label, args.fqdn(label), "A", lb_alias)
        if args.www_cname:
            aws.route53.Record(f"{name}-www-cname", zone_id=args.zone_id, name=args.fqdn("www"), type="CNAME",
                               ttl=300, records=[args.domain_name], opts=child_opts(self))
        self.url = pulumi.Output.from_input(f"https://{args.fqdn(args.hostnames[0] if args.hostnames else '')}")
        self.register_outputs({
            "url": self.url, "distribution_id": self.distribution_id,
            "distribution_domain_name": self.distribution_domain_name, "web_acl_arn": self.web_acl_arn,
            "static_bucket_name": self.static_bucket_name,
        })

    def _record(self, key: str, fqdn: str, record_type: str, alias: aws.route53.RecordAliasArgs) -> None:
        aws.route53.Record(f"{self._name}-{key}-{record_type.lower()}", zone_id=self._args.zone_id, name=fqdn,
                           type=record_type, aliases=[alias], opts=child_opts(self))

    # -- CloudFront --------------------------------------------------------------------------------
    def _distribution(self, acl: aws.wafv2.WebAcl | None) -> aws.cloudfront.Distribution:
        name, args = self._name, self._args
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-security-headers", comment=f"{name}: security headers",
            security_headers_config=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs(
                strict_transport_security=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                    access_control_max_age_sec=63072000, include_subdomains=True, preload=True, override=True),
                content_type_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                    override=True),
                frame_options=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                    frame_option="DENY", override=True),
                referrer_policy=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                    referrer_policy="strict-origin-when-cross-origin", override=True),
                xss_protection=aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs(
                    protection=True, mode_block=True, override=True),
            ),
            opts=child_opts(self),
        )
        origins = [aws.cloudfront.DistributionOriginArgs(
            origin_id="load-balancer", domain_name=args.origin_hostname,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80, https_port=443, origin_protocol_policy="https-only", origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=60, origin_keepalive_timeout=60),
            custom_headers=[aws.cloudfront.DistributionOriginCustomHeaderArgs(
                name="X-Origin-Verify", value=args.origin_header_value)] if args.origin_header_value is not None else None,
        )]
        bucket = None
        if args.static_site:
            bucket = private_bucket(self, name, "site", BucketSpec(
                kms_key_arn=None, versioning=True, purpose="site", defer_policy=True, tags=args.tags))
            oac = aws.cloudfront.OriginAccessControl(
                f"{name}-site", name=physical_name(f"{name}-site", 64), origin_access_control_origin_type="s3",
                signing_behavior="always", signing_protocol="sigv4", opts=child_opts(self))
            origins.append(aws.cloudfront.DistributionOriginArgs(
                origin_id="static-site", domain_name=bucket.bucket_regional_domain_name,
                origin_access_control_id=oac.id))

        def dynamic(path: str | None) -> dict:
            return dict(target_origin_id="load-balancer", viewer_protocol_policy="redirect-to-https",
                        allowed_methods=_ALL_METHODS, cached_methods=["GET", "HEAD"], compress=True,
                        cache_policy_id=CACHING_DISABLED, origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST,
                        response_headers_policy_id=headers.id, **({"path_pattern": path} if path else {}))

        if args.static_site:
            default = aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="static-site", viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=CACHING_OPTIMIZED, response_headers_policy_id=headers.id)
        else:
            default = aws.cloudfront.DistributionDefaultCacheBehaviorArgs(**dynamic(None))
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=f"{name}: {args.domain_name}",
            aliases=[args.fqdn(label) for label in args.hostnames],
            origins=origins,
            default_cache_behavior=default,
            ordered_cache_behaviors=[aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**dynamic(p))
                                     for p in args.api_paths],
            default_root_object="index.html" if args.static_site else None,
            # A single-page app answers unknown paths with its index page.
            custom_error_responses=[aws.cloudfront.DistributionCustomErrorResponseArgs(
                error_code=code, response_code=200, response_page_path="/index.html", error_caching_min_ttl=10)
                for code in (403, 404)] if args.static_site else None,
            price_class=args.price_class,
            is_ipv6_enabled=True,
            http_version="http2and3",
            web_acl_id=acl.arn if acl is not None else None,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.cloudfront_certificate_arn, ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021"),
            tags=tags_for(args.tags, name, "cdn"),
            opts=child_opts(self),
        )
        if bucket is not None:
            bucket_policy(self, f"{name}-site", bucket, [{
                "Sid": "CloudFrontReadsThroughOac", "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution.arn}},
            }])
            self.static_bucket_name = bucket.bucket
        return distribution

    # -- WAF -----------------------------------------------------------------------------------------
    def _web_acl(self, waf: WafSpec, provider: aws.Provider | None) -> aws.wafv2.WebAcl:
        name, args = self._name, self._args
        scope = "CLOUDFRONT" if args.cloudfront else "REGIONAL"
        opts = child_opts(self, provider=provider) if provider is not None else child_opts(self)
        rules: list[aws.wafv2.WebAclRuleArgs] = []

        def visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
            return aws.wafv2.WebAclRuleVisibilityConfigArgs(cloudwatch_metrics_enabled=True, metric_name=metric,
                                                            sampled_requests_enabled=True)

        block = aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs())
        if waf.geo_block:
            rules.append(aws.wafv2.WebAclRuleArgs(
                name="geo-block", priority=0, action=block, visibility_config=visibility("geo-block"),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    geo_match_statement=aws.wafv2.WebAclRuleStatementGeoMatchStatementArgs(
                        country_codes=list(waf.geo_block)))))
        if waf.rate_limit is not None:
            rules.append(aws.wafv2.WebAclRuleArgs(
                name="rate-limit", priority=1, action=block, visibility_config=visibility("rate-limit"),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=waf.rate_limit, evaluation_window_sec=waf.rate_window_seconds,
                        aggregate_key_type="IP"))))
        for i, group in enumerate(waf.managed_rules):
            overrides = None
            if group == "common" and waf.large_body_paths:
                # Count instead of block: the rule still labels large bodies, and the rule below
                # blocks them everywhere except the upload paths.
                overrides = [aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
                    name="SizeRestrictions_BODY",
                    action_to_use=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                        count=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs()))]
            rules.append(aws.wafv2.WebAclRuleArgs(
                name=group.replace("_", "-"), priority=10 + i,
                override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()),
                visibility_config=visibility(group.replace("_", "-")),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=_MANAGED_RULE_GROUPS[group], rule_action_overrides=overrides))))
        if "common" in waf.managed_rules and waf.large_body_paths:
            rules.append(aws.wafv2.WebAclRuleArgs(
                name="large-body-outside-uploads", priority=10 + len(waf.managed_rules), action=block,
                visibility_config=visibility("large-body-outside-uploads"),
                statement=_large_body_statement(waf.large_body_paths)))
        acl = aws.wafv2.WebAcl(
            f"{name}-waf", scope=scope, description=f"{name}: managed rules, rate limit, geo block",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=f"{name}-waf", sampled_requests_enabled=True),
            tags=tags_for(args.tags, name, "waf"), opts=opts,
        )
        # WAF only logs to groups whose name starts with aws-waf-logs-, in the ACL's region.
        logs = aws.cloudwatch.LogGroup(f"{name}-waf-logs", name=f"aws-waf-logs-{physical_name(name, 200)}",
                                       retention_in_days=waf.log_retention_days,
                                       tags=tags_for(args.tags, name, "waf-logs"), opts=opts)
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logs", resource_arn=acl.arn, log_destination_configs=[logs.arn],
            redacted_fields=[aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=h))
                for h in ("authorization", "cookie")],
            opts=opts,
        )
        return acl


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
