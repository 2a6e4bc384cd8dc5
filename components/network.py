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
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._common import assume_role_policy, child_opts, policy_document, service_role, tags_for
from components._runtime import Access, Need, assumed_by, published
from components._settings import TIERS, Problems, RetentionDays, Settings, Tier, matching

Egress = Literal["none", "single", "per_az", "instance"]

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

SubnetId = Annotated[str, matching(r"^subnet-[0-9a-f]{8,17}$", "a subnet id such as subnet-0123456789abcdef0")]
VpcId = Annotated[str, matching(r"^vpc-[0-9a-f]{8,17}$", "a VPC id such as vpc-55522232")]
AzName = Annotated[str, matching(r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$", "an availability zone name such as us-east-1a")]

InterfaceEndpoint = Literal[
    "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "ec2messages", "kms", "sts",
    "monitoring", "ecs", "ecs-agent", "ecs-telemetry", "elasticfilesystem", "states", "batch", "sns",
    "sqs", "events", "xray", "eks", "eks-auth", "elasticloadbalancing", "autoscaling", "rds", "ec2",
]
"""Short service names of interface VPC endpoints (`com.amazonaws.<region>.<name>`)."""


class SubnetCidrs(Settings):
    """Explicit subnet CIDRs per tier, one per availability zone, in AZ order."""

    public: list[IPv4Network] = []
    """Public subnets (load balancers, NAT). Empty: no public tier."""
    private: list[IPv4Network] = []
    """Private subnets with egress through NAT (tasks, batch jobs)."""
    isolated: list[IPv4Network] = []
    """Isolated subnets with no route to the internet (databases, caches)."""


class SubnetFilters(Settings):
    """EC2 `DescribeSubnets` filters per tier, e.g. `{map-public-ip-on-launch: ["false"]}`."""

    public: dict[str, list[str]] = {}
    """Filters selecting the public subnets."""
    private: dict[str, list[str]] = {}
    """Filters selecting the private subnets."""
    isolated: dict[str, list[str]] = {}
    """Filters selecting the isolated subnets."""


class SubnetIds(Settings):
    """Subnet ids per tier of an existing VPC."""

    public: list[SubnetId] = []
    """Public subnet ids."""
    private: list[SubnetId] = []
    """Private subnet ids."""
    isolated: list[SubnetId] = []
    """Isolated subnet ids."""


class ExistingVpcSettings(Settings):
    """Adopt a VPC someone else owns: no VPC-level resource is created, the same outputs exist."""

    vpc_id: VpcId
    """The VPC id, e.g. vpc-55522232."""
    subnet_ids: SubnetIds = SubnetIds()
    """Subnet ids per tier; a tier may instead be found with `subnet_filters`."""
    subnet_filters: SubnetFilters = SubnetFilters()
    """Subnet lookups per tier (the VPC id filter is added automatically)."""

    @model_validator(mode="after")
    def _each_tier_one_source(self) -> ExistingVpcSettings:
        problems = Problems()
        for tier in TIERS:
            if getattr(self.subnet_ids, tier) and getattr(self.subnet_filters, tier):
                problems.add(f"subnet_filters.{tier}", f"give either subnet_ids.{tier} or subnet_filters.{tier}, not both")
        if not self.tiers():
            problems.add("subnet_ids", "no subnets given; list subnet ids (or subnet_filters) for at least the private tier")
        return problems.done(self)

    def tiers(self) -> tuple[Tier, ...]:
        """Tiers that have subnets."""
        return tuple(t for t in TIERS if getattr(self.subnet_ids, t) or getattr(self.subnet_filters, t))


class FlowLogsSettings(Settings):
    """VPC flow logs to CloudWatch Logs (always on: the policy pack requires them)."""

    retention_days: RetentionDays = 90
    """How long flow log records are kept."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic is logged."""


class NetworkSettings(Settings):
    """`platform:network`: a new VPC (`cidr`, ...) or an adopted one (`existing`)."""

    existing: ExistingVpcSettings | None = None
    """Adopt an existing VPC instead of creating one."""
    cidr: IPv4Network | None = None
    """The new VPC's CIDR, /16 to /24."""
    az_count: int = Field(2, ge=2, le=3)
    """How many availability zones to spread over (2 or 3)."""
    availability_zones: list[AzName] | None = None
    """Explicit AZ names; default: the region's first `az_count` available zones."""
    subnets: SubnetCidrs | None = None
    """Explicit subnet CIDRs per tier; default: carved from `cidr` (see `subnet_cidrs`)."""
    egress: Literal["none", "single", "per_az", "instance"] = "single"
    """Internet egress for private subnets: none, one NAT gateway, one per AZ, or a NAT instance."""
    nat_instance_type: Annotated[str, matching(
        r"^t4g\.(nano|micro|small|medium)$", "an ARM t4g type: t4g.nano, t4g.micro, t4g.small or t4g.medium")] = "t4g.nano"
    """Instance type of the NAT instance (egress `instance`); ARM t4g only."""
    interface_endpoints: list[InterfaceEndpoint] = []
    """Interface VPC endpoints to create in the private subnets."""
    flow_logs: FlowLogsSettings = FlowLogsSettings()
    """VPC flow log settings."""
    ipv6: bool = False
    """Give the new VPC an Amazon-provided IPv6 /56 and each public subnet a /64, so load balancers can be
    dual-stack (AAAA records). Private and isolated subnets stay IPv4-only."""

    @model_validator(mode="after")
    def _shape(self) -> NetworkSettings:
        problems = Problems()
        if self.existing is not None:
            for key in sorted(self.model_fields_set - {"existing"}):
                problems.add(key, "not used when adopting a VPC with `existing`; remove it")
            return problems.done(self)
        if self.cidr is None:
            problems.add("cidr", "required for a new VPC (e.g. 10.0.0.0/16), or set `existing` to adopt one")
            return problems.done(self)  # the other checks are about the CIDR's layout
        if not 16 <= self.cidr.prefixlen <= 24:
            problems.add("cidr", f"VPC prefix must be /16 to /24; got /{self.cidr.prefixlen}")
        if self.availability_zones is not None:
            if len(set(self.availability_zones)) != len(self.availability_zones):
                problems.add("availability_zones", "names must be unique")
            if "az_count" in self.model_fields_set and self.az_count != len(self.availability_zones):
                problems.add("az_count", f"is {self.az_count} but {len(self.availability_zones)} availability_zones are listed; drop one of the two")
            if not 2 <= len(self.availability_zones) <= 3:
                problems.add("availability_zones", f"list 2 or 3 zones; got {len(self.availability_zones)}")
        if self.subnets is not None:
            self._check_explicit_subnets(self.subnets, problems)
        if self.egress != "none" and "public" not in self.tiers():
            problems.add("egress", f"{self.egress!r} needs a public tier for the NAT; add subnets.public or set egress: none")
        if self.ipv6 and "public" not in self.tiers():
            problems.add("ipv6", "IPv6 goes to the public subnets (dual-stack load balancers); the network has none")
        return problems.done(self)

    def _check_explicit_subnets(self, subnets: SubnetCidrs, problems: Problems) -> None:
        assert self.cidr is not None
        seen: list[tuple[str, IPv4Network]] = []
        for tier in TIERS:
            cidrs = getattr(subnets, tier)
            if cidrs and len(cidrs) != self.zone_count:
                problems.add(f"subnets.{tier}", f"needs one CIDR per AZ ({self.zone_count}); got {len(cidrs)}")
            for i, net in enumerate(cidrs):
                key = f"subnets.{tier}[{i}]"
                if not net.subnet_of(self.cidr):
                    problems.add(key, f"{net} is outside the VPC CIDR {self.cidr}")
                if not 16 <= net.prefixlen <= 28:
                    problems.add(key, f"subnet prefix must be /16 to /28; got /{net.prefixlen}")
                for other_key, other in seen:
                    if net.overlaps(other):
                        problems.add(key, f"{net} overlaps {other_key} ({other})")
                seen.append((key, net))
        if not subnets.private and not subnets.isolated:
            problems.add("subnets", "give private (or isolated) subnet CIDRs; workloads never run in public subnets")

    @property
    def zone_count(self) -> int:
        """Number of AZs the network spans."""
        return len(self.availability_zones) if self.availability_zones else self.az_count

    def tiers(self) -> tuple[Tier, ...]:
        """Tiers the network has (all three unless explicit subnets leave one out)."""
        if self.existing is not None:
            return self.existing.tiers()
        if self.subnets is None:
            return TIERS
        return tuple(t for t in TIERS if getattr(self.subnets, t))

    def subnet_cidrs(self) -> dict[Tier, list[str]]:
        """CIDRs per tier in AZ order: explicit ones, or carved from `cidr`.

        The default layout splits the VPC into 16 equal blocks (a /16 gives /20s) and gives the
        public tier blocks 0-2, private 4-6 and isolated 8-10, leaving room to grow every tier.
        """
        assert self.cidr is not None, "subnet_cidrs() is for new VPCs"
        if self.subnets is not None:
            return {t: [str(n) for n in getattr(self.subnets, t)] for t in TIERS}
        blocks = list(self.cidr.subnets(new_prefix=self.cidr.prefixlen + 4))
        base = {"public": 0, "private": 4, "isolated": 8}
        return {t: [str(blocks[base[t] + i]) for i in range(self.zone_count)] for t in TIERS}


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    """Inputs for :class:`Network`: its settings (`platform:network`) and what the stack supplies."""

    settings: NetworkSettings
    """The VPC to create (`cidr`, ...) or adopt (`existing`)."""
    region: str
    """AWS region, for endpoint service names."""
    nat_instance_ami: pulumi.Input[str] | None = None
    """AMI for the NAT instance; default: latest Amazon Linux 2023 ARM64 (public SSM parameter)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""


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
    runtime_needs: pulumi.Output[list[dict[str, Any]]]
    """What flow-log delivery does at run time (`components._runtime`)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Network", name, None, opts)
        self._name = name
        self._needs: list[Need] = []
        self.subnets_by_az: dict[Tier, dict[str, pulumi.Output[str]]] = {"public": {}, "private": {}, "isolated": {}}
        """Subnet ids per tier keyed by AZ (new VPCs only), for per-AZ children elsewhere."""
        settings = args.settings
        if settings.existing is not None:
            self._zones: list[str] = []
            self._adopt(settings.existing)
        else:
            # Explicit zones, or the region's first `az_count` available ones (a lookup, not a resource).
            self._zones = list(settings.availability_zones or aws.get_availability_zones(
                state="available", opts=pulumi.InvokeOptions(parent=self)).names[: settings.az_count])
            self._create(args)
        self.runtime_needs = published(self._needs)
        self.register_outputs({
            "runtime_needs": self.runtime_needs,
            "vpc_id": self.vpc_id,
            "vpc_cidr": self.vpc_cidr,
            "availability_zones": self.availability_zones,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "isolated_subnet_ids": self.isolated_subnet_ids,
        })

    # -- adopted VPC ------------------------------------------------------------------------------
    def _adopt(self, existing: ExistingVpcSettings) -> None:
        # Lookups, not resources: the VPC belongs to someone else and must not enter our state.
        vpc = aws.ec2.get_vpc_output(id=existing.vpc_id, opts=pulumi.InvokeOutputOptions(parent=self))
        ids: dict[Tier, pulumi.Output[list[str]]] = {}
        for tier in ("public", "private", "isolated"):
            given = getattr(existing.subnet_ids, tier)
            filters = getattr(existing.subnet_filters, tier)
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
        self.availability_zones = pulumi.Output.from_input(list(self._zones))
        self.public_subnet_ids, self.private_subnet_ids, self.isolated_subnet_ids = (
            ids["public"], ids["private"], ids["isolated"])

    # -- new VPC ----------------------------------------------------------------------------------
    def _create(self, args: NetworkArgs) -> None:
        name = self._name
        settings = args.settings
        assert settings.cidr is not None
        subnet_cidrs = settings.subnet_cidrs()
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(settings.cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            assign_generated_ipv6_cidr_block=True if args.settings.ipv6 else None,
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
            for index, (az, cidr) in enumerate(zip(self._zones, subnet_cidrs[tier], strict=False)):
                dual = args.settings.ipv6 and tier == "public"
                subnets[tier][az] = aws.ec2.Subnet(
                    f"{name}-{tier}-{az}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    # The AZ's position picks its /64, so the blocks stay put as long as the AZ list does.
                    ipv6_cidr_block=vpc.ipv6_cidr_block.apply(partial(_ipv6_subnet, index=index))
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
        self.availability_zones = pulumi.Output.from_input(list(self._zones))
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
            if args.settings.ipv6:
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
        if args.settings.egress == "none":
            return {}
        first_az = next(iter(public))
        if args.settings.egress in ("single", "per_az"):
            # The single NAT keeps the first AZ's name, so moving to per_az adds gateways
            # instead of replacing the existing one.
            zones = [first_az] if args.settings.egress == "single" else list(public)
            targets: dict[str, tuple[str, pulumi.Output[str]]] = {}
            for az in zones:
                eip = aws.ec2.Eip(f"{name}-nat-{az}", domain="vpc", tags=tags_for(args.tags, name, f"nat-{az}"),
                                  opts=child_opts(self))
                nat = aws.ec2.NatGateway(f"{name}-nat-{az}", allocation_id=eip.id, subnet_id=public[az].id,
                                         tags=tags_for(args.tags, name, f"nat-{az}"), opts=child_opts(self))
                targets[az if args.settings.egress == "per_az" else "*"] = ("nat_gateway_id", nat.id)
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
            instance_type=args.settings.nat_instance_type,
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
        if not args.settings.interface_endpoints:
            return
        endpoint_subnets = subnets["private"] or subnets["isolated"]
        sg = aws.ec2.SecurityGroup(f"{name}-endpoints", vpc_id=vpc.id,
                                   description="Interface endpoints: HTTPS from inside the VPC",
                                   tags=tags_for(args.tags, name, "endpoints"), opts=child_opts(self))
        aws.vpc.SecurityGroupIngressRule(f"{name}-endpoints-https", security_group_id=sg.id, cidr_ipv4=vpc.cidr_block,
                                         ip_protocol="tcp", from_port=443, to_port=443,
                                         description="HTTPS from the VPC", opts=child_opts(self))
        for service in args.settings.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=[s.id for s in endpoint_subnets.values()],
                security_group_ids=[sg.id], tags=tags_for(args.tags, name, f"{service}-endpoint"),
                opts=child_opts(self),
            )

    def _flow_logs(self, args: NetworkArgs, vpc: aws.ec2.Vpc) -> None:
        name = self._name
        group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", retention_in_days=args.settings.flow_logs.retention_days,
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
        who = f"{name} flow-log delivery"
        self._needs += [
            # The flow log's own ARN (in the VPC's account) is the source AWS names when it assumes the role.
            assumed_by(who, "vpc-flow-logs.amazonaws.com", role.arn, "deliver with its role", "network.flow_logs",
                       {"aws:SourceArn": vpc.arn.apply(lambda arn: arn.split(":vpc/")[0] + ":vpc-flow-log/fl-0123456789abcdef0")}),
            Access(workload=who, principal=role.arn, actions=["logs:CreateLogStream", "logs:PutLogEvents",
                                                              "logs:DescribeLogStreams"],
                   resources=[pulumi.Output.concat(group.arn, ":log-stream:*")], key="network.flow_logs",
                   why="write the flow records"),
        ]
        aws.ec2.FlowLog(
            f"{name}-flow-logs", vpc_id=vpc.id, traffic_type=args.settings.flow_logs.traffic_type,
            log_destination_type="cloud-watch-logs", log_destination=group.arn, iam_role_arn=role.arn,
            max_aggregation_interval=60, tags=tags_for(args.tags, name, "flow-logs"), opts=child_opts(self),
        )


def _ipv6_subnet(vpc_block: str, index: int) -> str:
    """The `index`th /64 of the VPC's /56 (AWS assigns subnets /64s only)."""
    return str(list(ipaddress.ip_network(vpc_block).subnets(new_prefix=64))[index])
