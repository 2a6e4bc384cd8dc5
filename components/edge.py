"""Edge: CloudFront and the DNS records in front of a load balancer.

With CloudFront:
- the load balancer is the origin under `origin.<domain>` (its certificate must cover that
  name), reached over HTTPS only with a secret header the load balancer requires;
- API and WebSocket paths are not cached and forward every method, header, cookie and query
  string; an optional private S3 bucket behind Origin Access Control serves the default path, with a
  CloudFront Function that answers the single-page app's routes with its index page (custom error
  responses would also turn the API's 403/404 into 200 + HTML: they apply to every behaviour);
- application buckets (`buckets`) on paths of the site, matched first, or on hostnames of their own (one
  distribution each), read through Origin Access Control and cached by path alone;
- a response security-headers policy, TLSv1.2_2021 minimum, HTTP redirected to HTTPS;
- the Firewall's web ACL (CLOUDFRONT scope) attached.
Without CloudFront, a regional web ACL is associated with the load balancer (when its ARN is
known; an EKS ingress carries it as an annotation instead).
DNS: A/AAAA aliases to CloudFront (or A, plus AAAA when it is dual-stack, to the load balancer),
direct names to the load balancer (WebSockets), an optional www CNAME.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._bucket import BucketSpec, Expiry, bucket_policy, private_bucket
from components._common import alias_records, child_opts, physical_name, tags_for
from components._runtime import Access, Need, published
from components._settings import DNS_LABEL, Problems, Settings
from components.firewall import WafSettings

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
"""AWS managed CloudFront policies (fixed ids)."""
_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
SPA_ROUTES_FUNCTION = """function handler(event) {
    var request = event.request;
    // A path whose last segment has no file extension is a route of the single-page app.
    var last = request.uri.split('/').pop();
    if (last.indexOf('.') === -1) {
        request.uri = '/index.html';
    }
    return request;
}
"""
"""Viewer-request function of the static site's default behaviour (runtime cloudfront-js-2.0)."""


class CacheTtlSettings(Settings):
    """How long CloudFront keeps a response (seconds); the origin's Cache-Control applies within min..max."""

    min: int = Field(0, ge=0)
    """Shortest, whatever the origin says."""
    default: int = Field(86400, ge=0)
    """When the origin sends no Cache-Control or Expires."""
    max: int = Field(31536000, ge=0)
    """Longest, whatever the origin says."""

    @model_validator(mode="after")
    def _ordered(self) -> CacheTtlSettings:
        problems = Problems()
        if not self.min <= self.default <= self.max:
            problems.add("default", f"must lie within min..max ({self.min}..{self.max}); got {self.default}")
        return problems.done(self)


class CacheBehaviorSettings(Settings):
    """Paths of the load balancer that CloudFront caches, with what goes into the cache key (and to the origin).

    Quotas (CloudFront Developer Guide, "Quotas on policies": 10 headers, 10 cookies and 10 query strings per cache
    policy; checked 2026-12-04)."""

    paths: list[str] = Field(min_length=1)
    """Path patterns (`/assets/*`, `/wp-content/*`), matched before api_paths, in the order written."""
    ttl: CacheTtlSettings = CacheTtlSettings()
    """How long responses stay cached."""
    query_strings: Literal["none", "all"] | list[str] = "none"
    """Query strings in the cache key and forwarded: none, all, or these names."""
    cookies: Literal["none", "all"] | list[str] = "none"
    """Cookies in the cache key and forwarded: none, all, or these names (a logged-in cookie makes pages per user)."""
    headers: list[str] = Field([], max_length=10)
    """Request headers in the cache key and forwarded (e.g. Accept-Language)."""
    host_header: bool = False
    """Forward the viewer's Host header (applications that build URLs from it, such as a CMS); CloudFront then
    connects to the origin under that name, which the load balancer's certificate covers."""

    @model_validator(mode="after")
    def _rules(self) -> CacheBehaviorSettings:
        problems = Problems()
        for path in self.paths:
            if not path.startswith("/"):
                problems.add("paths", f"path patterns start with /; got {path!r}")
        for key in ("query_strings", "cookies"):
            value = getattr(self, key)
            if isinstance(value, list) and not 1 <= len(value) <= 10:
                problems.add(key, f"name 1 to 10 (CloudFront's limit per cache policy), or none, or all; got {len(value)}")
        if "host" in {h.lower() for h in self.headers}:
            problems.add("headers", "set host_header: true to forward Host")
        if len(self.headers) + self.host_header > 10:
            problems.add("headers", "at most 10 headers per cache policy, Host included")
        return problems.done(self)


