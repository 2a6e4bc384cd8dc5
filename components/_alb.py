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

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components._bucket import BucketSpec, Expiry, private_bucket
from components._common import child_opts, tags_for

ORIGIN_HEADER = "X-Origin-Verify"
"""Header CloudFront adds to origin requests; the load balancer forwards only requests that carry it."""
CLOUDFRONT_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
_DEFAULT_RULE_PRIORITY = 50000  # the highest priority number: evaluated after every path rule


@dataclass(frozen=True, kw_only=True)
class LoadBalancerSpec:
    """One application load balancer."""

    internal: bool = False
    """Internal (private subnets, reachable from `ingress_cidrs`) or internet-facing."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Subnets of the load balancer (public ones when internet-facing)."""
    certificate_arn: pulumi.Input[str]
    """ACM certificate of the HTTPS listener."""
    idle_timeout: int = 60
    """Idle connection timeout (seconds)."""
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    """TLS policy of the HTTPS listener."""
    access_logs: bool = False
    """Write access logs to a bucket created for them."""
    ingress_cidrs: Sequence[pulumi.Input[str]] = ()
    """Internal: client CIDRs admitted; default the VPC CIDR."""
    cloudfront_only: bool = False
    """Admit only CloudFront (prefix list + secret origin header)."""
    deletion_protection: bool = False
    """AWS-side deletion protection (prod)."""
    dualstack: bool = False
    """IPv6 beside IPv4 (its subnets need IPv6 CIDRs); internet-facing ones then admit `::/0` too."""


@dataclass(frozen=True, kw_only=True)
class TargetHealthCheck:
    """Target group health check."""

    path: str = "/"
    interval: int = 30
    timeout: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    matcher: str = "200-399"


@dataclass(frozen=True, kw_only=True)
class Route:
    """Path patterns forwarded to a service at a rule priority."""

    paths: Sequence[str]
    priority: int


@dataclass(frozen=True, kw_only=True)
class Target:
    """A service as seen by its load balancer."""

    port: int
    health_check: TargetHealthCheck
    routes: Sequence[Route] = ()
    default_route: bool = False


@dataclass
class BuiltLoadBalancer:
    """What ContainerService needs from a built load balancer."""

    security_group: aws.ec2.SecurityGroup
    load_balancer: aws.lb.LoadBalancer
    target_groups: dict[str, aws.lb.TargetGroup] = field(default_factory=dict)
    rules: list[pulumi.Resource] = field(default_factory=list)
    origin_secret: pulumi.Output[str] | None = None


def build_load_balancer(parent: pulumi.Resource, name: str, key: str, spec: LoadBalancerSpec, *,
                        vpc_id: pulumi.Input[str], vpc_cidr: pulumi.Input[str], account_id: pulumi.Input[str],
                        targets: Mapping[str, Target], protect: bool,
                        tags: Mapping[str, str]) -> BuiltLoadBalancer:
    """Create load balancer `key` with its listeners, target groups and rules under `parent`."""
    base = f"{name}-{key}"
    sg = aws.ec2.SecurityGroup(base, vpc_id=vpc_id, description=f"{base}: HTTPS in, services out",
                               tags=tags_for(tags, name, key), opts=child_opts(parent))
    _ingress(parent, name, key, sg, spec, vpc_cidr, tags)
    logs = None
    if spec.access_logs:
        logs = _access_log_bucket(parent, name, key, account_id, protect, tags)
    lb = aws.lb.LoadBalancer(
        base,
        load_balancer_type="application",
        internal=spec.internal,
        ip_address_type="dualstack" if spec.dualstack else None,
        subnets=spec.subnet_ids,
        security_groups=[sg.id],
        idle_timeout=spec.idle_timeout,
        drop_invalid_header_fields=True,
        desync_mitigation_mode="defensive",
        enable_deletion_protection=spec.deletion_protection,
        access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=logs.bucket, prefix=key, enabled=True)
        if logs is not None else None,
        tags=tags_for(tags, name, key),
        opts=child_opts(parent, depends_on=[logs] if logs is not None else None),
    )
    built = BuiltLoadBalancer(security_group=sg, load_balancer=lb)
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
            deregistration_delay=30,
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
        f"{base}-https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS", ssl_policy=spec.ssl_policy,
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
             vpc_cidr: pulumi.Input[str], tags: Mapping[str, str]) -> None:
    base = f"{name}-{key}"

    def rule(suffix: str, port: int, **source: pulumi.Input[str]) -> None:
        aws.vpc.SecurityGroupIngressRule(
            f"{base}-{suffix}-{port}", security_group_id=sg.id, ip_protocol="tcp", from_port=port, to_port=port,
            description=f"{'HTTPS' if port == 443 else 'HTTP (redirect only)'} from {suffix}",
            tags=tags_for(tags, name, f"{key}-{suffix}-{port}"), opts=child_opts(parent), **source)

    if spec.cloudfront_only:
        prefix_list = aws.ec2.get_managed_prefix_list_output(
            name=CLOUDFRONT_PREFIX_LIST, opts=pulumi.InvokeOutputOptions(parent=parent))
        rule("cloudfront", 443, prefix_list_id=prefix_list.id)
    elif spec.internal:
        for i, cidr in enumerate(spec.ingress_cidrs or [vpc_cidr]):
            for port in (443, 80):
                rule(f"clients{i}", port, cidr_ipv4=cidr)
    else:
        for port in (443, 80):
            rule("internet", port, cidr_ipv4="0.0.0.0/0")
            if spec.dualstack:
                rule("internet-ipv6", port, cidr_ipv6="::/0")


def _access_log_bucket(parent: pulumi.Resource, name: str, key: str, account_id: pulumi.Input[str],
                       protect: bool, tags: Mapping[str, str]) -> aws.s3.Bucket:
    elb_account = aws.elb.get_service_account_output(opts=pulumi.InvokeOutputOptions(parent=parent))

    def statements(arn: pulumi.Output[str]) -> list[dict]:
        prefix = pulumi.Output.concat(arn, f"/{key}/AWSLogs/", account_id, "/*")
        return [
            {"Sid": "ElbLogDelivery", "Effect": "Allow", "Principal": {"AWS": elb_account.arn},
             "Action": "s3:PutObject", "Resource": prefix},
            {"Sid": "ElbLogDeliveryService", "Effect": "Allow",
             "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": prefix},
        ]

    # ELB writes access logs only with SSE-S3, not SSE-KMS.
    return private_bucket(parent, name, f"{key}-logs", BucketSpec(
        kms_key_arn=None, versioning=False, purpose="logs", protect=protect, force_destroy=not protect,
        lifecycle=[Expiry(id="expire-access-logs", expiration_days=90, noncurrent_expiration_days=None)],
        policy_statements=statements, tags=tags,
    ))
