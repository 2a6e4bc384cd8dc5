"""Load balancers: HTTPS listeners and their TLS policies, HTTP redirects, WAF, access logs, header handling, zones."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, subjects
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, subjects  # type: ignore[no-redef]

from .types import LBS, LISTENER_RULES, LISTENERS, SG_INGRESS, WAF_ASSOCIATION


def https_listener(res: Subject) -> Iterator[str]:
    if res.props.get("protocol") in ("HTTPS", "TLS"):  # TLS: a Network Load Balancer's TLS listener
        policy = res.props.get("sslPolicy")
        if policy not in TLS13_POLICIES:
            yield f"{res.props.get('protocol')} listener {res.name} uses TLS policy {policy!r}, not a TLS 1.3 policy."
        if not res.props.get("certificateArn"):
            yield f"{res.props.get('protocol')} listener {res.name} has no certificate."


def http_redirects(res: Subject) -> Iterator[str]:
    if res.props.get("protocol") != "HTTP":
        return
    actions = items(res.props.get("defaultActions"))
    redirects = [a for a in actions if dig(a, "type") == "redirect" and dig(a, "redirect", "protocol") == "HTTPS"]
    if not redirects or len(redirects) != len(actions):
        yield f"HTTP listener {res.name} does something other than redirect to HTTPS."


def http_listener_rules(stack: Stack) -> Iterator[tuple[str, str]]:
    http = {r.props.get("arn") or r.props.get("id") for r in stack.of(*LISTENERS) if r.props.get("protocol") == "HTTP"}
    for rule in subjects(stack.of(*LISTENER_RULES)):
        if rule.props.get("listenerArn") in http:
            yield f"Listener rule {rule.name} serves plain HTTP.", rule.urn


def alb_waf(stack: Stack) -> Iterator[tuple[str, str]]:
    associated = {a.props.get("resourceArn") for a in stack.of(WAF_ASSOCIATION)}
    cloudfront_only = {r.props.get("securityGroupId") for r in stack.of(SG_INGRESS) if r.props.get("prefixListId")}
    open_groups = {r.props.get("securityGroupId") for r in stack.of(SG_INGRESS)
                   if set(as_strings(r.props.get("cidrIpv4"))) & {"0.0.0.0/0"}}
    for lb in subjects(stack.of(*LBS)):
        if lb.props.get("internal") is True or lb.props.get("loadBalancerType") not in (None, "application"):
            continue
        groups = set(as_strings(lb.props.get("securityGroups")))
        behind_cloudfront = groups and groups <= cloudfront_only and not groups & open_groups
        if lb.props.get("arn") not in associated and not behind_cloudfront:
            yield (f"Internet-facing load balancer {lb.name} has no web ACL and is reachable "
                   "around CloudFront."), lb.urn


def alb_access_logs(res: Subject) -> Iterator[str]:
    if res.props.get("loadBalancerType") in (None, "application", "network") and dig(res.props, "accessLogs", "enabled") is not True:
        yield f"Load balancer {res.name} writes no access logs."


def drop_invalid_headers(res: Subject) -> Iterator[str]:
    if res.props.get("loadBalancerType") in (None, "application") and res.props.get("dropInvalidHeaderFields") is not True:
        yield f"Load balancer {res.name} forwards requests with invalid HTTP header fields."


def lb_desync(res: Subject) -> Iterator[str]:
    if res.props.get("desyncMitigationMode") == "monitor":  # defensive is the default
        yield f"Load balancer {res.name} only monitors HTTP desync (desyncMitigationMode monitor)."


def lb_multi_az(res: Subject) -> Iterator[str]:
    subnets = as_strings(res.props.get("subnets")) + [str(dig(m, "subnetId")) for m in items(res.props.get("subnetMappings"))]
    if len(set(subnets)) < 2:
        yield f"Load balancer {res.name} sits in fewer than two subnets (Availability Zones)."


TLS13_POLICIES = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
}
