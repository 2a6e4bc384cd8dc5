"""examples/Pulumi.pavi.yaml: two internal ALBs in the Alliance's VPC, a name only in its private zone."""

from __future__ import annotations

import pytest

from tools.harness import PROJECT_DIR

STACK = PROJECT_DIR / "examples" / "Pulumi.pavi.yaml"
PRIVATE_ZONE, PUBLIC_ZONE = "Z007692222A6W93AZVSPD", "Z3IZ3D6V94JEC2"
NETWORK_TYPES = ("aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway",
                 "aws:ec2/internetGateway:InternetGateway", "aws:ec2/routeTable:RouteTable", "aws:route53/zone:Zone")


@pytest.fixture(scope="module")
def mon(stack):
    return stack(STACK)


def test_the_organisations_vpc_and_zones_are_used_never_created(mon) -> None:
    for typ in NETWORK_TYPES:
        assert mon.of_type(typ) == [], typ
    lookups = [i.args for i in mon.invocations if i.token == "aws:ec2/getSubnets:getSubnets"]
    (filters,) = [{f["name"]: f["values"] for f in args["filters"]} for args in lookups]
    assert filters == {"vpc-id": ["vpc-55522232"], "map-public-ip-on-launch": ["false"]}


def test_one_internal_alb_per_service_reachable_only_from_inside_the_vpc(mon) -> None:
    lbs = {lb.name: lb.inputs for lb in mon.of_type("aws:lb/loadBalancer:LoadBalancer")}
    assert set(lbs) == {"app-webui-lb", "app-api-lb"}
    assert all(lb["internal"] is True for lb in lbs.values())
    assert all(lb["subnets"] == mon.exports["network_private_subnet_ids"] for lb in lbs.values())
    cidrs = {r.inputs.get("cidrIpv4") for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert "0.0.0.0/0" not in cidrs and mon.exports["network_vpc_cidr"] in cidrs


def test_the_names_live_only_in_the_private_zone_and_validate_through_the_public_one(mon) -> None:
    records = mon.of_type("aws:route53/record:Record")
    private = {r.inputs["name"]: r.inputs for r in records if r.inputs["zoneId"] == PRIVATE_ZONE}
    webui = mon.one("aws:lb/loadBalancer:LoadBalancer", "app-webui-lb")
    api = mon.one("aws:lb/loadBalancer:LoadBalancer", "app-api-lb")
    # Each internal HTTPS load balancer is reached by a name its certificate covers (regression: the API's
    # had no record, so nothing could reach it by a covered name).
    assert private["pavi.alliancegenome.org"]["aliases"][0]["name"] == webui.outputs["dnsName"]
    assert private["api.pavi.alliancegenome.org"]["aliases"][0]["name"] == api.outputs["dnsName"]
    assert {r["type"] for r in private.values()} == {"A"}
    certificate = mon.one("aws:acm/certificate:Certificate").inputs
    assert {certificate["domainName"], *certificate["subjectAlternativeNames"]} == {
        "pavi.alliancegenome.org", "api.pavi.alliancegenome.org"}
    # The public zone gets the ACM validation records and nothing else.
    assert {r.inputs["type"] for r in records if r.inputs["zoneId"] == PUBLIC_ZONE} == {"CNAME"}
    assert mon.of_type("aws:cloudfront/distribution:Distribution") == []
    assert mon.of_type("aws:wafv2/webAcl:WebAcl") == []


def test_the_web_ui_reaches_the_api_through_service_connect(mon) -> None:
    api_sg = mon.one("aws:ec2/securityGroup:SecurityGroup", "app-api").id
    sources = {mon.by_id(r.inputs["referencedSecurityGroupId"]).name
               for r in mon.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == api_sg}
    assert sources == {"app-api-lb", "app-webui"}
    # The web UI calls http://api:8000: the API publishes that name (regression: it published none).
    api = mon.one("aws:ecs/service:Service", "app-api").inputs["serviceConnectConfiguration"]
    assert [(s["discoveryName"], s["clientAlias"]) for s in api["services"]] == [("api", [{"dnsName": "api", "port": 8000}])]
    webui = mon.one("aws:ecs/service:Service", "app-webui").inputs["serviceConnectConfiguration"]
    assert webui["namespace"] == api["namespace"] and not webui.get("services")
