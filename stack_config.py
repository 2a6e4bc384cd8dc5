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
from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ConfigError(pulumi.RunError):
    """Invalid stack config. A `RunError`, so `pulumi up` prints the message without a traceback."""


def _fail(key: str, problem: str) -> ValueError:
    # Validators prefix the offending key so the formatter can print its full path.
    return ValueError(f"@{key}: {problem}")


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
            key_match = re.match(r"^@([\w.\[\]]+): (.*)$", raw_line)
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
    # from them (`python -m tools config-reference`), so the docs cannot drift from the model.
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


def _check_windows(daily_key: str, daily: str, weekly: str, *, min_minutes: int) -> None:
    """AWS rejects a daily backup/snapshot window that overlaps the maintenance window or is too short."""
    if windows_overlap(daily, weekly):
        raise _fail("maintenance_window", f"overlaps {daily_key} {daily}; AWS rejects overlapping windows")
    if _window_minutes(daily) < min_minutes:
        raise _fail(daily_key, f"must be at least {min_minutes} minutes long")


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
        for tier in TIERS:
            if getattr(self.subnet_ids, tier) and getattr(self.subnet_filters, tier):
                raise _fail(f"subnet_filters.{tier}", f"give either subnet_ids.{tier} or subnet_filters.{tier}, not both")
        if not self.tiers():
            raise _fail("subnet_ids", "no subnets given; list subnet ids (or subnet_filters) for at least the private tier")
        return self

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

    @model_validator(mode="after")
    def _shape(self) -> NetworkConfig:
        if self.existing is not None:
            extra = sorted(self.model_fields_set - {"existing"})
            if extra:
                raise _fail(extra[0], "not used when adopting a VPC with `existing`; remove it")
            return self
        if self.cidr is None:
            raise _fail("cidr", "required for a new VPC (e.g. 10.0.0.0/16), or set `existing` to adopt one")
        if not 16 <= self.cidr.prefixlen <= 24:
            raise _fail("cidr", f"VPC prefix must be /16 to /24; got /{self.cidr.prefixlen}")
        if self.availability_zones is not None:
            if len(set(self.availability_zones)) != len(self.availability_zones):
                raise _fail("availability_zones", "names must be unique")
            if "az_count" in self.model_fields_set and self.az_count != len(self.availability_zones):
                raise _fail("az_count", f"is {self.az_count} but {len(self.availability_zones)} availability_zones are listed; drop one of the two")
            if not 2 <= len(self.availability_zones) <= 3:
                raise _fail("availability_zones", f"list 2 or 3 zones; got {len(self.availability_zones)}")
        if self.subnets is not None:
            self._check_explicit_subnets(self.subnets)
        if self.egress != "none" and "public" not in self.tiers():
            raise _fail("egress", f"{self.egress!r} needs a public tier for the NAT; add subnets.public or set egress: none")
        return self

    def _check_explicit_subnets(self, subnets: SubnetCidrs) -> None:
        assert self.cidr is not None
        seen: list[tuple[str, IPv4Network]] = []
        for tier in TIERS:
            cidrs = getattr(subnets, tier)
            if cidrs and len(cidrs) != self.zone_count:
                raise _fail(f"subnets.{tier}", f"needs one CIDR per AZ ({self.zone_count}); got {len(cidrs)}")
            for i, net in enumerate(cidrs):
                key = f"subnets.{tier}[{i}]"
                if not net.subnet_of(self.cidr):
                    raise _fail(key, f"{net} is outside the VPC CIDR {self.cidr}")
                if not 16 <= net.prefixlen <= 28:
                    raise _fail(key, f"subnet prefix must be /16 to /28; got /{net.prefixlen}")
                for other_key, other in seen:
                    if net.overlaps(other):
                        raise _fail(key, f"{net} overlaps {other_key} ({other})")
                seen.append((key, net))
        if not subnets.private and not subnets.isolated:
            raise _fail("subnets", "give private (or isolated) subnet CIDRs; workloads never run in public subnets")

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

_RDS_PG_MAJORS = range(13, 19)
_AURORA_PG_MAJORS = range(13, 18)
_INSTANCE_FAMILIES = (
    "t3|t4g|m5|m5d|m6g|m6gd|m6i|m6id|m7g|m7i|m8g|r5|r5b|r5d|r6g|r6gd|r6i|r6id|r7g|r7i|r8g|x2g"
)
_DB_CLASS = re.compile(rf"^db\.({_INSTANCE_FAMILIES})\.(micro|small|medium|large|xlarge|\d{{1,2}}xlarge)$")
# Aurora serverless v2 may scale to 0 ACU (auto-pause) only from these minor versions on.
_AURORA_PAUSE_MIN = {13: 15, 14: 12, 15: 7, 16: 3}


