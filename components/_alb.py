"""Application load balancers for ContainerService: listeners, target groups, path rules.

Each load balancer gets its own security group, an HTTP listener that only redirects to HTTPS,
an HTTPS listener with a TLS 1.3 policy, and per service a target group (type ip) with the
service's health check plus listener rules by priority. Behind CloudFront, the load balancer
admits only CloudFront's origin-facing prefix list, and every rule also requires a secret header
that only the distribution sends; anything else gets 403.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random
from pydantic import Field, field_validator, model_validator

from components._bucket import BucketSpec, Expiry, private_bucket
from components._common import child_opts, tags_for
from components._runtime import Access, Connection, Need
from components._settings import DnsLabel, Problems, Settings, matching
from components._workload import DEFAULT_DEREGISTRATION_DELAY
from components.firewall import WafSettings

ORIGIN_HEADER = "X-Origin-Verify"
"""Header CloudFront adds to origin requests; the load balancer forwards only requests that carry it."""
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
_DEFAULT_RULE_PRIORITY = 50000  # the highest priority number: evaluated after every path rule


class LoadBalancerSettings(Settings):
    """One application load balancer with HTTPS (TLS 1.3 policy) and an HTTP->HTTPS redirect."""

    scheme: Literal["internet-facing", "internal"] = "internet-facing"
    """Internet-facing (public subnets) or internal (private subnets)."""
    idle_timeout: int = Field(60, ge=1, le=4000)
    """Idle connection timeout in seconds; 120+ for WebSockets."""
    ssl_policy: Literal[
        "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    ] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listener (TLS 1.3 policies only)."""
    access_logs: bool = False
    """Write access logs to an S3 bucket created for them."""
    ingress_cidrs: list[IPv4Network] = []
    """Internal load balancers: who may connect (default: the VPC CIDR); e.g. a VPN range."""
    hostname: DnsLabel | None = None
    """Label under domain.name that points at this load balancer (`api` -> api.<domain>); added to the
    certificate. Every load balancer the edge does not serve needs one: HTTPS works only under a name
    its certificate covers."""
    ip_address_type: Literal["ipv4", "dualstack"] = "ipv4"
    """`dualstack` gives the load balancer IPv6 too (AAAA records); needs network.ipv6."""
    waf: WafSettings | None = None
    """Its own regional web ACL (rules, rate limit, logging as in edge.waf); unset, an internet-facing load balancer
    the edge does not serve shares the stack's rules (edge.waf) in a regional ACL. The edge's own load balancer is
    guarded by edge.waf."""

    @property
    def internal(self) -> bool:
        """Internal (private subnets) rather than internet-facing."""
        return self.scheme == "internal"

    @property
    def dualstack(self) -> bool:
        """IPv6 beside IPv4."""
        return self.ip_address_type == "dualstack"


