"""Network: a VPC with public, private and isolated subnets per AZ, or an adopted existing VPC.

A new VPC includes:
- subnets keyed by tier and AZ; only public subnets map public IPs;
- optionally IPv6: an Amazon-provided /56 on the VPC, a /64 per public subnet and a `::/0` route to the
  internet gateway, so load balancers can be dual-stack (private and isolated tiers stay IPv4);
- an internet gateway and a public route table;
- private egress through no NAT, one NAT gateway, one per AZ (each with its EIP), or a NAT
  instance (t4g, source/dest check off) for cheap dev stacks;
- one private route table per AZ (so changing the egress strategy only changes routes) and one
  isolated route table with no default route;
- an S3 gateway endpoint on the private and isolated route tables, optional interface endpoints
  with their own security group;
- VPC flow logs to CloudWatch Logs (retention set) with the IAM role they need;
- the default security group taken over with no rules.

An adopted VPC creates nothing VPC-level and exposes the same outputs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components._common import assume_role_policy, child_opts, policy_document, service_role, tags_for

Egress = Literal["none", "single", "per_az", "instance"]
Tier = Literal["public", "private", "isolated"]

# Public SSM parameter with the latest Amazon Linux 2023 ARM64 AMI (NAT instance image).
NAT_INSTANCE_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

_NAT_USER_DATA = """#!/bin/bash
set -euo pipefail
dnf install -y iptables-services
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl --system
iface=$(ip route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$iface" -j MASQUERADE
iptables -F FORWARD
service iptables save
systemctl enable --now iptables
"""


@dataclass(frozen=True, kw_only=True)
class ExistingVpc:
    """An existing VPC to adopt instead of creating one."""

    vpc_id: str
    """The VPC's id."""
    subnet_ids: Mapping[Tier, Sequence[str]] = field(default_factory=dict)
    """Subnet ids per tier."""
    subnet_filters: Mapping[Tier, Mapping[str, Sequence[str]]] = field(default_factory=dict)
    """EC2 DescribeSubnets filters per tier (a `vpc-id` filter is always added)."""


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    """Inputs for :class:`Network`."""

    region: str
    """AWS region, for endpoint service names."""
    availability_zones: Sequence[str] = ()
    """AZ names, in order; subnet CIDR lists follow this order. Empty when adopting."""
    cidr: str | None = None
    """The new VPC's CIDR; None when adopting `existing`."""
    subnet_cidrs: Mapping[Tier, Sequence[str]] = field(default_factory=dict)
    """CIDRs per tier, one per AZ; a tier left out is not created."""
    egress: Egress = "single"
    """How private subnets reach the internet."""
    nat_instance_type: str = "t4g.nano"
    """Instance type for egress `instance`."""
    nat_instance_ami: pulumi.Input[str] | None = None
    """AMI for the NAT instance; default: latest Amazon Linux 2023 ARM64 (public SSM parameter)."""
    interface_endpoints: Sequence[str] = ()
    """Interface endpoint short names (`ecr.api`, `logs`, ...)."""
    flow_log_retention_days: int = 90
    """Retention of the flow log group."""
    flow_log_traffic_type: str = "ALL"
    """ALL, ACCEPT or REJECT."""
    ipv6: bool = False
    """Amazon-provided IPv6 on the VPC and its public subnets (dual-stack load balancers)."""
    existing: ExistingVpc | None = None
    """Adopt this VPC; no VPC-level resource is created."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if (self.existing is None) == (self.cidr is None):
            raise ValueError("NetworkArgs: give exactly one of `cidr` (new VPC) or `existing`")
        for tier, cidrs in self.subnet_cidrs.items():
            if cidrs and len(cidrs) != len(self.availability_zones):
                raise ValueError(f"NetworkArgs: {tier} needs one CIDR per AZ ({len(self.availability_zones)})")
        if self.existing is None and self.egress != "none" and not self.subnet_cidrs.get("public"):
            raise ValueError(f"NetworkArgs: egress {self.egress!r} needs public subnets")
        if self.ipv6 and (self.existing is not None or not self.subnet_cidrs.get("public")):
            raise ValueError("NetworkArgs: ipv6 goes to the public subnets of a new VPC")


class SubnetTiers:
    """Mixin for a network handle that sets the three per-tier subnet-id lists (Network, and an
    app-layer stack's view of its data stack's network)."""

    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    isolated_subnet_ids: pulumi.Output[list[str]]

    def subnet_ids(self, tier: Tier) -> pulumi.Output[list[str]]:
        """Subnet ids of one tier."""
        return {"public": self.public_subnet_ids, "private": self.private_subnet_ids,
                "isolated": self.isolated_subnet_ids}[tier]


class Network(SubnetTiers, pulumi.ComponentResource):
    """A VPC (new or adopted) with subnets per tier and AZ, egress, endpoints and flow logs."""

    vpc_id: pulumi.Output[str]
    """The VPC id."""
    vpc_cidr: pulumi.Output[str]
    """The VPC's primary CIDR."""
    availability_zones: pulumi.Output[list[str]]
    """AZ names the subnets are spread over."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet ids (load balancers, NAT), in AZ order."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet ids (workloads), in AZ order."""
    isolated_subnet_ids: pulumi.Output[list[str]]
    """Isolated subnet ids (databases, caches), in AZ order."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Network", name, None, opts)
        self._name = name
        self._args = args
        self.subnets_by_az: dict[Tier, dict[str, pulumi.Output[str]]] = {"public": {}, "private": {}, "isolated": {}}
        """Subnet ids per tier keyed by AZ (new VPCs only), for per-AZ children elsewhere."""
        if args.existing is not None:
            self._adopt(args.existing)
        else:
            self._create(args)
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "vpc_cidr": self.vpc_cidr,
            "availability_zones": self.availability_zones,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "isolated_subnet_ids": self.isolated_subnet_ids,
        })

    # -- adopted VPC ------------------------------------------------------------------------------
    def _adopt(self, existing: ExistingVpc) -> None:
        # Lookups, not resources: the VPC belongs to someone else and must not enter our state.
        vpc = aws.ec2.get_vpc_output(id=existing.vpc_id, opts=pulumi.InvokeOutputOptions(parent=self))
        ids: dict[Tier, pulumi.Output[list[str]]] = {}
        for tier in ("public", "private", "isolated"):
            given = existing.subnet_ids.get(tier)
            filters = existing.subnet_filters.get(tier)
            if given:
                ids[tier] = pulumi.Output.from_input(list(given))
            elif filters:
                found = aws.ec2.get_subnets_output(
                    filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[existing.vpc_id])]
                    + [aws.ec2.GetSubnetsFilterArgs(name=k, values=list(v)) for k, v in sorted(filters.items())],
                    opts=pulumi.InvokeOutputOptions(parent=self),
                )
                ids[tier] = found.ids.apply(sorted)
            else:
                ids[tier] = pulumi.Output.from_input([])
        self.vpc_id = pulumi.Output.from_input(existing.vpc_id)
        self.vpc_cidr = vpc.cidr_block
        self.availability_zones = pulumi.Output.from_input(list(self._args.availability_zones))
        self.public_subnet_ids, self.private_subnet_ids, self.isolated_subnet_ids = (
            ids["public"], ids["private"], ids["isolated"])

    # -- new VPC ----------------------------------------------------------------------------------
    def _create(self, args: NetworkArgs) -> None:
        name = self._name
        assert args.cidr is not None
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            assign_generated_ipv6_cidr_block=True if args.ipv6 else None,
            tags=tags_for(args.tags, name, "vpc"),
            opts=child_opts(self),
        )
        # Own the default security group with no rules, so nothing can fall back on it (FSBP EC2.2).
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[],
            tags=tags_for(args.tags, name, "default-sg"), opts=child_opts(self),
        )
        subnets: dict[Tier, dict[str, aws.ec2.Subnet]] = {"public": {}, "private": {}, "isolated": {}}
        for tier in ("public", "private", "isolated"):
            for index, (az, cidr) in enumerate(zip(args.availability_zones, args.subnet_cidrs.get(tier, ()), strict=False)):
                dual = args.ipv6 and tier == "public"
                subnets[tier][az] = aws.ec2.Subnet(
                    f"{name}-{tier}-{az}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    # The AZ's position picks its /64, so the blocks stay put as long as the AZ list does.
                    ipv6_cidr_block=vpc.ipv6_cidr_block.apply(lambda block, i=index: _ipv6_subnet(block, i))
                    if dual else None,
                    availability_zone=az,
                    map_public_ip_on_launch=tier == "public",
                    tags=tags_for(args.tags, name, f"{tier}-{az}", tier=tier),
                    opts=child_opts(self),
                )
                self.subnets_by_az[tier][az] = subnets[tier][az].id

        private_tables = self._routing(args, vpc, subnets)
        self._endpoints(args, vpc, subnets, private_tables)
        self._flow_logs(args, vpc)

        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        self.availability_zones = pulumi.Output.from_input(list(args.availability_zones))
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["public"].values()])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["private"].values()])
        self.isolated_subnet_ids = pulumi.Output.all(*[s.id for s in subnets["isolated"].values()])

    def _routing(self, args: NetworkArgs, vpc: aws.ec2.Vpc,
                 subnets: dict[Tier, dict[str, aws.ec2.Subnet]]) -> list[aws.ec2.RouteTable]:
        """Route tables and egress; returns the tables the S3 gateway endpoint joins."""
        name = self._name
        gateway_tables: list[aws.ec2.RouteTable] = []
        if subnets["public"]:
            igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags_for(args.tags, name, "igw"),
                                          opts=child_opts(self))
            public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=vpc.id,
                                           tags=tags_for(args.tags, name, "public", tier="public"), opts=child_opts(self))
            aws.ec2.Route(f"{name}-public-default", route_table_id=public_rt.id,
                          destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=child_opts(self))
            if args.ipv6:
                aws.ec2.Route(f"{name}-public-default-ipv6", route_table_id=public_rt.id,
                              destination_ipv6_cidr_block="::/0", gateway_id=igw.id, opts=child_opts(self))
            for az, subnet in subnets["public"].items():
                aws.ec2.RouteTableAssociation(f"{name}-public-{az}", subnet_id=subnet.id,
                                              route_table_id=public_rt.id, opts=child_opts(self))

        targets = self._egress_targets(args, vpc, subnets["public"])
        for az, subnet in subnets["private"].items():
            rt = aws.ec2.RouteTable(f"{name}-private-{az}", vpc_id=vpc.id,
                                    tags=tags_for(args.tags, name, f"private-{az}", tier="private"), opts=child_opts(self))
            aws.ec2.RouteTableAssociation(f"{name}-private-{az}", subnet_id=subnet.id, route_table_id=rt.id,
                                          opts=child_opts(self))
            target = targets.get(az) or targets.get("*")
            if target is not None:
                kind, target_id = target
                aws.ec2.Route(f"{name}-private-{az}-default", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0",
                              opts=child_opts(self), **{kind: target_id})
            gateway_tables.append(rt)

        if subnets["isolated"]:
            # No default route at all: isolated subnets reach only the VPC and gateway endpoints.
            isolated_rt = aws.ec2.RouteTable(f"{name}-isolated", vpc_id=vpc.id,
                                             tags=tags_for(args.tags, name, "isolated", tier="isolated"),
                                             opts=child_opts(self))
            for az, subnet in subnets["isolated"].items():
                aws.ec2.RouteTableAssociation(f"{name}-isolated-{az}", subnet_id=subnet.id,
                                              route_table_id=isolated_rt.id, opts=child_opts(self))
            gateway_tables.append(isolated_rt)
        return gateway_tables

    def _egress_targets(self, args: NetworkArgs, vpc: aws.ec2.Vpc,
                        public: dict[str, aws.ec2.Subnet]) -> dict[str, tuple[str, pulumi.Output[str]]]:
        """Default-route target per AZ (`*` = every AZ): (Route argument name, target id)."""
        name = self._name
        if args.egress == "none":
            return {}
        first_az = next(iter(public))
        if args.egress in ("single", "per_az"):
            # The single NAT keeps the first AZ's name, so moving to per_az adds gateways
            # instead of replacing the existing one.
            zones = [first_az] if args.egress == "single" else list(public)
            targets: dict[str, tuple[str, pulumi.Output[str]]] = {}
            for az in zones:
                eip = aws.ec2.Eip(f"{name}-nat-{az}", domain="vpc", tags=tags_for(args.tags, name, f"nat-{az}"),
                                  opts=child_opts(self))
                nat = aws.ec2.NatGateway(f"{name}-nat-{az}", allocation_id=eip.id, subnet_id=public[az].id,
                                         tags=tags_for(args.tags, name, f"nat-{az}"), opts=child_opts(self))
                targets[az if args.egress == "per_az" else "*"] = ("nat_gateway_id", nat.id)
            return targets
        return {"*": ("network_interface_id", self._nat_instance(args, vpc, public[first_az]))}

    def _nat_instance(self, args: NetworkArgs, vpc: aws.ec2.Vpc, subnet: aws.ec2.Subnet) -> pulumi.Output[str]:
        name = self._name
        sg = aws.ec2.SecurityGroup(f"{name}-nat", vpc_id=vpc.id, description="NAT instance: forwards VPC traffic out",
                                   tags=tags_for(args.tags, name, "nat"), opts=child_opts(self))
        aws.vpc.SecurityGroupIngressRule(f"{name}-nat-from-vpc", security_group_id=sg.id, cidr_ipv4=vpc.cidr_block,
                                         ip_protocol="-1", description="all traffic from inside the VPC",
                                         opts=child_opts(self))
        aws.vpc.SecurityGroupEgressRule(f"{name}-nat-to-internet", security_group_id=sg.id, cidr_ipv4="0.0.0.0/0",
                                        ip_protocol="-1", description="forwarded traffic to the internet",
                                        opts=child_opts(self))
        ami = args.nat_instance_ami or aws.ssm.get_parameter_output(
            name=NAT_INSTANCE_AMI_PARAMETER, opts=pulumi.InvokeOutputOptions(parent=self)).value
        instance = aws.ec2.Instance(
            f"{name}-nat",
            ami=ami,
            instance_type=args.nat_instance_type,
            subnet_id=subnet.id,
            vpc_security_group_ids=[sg.id],
            associate_public_ip_address=True,
            source_dest_check=False,  # it forwards packets that are neither from nor to itself
            user_data=_NAT_USER_DATA,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required", http_endpoint="enabled"),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True, volume_type="gp3", volume_size=8),
            tags=tags_for(args.tags, name, "nat-instance"),
            # A newer AMI in the SSM parameter must not replace the NAT (and cut egress) on an
            # unrelated `pulumi up`; refreshing it is a deliberate change.
            opts=child_opts(self, ignore_changes=["ami"]),
        )
        return instance.primary_network_interface_id

    def _endpoints(self, args: NetworkArgs, vpc: aws.ec2.Vpc, subnets: dict[Tier, dict[str, aws.ec2.Subnet]],
                   gateway_tables: list[aws.ec2.RouteTable]) -> None:
        name = self._name
        # S3 traffic (ECR layers, app buckets) stays off the NAT: cheaper and private.
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=vpc.id, service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in gateway_tables],
            tags=tags_for(args.tags, name, "s3-endpoint"), opts=child_opts(self),
        )
        if not args.interface_endpoints:
            return
        endpoint_subnets = subnets["private"] or subnets["isolated"]
        sg = aws.ec2.SecurityGroup(f"{name}-endpoints", vpc_id=vpc.id,
                                   description="Interface endpoints: HTTPS from inside the VPC",
                                   tags=tags_for(args.tags, name, "endpoints"), opts=child_opts(self))
        aws.vpc.SecurityGroupIngressRule(f"{name}-endpoints-https", security_group_id=sg.id, cidr_ipv4=vpc.cidr_block,
                                         ip_protocol="tcp", from_port=443, to_port=443,
                                         description="HTTPS from the VPC", opts=child_opts(self))
        for service in args.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=[s.id for s in endpoint_subnets.values()],
                security_group_ids=[sg.id], tags=tags_for(args.tags, name, f"{service}-endpoint"),
                opts=child_opts(self),
            )

    def _flow_logs(self, args: NetworkArgs, vpc: aws.ec2.Vpc) -> None:
        name = self._name
        group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", retention_in_days=args.flow_log_retention_days,
                                        tags=tags_for(args.tags, name, "flow-logs"), opts=child_opts(self))
        role = service_role(
            self, f"{name}-flow-logs",
            trust=assume_role_policy(
                "vpc-flow-logs.amazonaws.com",
                {"ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{args.region}:*:vpc-flow-log/*"}},
            ),
            description=f"{name}: deliver flow logs to their log group",
            tags=tags_for(args.tags, name, "flow-logs"),
            policy=policy_document([{
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
            }]),
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs", vpc_id=vpc.id, traffic_type=args.flow_log_traffic_type,
            log_destination_type="cloud-watch-logs", log_destination=group.arn, iam_role_arn=role.arn,
            max_aggregation_interval=60, tags=tags_for(args.tags, name, "flow-logs"), opts=child_opts(self),
        )


def _ipv6_subnet(vpc_block: str, index: int) -> str:
    """The `index`th /64 of the VPC's /56 (AWS assigns subnets /64s only)."""
    return str(list(ipaddress.ip_network(vpc_block).subnets(new_prefix=64))[index])