def _pg_version(value: str, majors: range, engine: str, *, minor_required: bool) -> tuple[int, int | None]:
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", value)
    example = "16.4" if minor_required else "16 or 16.3"
    expected = f"a {engine} version {majors.start}-{majors.stop - 1}{' with a minor version' if minor_required else ''}, e.g. {example}"
    if not match or int(match.group(1)) not in majors:
        raise _fail("engine_version", f"expected {expected}; got {value!r}")
    if minor_required and match.group(2) is None:
        raise _fail("engine_version", f"expected {expected}; got {value!r}")
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
        if self.max_capacity < self.min_capacity:
            raise _fail("max_capacity", f"must be >= min_capacity ({self.min_capacity}); got {self.max_capacity}")
        return self


class DatabaseConfig(_Section):
    """`platform:database`: PostgreSQL as an RDS instance or an Aurora cluster."""

    engine: Literal["postgres", "aurora-postgresql"] = "postgres"
    """RDS for PostgreSQL (`postgres`) or Aurora PostgreSQL."""
    engine_version: str
    """PostgreSQL version: `16` or `16.3` for RDS; Aurora needs the minor version (`16.4`)."""
    instance_class: str
    """Instance class, e.g. db.t4g.micro; Aurora also takes db.serverless."""
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
    master_username: str = Field("app_admin", pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")
    """Master user; its password is generated and kept in Secrets Manager by RDS."""
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
    log_exports: list[Literal["postgresql", "upgrade", "iam-db-auth-error"]] = ["postgresql", "upgrade"]
    """Log types exported to CloudWatch Logs."""
    parameters: dict[_matching(r"^[a-z_.]+$", "a PostgreSQL parameter name such as log_min_duration_statement"), str] = {}  # type: ignore[valid-type]
    """Extra engine parameters; `rds.force_ssl` is always 1 and cannot be overridden."""

    @field_validator("instance_class")
    @classmethod
    def _db_class(cls, value: str) -> str:
        if value != "db.serverless" and not _DB_CLASS.match(value):
            raise ValueError(f"expected an RDS instance class such as db.t4g.micro or db.r6g.large; got {value!r}")
        return value

    @field_validator("parameters")
    @classmethod
    def _force_ssl_stays(cls, value: dict[str, str]) -> dict[str, str]:
        if "rds.force_ssl" in value:
            raise ValueError("rds.force_ssl is always 1 (TLS required); remove it from parameters")
        return value

    @model_validator(mode="after")
    def _engine_rules(self) -> DatabaseConfig:
        aurora = self.engine == "aurora-postgresql"
        major, minor = _pg_version(
            self.engine_version, _AURORA_PG_MAJORS if aurora else _RDS_PG_MAJORS, self.engine, minor_required=aurora
        )
        if aurora:
            for key in ("allocated_storage_gb", "max_allocated_storage_gb", "multi_az"):
                if key in self.model_fields_set:
                    raise _fail(key, "not used with aurora-postgresql (storage grows by itself; use `instances` for HA)")
            burstable_small = re.match(r"^db\.t\d+g?\.(micro|small)$", self.instance_class)
            if burstable_small:
                raise _fail("instance_class", f"Aurora needs at least a medium burstable class; got {self.instance_class!r}")
            if (self.instance_class == "db.serverless") != (self.serverless_v2 is not None):
                raise _fail("serverless_v2", "set serverless_v2 together with instance_class db.serverless (and only then)")
            if self.serverless_v2 is not None and self.serverless_v2.min_capacity == 0:
                need = _AURORA_PAUSE_MIN.get(major)
                if need is not None and (minor or 0) < need:
                    raise _fail("serverless_v2.min_capacity", f"0 ACU (auto-pause) needs Aurora PostgreSQL {major}.{need} or later; got {self.engine_version}")
        else:
            if "instances" in self.model_fields_set or self.serverless_v2 is not None:
                raise _fail("instances", "`instances` and `serverless_v2` are Aurora settings; use multi_az for RDS")
            if self.instance_class == "db.serverless":
                raise _fail("instance_class", "db.serverless is an Aurora class; pick e.g. db.t4g.micro for RDS")
            if self.allocated_storage_gb is None:
                raise _fail("allocated_storage_gb", "required for RDS (gp3, at least 20)")
            if self.max_allocated_storage_gb is not None and self.max_allocated_storage_gb <= self.allocated_storage_gb:
                raise _fail("max_allocated_storage_gb", f"must exceed allocated_storage_gb ({self.allocated_storage_gb}) or be left out")
            if self.performance_insights and re.match(r"^db\.t\d+g?\.(micro|small)$", self.instance_class):
                raise _fail("performance_insights", f"not supported on {self.instance_class}; turn it off or use a medium or larger class")
        _check_windows("backup_window", self.backup_window, self.maintenance_window, min_minutes=30)
        return self

    @property
    def highly_available(self) -> bool:
        """Survives the loss of one AZ: RDS multi-AZ or Aurora with a reader."""
        return self.multi_az if self.engine == "postgres" else self.instances >= 2


# --------------------------------------------------------------------------------------------
# Cache (Redis / Valkey)
# --------------------------------------------------------------------------------------------

_CACHE_VERSIONS = {"redis": ("6.2", "7.0", "7.1"), "valkey": ("7.2", "8.0", "8.1")}


class CacheConfig(_Section):
    """`platform:cache`: an ElastiCache replication group (Redis OSS or Valkey)."""

    engine: Literal["redis", "valkey"] = "redis"
    """Cache engine."""
    engine_version: str = "7.1"
    """Engine version: redis 6.2/7.0/7.1, valkey 7.2/8.0/8.1."""
    node_type: _matching(r"^cache\.[a-z0-9]+\.[a-z0-9]+$", "an ElastiCache node type such as cache.t4g.micro")  # type: ignore[valid-type]
    """Node type, e.g. cache.t4g.micro."""
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
        if self.engine_version not in _CACHE_VERSIONS[self.engine]:
            raise _fail("engine_version", f"expected one of {', '.join(_CACHE_VERSIONS[self.engine])} for {self.engine}; got {self.engine_version!r}")
        _check_windows("snapshot_window", self.snapshot_window, self.maintenance_window, min_minutes=60)
        return self


# --------------------------------------------------------------------------------------------
# The whole stack
# --------------------------------------------------------------------------------------------

REQUIRED_TAGS = ("owner", "cost-center")
"""Tag keys every stack must set in `platform:tags` (cost allocation and ownership)."""


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
    network: NetworkConfig
    """`platform:network`: the VPC (new or adopted)."""
    database: DatabaseConfig | None = None
    """`platform:database`: PostgreSQL (RDS or Aurora); leave out for no database."""
    cache: CacheConfig | None = None
    """`platform:cache`: Redis/Valkey; leave out for no cache."""

    @field_validator("tags")
    @classmethod
    def _required_tags(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [k for k in REQUIRED_TAGS if not value.get(k)]
        if missing:
            raise ValueError(f"missing required tag(s) {', '.join(missing)}; add them under platform:tags")
        return value

    @model_validator(mode="after")
    def _cross_section_rules(self) -> StackConfig:
        problems: list[str] = []
        net = self.network
        for az in net.availability_zones or []:
            if not az.startswith(self.region):
                problems.append(f"@network.availability_zones: {az} is not in region {self.region}")
        for section, cfg in (("database", self.database), ("cache", self.cache)):
            if cfg is not None and cfg.subnet_tier not in net.tiers():
                problems.append(f"@{section}.subnet_tier: the network has no {cfg.subnet_tier} subnets "
                                f"(tiers: {', '.join(net.tiers())}); pick one of those")
        if self.env == "prod":
            problems.extend(self._prod_rules())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _prod_rules(self) -> list[str]:
        problems = []
        net = self.network
        if net.existing is None and net.egress not in ("per_az", "none"):
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
        cache = self.cache
        if cache is not None:
            if cache.nodes < 2:
                problems.append(f"@cache.nodes: prod needs 2+ nodes for automatic failover; got {cache.nodes}")
            if cache.snapshot_retention_days < 1:
                problems.append("@cache.snapshot_retention_days: prod keeps at least one daily snapshot; set 1 or more")
            if not cache.final_snapshot:
                problems.append("@cache.final_snapshot: prod takes a final snapshot on deletion; set it to true")
        return problems

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

_STRING_KEYS = {"env"}
"""Top-level keys whose values are plain strings; every other value is JSON (objects, bools)."""


def from_mapping(raw: Mapping[str, Any], source: str = "stack config") -> StackConfig:
    """Validate a mapping of top-level keys (no namespace) into a `StackConfig`, or raise ConfigError."""
    try:
        return StackConfig.model_validate(dict(raw))
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
    return from_mapping(raw, source)
