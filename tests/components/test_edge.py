"""Edge: CloudFront in front of the load balancer, WAF, DNS; or WAF + DNS on the load balancer."""

from __future__ import annotations

import json

from components import Edge, EdgeArgs, WafSpec

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/cf"
LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app-main/abc"


def build(**overrides) -> EdgeArgs:
    values = dict(domain_name="example.com", zone_id="Z0123456789ABC", region="eu-west-1",
                  load_balancer_dns_name="app-main-1.eu-west-1.elb.amazonaws.com",
                  load_balancer_zone_id="Z32O12XQLNTSW2", load_balancer_arn=LB_ARN,
                  hostnames=["", "www"], cloudfront_certificate_arn=CERT, origin_header_value="s3cr3t",
                  api_paths=["/api/*", "/ws/*"],
                  waf=WafSpec(rate_limit=100, geo_block=["KP", "IR"], large_body_paths=["/api/upload"]),
                  tags={"env": "test"})
    values.update(overrides)
    return EdgeArgs(**values)


def records(mon) -> dict[tuple[str, str], dict]:
    return {(r.inputs["name"], r.inputs["type"]): r.inputs for r in mon.of_type("aws:route53/record:Record")}


def test_cloudfront_reaches_the_load_balancer_over_https_with_the_secret_header(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    (origin,) = dist["origins"]
    assert origin["domainName"] == "origin.example.com"
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert origin["customOriginConfig"]["originSslProtocols"] == ["TLSv1.2"]
    assert origin["customHeaders"] == [{"name": "X-Origin-Verify", "value": "s3cr3t"}]
    assert records(mon)[("origin.example.com", "A")]["aliases"][0]["name"] == "app-main-1.eu-west-1.elb.amazonaws.com"


def test_viewers_get_https_tls12_2021_the_cert_and_security_headers(record) -> None:
    mon = record(lambda: Edge("edge", build(price_class="PriceClass_200")))
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    assert dist["viewerCertificate"] == {"acmCertificateArn": CERT, "sslSupportMethod": "sni-only",
                                         "minimumProtocolVersion": "TLSv1.2_2021"}
    assert dist["aliases"] == ["example.com", "www.example.com"] and dist["priceClass"] == "PriceClass_200"
    headers = mon.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    hsts = headers.inputs["securityHeadersConfig"]["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 31536000 and hsts["includeSubdomains"] is True
    for behaviour in [dist["defaultCacheBehavior"], *dist["orderedCacheBehaviors"]]:
        assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["responseHeadersPolicyId"] == headers.id


def test_api_and_websocket_paths_are_uncached_and_forward_everything(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    behaviours = {b["pathPattern"]: b for b in mon.one("aws:cloudfront/distribution:Distribution").inputs["orderedCacheBehaviors"]}
    assert set(behaviours) == {"/api/*", "/ws/*"}
    for b in behaviours.values():
        assert b["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"          # CachingDisabled
        assert b["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AllViewerExceptHostHeader
        assert set(b["allowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
        assert b["targetOriginId"] == "load-balancer"


def test_waf_is_cloudfront_scoped_in_us_east_1_through_an_explicit_provider(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    provider = mon.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    acl = mon.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "CLOUDFRONT" and acl.provider.startswith(provider.urn)
    assert mon.one("aws:cloudfront/distribution:Distribution").inputs["webAclId"] == acl.outputs["arn"]
    logs = mon.one("aws:cloudwatch/logGroup:LogGroup")
    assert logs.inputs["name"].startswith("aws-waf-logs-") and logs.provider.startswith(provider.urn)
    logging = mon.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert logging["logDestinationConfigs"] == [logs.outputs["arn"]]
    assert {f["singleHeader"]["name"] for f in logging["redactedFields"]} == {"authorization", "cookie"}


def test_waf_rules_rate_limit_geo_block_managed_groups_and_upload_exclusion(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    rules = {r["name"]: r for r in mon.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]}
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


def test_hostnames_alias_cloudfront_for_ipv4_and_ipv6(record) -> None:
    mon = record(lambda: Edge("edge", build(direct_hostnames=["ws"], www_cname=False)))
    dns = records(mon)
    dist = mon.one("aws:cloudfront/distribution:Distribution").outputs
    for name in ("example.com", "www.example.com"):
        for kind in ("A", "AAAA"):
            assert dns[(name, kind)]["aliases"][0]["name"] == dist["domainName"]
    assert dns[("ws.example.com", "A")]["aliases"][0]["name"].endswith(".elb.amazonaws.com")


def test_static_site_is_a_private_bucket_read_only_by_this_distribution(record) -> None:
    mon = record(lambda: Edge("edge", build(static_site=True)))
    dist = mon.one("aws:cloudfront/distribution:Distribution")
    origins = {o["originId"]: o for o in dist.inputs["origins"]}
    oac = mon.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert origins["static-site"]["originAccessControlId"] == oac.id
    assert dist.inputs["defaultCacheBehavior"]["targetOriginId"] == "static-site"
    block = mon.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    doc = json.loads(mon.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    (read,) = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": dist.outputs["arn"]}}
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in doc["Statement"])


def test_without_cloudfront_the_waf_is_regional_on_the_load_balancer(record) -> None:
    mon = record(lambda: Edge("edge", build(cloudfront=False, cloudfront_certificate_arn=None, www_cname=True,
                                            hostnames=[""])))
    assert mon.of_type("aws:cloudfront/distribution:Distribution") == []
    assert mon.of_type("pulumi:providers:aws") == []
    acl = mon.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL"
    assoc = mon.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert assoc == {"resourceArn": LB_ARN, "webAclArn": acl.outputs["arn"]}
    dns = records(mon)
    assert dns[("example.com", "A")]["aliases"][0]["name"].endswith(".elb.amazonaws.com")
    assert dns[("www.example.com", "CNAME")]["records"] == ["example.com"]
    assert ("origin.example.com", "A") not in dns
