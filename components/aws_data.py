"""AWS's own data about what it accepts, read from pinned, machine-readable packages.

Green offline must mean green on AWS: every value the program relies on (engine versions,
instance classes, node types, Fargate sizes, regions, log types) is checked against AWS's data,
never against a hand-kept list. Two pinned packages carry it (requirements.txt):

- **cfn-lint** bundles AWS's CloudFormation registry schemas (enums, patterns, lengths, ranges,
  `createOnlyProperties`) and extension schemas generated from AWS APIs: current and deprecated
  RDS engine versions (DescribeDBEngineVersions), orderable instance classes and cache node types
  per region (the Pricing API), Fargate cpu/memory pairs, ElastiCache engine versions.
- **botocore** ships the partitions and their regions, and each service's API model, whose
  documentation strings list values AWS documents but does not model as enums (log types).

Where neither has the fact, a curated table here cites the AWS page and the date it was checked.
Refresh the data by bumping both pins (cfn-lint publishes monthly); `./run test` then shows what
the new data refuses. Files are read lazily, once per process; nothing here imports the linter
itself (0.4 s), only its JSON.
"""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DataSource", "EksVersion", "EKS_VERSIONS", "POSTGRES_RESERVED_WORDS", "RESERVED_MASTER_USERNAMES", "cfn_schema",
    "cfn_types", "rds_database_name_problem",
    "cache_engine_versions", "cache_node_types", "cache_parameter_families", "cache_parameter_group_family",
    "data_sources", "eks_version", "fargate_memory_by_cpu", "rds_current_versions", "rds_engine_versions",
    "rds_instance_classes", "rds_log_exports", "rds_major_version", "rds_master_username_problem",
    "rds_parameter_family", "rds_version_status", "regions",
]


def _package_dir(name: str) -> Path:
    # find_spec locates the package without importing it (cfn-lint's __init__ imports the whole linter).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the pinned package {name!r} is missing; install requirements.txt")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _cfnlint_schemas() -> Path:
    return _package_dir("cfnlint") / "data" / "schemas"


@cache
def _botocore_data() -> Path:
    return _package_dir("botocore") / "data"


@cache
def _json(path: Path) -> Any:
    if path.suffix == ".gz":
        return json.loads(gzip.decompress(path.read_bytes()))
    return json.loads(path.read_text())


def _extension(resource: str, name: str) -> Any:
    return _json(_cfnlint_schemas() / "extensions" / resource / f"{name}.json")


def _package_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


BOTOCORE_RELEASE = ("1.44.8", "2026-11")
"""(pinned botocore version, month PyPI published it); a test keeps it in step with the pin."""


@dataclass(frozen=True)
class DataSource:
    """One source of AWS facts, as docs/plan.md's preflight table cites it."""

    name: str
    """Package (or page) name."""
    version: str
    """Pinned version."""
    as_of: str
    """Date the data was taken from AWS (cfn-lint's schema date), or the date it was checked."""
    covers: str
    """What the program reads from it."""


@cache
def data_sources() -> tuple[DataSource, ...]:
    """The pinned packages behind these facts, with their versions and data dates."""
    schema_date = _json(_cfnlint_schemas() / "version.json")["schema_date"][:10]
    return (
        DataSource("cfn-lint", _package_version("cfn-lint"), schema_date,
                   "CloudFormation resource schemas; RDS engine versions (current, deprecated); orderable "
                   "RDS instance classes and ElastiCache node types per region; ElastiCache engine versions; "
                   "Fargate cpu/memory pairs"),
        DataSource("botocore", _package_version("botocore"), BOTOCORE_RELEASE[1],
                   "partitions and regions; RDS log types per engine and master user name rules; ElastiCache "
                   "parameter group families; Batch Fargate vCPU/memory pairs (the API models' documentation)"),
    )


# -- CloudFormation resource schemas --------------------------------------------------------------


@cache
def _providers(region: str) -> dict[str, str]:
    providers: dict[str, str] = _json(_cfnlint_schemas() / "providers" / f"{region}.json")
    return providers


def cfn_types(region: str = "us-east-1") -> frozenset[str]:
    """CloudFormation resource types AWS offers in `region`."""
    return frozenset(_providers(region))


