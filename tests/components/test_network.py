"""Network: subnets per tier and AZ, routing per egress strategy, endpoints, flow logs, adoption."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components import Network, NetworkArgs, NetworkSettings
from tools.harness import RecordingMonitor

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
CIDRS = {
    "public": ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"],
    "private": ["10.0.64.0/20", "10.0.80.0/20", "10.0.96.0/20"],
    "isolated": ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"],
}


def build(egress: str = "per_az", **overrides) -> NetworkArgs:
    """Args for a new VPC over AZS with the CIDRS layout; overrides are NetworkSettings fields."""
    settings = dict(cidr="10.0.0.0/16", availability_zones=AZS, subnets=CIDRS, egress=egress)
    settings.update(overrides)
    return NetworkArgs(settings=NetworkSettings(**settings), region="us-east-1", tags={"env": "test"})


def default_route(mon: RecordingMonitor, table_name: str) -> dict | None:
    table = mon.one("aws:ec2/routeTable:RouteTable", table_name)
    routes = [r for r in mon.of_type("aws:ec2/route:Route")
              if r.inputs["routeTableId"] == table.id and r.inputs["destinationCidrBlock"] == "0.0.0.0/0"]
    assert len(routes) <= 1
    return routes[0].inputs if routes else None


def test_vpc_has_dns_and_subnets_per_tier_and_az(record) -> None:
    mon = record(lambda: Network("net", build()))
    vpc = mon.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    subnets = {r.name: r.inputs for r in mon.of_type("aws:ec2/subnet:Subnet")}
    assert len(subnets) == 9
    for tier, cidrs in CIDRS.items():
        for az, cidr in zip(AZS, cidrs, strict=True):
            subnet = subnets[f"net-{tier}-{az}"]
            assert subnet["cidrBlock"] == cidr and subnet["availabilityZone"] == az
            assert subnet["mapPublicIpOnLaunch"] is (tier == "public")
            assert subnet["vpcId"] == vpc.id


def test_public_tier_routes_to_the_internet_gateway(record) -> None:
    mon = record(lambda: Network("net", build()))
    igw = mon.one("aws:ec2/internetGateway:InternetGateway")
    assert default_route(mon, "net-public")["gatewayId"] == igw.id
    public_rt = mon.one("aws:ec2/routeTable:RouteTable", "net-public")
    associated = {a.inputs["subnetId"] for a in mon.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
                  if a.inputs["routeTableId"] == public_rt.id}
    assert associated == {mon.one("aws:ec2/subnet:Subnet", f"net-public-{az}").id for az in AZS}


def test_per_az_egress_has_a_nat_and_eip_in_each_az_and_routes_stay_in_their_az(record) -> None:
    mon = record(lambda: Network("net", build("per_az")))
    nats = {n.name: n for n in mon.of_type("aws:ec2/natGateway:NatGateway")}
    assert len(nats) == 3 and len(mon.of_type("aws:ec2/eip:Eip")) == 3
    for az in AZS:
        nat = nats[f"net-nat-{az}"]
        assert nat.inputs["subnetId"] == mon.one("aws:ec2/subnet:Subnet", f"net-public-{az}").id
        assert default_route(mon, f"net-private-{az}")["natGatewayId"] == nat.id


def test_single_egress_shares_one_nat(record) -> None:
    mon = record(lambda: Network("net", build("single")))
    (nat,) = mon.of_type("aws:ec2/natGateway:NatGateway")
    assert nat.name == "net-nat-us-east-1a"
    assert {default_route(mon, f"net-private-{az}")["natGatewayId"] for az in AZS} == {nat.id}


def test_nat_instance_egress_is_a_hardened_t4g_forwarder(record) -> None:
    mon = record(lambda: Network("net", build("instance")))
    assert mon.of_type("aws:ec2/natGateway:NatGateway") == []
    nat = mon.one("aws:ec2/instance:Instance")
    assert nat.inputs["instanceType"] == "t4g.nano"
    assert nat.inputs["sourceDestCheck"] is False
    assert nat.inputs["subnetId"] == mon.one("aws:ec2/subnet:Subnet", "net-public-us-east-1a").id
    assert nat.inputs["metadataOptions"]["httpTokens"] == "required"
    assert nat.inputs["rootBlockDevice"]["encrypted"] is True
    assert "ami" in nat.ignore_changes
    assert nat.inputs["ami"].startswith("ami-")  # resolved from the public SSM parameter
    eni = nat.outputs["primaryNetworkInterfaceId"]
    for az in AZS:
        assert default_route(mon, f"net-private-{az}")["networkInterfaceId"] == eni
    ingress = mon.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress.inputs["cidrIpv4"] == "10.0.0.0/16"  # forwards only for the VPC


def test_no_egress_means_no_default_route_and_no_nat(record) -> None:
    mon = record(lambda: Network("net", build("none")))
    assert mon.of_type("aws:ec2/natGateway:NatGateway") == [] and mon.of_type("aws:ec2/instance:Instance") == []
    assert all(default_route(mon, f"net-private-{az}") is None for az in AZS)


def test_isolated_tier_never_reaches_the_internet(record) -> None:
    mon = record(lambda: Network("net", build("per_az")))
    assert default_route(mon, "net-isolated") is None
    table = mon.one("aws:ec2/routeTable:RouteTable", "net-isolated")
    assert not [r for r in mon.of_type("aws:ec2/route:Route") if r.inputs["routeTableId"] == table.id]


def test_s3_gateway_endpoint_serves_private_and_isolated_tables(record) -> None:
    mon = record(lambda: Network("net", build()))
    s3 = mon.one("aws:ec2/vpcEndpoint:VpcEndpoint", "net-s3")
    assert s3.inputs["vpcEndpointType"] == "Gateway" and s3.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    tables = {t.name: t.id for t in mon.of_type("aws:ec2/routeTable:RouteTable")}
    assert set(s3.inputs["routeTableIds"]) == {tables[f"net-private-{az}"] for az in AZS} | {tables["net-isolated"]}


def test_interface_endpoints_get_private_dns_and_their_own_https_only_group(record) -> None:
    mon = record(lambda: Network("net", build(interface_endpoints=["ecr.api", "logs"])))
    endpoints = {e.name: e.inputs for e in mon.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.name != "net-s3"}
    assert set(endpoints) == {"net-ecr-api", "net-logs"}
    sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "net-endpoints")
    private = {mon.one("aws:ec2/subnet:Subnet", f"net-private-{az}").id for az in AZS}
    for inputs in endpoints.values():
        assert inputs["privateDnsEnabled"] is True and inputs["securityGroupIds"] == [sg.id]
        assert set(inputs["subnetIds"]) == private
    (rule,) = [r for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == sg.id]
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["cidrIpv4"]) == (443, 443, "10.0.0.0/16")


def test_flow_logs_go_to_a_retained_group_through_a_scoped_role(record) -> None:
    mon = record(lambda: Network("net", build(flow_logs={"retention_days": 30})))
    group = mon.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["retentionInDays"] == 30
    flow = mon.one("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["vpcId"] == mon.one("aws:ec2/vpc:Vpc").id
    assert flow.inputs["logDestination"] == group.outputs["arn"] and flow.inputs["trafficType"] == "ALL"
    role = mon.one("aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    policy = json.loads(mon.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    (statement,) = policy["Statement"]
    assert all(res.startswith(group.outputs["arn"]) for res in statement["Resource"])
    assert "*" not in statement["Action"]


def test_default_security_group_is_taken_over_with_no_rules(record) -> None:
    mon = record(lambda: Network("net", build()))
    default = mon.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default.inputs.get("ingress", []) == [] and default.inputs.get("egress", []) == []


def test_tiers_left_out_are_not_created(record) -> None:
    cidrs = {"public": ["10.0.1.0/24", "10.0.2.0/24"], "private": ["10.0.10.0/24", "10.0.11.0/24"]}
    mon = record(lambda: Network("net", build("per_az", availability_zones=AZS[:2], subnets=cidrs)))
    assert sorted(r.inputs["cidrBlock"] for r in mon.of_type("aws:ec2/subnet:Subnet")) == sorted(
        cidrs["public"] + cidrs["private"])
    assert [t.name for t in mon.of_type("aws:ec2/routeTable:RouteTable") if "isolated" in t.name] == []


def test_adopting_a_vpc_creates_nothing_and_exposes_the_same_outputs(record) -> None:
    outputs = {}

    def adopt():
        net = Network("net", NetworkArgs(region="us-east-1", settings=NetworkSettings(existing={
            "vpc_id": "vpc-55522232",
            "subnet_ids": {"private": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]},
            "subnet_filters": {"public": {"map-public-ip-on-launch": ["true"]}},
        })))
        outputs["net"] = net
        return {"vpc": net.vpc_id, "cidr": net.vpc_cidr, "private": net.private_subnet_ids,
                "public": net.public_subnet_ids, "isolated": net.isolated_subnet_ids}

    mon = record(adopt)
    assert [r.type for r in mon.records()] == ["platform:components:Network"]
    lookups = [c for c in mon.invocations if c.token == "aws:ec2/getSubnets:getSubnets"]
    assert lookups and {"name": "vpc-id", "values": ["vpc-55522232"]} in lookups[0].args["filters"]
    registered = mon.one("platform:components:Network").registered_outputs
    assert registered["vpc_id"] == "vpc-55522232"
    assert registered["private_subnet_ids"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
    assert len(registered["public_subnet_ids"]) == 2 and registered["isolated_subnet_ids"] == []
    assert registered["vpc_cidr"] == "10.0.0.0/16"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"existing": {"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": {"private": ["subnet-0123456789abcdef0"]}}},
         "not used when adopting a VPC"),
        ({"subnets": {"public": ["10.0.0.0/24"], "private": CIDRS["private"]}}, "needs one CIDR per AZ"),
        ({"subnets": {"private": CIDRS["private"]}, "egress": "single"}, "needs a public tier for the NAT"),
    ],
)
def test_settings_reject_impossible_shapes(overrides: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build(**overrides)


def test_ipv6_goes_to_the_public_subnets_for_dual_stack_load_balancers(record) -> None:
    import ipaddress

    mon = record(lambda: Network("net", build(ipv6=True)))
    vpc = mon.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["assignGeneratedIpv6CidrBlock"] is True
    block = ipaddress.ip_network(vpc.outputs["ipv6CidrBlock"])
    public = [mon.one("aws:ec2/subnet:Subnet", f"net-public-{az}").inputs["ipv6CidrBlock"] for az in AZS]
    assert len(set(public)) == 3
    assert all(ipaddress.ip_network(p).prefixlen == 64 and ipaddress.ip_network(p).subnet_of(block) for p in public)
    for tier in ("private", "isolated"):  # workloads and data stay IPv4-only
        assert all("ipv6CidrBlock" not in mon.one("aws:ec2/subnet:Subnet", f"net-{tier}-{az}").inputs for az in AZS)
    igw = mon.one("aws:ec2/internetGateway:InternetGateway")
    table = mon.one("aws:ec2/routeTable:RouteTable", "net-public")
    (route,) = [r.inputs for r in mon.of_type("aws:ec2/route:Route") if r.inputs.get("destinationIpv6CidrBlock")]
    assert route == {"routeTableId": table.id, "destinationIpv6CidrBlock": "::/0", "gatewayId": igw.id}
    ipv4_only = record(lambda: Network("net", build()))
    assert "assignGeneratedIpv6CidrBlock" not in ipv4_only.one("aws:ec2/vpc:Vpc").inputs


def test_without_listed_zones_the_regions_first_available_ones_are_used(record) -> None:
    mon = record(lambda: Network("net", NetworkArgs(region="us-east-1", settings=NetworkSettings(
        cidr="10.0.0.0/16", az_count=3))))
    (lookup,) = [c for c in mon.invocations if c.token == "aws:index/getAvailabilityZones:getAvailabilityZones"]
    assert lookup.args["state"] == "available"
    zones = mon.one("platform:components:Network").registered_outputs["availability_zones"]
    assert len(zones) == 3 and zones == sorted(zones)
    assert sorted(s.inputs["availabilityZone"] for s in mon.of_type("aws:ec2/subnet:Subnet")) == sorted(zones * 3)