class TargetHealthCheckSettings(Settings):
    """Load balancer health check of a service's targets."""

    path: str = "/"
    """HTTP path, starting with /."""
    interval: int = Field(30, ge=5, le=300)
    """Seconds between checks."""
    timeout: int = Field(5, ge=2, le=120)
    """Seconds before a check fails (less than interval)."""
    healthy_threshold: int = Field(2, ge=2, le=10)
    """Consecutive successes to become healthy."""
    unhealthy_threshold: int = Field(3, ge=2, le=10)
    """Consecutive failures to become unhealthy."""
    matcher: Annotated[str, matching(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$", "HTTP codes such as 200 or 200-399")] = "200-399"
    """Status codes that count as healthy."""

    @model_validator(mode="after")
    def _rules(self) -> TargetHealthCheckSettings:
        problems = Problems()
        if not self.path.startswith("/"):
            problems.add("path", f"must start with /; got {self.path!r}")
        if self.timeout >= self.interval:
            problems.add("timeout", f"must be shorter than interval ({self.interval}s); got {self.timeout}s")
        # An ALB's HTTP matcher takes codes from 200 to 499, single or as ranges (ELBv2 API Reference, Matcher
        # HttpCode; checked 2026-12-04).
        for part in self.matcher.split(","):
            low, _, high = part.partition("-")
            if not 200 <= int(low) <= int(high or low) <= 499:
                problems.add("matcher", f"codes run from 200 to 499, a range low to high; got {part}")
        return problems.done(self)


class RouteSettings(Settings):
    """A listener rule forwarding matching requests to the service."""

    paths: list[str] = Field(min_length=1, max_length=4)
    """Path patterns (`/api`, `/api/*`), each starting with /."""
    priority: int = Field(ge=1, le=49999)
    """Rule priority on the load balancer (lower wins; unique per load balancer)."""

    @field_validator("paths")
    @classmethod
    def _slash(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"path patterns start with /; got {path!r}")
        return value


@dataclass(frozen=True, kw_only=True)
class LoadBalancerSpec:
    """One application load balancer: its settings (`platform:load_balancers.<key>`) and what the stack supplies."""

    settings: LoadBalancerSettings
    """Scheme, timeouts, TLS policy, access logs, client ranges, IP version."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the load balancer (public ones when internet-facing)."""
    certificate_arn: pulumi.Input[str]
    """ACM certificate of the HTTPS listener."""
    cloudfront_only: bool = False
    """Admit only CloudFront (prefix list + secret origin header)."""
    deletion_protection: bool = False
    """AWS-side deletion protection (prod)."""
    web_acl_arn: pulumi.Input[str] | None = None
    """Regional web ACL the load balancer carries (internet-facing ones the edge does not guard)."""


@dataclass(frozen=True, kw_only=True)
class Target:
    """A service as seen by its load balancer."""

    port: int
    health_check: TargetHealthCheckSettings
    routes: Sequence[RouteSettings] = ()
    default_route: bool = False
    deregistration_delay: int = DEFAULT_DEREGISTRATION_DELAY
    """Seconds in-flight requests may finish on a target being removed."""


@dataclass
class BuiltLoadBalancer:
    """What ContainerService needs from a built load balancer."""

    security_group: aws.ec2.SecurityGroup
    load_balancer: aws.lb.LoadBalancer
    target_groups: dict[str, aws.lb.TargetGroup] = field(default_factory=dict)
    rules: list[pulumi.Resource] = field(default_factory=list)
    origin_secret: pulumi.Output[str] | None = None
    needs: list[Need] = field(default_factory=list)
    """Who reaches the load balancer and what its log delivery writes (`components._runtime`)."""


def build_load_balancer(parent: pulumi.Resource, name: str, key: str, spec: LoadBalancerSpec, *,
                        vpc_id: pulumi.Input[str], vpc_cidr: pulumi.Input[str], account_id: pulumi.Input[str],
                        targets: Mapping[str, Target], protect: bool,
                        tags: Mapping[str, str]) -> BuiltLoadBalancer:
    """Create load balancer `key` with its listeners, target groups and rules under `parent`."""
    base = f"{name}-{key}"
    sg = aws.ec2.SecurityGroup(base, vpc_id=vpc_id, description=f"{base}: HTTPS in, services out",
                               tags=tags_for(tags, name, key), opts=child_opts(parent))
    needs = _ingress(parent, name, key, sg, spec, vpc_cidr, tags)
    logs = None
    if spec.settings.access_logs:
        logs = _access_log_bucket(parent, name, key, account_id, protect, tags)
        needs.append(Access(
            workload=f"load balancer {key} log delivery", principal=f"service:{_LOG_DELIVERY}", actions=["s3:PutObject"],
            resources=[pulumi.Output.concat(logs.arn, f"/{key}/AWSLogs/", account_id, "/elasticloadbalancing/log.gz")],
            why="write the access logs", key=f"load_balancers.{key}.access_logs", context={"aws:SecureTransport": True}))
    lb = aws.lb.LoadBalancer(
        base,
        load_balancer_type="application",
        internal=spec.settings.internal,
        ip_address_type="dualstack" if spec.settings.dualstack else None,
        subnets=spec.subnet_ids,
        security_groups=[sg.id],
        idle_timeout=spec.settings.idle_timeout,
        drop_invalid_header_fields=True,
        desync_mitigation_mode="defensive",
        enable_deletion_protection=spec.deletion_protection,
        access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.bucket, prefix=key, enabled=True)
        if logs is not None else None,
        tags=tags_for(tags, name, key),
        opts=child_opts(parent, depends_on=[logs] if logs is not None else None),
    )
    built = BuiltLoadBalancer(security_group=sg, load_balancer=lb, needs=needs)
    if spec.web_acl_arn is not None:
        aws.wafv2.WebAclAssociation(f"{base}-waf", resource_arn=lb.arn, web_acl_arn=spec.web_acl_arn,
                                    opts=child_opts(parent))
    aws.lb.Listener(
        f"{base}-http", load_balancer_arn=lb.arn, port=80, protocol="HTTP",
        default_actions=[aws.lb.ListenerDefaultActionArgs(
            type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                port="443", protocol="HTTPS", status_code="HTTP_301"))],
        tags=tags_for(tags, name, f"{key}-http"), opts=child_opts(parent),
    )
    for service, target in sorted(targets.items()):
        hc = target.health_check
        built.target_groups[service] = aws.lb.TargetGroup(
            f"{name}-{service}", vpc_id=vpc_id, target_type="ip", protocol="HTTP", port=target.port,
            deregistration_delay=target.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, path=hc.path, protocol="HTTP", port="traffic-port", interval=hc.interval,
                timeout=hc.timeout, healthy_threshold=hc.healthy_threshold,
                unhealthy_threshold=hc.unhealthy_threshold, matcher=hc.matcher),
            tags=tags_for(tags, name, service), opts=child_opts(parent),
        )
    default_service = next((s for s, t in targets.items() if t.default_route), None)
    header_condition = None
    if spec.cloudfront_only:
        secret = random.RandomPassword(f"{base}-origin-secret", length=40, special=False, opts=child_opts(parent))
        built.origin_secret = pulumi.Output.secret(secret.result)
        header_condition = aws.lb.ListenerRuleConditionArgs(http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
            http_header_name=ORIGIN_HEADER, values=[secret.result]))
    if default_service is not None and header_condition is None:
        default_action = aws.lb.ListenerDefaultActionArgs(
            type="forward", target_group_arn=built.target_groups[default_service].arn)
    else:
        # No default target, or requests must prove they came through CloudFront first.
        status = "403" if header_condition is not None else "404"
        default_action = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response", fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Forbidden" if status == "403" else "Not Found",
                status_code=status))
    https = aws.lb.Listener(
        f"{base}-https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS", ssl_policy=spec.settings.ssl_policy,
        certificate_arn=spec.certificate_arn, default_actions=[default_action],
        tags=tags_for(tags, name, f"{key}-https"), opts=child_opts(parent),
    )
    built.rules.append(https)
    for service, target in sorted(targets.items()):
        for route in target.routes:
            conditions = [aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(route.paths)))]
            if header_condition is not None:
                conditions.append(header_condition)
            built.rules.append(_forward_rule(parent, f"{name}-{service}-{route.priority}", https,
                                             built.target_groups[service], route.priority, conditions, tags, name))
    if default_service is not None and header_condition is not None:
        built.rules.append(_forward_rule(parent, f"{name}-{default_service}-default", https,
                                         built.target_groups[default_service], _DEFAULT_RULE_PRIORITY,
                                         [header_condition], tags, name))
    return built