def cfn_schema(cfn_type: str, region: str = "us-east-1") -> dict[str, Any]:
    """The registry schema of `cfn_type` (e.g. AWS::RDS::DBCluster), with cfn-lint's patches."""
    key = _providers(region).get(cfn_type)
    if key is None:
        raise KeyError(f"no CloudFormation schema for {cfn_type} in {region}")
    schema: dict[str, Any] = _json(_cfnlint_schemas() / "resources" / f"{key}.json")
    return schema


# -- regions ------------------------------------------------------------------------------------


@cache
def regions() -> dict[str, str]:
    """Every region AWS has, mapped to its partition (`aws`, `aws-cn`, `aws-us-gov`, ...)."""
    found: dict[str, str] = {}
    for partition in _json(_botocore_data() / "partitions.json")["partitions"]:
        for region in partition.get("regions", {}):
            if not region.endswith("-global"):  # pseudo-regions of global endpoints
                found[region] = partition["id"]
    return found


@cache
def _cfnlint_availability_zones() -> dict[str, list[str]]:
    # Read as a literal from the module's source: importing cfn-lint costs 0.3 s of every plan.
    source = (_package_dir("cfnlint") / "helpers.py").read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "AVAILABILITY_ZONES" for t in targets) and node.value:
                zones: dict[str, list[str]] = ast.literal_eval(node.value)
                return zones
    raise LookupError("cfn-lint's helpers.py no longer defines AVAILABILITY_ZONES; see components/aws_data.py")


@cache
def availability_zone_letters(region: str) -> str | None:
    """The zone letters a region's AZ names may end in (`"abc"`), or None where no data covers it.

    Source: cfn-lint's `cfnlint.helpers.AVAILABILITY_ZONES` (the pinned cfn-lint; read 2026-12-04),
    the only pinned table of AZ names; botocore has none. Which letters an account sees is decided
    per account (AWS maps names to physical zones per account: "us-west-1" shows two of a-c), so
    the letters run from `a` to the last one the table lists, and a name past it does not exist
    for anybody.
    """
    names = _cfnlint_availability_zones().get(region)
    if not names:
        return None
    last = max(name[len(region):] for name in names)
    return "".join(chr(c) for c in range(ord("a"), ord(last) + 1))


# -- RDS ------------------------------------------------------------------------------------------


def _engine_enum(document: dict[str, Any], engine: str, *, where: str) -> list[str]:
    for clause in document["allOf"]:
        props = clause.get("if", {}).get("properties", {})
        if props.get("Engine", {}).get("const") == engine:
            if where == "then":
                return list(clause["then"]["properties"]["EngineVersion"]["enum"])
            return list(props["EngineVersion"]["enum"])
    return []


@cache
def rds_engine_versions(engine: str, *, cluster: bool) -> tuple[frozenset[str], frozenset[str]]:
    """(versions AWS knows, versions AWS no longer lets new databases use) for an engine.

    `cluster` picks CreateDBCluster's list (Aurora clusters) over CreateDBInstance's.
    """
    kind = "aws_rds_dbcluster" if cluster else "aws_rds_dbinstance"
    known = _engine_enum(_extension(kind, "engine_version"), engine, where="then")
    deprecated = _engine_enum(_extension(kind, "engine_version_deprecated"), engine, where="if")
    return frozenset(known), frozenset(deprecated)


def rds_version_status(engine: str, version: str, *, cluster: bool) -> str:
    """`current`, `deprecated` (new databases refused) or `unknown` (AWS never had it).

    A major-only version (`16`; MySQL's `8.0`) makes RDS pick that major's default minor, so it is current while
    any minor of the major is. (cfn-lint's deprecated list also names bare majors whenever any of
    their minors is deprecated; that would refuse every major-only version, so it is not read so.)
    """
    known, deprecated = rds_engine_versions(engine, cluster=cluster)
    if version == rds_major_version(engine, version):
        minors = [v for v in known if v.startswith(f"{version}.") and "-" not in v]
        if not minors and version not in known:
            return "unknown"
        return "current" if any(v not in deprecated for v in minors) else "deprecated"
    if version not in known and version not in deprecated:
        return "unknown"
    return "deprecated" if version in deprecated else "current"