class EdgeBucketSettings(Settings):
    """An application bucket (`platform:buckets`) CloudFront serves, through Origin Access Control: on paths of the
    site, or on a hostname of its own (a media host such as files.<domain>). Only this distribution may read it."""

    paths: list[str] = []
    """Path patterns of the site served from the bucket (`/media/*`); the object key is the request's path."""
    hostname: str | None = None
    """A label under domain.name served wholly from the bucket (`files`): a distribution of its own."""
    ttl: CacheTtlSettings = CacheTtlSettings()
    """How long objects stay cached (the bucket's Cache-Control applies within min..max)."""

    @model_validator(mode="after")
    def _one_way(self) -> EdgeBucketSettings:
        problems = Problems()
        if bool(self.paths) == (self.hostname is not None):
            problems.add("paths", "serve the bucket on paths of the site or on a hostname of its own: set one of "
                                  "paths and hostname")
        for path in self.paths:
            if not path.startswith("/"):
                problems.add("paths", f"path patterns start with /; got {path!r}")
        if self.hostname is not None and not re.fullmatch(DNS_LABEL, self.hostname):
            problems.add("hostname", f"a single DNS label such as files or media; got {self.hostname!r}")
        return problems.done(self)


class EdgeSettings(Settings):
    """`platform:edge`: CloudFront + WAF + DNS records in front of a load balancer."""

    load_balancer: str = "main"
    """The load balancer the site is served from."""
    cloudfront: bool = True
    """Serve through CloudFront; off: DNS points at the load balancer (WAF then regional)."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """CloudFront edge locations used."""
    hostnames: list[str] = [""]
    """Labels under domain.name that serve the site ("" = the name itself)."""
    direct_hostnames: list[str] = []
    """Labels that bypass CloudFront and point at the load balancer (e.g. ws for WebSockets)."""
    www_cname: bool = False
    """Add www.<name> as a CNAME of <name>."""
    static_site: bool = False
    """Serve the default path from a private S3 bucket through Origin Access Control."""
    api_paths: list[str] = ["/api/*"]
    """Paths sent uncached (all methods, headers, cookies, query strings) to the load balancer."""
    cache: list[CacheBehaviorSettings] = []
    """Paths of the load balancer CloudFront caches (static assets, public pages), matched first, in order."""
    buckets: dict[str, EdgeBucketSettings] = {}
    """Application buckets (keys of platform:buckets) CloudFront serves, on paths (matched before every other path)
    or on a hostname of their own, each readable by its distribution only."""
    waf: WafSettings | None = WafSettings()
    """Web ACL; unset: none."""
    access_log_days: int | None = Field(90, ge=1, le=3650)
    """Keep CloudFront's access logs this many days (S3, via CloudWatch Logs delivery); unset: no access logs."""

    @model_validator(mode="after")
    def _rules(self) -> EdgeSettings:
        problems = Problems()
        for key in ("hostnames", "direct_hostnames"):
            for label in getattr(self, key):
                if label and not re.fullmatch(DNS_LABEL, label):
                    problems.add(key, f"labels are single DNS labels such as www or api; got {label!r}")
        if self.static_site and not self.cloudfront:
            problems.add("static_site", "is served through CloudFront; set cloudfront: true")
        for path in self.api_paths:
            if not path.startswith("/"):
                problems.add("api_paths", f"path patterns start with /; got {path!r}")
        if set(self.hostnames) & set(self.direct_hostnames):
            problems.add("direct_hostnames", "a name cannot be both behind CloudFront and direct")
        if self.cache and not self.cloudfront:
            problems.add("cache", "CloudFront caches; set cloudfront: true")
        seen: dict[str, str] = dict.fromkeys(self.api_paths, "api_paths")
        for role, served in sorted(self.buckets.items()):
            if served.paths and not self.cloudfront:
                problems.add(f"buckets.{role}.paths", "paths of the site are CloudFront's; set cloudfront: true, or serve "
                                                      "the bucket on a hostname of its own")
            for path in served.paths:
                if path in seen:
                    problems.add(f"buckets.{role}.paths", f"{path} is already in {seen[path]}; a path has one behaviour")
                seen[path] = f"buckets.{role}"
            if served.hostname is not None and served.hostname in [*self.hostnames, *self.direct_hostnames]:
                problems.add(f"buckets.{role}.hostname", f"{served.hostname!r} already serves the site")
        hosts = [b.hostname for b in self.buckets.values() if b.hostname is not None]
        if len(hosts) != len(set(hosts)):
            problems.add("buckets", "each bucket needs a hostname of its own")
        for i, behavior in enumerate(self.cache):
            for path in behavior.paths:
                if path in seen:
                    problems.add(f"cache[{i}].paths", f"{path} is already in {seen[path]}; a path has one behaviour")
                seen[path] = f"cache[{i}]"
        return problems.done(self)

    def labels(self) -> list[str]:
        """Labels under the domain the edge points somewhere ("" is the name itself; `origin` with CloudFront)."""
        return [*self.hostnames, *self.direct_hostnames, *(["www"] if self.www_cname else []),
                *(["origin"] if self.cloudfront else []), *self.bucket_hostnames]

    @property
    def bucket_hostnames(self) -> list[str]:
        """Labels of the buckets served on a hostname of their own."""
        return [b.hostname for _, b in sorted(self.buckets.items()) if b.hostname is not None]

    @property
    def needs_cloudfront(self) -> bool:
        """CloudFront is used: for the site, or for a bucket's own hostname."""
        return self.cloudfront or bool(self.bucket_hostnames)