def _forward_rule(parent: pulumi.Resource, logical: str, listener: aws.lb.Listener, group: aws.lb.TargetGroup,
                  priority: int, conditions: list[aws.lb.ListenerRuleConditionArgs],
                  tags: Mapping[str, str], name: str) -> aws.lb.ListenerRule:
    return aws.lb.ListenerRule(
        logical, listener_arn=listener.arn, priority=priority, conditions=conditions,
        actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=group.arn)],
        tags=tags_for(tags, name, logical.removeprefix(f"{name}-")), opts=child_opts(parent),
    )


def _ingress(parent: pulumi.Resource, name: str, key: str, sg: aws.ec2.SecurityGroup, spec: LoadBalancerSpec,
             vpc_cidr: pulumi.Input[str], tags: Mapping[str, str]) -> list[Need]:
    """The load balancer's ingress rules, and the clients' connections they serve."""
    base = f"{name}-{key}"
    needs: list[Need] = []

    def rule(suffix: str, port: int, **source: pulumi.Input[str]) -> None:
        kind, value = next(iter(source.items()))
        origin = pulumi.Output.concat("prefix-list:", value) if kind == "prefix_list_id" else pulumi.Output.concat("cidr:", value)
        needs.append(Connection(workload="CloudFront" if suffix == "cloudfront" else f"clients ({suffix})",
                                source=origin, subnets=[], target=sg.id, port=port, key=f"load_balancers.{key}",
                                why="reach the load balancer" + (" (HTTP redirects to HTTPS)" if port == 80 else "")))
        aws.vpc.SecurityGroupIngressRule(
            f"{base}-{suffix}-{port}", security_group_id=sg.id, ip_protocol="tcp", from_port=port, to_port=port,
            description=f"{'HTTPS' if port == 443 else 'HTTP (redirect only)'} from {suffix}",
            tags=tags_for(tags, name, f"{key}-{suffix}-{port}"), opts=child_opts(parent), **source)

    if spec.cloudfront_only:
        prefix_list = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_PREFIX_LIST, opts=pulumi.InvokeOutputOptions(parent=parent))
        rule("cloudfront", 443, prefix_list_id=prefix_list.id)
    elif spec.settings.internal:
        for i, cidr in enumerate([str(c) for c in spec.settings.ingress_cidrs] or [vpc_cidr]):
            for port in (443, 80):
                rule(f"clients{i}", port, cidr_ipv4=cidr)
    else:
        for port in (443, 80):
            rule("internet", port, cidr_ipv4="0.0.0.0/0")
            if spec.settings.dualstack:
                rule("internet-ipv6", port, cidr_ipv6="::/0")
    return needs