def rds_major_version(engine: str, version: str) -> str:
    """The major version of `engine` that `version` belongs to: PostgreSQL counts majors by its first number (`16.4`
    -> `16`), MySQL by its first two (`8.0.42` -> `8.0`; Aurora MySQL's `8.0.mysql_aurora.3.10.1` -> `8.0`)."""
    parts = version.split(".")
    return ".".join(parts[:1] if "postgres" in engine else parts[:2])


def rds_parameter_family(engine: str, version: str) -> str:
    """The (cluster) parameter group family of `engine` `version`: the engine's name and its major version, as
    DescribeDBEngineVersions' DBParameterGroupFamily reads (postgres16, aurora-postgresql16, mysql8.0, mysql8.4,
    aurora-mysql8.0; RDS User Guide, "Parameter groups for Amazon RDS", checked 2026-12-04)."""
    return f"{engine}{rds_major_version(engine, version)}"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def rds_current_versions(engine: str, *, cluster: bool, major: str | None = None) -> list[str]:
    """Full versions new databases may use (oldest first), optionally of one major only."""
    known, deprecated = rds_engine_versions(engine, cluster=cluster)
    current = [v for v in known if v != rds_major_version(engine, v) and "-" not in v and v not in deprecated
               and (major is None or rds_major_version(engine, v) == major)]
    return sorted(current, key=_version_key)


def rds_suggested_versions(engine: str, version: str, *, cluster: bool) -> list[str]:
    """What to offer instead of a version AWS refuses: the newest three current versions of its major,
    else of any major."""
    same_major = rds_current_versions(engine, cluster=cluster, major=rds_major_version(engine, version))
    return (same_major or rds_current_versions(engine, cluster=cluster))[-3:]


# CreateDBInstance / CreateDBCluster `MasterUsername` constraints, RDS API reference (botocore's RDS
# model, checked 2026-11-30): instances "1 to 16 letters, numbers, or underscores"; Aurora clusters
# "1 to 16 letters or numbers" (the CloudFormation schema admits underscores for clusters too; the
# newer API reference wins); first character a letter; not a reserved word of the engine.
_MASTER_USERNAME = {False: re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}"), True: re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")}


def rds_master_username_problem(engine: str, name: str) -> str | None:
    """Why RDS would refuse `name` as the master user of an `engine` database, or None."""
    cluster = engine.startswith("aurora")
    if not _MASTER_USERNAME[cluster].fullmatch(name):
        allowed = "letters or numbers" if cluster else "letters, numbers or underscores"
        return f"{engine} master user names are 1-16 {allowed}, starting with a letter; got {name!r}"
    family = "postgres" if "postgres" in engine else engine
    reserved = RESERVED_MASTER_USERNAMES["*"] | RESERVED_MASTER_USERNAMES.get(family, frozenset())
    if name.lower() in reserved:
        return f"{name!r} is a reserved name for {engine}; pick another, e.g. appadmin"
    return None


def rds_database_name_problem(engine: str, name: str) -> str | None:
    """Why RDS would refuse `name` as the initial database of an `engine` database, or None
    (CreateDBInstance DBName: "can't be a word reserved by the database engine")."""
    if "postgres" in engine and name.lower() in POSTGRES_RESERVED_WORDS:
        return f"{name!r} is a reserved SQL key word in PostgreSQL; pick another, e.g. app"
    return None


@cache
def rds_instance_classes(region: str, engine: str) -> frozenset[str]:
    """DB instance classes orderable for `engine` in `region` (AWS Pricing API via cfn-lint)."""
    by_region = _extension("aws_rds_dbinstance", "dbinstanceclass_enum")
    classes: set[str] = set()
    for clause in by_region.get(region, {}).get("allOf", []):
        props = clause.get("if", {}).get("properties", {})
        if props.get("Engine", {}).get("const") == engine:
            classes.update(clause["then"]["properties"]["DBInstanceClass"]["enum"])
    return frozenset(classes)


@cache
def _rds_model() -> dict[str, Any]:
    model: dict[str, Any] = _json(_botocore_data() / "rds" / "2014-10-31" / "service-2.json.gz")
    return model


_ENGINE_LABEL = {"aurora-postgresql": "Aurora PostgreSQL", "postgres": "RDS for PostgreSQL",
                 "aurora-mysql": "Aurora MySQL", "mysql": "RDS for MySQL"}


