"""CloudFront, WAF, ACM and Route 53."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, subjects, unreferenced
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, subjects, unreferenced  # type: ignore[no-redef]

from .shared import setting
from .types import DISTRIBUTION, LOG_DELIVERY_SOURCE, QUERY_LOG, WAF_ACL, WAF_LOGGING, ZONE

CLOUDFRONT_TLS = {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}


def cloudfront_viewer(res: Subject) -> Iterator[str]:
    behaviours = [res.props.get("defaultCacheBehavior"), *items(res.props.get("orderedCacheBehaviors"))]
    for b in behaviours:
        if b is not None and dig(b, "viewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            yield f"Distribution {res.name} serves {dig(b, 'pathPattern') or 'the default path'} over plain HTTP."
    cert = res.props.get("viewerCertificate")
    if dig(cert, "cloudfrontDefaultCertificate") is True:
        yield f"Distribution {res.name} uses the *.cloudfront.net certificate, which allows TLS 1.0."
    elif dig(cert, "minimumProtocolVersion") not in CLOUDFRONT_TLS:
        yield f"Distribution {res.name} accepts TLS below 1.2 (minimumProtocolVersion {dig(cert, 'minimumProtocolVersion')!r})."
    if dig(cert, "sslSupportMethod") == "vip":  # FSBP CloudFront.8: dedicated IPs serve clients without SNI
        yield f"Distribution {res.name} serves HTTPS on dedicated IPs (sslSupportMethod vip) instead of SNI."


def cloudfront_origin_tls(res: Subject) -> Iterator[str]:
    for origin in items(res.props.get("origins")):
        custom = dig(origin, "customOriginConfig")
        if custom is None:
            continue
        if dig(custom, "originProtocolPolicy") != "https-only":
            yield f"Distribution {res.name} reaches origin {dig(origin, 'originId')} without HTTPS."
        if set(as_strings(dig(custom, "originSslProtocols"))) - {"TLSv1.2"}:
            yield f"Distribution {res.name} allows deprecated SSL/TLS versions towards {dig(origin, 'originId')}."


cloudfront_waf = setting("webAclId", bool, "Distribution {name} has no web ACL.")


def cloudfront_oac(res: Subject) -> Iterator[str]:
    for origin in items(res.props.get("origins")):
        domain = str(dig(origin, "domainName") or "")
        if ".s3." in domain or domain.endswith(".s3.amazonaws.com"):
            if not dig(origin, "originAccessControlId"):
                yield f"Distribution {res.name} reads S3 origin {dig(origin, 'originId')} without Origin Access Control."
        if "s3-website" in domain:
            yield f"Distribution {res.name} uses a public S3 website endpoint as origin."


def cloudfront_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    # Legacy logging sits on the distribution; v2 logging is a CloudWatch Logs delivery source for it.
    delivered = {s.props.get("resourceArn") for s in stack.of(LOG_DELIVERY_SOURCE) if s.props.get("logType") == "ACCESS_LOGS"}
    for dist in subjects(stack.of(DISTRIBUTION)):
        if not dig(dist.props, "loggingConfig", "bucket") and dist.props.get("arn") not in delivered:
            yield f"Distribution {dist.name} writes no standard access logs.", dist.urn


def waf_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    for acl in unreferenced(stack, (WAF_ACL,), ("arn",), WAF_LOGGING, "resourceArn"):
        yield f"Web ACL {acl.name} does not log.", acl.urn


KNOWN_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"
KNOWN_BAD_RCE = ("Log4JRCE", "JavaDeserializationRCE")
"""The known-bad-inputs rules this control is for: Log4j and Java deserialization remote code execution (AWS WAF
Developer Guide, "Baseline rule groups", Known bad inputs: Log4JRCE_HEADER/_QUERYSTRING/_BODY/_URIPATH and
JavaDeserializationRCE_*; checked 2026-12-05)."""
KNOWN_BAD_LABEL = "awswaf:managed:aws:known-bad-inputs:"


def _mentions(value: Any, text: str) -> bool:
    """Whether any string inside `value` (nested mappings and lists, as the pack's proxies hold them) contains `text`."""
    if isinstance(value, str):
        return text in value
    if isinstance(value, Mapping):
        return any(_mentions(v, text) for v in value.values())
    return any(_mentions(v, text) for v in items(value)) if not isinstance(value, (int, float, bool)) and value else False


def _not_blocking(action: Any) -> bool:
    return isinstance(action, Mapping) and any(k in action for k in ("count", "allow", "challenge", "captcha"))


def waf_known_bad_inputs(res: Subject) -> Iterator[str]:
    rules = items(res.props.get("rules"))
    groups = [r for r in rules if dig(r, "statement", "managedRuleGroupStatement", "name") == KNOWN_BAD_INPUTS]
    if not groups:
        yield f"Web ACL {res.name} lacks {KNOWN_BAD_INPUTS} (Log4j and other known exploits)."
        return
    # A group that only counts still labels what it matches: a later rule that blocks on its labels protects.
    blocks_labels = any(isinstance(dig(r, "action"), Mapping) and "block" in dig(r, "action")
                        and _mentions(dig(r, "statement"), KNOWN_BAD_LABEL) for r in rules)
    for group in groups:
        statement = dig(group, "statement", "managedRuleGroupStatement")
        if "count" in (dig(group, "overrideAction") or {}):
            if not blocks_labels:
                yield f"Web ACL {res.name} runs {KNOWN_BAD_INPUTS} in count mode: it blocks nothing."
            continue
        off = [str(dig(o, "name")) for o in items(dig(statement, "ruleActionOverrides"))
               if _not_blocking(dig(o, "actionToUse"))]
        off += [str(dig(e, "name")) for e in items(dig(statement, "excludedRules"))]  # the API's older form
        weakened = sorted(n for n in off if n.startswith(KNOWN_BAD_RCE))
        if weakened and not blocks_labels:
            yield f"Web ACL {res.name} turns off {', '.join(weakened)} of {KNOWN_BAD_INPUTS} (set to count or excluded)."


def certificate_key(res: Subject) -> Iterator[str]:
    if str(res.props.get("keyAlgorithm") or "RSA_2048") == "RSA_1024":  # RSA_2048 is ACM's default
        yield f"Certificate {res.name} uses a 1024-bit RSA key."


def waf_rules_and_metrics(res: Subject) -> Iterator[str]:
    rules = items(res.props.get("rules"))
    if not rules:
        yield f"Web ACL {res.name} has no rule or rule group."
    configs = [res.props.get("visibilityConfig"), *(dig(r, "visibilityConfig") for r in rules)]
    if any(dig(c, "cloudwatchMetricsEnabled") is not True for c in configs):
        yield f"Web ACL {res.name} has a rule (or itself) without CloudWatch metrics."


def default_root_object(res: Subject) -> Iterator[str]:
    s3_origin = any(".s3." in str(dig(o, "domainName") or "") for o in items(res.props.get("origins")))
    if s3_origin and not res.props.get("defaultRootObject"):
        yield f"Distribution {res.name} serves an S3 origin without a default root object (a bare / lists or errors)."


def zone_query_logging(stack: Stack) -> Iterator[tuple[str, str]]:
    for zone in unreferenced(stack, (ZONE,), ("zoneId", "id"), QUERY_LOG, "zoneId"):
        if not items(zone.props.get("vpcs")):  # private zones have no query logs of this kind
            yield f"Public hosted zone {zone.name} does not log DNS queries.", zone.urn


def origin_failover(res: Subject) -> Iterator[str]:
    if not items(res.props.get("originGroups")):
        yield f"Distribution {res.name} has no origin group to fail over to."
