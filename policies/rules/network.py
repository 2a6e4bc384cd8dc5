"""VPCs, subnets, security groups, NAT, endpoints and EC2 instances and launch templates."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Stack, Subject, as_strings, dig, items, subjects, tag_of, unreferenced
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Stack, Subject, as_strings, dig, items, subjects, tag_of, unreferenced  # type: ignore[no-redef]

from .types import (
    DEFAULT_SG,
    FLOW_LOG,
    INSTANCE,
    LAUNCH_TEMPLATE,
    LBS,
    NAT,
    SG,
    SG_EGRESS,
    SG_INGRESS,
    SG_RULE,
    SUBNET,
    VPC,
    VPC_ENDPOINT,
)


def volumes_encrypted(res: Subject) -> Iterator[str]:
    if res.type == INSTANCE:
        root = res.props.get("rootBlockDevice")
        if dig(root, "encrypted") is not True:
            yield f"Instance {res.name} has an unencrypted root volume."
        for device in items(res.props.get("ebsBlockDevices")):
            if dig(device, "encrypted") is not True:
                yield f"Instance {res.name} attaches an unencrypted volume."
        return
    for mapping in items(res.props.get("blockDeviceMappings")):
        ebs = dig(mapping, "ebs")
        if ebs is not None and str(dig(ebs, "encrypted")).lower() != "true":
            yield f"Launch template {res.name} defines an unencrypted volume."


def _internet_facing_sgs(stack: Stack) -> set[str]:
    return {sg for lb in stack.of(*LBS) if lb.props.get("internal") is not True
            for sg in as_strings(lb.props.get("securityGroups"))}


def open_ingress(stack: Stack) -> Iterator[tuple[str, str]]:
    public_lb_groups = _internet_facing_sgs(stack)
    rules = [(r, r.props.get("securityGroupId"), r.props) for r in stack.of(SG_INGRESS)]
    rules += [(r, r.props.get("securityGroupId"), r.props) for r in stack.of(SG_RULE) if r.props.get("type") == "ingress"]
    rules += [(sg, sg.props.get("id"), rule) for sg in stack.of(SG, DEFAULT_SG) for rule in items(sg.props.get("ingress"))]
    for owner, group, rule in sorted(rules, key=lambda t: t[0].urn):
        cidrs = set(as_strings(dig(rule, "cidrIpv4"))) | set(as_strings(dig(rule, "cidrIpv6")))
        cidrs |= set(as_strings(dig(rule, "cidrBlocks"))) | set(as_strings(dig(rule, "ipv6CidrBlocks")))
        if not cidrs & {"0.0.0.0/0", "::/0"}:
            continue
        low, high = dig(rule, "fromPort"), dig(rule, "toPort")
        if str(dig(rule, "ipProtocol") or dig(rule, "protocol")) in ("-1", "all"):
            low = high = None  # every protocol: every port, whatever the port fields say
        web = low is not None and low == high and int(low) in (80, 443)
        if not (web and group in public_lb_groups):
            yield f"{owner.name} opens {'all ports' if low is None else f'port {low}-{high}'} to the internet.", owner.urn


def default_sg_closed(stack: Stack) -> Iterator[tuple[str, str]]:
    defaults = {d.props.get("vpcId"): d for d in stack.of(DEFAULT_SG)}
    default_ids = {d.props.get("id") for d in stack.of(DEFAULT_SG)} | {v.props.get("defaultSecurityGroupId") for v in stack.of(VPC)}
    default_ids.discard(None)
    for vpc in subjects(stack.of(VPC)):
        default = defaults.get(vpc.props.get("id"))
        if default is None:
            yield f"VPC {vpc.name} leaves its default security group unmanaged (and open within itself).", vpc.urn
        elif items(default.props.get("ingress")) or items(default.props.get("egress")):
            yield f"Default security group {default.name} has rules.", default.urn
    # Rules added to the default group as resources of their own.
    for rule in subjects(stack.of(SG_INGRESS, SG_EGRESS, SG_RULE)):
        if rule.props.get("securityGroupId") in default_ids:
            yield f"{rule.name} adds a rule to a default security group.", rule.urn


def imdsv2(res: Subject) -> Iterator[str]:
    if dig(res.props, "metadataOptions", "httpTokens") != "required":
        yield f"{res.name} allows IMDSv1 (metadataOptions.httpTokens is not required)."


def no_public_instance_ip(res: Subject) -> Iterator[str]:
    if res.type == LAUNCH_TEMPLATE:  # FSBP EC2.25: launch templates' network interfaces
        if any(str(dig(n, "associatePublicIpAddress")).lower() == "true" for n in items(res.props.get("networkInterfaces"))):
            yield f"Launch template {res.name} gives its instances public IP addresses."
        return
    # A NAT instance needs a public address to forward traffic; it is the one exception.
    if res.props.get("associatePublicIpAddress") is True and res.props.get("sourceDestCheck") is not False:
        yield f"Instance {res.name} has a public IP address."


def subnet_auto_ip(res: Subject) -> Iterator[str]:
    if res.props.get("mapPublicIpOnLaunch") is True and tag_of(res.props, "tier") != "public":
        yield f"Subnet {res.name} hands out public IPs but is not tagged tier=public."


# ==================================================================================================
# Logging and monitoring
# ==================================================================================================


def flow_logs(stack: Stack) -> Iterator[tuple[str, str]]:
    for vpc in unreferenced(stack, (VPC,), ("id",), FLOW_LOG, "vpcId"):
        yield f"VPC {vpc.name} has no flow log.", vpc.urn


def nat_per_az(stack: Stack) -> Iterator[tuple[str, str]]:
    subnets = {s.props.get("id"): s for s in stack.of(SUBNET)}
    nat_zones = {getattr(subnets.get(n.props.get("subnetId")), "props", {}).get("availabilityZone") for n in stack.of(NAT)}
    private_zones = {s.props.get("availabilityZone") for s in stack.of(SUBNET) if tag_of(s.props, "tier") == "private"}
    if not private_zones or not stack.of(VPC):
        return
    instance_nat = any(i.props.get("sourceDestCheck") is False for i in stack.of(INSTANCE))
    missing = sorted(private_zones - nat_zones)
    if (stack.of(NAT) and missing) or instance_nat:
        vpc = stack.of(VPC)[0]
        yield (f"Private subnets in {', '.join(missing) or 'every AZ'} leave through a NAT in another AZ "
               "(or a NAT instance): losing one AZ cuts their egress."), vpc.urn


def ec2_endpoint(stack: Stack) -> Iterator[tuple[str, str]]:
    with_endpoint = {e.props.get("vpcId") for e in stack.of(VPC_ENDPOINT) if str(e.props.get("serviceName", "")).endswith(".ec2")}
    for vpc in subjects(stack.of(VPC)):
        if vpc.props.get("id") not in with_endpoint:
            yield f"VPC {vpc.name} has no interface endpoint for the EC2 API.", vpc.urn
