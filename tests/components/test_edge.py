"""Edge: CloudFront in front of the load balancer and DNS; or DNS + a regional web ACL on the load balancer."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from components import Edge, EdgeArgs, EdgeSettings, ServedBucket
from components.edge import CacheBehaviorSettings, CacheTtlSettings

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/cf"
LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app-main/abc"
ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/waf-acl/1"


def build(**overrides) -> EdgeArgs:
    """Args in front of LB_ARN; overrides naming an EdgeSettings field go to the settings, the rest to the Args."""
    settings = dict(hostnames=["", "www"], api_paths=["/api/*", "/ws/*"])
    values = dict(domain_name="example.com", zone_id="Z0123456789ABC", region="eu-west-1",
                  load_balancer_dns_name="app-main-1.eu-west-1.elb.amazonaws.com",
                  load_balancer_zone_id="Z32O12XQLNTSW2", load_balancer_arn=LB_ARN,
                  cloudfront_certificate_arn=CERT, origin_header_value="s3cr3t",
                  web_acl_arn=ACL, account_id="123456789012", tags={"env": "test"})
    values["buckets"] = overrides.pop("bucket_args", {})
    for key, value in overrides.items():
        (settings if key in EdgeSettings.model_fields else values)[key] = value
    return EdgeArgs(settings=EdgeSettings(**settings), **values)


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


def test_the_web_acl_guards_the_distribution(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    assert mon.one("aws:cloudfront/distribution:Distribution").inputs["webAclId"] == ACL
    assert mon.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []


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
    block = mon.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "edge-site").inputs
    assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
    doc = json.loads(mon.one("aws:s3/bucketPolicy:BucketPolicy", "edge-site").inputs["policy"])
    (read,) = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"} and read["Action"] == "s3:GetObject"
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": dist.outputs["arn"]}}
    assert any(s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in doc["Statement"])


def test_without_cloudfront_the_web_acl_is_associated_with_the_load_balancer(record) -> None:
    mon = record(lambda: Edge("edge", build(cloudfront=False, cloudfront_certificate_arn=None, www_cname=True,
                                            hostnames=[""], web_acl_arn="arn:aws:wafv2:eu-west-1:1:regional/webacl/x/1")))
    assert mon.of_type("aws:cloudfront/distribution:Distribution") == []
    assoc = mon.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert assoc == {"resourceArn": LB_ARN, "webAclArn": "arn:aws:wafv2:eu-west-1:1:regional/webacl/x/1"}
    dns = records(mon)
    assert dns[("example.com", "A")]["aliases"][0]["name"].endswith(".elb.amazonaws.com")
    assert dns[("www.example.com", "CNAME")]["records"] == ["example.com"]
    assert ("origin.example.com", "A") not in dns


def test_an_ingress_managed_load_balancer_gets_records_but_no_association(record) -> None:
    mon = record(lambda: Edge("edge", build(cloudfront=False, cloudfront_certificate_arn=None, load_balancer_arn=None,
                                            web_acl_arn="arn:aws:wafv2:eu-west-1:1:regional/webacl/x/1")))
    assert mon.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []
    assert ("www.example.com", "A") in records(mon)


def test_direct_names_beside_cloudfront_put_a_regional_acl_on_the_load_balancer(record) -> None:
    regional = "arn:aws:wafv2:eu-west-1:1:regional/webacl/direct/1"
    mon = record(lambda: Edge("edge", build(direct_hostnames=["ws"], load_balancer_web_acl_arn=regional)))
    assert mon.one("aws:cloudfront/distribution:Distribution").inputs["webAclId"] == ACL
    assoc = mon.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    assert assoc == {"resourceArn": LB_ARN, "webAclArn": regional}
    assert records(mon)[("ws.example.com", "A")]["aliases"][0]["name"].endswith(".elb.amazonaws.com")


def test_cloudfront_alone_associates_nothing_with_the_load_balancer(record) -> None:
    mon = record(lambda: Edge("edge", build()))
    assert mon.of_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []


def test_cloudfront_access_logs_reach_a_private_bucket_through_a_us_east_1_delivery(record) -> None:
    mon = record(lambda: Edge("edge", build(region="eu-west-1", account_id="123456789012", access_log_days=30)))
    dist = mon.one("aws:cloudfront/distribution:Distribution")
    source = mon.one("aws:cloudwatch/logDeliverySource:LogDeliverySource").inputs
    assert (source["resourceArn"], source["logType"], source["region"]) == (dist.outputs["arn"], "ACCESS_LOGS", "us-east-1")
    bucket = mon.one("aws:s3/bucket:Bucket", "edge-access-logs")
    destination = mon.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")
    assert destination.inputs["deliveryDestinationConfiguration"]["destinationResourceArn"] == bucket.outputs["arn"]
    delivery = mon.one("aws:cloudwatch/logDelivery:LogDelivery").inputs
    assert delivery["deliverySourceName"] == source["name"]
    assert delivery["deliveryDestinationArn"] == destination.outputs["arn"]
    policy = json.loads(mon.one("aws:s3/bucketPolicy:BucketPolicy", "edge-access-logs").inputs["policy"])
    write = next(s for s in policy["Statement"] if s["Sid"] == "LogDeliveryWrites")
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    rules = mon.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "edge-access-logs").inputs["rules"]
    assert {"days": 30} in [r.get("expiration") for r in rules]


def test_access_logs_can_be_turned_off(record) -> None:
    mon = record(lambda: Edge("edge", build(access_log_days=None)))
    assert mon.of_type("aws:cloudwatch/logDeliverySource:LogDeliverySource") == []


def test_the_single_page_app_fallback_leaves_api_errors_alone(record) -> None:
    # Regression (allthrive): custom error responses turned the API's 403/404 into 200 + index.html for
    # every behaviour. The app's routes are rewritten by a function on the default behaviour only.
    mon = record(lambda: Edge("edge", build(static_site=True)))
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    assert not dist.get("customErrorResponses")
    function = mon.one("aws:cloudfront/function:Function")
    assert function.inputs["runtime"] == "cloudfront-js-2.0" and function.inputs["publish"] is True
    assert dist["defaultCacheBehavior"]["functionAssociations"] == [
        {"eventType": "viewer-request", "functionArn": function.outputs["arn"]}]
    assert all(not b.get("functionAssociations") for b in dist["orderedCacheBehaviors"])  # /api/*, /ws/* untouched


def test_spa_function_rewrites_routes_but_not_files() -> None:
    # The function's rule, run under Node (its code is plain ES5.1 JavaScript, a subset of cloudfront-js-2.0).
    import shutil
    import subprocess

    import pytest

    from components.edge import SPA_ROUTES_FUNCTION

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here: the function's JavaScript cannot be run")
    script = SPA_ROUTES_FUNCTION + """
