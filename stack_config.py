"""The typed stack config: the only reader of `pulumi.Config`.

Every value a stack can set lives in `Pulumi.<stack>.yaml` under the project namespace, one object
per component (`platform:network`, `platform:database`, ...), plus the scalars `env` and `tags`.
This module validates all of it once, before any resource is declared: unknown keys (typos),
wrong types, out-of-range values, impossible combinations and environment invariants (prod is
durable) fail with one `ConfigError` whose message names each key path, what was expected, what
was given and how to fix it.

Components never import this module; `__main__.py` turns these models into component Args.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

import pulumi
import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from components import aws_data
from components.domain import covers

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ConfigError(pulumi.RunError):
    """Invalid stack config. A `RunError`, so `pulumi up` prints the message without a traceback."""


class _Problems:
    """Every problem one validator finds, reported together (one line per key) instead of the first."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, key: str, problem: str) -> None:
        """Note a problem with `key` (relative to the model being validated)."""
        # The `@key:` prefix lets the formatter print the key's full path.
        self.lines.append(f"@{key}: {problem}")

    def done(self, model: Any) -> Any:
        """Raise them all at once, or hand the valid model back."""
        if self.lines:
            raise ValueError("\n".join(self.lines))
        return model


_FRIENDLY = {
    "missing": "required key is missing",
    "ip_v4_network": "expected an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16",
    "dict_type": "expected a mapping of keys to values",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "model_type": "expected a mapping of keys to values",
    "frozen_instance": "config is read-only",
}


_PATTERN_HINTS: dict[str, str] = {}