@cache
def rds_log_exports(engine: str) -> tuple[str, ...]:
    """Log types RDS accepts in `EnableCloudwatchLogsExports` for `engine`.

    Read from the API model's documentation (the list is documented, not modelled as an enum):
    CreateDBCluster for Aurora engines, CreateDBInstance otherwise. The RDS API reference agrees
    (CreateDBCluster, checked 2026-11-30: "Aurora PostgreSQL - instance | postgresql |
    iam-db-auth-error"); the older CloudwatchLogsExportConfiguration page lists only `postgresql`
    for Aurora PostgreSQL, and the newer API reference wins.
    """
    message = "CreateDBClusterMessage" if engine.startswith("aurora") else "CreateDBInstanceMessage"
    doc = _rds_model()["shapes"][message]["members"]["EnableCloudwatchLogsExports"]["documentation"]
    label = re.escape(_ENGINE_LABEL[engine])
    match = re.search(rf"<p>{label} - <code>([^<]+)</code>", doc)
    if match is None:
        raise RuntimeError(f"botocore's RDS model no longer lists log types for {engine}; re-check the pin")
    return tuple(part.strip() for part in match.group(1).split("|"))


POSTGRES_RESERVED_WORDS = frozenset({
    # PostgreSQL's reserved key words, which may name neither a role nor a database (PostgreSQL 17
    # documentation, Appendix C "SQL Key Words", the "reserved" column; checked 2026-11-30).
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
    "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
    "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning",
    "select", "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true",
    "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
})
"""SQL key words PostgreSQL reserves: RDS refuses them as master user and database names."""

RESERVED_MASTER_USERNAMES: dict[str, frozenset[str]] = {
    # rdsadmin on every engine and admin on PostgreSQL engines: cfn-lint's AWS::RDS::DBCluster schema
    # patch (cfn-lint PR #4425, verified by its authors against real deployments; in the pinned data).
    "*": frozenset({"rdsadmin"}),
    # Plus the key words and the roles RDS creates itself (RDS User Guide, "Understanding PostgreSQL roles
    # and permissions"; checked 2026-11-30).
    "postgres": POSTGRES_RESERVED_WORDS | {"admin", "rds_superuser", "rds_replication", "rds_iam", "rds_password",
                                           "rdsrepladmin", "rdstopmgr"},
}
"""Master user names RDS refuses, by engine family (`*`: every engine)."""


# -- ElastiCache ------------------------------------------------------------------------------------


@cache
def cache_engine_versions(engine: str) -> tuple[str, ...]:
    """Engine versions ElastiCache offers for `engine` (DescribeCacheEngineVersions via cfn-lint)."""
    document = _extension("aws_elasticache_cachecluster", "engine_version")
    return tuple(_engine_enum(document, engine, where="then"))


@cache
def _elasticache_model() -> dict[str, Any]:
    model: dict[str, Any] = _json(_botocore_data() / "elasticache" / "2015-02-02" / "service-2.json.gz")
    return model


@cache
def cache_parameter_families() -> tuple[str, ...]:
    """Parameter group families ElastiCache accepts (CreateCacheParameterGroup, botocore's model)."""
    doc = _elasticache_model()["shapes"]["CreateCacheParameterGroupMessage"]["members"]["CacheParameterGroupFamily"]
    match = re.search(r"Valid values are:(.*?)</p>", doc["documentation"], re.S)
    if match is None:
        raise RuntimeError("botocore's ElastiCache model no longer lists parameter group families; re-check the pin")
    return tuple(re.sub(r"<[^>]+>", "", part).strip() for part in match.group(1).split("|"))


def cache_parameter_group_family(engine: str, version: str) -> str | None:
    """The family of `engine` `version` (redis 6.2 -> redis6.x, valkey 8.0 -> valkey8), or None
    when AWS's list has none for it."""
    major, _, rest = version.partition(".")
    minor = rest.split(".")[0]
    for family in (f"{engine}{major}", f"{engine}{major}.x", f"{engine}{major}.{minor}"):
        if family in cache_parameter_families():
            return family
    return None


