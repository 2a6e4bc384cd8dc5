"""Reachability: every declared connection has a path, and data stores admit nothing undeclared.

A TCP connection from a workload's security group to a target needs, as a VPC evaluates it
(VPC User Guide, "Control traffic to your AWS resources using security groups" and "Configure route
tables"; checked 2026-12-04): an egress rule of the source group that allows the port to the target
(its group, or an address range holding it), an ingress rule of the target's group that allows the
port from the source (its group, or a range holding the source's subnets), and a route from the
source's subnets: inside the VPC the local route; to an AWS API an interface endpoint in the VPC (its
own group must admit the source), the S3 gateway endpoint on the subnets' route tables, or a default
route through a NAT gateway or NAT instance, or to the internet gateway for a caller with a public IP
(tasks of `cluster.task_subnets: public`; no other workload gets one). Security groups are stateful, so replies need no rule.
The program creates no network ACLs; a VPC's default ACL allows all traffic.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.harness import Recorded, RecordingMonitor

SOURCE = "VPC User Guide: security groups, route tables, gateway and interface endpoints (checked 2026-12-04)"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
EVERYWHERE = ipaddress.ip_network("0.0.0.0/0")


@dataclass(frozen=True)
class Rule:
    """One security-group rule, as AWS stores it."""

    record: Recorded
    group: str
    protocol: str
    from_port: int
    to_port: int
    cidr: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    peer: str | None
    """Referenced security group."""
    prefix_list: str | None

    def allows_port(self, port: int) -> bool:
        return self.protocol == "-1" or (self.protocol == "tcp" and self.from_port <= port <= self.to_port)


@dataclass
class Network:
    """The stack's security groups, rules, subnets, routes and endpoints."""

    ingress: dict[str, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    egress: dict[str, list[Rule]] = field(default_factory=lambda: defaultdict(list))
    groups: set[str] = field(default_factory=set)
    vpc_cidrs: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    subnet_cidrs: dict[str, ipaddress.IPv4Network] = field(default_factory=dict)
    subnet_vpc: dict[str, str] = field(default_factory=dict)
    subnet_table: dict[str, str] = field(default_factory=dict)
    routes: dict[str, list[Recorded]] = field(default_factory=lambda: defaultdict(list))
    """Routes by route-table id."""
    endpoints: list[Recorded] = field(default_factory=list)
    nat_instance_groups: dict[str, list[str]] = field(default_factory=dict)
    """NAT instance network interface -> its security groups."""

    def vpc_cidr(self, subnets: Iterable[str]) -> ipaddress.IPv4Network | None:
        vpcs = {self.subnet_vpc.get(s) for s in subnets}
        return self.vpc_cidrs.get(vpcs.pop()) if len(vpcs) == 1 else None


def _rule(rec: Recorded) -> Rule:
    i = rec.inputs
    cidr = i.get("cidrIpv4") or i.get("cidrIpv6")
    return Rule(record=rec, group=str(i.get("securityGroupId")), protocol=str(i.get("ipProtocol")),
                from_port=int(i.get("fromPort", 0) or 0), to_port=int(i.get("toPort", 65535) or 65535),
                cidr=ipaddress.ip_network(cidr) if cidr else None, peer=i.get("referencedSecurityGroupId"),
                prefix_list=i.get("prefixListId"))


def build(monitor: RecordingMonitor) -> Network:
    """Index one recorded stack's network."""
    net = Network()
    records = [r for r in monitor.records() if r.custom and not r.read]
    for rec in records:
        i = rec.inputs
        if rec.type == INGRESS:
            rule = _rule(rec)
            net.ingress[rule.group].append(rule)
        elif rec.type == EGRESS:
            rule = _rule(rec)
            net.egress[rule.group].append(rule)
        elif rec.type == "aws:ec2/securityGroup:SecurityGroup":
            net.groups.add(rec.id)
        elif rec.type == "aws:ec2/vpc:Vpc" and i.get("cidrBlock"):
            net.vpc_cidrs[rec.id] = ipaddress.ip_network(i["cidrBlock"])
        elif rec.type == "aws:ec2/subnet:Subnet" and i.get("cidrBlock"):
            net.subnet_cidrs[rec.id] = ipaddress.ip_network(i["cidrBlock"])
            net.subnet_vpc[rec.id] = str(i.get("vpcId"))
        elif rec.type == "aws:ec2/routeTableAssociation:RouteTableAssociation":
            net.subnet_table[str(i.get("subnetId"))] = str(i.get("routeTableId"))
        elif rec.type == "aws:ec2/route:Route":
            net.routes[str(i.get("routeTableId"))].append(rec)
        elif rec.type == "aws:ec2/vpcEndpoint:VpcEndpoint":
            net.endpoints.append(rec)
        elif rec.type == "aws:ec2/instance:Instance" and i.get("sourceDestCheck") is False:
            net.nat_instance_groups[str(rec.outputs.get("primaryNetworkInterfaceId"))] = list(i.get("vpcSecurityGroupIds") or [])
    return net


@dataclass(frozen=True)
class Blocked:
    """Why a connection has no path, and what should open it."""

    what: str
    opener: str


def _covers(rule: Rule, addresses: Iterable[Any]) -> bool:
    ranges = list(addresses)
    return (rule.cidr is not None and bool(ranges)
            and all(r.version == rule.cidr.version and r.subnet_of(rule.cidr) for r in ranges))


def _egress_to(net: Network, source: str, port: int, target_group: str | None,
               addresses: Iterable[ipaddress.IPv4Network]) -> bool:
    ranges = list(addresses)
    for rule in net.egress.get(source, ()):
        if not rule.allows_port(port):
            continue
        if target_group is not None and rule.peer == target_group:
            return True
        if rule.cidr is not None and (rule.cidr == EVERYWHERE or _covers(rule, ranges)):
            return True
    return False


def _ingress_from(net: Network, target: str, port: int, source: str, subnets: list[str]) -> bool:
    ranges = [net.subnet_cidrs[s] for s in subnets if s in net.subnet_cidrs]
    return any(rule.allows_port(port) and (rule.peer == source or (ranges and _covers(rule, ranges)))
               for rule in net.ingress.get(target, ()))


def connect(net: Network, region: str, need: Mapping[str, Any]) -> list[Blocked]:
    """What stops a declared connection (empty: it has a path)."""
    source, target, port = str(need["source"]), str(need["target"]), int(need["port"])
    subnets = [str(s) for s in need.get("subnets") or []]
    if source.startswith(("cidr:", "prefix-list:")):
        # A caller outside the VPC (clients, CloudFront): only the target's ingress decides.
        kind, _, value = source.partition(":")
        if not any(rule.allows_port(port) and ((kind == "cidr" and rule.cidr is not None
                                                 and _covers(rule, [ipaddress.ip_network(value)]))
                                                or (kind == "prefix-list" and rule.prefix_list == value))
                   for rule in net.ingress.get(target, ())):
            return [Blocked(f"ingress to {target} from {value} on TCP {port}",
                            f"an ingress rule on the target's group {_name(net, target, 'ingress')}")]
        return []
    if target.startswith("sg-") or target in net.groups or target in net.ingress:
        blocked = []
        vpc_cidr = net.vpc_cidr(subnets)
        if not _egress_to(net, source, port, target, [vpc_cidr] if vpc_cidr else []):
            blocked.append(Blocked(f"egress of {source} to {target} on TCP {port}",
                                   f"an egress rule on the caller's group {_name(net, source, 'egress')}"))
        if not _ingress_from(net, target, port, source, subnets):
            blocked.append(Blocked(f"ingress to {target} from {source} on TCP {port}",
                                   f"an ingress rule on the target's group {_name(net, target, 'ingress')}"))
        return blocked
    service = target.removeprefix("aws:") if target.startswith("aws:") else None
    return _leave_vpc(net, region, source, subnets, port, service, public_ip=bool(need.get("public_ip")))


def _name(net: Network, group: str, side: str) -> str:
    rules = (net.egress if side == "egress" else net.ingress).get(group) or []
    return f"({group}; rules: {', '.join(r.record.name for r in rules) or 'none'})"


def _leave_vpc(net: Network, region: str, source: str, subnets: list[str], port: int,
               service: str | None, public_ip: bool = False) -> list[Blocked]:
    vpc_cidr = net.vpc_cidr(subnets)
    if service is not None:
        for ep in net.endpoints:
            i = ep.inputs
            if i.get("serviceName") != f"com.amazonaws.{region}.{service}":
                continue
            if i.get("vpcEndpointType") == "Interface" and i.get("privateDnsEnabled"):
                groups = [str(g) for g in i.get("securityGroupIds") or []]
                if not any(_ingress_from(net, g, port, source, subnets) for g in groups):
                    return [Blocked(f"ingress to the {service} endpoint from {source} on TCP {port}",
                                    f"an ingress rule on the endpoint's group ({', '.join(groups)})")]
                if not any(_egress_to(net, source, port, g, [vpc_cidr] if vpc_cidr else []) for g in groups):
                    return [Blocked(f"egress of {source} to the {service} endpoint on TCP {port}",
                                    f"an egress rule on the caller's group {_name(net, source, 'egress')}")]
                return []
            if i.get("vpcEndpointType") == "Gateway":
                tables = set(i.get("routeTableIds") or [])
                if subnets and all(net.subnet_table.get(s) in tables for s in subnets) and \
                        _egress_to(net, source, port, None, []):
                    return []
    blocked = []
    if not _egress_to(net, source, port, None, []):
        blocked.append(Blocked(f"egress of {source} to {service and f'the {service} API' or 'the internet'} on TCP {port}",
                               f"an egress rule on the caller's group {_name(net, source, 'egress')}"))
    if any(s not in net.subnet_cidrs for s in subnets):
        return blocked  # an adopted VPC's subnets and routes are not in the graph: only the group is ours
    for subnet in subnets:
        # A subnet without an association uses the VPC's main route table: the local route only.
        table = net.subnet_table.get(subnet, "the VPC's main route table")
        default = [r for r in net.routes.get(table, ()) if r.inputs.get("destinationCidrBlock") == "0.0.0.0/0"]
        via = default[0].inputs if default else {}
        if via.get("natGatewayId"):
            continue
        if via.get("networkInterfaceId"):
            groups = net.nat_instance_groups.get(str(via["networkInterfaceId"]), [])
            if groups and not any(_ingress_from(net, g, port, source, [subnet]) for g in groups):
                blocked.append(Blocked(f"the NAT instance admitting {source}'s traffic on TCP {port}",
                                       f"an ingress rule on the NAT instance's group ({', '.join(groups)})"))
            if groups and not any(_egress_to(net, g, port, None, []) for g in groups):
                blocked.append(Blocked(f"the NAT instance forwarding to the internet on TCP {port}",
                                       f"an egress rule on the NAT instance's group ({', '.join(groups)})"))
            continue
        what = service and f"the {service} API" or "the internet"
        if via.get("gatewayId") and public_ip:
            continue  # a public IP leaves through the internet gateway
        if via.get("gatewayId"):
            blocked.append(Blocked(f"a route from subnet {subnet} to {what}: its default route goes to the internet "
                                   "gateway and the workload has no public IP", f"a NAT route in route table {table}"))
        else:
            opener = f"the {service} interface endpoint (network.interface_endpoints) or a NAT route" if service else \
                "a NAT route"
            blocked.append(Blocked(f"a route from subnet {subnet} to {what} (route table {table} has no default route)",
                                   opener))
    return sorted(set(blocked), key=lambda b: b.what)


def undeclared(net: Network, stores: Mapping[str, str], connections: list[Mapping[str, Any]]) -> list[tuple[Rule, str]]:
    """Ingress rules of data-store groups (`stores`: group -> what it guards) that no declared connection
    needs: each lets something reach the data store that did not say it would."""
    declared = {(str(c["target"]), str(c["source"]), int(c["port"])) for c in connections}
    found = []
    for group, what in sorted(stores.items()):
        for rule in net.ingress.get(group, ()):
            ok = rule.peer is not None and any(
                (group, rule.peer, port) in declared for port in range(rule.from_port, rule.to_port + 1)
                if rule.to_port - rule.from_port < 100)
            if not ok:
                found.append((rule, what))
    return found