def _matching(regex: str, expected: str) -> Any:
    """A string type constrained by `regex`, whose error message says `expected` in words."""
    _PATTERN_HINTS[regex] = expected
    return Annotated[str, Field(pattern=regex)]


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not re.fullmatch(r"[\w.:/-]+", str(part)):
            out += f"[{str(part)!r}]"  # keys with spaces or control characters stay readable
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    # Walk the model tree along `loc` to list the keys that were allowed where a typo was made.
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _describe(error: Mapping[str, Any], model: type[BaseModel]) -> list[str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    given = error.get("input")
    if kind == "value_error":
        lines = []
        for raw_line in str(error["ctx"]["error"]).splitlines():
            key_match = re.match(r"^@([\w.\[\]:-]+): (.*)$", raw_line)
            if key_match:
                key = ".".join(p for p in (_path(loc), key_match.group(1)) if p)
                lines.append(f"{key}: {key_match.group(2)}")
            else:
                lines.append(f"{_path(loc) or 'config'}: {raw_line}")
        return lines
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
        return [f"{_path(loc)}: unknown key.{did_you_mean} Allowed keys here: {', '.join(allowed)}"]
    if kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in _PATTERN_HINTS:
        message = f"expected {_PATTERN_HINTS[error['ctx']['pattern']]}"
    else:
        message = _FRIENDLY.get(kind) or str(error["msg"]).replace("Input should be", "expected")
    got = "" if kind == "missing" or isinstance(given, (dict, BaseModel)) else f"; got {given!r}"
    return [f"{_path(loc) or 'config'}: {message}{got}"]


def format_errors(exc: ValidationError, model: type[BaseModel], source: str) -> str:
    """One message for all problems in a stack config, one line per key path."""
    lines = []
    for error in exc.errors(include_url=False):
        lines.extend(_describe(error, model))
    body = "\n".join(f"  - {line}" for line in lines)
    return f"invalid stack config in {source}:\n{body}"


# --------------------------------------------------------------------------------------------
# Shared value types
# --------------------------------------------------------------------------------------------


class _Section(BaseModel):
    """Base for every config object: typos fail (`extra="forbid"`) and values are read-only."""

    # Attribute docstrings become field descriptions: the README's config reference is generated
    # from them (`./run readme --write`), so the docs cannot drift from the model.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


Tier = Literal["public", "private", "isolated"]
SubnetId = _matching(r"^subnet-[0-9a-f]{8,17}$", "a subnet id such as subnet-0123456789abcdef0")
VpcId = _matching(r"^vpc-[0-9a-f]{8,17}$", "a VPC id such as vpc-55522232")
AzName = _matching(r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$", "an availability zone name such as us-east-1a")
Region = _matching(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", "an AWS region such as us-east-1")
TIERS: tuple[Tier, ...] = ("public", "private", "isolated")

RetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]
"""The retention periods CloudWatch Logs accepts (any other value is rejected by the API)."""

BackupWindow = _matching(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$", "a daily UTC window hh:mm-hh:mm such as 03:00-04:00")
"""A daily UTC window `hh:mm-hh:mm`, e.g. `03:00-04:00`."""

MaintenanceWindow = _matching(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$",
    "a weekly UTC window ddd:hh:mm-ddd:hh:mm such as mon:04:00-mon:05:00",
)
"""A weekly UTC window `ddd:hh:mm-ddd:hh:mm`, e.g. `mon:04:00-mon:05:00`."""

InterfaceEndpoint = Literal[
    "ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "ec2messages", "kms", "sts",
    "monitoring", "ecs", "ecs-agent", "ecs-telemetry", "elasticfilesystem", "states", "batch", "sns",
    "sqs", "events", "xray", "eks", "eks-auth", "elasticloadbalancing", "autoscaling", "rds", "ec2",
]
"""Short service names of interface VPC endpoints (`com.amazonaws.<region>.<name>`)."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _daily_minutes(window: str) -> list[tuple[int, int]]:
    """Minute ranges in a week covered by a daily `hh:mm-hh:mm` window (every day)."""
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in window.split("-"))
    length = (end - start) % 1440
    return [(d * 1440 + start, d * 1440 + start + length) for d in range(7)]


def _weekly_minutes(window: str) -> tuple[int, int]:
    start_s, end_s = window.split("-")
    start = _DAYS.index(start_s[:3]) * 1440 + int(start_s[4:6]) * 60 + int(start_s[7:9])
    end = _DAYS.index(end_s[:3]) * 1440 + int(end_s[4:6]) * 60 + int(end_s[7:9])
    return start, start + (end - start) % (7 * 1440)


def windows_overlap(daily: str, weekly: str) -> bool:
    """Whether a daily backup window overlaps a weekly maintenance window (AWS rejects that)."""
    week = 7 * 1440
    m_start, m_end = _weekly_minutes(weekly)
    for b_start, b_end in _daily_minutes(daily):
        for shift in (-week, 0, week):
            if b_start + shift < m_end and m_start < b_end + shift:
                return True
    return False


def _window_minutes(window: str) -> int:
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in window.split("-"))
    return (end - start) % 1440


def _check_windows(problems: _Problems, daily_key: str, daily: str, weekly: str, *, min_minutes: int) -> None:
    """AWS rejects a daily backup/snapshot window that overlaps the maintenance window or is too short."""
    if windows_overlap(daily, weekly):
        problems.add("maintenance_window", f"overlaps {daily_key} {daily}; AWS rejects overlapping windows")
    if _window_minutes(daily) < min_minutes:
        problems.add(daily_key, f"must be at least {min_minutes} minutes long")


def _today() -> date:
    """The date support windows (EKS versions) are judged at; tests move it."""
    return date.today()


# --------------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------------


class SubnetCidrs(_Section):
    """Explicit subnet CIDRs per tier, one per availability zone, in AZ order."""

    public: list[IPv4Network] = []
    """Public subnets (load balancers, NAT). Empty: no public tier."""
    private: list[IPv4Network] = []
    """Private subnets with egress through NAT (tasks, batch jobs)."""
    isolated: list[IPv4Network] = []
    """Isolated subnets with no route to the internet (databases, caches)."""


class SubnetFilters(_Section):
    """EC2 `DescribeSubnets` filters per tier, e.g. `{map-public-ip-on-launch: ["false"]}`."""

    public: dict[str, list[str]] = {}
    """Filters selecting the public subnets."""
    private: dict[str, list[str]] = {}
    """Filters selecting the private subnets."""
    isolated: dict[str, list[str]] = {}
    """Filters selecting the isolated subnets."""


class SubnetIds(_Section):
    """Subnet ids per tier of an existing VPC."""

    public: list[SubnetId] = []
    """Public subnet ids."""
    private: list[SubnetId] = []
    """Private subnet ids."""
    isolated: list[SubnetId] = []
    """Isolated subnet ids."""


class ExistingVpcConfig(_Section):
    """Adopt a VPC someone else owns: no VPC-level resource is created, the same outputs exist."""

    vpc_id: VpcId
    """The VPC id, e.g. vpc-55522232."""
    subnet_ids: SubnetIds = SubnetIds()
    """Subnet ids per tier; a tier may instead be found with `subnet_filters`."""
    subnet_filters: SubnetFilters = SubnetFilters()
    """Subnet lookups per tier (the VPC id filter is added automatically)."""

    @model_validator(mode="after")
    def _each_tier_one_source(self) -> ExistingVpcConfig:
        problems = _Problems()
        for tier in TIERS:
            if getattr(self.subnet_ids, tier) and getattr(self.subnet_filters, tier):
                problems.add(f"subnet_filters.{tier}", f"give either subnet_ids.{tier} or subnet_filters.{tier}, not both")
        if not self.tiers():
            problems.add("subnet_ids", "no subnets given; list subnet ids (or subnet_filters) for at least the private tier")
        return problems.done(self)

    def tiers(self) -> tuple[Tier, ...]:
        """Tiers that have subnets."""
        return tuple(t for t in TIERS if getattr(self.subnet_ids, t) or getattr(self.subnet_filters, t))


class FlowLogsConfig(_Section):
    """VPC flow logs to CloudWatch Logs (always on: the policy pack requires them)."""

    retention_days: RetentionDays = 90
    """How long flow log records are kept."""
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    """Which traffic is logged."""


class NetworkConfig(_Section):
    """`platform:network`: a new VPC (`cidr`, ...) or an adopted one (`existing`)."""

    existing: ExistingVpcConfig | None = None
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
    nat_instance_type: _matching(r"^t4g\.(nano|micro|small|medium)$", "an ARM t4g type: t4g.nano, t4g.micro, t4g.small or t4g.medium") = "t4g.nano"  # type: ignore[valid-type]
    """Instance type of the NAT instance (egress `instance`); ARM t4g only."""
    interface_endpoints: list[InterfaceEndpoint] = []
    """Interface VPC endpoints to create in the private subnets."""
    flow_logs: FlowLogsConfig = FlowLogsConfig()
    """VPC flow log settings."""
    ipv6: bool = False
    """Give the new VPC an Amazon-provided IPv6 /56 and each public subnet a /64, so load balancers can be
    dual-stack (AAAA records). Private and isolated subnets stay IPv4-only."""

    @model_validator(mode="after")
    def _shape(self) -> NetworkConfig:
        problems = _Problems()
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

    def _check_explicit_subnets(self, subnets: SubnetCidrs, problems: _Problems) -> None:
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


# --------------------------------------------------------------------------------------------
# Database (PostgreSQL on RDS or Aurora)
# --------------------------------------------------------------------------------------------

_PG_MIN_MAJOR = 13
"""The program's floor (not AWS's): older PostgreSQL majors are past their community end of life."""
# Aurora serverless v2 may scale to 0 ACU (auto-pause) only from these minor versions on.
_AURORA_PAUSE_MIN = {13: 15, 14: 12, 15: 7, 16: 3}


def _pg_version(problems: _Problems, engine: str, value: str) -> tuple[int, int | None] | None:
    """(major, minor) of a version AWS offers new databases, or None after noting why not.

    AWS's lists (components/aws_data.py): RDS takes `16` (its default 16 minor) or `16.15`; Aurora
    clusters need the minor. Limitless versions need DB shard groups, which this program does not make.
    """
    aurora = engine == "aurora-postgresql"
    current = aws_data.rds_current_versions(engine, cluster=aurora)
    example = current[-1] if current else "16"
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", value)
    if match is None or int(match.group(1)) < _PG_MIN_MAJOR or (aurora and match.group(2) is None):
        form = "with its minor version" if aurora else "as a major (RDS picks its current minor) or major.minor"
        problems.add("engine_version", f"expected a version of {engine}, {_PG_MIN_MAJOR} or later, {form}, e.g. "
                                       f"{example}; got {value!r}")
        return None
    status = aws_data.rds_version_status(engine, value, cluster=aurora)
    if status != "current":
        offer = ", ".join(aws_data.rds_suggested_versions(engine, value, cluster=aurora))
        why = "is deprecated: AWS refuses new databases on it" if status == "deprecated" else "is not offered by AWS"
        problems.add("engine_version", f"{engine} {value} {why}; current versions: {offer}")
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) is not None else None


class ServerlessV2Config(_Section):
    """Aurora Serverless v2 capacity in ACUs (0.5 steps)."""

    min_capacity: float = Field(ge=0, le=256, multiple_of=0.5)
    """Lowest capacity; 0 lets an idle dev cluster pause."""
    max_capacity: float = Field(ge=1, le=256, multiple_of=0.5)
    """Highest capacity."""
    seconds_until_auto_pause: int = Field(300, ge=300, le=86400)
    """Idle time before pausing (only with min_capacity 0)."""

    @model_validator(mode="after")
    def _ordered(self) -> ServerlessV2Config:
        problems = _Problems()
        if self.max_capacity < self.min_capacity:
            problems.add("max_capacity", f"must be >= min_capacity ({self.min_capacity}); got {self.max_capacity}")
        return problems.done(self)


class DatabaseConfig(_Section):
    """`platform:database`: PostgreSQL as an RDS instance or an Aurora cluster."""

    engine: Literal["postgres", "aurora-postgresql"] = "postgres"
    """RDS for PostgreSQL (`postgres`) or Aurora PostgreSQL."""
    engine_version: str
    """PostgreSQL version AWS offers new databases (not deprecated): `16` (RDS picks its current minor, and
    automatic minor upgrades never drift from it) or `16.15`; Aurora needs the minor version."""
    instance_class: _matching(r"^db\.([a-z0-9-]+\.[a-z0-9]+|serverless)$", "an RDS instance class such as db.t4g.micro or db.r6g.large")  # type: ignore[valid-type]
    """Instance class orderable for the engine in the stack's region, e.g. db.t4g.micro; Aurora also takes db.serverless."""
    allocated_storage_gb: int | None = Field(None, ge=20, le=65536)
    """RDS only: initial gp3 storage in GiB (20 minimum)."""
    max_allocated_storage_gb: int | None = Field(None, ge=21, le=65536)
    """RDS only: storage autoscaling ceiling in GiB; unset disables autoscaling."""
    multi_az: bool = False
    """RDS only: a synchronous standby in a second AZ."""
    instances: int = Field(1, ge=1, le=15)
    """Aurora only: number of cluster instances (1 writer + readers)."""
    serverless_v2: ServerlessV2Config | None = None
    """Aurora only: Serverless v2 capacity (requires instance_class db.serverless)."""
    db_name: str = Field("app", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
    """Name of the initial database."""
    master_username: str = "appadmin"
    """Master user: 1-16 letters or digits starting with a letter (RDS also takes `_`), not reserved (rdsadmin,
    admin, SQL key words); its password is generated and kept in Secrets Manager by RDS."""
    port: int = Field(5432, ge=1150, le=65535)
    """Listener port."""
    subnet_tier: Literal["isolated", "private"] = "isolated"
    """Network tier the database lives in."""
    backup_retention_days: int = Field(7, ge=1, le=35)
    """Automated backup retention."""
    backup_window: BackupWindow = "03:00-04:00"
    """Daily UTC backup window."""
    maintenance_window: MaintenanceWindow = "mon:04:00-mon:05:00"
    """Weekly UTC maintenance window (must not overlap the backup window)."""
    deletion_protection: bool = True
    """AWS-side deletion protection."""
    final_snapshot: bool = True
    """Take a final snapshot (named `<project>-<stack>-<name>-final`) when the database is deleted."""
    log_retention_days: RetentionDays = 30
    """Retention of the exported PostgreSQL logs."""
    performance_insights: bool = False
    """Performance Insights (Database Insights standard); not on micro/small burstable classes."""
    monitoring_interval: Literal[0, 1, 5, 10, 15, 30, 60] = 60
    """Enhanced monitoring interval in seconds; 0 turns it off."""
    log_exports: list[str] | None = None
    """Log types exported to CloudWatch Logs, from those the engine offers (RDS: postgresql, upgrade,
    iam-db-auth-error; Aurora: instance, postgresql, iam-db-auth-error). Unset: postgresql and upgrade on
    RDS, postgresql on Aurora."""
    parameters: dict[_matching(r"^[a-z_.]+$", "a PostgreSQL parameter name such as log_min_duration_statement"), str] = {}  # type: ignore[valid-type]
    """Extra engine parameters; `rds.force_ssl` is always 1 and cannot be overridden."""

    @field_validator("parameters")
    @classmethod
    def _force_ssl_stays(cls, value: dict[str, str]) -> dict[str, str]:
        if "rds.force_ssl" in value:
            raise ValueError("rds.force_ssl is always 1 (TLS required); remove it from parameters")
        return value

    @model_validator(mode="after")
    def _engine_rules(self) -> DatabaseConfig:
        problems = _Problems()
        aurora = self.engine == "aurora-postgresql"
        version = _pg_version(problems, self.engine, self.engine_version)
        name_problem = aws_data.rds_master_username_problem(self.engine, self.master_username)
        if name_problem:
            problems.add("master_username", name_problem)
        db_problem = aws_data.rds_database_name_problem(self.engine, self.db_name)
        if db_problem:
            problems.add("db_name", db_problem)
        offered = aws_data.rds_log_exports(self.engine)
        for i, kind in enumerate(self.log_exports or []):
            if kind not in offered:
                problems.add(f"log_exports[{i}]", f"{self.engine} exports only {', '.join(offered)}; got {kind!r}")
        if aurora:
            for key in ("allocated_storage_gb", "max_allocated_storage_gb", "multi_az"):
                if key in self.model_fields_set:
                    problems.add(key, "not used with aurora-postgresql (storage grows by itself; use `instances` for HA)")
            if (self.instance_class == "db.serverless") != (self.serverless_v2 is not None):
                problems.add("serverless_v2", "set serverless_v2 together with instance_class db.serverless (and only then)")
            if self.serverless_v2 is not None and self.serverless_v2.min_capacity == 0 and version is not None:
                major, minor = version
                need = _AURORA_PAUSE_MIN.get(major)
                if need is not None and (minor or 0) < need:
                    problems.add("serverless_v2.min_capacity", f"0 ACU (auto-pause) needs Aurora PostgreSQL {major}.{need} or later; got {self.engine_version}")
        else:
            if "instances" in self.model_fields_set or self.serverless_v2 is not None:
                problems.add("instances", "`instances` and `serverless_v2` are Aurora settings; use multi_az for RDS")
            if self.instance_class == "db.serverless":
                problems.add("instance_class", "db.serverless is an Aurora class; pick e.g. db.t4g.micro for RDS")
            if self.allocated_storage_gb is None:
                problems.add("allocated_storage_gb", "required for RDS (gp3, at least 20)")
            elif self.max_allocated_storage_gb is not None and self.max_allocated_storage_gb <= self.allocated_storage_gb:
                problems.add("max_allocated_storage_gb", f"must exceed allocated_storage_gb ({self.allocated_storage_gb}) or be left out")
            if self.performance_insights and re.match(r"^db\.t\d+g?\.(micro|small)$", self.instance_class):
                problems.add("performance_insights", f"not supported on {self.instance_class}; turn it off or use a medium or larger class")
        _check_windows(problems, "backup_window", self.backup_window, self.maintenance_window, min_minutes=30)
        return problems.done(self)

    @property
    def highly_available(self) -> bool:
        """Survives the loss of one AZ: RDS multi-AZ or Aurora with a reader."""
        return self.multi_az if self.engine == "postgres" else self.instances >= 2


# --------------------------------------------------------------------------------------------
# Cache (Redis / Valkey)
# --------------------------------------------------------------------------------------------

_REDIS_FLOOR = (6, 2)
"""The program's floor for Redis OSS (not AWS's): TLS-only transit and the AUTH-less grants assume 6.2+."""


class CacheConfig(_Section):
    """`platform:cache`: an ElastiCache replication group (Redis OSS or Valkey)."""

    engine: Literal["redis", "valkey"] = "redis"
    """Cache engine."""
    engine_version: str = "7.1"
    """An engine version ElastiCache offers (DescribeCacheEngineVersions) and names a parameter group family
    for: redis 6.2+ (6.2, 7.0, 7.1), valkey 7.2, 8.0, 8.1, ..."""
    node_type: _matching(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", "an ElastiCache node type such as cache.t4g.micro")  # type: ignore[valid-type]
    """Node type offered in the stack's region, e.g. cache.t4g.micro."""
    nodes: int = Field(1, ge=1, le=6)
    """Primary plus replicas; 2+ enables automatic failover and multi-AZ."""
    port: int = Field(6379, ge=1024, le=65535)
    """Listener port."""
    subnet_tier: Literal["isolated", "private"] = "isolated"
    """Network tier the cache lives in."""
    parameters: dict[str, str] = {"maxmemory-policy": "allkeys-lru"}
    """Engine parameters for the cache's parameter group."""
    snapshot_retention_days: int = Field(1, ge=0, le=35)
    """Daily snapshot retention; 0 disables snapshots."""
    snapshot_window: BackupWindow = "03:00-05:00"
    """Daily UTC snapshot window."""
    maintenance_window: MaintenanceWindow = "sun:05:00-sun:06:00"
    """Weekly UTC maintenance window."""
    final_snapshot: bool = True
    """Take a final snapshot when the replication group is deleted."""
    log_retention_days: RetentionDays = 30
    """Retention of the slow-log group."""

    @model_validator(mode="after")
    def _rules(self) -> CacheConfig:
        problems = _Problems()
        usable = [v for v in aws_data.cache_engine_versions(self.engine)
                  if aws_data.cache_parameter_group_family(self.engine, v) is not None
                  and (self.engine != "redis" or tuple(map(int, v.split(".")[:2])) >= _REDIS_FLOOR)]
        if self.engine_version not in usable:
            offered = aws_data.cache_engine_versions(self.engine)
            if self.engine_version not in offered:
                why = f"ElastiCache offers {self.engine} {', '.join(offered)}"
            elif aws_data.cache_parameter_group_family(self.engine, self.engine_version) is None:
                why = "ElastiCache's API names no parameter group family for it"
            else:
                why = "the program needs Redis OSS 6.2 or later"
            problems.add("engine_version", f"expected one of {', '.join(usable)} for {self.engine} ({why}); "
                                           f"got {self.engine_version!r}")
        _check_windows(problems, "snapshot_window", self.snapshot_window, self.maintenance_window, min_minutes=60)
        return problems.done(self)


# --------------------------------------------------------------------------------------------
# Secrets and file system (data layer)
# --------------------------------------------------------------------------------------------

SecretKey = _matching(r"^[a-z][a-z0-9-]{0,40}$", "a short lowercase key such as jwt-secret")


class GeneratedSecretConfig(_Section):
    """Let the platform generate the secret's value (kept encrypted in Pulumi state)."""

    length: int = Field(48, ge=16, le=512)
    """Number of characters."""
    punctuation: bool = False
    """Include punctuation characters."""


class SecretConfig(_Section):
    """One Secrets Manager secret. Values of non-generated secrets are put by operators, never in config."""

    name: _matching(r"^[A-Za-z0-9_/+=.@-]{1,512}$", "a Secrets Manager name such as production/allthrive/app") | None = None  # type: ignore[valid-type]
    """Physical secret name; default `<project>/<stack>/secrets/<key>`."""
    description: str = ""
    """What the secret holds (JSON keys, who rotates it)."""
    generate: GeneratedSecretConfig | None = None
    """Generate a random value (signing keys); leave out for values put by operators."""


class AccessPointConfig(_Section):
    """An EFS access point: a directory with a fixed POSIX owner."""

    path: _matching(r"^/[\w./-]*$", "an absolute directory such as /uploads")  # type: ignore[valid-type]
    """Root directory of the access point."""
    uid: int = Field(1000, ge=0, le=4294967295)
    """POSIX user id files are created with."""
    gid: int = Field(1000, ge=0, le=4294967295)
    """POSIX group id files are created with."""
    permissions: _matching(r"^[0-7]{3,4}$", "octal permissions such as 0750") = "0750"  # type: ignore[valid-type]
    """Permissions of the root directory when EFS creates it."""


class FileSystemConfig(_Section):
    """`platform:file_system`: an encrypted EFS file system for task volumes."""

    throughput_mode: Literal["elastic", "bursting"] = "elastic"
    """Throughput mode."""
    transition_to_ia: Literal["AFTER_1_DAY", "AFTER_7_DAYS", "AFTER_14_DAYS", "AFTER_30_DAYS", "AFTER_60_DAYS",
                              "AFTER_90_DAYS", "AFTER_180_DAYS", "AFTER_270_DAYS", "AFTER_365_DAYS"] | None = "AFTER_30_DAYS"
    """Lifecycle: move files to Infrequent Access after this long unread."""
    backup: bool = True
    """AWS Backup's automatic daily backups of the file system."""
    access_points: dict[SecretKey, AccessPointConfig] = {}  # type: ignore[valid-type]
    """Access points by name; services mount them through `volumes`."""


# --------------------------------------------------------------------------------------------
# Images, cluster, load balancers, services
# --------------------------------------------------------------------------------------------

def _fargate_problem(problems: _Problems, key: str, cpu_units: float, memory: int, *, vcpu: bool) -> None:
    """Fargate takes only AWS's cpu/memory pairs (components/aws_data.py): note a pair it refuses.

    `key` is the section (`` or `steps[0].`); `vcpu` says whether the config counts whole vCPUs (Batch)
    or CPU units (ECS), so the message speaks its language.
    """
    pairs = aws_data.fargate_memory_by_cpu()
    unit = "vCPU" if vcpu else "CPU units"
    shown = f"{cpu_units / 1024:g}" if vcpu else f"{cpu_units:g}"
    if cpu_units not in pairs:
        offered = ", ".join(f"{u / 1024:g}" if vcpu else str(u) for u in pairs)
        problems.add(f"{key}{'vcpu' if vcpu else 'cpu'}", f"Fargate takes {offered} {unit}; got {shown}")
    elif memory not in pairs[int(cpu_units)]:
        options = ", ".join(str(m) for m in pairs[int(cpu_units)])
        problems.add(f"{key}memory", f"{shown} {unit} take{'s' if vcpu else ''} {options} MiB on Fargate; got {memory}")

ResourceName = _matching(r"^[a-z][a-z0-9-]{0,27}$", "a short lowercase name such as api or frontend")
_DNS_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
"""One DNS label (RFC 1123): 1-63 lowercase letters, digits and inner hyphens."""
DnsLabel = _matching(rf"^{_DNS_LABEL}$", "a single DNS label such as api or www")


class RegistryConfig(_Section):
    """`platform:registry`: one ECR repository per image."""

    repositories: list[ResourceName] = []  # type: ignore[valid-type]
    """Repository keys."""
    name_prefix: _matching(r"^[a-z0-9][a-z0-9._/-]{0,200}$", "a lowercase ECR name prefix such as portfolio-dev") | None = None  # type: ignore[valid-type]
    """Physical names are `<name_prefix>-<key>`; default `<project>-<stack>-registry`."""
    scan_on_push: bool = True
    """Scan every pushed image for vulnerabilities."""
    immutable_tags: bool = True
    """Refuse to overwrite an existing tag (required in prod)."""
    keep_tagged: int = Field(10, ge=1, le=1000)
    """How many images tagged with one of `tag_prefixes` to keep."""
    tag_prefixes: list[str] = ["v"]
    """Tag prefixes that mark release images."""
    untagged_expiry_days: int = Field(7, ge=1, le=365)
    """Delete untagged images after this many days."""

    @model_validator(mode="after")
    def _unique(self) -> RegistryConfig:
        problems = _Problems()
        if len(set(self.repositories)) != len(self.repositories):
            problems.add("repositories", "names must be unique")
        return problems.done(self)


class NodeGroupConfig(_Section):
    """An EKS managed node group."""

    instance_types: list[_matching(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$", "an EC2 instance type such as t4g.medium")] = ["t4g.medium"]  # type: ignore[valid-type]
    """Instance types (all ARM64 or all x86_64)."""
    min_size: int = Field(2, ge=0, le=450)
    """Fewest nodes."""
    max_size: int = Field(4, ge=1, le=450)
    """Most nodes."""
    desired_size: int = Field(2, ge=0, le=450)
    """Nodes at creation (an autoscaler may move it)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """On-demand or Spot nodes."""
    disk_size_gb: int = Field(50, ge=20, le=16384)
    """Root volume size."""

    @model_validator(mode="after")
    def _rules(self) -> NodeGroupConfig:
        problems = _Problems()
        if not self.min_size <= self.desired_size <= self.max_size:
            problems.add("desired_size", f"must lie within min_size..max_size ({self.min_size}..{self.max_size}); got {self.desired_size}")
        kinds = {_graviton(t) for t in self.instance_types}
        if len(kinds) > 1:
            problems.add("instance_types", "mix of ARM64 (Graviton) and x86_64 types; one node group runs one architecture")
        return problems.done(self)

    @property
    def architecture(self) -> Literal["arm64", "x86_64"]:
        """CPU architecture of the nodes."""
        return "arm64" if _graviton(self.instance_types[0]) else "x86_64"


def _graviton(instance_type: str) -> bool:
    """t4g, m7g, c7gn, r8g... are Graviton (ARM64)."""
    return bool(re.search(r"\d+[a-z]*g[a-z]*$", instance_type.split(".")[0]))


class ChartsConfig(_Section):
    """Helm chart versions the EKS runtime installs (pinned; bump deliberately)."""

    load_balancer_controller: str = "1.13.1"
    """aws-load-balancer-controller chart (https://aws.github.io/eks-charts)."""
    secrets_provider_aws: str = "2.2.0"
    """secrets-store-csi-driver-provider-aws chart (includes the Secrets Store CSI driver)."""


class EksConfig(_Section):
    """EKS cluster settings (runtime: eks)."""

    version: _matching(r"^1\.\d{2}$", "a Kubernetes minor version such as 1.35") = "1.35"  # type: ignore[valid-type]
    """Kubernetes version on EKS's calendar and in standard support (components/aws_data.py EKS_VERSIONS)."""
    extended_support: bool = False
    """Opt in to EKS extended support (about 6x the control-plane price): allows a version past its standard
    support. Off: the cluster's upgrade policy is STANDARD and such versions are refused."""
    endpoint_public_access: bool = False
    """Expose the API endpoint publicly, only to public_access_cidrs (private access stays on). `pulumi up` applies
    the Kubernetes objects through this endpoint, so a private one needs the deploy to run inside the VPC."""
    public_access_cidrs: list[IPv4Network] = []
    """Who may reach a public API endpoint: your deploy runner's and operators' egress addresses."""
    log_types: list[Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]] = [
        "api", "audit", "authenticator", "controllerManager", "scheduler"]
    """Control-plane log types sent to CloudWatch."""
    log_retention_days: RetentionDays = 30
    """Retention of the control-plane log group."""
    node_group: NodeGroupConfig | None = NodeGroupConfig()
    """Managed node group; unset: Fargate only."""
    fargate_namespaces: list[str] = []
    """Namespaces whose pods run on Fargate."""
    namespace: _matching(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "a Kubernetes namespace name such as apps") = "apps"  # type: ignore[valid-type]
    """Namespace of the services."""
    charts: ChartsConfig = ChartsConfig()
    """Helm chart versions."""

    @model_validator(mode="after")
    def _rules(self) -> EksConfig:
        problems = _Problems()
        if self.endpoint_public_access and not self.public_access_cidrs:
            problems.add("public_access_cidrs", "a public API endpoint must be limited to given CIDRs (or keep it private)")
        if any(c.prefixlen == 0 for c in self.public_access_cidrs):
            problems.add("public_access_cidrs", "0.0.0.0/0 opens the API endpoint to everyone; list your networks")
        if self.node_group is None and not self.fargate_namespaces:
            problems.add("node_group", "give a node group or fargate_namespaces")
        self._version_rules(problems)
        return problems.done(self)

    def _version_rules(self, problems: _Problems) -> None:
        status, row = aws_data.eks_support(self.version, _today())
        newest = aws_data.EKS_VERSIONS[-1]
        if status == "unknown":
            problems.add("version", f"EKS offers {', '.join(v.version for v in aws_data.EKS_VERSIONS)} on its "
                                    f"calendar; got {self.version}")
        elif status == "ended":
            assert row is not None
            problems.add("version", f"Kubernetes {self.version} left EKS extended support on {row.extended_until}; "
                                    f"use {newest.version}")
        elif status == "extended" and not self.extended_support:
            assert row is not None
            problems.add("version", f"Kubernetes {self.version} left standard support on {row.standard_until}; extended "
                                    f"support costs about 6x the control plane. Use {newest.version}, or set "
                                    "extended_support: true to pay for it")
        # newer than the table: accepted (the preflight names it as an advisory)

    @property
    def support_type(self) -> Literal["STANDARD", "EXTENDED"]:
        """The cluster's upgrade policy: EXTENDED only when the stack opted in."""
        return "EXTENDED" if self.extended_support else "STANDARD"


class ClusterConfig(_Section):
    """`platform:cluster`: where services run."""

    runtime: Literal["ecs", "eks"] = "ecs"
    """ECS Fargate or EKS for the services (same service description)."""
    container_insights: Literal["enabled", "enhanced"] = "enabled"
    """ECS Container Insights level (always on; EKS gets the CloudWatch observability add-on)."""
    eks: EksConfig | None = None
    """EKS settings (runtime: eks); defaults apply when left out."""

    @model_validator(mode="after")
    def _rules(self) -> ClusterConfig:
        problems = _Problems()
        if self.eks is not None and self.runtime != "eks":
            problems.add("eks", "EKS settings need runtime: eks")
        return problems.done(self)

    @property
    def eks_settings(self) -> EksConfig:
        """EKS settings with defaults."""
        return self.eks or EksConfig()


class LoadBalancerConfig(_Section):
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
    hostname: DnsLabel | None = None  # type: ignore[valid-type]
    """Label under domain.name that points at this load balancer (`api` -> api.<domain>); added to the
    certificate. Every load balancer the edge does not serve needs one: HTTPS works only under a name
    its certificate covers."""
    ip_address_type: Literal["ipv4", "dualstack"] = "ipv4"
    """`dualstack` gives the load balancer IPv6 too (AAAA records); needs network.ipv6."""


class ImageConfig(_Section):
    """Either one of our ECR repositories plus a tag, or an external image URI."""

    repository: str | None = None
    """A name from `registry.repositories`."""
    tag: str | None = None
    """Image tag in that repository."""
    uri: str | None = None
    """An external image, e.g. semitechnologies/weaviate:1.24.1."""

    @model_validator(mode="after")
    def _one_source(self) -> ImageConfig:
        problems = _Problems()
        if (self.repository is None) == (self.uri is None):
            problems.add("repository", "give either repository (+ tag) or uri")
        if self.repository is not None and not self.tag:
            problems.add("tag", f"required with repository {self.repository!r} (immutable tags: no `latest`)")
        if self.uri is not None and self.tag is not None:
            problems.add("tag", "goes with repository; put the tag in the uri")
        return problems.done(self)


class TargetHealthCheckConfig(_Section):
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
    matcher: _matching(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$", "HTTP codes such as 200 or 200-399") = "200-399"  # type: ignore[valid-type]
    """Status codes that count as healthy."""

    @model_validator(mode="after")
    def _rules(self) -> TargetHealthCheckConfig:
        problems = _Problems()
        if not self.path.startswith("/"):
            problems.add("path", f"must start with /; got {self.path!r}")
        if self.timeout >= self.interval:
            problems.add("timeout", f"must be shorter than interval ({self.interval}s); got {self.timeout}s")
        return problems.done(self)


class ContainerHealthCheckConfig(_Section):
    """Docker health check run inside the container."""

    command: list[str] = Field(min_length=2)
    """`["CMD-SHELL", "curl -f http://localhost:3000/ || exit 1"]` or `["CMD", ...]`."""
    interval: int = Field(30, ge=5, le=300)
    """Seconds between checks."""
    timeout: int = Field(5, ge=2, le=60)
    """Seconds before a check fails."""
    retries: int = Field(3, ge=1, le=10)
    """Failures before the container is unhealthy."""
    start_period: int = Field(60, ge=0, le=300)
    """Grace period after start."""

    @field_validator("command")
    @classmethod
    def _form(cls, value: list[str]) -> list[str]:
        if value[0] not in ("CMD", "CMD-SHELL"):
            raise ValueError(f"must start with CMD or CMD-SHELL; got {value[0]!r}")
        return value


class ScalingConfig(_Section):
    """Target-tracking autoscaling of a service's task count."""

    min: int = Field(1, ge=0, le=1000)
    """Fewest tasks."""
    max: int = Field(1, ge=1, le=1000)
    """Most tasks."""
    cpu_target: int | None = Field(70, ge=10, le=95)
    """Average CPU % to hold; unset: no CPU policy."""
    memory_target: int | None = Field(None, ge=10, le=95)
    """Average memory % to hold; unset: no memory policy."""
    requests_per_target: int | None = Field(None, ge=1, le=100000)
    """ALB requests per task per minute to hold (load-balanced services)."""
    scale_in_cooldown: int = Field(300, ge=0, le=3600)
    """Seconds between scale-in steps."""
    scale_out_cooldown: int = Field(60, ge=0, le=3600)
    """Seconds between scale-out steps."""

    @model_validator(mode="after")
    def _rules(self) -> ScalingConfig:
        problems = _Problems()
        if self.max < self.min:
            problems.add("max", f"must be >= min ({self.min}); got {self.max}")
        if self.cpu_target is None and self.memory_target is None and self.requests_per_target is None:
            problems.add("cpu_target", "set at least one of cpu_target, memory_target, requests_per_target")
        return problems.done(self)


class RouteConfig(_Section):
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


class CapacityShareConfig(_Section):
    """Base tasks and relative weight on one capacity provider."""

    base: int = Field(0, ge=0, le=100000)
    """Tasks always placed here first."""
    weight: int = Field(0, ge=0, le=1000)
    """Share of the tasks beyond the bases."""


class CapacityConfig(_Section):
    """How tasks split between FARGATE and FARGATE_SPOT."""

    fargate: CapacityShareConfig = CapacityShareConfig(base=1, weight=1)
    """On-demand Fargate."""
    fargate_spot: CapacityShareConfig = CapacityShareConfig()
    """Fargate Spot (up to 70% cheaper, may be interrupted)."""

    @model_validator(mode="after")
    def _rules(self) -> CapacityConfig:
        problems = _Problems()
        if self.fargate.weight + self.fargate_spot.weight == 0:
            problems.add("fargate.weight", "at least one provider needs a weight above 0")
        if self.fargate.base and self.fargate_spot.base:
            problems.add("fargate_spot.base", "only one capacity provider may have a base")
        return problems.done(self)


class SecretRefConfig(_Section):
    """An environment variable filled from Secrets Manager at task start."""

    secret: str | None = None
    """A key of `platform:secrets`, or `database` for the RDS-managed master secret."""
    arn: _matching(r"^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$", "a Secrets Manager secret ARN") | None = None  # type: ignore[valid-type]
    """A secret outside this stack, by ARN."""
    key: str | None = None
    """JSON key inside the secret (e.g. `password`); unset: the whole value."""

    @model_validator(mode="after")
    def _one_source(self) -> SecretRefConfig:
        problems = _Problems()
        if (self.secret is None) == (self.arn is None):
            problems.add("secret", "give either secret (a platform:secrets key or `database`) or arn")
        return problems.done(self)


class VolumeConfig(_Section):
    """An EFS access point mounted into the container."""

    access_point: str
    """A key of `file_system.access_points`."""
    path: _matching(r"^/[\w./-]*$", "an absolute container path such as /data")  # type: ignore[valid-type]
    """Mount path in the container."""
    read_only: bool = False
    """Mount read-only."""


class ServiceConfig(_Section):
    """One container service: image, size, ports, routing, scaling, secrets, volumes, peers."""

    image: ImageConfig
    """What to run."""
    port: int | None = Field(None, ge=1, le=65535)
    """Main container port (HTTP); required behind a load balancer."""
    extra_ports: dict[ResourceName, Annotated[int, Field(ge=1, le=65535)]] = {}  # type: ignore[valid-type]
    """Further named ports reachable by peers (e.g. grpc: 50051)."""
    cpu: int
    """CPU units (256 = 0.25 vCPU)."""
    memory: int
    """Memory in MiB; must be a Fargate combination with cpu."""
    architecture: Literal["arm64", "x86_64"] = "arm64"
    """CPU architecture of the image."""
    desired_count: int = Field(1, ge=0, le=1000)
    """Tasks to run (the autoscaler moves it between scaling.min and max)."""
    command: list[str] | None = None
    """Override the image's command."""
    environment: dict[str, str] = {}
    """Plain environment variables (never secrets)."""
    secrets: dict[str, SecretRefConfig] = {}
    """Environment variables filled from Secrets Manager."""
    load_balancer: str | None = None
    """A key of `platform:load_balancers`; unset: not load balanced (workers)."""
    routes: list[RouteConfig] = []
    """Path rules on the load balancer."""
    default_route: bool = False
    """Receives what no rule matches on its load balancer."""
    health_check: TargetHealthCheckConfig = TargetHealthCheckConfig()
    """Load balancer health check."""
    container_health_check: ContainerHealthCheckConfig | None = None
    """Health check inside the container."""
    scaling: ScalingConfig | None = None
    """Autoscaling; unset: a fixed desired_count."""
    capacity: CapacityConfig = CapacityConfig()
    """FARGATE / FARGATE_SPOT split."""
    exec: bool = False
    """Allow `aws ecs execute-command` into the tasks."""
    grace_period: int = Field(60, ge=0, le=7200)
    """Seconds the load balancer health check is ignored after a task starts."""
    volumes: list[VolumeConfig] = []
    """EFS access points to mount."""
    discovery_name: ResourceName | None = None  # type: ignore[valid-type]
    """Name peers reach this service by through Service Connect (e.g. weaviate)."""
    connects_to: list[str] = []
    """What this service may reach: database, cache, or other services by name."""
    pipeline: list[Literal["start", "submit", "read_uploads", "write_uploads", "read_results"]] = []
    """Rights on platform:pipeline: start executions, submit jobs, read/write its buckets."""
    buckets: dict[str, Literal["read", "read_write"]] = {}
    """Rights on platform:buckets by bucket (the service gets its name as BUCKET_<NAME>)."""
    log_retention_days: RetentionDays = 30
    """Retention of the service's log group."""
    log_stream_prefix: str | None = None
    """awslogs stream prefix; default: the service name."""

    @model_validator(mode="after")
    def _rules(self) -> ServiceConfig:
        problems = _Problems()
        _fargate_problem(problems, "", self.cpu, self.memory, vcpu=False)
        if self.load_balancer is None:
            for key in ("routes", "default_route", "grace_period"):
                if key in self.model_fields_set and getattr(self, key):
                    problems.add(key, "only for services behind a load balancer; set load_balancer")
            if self.scaling is not None and self.scaling.requests_per_target is not None:
                problems.add("scaling.requests_per_target", "needs a load balancer")
        else:
            if self.port is None:
                problems.add("port", "required behind a load balancer")
            if not self.routes and not self.default_route:
                problems.add("routes", "a load-balanced service needs routes or default_route: true")
        if self.discovery_name is not None and self.port is None and not self.extra_ports:
            problems.add("discovery_name", "needs port or extra_ports to expose")
        if self.scaling is not None and not self.scaling.min <= self.desired_count <= self.scaling.max:
            problems.add("desired_count", f"must lie within scaling.min..max ({self.scaling.min}..{self.scaling.max}); got {self.desired_count}")
        return problems.done(self)

    def ports(self) -> dict[str, int]:
        """Named container ports: `http` for `port`, then the extra ones."""
        named = {"http": self.port} if self.port is not None else {}
        return {**named, **self.extra_ports}


# --------------------------------------------------------------------------------------------
# Batch pipeline
# --------------------------------------------------------------------------------------------



class BatchStepConfig(_Section):
    """One pipeline step: a Batch job run by the state machine, in list order."""

    name: _matching(r"^[a-z][a-z0-9_-]{0,39}$", "a short step name such as align or call_variants")  # type: ignore[valid-type]
    """Step name."""
    image: ImageConfig
    """Job image."""
    vcpu: float = Field(gt=0, le=192)
    """vCPUs (Fargate: 0.25, 0.5, 1, 2, 4, 8, 16 or 32, with a memory Fargate pairs with it)."""
    memory: int = Field(ge=512, le=1048576)
    """Memory in MiB (Fargate: a valid combination with vcpu)."""
    command: list[str] = []
    """Command override."""
    environment: dict[str, str] = {}
    """Plain environment variables (UPLOADS_BUCKET and RESULTS_BUCKET are always set)."""
    secrets: dict[str, SecretRefConfig] = {}
    """Environment variables filled from Secrets Manager."""
    architecture: Literal["arm64", "x86_64"] = "x86_64"
    """CPU architecture (Fargate)."""
    retry_attempts: int = Field(3, ge=1, le=10)
    """Batch attempts (capacity interruptions retry; application failures do not)."""
    timeout_seconds: int = Field(3600, ge=60, le=1209600)
    """Per-attempt timeout."""


class BucketLifecycleConfig(_Section):
    """When a pipeline bucket's objects move to colder storage and when they expire."""

    transition_days: int | None = Field(365, ge=1)
    """Days until objects move to `storage_class`; unset: never."""
    storage_class: Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = "GLACIER"
    """Colder storage class."""
    expiration_days: int | None = Field(1825, ge=1)
    """Days until objects are deleted; unset: never."""

    @model_validator(mode="after")
    def _order(self) -> BucketLifecycleConfig:
        problems = _Problems()
        if self.transition_days and self.expiration_days and self.expiration_days <= self.transition_days:
            problems.add("expiration_days", f"must come after transition_days ({self.transition_days}); got {self.expiration_days}")
        return problems.done(self)


class AppBucketConfig(BucketLifecycleConfig):
    """An application bucket (media, user files): private, SSE-KMS, versioned; by default kept in STANDARD
    for good (the pipeline's lifecycle defaults do not apply)."""

    transition_days: int | None = Field(None, ge=1)
    """Days until objects move to `storage_class`; unset: they stay in STANDARD."""
    storage_class: Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"] = "INTELLIGENT_TIERING"
    """Colder storage class of the transition."""
    expiration_days: int | None = Field(None, ge=1)
    """Days until objects are deleted; unset: kept."""
    noncurrent_expiration_days: int = Field(30, ge=1, le=3650)
    """Days a replaced or deleted version is kept (versioning is always on)."""


class PipelineConfig(_Section):
    """`platform:pipeline`: uploads -> Step Functions -> AWS Batch steps -> results."""

    compute: Literal["fargate", "ec2_spot"] = "fargate"
    """Fargate (Spot first) or EC2 Spot (on-demand fallback)."""
    spot: bool = True
    """Fargate: try FARGATE_SPOT before FARGATE."""
    max_vcpus: int = Field(16, ge=1, le=10000)
    """Ceiling of each compute environment."""
    instance_types: list[str] = ["optimal"]
    """EC2 instance types or families (ec2_spot)."""
    allocation_strategy: Literal["SPOT_PRICE_CAPACITY_OPTIMIZED", "SPOT_CAPACITY_OPTIMIZED"] = "SPOT_PRICE_CAPACITY_OPTIMIZED"
    """EC2 Spot allocation strategy."""
    steps: list[BatchStepConfig] = Field(min_length=1)
    """Steps in execution order."""
    uploads: BucketLifecycleConfig = BucketLifecycleConfig()
    """Lifecycle of the uploads bucket."""
    results: BucketLifecycleConfig = BucketLifecycleConfig()
    """Lifecycle of the results bucket."""
    trigger_prefix: str = ""
    """Only uploads under this key prefix start the pipeline ("" = all)."""
    log_level: Literal["ALL", "ERROR", "FATAL", "OFF"] = "ERROR"
    """Step Functions execution logging level."""
    log_retention_days: RetentionDays = 30
    """Retention of job and execution logs."""
    tracing: bool = True
    """X-Ray tracing of executions."""

    @model_validator(mode="after")
    def _rules(self) -> PipelineConfig:
        problems = _Problems()
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            problems.add("steps", f"step names must be unique; got {names}")
        for i, step in enumerate(self.steps):
            if self.compute == "fargate":
                # Batch on Fargate takes ECS Fargate's pairs (Batch API reference ResourceRequirement).
                _fargate_problem(problems, f"steps[{i}].", step.vcpu * 1024, step.memory, vcpu=True)
            elif step.vcpu != int(step.vcpu):
                problems.add(f"steps[{i}].vcpu", f"EC2 jobs take whole vCPUs; got {step.vcpu:g}")
        if self.compute == "fargate" and "instance_types" in self.model_fields_set:
            problems.add("instance_types", "only for compute: ec2_spot")
        return problems.done(self)


# --------------------------------------------------------------------------------------------
# Backups and CI access
# --------------------------------------------------------------------------------------------


class BackupConfig(_Section):
    """`platform:backup`: an AWS Backup plan over the stack's data."""

    resources: list[Literal["database", "file_system", "pipeline_buckets", "buckets"]] = ["database"]
    """What the plan selects."""
    schedule: _matching(r"^cron\([^)]+\)$", "a cron expression such as cron(0 5 * * ? *)") = "cron(0 5 * * ? *)"  # type: ignore[valid-type]
    """When the daily backup runs (UTC)."""
    retention_days: int = Field(35, ge=1, le=36500)
    """How long recovery points are kept."""
    cold_storage_after_days: int | None = Field(None, ge=1)
    """Move recovery points to cold storage after this many days (90+ days before deletion)."""
    vault_lock: bool = False
    """Lock the vault: recovery points cannot be deleted early (governance mode)."""

    @model_validator(mode="after")
    def _rules(self) -> BackupConfig:
        problems = _Problems()
        if self.cold_storage_after_days is not None and self.retention_days < self.cold_storage_after_days + 90:
            problems.add("retention_days", f"must be at least cold_storage_after_days + 90 ({self.cold_storage_after_days + 90}); got {self.retention_days}")
        return problems.done(self)


class GithubConfig(_Section):
    """`platform:github`: OIDC roles for this repository's workflows (no long-lived keys)."""

    repository: _matching(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "owner/name of a GitHub repository")  # type: ignore[valid-type]
    """The repository whose workflows may assume the roles."""
    branches: list[str] = ["main"]
    """Branches that deploy."""
    environments: list[str] = []
    """GitHub environments that deploy (e.g. prod, behind a required review)."""
    create_provider: bool = False
    """Create the account's GitHub OIDC provider (exactly one stack per account)."""
    runner: list[str] = ["ubuntu-latest"]
    """`runs-on` labels of the runner that previews and deploys this stack (the workflows read them from here).
    A stack whose endpoints admit only listed addresses (a CIDR-limited EKS API) needs a self-hosted runner
    whose egress is listed: GitHub-hosted runners have no fixed addresses."""

    @property
    def github_hosted(self) -> bool:
        """Whether the runner is one of GitHub's (no fixed egress address)."""
        return any(re.match(r"^(ubuntu|windows|macos)-", label) for label in self.runner)


# --------------------------------------------------------------------------------------------
# Domain, edge, alarms
# --------------------------------------------------------------------------------------------

DnsName = _matching(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", "a DNS name such as app.example.com")
ZoneId = _matching(r"^Z[A-Z0-9]{4,32}$", "a Route53 zone id such as Z007692222A6W93AZVSPD")
Email = _matching(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an email address")


class DomainConfig(_Section):
    """`platform:domain`: the hosted zone and the ACM certificate for the stack's names."""

    name: DnsName  # type: ignore[valid-type]
    """Base domain of the stack, e.g. dev.example.com."""
    zone: Literal["create", "existing"] = "create"
    """Create the hosted zone, or use an existing one (`zone_id`)."""
    zone_id: ZoneId | None = None  # type: ignore[valid-type]
    """Existing zone's id (zone: existing)."""
    private: bool = False
    """A private zone attached to the VPC (zone: create); records resolve only inside."""
    validation_zone_id: ZoneId | None = None  # type: ignore[valid-type]
    """Public zone for ACM's DNS validation records (required when the zone is private)."""
    alternative_names: list[DnsName] = []  # type: ignore[valid-type]
    """Further names on the certificate, e.g. *.example.com."""

    @model_validator(mode="after")
    def _rules(self) -> DomainConfig:
        problems = _Problems()
        if self.zone == "existing" and self.zone_id is None:
            problems.add("zone_id", "required with zone: existing")
        if self.zone == "create" and self.zone_id is not None:
            problems.add("zone_id", "only with zone: existing")
        if self.private and self.zone == "existing":
            problems.add("private", "describes a zone we create; an existing private zone just needs zone_id")
        return problems.done(self)


class WafConfig(_Section):
    """WAFv2 web ACL in front of the site."""

    managed_rules: list[Literal["common", "known_bad_inputs", "ip_reputation", "anonymous_ip", "sqli", "linux"]] = [
        "common", "known_bad_inputs", "ip_reputation"]
    """AWS managed rule groups to apply."""
    rate_limit: int | None = Field(2000, ge=10, le=2000000000)
    """Requests per IP per `rate_window_seconds` before blocking; unset: no rate rule."""
    rate_window_seconds: Literal[60, 120, 300, 600] = 300
    """Window of the rate rule."""
    geo_block: list[_matching(r"^[A-Z]{2}$", "an ISO 3166 country code such as KP")] = []  # type: ignore[valid-type]
    """Countries whose requests are blocked."""
    large_body_paths: list[str] = []
    """Path prefixes where the common rule set's 8 KB body limit is not enforced (uploads)."""
    log_retention_days: RetentionDays = 30
    """Retention of the WAF log group."""


class EdgeConfig(_Section):
    """`platform:edge`: CloudFront + WAF + DNS records in front of a load balancer."""

    load_balancer: str = "main"
    """The load balancer the site is served from."""
    cloudfront: bool = True
    """Serve through CloudFront; off: DNS points at the load balancer (WAF then regional)."""
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = "PriceClass_100"
    """CloudFront edge locations used."""
    hostnames: list[str] = [""]
    """Labels under domain.name that serve the site ("" = the name itself)."""
    direct_hostnames: list[str] = []
    """Labels that bypass CloudFront and point at the load balancer (e.g. ws for WebSockets)."""
    www_cname: bool = False
    """Add www.<name> as a CNAME of <name>."""
    static_site: bool = False
    """Serve the default path from a private S3 bucket through Origin Access Control."""
    api_paths: list[str] = ["/api/*"]
    """Paths sent uncached (all methods, headers, cookies, query strings) to the load balancer."""
    waf: WafConfig | None = WafConfig()
    """Web ACL; unset: none."""
    access_log_days: int | None = Field(90, ge=1, le=3650)
    """Keep CloudFront's access logs this many days (S3, via CloudWatch Logs delivery); unset: no access logs."""

    @model_validator(mode="after")
    def _rules(self) -> EdgeConfig:
        problems = _Problems()
        for key in ("hostnames", "direct_hostnames"):
            for label in getattr(self, key):
                if label and not re.fullmatch(_DNS_LABEL, label):
                    problems.add(key, f"labels are single DNS labels such as www or api; got {label!r}")
        if self.static_site and not self.cloudfront:
            problems.add("static_site", "is served through CloudFront; set cloudfront: true")
        for path in self.api_paths:
            if not path.startswith("/"):
                problems.add("api_paths", f"path patterns start with /; got {path!r}")
        if set(self.hostnames) & set(self.direct_hostnames):
            problems.add("direct_hostnames", "a name cannot be both behind CloudFront and direct")
        return problems.done(self)


class BudgetConfig(_Section):
    """An AWS Budgets monthly cost budget with email alerts."""

    monthly_limit_usd: float = Field(gt=0)
    """Monthly budget in USD."""
    thresholds_percent: list[Annotated[int, Field(ge=1, le=1000)]] = [80, 100]
    """Alert when actual spend passes these percentages of the limit."""
    emails: list[Email] = []  # type: ignore[valid-type]
    """Who is told; default: alarms.emails."""
    tag_filter: dict[str, str] = {}
    """Only count costs carrying these (activated cost allocation) tags."""


class AlarmsConfig(_Section):
    """`platform:alarms`: an SNS topic, alarms, a dashboard and an optional budget."""

    emails: list[Email] = []  # type: ignore[valid-type]
    """Subscribers of the alarm topic (each confirms by email)."""
    periods: int = Field(2, ge=1, le=10)
    """Consecutive 5-minute periods above a threshold before an alarm fires."""
    cpu_percent: int = Field(80, ge=1, le=100)
    """Service CPU utilisation threshold."""
    memory_percent: int = Field(80, ge=1, le=100)
    """Service memory utilisation threshold."""
    alb_5xx_count: int = Field(10, ge=1)
    """Load balancer 5xx responses per period."""
    target_response_seconds: float = Field(2.0, gt=0)
    """Average target response time."""
    db_cpu_percent: int = Field(80, ge=1, le=100)
    """Database CPU threshold."""
    db_connections: int = Field(80, ge=1)
    """Database connections threshold."""
    db_free_storage_gb: int = Field(5, ge=1)
    """Alarm when free database storage falls below this."""
    cache_cpu_percent: int = Field(75, ge=1, le=100)
    """Cache engine CPU threshold."""
    dashboard: bool = True
    """A CloudWatch dashboard for the stack."""
    budget: BudgetConfig | None = None
    """Monthly cost budget."""


# --------------------------------------------------------------------------------------------
# The whole stack
# --------------------------------------------------------------------------------------------

def _nearby(size: str, offered: frozenset[str]) -> list[str]:
    """What to suggest for an instance class or node type AWS does not offer: the offered sizes of its
    family (`db.t4g.` for `db.t4g.mediun`), else the first few offered."""
    family = size.rsplit(".", 1)[0]
    return sorted(o for o in offered if o.startswith(f"{family}.")) or sorted(offered)[:6]


_TAG_TEXT = regex.compile(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
"""Characters AWS allows in tags across services (Tagging AWS Resources User Guide; the CloudFormation
schemas of Logs, ECR, EFS and EKS, among others, enforce exactly this pattern)."""

REQUIRED_TAGS = ("owner", "cost-center")
"""Tag keys every stack must set in `platform:tags` (cost allocation and ownership)."""


UsageKey = Literal[
    "nat_gateway_gb", "load_balancer_gb", "log_ingest_gb", "cloudfront_gb", "cloudfront_requests_million",
    "waf_requests_million", "bucket_gb", "efs_gb", "ecr_gb", "aurora_storage_gb", "aurora_io_million",
    "aurora_extra_acu", "state_transitions", "batch_vcpu_hours", "batch_gb_hours", "endpoint_gb",
]
"""Usage the cost estimate cannot read from the program (see tools/usage.yaml for what each means)."""


class CostConfig(_Section):
    """`platform:cost`: assumptions of the offline cost estimate (`python -m tools cost`); deploys ignore it."""

    profile: Literal["small", "medium", "large"] = "small"
    """Usage profile for traffic and stored data (tools/usage.yaml)."""
    usage: dict[UsageKey, float] = {}  # type: ignore[valid-type]
    """Per-resource monthly usage that replaces the profile's value, e.g. {nat_gateway_gb: 50}."""

    @field_validator("usage")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        negative = sorted(k for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"usage cannot be negative: {', '.join(negative)}")
        return value


Layer = Literal["all", "data", "app"]
DATA_SECTIONS = ("network", "database", "cache", "file_system", "secrets", "buckets")
"""Sections that belong to the data layer: long-lived, stateful, deployed rarely."""
APP_SECTIONS = ("registry", "cluster", "load_balancers", "services", "domain", "edge", "pipeline", "github")
"""Sections that belong to the app layer: redeployed with every release."""


class DataStackConfig(_Section):
    """`platform:data_stack`: the data-layer stack an app-layer stack reads through a StackReference.

    The app stack declares what it expects the data stack to hold, so references (a service's
    `connects_to: [database]`, a secret key, an access point) are checked before anything is
    declared; the values themselves (ids, endpoints, ARNs) come from the data stack's exports.
    """

    name: _matching(r"^([A-Za-z0-9_.-]+/){0,2}[A-Za-z0-9_.-]+$",  # type: ignore[valid-type]
                    "a stack name such as semiont-data or acme/platform/semiont-data")
    """The data stack: its name in this project, or `org/project/stack` (DIY backends: `organization/project/stack`)."""
    tiers: tuple[Tier, ...] = TIERS
    """Subnet tiers the data stack's network has."""
    database: bool = False
    """The data stack has a database (services may connect to it and read its secret)."""
    cache: bool = False
    """The data stack has a cache."""
    secrets: tuple[SecretKey, ...] = ()  # type: ignore[valid-type]
    """Keys of the data stack's `platform:secrets` that services here read."""
    access_points: tuple[SecretKey, ...] = ()  # type: ignore[valid-type]
    """Access points of the data stack's file system that services here mount."""
    buckets: tuple[ResourceName, ...] = ()  # type: ignore[valid-type]
    """Names of the data stack's `platform:buckets` that services here are granted."""


class StackConfig(_Section):
    """Everything one stack sets, validated. Built by `load()` (the program) or `from_mapping()`."""

    env: Literal["dev", "staging", "prod"]
    """Deployment environment; prod turns on the durability invariants."""
    region: Region
    """AWS region (`aws:region`)."""
    tags: dict[str, str]
    """Tags for every taggable resource (on top of `aws:defaultTags`); must include owner and cost-center."""
    protect_stateful: bool = False
    """Also give stateful resources Pulumi `protect` + `retainOnDelete` outside prod (prod always has them)."""
    layer: Layer = "all"
    """What this stack deploys: `all`, `data` (network, database, cache, file system, secrets, buckets) or `app` (the rest, reading `data_stack`)."""
    data_stack: DataStackConfig | None = None
    """`platform:data_stack`: for `layer: app`, the data stack it builds on."""
    network: NetworkConfig | None = None
    """`platform:network`: the VPC (new or adopted); required unless `layer: app`."""
    database: DatabaseConfig | None = None
    """`platform:database`: PostgreSQL (RDS or Aurora); leave out for no database."""
    cache: CacheConfig | None = None
    """`platform:cache`: Redis/Valkey; leave out for no cache."""
    secrets: dict[SecretKey, SecretConfig] = {}  # type: ignore[valid-type]
    """`platform:secrets`: application secrets in Secrets Manager, by key."""
    file_system: FileSystemConfig | None = None
    """`platform:file_system`: EFS for task volumes; leave out for none."""
    registry: RegistryConfig | None = None
    """`platform:registry`: ECR repositories for our images."""
    cluster: ClusterConfig = ClusterConfig()
    """`platform:cluster`: the container runtime."""
    load_balancers: dict[ResourceName, LoadBalancerConfig] = {}  # type: ignore[valid-type]
    """`platform:load_balancers`: application load balancers by name (one shared, or one per service)."""
    services: dict[ResourceName, ServiceConfig] = {}  # type: ignore[valid-type]
    """`platform:services`: container services by name."""
    domain: DomainConfig | None = None
    """`platform:domain`: hosted zone and certificate (required with load balancers)."""
    edge: EdgeConfig | None = None
    """`platform:edge`: CloudFront, WAF and DNS records."""
    buckets: dict[ResourceName, AppBucketConfig] = {}  # type: ignore[valid-type]
    """`platform:buckets`: the application's own buckets (media, user files) by name."""
    pipeline: PipelineConfig | None = None
    """`platform:pipeline`: the S3 + Step Functions + AWS Batch pipeline."""
    backup: BackupConfig | None = None
    """`platform:backup`: AWS Backup plan."""
    github: GithubConfig | None = None
    """`platform:github`: GitHub Actions OIDC deploy roles."""
    alarms: AlarmsConfig | None = None
    """`platform:alarms`: alarm topic, alarms, dashboard, budget."""
    cost: CostConfig = CostConfig()
    """`platform:cost`: usage assumptions of the cost estimate (not deployed)."""

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        problems = []
        missing = [k for k in REQUIRED_TAGS if not value.get(k)]
        if missing:
            problems.append(f"missing required tag(s) {', '.join(missing)}; add them under platform:tags")
        # Tagging AWS Resources User Guide, tag naming limits (checked 2026-11-30): the aws: prefix is
        # reserved; keys are 1-128 characters and values up to 256.
        for key, tag in value.items():
            if key.lower().startswith("aws:"):
                problems.append(f"tag key {key!r} starts with aws:, which AWS reserves; rename it")
            if not 1 <= len(key) <= 128 or len(str(tag)) > 256:
                problems.append(f"tag {key!r}: keys are 1-128 characters and values at most 256")
            for text in (key, str(tag)):
                if not _TAG_TEXT.fullmatch(text):
                    problems.append(f"tag {key!r}: {text!r} has characters many services refuse; use letters, "
                                    "digits, spaces and _ . : / = + - @")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in aws_data.regions():
            close = difflib.get_close_matches(value, list(aws_data.regions()), n=1)
            raise ValueError(f"{value!r} is not an AWS region" + (f"; did you mean {close[0]!r}?" if close else ""))
        return value

    @model_validator(mode="after")
    def _cross_section_rules(self, info: ValidationInfo) -> StackConfig:
        problems = self._layer_rules()
        stack = (info.context or {}).get("stack")
        if stack in ("dev", "staging", "prod") and stack != self.env:
            # A stack named like an environment is that environment (workflows and reviewers read it so).
            problems.append(f"@env: stack {stack!r} must set env: {stack}; got {self.env!r}")
        if problems:
            return self._fail(problems)  # the other rules assume each section sits in its layer
        net = self.network
        for az in (net.availability_zones if net else None) or []:
            if not az.startswith(self.region):
                problems.append(f"@network.availability_zones: {az} is not in region {self.region}")
        for section, cfg in (("database", self.database), ("cache", self.cache)):
            if cfg is not None and cfg.subnet_tier not in self.subnet_tiers():
                problems.append(f"@{section}.subnet_tier: the network has no {cfg.subnet_tier} subnets "
                                f"(tiers: {', '.join(self.subnet_tiers())}); pick one of those")
        problems.extend(self._service_rules())
        problems.extend(self._runtime_rules())
        problems.extend(self._edge_rules())
        problems.extend(self._region_rules())
        if self.env == "prod":
            problems.extend(self._prod_rules())
        return self._fail(problems)

    def _fail(self, problems: list[str]) -> StackConfig:
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _layer_rules(self) -> list[str]:
        problems: list[str] = []
        if self.layer != "app":
            if self.network is None:
                problems.append("@network: required key is missing; describe the VPC (cidr, or existing)")
            if self.data_stack is not None:
                problems.append("@data_stack: only an app-layer stack reads a data stack; set layer: app or remove it")
        if self.layer == "data":
            for section in APP_SECTIONS:
                if section in self.model_fields_set:
                    problems.append(f"@{section}: belongs to the app layer; move it to the app stack "
                                    "(layer: app) or set layer: all")
        if self.layer == "app":
            if self.data_stack is None:
                problems.append("@data_stack: required with layer: app; name the data stack, e.g. "
                                "{name: semiont-data, database: true}")
            for section in DATA_SECTIONS:
                if section in self.model_fields_set:
                    problems.append(f"@{section}: belongs to the data layer, which an app deploy never touches; "
                                    "move it to the data stack and list what services use under data_stack")
            if self.backup is not None:
                problems.append("@backup: backups protect the data layer's resources; configure them in the data stack")
        return problems

    # -- what the stack can reference: its own data sections, or those its data stack declares ----
    def subnet_tiers(self) -> tuple[Tier, ...]:
        """Subnet tiers of the network (this stack's, or the data stack's)."""
        if self.network is not None:
            return self.network.tiers()
        return self.data_stack.tiers if self.data_stack is not None else ()

    def has_store(self, store: str) -> bool:
        """Whether `database` or `cache` exists here or in the data stack."""
        if getattr(self, store) is not None:
            return True
        return bool(self.data_stack is not None and getattr(self.data_stack, store))

    def secret_keys(self) -> set[str]:
        """Keys of application secrets services may reference."""
        return set(self.secrets) | set(self.data_stack.secrets if self.data_stack else ())

    def access_point_names(self) -> set[str]:
        """Access points services may mount."""
        own = set(self.file_system.access_points) if self.file_system else set()
        return own | set(self.data_stack.access_points if self.data_stack else ())

    def bucket_names(self) -> set[str]:
        """Application buckets services may be granted."""
        return set(self.buckets) | set(self.data_stack.buckets if self.data_stack else ())

    def _service_rules(self) -> list[str]:
        problems: list[str] = []
        repositories = set(self.registry.repositories) if self.registry else set()
        access_points = self.access_point_names()
        secret_keys = self.secret_keys()
        bucket_names = self.bucket_names()
        routes_by_lb: dict[str, list[tuple[str, int]]] = {}
        defaults_by_lb: dict[str, list[str]] = {}
        for key in sorted(set(self.load_balancers) & set(self.services)):
            # Both get a security group named <component>-<key>: the names must differ.
            problems.append(f"@load_balancers.{key}: a service has the same name; rename the load balancer "
                            f"(e.g. {key}-lb) so their resources do not collide")
        for name, svc in self.services.items():
            at = f"services.{name}"
            if svc.image.repository is not None and svc.image.repository not in repositories:
                problems.append(f"@{at}.image.repository: {svc.image.repository!r} is not in registry.repositories "
                                f"({', '.join(sorted(repositories)) or 'none'}); add it there or use image.uri")
            if svc.load_balancer is not None:
                if svc.load_balancer not in self.load_balancers:
                    problems.append(f"@{at}.load_balancer: no load balancer {svc.load_balancer!r} in platform:load_balancers "
                                    f"({', '.join(sorted(self.load_balancers)) or 'none'})")
                routes_by_lb.setdefault(svc.load_balancer, []).extend((name, r.priority) for r in svc.routes)
                if svc.default_route:
                    defaults_by_lb.setdefault(svc.load_balancer, []).append(name)
            for var, ref in svc.secrets.items():
                if ref.secret == "database":
                    if not self.has_store("database"):
                        problems.append(f"@{at}.secrets.{var}.secret: `database` needs platform:database")
                    elif ref.key not in (None, "username", "password"):
                        problems.append(f"@{at}.secrets.{var}.key: the database secret holds username and password; got {ref.key!r}")
                elif ref.secret is not None and ref.secret not in secret_keys:
                    problems.append(f"@{at}.secrets.{var}.secret: {ref.secret!r} is not in platform:secrets "
                                    f"({', '.join(sorted(secret_keys)) or 'none'})")
            for i, volume in enumerate(svc.volumes):
                if volume.access_point not in access_points:
                    problems.append(f"@{at}.volumes[{i}].access_point: {volume.access_point!r} is not in "
                                    f"file_system.access_points ({', '.join(sorted(access_points)) or 'none'})")
            if svc.pipeline and self.pipeline is None:
                problems.append(f"@{at}.pipeline: needs platform:pipeline")
            for bucket in svc.buckets:
                if bucket not in bucket_names:
                    problems.append(f"@{at}.buckets: {bucket!r} is not in platform:buckets "
                                    f"({', '.join(sorted(bucket_names)) or 'none'})")
            for peer in svc.connects_to:
                if peer in ("database", "cache"):
                    if not self.has_store(peer):
                        problems.append(f"@{at}.connects_to: {peer!r} needs platform:{peer}")
                elif peer not in self.services or peer == name:
                    problems.append(f"@{at}.connects_to: {peer!r} is not database, cache or another service")
                elif not self.services[peer].ports():
                    problems.append(f"@{at}.connects_to: service {peer!r} exposes no port")
        published: dict[str, str] = {}
        for name in self.services:
            discovery = self.discovery_name_of(name)
            if discovery is not None and discovery in published:
                problems.append(f"@services.{name}.discovery_name: {discovery!r} is already the name of service "
                                f"{published[discovery]}; names peers resolve must be unique")
            if discovery is not None:
                published[discovery] = name
        for lb, routes in routes_by_lb.items():
            seen: dict[int, str] = {}
            for service, priority in routes:
                if priority in seen:
                    problems.append(f"@services.{service}.routes: priority {priority} on load balancer {lb!r} is already used "
                                    f"by {seen[priority]}; priorities must be unique per load balancer")
                seen[priority] = service
        for lb, owners in defaults_by_lb.items():
            if len(owners) > 1:
                problems.append(f"@services.{owners[1]}.default_route: load balancer {lb!r} already sends its default to {owners[0]}")
        for lb, lb_cfg in self.load_balancers.items():
            if lb not in routes_by_lb and lb not in defaults_by_lb:
                problems.append(f"@load_balancers.{lb}: no service uses it; remove it or point a service at it")
            tier = "public" if lb_cfg.scheme == "internet-facing" else "private"
            if tier not in self.subnet_tiers():
                problems.append(f"@load_balancers.{lb}.scheme: {lb_cfg.scheme} needs {tier} subnets; the network has {', '.join(self.subnet_tiers())}")
            if lb_cfg.ingress_cidrs and lb_cfg.scheme == "internet-facing":
                problems.append(f"@load_balancers.{lb}.ingress_cidrs: only for internal load balancers")
        if self.load_balancers and self.domain is None:
            problems.append("@domain: load balancers serve HTTPS and need platform:domain for their certificate")
        if self.pipeline is not None:
            for i, step in enumerate(self.pipeline.steps):
                at = f"pipeline.steps[{i}]"
                if step.image.repository is not None and step.image.repository not in repositories:
                    problems.append(f"@{at}.image.repository: {step.image.repository!r} is not in registry.repositories "
                                    f"({', '.join(sorted(repositories)) or 'none'}); add it there or use image.uri")
                for var, ref in step.secrets.items():
                    if ref.secret is not None and ref.secret != "database" and ref.secret not in secret_keys:
                        problems.append(f"@{at}.secrets.{var}.secret: {ref.secret!r} is not in platform:secrets")
                    if ref.secret == "database" and not self.has_store("database"):
                        problems.append(f"@{at}.secrets.{var}.secret: `database` needs platform:database")
            if "private" not in self.subnet_tiers():
                problems.append("@pipeline: jobs run in private subnets; the network has none")
        for name, svc in self.services.items():
            if svc.volumes and self.file_system is None and self.data_stack is None:
                problems.append(f"@services.{name}.volumes: needs platform:file_system")
        if self.backup is not None:
            needs = {"database": self.database, "file_system": self.file_system, "pipeline_buckets": self.pipeline,
                     "buckets": self.buckets or None}
            for item in self.backup.resources:
                if needs[item] is None:
                    problems.append(f"@backup.resources: {item!r} is selected but the stack has no {item.split('_')[0]}")
        net = self.network
        if self.file_system is not None and net is not None and net.existing is not None and not net.existing.subnet_ids.private:
            problems.append("@file_system: mount targets need explicit network.existing.subnet_ids.private (one per AZ)")
        return problems

    def _region_rules(self) -> list[str]:
        """What AWS offers in the stack's region (components/aws_data.py)."""
        problems: list[str] = []
        db = self.database
        if db is not None:
            classes = aws_data.rds_instance_classes(self.region, db.engine)
            if classes and db.instance_class not in classes:
                problems.append(f"@database.instance_class: {db.instance_class} is not orderable for {db.engine} in "
                                f"{self.region}; e.g. {', '.join(_nearby(db.instance_class, classes))}")
        cache = self.cache
        if cache is not None:
            types = aws_data.cache_node_types(self.region)
            if types and cache.node_type not in types:
                problems.append(f"@cache.node_type: {cache.node_type} is not offered in {self.region}; "
                                f"e.g. {', '.join(_nearby(cache.node_type, types))}")
        return problems

    def _runtime_rules(self) -> list[str]:
        if self.cluster.runtime != "eks":
            return []
        problems: list[str] = []
        eks = self.cluster.eks_settings
        if not eks.endpoint_public_access and self.network is not None and self.network.existing is None:
            problems.append("@cluster.eks.endpoint_public_access: `pulumi up` applies the Kubernetes objects through "
                            "the API endpoint, and a private one on a VPC this stack creates cannot be reached by the "
                            "first deploy; set it to true with public_access_cidrs (your deploy runner's egress; "
                            "private access stays on), or adopt a VPC your runner lives in (network.existing)")
        if eks.endpoint_public_access and self.github is not None and self.github.github_hosted:
            problems.append(f"@github.runner: the EKS API admits only {', '.join(map(str, eks.public_access_cidrs))}, "
                            f"but {', '.join(self.github.runner)} is a GitHub-hosted runner with no fixed address; "
                            "deploy from a self-hosted runner whose egress is listed (e.g. runner: [self-hosted, "
                            "platform-deploy])")
        arch = eks.node_group.architecture if eks.node_group is not None and not eks.fargate_namespaces else None
        for name, svc in self.services.items():
            at = f"services.{name}"
            if svc.volumes:
                problems.append(f"@{at}.volumes: EFS volumes are ECS-only; the EKS runtime has no EFS CSI driver")
            if svc.exec:
                problems.append(f"@{at}.exec: ECS Exec is ECS-only; on EKS use kubectl exec (RBAC)")
            if "capacity" in svc.model_fields_set:
                problems.append(f"@{at}.capacity: Fargate capacity providers are ECS-only; use cluster.eks.node_group.capacity_type")
            if arch is not None and svc.architecture != arch:
                problems.append(f"@{at}.architecture: the node group runs {arch}; got {svc.architecture}")
        needs_own_group = [n for n, s in self.services.items() if {"database", "cache"} & set(s.connects_to)]
        if needs_own_group and eks.node_group is not None and any(t.startswith("t") for t in eks.node_group.instance_types):
            problems.append(f"@cluster.eks.node_group.instance_types: {', '.join(needs_own_group)} reach data stores through "
                            "security groups for pods, which burstable t* nodes cannot carry; use e.g. m7g.large")
        if self.edge is not None and self.edge.cloudfront:
            problems.append("@edge.cloudfront: the EKS runtime's load balancer belongs to its ingress; serve it without "
                            "CloudFront (cloudfront: false, regional WAF on the ingress)")
        return problems

    def _edge_rules(self) -> list[str]:
        problems: list[str] = []
        domain = self.domain
        if domain is not None and domain.private and domain.validation_zone_id is None:
            problems.append("@domain.validation_zone_id: ACM validates through public DNS; give the public zone "
                            "that may hold the validation records of a private domain")
        problems.extend(self._load_balancer_name_rules())
        edge = self.edge
        if edge is None:
            return problems
        if domain is None:
            problems.append("@domain: platform:edge needs platform:domain (zone and certificate)")
        lb = self.load_balancers.get(edge.load_balancer)
        if lb is None:
            problems.append(f"@edge.load_balancer: no load balancer {edge.load_balancer!r} in platform:load_balancers")
        elif edge.cloudfront and lb.scheme == "internal":
            problems.append(f"@edge.cloudfront: load balancer {edge.load_balancer!r} is internal and CloudFront reaches "
                            "only public origins here (no VPC origin); make it internet-facing or set cloudfront: false")
        if domain is not None and domain.private and edge.cloudfront:
            problems.append("@edge.cloudfront: a private domain is not reachable from CloudFront; set cloudfront: false")
        return problems

    def _load_balancer_name_rules(self) -> list[str]:
        """Every HTTPS load balancer is reachable under a name its certificate covers, names are unique,
        and dual-stack ones sit in IPv6 subnets."""
        problems: list[str] = []
        served = self.edge.load_balancer if self.edge is not None else None
        taken: dict[str, str] = {}
        if self.edge is not None:
            for label in self.edge_labels():
                taken[label] = f"edge {label or '(apex)'}"
        for key, lb in sorted(self.load_balancers.items()):
            if lb.hostname is None and key != served:
                example = key.removesuffix("-lb")
                problems.append(f"@load_balancers.{key}.hostname: HTTPS works only under a name the certificate covers, "
                                f"and no DNS name points at this load balancer ({f'platform:edge serves {served!r}' if served else 'no platform:edge'}); "
                                f"give it one, e.g. hostname: {example}")
            if lb.hostname is not None:
                if lb.hostname in taken:
                    problems.append(f"@load_balancers.{key}.hostname: {lb.hostname!r} is already used by {taken[lb.hostname]}")
                taken[lb.hostname] = f"load balancer {key}"
            net = self.network
            if lb.ip_address_type == "dualstack" and net is not None and net.existing is None and not net.ipv6:
                problems.append(f"@load_balancers.{key}.ip_address_type: dualstack needs IPv6 on the public subnets; "
                                "set network.ipv6: true")
        return problems

    def edge_labels(self) -> list[str]:
        """Labels under domain.name the edge points somewhere ("" is the name itself)."""
        edge = self.edge
        if edge is None:
            return []
        return [*edge.hostnames, *edge.direct_hostnames, *(["www"] if edge.www_cname else []),
                *(["origin"] if edge.cloudfront else [])]

    def _prod_rules(self) -> list[str]:
        problems = []
        net = self.network
        if net is not None and net.existing is None and net.egress not in ("per_az", "none"):
            problems.append(f"@network.egress: prod needs one NAT gateway per AZ (per_az) or no egress (none); got {net.egress!r}")
        db = self.database
        if db is not None:
            if not db.highly_available:
                fix = "set database.multi_az: true" if db.engine == "postgres" else "set database.instances: 2 or more"
                problems.append(f"@database.{'multi_az' if db.engine == 'postgres' else 'instances'}: prod needs a database that survives an AZ loss; {fix}")
            if not db.deletion_protection:
                problems.append("@database.deletion_protection: prod needs deletion protection; set it to true")
            if not db.final_snapshot:
                problems.append("@database.final_snapshot: prod takes a final snapshot on deletion; set it to true")
            if db.backup_retention_days < 7:
                problems.append(f"@database.backup_retention_days: prod keeps backups at least 7 days; got {db.backup_retention_days}")
        if self.registry is not None and not self.registry.immutable_tags:
            problems.append("@registry.immutable_tags: prod images are immutable (a tag always means the same image); set true")
        cache = self.cache
        if cache is not None:
            if cache.nodes < 2:
                problems.append(f"@cache.nodes: prod needs 2+ nodes for automatic failover; got {cache.nodes}")
            if cache.snapshot_retention_days < 1:
                problems.append("@cache.snapshot_retention_days: prod keeps at least one daily snapshot; set 1 or more")
            if not cache.final_snapshot:
                problems.append("@cache.final_snapshot: prod takes a final snapshot on deletion; set it to true")
        return problems

    def certificate_names(self) -> list[str]:
        """Every name the stack's certificate must cover: the domain, its alternative names, and
        each hostname the edge serves (plus `origin.` for CloudFront) not already under a wildcard."""
        assert self.domain is not None
        names = [self.domain.name, *self.domain.alternative_names]
        labels = [*self.edge_labels(), *(lb.hostname for lb in self.load_balancers.values() if lb.hostname)]
        for label in labels:
            fqdn = f"{label}.{self.domain.name}" if label else self.domain.name
            if not covers(names, fqdn):
                names.append(fqdn)
        return names

    def peers_of(self, service: str) -> list[str]:
        """Services that list `service` in their connects_to (they may reach its ports)."""
        return sorted(n for n, s in self.services.items() if service in s.connects_to)

    def discovery_name_of(self, service: str) -> str | None:
        """The name `service` publishes to its peers: its discovery_name, else its own name when another
        service connects to it (a caller resolves only published names), else none."""
        return self.services[service].discovery_name or (service if self.peers_of(service) else None)

    @property
    def protect(self) -> bool:
        """Whether stateful resources get Pulumi `protect` and `retainOnDelete`."""
        return self.env == "prod" or self.protect_stateful

    def resource_tags(self) -> dict[str, str]:
        """The component-level tag layer every component receives."""
        return {"env": self.env, **self.tags}


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

_STRING_KEYS = {"env", "layer"}
"""Top-level keys whose values are plain strings; every other value is JSON (objects, bools)."""


def from_mapping(raw: Mapping[str, Any], source: str = "stack config", stack: str | None = None) -> StackConfig:
    """Validate a mapping of top-level keys (no namespace) into a `StackConfig`, or raise ConfigError.

    `stack` (the stack's name) adds the rule that a stack named dev, staging or prod runs that env."""
    try:
        return StackConfig.model_validate(dict(raw), context={"stack": stack})
    except ValidationError as exc:
        raise ConfigError(format_errors(exc, StackConfig, source)) from None


def _runtime_config(project: str) -> dict[str, str]:
    # pulumi.Config cannot list keys; the runtime's config map (and PULUMI_CONFIG, which the
    # language host uses) can, and listing them is what lets a misspelt top-level key fail.
    from pulumi.runtime import config as runtime_config

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{project}:"
    return {k[len(prefix):]: v for k, v in merged.items() if k.startswith(prefix)}


def load() -> StackConfig:
    """Read and validate this stack's config; called once, first thing, by `__main__.py`."""
    project, stack = pulumi.get_project(), pulumi.get_stack()
    source = f"Pulumi.{stack}.yaml"
    raw: dict[str, Any] = {}
    for key, value in _runtime_config(project).items():
        if key in _STRING_KEYS:
            raw[key] = value
            continue
        try:
            raw[key] = json.loads(value)
        except (TypeError, ValueError):
            raw[key] = value  # a bare string: the model says whether that is acceptable
    if "region" in raw:
        raise ConfigError(f"invalid stack config in {source}:\n  - region: set the region as aws:region, not {project}:region")
    region = pulumi.Config("aws").get("region")
    if region is None:
        raise ConfigError(f"invalid stack config in {source}:\n  - aws:region: required key is missing; set e.g. aws:region: us-east-1")
    raw["region"] = region
    return from_mapping(raw, source, stack)