for (const uri of ["/", "/settings/profile", "/assets/app.3f2a.js", "/users/jo.doe", "/favicon.ico"]) {
  console.log(uri + " " + handler({request: {uri: uri}}).uri);
}"""
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:5] == ["/ /index.html", "/settings/profile /index.html", "/assets/app.3f2a.js /assets/app.3f2a.js",
                       "/users/jo.doe /users/jo.doe", "/favicon.ico /favicon.ico"]


def test_a_dual_stack_load_balancer_gets_aaaa_records_too(record) -> None:
    mon = record(lambda: Edge("edge", build(cloudfront=False, cloudfront_certificate_arn=None, hostnames=[""],
                                            direct_hostnames=["ws"], load_balancer_ipv6=True,
                                            web_acl_arn="arn:aws:wafv2:eu-west-1:1:regional/webacl/x/1")))
    dns = records(mon)
    for name in ("example.com", "ws.example.com"):
        assert dns[(name, "A")]["aliases"] == dns[(name, "AAAA")]["aliases"]
    ipv4_only = record(lambda: Edge("edge", build(cloudfront=False, cloudfront_certificate_arn=None, hostnames=[""],
                                                  web_acl_arn="arn:aws:wafv2:eu-west-1:1:regional/webacl/x/1")))
    assert ("example.com", "AAAA") not in records(ipv4_only)


# -- cached paths of the load balancer (issue 22) ---------------------------------------------------------------------



@pytest.mark.parametrize(("ttl", "valid"), [
    ({}, True), ({"min": 0, "default": 0, "max": 0}, True), ({"min": 60, "default": 60, "max": 60}, True),
    ({"min": 61, "default": 60}, False), ({"default": 61, "max": 60}, False), ({"min": -1}, False),
])
def test_a_ttl_default_lies_within_min_and_max(ttl, valid) -> None:
    if valid:
        assert CacheTtlSettings(**ttl).default == ttl.get("default", 86400)
    else:
        with pytest.raises(ValidationError):
            CacheTtlSettings(**ttl)


@pytest.mark.parametrize(("settings", "problem"), [
    ({"query_strings": []}, "name 1 to 10"),
    ({"query_strings": [f"q{i}" for i in range(11)]}, "name 1 to 10"),
    ({"cookies": [f"c{i}" for i in range(11)]}, "name 1 to 10"),
    ({"headers": [f"h{i}" for i in range(11)]}, "at most 10 items"),
    ({"headers": [f"h{i}" for i in range(10)], "host_header": True}, "at most 10 headers per cache policy"),
    ({"headers": ["Host"]}, "set host_header: true"),
    ({"paths": ["assets/*"]}, "path patterns start with /"),
])
def test_what_a_cached_path_keys_on_is_bounded_by_cloudfronts_quotas(settings, problem) -> None:
    with pytest.raises(ValidationError, match=problem):
        CacheBehaviorSettings(**{"paths": ["/assets/*"], **settings})
    assert CacheBehaviorSettings(paths=["/a/*"], query_strings=[f"q{i}" for i in range(10)],
                                 headers=[f"h{i}" for i in range(9)], host_header=True).host_header


@pytest.mark.parametrize(("edge", "problem"), [
    ({"cache": [{"paths": ["/api/*"]}]}, "@cache[0].paths: /api/* is already in api_paths"),
    ({"cache": [{"paths": ["/a/*"]}, {"paths": ["/a/*"]}]}, "@cache[1].paths: /a/* is already in cache[0]"),
    ({"cloudfront": False, "cache": [{"paths": ["/a/*"]}]}, "@cache: CloudFront caches"),
])
def test_a_path_has_one_behaviour_and_caching_needs_cloudfront(edge, problem) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        EdgeSettings(**edge)


def test_cached_paths_come_first_in_the_order_written_with_their_own_cache_key(record) -> None:
    cache = [{"paths": ["/wp-content/*", "/wp-includes/*"], "ttl": {"default": 3600}},
             {"paths": ["/*.php"], "ttl": {"min": 0, "default": 0, "max": 300}, "query_strings": "all",
              "cookies": ["wordpress_logged_in"], "headers": ["Accept-Language"], "host_header": True}]
    mon = record(lambda: Edge("edge", build(api_paths=["/api/*"], cache=cache)))
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    order = [b["pathPattern"] for b in dist["orderedCacheBehaviors"]]
    assert order == ["/wp-content/*", "/wp-includes/*", "/*.php", "/api/*"]
    policies = {p.name: p for p in mon.of_type("aws:cloudfront/cachePolicy:CachePolicy")}
    static, pages = policies["edge-cache-1"], policies["edge-cache-2"]
    behaviors = {b["pathPattern"]: b for b in dist["orderedCacheBehaviors"]}
    for path, policy in (("/wp-content/*", static), ("/wp-includes/*", static), ("/*.php", pages)):
        b = behaviors[path]
        assert b["cachePolicyId"] == policy.outputs["id"] and b["targetOriginId"] == "load-balancer"
        assert b["viewerProtocolPolicy"] == "redirect-to-https" and b["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert (static.inputs["minTtl"], static.inputs["defaultTtl"], static.inputs["maxTtl"]) == (0, 3600, 31536000)
    key = static.inputs["parametersInCacheKeyAndForwardedToOrigin"]
    assert (key["queryStringsConfig"]["queryStringBehavior"], key["cookiesConfig"]["cookieBehavior"],
            key["headersConfig"]["headerBehavior"]) == ("none", "none", "none")
    key = pages.inputs["parametersInCacheKeyAndForwardedToOrigin"]
    assert (pages.inputs["minTtl"], pages.inputs["defaultTtl"], pages.inputs["maxTtl"]) == (0, 0, 300)
    assert key["queryStringsConfig"] == {"queryStringBehavior": "all"}
    assert key["cookiesConfig"] == {"cookieBehavior": "whitelist", "cookies": {"items": ["wordpress_logged_in"]}}
    assert key["headersConfig"] == {"headerBehavior": "whitelist", "headers": {"items": ["Accept-Language", "Host"]}}
    assert behaviors["/api/*"]["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # still uncached


# -- application buckets through Origin Access Control (issue 22) ----------------------------------------------------

MEDIA = ServedBucket(domain_name="storage-media.s3.eu-west-1.amazonaws.com",
                     arn="arn:aws:s3:::storage-media", kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/media")


def test_a_bucket_on_paths_is_matched_first_read_only_and_keyed_by_path_alone(record) -> None:
    mon = record(lambda: Edge("edge", _with_buckets({"media": {"paths": ["/media/*"], "ttl": {"default": 3600}}},
                                                    cache=[{"paths": ["/static/*"]}])))
    dist = mon.one("aws:cloudfront/distribution:Distribution").inputs
    origin = next(o for o in dist["origins"] if o["originId"] == "bucket-media")
    oac = mon.one("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert origin["domainName"] == MEDIA.domain_name and origin["originAccessControlId"] == oac.id
    assert (oac.inputs["signingBehavior"], oac.inputs["signingProtocol"]) == ("always", "sigv4")
    order = [(b["pathPattern"], b["targetOriginId"]) for b in dist["orderedCacheBehaviors"]]
    assert order == [("/media/*", "bucket-media"), ("/static/*", "load-balancer"), ("/api/*", "load-balancer"),
                     ("/ws/*", "load-balancer")]
    media = dist["orderedCacheBehaviors"][0]
    assert media["allowedMethods"] == ["GET", "HEAD", "OPTIONS"] and media["viewerProtocolPolicy"] == "redirect-to-https"
    policy = mon.one("aws:cloudfront/cachePolicy:CachePolicy", "edge-bucket-media").inputs
    assert media["cachePolicyId"] == mon.one("aws:cloudfront/cachePolicy:CachePolicy", "edge-bucket-media").id
    assert policy["defaultTtl"] == 3600
    key = policy["parametersInCacheKeyAndForwardedToOrigin"]
    assert (key["queryStringsConfig"]["queryStringBehavior"], key["cookiesConfig"]["cookieBehavior"],
            key["headersConfig"]["headerBehavior"]) == ("none", "none", "none")
    assert mon.one("platform:components:Edge").registered_outputs["bucket_distribution_arns"] == {
        "media": mon.one("aws:cloudfront/distribution:Distribution").outputs["arn"]}


def _with_buckets(buckets: dict, **overrides) -> EdgeArgs:
    """`build` with `buckets` served, each read from MEDIA."""
    return build(buckets=buckets, **overrides, bucket_args=dict.fromkeys(buckets, MEDIA))


def test_a_bucket_on_its_own_hostname_gets_a_distribution_of_its_own(record) -> None:
    mon = record(lambda: Edge("edge", _with_buckets({"media": {"hostname": "files"}})))
    own = mon.one("aws:cloudfront/distribution:Distribution", "edge-media-cdn")
    d = own.inputs
    assert d["aliases"] == ["files.example.com"] and [o["originId"] for o in d["origins"]] == ["bucket-media"]
    assert d["defaultCacheBehavior"]["targetOriginId"] == "bucket-media"
    assert d["defaultCacheBehavior"]["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert d["webAclId"] == ACL and d["defaultRootObject"] == "index.html"
    assert d["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert records(mon)[("files.example.com", "A")]["aliases"][0]["name"] == own.outputs["domainName"]
    assert ("files.example.com", "AAAA") in records(mon)
    # Its access logs go to the one log bucket through a delivery source of its own.
    sources = {s.name: s.inputs for s in mon.of_type("aws:cloudwatch/logDeliverySource:LogDeliverySource")}
    assert sources["edge-media-access-logs"]["resourceArn"] == own.outputs["arn"]
    assert len(mon.of_type("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination")) == 1
    site = mon.one("aws:cloudfront/distribution:Distribution", "edge-cdn").inputs
    assert "bucket-media" not in [o["originId"] for o in site["origins"]]


def test_without_cloudfront_for_the_site_a_bucket_hostname_uses_the_cloudfront_scope_acl(record) -> None:
    cdn_acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/waf-cdn-acl/1"
    mon = record(lambda: Edge("edge", _with_buckets({"media": {"hostname": "files"}}, cloudfront=False,
                                                    bucket_web_acl_arn=cdn_acl,
                                                    web_acl_arn="arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1")))
    (dist,) = mon.of_type("aws:cloudfront/distribution:Distribution")
    assert dist.name == "edge-media-cdn" and dist.inputs["webAclId"] == cdn_acl


@pytest.mark.parametrize(("buckets", "edge", "problem"), [
    ({"media": {}}, {}, "set one of paths and hostname"),
    ({"media": {"paths": ["/m/*"], "hostname": "files"}}, {}, "set one of paths and hostname"),
    ({"media": {"paths": ["m/*"]}}, {}, "path patterns start with /"),
    ({"media": {"hostname": "files.cdn"}}, {}, "a single DNS label"),
    ({"media": {"paths": ["/api/*"]}}, {}, "/api/* is already in api_paths"),
    ({"media": {"hostname": "www"}}, {}, "'www' already serves the site"),
    ({"media": {"hostname": "files"}, "avatars": {"hostname": "files"}}, {}, "each bucket needs a hostname of its own"),
    ({"media": {"paths": ["/m/*"]}}, {"cloudfront": False}, "paths of the site are CloudFront's"),
])
def test_a_served_bucket_is_refused_where_cloudfront_could_not_serve_it(buckets, edge, problem) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        EdgeSettings(**{"hostnames": ["", "www"], **edge, "buckets": buckets})


def test_a_bucket_hostname_alone_needs_cloudfront_and_the_certificate() -> None:
    served = EdgeSettings(cloudfront=False, buckets={"media": {"hostname": "files"}})
    assert served.needs_cloudfront and "files" in served.labels()        # the certificate covers it
    assert not EdgeSettings(cloudfront=False).needs_cloudfront           # nearest passing without it
