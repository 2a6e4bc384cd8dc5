"""Domain: zone and DNS-validated certificates, with CloudFront's certificate in us-east-1."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from components import Domain, DomainArgs, DomainSettings
from components.domain import DnsRecordSettings, covers
from tools.harness import INVOKES, MockContext


def test_created_public_zone_validates_one_record_per_distinct_name(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(
        settings=DomainSettings(name="example.com", alternative_names=["*.example.com", "api.example.com"]),
        region="us-east-1", hostnames=["", "www"])))  # both already covered: nothing added))
    zone = mon.one("aws:route53/zone:Zone")
    cert = mon.one("aws:acm/certificate:Certificate").inputs
    assert cert["domainName"] == "example.com" and cert["validationMethod"] == "DNS"
    assert cert["subjectAlternativeNames"] == ["*.example.com", "api.example.com"]
    records = mon.of_type("aws:route53/record:Record")
    assert sorted(r.name for r in records) == ["domain-validation-api-example-com", "domain-validation-example-com"]
    assert all(r.inputs["zoneId"] == zone.outputs["zoneId"] and r.inputs["type"] == "CNAME" for r in records)
    validation = mon.one("aws:acm/certificateValidation:CertificateValidation").inputs
    assert sorted(validation["validationRecordFqdns"]) == sorted(r.outputs["fqdn"] for r in records)
    outputs = mon.one("platform:components:Domain").registered_outputs
    assert outputs["certificate_arn"] == outputs["cloudfront_certificate_arn"]  # us-east-1 serves both


def test_outside_us_east_1_cloudfront_gets_its_own_certificate_there(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(settings=DomainSettings(name="example.com"),
                                                     region="eu-west-1", cloudfront_certificate=True)),
                 config={"aws:region": "eu-west-1"})
    provider = mon.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    certs = {c.name: c for c in mon.of_type("aws:acm/certificate:Certificate")}
    assert certs["domain-cloudfront-cert"].provider.startswith(provider.urn)
    assert certs["domain-cert"].provider is None
    edge_validation = mon.one("aws:acm/certificateValidation:CertificateValidation", "domain-cloudfront-cert")
    assert edge_validation.provider.startswith(provider.urn)
    outputs = mon.one("platform:components:Domain").registered_outputs
    assert ":acm:us-east-1:" in outputs["cloudfront_certificate_arn"]
    assert ":acm:eu-west-1:" in outputs["certificate_arn"]


def test_existing_private_zone_validates_in_the_public_zone(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(settings=DomainSettings(
        name="pavi.alliancegenome.org", zone="existing", zone_id="Z007692222A6W93AZVSPD",
        validation_zone_id="Z3IZ3D6V94JEC2"), region="us-east-1")))
    assert mon.of_type("aws:route53/zone:Zone") == []
    (record_,) = mon.of_type("aws:route53/record:Record")
    assert record_.inputs["zoneId"] == "Z3IZ3D6V94JEC2"
    assert mon.one("platform:components:Domain").registered_outputs["zone_id"] == "Z007692222A6W93AZVSPD"


def test_created_private_zone_is_attached_to_the_vpc(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(
        settings=DomainSettings(name="internal.example.com", private=True, validation_zone_id="Z0PUBLIC0000"),
        region="us-east-1", private_vpc_id="vpc-0123456789abcdef0")))
    zone = mon.one("aws:route53/zone:Zone").inputs
    assert zone["vpcs"] == [{"vpcId": "vpc-0123456789abcdef0", "vpcRegion": "us-east-1"}]


def test_protected_zone(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(settings=DomainSettings(name="example.com"), region="us-east-1",
                                                     protect=True)))
    zone = mon.one("aws:route53/zone:Zone")
    assert zone.protect is True and zone.retain_on_delete is True


def test_a_private_zone_without_a_public_validation_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="ACM validates through public DNS"):
        DomainSettings(name="x.example.com", private=True)
    with pytest.raises(ValueError, match="private_vpc_id exactly when settings.private"):
        DomainArgs(settings=DomainSettings(name="x.example.com"), region="us-east-1", private_vpc_id="vpc-1")


def test_alias_points_a_name_at_a_load_balancer_with_aaaa_when_dual_stack(record) -> None:
    def build() -> None:
        domain = Domain("domain", DomainArgs(settings=DomainSettings(name="example.com"), region="us-east-1"))
        domain.alias("api", "api.example.com", "internal-api-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K")
        domain.alias("www", "www.example.com", "main-1.elb.amazonaws.com", "Z35SXDOTRQ7X7K", ipv6=True)

    mon = record(build)
    zone = mon.one("aws:route53/zone:Zone").outputs["zoneId"]
    aliases = {(r.inputs["name"], r.inputs["type"]): r for r in mon.of_type("aws:route53/record:Record") if r.inputs.get("aliases")}
    assert set(aliases) == {("api.example.com", "A"), ("www.example.com", "A"), ("www.example.com", "AAAA")}
    assert aliases[("api.example.com", "A")].name == "domain-api-a"
    assert all(r.inputs["zoneId"] == zone and r.inputs["aliases"][0]["evaluateTargetHealth"] is True for r in aliases.values())


@pytest.mark.parametrize(("names", "name", "covered"), [
    (["example.com"], "example.com", True),
    (["example.com"], "www.example.com", False),           # no wildcard: exact names only
    (["*.example.com"], "www.example.com", True),          # one label below the wildcard
    (["*.example.com"], "example.com", False),             # the wildcard does not cover its parent
    (["*.example.com"], "a.b.example.com", False),         # nor two labels below
    (["*.Example.com."], "WWW.example.com", True),         # DNS names ignore case and the root dot
    ([], "example.com", False),
])
def test_covers_follows_the_single_label_wildcard_rule(names: list[str], name: str, covered: bool) -> None:
    assert covers(names, name) is covered


def test_hostnames_the_stack_points_here_join_the_certificate_unless_covered(record) -> None:
    mon = record(lambda: Domain("domain", DomainArgs(
        settings=DomainSettings(name="example.com", alternative_names=["*.api.example.com"]), region="us-east-1",
        hostnames=["", "www", "origin", "www"])))
    cert = mon.one("aws:acm/certificate:Certificate").inputs
    assert cert["subjectAlternativeNames"] == ["*.api.example.com", "www.example.com", "origin.example.com"]


# -- records written by hand, and the mail identity (issue 22) ------------------------------------------------------



@pytest.mark.parametrize(("type_", "passing", "failing"), [
    ("A", "192.0.2.10", "2001:db8::1"),
    ("AAAA", "2001:db8::1", "192.0.2.10"),
    ("MX", "10 inbound-smtp.us-east-1.amazonaws.com", "inbound-smtp.us-east-1.amazonaws.com"),
    ("CAA", '0 issue "amazon.com"', "0 issue amazon.com"),
    ("SRV", "10 5 5060 sip.example.com", "10 5 sip.example.com"),
    ("CNAME", "target.example.net", "not a host"),
    ("TXT", "x" * 4000, "x" * 4001),
])
def test_each_record_type_takes_values_in_its_own_form(type_, passing, failing) -> None:
    assert DnsRecordSettings(name="svc", type=type_, values=[passing]).values == [passing]
    with pytest.raises(ValidationError, match=r"values\[0\]"):
        DnsRecordSettings(name="svc", type=type_, values=[failing])


@pytest.mark.parametrize(("record", "problem"), [
    ({"name": "", "type": "CNAME", "values": ["a.example.net"]}, "the zone's own name cannot be a CNAME"),
    ({"name": "x", "type": "CNAME", "values": ["a.example.net", "b.example.net"]}, "exactly one value"),
    ({"name": "Mail", "type": "A", "values": ["192.0.2.1"]}, "a label (or labels)"),
    ({"name": "x", "type": "A", "values": []}, "at least 1"),
    ({"name": "x", "type": "A", "values": ["192.0.2.1"], "ttl": -1}, "greater than or equal to 0"),
    ({"name": "x", "type": "PTR", "values": ["a.example.net"]}, "Input should be"),
])
def test_a_record_that_route53_or_dns_would_refuse_is_refused(record, problem) -> None:
    with pytest.raises(ValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        DnsRecordSettings(**record)
    assert DnsRecordSettings(name="_dmarc", type="TXT", values=["v=DMARC1; p=quarantine"], ttl=0).ttl == 0


@pytest.mark.parametrize(("records", "problem"), [
    ([{"name": "x", "type": "TXT", "values": ["a"]}, {"name": "x", "type": "TXT", "values": ["b"]}],
     "@records[1]: records[0] already writes the TXT of x"),
    ([{"name": "x", "type": "TXT", "values": ["a"]}, {"name": "x", "type": "CNAME", "values": ["t.example.net"]}],
     "@records[1]: a CNAME is the only record a name may have"),
])
def test_one_record_set_per_name_and_type_and_a_cname_alone(records, problem) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        DomainSettings(name="example.org", records=records)
    assert len(DomainSettings(name="example.org", records=[records[0], {**records[1], "name": "y"}]).records) == 2


def test_a_private_zone_sends_no_mail() -> None:
    with pytest.raises(ValidationError, match="@email: SES verifies the domain through public DNS"):
        DomainSettings(name="example.org", private=True, validation_zone_id="ZPUBLIC123", email={})


def test_records_and_the_mail_identity_with_its_three_dkim_cnames(record) -> None:
    settings = DomainSettings(name="example.org", email={}, records=[
        {"name": "", "type": "MX", "values": ["10 inbound-smtp.us-east-1.amazonaws.com"]},
        {"name": "_dmarc", "type": "TXT", "values": ["v=DMARC1; p=quarantine"], "ttl": 3600}])
    mon = record(lambda: Domain("domain", DomainArgs(settings=settings, region="us-east-1")))
    zone = mon.one("aws:route53/zone:Zone").outputs["zoneId"]
    mx = mon.one("aws:route53/record:Record", "domain-apex-mx").inputs
    assert (mx["zoneId"], mx["name"], mx["type"], mx["records"], mx["ttl"]) == (
        zone, "example.org", "MX", ["10 inbound-smtp.us-east-1.amazonaws.com"], 300)
    dmarc = mon.one("aws:route53/record:Record", "domain-_dmarc-txt").inputs
    assert (dmarc["name"], dmarc["ttl"]) == ("_dmarc.example.org", 3600)
    identity = mon.one("aws:sesv2/emailIdentity:EmailIdentity", "domain-email")
    assert identity.inputs["emailIdentity"] == "example.org"
    assert identity.inputs["dkimSigningAttributes"]["nextSigningKeyLength"] == "RSA_2048_BIT"
    tokens = identity.outputs["dkimSigningAttributes"]["tokens"]
    dkim = sorted((r.inputs["name"], r.inputs["records"][0], r.inputs["type"], r.inputs["zoneId"])
                  for r in mon.of_type("aws:route53/record:Record") if r.name.startswith("domain-dkim-"))
    assert dkim == sorted((f"{t}._domainkey.example.org", f"{t}.dkim.amazonses.com", "CNAME", zone) for t in tokens)


@pytest.mark.parametrize(("zone", "zone_id", "created", "looked_up"), [
    ("create", None, True, False),
    ("existing", "Z007692222A6W93AZVSPD", False, False),
    ("existing", None, False, True),      # found by its name
])
def test_the_zone_is_created_named_by_id_or_found_by_its_name(record, zone, zone_id, created, looked_up) -> None:
    settings = DomainSettings(name="example.org", zone=zone, zone_id=zone_id)
    mon = record(lambda: Domain("domain", DomainArgs(settings=settings, region="us-east-1")))
    assert bool(mon.of_type("aws:route53/zone:Zone")) is created
    lookups = [i.args for i in mon.invocations if i.token == "aws:route53/getZone:getZone"]
    assert lookups == ([{"name": "example.org", "privateZone": False}] if looked_up else [])
    used = {r.inputs["zoneId"] for r in mon.of_type("aws:route53/record:Record")}
    found = INVOKES["aws:route53/getZone:getZone"]({"name": "example.org"}, MockContext())["zoneId"]
    expected = mon.one("aws:route53/zone:Zone").outputs["zoneId"] if created else zone_id or found
    assert used == {expected}


def test_a_zone_id_is_only_for_an_existing_zone() -> None:
    with pytest.raises(ValidationError, match="@zone_id: only with zone: existing"):
        DomainSettings(name="example.org", zone_id="Z007692222A6W93AZVSPD")


def test_a_private_zone_is_named_by_its_id_never_looked_up() -> None:
    with pytest.raises(ValidationError, match="@zone_id: a zone validated elsewhere"):
        DomainSettings(name="pavi.example.org", zone="existing", validation_zone_id="Z3IZ3D6V94JEC2")
    assert DomainSettings(name="pavi.example.org", zone="existing", zone_id="Z007692222A6W93AZVSPD",
                          validation_zone_id="Z3IZ3D6V94JEC2").zone_id == "Z007692222A6W93AZVSPD"
