"""Domain: the stack's hosted zone (created or existing) and its DNS-validated ACM certificates.

One regional certificate serves the load balancers. When CloudFront is used and the stack is not
in us-east-1, a second certificate is issued in us-east-1 (CloudFront only takes certificates
from there) through an explicit provider; both validate through the same DNS records, because
ACM's validation record for a name is the same in every region of an account.

A private zone cannot validate a public certificate: its validation records then go to a public
zone given as `validation_zone_id` (the pavi system's layout: service names only in the private
zone, ACM's CNAMEs in the organisation's public zone).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from components._common import alias_records, child_opts, stateful_opts, tags_for
from components._settings import Problems, Settings, matching

CLOUDFRONT_REGION = "us-east-1"
DKIM_TOKENS = 3
"""Easy DKIM publishes three tokens per identity (SES API Reference, DkimAttributes.Tokens)."""


def covers(certificate_names: Iterable[str], name: str) -> bool:
    """Whether a certificate for `certificate_names` is valid for `name`: the same name, or a wildcard
    `*.<parent>` for a name exactly one label below `<parent>` (RFC 6125, 6.4.3: the wildcard stands for
    the whole left-most label only, so `*.example.com` covers neither example.com nor a.b.example.com)."""
    name = name.rstrip(".").lower()
    parent = name.split(".", 1)[-1]
    for cert_name in (n.rstrip(".").lower() for n in certificate_names):
        if cert_name == name or (cert_name.startswith("*.") and "." in name and cert_name[2:] == parent):
            return True
    return False


DnsName = Annotated[str, matching(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", "a DNS name such as app.example.com")]
ZoneId = Annotated[str, matching(r"^Z[A-Z0-9]{4,32}$", "a Route53 zone id such as Z007692222A6W93AZVSPD")]


RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "CAA", "SRV"]
"""The record types a stack writes by hand (Route53 API Reference, RRType; the rest are the platform's or rare)."""

_VALUE_FORMS: dict[str, tuple[str, str]] = {
    "MX": (r"^\d{1,5} \S+$", "priority host, e.g. 10 inbound-smtp.us-east-1.amazonaws.com"),
    "CAA": (r'^\d{1,3} (issue|issuewild|iodef) "[^"]*"$', 'flags tag "value", e.g. 0 issue "amazon.com"'),
    "SRV": (r"^\d{1,5} \d{1,5} \d{1,5} \S+$", "priority weight port host, e.g. 10 5 5060 sip.example.com"),
    "CNAME": (r"^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$", "one host name, e.g. target.example.net"),
}
"""How each typed value is written (Route53 Developer Guide, "Supported DNS record types"; checked 2026-12-04)."""


class DnsRecordSettings(Settings):
    """One record set in the stack's zone, written by hand (mail, verification tokens, CAA, services)."""

    name: str = ""
    """Label under domain.name ("" = the name itself, `_dmarc`, `mail`)."""
    type: RecordType
    """A, AAAA, CNAME, MX, TXT, CAA or SRV."""
    values: list[str] = Field(min_length=1, max_length=100)
    """The record's values as the type writes them (TXT without quotes: Route53's provider adds them)."""
    ttl: int = Field(300, ge=0, le=2147483647)
    """Seconds resolvers may cache it (Route53 API Reference, TTL 0-2147483647)."""

    @model_validator(mode="after")
    def _rules(self) -> DnsRecordSettings:
        problems = Problems()
        if self.name and not re.fullmatch(r"(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*",
                                          self.name):
            problems.add("name", f"a label (or labels) under the domain such as mail, _dmarc or *; got {self.name!r}")
        for i, value in enumerate(self.values):
            form = _VALUE_FORMS.get(self.type)
            if self.type == "A" and not _ip(value, 4):
                problems.add(f"values[{i}]", f"an IPv4 address; got {value!r}")
            elif self.type == "AAAA" and not _ip(value, 6):
                problems.add(f"values[{i}]", f"an IPv6 address; got {value!r}")
            elif form is not None and not re.fullmatch(form[0], value):
                problems.add(f"values[{i}]", f"{self.type} values are {form[1]}; got {value!r}")
            elif self.type == "TXT" and len(value) > 4000:
                problems.add(f"values[{i}]", "TXT values are at most 4000 characters")
        if self.type == "CNAME" and len(self.values) != 1:
            problems.add("values", f"a CNAME has exactly one value; got {len(self.values)}")
        if self.type == "CNAME" and self.name == "":
            problems.add("type", "the zone's own name cannot be a CNAME (it holds the zone's SOA and NS records); "
                                 "use an alias A record (a load balancer hostname) instead")
        return problems.done(self)


def _ip(value: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(value).version == version
    except ValueError:
        return False


class EmailSettings(Settings):
    """An SES domain identity for mail from the stack's domain, verified and signed with Easy DKIM."""

    dkim_key_length: Literal["RSA_1024_BIT", "RSA_2048_BIT"] = "RSA_2048_BIT"
    """Easy DKIM key length (SES API Reference, DkimSigningKeyLength)."""


class DomainSettings(Settings):
    """`platform:domain`: the hosted zone and the ACM certificate for the stack's names."""

    name: DnsName
    """Base domain of the stack, e.g. dev.example.com."""
    zone: Literal["create", "existing"] = "create"
    """Create the hosted zone, or use an existing one (`zone_id`)."""
    zone_id: ZoneId | None = None
    """Existing zone's id (zone: existing); unset, the public zone named `name` is looked up by its name."""
    private: bool = False
    """A private zone attached to the VPC (zone: create); records resolve only inside."""
    validation_zone_id: ZoneId | None = None
    """Public zone for ACM's DNS validation records (required when the zone is private)."""
    alternative_names: list[DnsName] = []
    """Further names on the certificate, e.g. *.example.com."""
    records: list[DnsRecordSettings] = []
    """Records written by hand in the zone: MX, TXT (SPF, DMARC, verification tokens), CAA, SRV, CNAME, A, AAAA."""
    email: EmailSettings | None = None
    """Send mail as the domain: an SES identity with its three DKIM CNAMEs in the zone."""

    @model_validator(mode="after")
    def _rules(self) -> DomainSettings:
        problems = Problems()
        seen: dict[tuple[str, str], int] = {}
        for i, record in enumerate(self.records):
            if (record.name, record.type) in seen:
                problems.add(f"records[{i}]", f"records[{seen[record.name, record.type]}] already writes the "
                                              f"{record.type} of {record.name or '(the name itself)'}: one record set per "
                                              "name and type; give both values in one entry")
            seen.setdefault((record.name, record.type), i)
        for i, record in enumerate(self.records):
            others = sorted({t for (n, t) in seen if n == record.name and t != record.type})
            if record.type == "CNAME" and others:
                problems.add(f"records[{i}]", f"a CNAME is the only record a name may have (RFC 1034, 3.6.2); "
                                              f"{record.name} also has {', '.join(others)}")
        for i, alt in enumerate(self.alternative_names):
            bare = alt.removeprefix("*.")
            if bare != self.name and not bare.endswith(f".{self.name}"):
                # ACM's DNS validation records go into this zone: a name outside it would never validate.
                problems.add(f"alternative_names[{i}]", f"{alt} is outside the zone {self.name}, where the certificate's "
                                                        f"validation records go; use a name under it (e.g. *.{self.name})")
            elif alt == self.name or alt in self.alternative_names[:i]:
                problems.add(f"alternative_names[{i}]", f"{alt} is already on the certificate; remove the repeat")
        if self.email is not None and self.private:
            problems.add("email", "SES verifies the domain through public DNS; a private zone cannot send mail")
        if self.zone == "create" and self.zone_id is not None:
            problems.add("zone_id", "only with zone: existing")
        if self.zone == "existing" and self.zone_id is None and self.validation_zone_id is not None:
            # A separate validation zone means the zone is private, and a lookup by name finds public zones only.
            problems.add("zone_id", "a zone validated elsewhere (validation_zone_id) is private, which only its id "
                                    "names; give zone_id")
        if self.private and self.zone == "existing":
            problems.add("private", "describes a zone we create; an existing private zone just needs zone_id")
        if self.private and self.validation_zone_id is None:
            problems.add("validation_zone_id", "ACM validates through public DNS; give the public zone that may hold "
                                               "the validation records of a private domain")
        return problems.done(self)


def certificate_names(settings: DomainSettings, labels: Iterable[str]) -> list[str]:
    """Every name the certificate must cover: the domain, its alternative names, and each label under
    it that the stack points somewhere (`""` is the name itself) not already under a wildcard."""
    names = [settings.name, *settings.alternative_names]
    for label in labels:
        fqdn = f"{label}.{settings.name}" if label else settings.name
        if not covers(names, fqdn):
            names.append(fqdn)
    return names


@dataclass(frozen=True, kw_only=True)
class DomainArgs:
    """Inputs for :class:`Domain`: its settings (`platform:domain`) and what the stack points at it."""

    settings: DomainSettings
    """Base name, zone (created, private or existing) and extra certificate names."""
    region: str
    """The stack's region."""
    hostnames: Sequence[str] = ()
    """Labels under the base name that the stack points somewhere (edge, load balancers; `""` = the name
    itself); the certificate covers each (`certificate_names`)."""
    private_vpc_id: pulumi.Input[str] | None = None
    """The VPC a private zone (`settings.private`) is attached to."""
    cloudfront_certificate: bool = False
    """Also provide a certificate in us-east-1 for CloudFront."""
    protect: bool = False
    """Pulumi `protect` + `retainOnDelete` on a created zone (its NS delegation is external)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for every taggable child."""

    def __post_init__(self) -> None:
        if self.settings.private != (self.private_vpc_id is not None):
            raise ValueError("DomainArgs: give private_vpc_id exactly when settings.private is true")


def _key(domain: str) -> str:
    """Validation-record key: `*.example.com` and `example.com` share one record."""
    return re.sub(r"[^a-z0-9]+", "-", domain.removeprefix("*.").lower()).strip("-")


class Domain(pulumi.ComponentResource):
    """A hosted zone and validated certificates for the stack's names."""

    zone_id: pulumi.Output[str]
    """Zone the stack's records go into."""
    name_servers: pulumi.Output[Sequence[str]]
    """Name servers of a created public zone (delegate to them); empty otherwise."""
    certificate_arn: pulumi.Output[str]
    """Validated certificate in the stack's region (load balancers)."""
    cloudfront_certificate_arn: pulumi.Output[str]
    """Validated certificate in us-east-1 (CloudFront); the regional one when the stack is there."""
    email_identity_arn: pulumi.Output[str] | None
    """The SES identity of the domain (`settings.email`); services that send mail are granted it."""

    def __init__(self, name: str, args: DomainArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:components:Domain", name, None, opts)
        self._name = name
        if args.settings.zone == "create":
            zone = aws.route53.Zone(
                f"{name}-zone", name=args.settings.name, comment=f"{name}: managed by Pulumi",
                vpcs=[aws.route53.ZoneVpcArgs(vpc_id=args.private_vpc_id, vpc_region=args.region)]
                if args.private_vpc_id is not None else None,
                tags=tags_for(args.tags, name, "zone"), opts=stateful_opts(self, args.protect),
            )
            zone_id = zone.zone_id
            self.name_servers = zone.name_servers if args.private_vpc_id is None else pulumi.Output.from_input([])
        elif args.settings.zone_id is not None:
            zone_id = pulumi.Output.from_input(args.settings.zone_id)
            self.name_servers = pulumi.Output.from_input([])
        else:
            # Found by its name, as the team knows it: the public zone (a private one is named by zone_id).
            found = aws.route53.get_zone_output(name=args.settings.name, private_zone=False,
                                                opts=pulumi.InvokeOutputOptions(parent=self))
            zone_id = found.zone_id
            self.name_servers = pulumi.Output.from_input([])
        validation_zone = args.settings.validation_zone_id if args.settings.validation_zone_id is not None else zone_id

        names = certificate_names(args.settings, args.hostnames)
        certificate = self._certificate(f"{name}-cert", "cert", args, names, child_opts(self))
        records = []
        for key in sorted({_key(n) for n in names}):
            domain = next(n for n in names if _key(n) == key)
            option = certificate.domain_validation_options.apply(partial(_validation_option, domain=domain))
            records.append(aws.route53.Record(
                f"{name}-validation-{key}", zone_id=validation_zone, name=option.resource_record_name,
                type=option.resource_record_type, records=[option.resource_record_value], ttl=300,
                # The same record also validates certificates of other stacks for this name.
                allow_overwrite=True, opts=child_opts(self),
            ))
        fqdns = [r.fqdn for r in records]
        validated = aws.acm.CertificateValidation(
            f"{name}-cert", certificate_arn=certificate.arn, validation_record_fqdns=fqdns, opts=child_opts(self))
        self.certificate_arn = validated.certificate_arn

        if args.cloudfront_certificate and args.region != CLOUDFRONT_REGION:
            provider = aws.Provider(f"{name}-{CLOUDFRONT_REGION}", region=CLOUDFRONT_REGION,
                                    default_tags=aws.ProviderDefaultTagsArgs(tags=dict(args.tags)),
                                    opts=child_opts(self))
            edge_cert = self._certificate(f"{name}-cloudfront-cert", "cloudfront-cert", args, names,
                                          child_opts(self, provider=provider))
            edge_validated = aws.acm.CertificateValidation(
                f"{name}-cloudfront-cert", certificate_arn=edge_cert.arn, validation_record_fqdns=fqdns,
                opts=child_opts(self, provider=provider))
            self.cloudfront_certificate_arn = edge_validated.certificate_arn
        else:
            self.cloudfront_certificate_arn = self.certificate_arn
        self.zone_id = zone_id
        self._tags = args.tags
        for record in args.settings.records:
            label = record.name.replace("*", "wildcard").replace(".", "-") or "apex"
            aws.route53.Record(
                f"{name}-{label}-{record.type.lower()}", zone_id=zone_id, type=record.type, ttl=record.ttl,
                name=f"{record.name}.{args.settings.name}" if record.name else args.settings.name,
                records=list(record.values), opts=child_opts(self))
        self.email_identity_arn = self._email(args) if args.settings.email is not None else None
        self.register_outputs({
            "zone_id": self.zone_id, "name_servers": self.name_servers,
            "certificate_arn": self.certificate_arn, "cloudfront_certificate_arn": self.cloudfront_certificate_arn,
            "email_identity_arn": self.email_identity_arn,
        })

    def _email(self, args: DomainArgs) -> pulumi.Output[str]:
        """An SES identity for the domain with Easy DKIM: SES publishes three tokens, each a CNAME
        `<token>._domainkey.<domain>` -> `<token>.dkim.amazonses.com`; once they resolve, SES verifies the domain
        and signs its mail (SES Developer Guide, "Easy DKIM"; checked 2026-12-04)."""
        name, settings = self._name, args.settings
        assert settings.email is not None
        identity = aws.sesv2.EmailIdentity(
            f"{name}-email", email_identity=settings.name,
            dkim_signing_attributes=aws.sesv2.EmailIdentityDkimSigningAttributesArgs(
                next_signing_key_length=settings.email.dkim_key_length),
            tags=tags_for(args.tags, name, "email"), opts=child_opts(self))
        tokens = identity.dkim_signing_attributes.apply(lambda a: list(a.tokens or []) if a else [])
        for i in range(DKIM_TOKENS):
            token = tokens.apply(partial(_token, index=i))
            aws.route53.Record(
                f"{name}-dkim-{i + 1}", zone_id=self.zone_id, type="CNAME", ttl=1800,
                name=pulumi.Output.concat(token, f"._domainkey.{settings.name}"),
                records=[pulumi.Output.concat(token, ".dkim.amazonses.com")], opts=child_opts(self))
        return identity.arn

    def alias(self, label: str, fqdn: str, dns_name: pulumi.Input[str], zone_id: pulumi.Input[str], *,
              ipv6: bool = False) -> list[aws.route53.Record]:
        """Point `fqdn` at a load balancer: an A alias, plus AAAA when it is dual-stack. The records are
        children of the zone's owner and named after `label` (`<name>-<label>-a`)."""
        target = aws.route53.RecordAliasArgs(name=dns_name, zone_id=zone_id, evaluate_target_health=True)
        return alias_records(self, f"{self._name}-{label}", self.zone_id, fqdn, target, ipv6=ipv6)

    def _certificate(self, logical: str, role: str, args: DomainArgs, names: list[str],
                     opts: pulumi.ResourceOptions) -> aws.acm.Certificate:
        return aws.acm.Certificate(
            logical, domain_name=names[0], subject_alternative_names=names[1:], validation_method="DNS",
            options=aws.acm.CertificateOptionsArgs(certificate_transparency_logging_preference="ENABLED"),
            tags=tags_for(args.tags, self._name, role), opts=opts,
        )


def _token(tokens: list[str], index: int) -> str:
    """The `index`th DKIM token SES gave the identity ("" until it has)."""
    return tokens[index] if len(tokens) > index else ""


def _validation_option(options: Sequence[aws.acm.outputs.CertificateDomainValidationOption],
                       domain: str) -> aws.acm.outputs.CertificateDomainValidationOption:
    """The DNS record ACM asks for to validate `domain`."""
    return next(o for o in options if o.domain_name == domain)