@cache
def cache_node_types(region: str) -> frozenset[str]:
    """Cache node types orderable in `region` (AWS Pricing API via cfn-lint)."""
    return frozenset(_extension("aws_elasticache_cachecluster", "cachenodetype_enum").get(region, {}).get("enum", []))


# -- Fargate --------------------------------------------------------------------------------------


@cache
def fargate_memory_by_cpu() -> dict[int, tuple[int, ...]]:
    """Fargate's valid (cpu units -> memory MiB) pairs for Linux tasks (cfn-lint's E3047 data)."""
    pairs: dict[int, tuple[int, ...]] = {}
    for option in _extension("aws_ecs_taskdefinition", "fargate_cpu_memory")["then"]["anyOf"]:
        cpu = int(option["properties"]["Cpu"]["then"]["enum"][0])
        memory = option["properties"]["Memory"]["then"]
        if "enum" in memory:
            pairs[cpu] = tuple(int(m) for m in memory["enum"])
        else:
            pairs[cpu] = tuple(range(memory["minimum"], memory["maximum"] + 1, memory["multipleOf"]))
    return pairs


# -- AWS Backup -----------------------------------------------------------------------------------

BACKUP_S3_POLICIES = (
    # AWS Managed Policy Reference, AWSBackupServiceRolePolicyForS3Backup and ...ForS3Restore (checked
    # 2026-11-30): a backup role needs both for S3, beside the service-role/ pair; they are not under
    # service-role/. Without them every S3 backup and restore job fails.
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
)
"""The managed policies AWS Backup's role needs to back up and restore S3 buckets."""


# -- EKS ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EksVersion:
    """One Kubernetes minor version on EKS and its support dates (UTC)."""

    version: str
    released: date
    """Amazon EKS release."""
    standard_until: date
    """End of standard support; extended support (about 6x the control-plane price) follows."""
    extended_until: date
    """End of extended support; then AWS upgrades the control plane itself."""


EKS_VERSIONS: tuple[EksVersion, ...] = (
    # Amazon EKS User Guide, "Understand the Kubernetes version lifecycle on EKS", release calendar
    # (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html; awsdocs/amazon-eks-user-guide
    # latest/ug/versioning/kubernetes-versions.adoc), checked 2026-11-30. 1.35 is listed as available on
    # standard support ("Review release notes for Kubernetes versions on standard support"); its dates
    # follow the calendar's rule (14 months standard, then 12 months extended) from its EKS release of
    # 2026-01-27, as endoflife.date/amazon-eks and aws-samples' EKS review skill (verified 2026-04-24) list.
    EksVersion("1.29", date(2024, 1, 23), date(2025, 3, 23), date(2026, 3, 23)),
    EksVersion("1.30", date(2024, 5, 23), date(2025, 7, 23), date(2026, 7, 23)),
    EksVersion("1.31", date(2024, 9, 26), date(2025, 11, 26), date(2026, 11, 26)),
    EksVersion("1.32", date(2025, 1, 23), date(2026, 3, 23), date(2027, 3, 23)),
    EksVersion("1.33", date(2025, 5, 29), date(2026, 7, 29), date(2027, 7, 29)),
    EksVersion("1.34", date(2025, 10, 2), date(2026, 12, 2), date(2027, 12, 2)),
    EksVersion("1.35", date(2026, 1, 27), date(2027, 3, 27), date(2028, 3, 27)),
)
"""The EKS release calendar as checked; newer versions are accepted with an advisory (add their row)."""


def eks_version(version: str) -> EksVersion | None:
    """The calendar row of `version`, or None when the table does not know it."""
    return next((v for v in EKS_VERSIONS if v.version == version), None)


EksSupport = Literal["standard", "extended", "ended", "newer", "unknown"]


def eks_support(version: str, today: date) -> tuple[EksSupport, EksVersion | None]:
    """Where `version` stands on the calendar at `today`, with its row: in `standard` support, in
    `extended` support (paid), `ended` (EKS no longer creates it), `newer` than the table (not judged),
    or `unknown` (older than the table, or never offered)."""
    row = eks_version(version)
    if row is None:
        newer = _version_key(version) > _version_key(EKS_VERSIONS[-1].version)
        return ("newer" if newer else "unknown"), None
    if today > row.extended_until:
        return "ended", row
    return ("extended" if today > row.standard_until else "standard"), row