@dataclass(frozen=True, kw_only=True)
class ServedBucket:
    """An application bucket the edge serves (`edge.buckets`): what CloudFront reads it by."""

    domain_name: pulumi.Input[str]
    """The bucket's regional S3 domain name."""
    arn: pulumi.Input[str]
    """The bucket's ARN."""
    kms_key_arn: pulumi.Input[str]
    """The key its objects are encrypted with (CloudFront decrypts with it)."""


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    """Inputs for :class:`Edge`: its settings (`platform:edge`) and the domain, load balancer and ACLs it fronts."""

    settings: EdgeSettings
    """Hostnames, CloudFront, caching paths, static site and access logs (`waf` goes to the Firewall)."""
    domain_name: str
    """Base domain; hostnames are labels under it."""
    zone_id: pulumi.Input[str]
    """Hosted zone the records go into."""
    region: str
    """The stack's region."""
    load_balancer_dns_name: pulumi.Input[str]
    """DNS name of the load balancer the site is served from (`settings.load_balancer`)."""
    load_balancer_zone_id: pulumi.Input[str]
    """Its canonical hosted zone (alias records)."""
    load_balancer_ipv6: bool = False
    """The load balancer is dual-stack: names pointing at it get AAAA records too."""
    load_balancer_arn: pulumi.Input[str] | None = None
    """Associate a regional web ACL with it (ECS); None: the ingress applies the ACL itself (EKS)."""
    cloudfront_certificate_arn: pulumi.Input[str] | None = None
    """us-east-1 certificate covering the hostnames (CloudFront only)."""
    origin_header_value: pulumi.Input[str] | None = None
    """Secret the load balancer requires in `X-Origin-Verify`."""
    web_acl_arn: pulumi.Input[str] | None = None
    """The Firewall's web ACL (CLOUDFRONT scope with CloudFront, REGIONAL otherwise)."""
    load_balancer_web_acl_arn: pulumi.Input[str] | None = None
    """A REGIONAL web ACL for the load balancer where clients reach it directly beside CloudFront
    (direct hostnames such as ws.); without CloudFront `web_acl_arn` is already regional and used."""
    account_id: pulumi.Input[str] | None = None
    """The account (the log bucket admits only its log deliveries); required for access logs."""
    buckets: Mapping[str, ServedBucket] = field(default_factory=dict)
    """The buckets `settings.buckets` names, by role."""
    bucket_web_acl_arn: pulumi.Input[str] | None = None
    """A CLOUDFRONT-scope web ACL for buckets on hostnames of their own when the site is not behind CloudFront (with
    CloudFront they share `web_acl_arn`)."""
    protect: bool = False
    """Keep the access-log bucket (Pulumi `protect` + `retainOnDelete`), as prod does; otherwise it may be destroyed
    with its logs, as the load balancers' log buckets may."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if self.settings.needs_cloudfront and self.cloudfront_certificate_arn is None:
            raise ValueError("EdgeArgs: CloudFront needs cloudfront_certificate_arn (us-east-1)")
        if self.settings.needs_cloudfront and self.settings.access_log_days is not None and self.account_id is None:
            raise ValueError("EdgeArgs: CloudFront access logs need account_id")
        if set(self.buckets) != set(self.settings.buckets):
            raise ValueError(f"EdgeArgs: buckets must be exactly those settings.buckets names ({sorted(self.settings.buckets)})")

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
    """The web ACL in front of the site ("" without one)."""
    static_bucket_name: pulumi.Output[str]
    """Bucket of the static site ("" without one); deploy the frontend build into it."""
    access_log_bucket_name: pulumi.Output[str]
    """Bucket of CloudFront's access logs ("" without them)."""
    bucket_distribution_arns: dict[str, pulumi.Output[str]]
    """The distribution serving each served bucket (`Storage.serve_through_cloudfront` admits it alone)."""
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What CloudFront and its log delivery do at run time (`components._runtime`)."""

    def __init__(self, name: str, args: EdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Edge", name, None, opts)
        self._name, self._args = name, args
        self.web_acl_arn = pulumi.Output.from_input(args.web_acl_arn or "")
        self.distribution_id = self.distribution_domain_name = self.static_bucket_name = pulumi.Output.from_input("")
        self.access_log_bucket_name = pulumi.Output.from_input("")
        self._needs: list[Need] = []

        lb_alias = aws.route53.RecordAliasArgs(name=args.load_balancer_dns_name, zone_id=args.load_balancer_zone_id,
                                               evaluate_target_health=True)
        self.bucket_distribution_arns: dict[str, pulumi.Output[str]] = {}
        self._oac: aws.cloudfront.OriginAccessControl | None = None
        self._bucket_policies: dict[str, aws.cloudfront.CachePolicy] = {}
        self._headers_policy: aws.cloudfront.ResponseHeadersPolicy | None = None
        self._log_destination: tuple[aws.s3.Bucket, aws.cloudwatch.LogDeliveryDestination] | None = None
        if args.settings.cloudfront:
            self._records("origin", args.origin_hostname, lb_alias, ipv6=False)
            distribution = self._distribution()
            cf_alias = aws.route53.RecordAliasArgs(name=distribution.domain_name,
                                                   zone_id=distribution.hosted_zone_id, evaluate_target_health=False)
            for label in args.settings.hostnames:
                self._records(label or "apex", args.fqdn(label), cf_alias, ipv6=True)
            if args.settings.access_log_days is not None:
                self._access_logs("access-logs", distribution)
            self.distribution_id = distribution.id
            self.distribution_domain_name = distribution.domain_name
            for role, served in sorted(args.settings.buckets.items()):
                if served.paths:
                    self.bucket_distribution_arns[role] = distribution.arn
        else:
            for label in args.settings.hostnames:
                self._records(label or "apex", args.fqdn(label), lb_alias, ipv6=args.load_balancer_ipv6)
        for role, served in sorted(args.settings.buckets.items()):
            if served.hostname is not None:
                own = self._bucket_distribution(role, served.hostname)
                self._records(served.hostname, args.fqdn(served.hostname), aws.route53.RecordAliasArgs(
                    name=own.domain_name, zone_id=own.hosted_zone_id, evaluate_target_health=False), ipv6=True)
                if args.settings.access_log_days is not None:
                    self._access_logs(f"{role}-access-logs", own)
                self.bucket_distribution_arns[role] = own.arn
        for role, arn in sorted(self.bucket_distribution_arns.items()):
            self._bucket_needs(role, arn)
        # Whatever clients reach without CloudFront is guarded by a regional ACL on the load balancer.
        regional = args.load_balancer_web_acl_arn if args.settings.cloudfront else args.web_acl_arn
        if regional is not None and args.load_balancer_arn is not None:
            aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=args.load_balancer_arn,
                                        web_acl_arn=regional, opts=child_opts(self))
        for label in args.settings.direct_hostnames:
            self._records(label, args.fqdn(label), lb_alias, ipv6=args.load_balancer_ipv6)
        if args.settings.www_cname:
            aws.route53.Record(f"{name}-www-cname", zone_id=args.zone_id, name=args.fqdn("www"), type="CNAME",
                               ttl=300, records=[args.domain_name], opts=child_opts(self))
        self.url = pulumi.Output.from_input(f"https://{args.fqdn(args.settings.hostnames[0] if args.settings.hostnames else '')}")
        self.runtime_needs = published(self._needs)
        self.register_outputs({
            "runtime_needs": self.runtime_needs,
            "url": self.url, "distribution_id": self.distribution_id,
            "distribution_domain_name": self.distribution_domain_name, "web_acl_arn": self.web_acl_arn,
            "static_bucket_name": self.static_bucket_name, "access_log_bucket_name": self.access_log_bucket_name,
            "bucket_distribution_arns": self.bucket_distribution_arns,
        })

    def _records(self, key: str, fqdn: str, alias: aws.route53.RecordAliasArgs, *, ipv6: bool) -> None:
        alias_records(self, f"{self._name}-{key}", self._args.zone_id, fqdn, alias, ipv6=ipv6)

    # -- CloudFront --------------------------------------------------------------------------------
    def _access_logs(self, key: str, distribution: aws.cloudfront.Distribution) -> None:
        """CloudFront's standard logs, delivered by CloudWatch Logs (v2) to a private SSE-S3 bucket.

        The v2 delivery needs no bucket ACLs (legacy logging does), so the bucket keeps object
        ownership enforced. CloudFront's delivery objects live in us-east-1 whatever the stack's region.
        Every distribution of the edge delivers to the one bucket, each through a source of its own.
        """
        name, args = self._name, self._args
        account = args.account_id
        assert account is not None  # checked in EdgeArgs
        bucket, destination = self._access_log_destination()
        # The site's distribution keeps the names it was created with; a bucket's own adds its role.
        source_name = f"{name}-cdn" if key == "access-logs" else f"{name}-{key.removesuffix('-access-logs')}-cdn"
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-{key}", name=physical_name(source_name, 60), log_type="ACCESS_LOGS",
            resource_arn=distribution.arn, region="us-east-1", tags=tags_for(args.tags, name, key),
            opts=child_opts(self))
        aws.cloudwatch.LogDelivery(
            f"{name}-{key}", delivery_source_name=source.name, delivery_destination_arn=destination.arn,
            region="us-east-1", tags=tags_for(args.tags, name, key), opts=child_opts(self))
        self._needs.append(Access(
            workload="CloudFront access-log delivery", principal="service:delivery.logs.amazonaws.com",
            actions=["s3:PutObject"], resources=[pulumi.Output.concat(bucket.arn, "/AWSLogs/", account, "/E1/log.gz")],
            key="edge.access_log_days", why="write the access logs",
            context={"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account,
                     "aws:SourceArn": pulumi.Output.concat("arn:aws:logs:us-east-1:", account, ":delivery-source:",
                                                           source.name), "aws:SecureTransport": True}))

    def _access_log_destination(self) -> tuple[aws.s3.Bucket, aws.cloudwatch.LogDeliveryDestination]:
        """The log bucket and its delivery destination, created with the first distribution's logs."""
        if self._log_destination is not None:
            return self._log_destination
        name, args = self._name, self._args
        account = args.account_id
        assert account is not None, "EdgeArgs refuses access logs without account_id"

        def delivery_may_write(arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            return [{
                "Sid": "LogDeliveryWrites", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": "s3:PutObject", "Resource": pulumi.Output.concat(arn, "/AWSLogs/", account, "/*"),
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": pulumi.Output.concat(
                        "arn:aws:logs:us-east-1:", account, ":delivery-source:*")},
                },
            }]

        bucket = private_bucket(self, name, "access-logs", BucketSpec(
            kms_key_arn=None, versioning=False, purpose="logs", protect=args.protect, force_destroy=not args.protect,
            policy_statements=delivery_may_write, tags=args.tags,
            lifecycle=[Expiry(id="access-logs-expiry", expiration_days=args.settings.access_log_days,
                              noncurrent_expiration_days=None)]))
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-access-logs", name=physical_name(f"{name}-cdn-logs", 60), region="us-east-1",
            delivery_destination_configuration=aws.cloudwatch.LogDeliveryDestinationDeliveryDestinationConfigurationArgs(
                destination_resource_arn=bucket.arn),
            tags=tags_for(args.tags, name, "access-logs"), opts=child_opts(self))
        self.access_log_bucket_name = bucket.bucket
        self._log_destination = (bucket, destination)
        return self._log_destination

    def _cache_policy(self, i: int, behavior: CacheBehaviorSettings) -> aws.cloudfront.CachePolicy:
        """What a cached path keys on and forwards (everything forwarded is in the key: no response is served to a
        request it was not made for)."""
        def names(value: Literal["none", "all"] | list[str]) -> tuple[str, list[str] | None]:
            return (value, None) if isinstance(value, str) else ("whitelist", list(value))

        qs_behavior, qs = names(behavior.query_strings)
        cookie_behavior, cookies = names(behavior.cookies)
        headers = [*behavior.headers, *(["Host"] if behavior.host_header else [])]
        items = aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs
        return aws.cloudfront.CachePolicy(
            f"{self._name}-cache-{i + 1}", name=physical_name(f"{self._name}-cache-{i + 1}", 128),
            comment=f"{self._name}: {', '.join(behavior.paths)}"[:128],
            min_ttl=behavior.ttl.min, default_ttl=behavior.ttl.default, max_ttl=behavior.ttl.max,
            parameters_in_cache_key_and_forwarded_to_origin=items(
                enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
                query_strings_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior=qs_behavior,
                    query_strings=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigQueryStringsArgs(
                        items=qs) if qs else None),
                cookies_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior=cookie_behavior,
                    cookies=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigCookiesArgs(
                        items=cookies) if cookies else None),
                headers_config=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="whitelist" if headers else "none",
                    headers=aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigHeadersArgs(
                        items=headers) if headers else None)),
            opts=child_opts(self))

    def _headers(self) -> aws.cloudfront.ResponseHeadersPolicy:
        """The security-headers policy every behaviour of every distribution of the edge answers with."""
        if self._headers_policy is not None:
            return self._headers_policy
        name = self._name
        self._headers_policy = aws.cloudfront.ResponseHeadersPolicy(
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
        return self._headers_policy

    # -- application buckets ---------------------------------------------------------------------
    def _bucket_origin(self, role: str) -> aws.cloudfront.DistributionOriginArgs:
        """The bucket as an S3 origin signed through the edge's one Origin Access Control."""
        if self._oac is None:
            self._oac = aws.cloudfront.OriginAccessControl(
                f"{self._name}-buckets", name=physical_name(f"{self._name}-buckets", 64),
                origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4",
                opts=child_opts(self))
        return aws.cloudfront.DistributionOriginArgs(
            origin_id=f"bucket-{role}", domain_name=self._args.buckets[role].domain_name,
            origin_access_control_id=self._oac.id)

    def _bucket_cache_policy(self, role: str) -> aws.cloudfront.CachePolicy:
        """Objects are keyed by their path alone: no query string, cookie or header reaches S3 (one per bucket)."""
        if role in self._bucket_policies:
            return self._bucket_policies[role]
        ttl = self._args.settings.buckets[role].ttl
        none = aws.cloudfront
        self._bucket_policies[role] = aws.cloudfront.CachePolicy(
            f"{self._name}-bucket-{role}", name=physical_name(f"{self._name}-bucket-{role}", 128),
            comment=f"{self._name}: bucket {role}", min_ttl=ttl.min, default_ttl=ttl.default, max_ttl=ttl.max,
            parameters_in_cache_key_and_forwarded_to_origin=none.CachePolicyParametersInCacheKeyAndForwardedToOriginArgs(
                enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
                query_strings_config=none.CachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfigArgs(
                    query_string_behavior="none"),
                cookies_config=none.CachePolicyParametersInCacheKeyAndForwardedToOriginCookiesConfigArgs(
                    cookie_behavior="none"),
                headers_config=none.CachePolicyParametersInCacheKeyAndForwardedToOriginHeadersConfigArgs(
                    header_behavior="none")),
            opts=child_opts(self))
        return self._bucket_policies[role]

    def _bucket_behaviour(self, role: str, path: str | None) -> dict[str, Any]:
        """Reads only (GET, HEAD, OPTIONS): nothing is written to a bucket through CloudFront."""
        return dict(target_origin_id=f"bucket-{role}", viewer_protocol_policy="redirect-to-https",
                    allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                    cache_policy_id=self._bucket_cache_policy(role).id, response_headers_policy_id=self._headers().id,
                    **({"path_pattern": path} if path else {}))

    def _bucket_distribution(self, role: str, hostname: str) -> aws.cloudfront.Distribution:
        """A bucket on a hostname of its own (`files.<domain>`): a distribution whose one origin is the bucket."""
        name, args = self._name, self._args
        return aws.cloudfront.Distribution(
            f"{name}-{role}-cdn",
            enabled=True,
            comment=f"{name}: bucket {role} on {args.fqdn(hostname)}",
            aliases=[args.fqdn(hostname)],
            origins=[self._bucket_origin(role)],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(**self._bucket_behaviour(role, None)),
            # A bare / asks for this object (absent: 403), never for a listing (CloudFront.1).
            default_root_object="index.html",
            price_class=args.settings.price_class,
            is_ipv6_enabled=True,
            http_version="http2and3",
            web_acl_id=args.web_acl_arn if args.settings.cloudfront else args.bucket_web_acl_arn,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=args.cloudfront_certificate_arn, ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021"),
            tags=tags_for(args.tags, name, f"{role}-cdn"),
            opts=child_opts(self),
        )

    def _bucket_needs(self, role: str, distribution_arn: pulumi.Output[str]) -> None:
        """CloudFront reads the bucket's objects and decrypts them with its key, as its distribution."""
        served = self._args.buckets[role]
        context = {"aws:SourceArn": distribution_arn, "aws:SecureTransport": True}
        self._needs += [
            Access(workload=f"CloudFront (bucket {role})", principal="service:cloudfront.amazonaws.com",
                   actions=["s3:GetObject"], resources=[pulumi.Output.concat(served.arn, "/media/1.png")],
                   key=f"edge.buckets.{role}", why="serve the bucket's objects through Origin Access Control",
                   context=context),
            Access(workload=f"CloudFront (bucket {role})", principal="service:cloudfront.amazonaws.com",
                   actions=["kms:Decrypt"], resources=[served.kms_key_arn], key=f"edge.buckets.{role}",
                   why="decrypt the SSE-KMS objects it serves", context=context),
        ]

    def _distribution(self) -> aws.cloudfront.Distribution:
        name, args = self._name, self._args
        headers = self._headers()
        origins = [aws.cloudfront.DistributionOriginArgs(
            origin_id="load-balancer", domain_name=args.origin_hostname,
            custom_origin_config=aws.cloudfront.DistributionOriginCustomOriginConfigArgs(
                http_port=80, https_port=443, origin_protocol_policy="https-only", origin_ssl_protocols=["TLSv1.2"],
                origin_read_timeout=60, origin_keepalive_timeout=60),
            custom_headers=[aws.cloudfront.DistributionOriginCustomHeaderArgs(
                name="X-Origin-Verify", value=args.origin_header_value)] if args.origin_header_value is not None else None,
        )]
        bucket = None
        if args.settings.static_site:
            bucket = private_bucket(self, name, "site", BucketSpec(
                kms_key_arn=None, versioning=True, purpose="site", defer_policy=True, tags=args.tags))
            oac = aws.cloudfront.OriginAccessControl(
                f"{name}-site", name=physical_name(f"{name}-site", 64), origin_access_control_origin_type="s3",
                signing_behavior="always", signing_protocol="sigv4", opts=child_opts(self))
            origins.append(aws.cloudfront.DistributionOriginArgs(
                origin_id="static-site", domain_name=bucket.bucket_regional_domain_name,
                origin_access_control_id=oac.id))

        def dynamic(path: str | None) -> dict[str, Any]:
            return dict(target_origin_id="load-balancer", viewer_protocol_policy="redirect-to-https",
                        allowed_methods=_ALL_METHODS, cached_methods=["GET", "HEAD"], compress=True,
                        cache_policy_id=CACHING_DISABLED, origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST,
                        response_headers_policy_id=headers.id, **({"path_pattern": path} if path else {}))

        if args.settings.static_site:
            routes = aws.cloudfront.Function(
                f"{name}-spa-routes", name=physical_name(f"{name}-spa-routes", 64), runtime="cloudfront-js-2.0",
                comment=f"{name}: single-page app routes -> /index.html", code=SPA_ROUTES_FUNCTION, publish=True,
                opts=child_opts(self))
            default = aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="static-site", viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=CACHING_OPTIMIZED, response_headers_policy_id=headers.id,
                function_associations=[aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                    event_type="viewer-request", function_arn=routes.arn)])
        else:
            default = aws.cloudfront.DistributionDefaultCacheBehaviorArgs(**dynamic(None))
        # The buckets' paths first: CloudFront takes the first behaviour whose pattern matches.
        served = [(role, b) for role, b in sorted(args.settings.buckets.items()) if b.paths]
        origins += [self._bucket_origin(role) for role, _ in served]
        cached = [aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**self._bucket_behaviour(role, path))
                  for role, b in served for path in b.paths]
        for i, behavior in enumerate(args.settings.cache):
            policy = self._cache_policy(i, behavior)
            cached += [aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=path, target_origin_id="load-balancer", viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=policy.id, response_headers_policy_id=headers.id) for path in behavior.paths]
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=f"{name}: {args.domain_name}",
            aliases=[args.fqdn(label) for label in args.settings.hostnames],
            origins=origins,
            default_cache_behavior=default,
            # CloudFront takes the first behaviour whose pattern matches: the cached paths, then the API's.
            ordered_cache_behaviors=[*cached, *(aws.cloudfront.DistributionOrderedCacheBehaviorArgs(**dynamic(p))
                                                for p in args.settings.api_paths)],
            default_root_object="index.html" if args.settings.static_site else None,
            price_class=args.settings.price_class,
            is_ipv6_enabled=True,
            http_version="http2and3",
            web_acl_id=args.web_acl_arn,
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
            self._needs.append(Access(
                workload="CloudFront (static site origin)", principal="service:cloudfront.amazonaws.com",
                actions=["s3:GetObject"], resources=[pulumi.Output.concat(bucket.arn, "/index.html")],
                key="edge.static_site", why="serve the static site through Origin Access Control",
                context={"aws:SourceArn": distribution.arn, "aws:SecureTransport": True}))
        return distribution
