"""ElastiCache replication groups and clusters."""

from __future__ import annotations

from collections.abc import Iterator

try:  # imported as policies.rules (tests, tools)
    from ..framework import Subject, as_strings
except ImportError:  # run as the pack: its directory is on sys.path
    from framework import Subject, as_strings  # type: ignore[no-redef]

from .shared import setting
from .types import CACHE_CLUSTER


def cache_at_rest(res: Subject) -> Iterator[str]:
    # ElastiCache API CreateReplicationGroup, AtRestEncryptionEnabled: "Default: true when using Valkey, false when
    # using Redis OSS" (botocore's ElastiCache model; checked 2026-12-05). The provider's engine default is redis.
    value = res.props.get("atRestEncryptionEnabled")
    if value is False or (value is None and str(res.props.get("engine") or "redis") != "valkey"):
        yield f"Cache {res.name} is not encrypted at rest."


def cache_in_transit(res: Subject) -> Iterator[str]:
    if res.props.get("transitEncryptionEnabled") is not True:
        yield f"Cache {res.name} accepts unencrypted connections."
    elif res.props.get("transitEncryptionMode") == "preferred":
        yield f"Cache {res.name} still accepts plaintext (transitEncryptionMode preferred)."


cache_snapshots = setting("snapshotRetentionLimit", bool, "Cache {name} takes no automatic snapshots.")


def cache_failover(res: Subject) -> Iterator[str]:
    if res.props.get("automaticFailoverEnabled") is not True or res.props.get("multiAzEnabled") is not True:
        yield f"Cache {res.name} has no automatic multi-AZ failover."


def elasticache_auth(res: Subject) -> Iterator[str]:
    version = str(res.props.get("engineVersion") or "")
    major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else None
    if res.props.get("engine", "redis") == "redis" and major is not None and major < 6 \
            and not res.props.get("authToken") and not as_strings(res.props.get("userGroupIds")):
        yield f"Redis {version} replication group {res.name} has no AUTH token (versions before 6 have no RBAC)."


def cache_minor_upgrades(res: Subject) -> Iterator[str]:
    # Minor upgrades are a Redis OSS/Valkey setting (CreateCacheCluster AutoMinorVersionUpgrade, "Valkey 7.2 and above
    # or Redis OSS 6.0 and above"); a Memcached cluster is judged on its subnet group alone.
    memcached = res.type == CACHE_CLUSTER and str(res.props.get("engine")) == "memcached"
    if not memcached and res.props.get("autoMinorVersionUpgrade") is False:  # true is the default
        yield f"Cache {res.name} does not take automatic minor version upgrades."
    if res.props.get("subnetGroupName") in (None, "", "default"):
        yield f"Cache {res.name} uses the default subnet group."


def cache_access_control(res: Subject) -> Iterator[str]:
    if not res.props.get("authToken") and not as_strings(res.props.get("userGroupIds")):
        yield f"Cache {res.name} authenticates no client (no AUTH token, no user group): its security group is the only gate."