_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"
"""The principal ELB delivers access logs as in regions launched after 2022 and, by the ELB User Guide, the one
to admit (the per-region ELB account stays admitted for older regions; checked 2026-12-04)."""


def _access_log_bucket(parent: pulumi.Resource, name: str, key: str, account_id: pulumi.Input[str],
                       protect: bool, tags: Mapping[str, str]) -> aws.s3.Bucket:
    elb_account = aws.elb.get_service_account_output(opts=pulumi.InvokeOutputOptions(parent=parent))

    def statements(arn: pulumi.Output[str]) -> list[dict[str, Any]]:
        prefix = pulumi.Output.concat(arn, f"/{key}/AWSLogs/", account_id, "/*")
        return [
            {"Sid": "ElbLogDelivery", "Effect": "Allow", "Principal": {"AWS": elb_account.arn},
             "Action": "s3:PutObject", "Resource": prefix},
            {"Sid": "ElbLogDeliveryService", "Effect": "Allow",
             "Principal": {"Service": _LOG_DELIVERY},
             "Action": "s3:PutObject", "Resource": prefix},
        ]

    # ELB writes access logs only with SSE-S3, not SSE-KMS.
    return private_bucket(parent, name, f"{key}-logs", BucketSpec(
        kms_key_arn=None, versioning=False, purpose="logs", protect=protect, force_destroy=not protect,
        lifecycle=[Expiry(id="expire-access-logs", expiration_days=90, noncurrent_expiration_days=None)],
        policy_statements=statements, tags=tags,
    ))
